-- The school-year rollovers (issue #15, POST /api/v1/admin/school-year/rollover): one row
-- per run that moved every child up one class and archived the P6 leavers (children.left_at,
-- 0018). "school_year" is the year the run belongs to ("2026-2027": 1 September to 31
-- August, Brussels time); a second run in the same year is refused unless forced, so the
-- rows of a year after the first are the forced ones. "ran_by" is the admin's id (the users
-- row stays as a pseudonym when an account is erased). The audit log holds the same run.
CREATE TABLE school_year_rollovers (
    id          TEXT PRIMARY KEY,
    school_year TEXT NOT NULL,
    ran_at      TEXT NOT NULL,
    ran_by      TEXT REFERENCES users (id) ON DELETE SET NULL,
    forced      INTEGER NOT NULL DEFAULT 0 CHECK (forced IN (0, 1)),
    moved       INTEGER NOT NULL CHECK (moved >= 0),
    left_count  INTEGER NOT NULL CHECK (left_count >= 0)
);
CREATE INDEX school_year_rollovers_year ON school_year_rollovers (school_year);
