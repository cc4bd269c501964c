-- The search index is filled in batches off the ingest path instead of by a
-- trigger on every insert: with five prefix indexes, one FTS5 segment per
-- small ingest transaction cost 30% of webhook processing throughput. A
-- background task (and every search, for what is left) indexes the messages
-- above `indexed_upto` in one transaction; edits and deletes of rows already
-- indexed still go through triggers, and rows not yet indexed are skipped by
-- them (deleting tokens an external-content index never had corrupts it).
CREATE TABLE search_index_state (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_upto  BIGINT NOT NULL
);
INSERT INTO search_index_state (id, indexed_upto) SELECT 1, COALESCE(MAX(id), 0) FROM messages;

DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
WHEN old.text IS NOT NULL AND old.id <= (SELECT indexed_upto FROM search_index_state) BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages
WHEN old.id <= (SELECT indexed_upto FROM search_index_state) BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text)
        SELECT 'delete', old.id, old.text WHERE old.text IS NOT NULL;
    INSERT INTO messages_fts (rowid, text) SELECT new.id, new.text WHERE new.text IS NOT NULL;
END;
