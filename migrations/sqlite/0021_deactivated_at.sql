-- When an admin deactivated an account (PATCH /api/v1/admin/users/{id} with status
-- "deactivated"); NULL while it is active. The retention purge erases an account
-- deactivated longer than SCHOOLHUB_RETENTION_DAYS (src/modules/admin/retention_purge.c).
-- Accounts deactivated before this migration count from their last change.
ALTER TABLE users ADD COLUMN deactivated_at TEXT;
UPDATE users SET deactivated_at = updated_at WHERE active = 0 AND deleted_at IS NULL;
CREATE INDEX users_deactivated ON users (deactivated_at) WHERE deactivated_at IS NOT NULL;
