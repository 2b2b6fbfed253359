-- Account e-mails: forgotten passwords and e-mailed invitations (same shape as
-- migrations/sqlite/0013_password_resets.sql, which explains each column).
CREATE TABLE password_resets (
    id         UUID PRIMARY KEY,
    email_key  TEXT NOT NULL,
    email      TEXT,
    user_id    UUID REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX password_resets_email_key ON password_resets (email_key, created_at);
CREATE INDEX password_resets_created ON password_resets (created_at);
CREATE INDEX password_resets_user ON password_resets (user_id);

ALTER TABLE invites ADD COLUMN email TEXT;
ALTER TABLE invites ADD COLUMN locale TEXT;
