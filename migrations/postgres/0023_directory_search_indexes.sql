-- The members directory's search (issue #10): the members of a rare word are read from
-- user_search_words, then looked up one by one in users. This index answers that lookup
-- with everything the directory needs (name, order, whether the member is still active)
-- without reading the row. Without it PostgreSQL judged a few hundred lookups dearer than
-- reading all the members into a hash (6-24 ms instead of 1 ms at 10,000 families), and
-- SQLite read each member's row after its primary-key entry (docs/PERFORMANCE.md,
-- 2026-12-06 session 8).
CREATE INDEX users_directory_by_id ON users (id, last_name, first_name, active, deleted_at);
