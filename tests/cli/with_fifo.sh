#!/bin/sh
# with_fifo.sh — run a command next to a FIFO (a named pipe), for the tests that a FIFO given
# as an input file is refused at once instead of blocking forever.
#
#   sh with_fifo.sh NAME COMMAND [ARGS...]
#
# Creates the FIFO NAME (relative to the current directory), runs COMMAND, removes the FIFO
# again (so that expect.sh's check "a failed run leaves no files behind" still sees only what
# COMMAND left) and exits with COMMAND's exit code. Nothing ever writes to the FIFO: a program
# that opens it for reading waits forever, which the test's ctest TIMEOUT turns into a failure.
set -u
name=$1
shift
rm -f "$name"
mkfifo "$name" || exit 1
"$@"
code=$?
rm -f "$name"
exit "$code"
