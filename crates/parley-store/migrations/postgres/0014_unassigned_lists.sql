-- The unassigned queue in each of its orders. PostgreSQL takes an index's
-- order only after `=` conditions, never after `assignee_id IS NULL`, so the
-- assignee indexes made every unassigned page read and sort the whole queue
-- (6,000 tickets in the benchmark: 26-34 ms a page instead of under 1).
CREATE INDEX tickets_unassigned_activity ON tickets (last_message_at, id)
    WHERE is_open = 1 AND assignee_id IS NULL;
CREATE INDEX tickets_unassigned_sla ON tickets (sla_due_at, id)
    WHERE is_open = 1 AND assignee_id IS NULL;
CREATE INDEX tickets_unassigned_priority ON tickets (priority_rank, last_message_at, id)
    WHERE is_open = 1 AND assignee_id IS NULL;
CREATE INDEX tickets_unassigned_created ON tickets (created_at, id)
    WHERE is_open = 1 AND assignee_id IS NULL;
-- Open tickets are few and often unassigned, closed ones many and assigned:
-- multiplying the two columns' selectivities, the planner expected 139
-- unassigned open tickets where there were 6,000, and chose plans for 139.
CREATE STATISTICS tickets_open_assignee (mcv) ON is_open, assignee_id FROM tickets;
