-- Reports (the quality table): each figure is a range over when something
-- was decided. The expressions are the ones crates/parley-store/src/reports.rs
-- queries, word for word, so the planner can use them.

-- First-response target decided: breached, else answered.
CREATE INDEX tickets_first_response_decided
    ON tickets ((COALESCE(sla_first_response_breached_at, first_response_at)));
-- Resolution target decided: breached, else resolved.
CREATE INDEX tickets_resolution_decided
    ON tickets ((COALESCE(sla_resolution_breached_at, resolved_at)));
CREATE INDEX tickets_resolved_at ON tickets (resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX tickets_first_response_at ON tickets (first_response_at)
    WHERE first_response_at IS NOT NULL;
-- Volume by hour and weekday counts customer messages as they arrived.
CREATE INDEX messages_inbound_created ON messages (created_at) WHERE direction = 'inbound';
