-- The school's administration (issue #15): the audit log, members' sign-in and approval
-- state, and the modules switched off at runtime.
--
-- The audit log is append-only: one row per admin action and per look by staff or an
-- admin at a child's data, ids only (never the personal data itself). Each row carries
-- the hash of the previous row, and its own hash over that and its canonical fields
-- (src/audit/audit_log.c), so an edit, a deleted row or a gap shows when the chain is
-- recomputed (`schoolhub audit verify`). Triggers refuse UPDATE and DELETE.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,          -- 1, 2, 3 ... without gaps
    created_at TEXT NOT NULL,
    actor_id   TEXT,                         -- NULL: the command line or the system
    action     TEXT NOT NULL,                -- "member.role_changed", "child.viewed" ...
    target_ids TEXT NOT NULL DEFAULT '',     -- comma-separated ids (members, children, a class)
    request_id TEXT,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_created ON audit_log (created_at, seq);

-- One row per target of an audit row, for "target=" and a member's GDPR export.
CREATE TABLE audit_targets (
    target_id TEXT NOT NULL,
    seq       INTEGER NOT NULL REFERENCES audit_log (seq),
    PRIMARY KEY (target_id, seq)
);

-- The head of the chain, one row: appends update it first, so they take turns.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_targets_no_update BEFORE UPDATE ON audit_targets
BEGIN SELECT RAISE(ABORT, 'audit_targets is append-only'); END;
CREATE TRIGGER audit_targets_no_delete BEFORE DELETE ON audit_targets
BEGIN SELECT RAISE(ABORT, 'audit_targets is append-only'); END;

-- When a member last signed in (GET /api/v1/admin/users/{id}).
ALTER TABLE users ADD COLUMN last_login_at TEXT;
-- SCHOOLHUB_REGISTRATION=approval: a new account waits for an admin (POST
-- /api/v1/admin/users/{id}/approve or /refuse); until then it reaches only its profile.
ALTER TABLE users ADD COLUMN pending_approval INTEGER NOT NULL DEFAULT 0
    CHECK (pending_approval IN (0, 1));

-- Modules an admin switched at runtime (GET/PUT /api/v1/admin/modules); a module without
-- a row is on. SCHOOLHUB_MODULES stays the upper bound: a row cannot turn on a module the
-- environment leaves out.
CREATE TABLE module_switches (
    name       TEXT PRIMARY KEY,
    enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    updated_at TEXT NOT NULL
);
