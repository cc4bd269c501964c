-- Parley foundation schema (SQLite). Timestamps are Unix milliseconds, JSON is TEXT,
-- booleans are 0/1 integers, so the same queries run on PostgreSQL.

-- Raw webhook bodies, committed before Meta gets its 200. processed_at NULL = still to do.
CREATE TABLE webhook_log (
    id            INTEGER PRIMARY KEY,
    received_at   BIGINT NOT NULL,
    body          TEXT NOT NULL,
    processed_at  BIGINT,
    attempts      BIGINT NOT NULL DEFAULT 0,
    last_error    TEXT
);
CREATE INDEX webhook_log_pending ON webhook_log (id) WHERE processed_at IS NULL;

CREATE TABLE agents (
    id             INTEGER PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    role           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    active         BIGINT NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL
);

CREATE TABLE auth_tokens (
    id            INTEGER PRIMARY KEY,
    agent_id      BIGINT NOT NULL REFERENCES agents (id),
    token_hash    TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    name          TEXT,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    revoked_at    BIGINT
);

CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE team_members (
    team_id   BIGINT NOT NULL REFERENCES teams (id),
    agent_id  BIGINT NOT NULL REFERENCES agents (id),
    PRIMARY KEY (team_id, agent_id)
);

-- A WhatsApp user. Identified by phone (wa_id) or business-scoped user id; either may be missing.
CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    wa_id       TEXT UNIQUE,
    user_id     TEXT UNIQUE,
    name        TEXT,
    username    TEXT,
    tags        TEXT NOT NULL DEFAULT '[]',
    segment     TEXT,
    vip         BIGINT NOT NULL DEFAULT 0,
    attributes  TEXT NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE tickets (
    id                    INTEGER PRIMARY KEY,
    contact_id            BIGINT NOT NULL REFERENCES contacts (id),
    phone_number_id       TEXT NOT NULL,
    status                TEXT NOT NULL,
    priority              TEXT NOT NULL,
    assignee_id           BIGINT REFERENCES agents (id),
    team_id               BIGINT REFERENCES teams (id),
    last_message_preview  TEXT,
    last_message_at       BIGINT NOT NULL,
    last_inbound_at       BIGINT,
    first_response_at     BIGINT,
    resolved_at           BIGINT,
    closed_at             BIGINT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX tickets_contact ON tickets (contact_id, id);
CREATE INDEX tickets_activity ON tickets (last_message_at, id);
CREATE INDEX tickets_status_activity ON tickets (status, last_message_at, id);
CREATE INDEX tickets_assignee_activity ON tickets (assignee_id, last_message_at, id);
CREATE INDEX tickets_team_activity ON tickets (team_id, last_message_at, id);

CREATE TABLE ticket_labels (
    ticket_id  BIGINT NOT NULL REFERENCES tickets (id),
    label      TEXT NOT NULL,
    PRIMARY KEY (ticket_id, label)
);
CREATE INDEX ticket_labels_label ON ticket_labels (label, ticket_id);

CREATE TABLE media (
    id               INTEGER PRIMARY KEY,
    sha256           TEXT,
    mime_type        TEXT,
    filename         TEXT,
    size             BIGINT,
    wa_media_id      TEXT,
    state            TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL DEFAULT 0,
    last_error       TEXT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX media_pending ON media (state, next_attempt_at);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    ticket_id       BIGINT NOT NULL REFERENCES tickets (id),
    direction       TEXT NOT NULL,
    type            TEXT NOT NULL,
    text            TEXT,
    content         TEXT NOT NULL DEFAULT '{}',
    raw             TEXT,
    wa_message_id   TEXT UNIQUE,
    status          TEXT,
    error_code      BIGINT,
    error_message   TEXT,
    reply_to_wamid  TEXT,
    author_id       BIGINT REFERENCES agents (id),
    media_id        BIGINT REFERENCES media (id),
    sent_at         BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX messages_ticket ON messages (ticket_id, id);

-- Every status webhook once: the (message id, status) pair is the dedupe key.
CREATE TABLE message_statuses (
    wa_message_id  TEXT NOT NULL,
    status         TEXT NOT NULL,
    timestamp      BIGINT NOT NULL,
    error_code     BIGINT,
    error_message  TEXT,
    raw            TEXT NOT NULL,
    received_at    BIGINT NOT NULL,
    PRIMARY KEY (wa_message_id, status)
);

-- Replies waiting for the Graph API. One row per message; retries reuse it.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    message_id       BIGINT NOT NULL UNIQUE REFERENCES messages (id),
    phone_number_id  TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_recipient ON outbox (recipient, state, id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    ticket_id   BIGINT,
    contact_id  BIGINT,
    actor_id    BIGINT,
    action      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '{}',
    created_at  BIGINT NOT NULL
);
CREATE INDEX audit_log_ticket ON audit_log (ticket_id, id);
CREATE INDEX audit_log_contact ON audit_log (contact_id, id);
