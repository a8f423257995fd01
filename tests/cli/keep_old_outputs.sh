#!/bin/sh
# keep_old_outputs.sh — a failed `cnnlab op` run leaves the --out directory exactly as it found
# it: the files of an earlier run keep their bytes, and no temporary or half-written file of
# the failed run is left behind. A run that succeeds replaces the old files.
#
#   sh keep_old_outputs.sh CNNLAB INPUTS WORKDIR
#
# The failures happen while the outputs are written, after the first output (y.npy) could
# already have been saved: the run must then neither delete nor overwrite the old y.npy.
set -eu
cnnlab=$1 in=$2 work=$3
out=$work/out
rm -rf "$work" && mkdir -p "$work"
fail() {
  echo "FAIL: $*"
  exit 1
}
# The entries of the output directory, hidden ones (temporary files) included, on one line.
entries() { ls -A "$out" | tr '\n' ' '; }

# An earlier, successful run: y.npy from r.npy. Keep a copy to compare bytes with later.
"$cnnlab" op relu --x "$in/r.npy" --out "$out"
cp "$out/y.npy" "$work/y.before"
[ "$(entries)" = "y.npy " ] || fail "the good run left more than y.npy: $(entries)"

# Checks that the failed run (its output in $work/log) printed one error line and left $out
# as it was: the old y.npy with the same bytes, plus what the test itself put there.
check_untouched() {
  what=$1 expected_entries=$2
  cat "$work/log"
  [ "$(grep -c '^cnnlab: error: ' "$work/log")" -eq 1 ] || fail "$what: not one error line"
  [ "$(entries)" = "$expected_entries" ] ||
    fail "$what: $out holds '$(entries)', expected '$expected_entries'"
  cmp "$out/y.npy" "$work/y.before" || fail "$what: the earlier run's y.npy was changed"
}

# 1. A directory is in the way of dx.npy. This run (other inputs, so another y) computes y and
#    dx and fails when it comes to dx.npy: the old y.npy must survive, unchanged.
mkdir "$out/dx.npy"
if "$cnnlab" op relu --x "$in/x7.npy" --dy "$in/x7.npy" --out "$out" >"$work/log" 2>&1; then
  cat "$work/log"
  fail "the run succeeded although a directory is in the way of dx.npy"
fi
check_untouched "directory in the way" "dx.npy y.npy "
grep -q "dx\.npy: a directory of that name is in the way" "$work/log" ||
  fail "the error does not say what is wrong with dx.npy"
rmdir "$out/dx.npy"

# 2. The output directory is not writable, so not even a temporary file can be made. (root
#    may write anyway, so this part only runs for other users.)
if [ "$(id -u)" -ne 0 ]; then
  chmod a-w "$out"
  if "$cnnlab" op relu --x "$in/x7.npy" --out "$out" >"$work/log" 2>&1; then
    chmod u+w "$out"
    fail "the run succeeded in a read-only directory"
  fi
  chmod u+w "$out"
  check_untouched "read-only directory" "y.npy "
fi

# 3. A run that succeeds replaces the old y.npy, writes dx.npy, and leaves no temporary file.
"$cnnlab" op relu --x "$in/x7.npy" --dy "$in/x7.npy" --out "$out"
[ "$(entries)" = "dx.npy y.npy " ] || fail "the good run left: $(entries)"
if cmp -s "$out/y.npy" "$work/y.before"; then fail "the good run did not replace y.npy"; fi
echo "OK"
