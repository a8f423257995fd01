#!/bin/sh
# expect.sh — the driver of the CLI tests: run one command in a fresh, empty directory and
# check its exit code and output.
#
#   sh expect.sh [--result] WORKDIR EXPECTED_EXIT_CODE REGEX COMMAND [ARGS...]
#
# Passes when the command exits with EXPECTED_EXIT_CODE and its output (stdout and stderr
# together) has a line matching REGEX (grep -E). When the command is expected to fail, it
# also checks the tool's error contract: exactly one line starting with "cnnlab: error:", and
# no file left behind in WORKDIR (outputs default to the current directory). --result marks
# a non-zero exit code that is a result rather than an error (a failed gradient check).
set -u
is_error=1
if [ "$1" = "--result" ]; then
  is_error=0
  shift
fi
workdir=$1 expected=$2 regex=$3
shift 3
rm -rf "$workdir" && mkdir -p "$workdir" && cd "$workdir" || exit 1

output=$("$@" 2>&1)
code=$?
printf '%s\n' "$output"

if [ "$code" -ne "$expected" ]; then
  echo "FAIL: exit code $code, expected $expected"
  exit 1
fi
if ! printf '%s\n' "$output" | grep -E -q -e "$regex"; then
  echo "FAIL: no output line matches: $regex"
  exit 1
fi
if [ "$expected" -ne 0 ] && [ "$is_error" -eq 1 ]; then
  errors=$(printf '%s\n' "$output" | grep -c '^cnnlab: error: ')
  if [ "$errors" -ne 1 ]; then
    echo "FAIL: expected exactly one 'cnnlab: error:' line, got $errors"
    exit 1
  fi
  if [ -n "$(ls -A .)" ]; then
    echo "FAIL: the failed run left files behind: $(ls -A .)"
    exit 1
  fi
fi
echo "OK"
