#!/usr/bin/env bash
# docker/nginx/schoolhub.conf tested for real (issue #16): Debian's nginx runs that very file
# (ports, certificate and server name rewritten; a throwaway self-signed certificate) in front
# of TWO schoolhub instances on one PostgreSQL database and one redis-server, and clients
# check what an operator relies on:
#   - the app and the API over HTTP/2 and TLS, HSTS, gzip, immutable hashed assets,
#     http:// redirected, /metrics hidden, a body over the server's cap refused by nginx;
#   - a WebSocket through /ws that receives an event;
#   - multi-instance correctness: a token from one instance works on the other, a payment
#     with an Idempotency-Key retried on the OTHER instance gets the same answer and is
#     booked once, and the login throttle counts wrong passwords across both instances;
#   - the auth rate limit of nginx (429);
#   - the client's real address in the server's limits (login_failures, auth_ip_attempts)
#     and nginx's access log, X-Real-IP believed only from the proxy
#     (SCHOOLHUB_TRUSTED_PROXIES given as a CIDR block). SchoolHub's own log never holds
#     addresses (the privacy notice promises it: docs/SECURITY.md);
#   - one instance SIGKILLed under load: no GET fails (nginx passes it to the other one),
#     at most the one payment in flight fails, and nothing is booked twice.
# Clients talk from other loopback addresses (127.0.0.2-7) than nginx's own 127.0.0.1, so
# "the client's address" and "the proxy's" differ.
# usage: nginx_front_test.sh PATH/TO/schoolhub     (exit 77: skipped, a tool is missing)
set -euo pipefail

BIN=$(realpath "$1")
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=/usr/bin/python3
# shellcheck source=scripts/lib/server.sh
. "$ROOT/scripts/lib/server.sh"

log() { echo "nginx_front: $*" >&2; }
fail() {
	log "FAIL: $*"
	exit 1
}
skip() {
	log "SKIPPED: $*"
	exit 77
}
ok() { log "ok: $*"; }

command -v nginx >/dev/null || PATH=$PATH:/usr/sbin
for tool in nginx openssl redis-server psql curl; do
	command -v "$tool" >/dev/null || skip "$tool is not installed"
done
$PY -c 'import websockets' 2>/dev/null || skip "python3-websockets is not installed"
[[ -n ${SCHOOLHUB_TEST_PG_URL:-} ]] || skip "SCHOOLHUB_TEST_PG_URL is not set"

T0=$EPOCHREALTIME
sh_work_dir sh-nginx-front
W=$SH_WORK
chmod 755 "$W" # nginx's workers (nobody when run as root) read and write below it
sh_server_log_on_failure 30
sh_server_clean_env SCHOOLHUB_TEST_PG_URL
export SCHOOLHUB_ENV=development SCHOOLHUB_HOST=127.0.0.1 SCHOOLHUB_LOG_LEVEL=info
export SCHOOLHUB_SECRET_KEY="nginx-front-secret-key-0123456789-abcdefghijk"
PASSWORD="correct horse battery"
PRIVACY=$(sed -n 's/.*SH_PRIVACY_VERSION "\([^"]*\)".*/\1/p' "$ROOT/src/modules/users/privacy.h")

# --- PostgreSQL, Redis, two instances ------------------------------------------------------
sh_pg_db_create "$SCHOOLHUB_TEST_PG_URL" "sh_nginx_front_$$_${RANDOM}" || fail "CREATE DATABASE"
DB=$SH_PG_DB_URL
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$DB" -c "$1"; }

REDIS_PORT=$(sh_free_port)
mkdir -p "$W/redis"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$W/redis" >"$W/redis.log" 2>&1 &
sh_pid_track $!
for _ in $(seq 100); do
	redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
	sleep 0.05
done

declare -A HTTP_PORT WS_PORT PID LOG
# Wide SEL limits: the load's one-way payments, however fast the machine, never meet them.
start_instance() { # NAME
	local name=$1
	LOG[$name]="$W/serve-$name.log"
	mkdir -p "$W/data-$name"
	sh_server_start "${LOG[$name]}" "$BIN" DATABASE_URL="$DB" REDIS_URL="redis://127.0.0.1:$REDIS_PORT" \
		SCHOOLHUB_DATA_DIR="$W/data-$name" SCHOOLHUB_TRUSTED_PROXIES=127.0.0.1/32 \
		SCHOOLHUB_REALTIME_URL=/ws SCHOOLHUB_THREADS=4 \
		SEL_MIN_BALANCE=-100000 SEL_MAX_BALANCE=100000 || fail "instance $name did not start"
	PID[$name]=$SH_SERVER_PID
	HTTP_PORT[$name]=$SH_SERVER_PORT
	sh_server_wait_ready "$SH_SERVER_BASE" 30 "$SH_SERVER_PID" || fail "instance $name not ready"
	WS_PORT[$name]=$(sed -n 's/.*realtime listening on ws:\/\/[^ ]*:\([0-9][0-9]*\)\/.*/\1/p' "${LOG[$name]}" | head -n1)
	[[ -n ${WS_PORT[$name]} ]] || fail "instance $name: no realtime port in its log"
}
start_instance a # migrates the database
start_instance b
A="http://127.0.0.1:${HTTP_PORT[a]}"
B="http://127.0.0.1:${HTTP_PORT[b]}"

# --- nginx with docker/nginx/schoolhub.conf ------------------------------------------------
N=$W/nginx
mkdir -p "$N/tmp" "$N/tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
	-keyout "$N/tls/privkey.pem" -out "$N/tls/fullchain.pem" >/dev/null 2>&1 ||
	fail "openssl could not make a certificate"
TLS_PORT=$(sh_free_port)
PLAIN_PORT=$(sh_free_port)
[[ $TLS_PORT != "$PLAIN_PORT" ]] || PLAIN_PORT=$(sh_free_port)
# The SITE lines: ports, certificate, name; the IPv6 listens dropped (no ::1 promised here).
sed -e "s|127.0.0.1:8080 |127.0.0.1:${HTTP_PORT[a]} |; s|127.0.0.1:8082 |127.0.0.1:${HTTP_PORT[b]} |" \
	-e "s|127.0.0.1:8081 |127.0.0.1:${WS_PORT[a]} |; s|127.0.0.1:8083 |127.0.0.1:${WS_PORT[b]} |" \
	-e "s|listen 443 ssl http2;|listen 127.0.0.1:$TLS_PORT ssl http2;|; s|listen 80;|listen 127.0.0.1:$PLAIN_PORT;|" \
	-e '/listen \[::\]/d' -e "s|/etc/ssl/schoolhub/|$N/tls/|" -e 's|schoolhub.example.be|localhost|' \
	"$ROOT/docker/nginx/schoolhub.conf" >"$N/schoolhub.conf"
grep -q "${HTTP_PORT[b]} max_fails" "$N/schoolhub.conf" || fail "the SITE lines of schoolhub.conf moved"
user_line=""
((EUID != 0)) || user_line="user root;" # workers as root: they read this work directory
cat >"$N/nginx.conf" <<CONF
$user_line
pid $N/nginx.pid;
error_log $N/error.log warn;
worker_processes 1;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    log_format front '\$remote_addr "\$request" \$status \$upstream_addr';
    access_log $N/access.log front;
    client_body_temp_path $N/tmp/body;
    proxy_temp_path $N/tmp/proxy;
    fastcgi_temp_path $N/tmp/fastcgi;
    uwsgi_temp_path $N/tmp/uwsgi;
    scgi_temp_path $N/tmp/scgi;
    include $N/schoolhub.conf;
}
CONF
nginx -t -p "$N" -c "$N/nginx.conf" >"$N/t.log" 2>&1 || { cat "$N/t.log" >&2; fail "nginx -t"; }
nginx -p "$N" -c "$N/nginx.conf" -g 'daemon off;' >"$N/stdout.log" 2>&1 &
NGINX_PID=$!
sh_pid_track "$NGINX_PID"
P="https://localhost:$TLS_PORT"
for _ in $(seq 100); do
	curl -sk -o /dev/null "$P/health" && break
	sh_pid_running "$NGINX_PID" || { cat "$N/error.log" >&2; fail "nginx exited"; }
	sleep 0.05
done
log "set up in $(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}') s"

# c ADDR ARGS...: curl from the loopback address ADDR; prints "status http_version".
c() {
	local from=$1
	shift
	curl -sk --http2 --interface "$from" --max-time 20 -o "$W/body" -D "$W/headers" \
		-w '%{http_code} %{http_version}' "$@"
}
json() { $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$W/body" "$1"; }

# --- the app and the API through the proxy -------------------------------------------------
[[ $(c 127.0.0.2 -H 'Accept-Encoding: gzip' "$P/") == "200 2" ]] || fail "GET / over HTTP/2"
grep -qi '^strict-transport-security: max-age=63072000' "$W/headers" || fail "no HSTS on /"
grep -qi '^content-encoding: \(gzip\|br\)' "$W/headers" || fail "the app is not compressed"
asset=$(zcat -f "$W/body" | grep -o '/assets/[^"]*\.js' | head -n1)
[[ -n $asset ]] || fail "no hashed asset in index.html"
[[ $(c 127.0.0.2 -H 'Accept-Encoding: gzip' "$P$asset") == "200 2" ]] || fail "GET $asset"
grep -qi '^cache-control: public, max-age=31536000, immutable' "$W/headers" || fail "$asset is not immutable"
[[ $(grep -ci '^cache-control' "$W/headers") == 1 ]] || fail "$asset has two Cache-Control headers"
grep -qi '^strict-transport-security' "$W/headers" || fail "no HSTS on $asset"
grep -qi '^content-encoding: gzip' "$W/headers" || fail "$asset is not gzipped"
[[ $(c 127.0.0.2 "$P/api/v1/config") == "200 2" ]] || fail "GET /api/v1/config"
[[ $(json 'd["realtime_url"]') == /ws ]] || fail "realtime_url is not /ws"
grep -qi '^content-encoding' "$W/headers" && fail "nginx compressed an API answer"
[[ $(c 127.0.0.2 "$P/metrics") == "404 2" ]] || fail "/metrics is reachable through the proxy"
[[ $(c 127.0.0.2 "http://localhost:$PLAIN_PORT/api/v1/config") == "301 1.1" ]] || fail "http:// not redirected"
head -c 1048577 /dev/zero | tr '\0' x >"$W/big"
[[ $(c 127.0.0.2 -X POST -H 'Content-Type: application/json' --data-binary @"$W/big" \
	"$P/api/v1/auth/login") == "413 2" ]] || fail "a body over 1 MiB passed nginx"
ok "HTTP/2 + TLS, HSTS, gzip, immutable assets, redirect, /metrics hidden, 413"

# --- members ----------------------------------------------------------------------------------
register() { # EMAIL: through the proxy; prints "id token"
	[[ $(c 127.0.0.2 -H 'Content-Type: application/json' --data-binary \
		"{\"email\":\"$1\",\"password\":\"$PASSWORD\",\"first_name\":\"Front\",\"last_name\":\"Test\",\"privacy_version\":\"$PRIVACY\"}" \
		"$P/api/v1/auth/register") == "201 2" ]] || fail "register $1: $(cat "$W/body")"
	json 'd["user"]["id"] + " " + d["access_token"]'
}
read -r _ X_TOKEN < <(register "front.x.$$@example.be")
read -r Y_ID Y_TOKEN < <(register "front.y.$$@example.be")

# --- multi-instance: sign in on A, pay on A with a key, retry on B -------------------------
login_on() { # BASE FROM EMAIL PASSWORD: status
	curl -s --interface "$2" --max-time 20 -o "$W/body" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary "{\"email\":\"$3\",\"password\":\"$4\"}" "$1/api/v1/auth/login"
}
[[ $(login_on "$A" 127.0.0.2 "front.x.$$@example.be" "$PASSWORD") == 200 ]] || fail "login on A"
TOKEN_A=$(json 'd["access_token"]')
KEY="front-$$-pay-once"
pay_on() { # BASE
	curl -s --max-time 20 -o "$W/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN_A" \
		-H 'Content-Type: application/json' -H "Idempotency-Key: $KEY" \
		--data-binary "{\"to_user_id\":\"$Y_ID\",\"units\":7,\"description\":\"once\"}" \
		"$1/api/v1/sel/transactions"
}
[[ $(pay_on "$A") == 201 ]] || fail "pay on A: $(cat "$W/body")"
first=$(cat "$W/body")
[[ $(pay_on "$B") == 201 ]] || fail "retry on B: $(cat "$W/body")"
[[ $(cat "$W/body") == "$first" ]] || fail "B answered the retry differently: $(cat "$W/body") vs $first"
[[ $(sql "SELECT count(*) FROM sel_transactions WHERE description = 'once'") == 1 ]] ||
	fail "the payment was booked more than once"
ok "Idempotency-Key: retried on the other instance, same answer, booked once"

# --- multi-instance: the login throttle counts both instances --------------------------------
for i in $(seq 10); do
	if ((i % 2)); then base=$A; else base=$B; fi
	[[ $(login_on "$base" 127.0.0.5 "front.y.$$@example.be" wrong-password) == 401 ]] ||
		fail "wrong password $i: $(cat "$W/body")"
done
for base in "$A" "$B"; do
	[[ $(login_on "$base" 127.0.0.5 "front.y.$$@example.be" "$PASSWORD") == 429 ]] ||
		fail "after 5 wrong passwords on each instance, $base still checks passwords"
done
grep -q 'too_many_attempts' "$W/body" || fail "not a too_many_attempts problem"
ok "login throttle across both instances"

# --- the real client address ---------------------------------------------------------------
# Through nginx from 127.0.0.6, with a made-up X-Real-IP and X-Forwarded-For: nginx
# replaces X-Real-IP with the peer it saw, which the instances trust (127.0.0.1/32).
[[ $(c 127.0.0.6 -H 'X-Real-IP: 203.0.113.66' -H 'X-Forwarded-For: 203.0.113.66' \
	-H 'Content-Type: application/json' --data-binary \
	"{\"email\":\"front.x.$$@example.be\",\"password\":\"wrong-password\"}" "$P/api/v1/auth/login") == "401 2" ]] ||
	fail "wrong login through the proxy"
[[ $(sql "SELECT count(*) FROM login_failures WHERE client_ip = '127.0.0.6'") == 1 ]] ||
	fail "the wrong login is not counted for the client's address: $(sql 'SELECT client_ip FROM login_failures')"
[[ $(sql "SELECT count(*) FROM auth_ip_attempts WHERE client_ip IN ('203.0.113.66', '127.0.0.1')") == 0 ]] ||
	fail "a made-up header or the proxy's address was counted"
grep -q '^127\.0\.0\.6 "POST /api/v1/auth/login' "$N/access.log" || fail "nginx's log lacks the client"
# Straight to an instance from 127.0.0.7 (not a trusted proxy): its header is ignored.
[[ $(curl -s --interface 127.0.0.7 -o /dev/null -w '%{http_code}' -H 'X-Real-IP: 203.0.113.77' \
	-H 'Content-Type: application/json' --data '{"refresh_token":"junk"}' "$A/api/v1/auth/refresh") == 401 ]] ||
	fail "refresh straight to A"
[[ $(sql "SELECT count(*) FROM auth_ip_attempts WHERE client_ip = '127.0.0.7'") == 1 &&
	$(sql "SELECT count(*) FROM auth_ip_attempts WHERE client_ip = '203.0.113.77'") == 0 ]] ||
	fail "an untrusted peer's X-Real-IP was believed"
! grep -q '127\.0\.0\.[4-7]\|203\.0\.113\.' "${LOG[a]}" "${LOG[b]}" ||
	fail "a client's address reached SchoolHub's log (the privacy notice says it never does)"
ok "the real client address in the limits and nginx's log; X-Real-IP only from the proxy"

# --- nginx's rate limit on /api/v1/auth/ -----------------------------------------------------
statuses=$(for _ in $(seq 30); do
	curl -sk --interface 127.0.0.4 -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
		--data '{"refresh_token":"junk"}' "$P/api/v1/auth/refresh"
done | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')
[[ $statuses == *"429:"* && $statuses == *"401:"* ]] || fail "auth rate limit: $statuses"
[[ $(c 127.0.0.2 "$P/api/v1/users/me" -H "Authorization: Bearer $X_TOKEN") == "200 2" ]] ||
	fail "another client was limited too"
ok "auth rate limit ($statuses)"

# --- a WebSocket through /ws -----------------------------------------------------------------
ws=$($PY "$ROOT/tests/ops/front_client.py" ws "$P" "$Y_TOKEN" "$X_TOKEN" "$Y_ID" 2>&1) ||
	fail "WebSocket through /ws: $ws"
[[ $ws == ready*event* ]] || fail "WebSocket through /ws: $ws"
ok "WebSocket through /ws: $(echo "$ws" | tr '\n' ' ')"

# --- promtool on a live /metrics of an instance on PostgreSQL --------------------------------
if command -v promtool >/dev/null; then
	curl -s "$A/metrics" >"$W/metrics"
	promtool check metrics <"$W/metrics" >"$W/promtool.log" 2>&1 || { cat "$W/promtool.log" >&2; fail "promtool check metrics"; }
	grep -q '^schoolhub_db_connections{database="postgresql"}' "$W/metrics" || fail "no pool gauge on /metrics"
	ok "promtool check metrics (PostgreSQL instance)"
fi

# --- instance B SIGKILLed under load -----------------------------------------------------------
mkdir -p "$W/load"
$PY "$ROOT/tests/ops/front_client.py" load "$P" "$X_TOKEN" "$Y_ID" "$W/load/stop" "$W/load" 4 &
LOAD_PID=$!
sh_pid_track "$LOAD_PID"
# The load runs (every client has answers) before the kill, on a busy machine too.
load_lines() { cat "$W"/load/get.* "$W"/load/post 2>/dev/null | wc -l; }
for _ in $(seq 200); do
	(($(load_lines) >= 100)) && [[ -s $W/load/post ]] && break
	sleep 0.1
done
before=$(cat "$W"/load/get.* | wc -l)
((before > 0)) || fail "the load did not start"
kill -KILL "${PID[b]}"
sh_pid_reap "${PID[b]}" 10
sleep 2
touch "$W/load/stop"
sh_pid_reap "$LOAD_PID" 30
gets=$(cat "$W"/load/get.* | wc -l)
get_failed=$(cat "$W"/load/get.* | grep -vc '^200' || true)
posts_ok=$(grep -c '^201 ' "$W/load/post" || true)
posts_failed=$(grep -vc '^201 ' "$W/load/post" || true)
((gets > before + 20)) || fail "the load stalled after the kill ($before then $gets GETs)"
((get_failed == 0)) || fail "$get_failed of $gets GETs failed: $(grep -hv '^200' "$W"/load/get.* | sort | uniq -c)"
((posts_failed <= 1)) || fail "$posts_failed payments failed (one may have been in flight): $(grep -v '^201 ' "$W/load/post")"
keys=$(awk '{printf "%s\x27%s\x27", (NR > 1 ? "," : ""), $2}' "$W/load/post")
booked=$(sql "SELECT count(*) FROM sel_idempotency WHERE key IN ($keys)")
((booked >= posts_ok && booked <= posts_ok + posts_failed)) ||
	fail "$booked payments booked for $posts_ok acknowledged and $posts_failed failed"
grep -q "\" 200 127.0.0.1:${HTTP_PORT[a]}" "$N/access.log" || fail "no request reached instance A"
ok "instance B killed under load: $gets GETs (0 failed), $posts_ok payments ($posts_failed failed in flight), $booked booked"

# Instance A stops cleanly (SIGTERM), with no sanitizer report in either log (ASan build).
sh_pid_stop "${PID[a]}" TERM 30
((SH_PID_RC == 0)) || fail "instance A exited with $SH_PID_RC"
for name in a b; do
	! sh_sanitizer_report "${LOG[$name]}" || fail "sanitizer report in instance $name's log"
done

log "passed in $(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}') s"
