-- Accounts, sessions, invitations, families. Timestamps are RFC 3339 UTC text
-- ("2026-11-26T21:38:38Z") written by the application, so they sort as text.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    phone         TEXT,
    locale        TEXT NOT NULL DEFAULT 'fr' CHECK (locale IN ('fr', 'nl', 'en')),
    role          TEXT NOT NULL DEFAULT 'parent' CHECK (role IN ('parent', 'teacher', 'admin')),
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    deleted_at    TEXT,
    -- "first last | last first", lower case without accents (sh_text_fold), for search
    search_name   TEXT NOT NULL DEFAULT '',
    -- carried in access tokens; a password change increments it, voiding older tokens
    token_generation INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX users_directory ON users (last_name, first_name, id);

CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    rotated_at  TEXT,
    revoked_at  TEXT
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE login_failures (
    id        TEXT PRIMARY KEY,
    email     TEXT NOT NULL,
    failed_at TEXT NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, failed_at);
CREATE INDEX login_failures_age ON login_failures (failed_at);

CREATE TABLE invites (
    id         TEXT PRIMARY KEY,
    code_hash  TEXT NOT NULL UNIQUE,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_by    TEXT REFERENCES users (id) ON DELETE SET NULL,
    used_at    TEXT
);

CREATE TABLE children (
    id            TEXT PRIMARY KEY,
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    class_name    TEXT NOT NULL CHECK (class_name IN ('M1','M2','M3','P1','P2','P3','P4','P5','P6')),
    birth_date    TEXT,
    photo_consent INTEGER NOT NULL DEFAULT 0 CHECK (photo_consent IN (0, 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE child_guardians (
    child_id     TEXT NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    relationship TEXT NOT NULL DEFAULT 'parent',
    created_at   TEXT NOT NULL,
    PRIMARY KEY (child_id, user_id)
);
CREATE INDEX child_guardians_user ON child_guardians (user_id);
