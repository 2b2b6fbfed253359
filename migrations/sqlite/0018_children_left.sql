-- A child who left the school (a P6 leaver at the school-year rollover) is archived, not
-- erased at once: the guardians are told, and the retention purge erases the child once
-- left_at is older than SCHOOLHUB_RETENTION_DAYS. NULL: the child is at the school.
-- Archived children belong to no class: no class conversation, audience or list counts them.
ALTER TABLE children ADD COLUMN left_at TEXT;
CREATE INDEX children_left ON children (left_at) WHERE left_at IS NOT NULL;
