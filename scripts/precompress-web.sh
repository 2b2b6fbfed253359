#!/usr/bin/env bash
# Compresses the built web app before CMake embeds it (src/tools/embed.c --encoded): for each
# text file under SRC_DIR, OUT_DIR/<path>.gz (zopfli: the gzip format, a few per cent smaller
# than gzip -9, no cost to the client) and OUT_DIR/<path>.br (brotli, quality 11). The server
# sends whichever the client accepts (src/http/static_files.c); embed keeps a copy only when
# it is smaller than the file. Images and fonts are compressed already and are left alone.
#   scripts/precompress-web.sh SRC_DIR OUT_DIR BROTLI ZOPFLI
# BROTLI and ZOPFLI are the programs' paths (Debian packages brotli and zopfli; CMake finds
# them and stops when one is missing).
set -euo pipefail

if [ "$#" -ne 4 ]; then
  echo "usage: $0 SRC_DIR OUT_DIR BROTLI ZOPFLI" >&2
  exit 2
fi
src=$1 out=$2 brotli=$3 zopfli=$4
for tool in "$brotli" "$zopfli"; do
  [ -x "$tool" ] || { echo "precompress-web: $tool is not an executable (apt-get install brotli zopfli)" >&2; exit 1; }
done

# A fresh directory each time: no copy of a file that a previous build had.
rm -rf -- "$out"
mkdir -p -- "$out"
[ -d "$src" ] || exit 0

cd -- "$src"
find . -type f \( -name '*.js' -o -name '*.mjs' -o -name '*.css' -o -name '*.html' \
  -o -name '*.svg' -o -name '*.json' -o -name '*.webmanifest' -o -name '*.txt' -o -name '*.map' \) \
  -print0 | sort -z | while IFS= read -r -d '' file; do
  rel=${file#./}
  mkdir -p -- "$out/$(dirname -- "$rel")"
  "$zopfli" -c "$file" >"$out/$rel.gz"
  "$brotli" --quality=11 --stdout "$file" >"$out/$rel.br"
done

# What the scripts weigh: as built, and as sent to a browser (brotli) or an older client (gzip).
# Vite's asset names never contain whitespace.
raw=0 gz=0 br=0
for js in $(find . -type f -name '*.js'); do
  raw=$((raw + $(wc -c <"$js")))
  gz=$((gz + $(wc -c <"$out/${js#./}.gz")))
  br=$((br + $(wc -c <"$out/${js#./}.br")))
done
kb() { echo "$((($1 + 1023) / 1024)) KB"; }
echo "web: $(kb "$raw") of JavaScript, sent as $(kb "$br") with brotli, $(kb "$gz") with gzip"
