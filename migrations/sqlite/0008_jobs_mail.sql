-- Durable jobs (issue #13): the outbox of work that must happen after a change commits
-- (e-mails first). A row is written in the same transaction as the change that causes it,
-- so a change is never committed without its job nor a job without its change; a worker
-- thread claims due rows with a lease (locked_by, locked_until), which works the same on
-- SQLite and on PostgreSQL: several instances never run one job at the same time, and a
-- job whose instance died is claimed again once its lease has run out (at least once).
-- Timestamps are RFC 3339 UTC text, as in 0001.
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,               -- a JSON object, read by the kind's handler
    state        TEXT NOT NULL DEFAULT 'queued'
                 CHECK (state IN ('queued', 'running', 'done', 'dead')),
    attempts     INTEGER NOT NULL DEFAULT 0,  -- claims so far
    run_at       TEXT NOT NULL,               -- not before
    locked_by    TEXT,                        -- the worker holding the lease
    locked_until TEXT,
    last_error   TEXT,                        -- why the last attempt failed (no secrets)
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_state ON jobs (state, id);

-- E-mail verification: an account owns its address only once it has proved it by a link
-- sent there. Accounts that existed before this migration are unverified too (nobody
-- proved their address: the hole of issue #10); they are asked once, by the banner.
ALTER TABLE users ADD COLUMN is_verified INTEGER NOT NULL DEFAULT 0 CHECK (is_verified IN (0, 1));

-- One row per verification e-mail. The token itself is never stored: the e-mail's job
-- derives it from the row id and the server's secret key (so a retried job sends the same
-- link), and this table keeps its keyed hash. Single use (used_at), 48 hours, and only for
-- the address it was sent to (a changed address makes it void).
CREATE TABLE email_verifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX email_verifications_user ON email_verifications (user_id, created_at);
