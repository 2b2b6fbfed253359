-- Account e-mails (issue #13): forgotten passwords, and invitations sent by e-mail.
--
-- One row per "forgotten password" request, for any well-formed address: the request
-- writes the same row and the same job whether or not an account has the address, so
-- neither the answer nor its timing says which (the job decides, when it runs). The
-- token is never stored: the job derives it from the row id under the server's secret
-- key (src/modules/auth/link_tokens.h) and this table keeps its hash. Single use
-- (used_at), 30 minutes, and only for the account the e-mail went to while it still has
-- that address. Rows leave after an hour (the per-address limit's window).
CREATE TABLE password_resets (
    id         TEXT PRIMARY KEY,
    email_key  TEXT NOT NULL,               -- keyed hash of the address: the per-address limit
    email      TEXT,                        -- the address, forgotten when no account has it
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE, -- whom the link was sent to
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX password_resets_email_key ON password_resets (email_key, created_at);
CREATE INDEX password_resets_created ON password_resets (created_at);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- An admin's invitation may be e-mailed: to this address, in this language ("fr", "nl",
-- "en"); both NULL for a code handed over by hand. The address is forgotten when the code
-- is used. The e-mail's code is derived from the row id like the reset links above.
ALTER TABLE invites ADD COLUMN email TEXT;
ALTER TABLE invites ADD COLUMN locale TEXT;
