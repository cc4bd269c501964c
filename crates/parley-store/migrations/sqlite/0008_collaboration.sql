-- Agents working together on a ticket: whispers, @mentions, canned responses.

-- A whisper is a supervisor's note for one agent: the ticket's assignee when
-- it was written. Only its author, that agent and supervisors see it.
ALTER TABLE messages ADD COLUMN whisper_to BIGINT REFERENCES agents (id);

-- One row per agent named in a note. Unread until the agent opens the ticket;
-- the "mentions" view lists the tickets, its count the unread ones.
CREATE TABLE mentions (
    id          INTEGER PRIMARY KEY,
    message_id  BIGINT NOT NULL REFERENCES messages (id),
    ticket_id   BIGINT NOT NULL REFERENCES tickets (id),
    agent_id    BIGINT NOT NULL REFERENCES agents (id),
    author_id   BIGINT REFERENCES agents (id),
    created_at  BIGINT NOT NULL,
    read_at     BIGINT,
    UNIQUE (message_id, agent_id)
);
CREATE INDEX mentions_agent_ticket ON mentions (agent_id, ticket_id);
CREATE INDEX mentions_unread ON mentions (agent_id, ticket_id) WHERE read_at IS NULL;

-- Saved replies, inserted from the reply box with "/shortcut". The body may
-- hold {{variables}} filled per ticket (see parley_core::placeholders).
CREATE TABLE canned_responses (
    id          INTEGER PRIMARY KEY,
    shortcut    TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_by  BIGINT REFERENCES agents (id),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
