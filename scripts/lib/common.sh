# shellcheck shell=bash
# Shared helpers for scripts/run.sh and scripts/test.sh. Source it, don't run it:
#   . "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# After sourcing, SH_ROOT is the repository root (absolute path).

if [[ -n "${SH_COMMON_LOADED:-}" ]]; then
	return 0
fi
SH_COMMON_LOADED=1

SH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
export SH_ROOT

# --- logging -------------------------------------------------------------------
if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then
	SH_C_BOLD=$'\033[1m' SH_C_RED=$'\033[31m' SH_C_YEL=$'\033[33m' SH_C_OFF=$'\033[0m'
else
	SH_C_BOLD='' SH_C_RED='' SH_C_YEL='' SH_C_OFF=''
fi

sh_log() { printf '%s\n' "$*"; }
sh_info() { printf '%s==>%s %s\n' "$SH_C_BOLD" "$SH_C_OFF" "$*"; }
sh_warn() { printf '%swarning:%s %s\n' "$SH_C_YEL" "$SH_C_OFF" "$*" >&2; }
sh_die() {
	printf '%serror:%s %s\n' "$SH_C_RED" "$SH_C_OFF" "$*" >&2
	exit 1
}

# --- Debian packages -----------------------------------------------------------
# Packages needed to build and run SchoolHub (brotli and zopfli compress the embedded web
# app at build time: scripts/precompress-web.sh).
# shellcheck disable=SC2034 # used by the scripts that source this file
SH_RUNTIME_PACKAGES=(build-essential cmake pkg-config git libmicrohttpd-dev libjansson-dev
	libsodium-dev libjwt-dev libpq-dev libsqlite3-dev libcurl4-openssl-dev curl nodejs npm
	brotli zopfli libwebsockets-dev libhiredis-dev
	postgresql-client) # pg_dump and pg_restore: schoolhub backup / restore on PostgreSQL
# Extra packages needed to run the test suite.
# shellcheck disable=SC2034
SH_TEST_PACKAGES=(check libsubunit-dev postgresql valgrind sqlite3 chromium clang libclang-rt-14-dev
	python3-yaml python3-jsonschema python3-aiosmtpd
	python3-icalendar # tests/ical/check_ics.py reads the iCalendar output with a real parser
	redis-server python3-websockets # the realtime suites: Redis fan-out, a real WebSocket client
	libbrotli-dev zlib1g-dev # the static-file tests decode what the server sends
	tzdata # unit_test_notify_clock compares Brussels time with the system's zoneinfo
	nginx prometheus # tests/ops: the nginx front for real; promtool checks docker/monitoring
	age # drill_backup_restore: scripts/backup.sh encrypts to an age key, the drill decrypts
	docker-compose) # tests/ops/compose_test.sh: `docker-compose config` on docker/compose (no engine)
# The shared libraries the schoolhub binary links (and curl for the HEALTHCHECK): the
# run-time image of docker/Dockerfile installs exactly these; tests/ops/compose_test.sh checks
# that they cover every library the built binary needs.
# shellcheck disable=SC2034
SH_IMAGE_PACKAGES=(libmicrohttpd12 libjansson4 libsodium23 libjwt0 libpq5 libsqlite3-0 libcurl4
	libwebsockets17 libhiredis0.14 ca-certificates curl)
# Added to SH_IMAGE_PACKAGES in the image of the compose stages' backup service (docker/Dockerfile,
# target backup): pg_dump for the PostgreSQL stages, age to encrypt (scripts/backup.sh).
# shellcheck disable=SC2034
SH_BACKUP_IMAGE_PACKAGES=(postgresql-client age)
# Extra packages of the benchmarks and the soak (bench/), never installed by scripts/test.sh.
# shellcheck disable=SC2034
SH_BENCH_PACKAGES=(wrk curl sqlite3)

# True when dpkg says the package is installed.
sh_pkg_installed() {
	local status
	status="$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" || return 1
	[[ "$status" == "install ok installed" ]]
}

# True when a Node.js >= 18 is on PATH, whoever installed it (apt, NodeSource, nvm...).
sh_node_ok() {
	local v
	command -v node >/dev/null 2>&1 || return 1
	v="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" || return 1
	[[ "$v" =~ ^[0-9]+$ ]] && ((v >= 18))
}

# sh_install_packages PKG...: installs the missing ones with apt-get (one
# "apt-get update" first, only when something is missing). nodejs/npm are skipped
# when a Node.js >= 18 is already on PATH.
sh_install_packages() {
	local pkg missing=() skip_node=0 sudo=()
	if ! command -v dpkg-query >/dev/null 2>&1; then
		sh_warn "dpkg-query not found: not a Debian system, not checking packages ($*)"
		return 0
	fi
	if sh_node_ok; then
		skip_node=1
	fi
	for pkg in "$@"; do
		if ((skip_node)) && [[ "$pkg" == nodejs || "$pkg" == npm ]]; then
			continue
		fi
		sh_pkg_installed "$pkg" || missing+=("$pkg")
	done
	if ((${#missing[@]} == 0)); then
		return 0
	fi
	if ((EUID != 0)); then
		if command -v sudo >/dev/null 2>&1; then
			sudo=(sudo --preserve-env=DEBIAN_FRONTEND)
		else
			sh_die "missing Debian packages: ${missing[*]} (run as root or install them)"
		fi
	fi
	sh_info "installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# postgresql, redis-server, nginx and prometheus start their system service when they are
	# installed; the scripts start their own on free ports and stop them by pid, so nothing is
	# started here: a policy-rc.d answering 101 ("action forbidden") while apt runs, unless the
	# machine has one already (Docker images do).
	local policy=/usr/sbin/policy-rc.d ours=0 rc=0
	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\n# scripts/lib/common.sh: no service starts while it installs packages\nexit 101\n' |
			"${sudo[@]}" tee "$policy" >/dev/null && "${sudo[@]}" chmod 755 "$policy" && ours=1
	fi
	"${sudo[@]}" apt-get update -qq || rc=1
	if ((rc == 0)); then
		"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" || rc=2
	fi
	((ours == 0)) || "${sudo[@]}" rm -f "$policy"
	((rc != 1)) || sh_die "apt-get update failed"
	((rc != 2)) || sh_die "apt-get install failed for: ${missing[*]}"
}

# Warns when npm is missing (the web app build and the OpenAPI lint need it).
sh_check_npm() {
	if ! command -v npm >/dev/null 2>&1; then
		sh_warn "npm not found: node is $(command -v node || echo missing); install npm for the web build"
	fi
}

# Number of parallel build jobs.
sh_jobs() {
	nproc 2>/dev/null || echo 2
}
