#!/bin/sh
# cold_start.sh — how long the first LeNet-5 training step (batch 64) of a new process takes on
# the Vulkan backend, with an empty pipeline cache and with the cache file a previous process
# left (backends/vulkan/vk_disk_cache.hpp).
#
#   scripts/cold_start.sh [BUILD_DIR] [RUNS]        (defaults: build, 5)
#
# Needs BUILD_DIR/tests/cli/cnnlab_cold_start_probe (built with the tests). Drivers keep caches
# of their own (Mesa: MESA_SHADER_CACHE_DIR, NVIDIA: __GL_SHADER_DISK_CACHE_PATH), so three
# kinds of run alternate:
#   cold   every cache new and empty: what a first run ever on the machine pays;
#   ours   cnnlab's cache file filled by an earlier process, the driver's caches empty: what
#          cnnlab's file alone saves;
#   warm   every cache filled by an earlier process: a normal second run.
# Prints each run's line (backend_ms, first_step_ms, second_step_ms, pipelines), the whole
# process's wall time, the time spent creating pipelines, the size of the cache file and the medians. Choose the device with
# CNNLAB_DEVICE.
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
# timed KIND CNNLAB_DIR DRIVER_DIR: one process with those cache folders; prints KIND, the
# probe's line, the wall time and compile_ms, the time the process spent creating pipelines
# (from CNNLAB_VK_VERBOSE's line at exit).
timed() {
  t0=$(now_ms)
  line=$(CNNLAB_CACHE_DIR=$2 MESA_SHADER_CACHE_DIR=$3 __GL_SHADER_DISK_CACHE_PATH=$3 \
    CNNLAB_VK_VERBOSE=1 "$probe" 2>"$work/stderr.txt")
  wall=$(($(now_ms) - t0))
  compile=$(sed -n 's/.* pipelines created in \([0-9.]*\) ms.*/\1/p' "$work/stderr.txt")
  echo "$1 $line process_ms=$wall compile_ms=${compile:-?}" | tee -a "$work/runs.txt"
}

# The filled folders come from a first, untimed process. The kinds alternate, so a machine that
# gets busier or quieter meanwhile affects all alike.
mkdir -p "$work/driver-warm"
CNNLAB_CACHE_DIR=$work/ours MESA_SHADER_CACHE_DIR=$work/driver-warm \
  __GL_SHADER_DISK_CACHE_PATH=$work/driver-warm "$probe" >/dev/null
i=1
while [ "$i" -le "$runs" ]; do
  mkdir -p "$work/driver-cold$i" "$work/driver-ours$i"
  timed cold "$work/cold$i" "$work/driver-cold$i"
  timed ours "$work/ours" "$work/driver-ours$i"
  timed warm "$work/ours" "$work/driver-warm"
  i=$((i + 1))
done
for f in "$work"/ours/pipelines-*.bin; do
  echo "cnnlab's cache file: $(basename "$f"), $(wc -c <"$f") bytes"
done
# median: the middle of the numbers on stdin, one per line.
median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.0f", v[int((NR + 1) / 2)] }'; }
# Medians: the first step, the first less the second step, the pipeline creation.
for kind in cold ours warm; do
  grep "^$kind " "$work/runs.txt" >"$work/$kind.txt"
  first=$(sed 's/.*first_step_ms=\([0-9.]*\).*/\1/' "$work/$kind.txt" | median)
  extra=$(sed 's/.*first_step_ms=\([0-9.]*\) second_step_ms=\([0-9.]*\).*/\1 \2/' "$work/$kind.txt" |
    awk '{ print $1 - $2 }' | median)
  compile=$(sed 's/.*compile_ms=//' "$work/$kind.txt" | median)
  echo "$kind: median first step $first ms, first minus second step $extra ms," \
    "pipeline creation $compile ms ($runs runs)"
done
