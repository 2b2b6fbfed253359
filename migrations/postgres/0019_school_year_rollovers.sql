-- The school-year rollovers (same shape as migrations/sqlite/0019_school_year_rollovers.sql,
-- which explains the table).
CREATE TABLE school_year_rollovers (
    id          UUID PRIMARY KEY,
    school_year TEXT NOT NULL,
    ran_at      TIMESTAMPTZ NOT NULL,
    ran_by      UUID REFERENCES users (id) ON DELETE SET NULL,
    forced      BOOLEAN NOT NULL DEFAULT FALSE,
    moved       INTEGER NOT NULL CHECK (moved >= 0),
    left_count  INTEGER NOT NULL CHECK (left_count >= 0)
);
CREATE INDEX school_year_rollovers_year ON school_year_rollovers (school_year);
