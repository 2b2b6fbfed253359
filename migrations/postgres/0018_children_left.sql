-- Children who left the school (same shape as migrations/sqlite/0018_children_left.sql,
-- which explains the column).
ALTER TABLE children ADD COLUMN left_at TIMESTAMPTZ;
CREATE INDEX children_left ON children (left_at) WHERE left_at IS NOT NULL;
