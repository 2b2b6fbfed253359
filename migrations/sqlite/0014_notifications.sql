-- Notifications (issue #13): what happened that concerns a member, shown in the app (the
-- bell) and sent by e-mail at once, after the quiet hours, or gathered in a digest.
-- A row keeps the kind and its parameters, not a rendered text: titles and bodies are
-- rendered when read, in the member's language of that moment (src/modules/notifications/
-- notify_texts.c). Written in the same transaction as the change it reports.
CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,            -- v7: ordered by creation, the list's cursor
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    params      TEXT NOT NULL,               -- a JSON object: the text's values
    link        TEXT,                        -- a path inside the app ("/sel"), or NULL
    ref         TEXT,                        -- the source object: one notification per ref
    urgent      INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),
    in_app      INTEGER NOT NULL DEFAULT 1 CHECK (in_app IN (0, 1)), -- listed in the bell
    email_mode  TEXT NOT NULL CHECK (email_mode IN ('immediate', 'daily', 'weekly', 'off')),
    created_at  TEXT NOT NULL,
    read_at     TEXT,
    emailed_at  TEXT                         -- sent alone or in a digest
);
CREATE INDEX notifications_user ON notifications (user_id, id);
-- One e-mail per person per announcement however many children: a source object
-- notifies a member once per kind.
CREATE UNIQUE INDEX notifications_ref ON notifications (user_id, kind, ref) WHERE ref IS NOT NULL;
CREATE INDEX notifications_digest ON notifications (user_id) WHERE read_at IS NULL AND emailed_at IS NULL;

-- A member's choices; no row means the defaults. "kinds" holds every kind's
-- {email, in_app} as last saved (kinds added later take their defaults).
CREATE TABLE notification_prefs (
    user_id        TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    kinds          TEXT NOT NULL,
    quiet_start    TEXT NOT NULL,            -- "HH:MM", Europe/Brussels
    quiet_end      TEXT NOT NULL,
    quiet_weekends INTEGER NOT NULL CHECK (quiet_weekends IN (0, 1)),
    digest_hour    INTEGER NOT NULL CHECK (digest_hour BETWEEN 0 AND 23),
    updated_at     TEXT NOT NULL
);

-- Scheduled work runs once per due time across instances: whoever inserts (name, due_at)
-- first enqueues the job, in the same transaction; the others meet the primary key.
CREATE TABLE notification_schedule (
    name    TEXT NOT NULL,                   -- "tick", "digest:<user id>"
    due_at  TEXT NOT NULL,
    PRIMARY KEY (name, due_at)
);
