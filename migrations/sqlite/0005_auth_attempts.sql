-- Password guessing is counted per (account, client address), so a stranger guessing a
-- parent's password from one address locks only that address out of the account, not the
-- parent at home. A row is written (reserved) before argon2id runs and stays as the
-- failure unless the password matches; rows written before this migration have no
-- address ('') and still count towards the account-wide cap.
ALTER TABLE login_failures ADD COLUMN client_ip TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_pair ON login_failures (email, client_ip, failed_at);

-- Requests to the unauthenticated /api/v1/auth/* routes (login, register, refresh) per
-- client address within the last 15 minutes: SCHOOLHUB_AUTH_IP_LIMIT of them at most.
CREATE TABLE auth_ip_attempts (
    id           TEXT PRIMARY KEY,
    client_ip    TEXT NOT NULL,
    attempted_at TEXT NOT NULL
);
CREATE INDEX auth_ip_attempts_ip ON auth_ip_attempts (client_ip, attempted_at);
CREATE INDEX auth_ip_attempts_age ON auth_ip_attempts (attempted_at);
