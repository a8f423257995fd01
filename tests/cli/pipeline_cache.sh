#!/bin/sh
# pipeline_cache.sh — the Vulkan pipeline cache on disk, end to end through the `cnnlab` tool:
#
#   sh pipeline_cache.sh CNNLAB WORKDIR
#
# With CNNLAB_CACHE_DIR set to a fresh folder under WORKDIR (never the user's ~/.cache), a small
# Vulkan command (`demo xo --no-train`) runs:
#   1. into the empty folder: it succeeds and writes pipelines-*.bin;
#   2. again: it loads that file;
#   3. with the file corrupted, then emptied: it still succeeds (same output), says why it
#      ignored the file (CNNLAB_VK_VERBOSE=1) and writes a valid file again, which run 4 loads;
#   5. with a cache "folder" that cannot be created: it still succeeds;
#   6. without CNNLAB_VK_VERBOSE: nothing about the cache on stderr.
set -eu
cnnlab=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"
export CNNLAB_CACHE_DIR="$work/cache"
unset CNNLAB_PIPELINE_CACHE
fail() {
  echo "FAIL: $*"
  for f in *.log; do
    echo "--- $f:"
    cat "$f"
  done
  exit 1
}
# run NAME: the command, verbose, with stdout in NAME.out and stderr in NAME.log; must succeed
# and print the same lecture tables as the first run.
run() {
  CNNLAB_VK_VERBOSE=1 "$cnnlab" demo xo --backend vulkan --no-train >"$1.out" 2>"$1.log" ||
    fail "run $1 failed"
  [ ! -f first.out ] || cmp -s first.out "$1.out" || fail "run $1 printed other results"
}

run first
grep -q "pipeline cache: ignored .*: no file yet" first.log || fail "run 1 did not look for a file"
grep -q "pipeline cache: wrote [0-9]* bytes" first.log || fail "run 1 wrote no cache file"
file=$(ls "$CNNLAB_CACHE_DIR"/pipelines-*.bin) || fail "no pipelines-*.bin in $CNNLAB_CACHE_DIR"
[ "$(ls -A "$CNNLAB_CACHE_DIR" | wc -l)" -eq 1 ] || fail "more than the cache file in the folder"

run second
grep -q "pipeline cache: loaded [0-9]* bytes from $file" second.log || fail "run 2 did not load the file"

# Corrupt the last 4 bytes (the driver's data; the CRC-32 no longer matches).
size=$(wc -c <"$file")
printf 'XXXX' | dd of="$file" bs=1 seek=$((size - 4)) conv=notrunc 2>/dev/null
run corrupt
grep -q "pipeline cache: ignored $file: CRC-32 mismatch" corrupt.log || fail "the corrupt file was not reported"
grep -q "pipeline cache: wrote" corrupt.log || fail "the corrupt file was not rewritten"
run after_corrupt
grep -q "pipeline cache: loaded" after_corrupt.log || fail "the rewritten file was not loaded"

: >"$file"  # an empty file (a disk that filled up, a crash)
run empty
grep -q "pipeline cache: ignored $file: the file is empty" empty.log || fail "the empty file was not reported"
grep -q "pipeline cache: wrote" empty.log || fail "the empty file was not rewritten"

# A cache folder that cannot be created (its parent is a regular file): saving fails quietly.
: >not-a-folder
CNNLAB_CACHE_DIR="$work/not-a-folder/cache" run unwritable
grep -q "pipeline cache: not saved to .*cannot create the folder" unwritable.log ||
  fail "the unwritable folder was not reported"

# A normal run says nothing about the cache.
"$cnnlab" demo xo --backend vulkan --no-train >quiet.out 2>quiet.log || fail "the quiet run failed"
! grep -q "pipeline cache" quiet.log || fail "a run without CNNLAB_VK_VERBOSE printed about the cache"
echo "OK: written, loaded, a corrupt and an empty file ignored and rewritten, an unwritable folder harmless"
