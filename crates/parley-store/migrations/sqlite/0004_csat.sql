-- CSAT surveys (sqlite). One row per ticket at most (ticket_id is unique), so a ticket is
-- surveyed once however often it is resolved; the row is created when the ticket is first
-- resolved and its delay is a `csat.send` timer in the timers table.
--
-- state: scheduled (waiting for its timer), sent, rated, commented, skipped (skip_reason:
-- reopened, spam, recently_surveyed, window_closed, disabled, no_recipient).
CREATE TABLE csat_surveys (
    id                    INTEGER PRIMARY KEY,
    ticket_id             BIGINT NOT NULL UNIQUE REFERENCES tickets (id),
    -- Who owned the ticket when it was resolved (or when the survey was sent by hand).
    agent_id              BIGINT REFERENCES agents (id),
    team_id               BIGINT REFERENCES teams (id),
    state                 TEXT NOT NULL,
    skip_reason           TEXT,
    scheduled_at          BIGINT NOT NULL,
    sent_at               BIGINT,
    -- The survey message (its wa_message_id is known once Meta accepted it).
    message_id            BIGINT REFERENCES messages (id),
    -- Sent with POST /tickets/{id}/csat by this agent; NULL: by the timer.
    sent_by               BIGINT REFERENCES agents (id),
    rating                BIGINT CHECK (rating BETWEEN 1 AND 5),
    rated_at              BIGINT,
    rating_message_id     BIGINT REFERENCES messages (id),
    -- The follow-up question went out (ratings 1-3); a comment is awaited until answered.
    comment_requested_at  BIGINT,
    comment               TEXT,
    commented_at          BIGINT,
    comment_message_id    BIGINT REFERENCES messages (id),
    thanked_at            BIGINT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX csat_surveys_sent ON csat_surveys (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX csat_surveys_agent ON csat_surveys (agent_id, sent_at);
CREATE INDEX csat_surveys_team ON csat_surveys (team_id, sent_at);
CREATE INDEX csat_surveys_message ON csat_surveys (message_id);
CREATE INDEX csat_surveys_rating_message ON csat_surveys (rating_message_id);
CREATE INDEX csat_surveys_comment_message ON csat_surveys (comment_message_id);

-- Why a ticket was closed, when an agent said so; `spam` means no CSAT survey.
ALTER TABLE tickets ADD COLUMN close_reason TEXT;
