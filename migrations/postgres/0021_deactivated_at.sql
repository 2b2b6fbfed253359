-- When an admin deactivated an account (same shape as
-- migrations/sqlite/0021_deactivated_at.sql, which explains the column).
ALTER TABLE users ADD COLUMN deactivated_at TIMESTAMPTZ;
UPDATE users SET deactivated_at = updated_at WHERE NOT active AND deleted_at IS NULL;
CREATE INDEX users_deactivated ON users (deactivated_at) WHERE deactivated_at IS NOT NULL;
