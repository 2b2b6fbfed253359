-- The members directory's search (issue #10): the members of a rare word are read from
-- user_search_words, then looked up one by one in users. This index answers that lookup
-- with everything the directory needs (name, order, whether the member is still active)
-- without reading the row. Without it PostgreSQL judged a few hundred lookups dearer than
-- reading all the members into a hash (6-24 ms instead of 1 ms at 10,000 families), and
-- SQLite read each member's row after its primary-key entry (docs/PERFORMANCE.md,
-- 2026-12-06 session 8).
CREATE INDEX users_directory_by_id ON users (id, last_name, first_name, active, deleted_at);

-- SQLite only: the lists' order with the words each row is checked on. A common word
-- ("ma", "garde") reads the list's index in order and checks each row's words until the
-- page is full (a few hundred rows); with the words in the index, only the rows kept are
-- read from the table (CPU per query at 10,000 families: members "ma" 152 -> 67 µs, SEL
-- "garde" 177 -> 132 µs). Not on PostgreSQL: a description of 2,000 characters can
-- exceed its B-tree entry limit (about 2,700 bytes), which would refuse the write, and
-- its members' rows change at every login (the heap is read anyway).
CREATE INDEX users_directory_words ON users (last_name, first_name, id, active, deleted_at, search_name);
CREATE INDEX sel_services_recent_words ON sel_services (is_active, created_at, id, category, search_text);
