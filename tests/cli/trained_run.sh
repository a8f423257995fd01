#!/bin/sh
# trained_run.sh — the ctest fixture behind the tests of `cnnlab train`, `eval`, `predict` and
# `visualize`: trains LeNet-5 briefly and checks what a run leaves behind, then leaves files
# for the other tests in WORKDIR:
#   run/{last,best}.safetensors   a run of 1 epoch on the first 2,000 Fashion-MNIST images
#   corrupt.safetensors           best.safetensors with one byte of its data changed
#   vis/*.png                     `cnnlab visualize` of test image 0 (vis/input.png is 28x28)
#
#   sh trained_run.sh CNNLAB WORKDIR PNG_TOOL
#
# Checks, in order: train writes last/best.safetensors, metrics.csv (a header and 1 row),
# metrics.json and curves.svg; training again into the same --out without --overwrite is a
# usage error (exit 2) that tells how to --resume; --resume with --epochs 2 continues at epoch
# 2 (in a copy, so run/ stays as it is); visualize writes PNG files, for a test image and for a
# picture file; predict gives the same probabilities for input.png and for RGB copies of it
# scaled up 2x and 3x (area resampling and the grey rule undo them exactly).
set -u
cli=$1 work=$2 png_tool=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fail() {
  echo "FAIL: $*"
  exit 1
}
# run LOG COMMAND...: runs the command with its output in LOG (printed), returns its exit code
run() {
  log=$1
  shift
  "$@" >"$log" 2>&1
  code=$?
  cat "$log"
  return $code
}
is_png() {  # the 8-byte PNG signature: 137 80 78 71 13 10 26 10
  [ "$(od -An -tu1 -N8 "$1" | tr -s ' ')" = " 137 80 78 71 13 10 26 10" ]
}

run train.log "$cli" train --epochs 1 --limit 2000 --out run || fail "train exited $code"
for f in last.safetensors best.safetensors metrics.csv metrics.json curves.svg; do
  [ -s "run/$f" ] || fail "train left no run/$f"
done
rows=$(wc -l <run/metrics.csv)
[ "$rows" -eq 2 ] || fail "run/metrics.csv has $rows lines, expected a header and 1 row"
grep -q "^epoch 1/1: train loss" train.log || fail "no line for epoch 1/1"

run again.log "$cli" train --epochs 1 --limit 2000 --out run
[ "$code" -eq 2 ] || fail "training into run/ again exited $code, expected 2"
grep -q "^cnnlab: error: run already holds a training run .*--resume run/last\.safetensors" again.log ||
  fail "training into run/ again does not tell how to --resume"

mkdir resumed && cp run/last.safetensors resumed/ || exit 1
run resume.log "$cli" train --resume resumed/last.safetensors --epochs 2 || fail "resume exited $code"
grep -q "^Resuming resumed/last\.safetensors at epoch 2" resume.log || fail "resume did not start at epoch 2"
grep -q "^epoch 2/2: train loss" resume.log || fail "no line for epoch 2/2"
grep -q "^epoch 1/" resume.log && fail "the resumed run trained epoch 1 again"
rows=$(wc -l <resumed/metrics.csv)
[ "$rows" -eq 3 ] || fail "resumed/metrics.csv has $rows lines, expected a header and 2 rows"

# A corrupt checkpoint: one byte of the tensor data (100 bytes before the end) changed.
cp run/best.safetensors corrupt.safetensors || exit 1
offset=$(($(wc -c <corrupt.safetensors) - 100))
byte=$(od -An -tu1 -j "$offset" -N1 corrupt.safetensors | tr -d ' ')
printf "\\$(printf %03o $(((byte + 1) % 256)))" |
  dd of=corrupt.safetensors bs=1 seek="$offset" conv=notrunc 2>/dev/null || exit 1
cmp -s run/best.safetensors corrupt.safetensors && fail "corrupt.safetensors did not change"

run vis.log "$cli" visualize run/best.safetensors --index 0 --out vis || fail "visualize exited $code"
for f in filters.png input.png activations_conv1.png activations_conv2.png; do
  [ -s "vis/$f" ] || fail "visualize left no vis/$f"
  is_png "vis/$f" || fail "vis/$f does not start with the PNG signature"
  grep -q "^Wrote vis/$f: " vis.log || fail "visualize did not name vis/$f"
done
[ -z "$(find vis -name '.*')" ] || fail "visualize left temporary files: $(find vis -name '.*')"
run vis2.log "$cli" visualize run/best.safetensors --image vis/input.png --out vis2 ||
  fail "visualize --image exited $code"
for f in filters.png input.png activations_conv1.png activations_conv2.png; do
  is_png "vis2/$f" || fail "visualize --image left no PNG vis2/$f"
done
"$png_tool" upscale vis/input.png up2.png 2 && "$png_tool" upscale vis/input.png up3.png 3 || exit 1
run predict.log "$cli" predict run/best.safetensors vis/input.png up2.png up3.png --top 10 ||
  fail "predict exited $code"
grep -q "^up2\.png (56x56, resized to 28x28, averaged to grey):" predict.log || fail "up2.png not resized"
grep -q "^up3\.png (84x84, resized to 28x28, averaged to grey):" predict.log || fail "up3.png not resized"
[ "$(grep -c '^  1\. ' predict.log)" -eq 3 ] || fail "predict did not print 3 pictures"
[ "$(grep '^  ' predict.log | sort | uniq -c | awk '{print $1}' | sort -u)" = "3" ] ||
  fail "the scaled-up copies of input.png got other probabilities than input.png"
echo "OK"
