#!/usr/bin/env bash
# docker/monitoring checked with Prometheus's own tool against a live server (issue #16):
#   - promtool check config prometheus.yml (with its rule file), check rules alerts.yml,
#     test rules alerts_test.yml and alerts_backup_test.yml (each alert fires on a
#     made-up unhealthy series);
#   - a real "schoolhub serve" on SQLite, after some traffic: promtool check metrics on its
#     /metrics (names, types, HELP), the series the alerts and the dashboard read present,
#     route labels that are patterns, not paths;
#   - the Grafana dashboard is valid JSON whose every schoolhub_* name exists on /metrics
#     (except the backup's timestamp, which the backup job writes; OPERATIONS.md).
# usage: monitoring_test.sh PATH/TO/schoolhub     (exit 77: skipped, promtool is missing)
set -euo pipefail

BIN=$(realpath "$1")
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
M=$ROOT/docker/monitoring
# shellcheck source=scripts/lib/server.sh
. "$ROOT/scripts/lib/server.sh"

log() { echo "monitoring: $*" >&2; }
fail() {
	log "FAIL: $*"
	exit 1
}
command -v promtool >/dev/null || {
	log "SKIPPED: promtool is not installed (Debian: prometheus)"
	exit 77
}
T0=$EPOCHREALTIME

promtool check config "$M/prometheus.yml" >/dev/null || fail "promtool check config"
promtool check rules "$M/alerts.yml" >/dev/null || fail "promtool check rules"
(cd "$M" && promtool test rules alerts_test.yml alerts_backup_test.yml >/dev/null) || fail "promtool test rules"
log "ok: config, rules and rule tests"

sh_work_dir sh-monitoring
W=$SH_WORK
sh_server_log_on_failure 20
sh_server_clean_env SCHOOLHUB_TEST_PG_URL
export SCHOOLHUB_ENV=development SCHOOLHUB_HOST=127.0.0.1 SCHOOLHUB_LOG_LEVEL=info
export SCHOOLHUB_SECRET_KEY="monitoring-secret-key-0123456789-abcdefghijkl"
sh_server_start "$W/serve.log" "$BIN" DATABASE_URL="sqlite:///$W/schoolhub.db" \
	SCHOOLHUB_DATA_DIR="$W/data" || fail "the server did not start"
BASE=$SH_SERVER_BASE
sh_server_wait_ready "$BASE" 30 "$SH_SERVER_PID" || fail "not ready"

# Some traffic: a member, a 401 on a route with an id, a 404.
PRIVACY=$(sed -n 's/.*SH_PRIVACY_VERSION "\([^"]*\)".*/\1/p' "$ROOT/src/modules/users/privacy.h")
sh_http POST "$BASE/api/v1/auth/register" "" \
	"{\"email\":\"monitor.$$@example.be\",\"password\":\"correct horse battery\",\"first_name\":\"M\",\"last_name\":\"T\",\"privacy_version\":\"$PRIVACY\"}"
[[ $SH_HTTP_STATUS == 201 ]] || fail "register: $SH_HTTP_STATUS $SH_HTTP_BODY"
TOKEN=$(sh_json_str access_token <<<"$SH_HTTP_BODY")
sh_http GET "$BASE/api/v1/users/me" "$TOKEN"
sh_http GET "$BASE/api/v1/sel/transactions/0190aaaa-0000-7000-8000-00000000beef"
sh_http GET "$BASE/api/v1/nowhere/12345"

curl -s --max-time 10 "$BASE/metrics" >"$W/metrics"
promtool check metrics <"$W/metrics" >"$W/lint" 2>&1 || { cat "$W/lint" >&2; fail "promtool check metrics"; }
grep -q 'route="/api/v1/sel/transactions/{id}"' "$W/metrics" || fail "no route pattern label"
! grep -q '0190aaaa\|12345' "$W/metrics" || fail "a raw path became a label"
for name in schoolhub_http_requests_total schoolhub_http_request_duration_seconds_bucket \
	schoolhub_http_route_duration_seconds_bucket schoolhub_db_connections schoolhub_db_errors_total \
	schoolhub_sqlite_wal_bytes schoolhub_sqlite_checkpoints_total schoolhub_jobs_due \
	schoolhub_jobs_dead schoolhub_realtime_sockets schoolhub_sel_audit_ok; do
	grep -q "^${name}[{ ]" "$W/metrics" || fail "$name is not on /metrics"
done
log "ok: promtool check metrics on a live /metrics ($(wc -l <"$W/metrics") lines)"

# Every schoolhub_* name the alerts and the dashboard read exists (histograms by their
# _bucket series); the backup's timestamp comes from the backup job, not the server.
/usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$M/grafana/schoolhub-dashboard.json" ||
	fail "the dashboard is not valid JSON"
grep -q '"type": "timeseries"' "$M/grafana/schoolhub-dashboard.json" || fail "the dashboard has no graphs"
while read -r name; do
	[[ $name == schoolhub_backup_last_success_timestamp_seconds ]] && continue
	grep -q "^${name}[{ ]" "$W/metrics" || grep -q "^${name}_bucket{" "$W/metrics" ||
		fail "$name (alerts or dashboard) is not on /metrics"
done < <(grep -ho 'schoolhub_[a-z0-9_]*' "$M/alerts.yml" "$M/grafana/schoolhub-dashboard.json" | sort -u)
log "ok: the dashboard and the alerts read only series that exist"
sh_pid_stop "$SH_SERVER_PID" TERM 30
((SH_PID_RC == 0)) || fail "the server exited with $SH_PID_RC"
! sh_sanitizer_report "$W/serve.log" || fail "sanitizer report in the server's log"
log "passed in $(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}') s"
