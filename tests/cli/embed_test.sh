#!/usr/bin/env bash
# The build's embedding tool (src/tools/embed.c) with compressed copies: a copy is embedded
# only when it is smaller than its file, a file without copies gets none, a copy older than
# its file fails the build, and scripts/precompress-web.sh makes copies that decode to the file.
#
#   tests/cli/embed_test.sh PATH/TO/sh_embed
set -euo pipefail
embed=$1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d /tmp/sh-embed-XXXXXX)
trap 'rm -rf -- "$work"' EXIT
fail() { echo "embed_test: FAIL: $*" >&2; exit 1; }

mkdir -p "$work/app/assets" "$work/enc/assets"
for i in $(seq 1 200); do echo "export const line$i = 'the same words again and again';"; done >"$work/app/assets/big.js"
printf 'x' >"$work/app/tiny.txt"
printf 'PNG' >"$work/app/plain.png"
sleep 0.01 # the copies below are newer than their files
gzip -9 -c "$work/app/assets/big.js" >"$work/enc/assets/big.js.gz"
printf 'a copy that is longer than the file' >"$work/enc/tiny.txt.br" # larger: not embedded

"$embed" --encoded "$work/enc" "$work/out.c" table "$work/app" "$work/app" || fail "embed failed"
grep -q '{.path = "assets/big.js", .data = data_0, .size = [0-9]*, .gzip = gz_0, .gzip_size = [0-9]*}' "$work/out.c" ||
	fail "big.js: no gzip copy, or a brotli one: $(grep 'big.js' "$work/out.c")"
grep -q '{.path = "tiny.txt", .data = data_2, .size = 1}' "$work/out.c" ||
	fail "tiny.txt: a copy that is not smaller was embedded: $(grep 'tiny.txt' "$work/out.c")"
grep -q '{.path = "plain.png", .data = data_1, .size = 3}' "$work/out.c" || fail "plain.png: $(grep 'plain.png' "$work/out.c")"

# A copy older than its file is a build step skipped: refused, nothing written.
touch -d '2001-01-01' "$work/enc/assets/big.js.gz"
if "$embed" --encoded "$work/enc" "$work/stale.c" table "$work/app" "$work/app" 2>"$work/err"; then
	fail "a stale copy was embedded"
fi
grep -q 'is older than' "$work/err" || fail "stale copy: $(cat "$work/err")"
[[ ! -e "$work/stale.c" ]] || fail "stale copy: output written"

# The real compressors: copies that decode to the file, none for images.
if command -v brotli >/dev/null && command -v zopfli >/dev/null; then
	"$root/scripts/precompress-web.sh" "$work/app" "$work/real" "$(command -v brotli)" "$(command -v zopfli)" >/dev/null
	cmp -s <(brotli -d -c "$work/real/assets/big.js.br") "$work/app/assets/big.js" || fail "brotli copy differs"
	cmp -s <(gzip -d -c "$work/real/assets/big.js.gz") "$work/app/assets/big.js" || fail "gzip copy differs"
	[[ ! -e "$work/real/plain.png.br" ]] || fail "an image was compressed"
fi
echo "embed_test: ok"
