-- Routing, SLA clocks and escalation (sqlite).

-- What routing needs to know about an agent. Availability is set by the agent
-- from the inbox; capacity is the most active conversations they take at once.
ALTER TABLE agents ADD COLUMN availability TEXT NOT NULL DEFAULT 'offline';
ALTER TABLE agents ADD COLUMN availability_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN skills TEXT NOT NULL DEFAULT '[]';
ALTER TABLE agents ADD COLUMN languages TEXT NOT NULL DEFAULT '[]';
ALTER TABLE agents ADD COLUMN seniority BIGINT NOT NULL DEFAULT 2;
ALTER TABLE agents ADD COLUMN capacity BIGINT NOT NULL DEFAULT 6;
ALTER TABLE agents ADD COLUMN last_assigned_at BIGINT NOT NULL DEFAULT 0;

-- routed_at NULL: the router still has to decide. queued_at set: the ticket waits in
-- its team's queue for an agent with room.
ALTER TABLE tickets ADD COLUMN routed_at BIGINT;
ALTER TABLE tickets ADD COLUMN queued_at BIGINT;
ALTER TABLE tickets ADD COLUMN routing_strategy TEXT;
ALTER TABLE tickets ADD COLUMN issue_type TEXT;
ALTER TABLE tickets ADD COLUMN language TEXT;
ALTER TABLE tickets ADD COLUMN bot_only BIGINT NOT NULL DEFAULT 0;
-- The SLA clock (time consumed before the running segment, and when that segment
-- began; NULL = stopped) and the deadlines computed from it.
ALTER TABLE tickets ADD COLUMN sla_elapsed_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN sla_running_since BIGINT;
ALTER TABLE tickets ADD COLUMN sla_first_response_warn_at BIGINT;
ALTER TABLE tickets ADD COLUMN sla_first_response_due BIGINT;
ALTER TABLE tickets ADD COLUMN sla_resolution_warn_at BIGINT;
ALTER TABLE tickets ADD COLUMN sla_resolution_due BIGINT;
ALTER TABLE tickets ADD COLUMN sla_escalate_at BIGINT;
ALTER TABLE tickets ADD COLUMN sla_source TEXT;
ALTER TABLE tickets ADD COLUMN sla_first_response_breached_at BIGINT;
ALTER TABLE tickets ADD COLUMN sla_resolution_breached_at BIGINT;
-- 1 = deadlines must be recomputed (new configuration, tickets from before this schema).
ALTER TABLE tickets ADD COLUMN sla_dirty BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN escalation_level BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tickets ADD COLUMN escalated_at BIGINT;

UPDATE tickets SET routed_at = created_at;
UPDATE tickets SET sla_dirty = 1 WHERE status NOT IN ('resolved', 'closed');

CREATE INDEX tickets_unrouted ON tickets (id) WHERE routed_at IS NULL;
CREATE INDEX tickets_queue ON tickets (team_id, queued_at, id) WHERE queued_at IS NOT NULL;
CREATE INDEX tickets_open_assignee ON tickets (assignee_id) WHERE status IN ('assigned', 'in_progress');
CREATE INDEX tickets_sla_dirty ON tickets (id) WHERE sla_dirty = 1;
CREATE INDEX tickets_contact_closed ON tickets (contact_id, closed_at);

-- Every deadline is a timer: SLA warnings and breaches, auto-escalation, the VIP window.
-- fired_at is claimed with a conditional update, so a timer acts once, even across restarts.
CREATE TABLE timers (
    id          INTEGER PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES tickets (id),
    kind        TEXT NOT NULL,
    due_at      BIGINT NOT NULL,
    fired_at    BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX timers_due ON timers (due_at, id) WHERE fired_at IS NULL;
CREATE INDEX timers_ticket ON timers (ticket_id, kind);

-- Named settings documents (the desk configuration: teams, hours, SLA, routing, escalation).
CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  BIGINT
);

-- Signed notifications for the business's own endpoint (Slack, PagerDuty, …), sent with retries.
CREATE TABLE notifications (
    id               INTEGER PRIMARY KEY,
    event            TEXT NOT NULL,
    body             TEXT NOT NULL,
    state            TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    last_error       TEXT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX notifications_due ON notifications (next_attempt_at, id) WHERE state = 'pending';
