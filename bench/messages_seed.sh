#!/usr/bin/env bash
# Seeds a database for bench_messages_reads: 2,000 members, 20,000 direct conversations
# of 50 messages each (1,000,000 messages), 2,000 children spread over the nine classes
# with one guardian each. Then prints the ids the bench reads as.
#
#   bench/messages_seed.sh build/schoolhub sqlite:////tmp/bench.db
#   bench/messages_seed.sh build/schoolhub postgresql://user:pw@host/db   (an EMPTY database)
#   build/bench_messages_reads URL USER_ID CONVERSATION_ID
set -euo pipefail
bin=$1 url=$2
DATABASE_URL=$url "$bin" migrate >/dev/null

# One SQL text for both backends; only the id formatting differs (@N@: the number).
seed_sql() { # $1: an SQL expression that writes the number @N@ as 12 digits
	local d=$1
	cat <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000)
INSERT INTO users (id, email, password_hash, first_name, last_name, created_at, updated_at)
SELECT CAST('00000000-0000-4000-8000-' || ${d//@N@/i} AS UUIDTYPE), 'u' || i || '@bench.invalid', 'x', 'F' || i, 'L' || i,
       CAST('2026-01-01T00:00:00Z' AS TSTYPE), CAST('2026-01-01T00:00:00Z' AS TSTYPE) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20000)
INSERT INTO conversations (id, kind, direct_key, members_count, last_seq, last_activity_at, created_at)
SELECT CAST('10000000-0000-4000-8000-' || ${d//@N@/i} AS UUIDTYPE), 'direct', 'k' || i, 2, 50,
       CAST('2026-02-01T00:00:00Z' AS TSTYPE), CAST('2026-01-01T00:00:00Z' AS TSTYPE) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20000)
INSERT INTO conversation_members (conversation_id, user_id, joined_at)
SELECT CAST('10000000-0000-4000-8000-' || ${d//@N@/i} AS UUIDTYPE), CAST('00000000-0000-4000-8000-' || ${d//@N@/(1 + i % 2000)} AS UUIDTYPE),
       CAST('2026-01-01T00:00:00Z' AS TSTYPE) FROM n
UNION ALL
SELECT CAST('10000000-0000-4000-8000-' || ${d//@N@/i} AS UUIDTYPE), CAST('00000000-0000-4000-8000-' || ${d//@N@/(1 + (i * 7 + 1) % 2000)} AS UUIDTYPE),
       CAST('2026-01-01T00:00:00Z' AS TSTYPE) FROM n WHERE (i * 7 + 1) % 2000 <> i % 2000;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 999999)
INSERT INTO messages (id, conversation_id, seq, author_id, body, created_at)
SELECT CAST('20000000-0000-4000-8000-' || ${d//@N@/i} AS UUIDTYPE), CAST('10000000-0000-4000-8000-' || ${d//@N@/(1 + i / 50)} AS UUIDTYPE),
       1 + i % 50, CAST('00000000-0000-4000-8000-' || ${d//@N@/(1 + (i / 50) % 2000)} AS UUIDTYPE),
       'Bonjour, voici le message numéro ' || i, CAST('2026-02-01T00:00:00Z' AS TSTYPE) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000)
INSERT INTO children (id, first_name, last_name, class_name, created_at, updated_at)
SELECT CAST('30000000-0000-4000-8000-' || ${d//@N@/i} AS UUIDTYPE), 'C', 'K',
       (SELECT name FROM classes WHERE position = 1 + i % 9),
       CAST('2026-01-01T00:00:00Z' AS TSTYPE), CAST('2026-01-01T00:00:00Z' AS TSTYPE) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000)
INSERT INTO child_guardians (child_id, user_id, created_at)
SELECT CAST('30000000-0000-4000-8000-' || ${d//@N@/i} AS UUIDTYPE), CAST('00000000-0000-4000-8000-' || ${d//@N@/i} AS UUIDTYPE),
       CAST('2026-01-01T00:00:00Z' AS TSTYPE) FROM n;
COMMIT;
ANALYZE;
SQL
}

case $url in
sqlite://*)
	file=${url#sqlite://}
	file=${file#/}
	seed_sql "printf('%012d', @N@)" | sed 's/AS UUIDTYPE/AS TEXT/g; s/AS TSTYPE/AS TEXT/g' | sqlite3 "$file"
	;;
postgres://* | postgresql://*)
	seed_sql "lpad(CAST(@N@ AS TEXT), 12, '0')" | sed 's/AS UUIDTYPE/AS UUID/g; s/AS TSTYPE/AS TIMESTAMPTZ/g' |
		psql -q -v ON_ERROR_STOP=1 "$url"
	;;
*) echo "unknown database URL" >&2; exit 2 ;;
esac
echo "user 00000000-0000-4000-8000-000000000005 conversation 10000000-0000-4000-8000-000000000004"
