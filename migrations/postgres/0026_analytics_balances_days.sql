-- Analytics (issue #15, PERFORMANCE.md session 9, "Balances and cut months").
-- The SEL balances of GET /api/v1/admin/analytics: each bucket is a range count over this
-- index alone (the members' balances in order) instead of every member account joined to
-- users. Partial on kind = 'member': a range count on (kind, balance) has no better plan,
-- ANALYZE or not (a plain (kind, balance, user_id) index was once passed over for a worse
-- plan without statistics).
CREATE INDEX sel_accounts_member_balance ON sel_accounts (kind, balance) WHERE kind = 'member';
-- Erased members keep their account (kind 'member', the ledger points at it): the few of
-- them are read from this index and taken out of the counts.
CREATE INDEX users_erased ON users (deleted_at, id) WHERE deleted_at IS NOT NULL;

-- The SEL exchanges per finished Brussels day and category (analytics_rollup_days.c): a
-- month the period cuts (the default 13 weeks start mid-month) and the current month are
-- the sum of their rolled-up days plus, at most, the days not rolled up yet (today)
-- counted live. One row per rolled-up day, even one without exchanges.
CREATE TABLE analytics_sel_days (
    day        TEXT PRIMARY KEY, -- "YYYY-MM-DD"
    rolled_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE analytics_sel_day_categories (
    day        TEXT NOT NULL REFERENCES analytics_sel_days (day) ON DELETE CASCADE,
    category   TEXT NOT NULL, -- the service's category, "none" without one
    exchanges  BIGINT NOT NULL,
    units      BIGINT NOT NULL,
    PRIMARY KEY (day, category)
);
