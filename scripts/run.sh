#!/usr/bin/env bash
# Builds SchoolHub and runs it, the one command to try it on a fresh Debian 12:
#
#   scripts/run.sh
#
# Installs the missing Debian packages, builds build/ (Release), applies the
# database migrations, loads the demo data on the first start only (the demo
# logins are printed then), and serves on http://127.0.0.1:8080.
#
# This is the development path: it sets SCHOOLHUB_ENV=development (open registration, a
# secret generated in the data directory, the demo school), which the binary alone never
# assumes: with SCHOOLHUB_ENV unset, schoolhub runs as production.
#
# Every variable of docs/CONFIG.md can be set by the caller, e.g.
#   SCHOOLHUB_PORT=9000 SCHOOLHUB_ENV=development \
#     DATABASE_URL=postgresql://sh:secret@localhost/schoolhub scripts/run.sh
# A DATABASE_URL of the caller's needs SCHOOLHUB_ENV said too: that database may be a
# school's, and development (open registration) is no default to give it.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$SH_ROOT"

if [[ -n "${DATABASE_URL:-}" && -z "${SCHOOLHUB_ENV:-}" ]]; then
	sh_die "DATABASE_URL is set but SCHOOLHUB_ENV is not: say SCHOOLHUB_ENV=development to try" \
		"SchoolHub on that database, or SCHOOLHUB_ENV=production (with SCHOOLHUB_SECRET_KEY)" \
		"to run a school on it"
fi

sh_install_packages "${SH_RUNTIME_PACKAGES[@]}"
sh_check_npm

sh_info "building build/ (Release)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSCHOOLHUB_SANITIZE=OFF \
	-DSCHOOLHUB_BUILD_TESTS=OFF
cmake --build build -j"$(sh_jobs)" --target schoolhub

export SCHOOLHUB_ENV="${SCHOOLHUB_ENV:-development}"
export SCHOOLHUB_DATA_DIR="${SCHOOLHUB_DATA_DIR:-./data}"
export DATABASE_URL="${DATABASE_URL:-sqlite:///./data/schoolhub.db}"
# The data directory holds the secret key and (with SQLite) the database: keep it private.
if [[ ! -d "$SCHOOLHUB_DATA_DIR" ]]; then
	mkdir -p "$SCHOOLHUB_DATA_DIR"
	chmod 700 "$SCHOOLHUB_DATA_DIR"
fi

sh_info "applying migrations (${DATABASE_URL%%://*} database; the URL may hold a password, so not shown)"
build/schoolhub migrate

# seed-demo loads only into a database without members, and exits 3 when it refuses (a
# database already in use): then there is nothing to load, now or at the next start.
marker="$SCHOOLHUB_DATA_DIR/.demo-seeded"
if [[ $SCHOOLHUB_ENV == production ]]; then
	sh_info "SCHOOLHUB_ENV=production: not loading the demo data"
elif [[ ! -e "$marker" ]]; then
	sh_info "first start: loading the demo data (keep the logins printed below)"
	seed_rc=0
	build/schoolhub seed-demo || seed_rc=$?
	case $seed_rc in
	0) ;;
	3) sh_info "the database already holds members: no demo data loaded" ;;
	*) sh_die "schoolhub seed-demo failed (exit $seed_rc)" ;;
	esac
	touch "$marker"
fi

sh_info "SchoolHub on http://${SCHOOLHUB_HOST:-127.0.0.1}:${SCHOOLHUB_PORT:-8080} (Ctrl-C stops it)"
exec build/schoolhub serve
