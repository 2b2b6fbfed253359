-- The school's administration (same shape as migrations/sqlite/0017_admin.sql, which
-- explains the tables). Here a trigger function refuses UPDATE, DELETE and TRUNCATE.
CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL,
    actor_id   UUID,
    action     TEXT NOT NULL,
    target_ids TEXT NOT NULL DEFAULT '',
    request_id TEXT,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);
CREATE INDEX audit_log_created ON audit_log (created_at, seq);

CREATE TABLE audit_targets (
    target_id TEXT NOT NULL,
    seq       BIGINT NOT NULL REFERENCES audit_log (seq),
    PRIMARY KEY (target_id, seq)
);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_targets_append_only BEFORE UPDATE OR DELETE ON audit_targets
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_targets_no_truncate BEFORE TRUNCATE ON audit_targets
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

ALTER TABLE users ADD COLUMN last_login_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN pending_approval BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE module_switches (
    name       TEXT PRIMARY KEY,
    enabled    BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
