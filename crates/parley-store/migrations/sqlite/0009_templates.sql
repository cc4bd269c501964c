-- WhatsApp message templates, synced from the business account at Meta. A
-- sync replaces the set (a template deleted at Meta disappears); a row keeps
-- its id across syncs, so only what changed at Meta changes here.
CREATE TABLE wa_templates (
    id                INTEGER PRIMARY KEY,
    meta_id           TEXT NOT NULL,
    name              TEXT NOT NULL,
    language          TEXT NOT NULL,
    status            TEXT NOT NULL,
    category          TEXT NOT NULL,
    parameter_format  TEXT,
    -- Meta's components array, as JSON text.
    components        TEXT NOT NULL,
    -- Why Meta rejected, paused or disabled it, when it said.
    status_reason     TEXT,
    status_changed_at BIGINT NOT NULL,
    synced_at         BIGINT NOT NULL,
    UNIQUE (name, language)
);
CREATE INDEX wa_templates_meta_id ON wa_templates (meta_id);
