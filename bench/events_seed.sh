#!/usr/bin/env bash
# Seeds a database for bench_events_agenda: 2,000 members with a child each (spread over
# the nine classes), 10,000 published events over a school year (one in five for the whole
# school, the others for one or two classes), 100,000 registrations (ten per event). Then
# prints the member the bench reads as.
#
#   bench/events_seed.sh build/schoolhub sqlite:////tmp/events-bench.db
#   bench/events_seed.sh build/schoolhub postgresql://user:pw@host/db   (an EMPTY database)
#   build/bench_events_agenda URL USER_ID
set -euo pipefail
bin=$1 url=$2
DATABASE_URL=$url "$bin" migrate >/dev/null

# One SQL text for both backends: @ID(prefix, n)@ an id, @TS(seconds)@ a time.
seed_sql() {
	cat <<'SQL'
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000)
INSERT INTO users (id, email, password_hash, first_name, last_name, created_at, updated_at)
SELECT ID0(i), 'u' || i || '@bench.invalid', 'x', 'F' || i, 'L' || i, TS(0), TS(0) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000)
INSERT INTO children (id, first_name, last_name, class_name, created_at, updated_at)
SELECT ID3(i), 'C', 'K', (SELECT name FROM classes WHERE position = 1 + i % 9), TS(0), TS(0) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000)
INSERT INTO child_guardians (child_id, user_id, created_at) SELECT ID3(i), ID0(i), TS(0) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 10000)
INSERT INTO events (id, title, description, location, starts_at, ends_at, status, sequence,
                    organiser_id, audience, classes, signup, capacity, seats_taken,
                    created_at, updated_at)
SELECT ID4(i), 'Event ' || i, '', 'School', TS(i * 2700), TS(i * 2700 + 3600), 'published', 0,
       ID0(1), CASE WHEN i % 5 = 0 THEN 'school' ELSE 'classes' END,
       CASE WHEN i % 5 = 0 THEN NULL ELSE (SELECT name FROM classes WHERE position = 1 + i % 9) END,
       'family', 40, 20, TS(0), TS(0) FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 10000)
INSERT INTO event_classes (event_id, class_name)
SELECT ID4(i), (SELECT name FROM classes WHERE position = 1 + i % 9) FROM n WHERE i % 5 <> 0
UNION ALL
SELECT ID4(i), (SELECT name FROM classes WHERE position = 1 + (i + 4) % 9) FROM n WHERE i % 5 = 1;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM n WHERE i < 99999),
m(i, e, u) AS (SELECT i, 1 + i / 10, 1 + ((i / 10) * 7 + (i % 10) * 199) % 2000 FROM n)
INSERT INTO event_registrations (id, event_id, user_id, adults, children, status, arrival,
                                 created_at, updated_at)
SELECT ID5(i), ID4(e), ID0(u), 1, 1, 'confirmed', 1 + i % 10, TS(0), TS(0) FROM m;
COMMIT;
ANALYZE;
SQL
}

case $url in
sqlite://*)
	file=${url#sqlite://}
	file=${file#/}
	seed_sql | sed -E "s/ID([0-9])\(([^()]*)\)/('\1' || '0000000-0000-4000-8000-' || printf('%012d', \2))/g;
		s/TS\(([^()]*)\)/strftime('%Y-%m-%dT%H:%M:%SZ', 1788220800 + \1, 'unixepoch')/g" | sqlite3 "$file"
	;;
postgres://* | postgresql://*)
	seed_sql | sed -E "s/ID([0-9])\(([^()]*)\)/CAST('\1' || '0000000-0000-4000-8000-' || lpad(CAST(\2 AS TEXT), 12, '0') AS UUID)/g;
		s/TS\(([^()]*)\)/to_timestamp(1788220800 + \1)/g" | psql -q -v ON_ERROR_STOP=1 "$url"
	;;
*) echo "unknown database URL" >&2; exit 2 ;;
esac
echo "user 00000000-0000-4000-8000-000000000005"
