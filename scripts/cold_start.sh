#!/bin/sh
# cold_start.sh — how long the first LeNet-5 training step (batch 64) of a new process takes on
# the Vulkan backend, with an empty pipeline cache and with the cache file a previous process
# left (backends/vulkan/vk_disk_cache.hpp).
#
#   scripts/cold_start.sh [BUILD_DIR] [RUNS]        (defaults: build, 5)
#
# Needs BUILD_DIR/tests/cli/cnnlab_cold_start_probe (built with the tests). Each "cold" run gets
# a new, empty CNNLAB_CACHE_DIR; the "warm" runs share one that a first, untimed process filled.
# Prints each run's line (backend_ms, first_step_ms, second_step_ms, pipelines), the whole
# process's wall time, and the size of the cache file. Choose the device with CNNLAB_DEVICE.
set -eu
build=${1:-build}
runs=${2:-5}
probe=$build/tests/cli/cnnlab_cold_start_probe
[ -x "$probe" ] || {
  echo "cold_start.sh: $probe not found: build it (cmake --build $build --target cnnlab_cold_start_probe)" >&2
  exit 2
}
work=$(mktemp -d "${TMPDIR:-/tmp}/cnnlab-cold-start.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset CNNLAB_PIPELINE_CACHE

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# timed DIR: one process with CNNLAB_CACHE_DIR=DIR; prints its line and its wall time.
timed() {
  t0=$(now_ms)
  line=$(CNNLAB_CACHE_DIR=$1 "$probe")
  echo "$line process_ms=$(($(now_ms) - t0))"
}

echo "cold: an empty cache folder for every process"
i=1
while [ "$i" -le "$runs" ]; do
  timed "$work/cold$i"
  i=$((i + 1))
done

echo "warm: the cache file of an earlier process"
CNNLAB_CACHE_DIR=$work/warm "$probe" >/dev/null
i=1
while [ "$i" -le "$runs" ]; do
  timed "$work/warm"
  i=$((i + 1))
done
for f in "$work"/warm/pipelines-*.bin; do
  echo "cache file: $(basename "$f"), $(wc -c <"$f") bytes"
done
