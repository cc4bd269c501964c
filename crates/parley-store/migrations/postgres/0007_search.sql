-- Full-text search over every message and note (their text, media
-- captions included): a generated tsvector and a GIN index on it.
-- The 'simple' configuration folds case but does not stem, so results do
-- not depend on a language, like SQLite's unicode61 tokenizer; unaccent is
-- an extension a managed server may not offer, so diacritics are kept.
ALTER TABLE messages ADD COLUMN text_search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', coalesce(text, ''))) STORED;
CREATE INDEX messages_text_search ON messages USING GIN (text_search);
