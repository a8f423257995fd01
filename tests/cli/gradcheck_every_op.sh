#!/bin/sh
# gradcheck_every_op.sh — every op of the registry passes `cnnlab gradcheck` with its defaults.
#
#   sh gradcheck_every_op.sh CNNLAB
#
# What it checks: the ops come from the tool itself (`cnnlab gradcheck --list`, which reads the
# op registry), so a new op is checked without editing any test list. Fails when the list is
# empty, when an op that `cnnlab op --list` runs has no gradient check, or when any check
# prints something other than OK or exits non-zero. What it is not: a test of the settings
# (stride, padding, transposes); the cli_gradcheck_* tests in CMakeLists.txt cover those.
set -u
cnnlab=$1
failed=0

checked=$("$cnnlab" gradcheck --list) || { echo "FAIL: cnnlab gradcheck --list failed"; exit 1; }
if [ -z "$checked" ]; then
  echo "FAIL: cnnlab gradcheck --list lists no ops"
  exit 1
fi
runnable=$("$cnnlab" op --list) || { echo "FAIL: cnnlab op --list failed"; exit 1; }
for op in $runnable; do
  if ! printf '%s\n' "$checked" | grep -qx "$op"; then
    echo "FAIL: cnnlab op runs $op but cnnlab gradcheck cannot check it"
    failed=1
  fi
done

for op in $checked; do
  output=$("$cnnlab" gradcheck "$op" 2>&1)
  code=$?
  printf '%s\n' "$output"
  if [ "$code" -ne 0 ] || ! printf '%s\n' "$output" | grep -q '^OK max_rel_error='; then
    echo "FAIL: cnnlab gradcheck $op (exit code $code)"
    failed=1
  fi
done

[ "$failed" -eq 0 ] && echo "OK: $(printf '%s\n' "$checked" | wc -l) ops checked"
exit "$failed"
