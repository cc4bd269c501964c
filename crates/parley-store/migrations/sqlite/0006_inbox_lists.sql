-- The inbox's list views at scale: sort keys the database can index, and
-- indexes for each view over the open tickets only (a help desk with a
-- million tickets has a few thousand open; the partial indexes stay that
-- small, so closed history costs the live views nothing).
--
-- Generated columns, so no writer can forget them. SQLite adds them VIRTUAL
-- (computed on read; the indexes store them).

-- 1 for the statuses an agent still works on. The list query asks for
-- "is_open = 1" rather than "status IN (…)": the planner then cannot pick
-- the older (status, …) index and sort, and the partial indexes below
-- match the query's term exactly.
ALTER TABLE tickets ADD COLUMN is_open BIGINT GENERATED ALWAYS AS (
    CASE WHEN status IN ('new', 'assigned', 'in_progress', 'pending') THEN 1 ELSE 0 END
) VIRTUAL;
-- urgent 3, high 2, medium 1, low 0: "priority" sorts by this, urgent first.
ALTER TABLE tickets ADD COLUMN priority_rank BIGINT GENERATED ALWAYS AS (
    CASE priority WHEN 'urgent' THEN 3 WHEN 'high' THEN 2 WHEN 'medium' THEN 1 ELSE 0 END
) VIRTUAL;
-- The next pending SLA due time (first response or resolution, whichever
-- is sooner), as the inbox countdown shows it; NULL when none is pending.
ALTER TABLE tickets ADD COLUMN sla_due_at BIGINT GENERATED ALWAYS AS (
    CASE
        WHEN sla_first_response_due IS NULL THEN sla_resolution_due
        WHEN sla_resolution_due IS NULL OR sla_first_response_due <= sla_resolution_due
            THEN sla_first_response_due
        ELSE sla_resolution_due
    END
) VIRTUAL;
-- The earliest pending warning: at or before now, the ticket is at risk.
ALTER TABLE tickets ADD COLUMN sla_warn_at BIGINT GENERATED ALWAYS AS (
    CASE
        WHEN sla_first_response_warn_at IS NULL THEN sla_resolution_warn_at
        WHEN sla_resolution_warn_at IS NULL OR sla_first_response_warn_at <= sla_resolution_warn_at
            THEN sla_first_response_warn_at
        ELSE sla_resolution_warn_at
    END
) VIRTUAL;

CREATE INDEX tickets_open_activity ON tickets (last_message_at, id)
    WHERE is_open = 1;
CREATE INDEX tickets_open_assignee_activity ON tickets (assignee_id, last_message_at, id)
    WHERE is_open = 1;
CREATE INDEX tickets_open_team_activity ON tickets (team_id, last_message_at, id)
    WHERE is_open = 1;
CREATE INDEX tickets_open_priority ON tickets (priority_rank, last_message_at, id)
    WHERE is_open = 1;
CREATE INDEX tickets_open_created ON tickets (created_at, id)
    WHERE is_open = 1;
CREATE INDEX tickets_open_sla ON tickets (sla_due_at, id)
    WHERE is_open = 1;
CREATE INDEX tickets_open_assignee_sla ON tickets (assignee_id, sla_due_at, id)
    WHERE is_open = 1;
CREATE INDEX tickets_open_team_sla ON tickets (team_id, sla_due_at, id)
    WHERE is_open = 1;
CREATE INDEX tickets_open_warn ON tickets (sla_warn_at)
    WHERE is_open = 1;
-- History (any status, or one closed status) in the other orders; by
-- activity it already has tickets_activity and tickets_status_activity.
CREATE INDEX tickets_created ON tickets (created_at, id);
CREATE INDEX tickets_priority_activity ON tickets (priority_rank, last_message_at, id);
CREATE INDEX tickets_status_created ON tickets (status, created_at, id);
CREATE INDEX tickets_status_priority ON tickets (status, priority_rank, last_message_at, id);
-- "SLA due first" outside the open views: only tickets with a pending
-- deadline are in these (open ones, in practice), so finding that a closed
-- view has none is one short range, not a walk through the whole history.
CREATE INDEX tickets_sla_due ON tickets (sla_due_at, id) WHERE sla_due_at IS NOT NULL;
CREATE INDEX tickets_status_sla ON tickets (status, sla_due_at, id) WHERE sla_due_at IS NOT NULL;
