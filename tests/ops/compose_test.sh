#!/usr/bin/env bash
# docker/ checked without a Docker engine (issue #16; ctest ops_compose):
#   - tests/ops/compose_check.py: the stage files and their .env examples name the same
#     variables, secrets have no default, every SCHOOLHUB_* (and DATABASE_URL, REDIS_URL,
#     SEL_*) setting they or the Dockerfile set is documented in docs/CONFIG.md and read by
#     the server, mounted files exist, the Dockerfile's steps (package lists of
#     scripts/lib/common.sh, npm ci, non-root, /ready, /data, production);
#   - `docker-compose config` (Debian's docker-compose) accepts every stage with its example
#     and the secrets supplied, and refuses it when any one secret is missing (fail closed);
#   - the built binary accepts the settings each SchoolHub service of a stage gets (values:
#     `schoolhub migrate` with that environment, on a throwaway SQLite file);
#   - SH_IMAGE_PACKAGES (the run-time image's packages) provides every shared library the
#     built binary links, except those of Debian's required packages (in every image).
# usage: compose_test.sh PATH/TO/schoolhub     (exit 77: skipped, a tool is missing)
set -euo pipefail

BIN=$(realpath "$1")
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=/usr/bin/python3
CHECK="$ROOT/tests/ops/compose_check.py"

log() { echo "compose: $*" >&2; }
fail() {
	log "FAIL: $*"
	exit 1
}
skip() {
	log "SKIPPED: $*"
	exit 77
}
ok() { log "ok: $*"; }

command -v docker-compose >/dev/null 2>&1 || skip "docker-compose not installed (Debian: docker-compose)"
"$PY" -c 'import yaml' 2>/dev/null || skip "python3-yaml not installed"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/schoolhub-compose.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# --- static checks -------------------------------------------------------------------------
if ! out=$("$PY" "$CHECK" "$ROOT" check); then
	printf '%s\n' "$out" >&2
	fail "docker/ static checks (above)"
fi
ok "stage files, .env examples, settings (docs/CONFIG.md and src/), Dockerfile"

# --- docker-compose config, with and without each secret -----------------------------------
# compose STAGE ENVFILE [NAME=VALUE...]: docker-compose config in a clean environment (none of
# the caller's SCHOOLHUB_* may fill a gap): the resolved file in $WORK/out, messages in
# $WORK/err.
compose() {
	local stage=$1 envfile=$2
	shift 2
	env -i PATH="$PATH" HOME="$WORK" "$@" docker-compose --ansi never \
		--project-directory "$ROOT/docker/compose" \
		-f "$ROOT/docker/compose/stage$stage.yml" --env-file "$envfile" config \
		>"$WORK/out" 2>"$WORK/err"
}

# settings_load STAGE: the binary loads the configuration each SchoolHub service of the
# resolved stage ($WORK/out) gets, as the container would (`schoolhub migrate`: the core and
# module settings, then the migrations), on a throwaway SQLite file instead of its database.
settings_load() {
	local stage=$1 service vars
	cp "$WORK/out" "$WORK/resolved.yml"
	for service in $("$PY" "$CHECK" "$ROOT" env "$WORK/resolved.yml"); do
		mapfile -d '' vars < <("$PY" "$CHECK" "$ROOT" env "$WORK/resolved.yml" "$service")
		rm -rf "$WORK/data"
		env -i PATH="$PATH" "${vars[@]}" SCHOOLHUB_DATA_DIR="$WORK/data" \
			DATABASE_URL="sqlite:///$WORK/data/settings.db" "$BIN" migrate >"$WORK/load" 2>&1 ||
			fail "stage $stage ($service): the server refuses its settings: $(cat "$WORK/load")"
	done
}

# Each secret is taken away once, in the first stage that requires it (one docker-compose run
# costs a second): the static check has already made sure that every reference to a secret,
# in every stage, has the `:?`/`?` form that makes docker-compose refuse.
stages=$("$PY" "$CHECK" "$ROOT" files)
[[ -n $stages ]] || fail "no docker/compose/stageN.yml"
declare -A refused=()
for stage in $stages; do
	example="$ROOT/docker/compose/stage$stage.env.example"
	required=()
	supplied=()
	while read -r name kind; do
		required+=("$name")
		if [[ $kind == nonempty ]]; then
			supplied+=("$name=compose-test-$name-0123456789abcdef0123456789abcdef")
		else
			supplied+=("$name=") # declared, empty (an SMTP password without SMTP)
		fi
	done < <("$PY" "$CHECK" "$ROOT" required "$stage")
	((${#required[@]} > 0)) || fail "stage $stage requires no secret at all"
	compose "$stage" "$example" "${supplied[@]}" ||
		fail "stage $stage: docker-compose config refused it: $(cat "$WORK/err")"
	settings_load "$stage"
	# The backup service waits for a backup under way (docker's default: SIGKILL after 10 s).
	"$PY" -c 'import sys, yaml; b = yaml.safe_load(open(sys.argv[1]))["services"]["backup"]; sys.exit(b.get("stop_grace_period") != "30m")' \
		"$WORK/out" || fail "stage $stage: the backup service has no stop_grace_period of 30m"
	taken=()
	for name in "${required[@]}"; do
		[[ -z ${refused[$name]:-} ]] || continue
		refused[$name]=1
		taken+=("$name")
		grep -v "^$name=" "$example" >"$WORK/env" || true
		others=()
		for kv in "${supplied[@]}"; do
			[[ $kv == "$name="* ]] || others+=("$kv")
		done
		if compose "$stage" "$WORK/env" "${others[@]}"; then
			fail "stage $stage: docker-compose config accepted it without $name (a default?)"
		fi
		grep -q "$name" "$WORK/err" || fail "stage $stage: the refusal without $name does not name it: $(cat "$WORK/err")"
	done
	ok "stage $stage: docker-compose config passes, the server loads its settings${taken[*]:+; refused without any one of ${taken[*]}}"
done

# --- the run-time image's packages cover the binary's libraries -----------------------------
if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v readelf >/dev/null 2>&1; then
	log "not a Debian system with binutils: the image's package list is not checked"
	exit 0
fi
# shellcheck source=scripts/lib/common.sh
. "$ROOT/scripts/lib/common.sh"
mapfile -t needed < <(readelf -d "$BIN" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
((${#needed[@]} > 0)) || fail "readelf finds no library in $BIN"
if [[ " ${needed[*]} " == *" libasan."* || " ${needed[*]} " == *" libubsan."* ]]; then
	log "a sanitizer build: the image's package list is checked by the Release build's run"
	exit 0
fi
# One dpkg-query for all of them (each run reads the whole database): "pkg:arch: /path".
# The path ldd resolves, without /usr (usrmerge: dpkg may know either), as a glob suffix.
declare -A where=() owner=()
while read -r soname _ path _; do
	where[$soname]=${path#/usr}
done < <(ldd "$BIN")
patterns=()
for soname in "${needed[@]}"; do
	[[ -n ${where[$soname]:-} ]] || fail "ldd does not resolve $soname"
	patterns+=("*${where[$soname]}")
done
while IFS= read -r line; do
	pkg=${line%%: *}
	path=${line#*: }
	owner[${path#/usr}]=${pkg%%:*}
done < <(dpkg-query -S "${patterns[@]}" 2>/dev/null)
missing=()
for soname in "${needed[@]}"; do
	pkg=${owner[${where[$soname]}]:-}
	[[ -n $pkg ]] || fail "no Debian package ships $soname"
	# libc6 and Debian's required packages are in every image (libc6 itself is "optional").
	[[ $pkg == libc6 || $(dpkg-query -W -f='${Priority}' "$pkg") == required ]] && continue
	[[ " ${SH_IMAGE_PACKAGES[*]} " == *" $pkg "* ]] || missing+=("$pkg ($soname)")
done
((${#missing[@]} == 0)) ||
	fail "SH_IMAGE_PACKAGES (scripts/lib/common.sh) lacks what the binary links: ${missing[*]}"
ok "SH_IMAGE_PACKAGES provides every library $(basename "$BIN") links"
