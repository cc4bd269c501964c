-- The backlog over time (reports.rs, backlog_history) replays status changes
-- since the start of a report's period: a range over this index, not a scan
-- of every audit row (notes, assignments, SLA warnings…).
CREATE INDEX audit_log_status_changed ON audit_log (created_at) WHERE action = 'status_changed';
