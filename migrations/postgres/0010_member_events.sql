-- Member events (same shape as migrations/sqlite/0010_member_events.sql, which explains
-- the table). An identity never hands an id out twice.
CREATE TABLE member_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    data       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX member_events_user ON member_events (user_id, id);
CREATE INDEX member_events_created ON member_events (created_at);
