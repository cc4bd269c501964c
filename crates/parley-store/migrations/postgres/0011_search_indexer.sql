-- SQLite's search index moved off the ingest path (see the sqlite folder's
-- 0011). PostgreSQL's tsvector column is generated with the row and its GIN
-- index buffers inserts itself (fastupdate), so nothing changes here.
SELECT 1;
