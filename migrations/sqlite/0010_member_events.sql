-- Member events (issue #12): the durable log behind the realtime channel. One row per
-- recipient member per event, written in the same transaction as the change it describes
-- (include/schoolhub/events.h explains the order lock writers take on PostgreSQL); a
-- client reconnecting with its last event id is sent every row after it. AUTOINCREMENT:
-- an id is never reused, even after the newest rows were purged, so a client's last id
-- can never point at a different event. created_at is the database's clock (fan-out
-- INSERT ... SELECT statements leave it out) in the RFC 3339 UTC text of 0001.
CREATE TABLE member_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    data       TEXT NOT NULL,  -- a JSON object: the event's "data" as the client gets it
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX member_events_user ON member_events (user_id, id);
CREATE INDEX member_events_created ON member_events (created_at);
