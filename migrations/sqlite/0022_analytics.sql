-- GET /api/v1/admin/analytics (issue #15) reads a period of these tables by time. Without
-- these indexes every figure read the whole table (the SEL ledger: 200,000 rows at 10,000
-- families); with them each reads only its period, from the index alone (the columns it
-- needs are in it). docs/PERFORMANCE.md (session 8, "analytics") has the measurements.
CREATE INDEX sel_transactions_completed ON sel_transactions (completed_at, status, kind, service_id, units);
CREATE INDEX sel_transactions_created ON sel_transactions (created_at, created_by);
CREATE INDEX refresh_tokens_created ON refresh_tokens (created_at, user_id);
CREATE INDEX messages_created ON messages (created_at, author_id);
CREATE INDEX event_registrations_created ON event_registrations (created_at, user_id);
CREATE INDEX users_created ON users (created_at);
