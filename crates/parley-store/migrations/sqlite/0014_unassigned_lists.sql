-- The unassigned queue in each of its orders (as on PostgreSQL, where an
-- index's order does not carry past `assignee_id IS NULL`; here they keep
-- the queue's pages from walking the assignee indexes' NULL range).
CREATE INDEX tickets_unassigned_activity ON tickets (last_message_at, id)
    WHERE is_open = 1 AND assignee_id IS NULL;
CREATE INDEX tickets_unassigned_sla ON tickets (sla_due_at, id)
    WHERE is_open = 1 AND assignee_id IS NULL;
CREATE INDEX tickets_unassigned_priority ON tickets (priority_rank, last_message_at, id)
    WHERE is_open = 1 AND assignee_id IS NULL;
CREATE INDEX tickets_unassigned_created ON tickets (created_at, id)
    WHERE is_open = 1 AND assignee_id IS NULL;
