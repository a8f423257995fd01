#!/bin/sh
# train_interrupt.sh — Ctrl-C during `cnnlab train` stops after the current batch, saves
# last.safetensors, says how to resume and exits with 130; resuming finishes the run.
#
#   sh train_interrupt.sh CNNLAB WORKDIR
#
# The run uses the reference backend (the slow, readable one) so that it is still in its first
# epoch when the interrupt (SIGINT, what Ctrl-C sends) arrives. Exit status 0 when every check
# passed (the last line then starts with "OK:"), 1 otherwise.
set -eu
cnnlab=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() {
  echo "FAIL: $*"
  echo "--- output of the interrupted run:"
  cat run.log
  exit 1
}

: >run.log  # exists before the loop below reads it (the background job may not have started yet)
"$cnnlab" train --backend reference --limit 4000 --epochs 2 --batch-size 16 --out out >run.log 2>&1 &
pid=$!
# Wait for the first progress line (printed every 10 % when the output is not a terminal).
tries=0
until grep -q "^  10 % epoch 1/2" run.log; do
  tries=$((tries + 1))
  [ $tries -lt 600 ] || { kill $pid; fail "no progress line after 60 s"; }
  kill -0 $pid 2>/dev/null || fail "the run ended before it could be interrupted"
  sleep 0.1
done
kill -INT $pid
code=0
wait $pid || code=$?
[ $code -eq 130 ] || fail "exit code $code after Ctrl-C, expected 130"
grep -q "^Resume with: cnnlab train --resume out/last.safetensors$" run.log ||
  fail "no 'Resume with' line"
[ -f out/last.safetensors ] || fail "no out/last.safetensors after the interrupt"
[ ! -f out/metrics.csv ] || fail "metrics.csv written although no epoch finished"

"$cnnlab" train --resume out/last.safetensors >resume.log 2>&1 || {
  cat resume.log
  fail "resuming failed"
}
grep -q "^Resuming out/last.safetensors at epoch 1$" resume.log || fail "resume did not start in epoch 1"
grep -q "^epoch 2/2: " resume.log || fail "resume did not finish epoch 2"
[ "$(wc -l <out/metrics.csv)" -eq 3 ] || fail "metrics.csv should hold a header and 2 epochs"
echo "OK: interrupted, saved, resumed and finished"
