-- Accounts, sessions, invitations, families (same shape as migrations/sqlite/0001_core.sql).
CREATE TABLE users (
    id            UUID PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    phone         TEXT,
    locale        TEXT NOT NULL DEFAULT 'fr' CHECK (locale IN ('fr', 'nl', 'en')),
    role          TEXT NOT NULL DEFAULT 'parent' CHECK (role IN ('parent', 'teacher', 'admin')),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    deleted_at    TIMESTAMPTZ,
    -- "first last | last first", lower case without accents (sh_text_fold), for search
    search_name   TEXT NOT NULL DEFAULT '',
    -- carried in access tokens; a password change increments it, voiding older tokens
    token_generation INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX users_directory ON users (last_name, first_name, id);

CREATE TABLE refresh_tokens (
    id          UUID PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   UUID NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    rotated_at  TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE login_failures (
    id        UUID PRIMARY KEY,
    email     TEXT NOT NULL,
    failed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, failed_at);
CREATE INDEX login_failures_age ON login_failures (failed_at);

CREATE TABLE invites (
    id         UUID PRIMARY KEY,
    code_hash  TEXT NOT NULL UNIQUE,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_by    UUID REFERENCES users (id) ON DELETE SET NULL,
    used_at    TIMESTAMPTZ
);

CREATE TABLE children (
    id            UUID PRIMARY KEY,
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    class_name    TEXT NOT NULL CHECK (class_name IN ('M1','M2','M3','P1','P2','P3','P4','P5','P6')),
    birth_date    DATE,
    photo_consent BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE child_guardians (
    child_id     UUID NOT NULL REFERENCES children (id) ON DELETE CASCADE,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    relationship TEXT NOT NULL DEFAULT 'parent',
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (child_id, user_id)
);
CREATE INDEX child_guardians_user ON child_guardians (user_id);
