#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz/) in build-fuzz/ with clang and runs each one
# for SECONDS, or until it has run N inputs, one after the other (one process each: the
# machine is shared):
#
#   scripts/fuzz.sh SECONDS [HARNESS...]        e.g. scripts/fuzz.sh 300 fuzz_request
#   scripts/fuzz.sh --runs N [HARNESS...]       the long run: scripts/fuzz.sh --runs 10000000
#   scripts/fuzz.sh --merge [HARNESS...]        after a run with FUZZ_WORK set: adds to the
#                                               seed corpus the inputs of FUZZ_WORK's corpus
#                                               that reach new coverage (libFuzzer -merge=1)
#
# Each run starts from the seed corpus tests/fuzz/corpus/<harness>/ (which it never
# writes) with the dictionary tests/fuzz/<harness>.dict; what it discovers goes to a
# working corpus outside the repository. A crash, leak, sanitizer report or timeout fails
# the run and its reproducer's path is printed ("crash file: ..."); replay it with
#   build-fuzz/<harness> <file>
#
# Environment:
#   FUZZ_WORK  working directory (default: a new mktemp -d, removed when every run passed)
#   FUZZ_JOBS  build jobs (default 2)
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$SH_ROOT"

usage() {
	echo "usage: scripts/fuzz.sh SECONDS [HARNESS...] | --runs N [HARNESS...] | --merge [HARNESS...]" >&2
	exit 2
}
MODE=time
LIMIT_ARGS=()
case "${1:-}" in
--runs)
	[[ "${2:-}" =~ ^[0-9]+$ ]] || usage
	MODE=runs
	LIMIT_ARGS=(-runs="$2")
	WHAT="$2 runs"
	shift 2
	;;
--merge)
	[[ -n "${FUZZ_WORK:-}" ]] || sh_die "--merge reads the working corpus of FUZZ_WORK: set it to the run's directory"
	MODE=merge
	shift
	;;
*)
	[[ "${1:-}" =~ ^[0-9]+$ ]] || usage
	LIMIT_ARGS=(-max_total_time="$1")
	WHAT="${1}s"
	shift
	;;
esac

# The longest input each harness takes (its LLVMFuzzerTestOneInput refuses longer ones).
max_len() {
	case "$1" in
	fuzz_request | fuzz_bodies) echo 4096 ;;
	fuzz_access_token) echo 2048 ;;
	fuzz_router) echo 1024 ;;
	*) echo 512 ;;
	esac
}

# stat_of NAME LOG: a number from libFuzzer's -print_final_stats lines (empty if absent).
stat_of() {
	(grep -Eo "stat::$1: *[0-9]+" "$2" || true) | awk '{print $2}' | tail -n1
}

command -v clang >/dev/null 2>&1 || sh_die "clang not found (Debian: apt-get install clang libclang-rt-14-dev)"
sh_info "building build-fuzz/ (clang, -fsanitize=fuzzer,address,undefined)"
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DSCHOOLHUB_FUZZ=ON -DSCHOOLHUB_BUILD_TESTS=OFF -DSCHOOLHUB_BUILD_WEB=OFF >/dev/null
cmake --build build-fuzz -j"${FUZZ_JOBS:-2}" >/dev/null

if [[ $# -gt 0 ]]; then
	HARNESSES=("$@")
else
	mapfile -t HARNESSES < <(find tests/fuzz -maxdepth 1 -name 'fuzz_*.c' -printf '%f\n' |
		sed 's/\.c$//' | sort)
fi

WORK="${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/schoolhub-fuzz-work.XXXXXX")}"
mkdir -p "$WORK"
echo "working directory: $WORK"
# The request harnesses' SQLite database: in memory-backed /dev/shm when there is one.
DB_DIR=""
if [[ -d /dev/shm && -w /dev/shm ]]; then
	DB_DIR="$(mktemp -d /dev/shm/schoolhub-fuzz-db.XXXXXX)"
	trap 'rm -rf "$DB_DIR"' EXIT
fi

failed=0
summary=()
for h in "${HARNESSES[@]}"; do
	[[ -x "build-fuzz/$h" ]] || sh_die "no harness build-fuzz/$h"
	corpus="$WORK/corpus/$h"
	artifacts="$WORK/artifacts/$h"
	log="$WORK/$h.log"
	mkdir -p "$corpus" "$artifacts" "$WORK/tmp"
	dict=()
	[[ -f "tests/fuzz/$h.dict" ]] && dict=(-dict="tests/fuzz/$h.dict")
	if [[ "$MODE" == merge ]]; then
		before="$(find "tests/fuzz/corpus/$h" -type f | wc -l)"
		TMPDIR="$WORK/tmp" FUZZ_DB_DIR="$DB_DIR" "build-fuzz/$h" -merge=1 -max_len="$(max_len "$h")" \
			"tests/fuzz/corpus/$h" "$corpus" >"$log" 2>&1 || sh_die "$h: merge failed (log: $log)"
		line="$h: seed corpus $before -> $(find "tests/fuzz/corpus/$h" -type f | wc -l) inputs"
		echo "$line"
		summary+=("$line")
		continue
	fi
	sh_info "$h: $WHAT"
	rc=0
	TMPDIR="$WORK/tmp" FUZZ_DB_DIR="$DB_DIR" ASAN_OPTIONS="detect_leaks=1" \
		UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
		"build-fuzz/$h" "${LIMIT_ARGS[@]}" -timeout=10 -rss_limit_mb=2048 \
		-max_len="$(max_len "$h")" "${dict[@]}" -print_final_stats=1 \
		-artifact_prefix="$artifacts/" "$corpus" "tests/fuzz/corpus/$h" >"$log" 2>&1 || rc=$?
	execs="$(stat_of number_of_executed_units "$log")"
	speed="$(stat_of average_exec_per_sec "$log")"
	cov="$( (grep -Eo 'cov: [0-9]+' "$log" || true) | tail -n1 | awk '{print $2}')"
	ft="$( (grep -Eo 'ft: [0-9]+' "$log" || true) | tail -n1 | awk '{print $2}')"
	line="$h: ${execs:-?} executions (${speed:-?}/s), coverage ${cov:-?} edges, ${ft:-?} features"
	if ((rc != 0)); then
		failed=$((failed + 1))
		tail -n 60 "$log"
		crash="$(find "$artifacts" -type f | head -n1)"
		line+=", FAILED (exit $rc)"
		echo "crash file: ${crash:-none written} (log: $log)"
	fi
	echo "$line"
	summary+=("$line")
done

echo
printf '%s\n' "${summary[@]}"
if ((failed > 0)); then
	echo "fuzz: $failed of ${#HARNESSES[@]} harnesses failed; reproducers and logs kept in $WORK"
	exit 1
fi
if [[ "$MODE" == merge ]]; then
	echo "fuzz: merged into tests/fuzz/corpus/ (review and commit the new files)"
	exit 0
fi
echo "fuzz: ${#HARNESSES[@]} harnesses clean, $WHAT each"
[[ -z "${FUZZ_WORK:-}" ]] && rm -rf "$WORK"
exit 0
