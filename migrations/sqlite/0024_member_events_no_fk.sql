-- member_events loses its foreign key to users. A message to a class conversation writes
-- one row per member in the same transaction as the message (1,000 rows for a large
-- class), and checking the key row by row was half the cost of that INSERT on PostgreSQL
-- (bench/realtime_bench.sh: the POST's 26 ms at p50). The key guarded nothing the writers
-- don't already: every fan-out selects its recipients from the current members in the same
-- transaction, a users row is never deleted (erasure empties it and sets deleted_at), and
-- erasure deletes the member's events itself (sh_events_erase_member), so ON DELETE
-- CASCADE never ran. SQLite cannot drop a constraint: the table is rebuilt, ids kept, and
-- the AUTOINCREMENT high-water mark carried over so that an id is never handed out twice
-- (a client's last event id must never point at a different event).
CREATE TABLE member_events_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    data       TEXT NOT NULL,  -- a JSON object: the event's "data" as the client gets it
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
INSERT INTO member_events_new (id, user_id, kind, data, created_at)
    SELECT id, user_id, kind, data, created_at FROM member_events;
-- The copy set the new table's mark to its largest id; the old mark may be higher (the
-- newest events already purged). sqlite_sequence has no key on name: update, else insert.
UPDATE sqlite_sequence SET seq = (SELECT MAX(seq) FROM sqlite_sequence
                                  WHERE name IN ('member_events', 'member_events_new'))
    WHERE name = 'member_events_new';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'member_events_new', seq FROM sqlite_sequence WHERE name = 'member_events'
    AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'member_events_new');
DROP TABLE member_events;
ALTER TABLE member_events_new RENAME TO member_events;
CREATE INDEX member_events_user ON member_events (user_id, id);
CREATE INDEX member_events_created ON member_events (created_at);
