-- The FAQ bot: which conversations it holds, what it remembers between
-- messages, and one row per customer message it has answered.

-- bot_state: NULL (the bot never had it), 'active' (the bot is answering;
-- routing waits), 'handed_off' (passed to people), 'deflected' (resolved
-- without a person), 'abandoned' (the customer left while the bot waited
-- for an answer).
ALTER TABLE tickets ADD COLUMN bot_state TEXT;
-- The first intent the bot answered: deflection is reported per intent.
ALTER TABLE tickets ADD COLUMN bot_intent TEXT;
-- When an untouched bot conversation resolves, and as what.
ALTER TABLE tickets ADD COLUMN bot_idle_at BIGINT;
ALTER TABLE tickets ADD COLUMN bot_idle_state TEXT;
ALTER TABLE tickets ADD COLUMN bot_ended_at BIGINT;
-- The bot worker polls these every second: partial indexes keep that cheap
-- however many tickets there are.
CREATE INDEX tickets_bot_active ON tickets (id) WHERE bot_state = 'active';
CREATE INDEX tickets_bot_idle ON tickets (bot_idle_at) WHERE bot_state = 'active';
CREATE INDEX tickets_bot_ended ON tickets (bot_ended_at) WHERE bot_state IS NOT NULL;

CREATE TABLE bot_sessions (
    ticket_id   BIGINT PRIMARY KEY REFERENCES tickets (id),
    state       TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- The message id is the key: a message is answered once, whatever restarts.
CREATE TABLE bot_turns (
    message_id  BIGINT PRIMARY KEY REFERENCES messages (id),
    ticket_id   BIGINT NOT NULL REFERENCES tickets (id),
    outcome     TEXT NOT NULL,
    intent      TEXT,
    analysis    TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX bot_turns_ticket ON bot_turns (ticket_id, message_id);
