-- Notifications (same shape as migrations/sqlite/0014_notifications.sql, which explains
-- each table).
CREATE TABLE notifications (
    id          UUID PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    params      TEXT NOT NULL,
    link        TEXT,
    ref         TEXT,
    urgent      BOOLEAN NOT NULL DEFAULT FALSE,
    in_app      BOOLEAN NOT NULL DEFAULT TRUE,
    email_mode  TEXT NOT NULL CHECK (email_mode IN ('immediate', 'daily', 'weekly', 'off')),
    created_at  TIMESTAMPTZ NOT NULL,
    read_at     TIMESTAMPTZ,
    emailed_at  TIMESTAMPTZ
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE UNIQUE INDEX notifications_ref ON notifications (user_id, kind, ref) WHERE ref IS NOT NULL;
CREATE INDEX notifications_digest ON notifications (user_id) WHERE read_at IS NULL AND emailed_at IS NULL;

CREATE TABLE notification_prefs (
    user_id        UUID PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    kinds          TEXT NOT NULL,
    quiet_start    TEXT NOT NULL,
    quiet_end      TEXT NOT NULL,
    quiet_weekends BOOLEAN NOT NULL,
    digest_hour    INTEGER NOT NULL CHECK (digest_hour BETWEEN 0 AND 23),
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE notification_schedule (
    name    TEXT NOT NULL,
    due_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (name, due_at)
);
