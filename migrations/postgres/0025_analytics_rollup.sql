-- The analytics rollup (issue #15): GET /api/v1/admin/analytics reads these rows for the
-- periods that are over instead of recounting the raw tables on each request. The job
-- admin.analytics_rollup (src/modules/admin/analytics_rollup.c) writes one row per
-- finished Brussels week and per finished Brussels month, once: a period that is over
-- does not change, so its row is final (a week's distinct active parents included, which
-- a later purge of refresh tokens no longer shrinks). Counts and sums only: no member id,
-- nothing personal, so an erasure has nothing to remove here.

-- One row per finished ISO week (Monday to Sunday, Brussels), named by its Monday.
CREATE TABLE analytics_weeks (
    week          TEXT PRIMARY KEY, -- "YYYY-MM-DD"
    active        BIGINT NOT NULL,  -- distinct parents who signed in, refreshed, booked or wrote
    new_accounts  BIGINT NOT NULL,
    messages      BIGINT NOT NULL,
    events        BIGINT NOT NULL,  -- published events starting that week
    rolled_at     TIMESTAMPTZ NOT NULL
);

-- One row per finished month (Brussels), even one without exchanges: it says the month is
-- rolled up; its SEL figures per category are in analytics_month_categories.
CREATE TABLE analytics_months (
    month      TEXT PRIMARY KEY, -- "YYYY-MM"
    rolled_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE analytics_month_categories (
    month      TEXT NOT NULL REFERENCES analytics_months (month) ON DELETE CASCADE,
    category   TEXT NOT NULL, -- the service's category, "none" without one
    exchanges  BIGINT NOT NULL,
    units      BIGINT NOT NULL,
    PRIMARY KEY (month, category)
);

-- The parents among a week's active members, read from the index alone (the request counts
-- the current week, and a week the period cuts, from the raw tables: PERFORMANCE.md,
-- session 9). Without it SQLite read the whole users table on each such count.
CREATE INDEX users_role ON users (role, id);
