-- The SEL balances of GET /api/v1/admin/analytics (issue #15, PERFORMANCE.md session 9,
-- "Balances and cut months"): each bucket is a range count over this index alone, the
-- members' balances in order, instead of every member account joined to users. Partial on
-- kind = 'member', so the planner has no other index with the same leading columns to
-- prefer, ANALYZE or not (a plain (kind, balance, user_id) index was passed over for a
-- worse plan without statistics).
CREATE INDEX sel_accounts_member_balance ON sel_accounts (kind, balance) WHERE kind = 'member';
-- Erased members keep their account (kind 'member', the ledger points at it): the few of
-- them are read from this index and taken out of the counts.
CREATE INDEX users_erased ON users (deleted_at, id) WHERE deleted_at IS NOT NULL;
