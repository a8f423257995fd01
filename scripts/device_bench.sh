#!/usr/bin/env bash
# device_bench.sh — issue 11's one prepared script for a session that is lent a GPU machine.
#
# Two steps, because the GPU machine has no network and no compiler setup of ours:
#
#   here (a development machine, Debian 12, network):
#     scripts/device_bench.sh prepare
#       builds build/bench/cnnlab_bench, build/tests/cnnlab_vulkan_tests and build/tools/cnnlab
#       (Release, static cnnlab: they run on the GPU machine's x86-64 as they are) and downloads
#       the Vulkan loader (libvulkan1 and friends, into .gl/, as /work/.library/device/README.md
#       says) and the Khronos validation layer (into .gl/layers/, unpacked elsewhere than /).
#
#   there (the device tool's `run`, from the repository root):
#     command: bash scripts/device_bench.sh
#     carry:   .gl  build/bench/cnnlab_bench  build/tests/cnnlab_vulkan_tests  build/tools/cnnlab
#              build/tests/cli/cnnlab_cold_start_probe
#     timeout_s: 580
#       1. installs the carried loader if the machine has none, points Vulkan at NVIDIA's driver
#          if no driver is found, and checks that the device cnnlab chooses is the NVIDIA GPU,
#          not llvmpipe (stops otherwise: a lavapipe timing is no GPU figure);
#       2. runs the Vulkan test suite with the validation layer on (when the layer was carried);
#       3. runs bench/gpu_compare.py: cnnlab Vulkan vs PyTorch CUDA, issue 11's ratio table;
#       4. times the first LeNet-5 step of new processes (scripts/cold_start.sh, 3 runs);
#       5. benches the kernel variants (CNNLAB_VK_GEMM_TILE, CNNLAB_VK_CONV) on the GPU cases.
#     Everything lands in $OUT (10 files): summary.txt, devices.txt, tests.log, gpu_compare.log,
#     ratio_table.md, raw.csv, cold_start.txt, variants.csv, device_bench.log. About 6–9 minutes.
#
# Settings (environment):
#   CNNLAB_ALLOW_LAVAPIPE=1   accept llvmpipe as the device (to test this script without a GPU)
#   DEVICE_BENCH_SIZE=gpu     case set of cnnlab_bench (tiny: to test this script on lavapipe)
#   DEVICE_BENCH_MIN_TIME=0.5 seconds of timed calls per case
#   DEVICE_BENCH_TESTS=       Catch2 test spec for the test suite (default: all of it)
#   DEVICE_BENCH_TEST_TIMEOUT=150, DEVICE_BENCH_COMPARE_TIMEOUT=240,
#   DEVICE_BENCH_COLD_TIMEOUT=90   seconds; DEVICE_BENCH_BUDGET=560: steps 4 and 5 (and each
#   variant, at most 60 s) start only while they fit in it, so the run stays inside 10 minutes
#   PYTHON=python3            the Python that has PyTorch (the GPU machine's plain python3 has)
#   OUT                       where results go (the device tool sets it; required)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

BENCH=build/bench/cnnlab_bench
TESTS=build/tests/cnnlab_vulkan_tests
CLI=build/tools/cnnlab
PROBE=build/tests/cli/cnnlab_cold_start_probe

prepare() {
  set -e
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCNNLAB_WERROR=ON
  cmake --build build -j2 --target cnnlab_bench cnnlab_vulkan_tests cnnlab-cli \
    cnnlab_cold_start_probe
  grep -qx '/.gl/' .git/info/exclude 2>/dev/null || grep -qx '/.gl/' .gitignore ||
    echo /.gl/ >>"$(git rev-parse --git-path info/exclude)"
  mkdir -p .gl/layers /tmp/amd64/partial
  local o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
  apt-get "${o[@]}" update
  (cd .gl && apt-get "${o[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 \
    libgles2)
  (cd .gl/layers && apt-get "${o[@]}" download vulkan-validationlayers)
  du -sh .gl "$BENCH" "$TESTS" "$CLI" "$PROBE"
  echo "prepared: run 'bash scripts/device_bench.sh' there, carrying .gl $BENCH $TESTS $CLI $PROBE"
}

if [[ ${1:-} == prepare ]]; then
  prepare
  exit
fi
if [[ $# -gt 0 ]]; then
  echo "usage: $0 [prepare]   (see the comment at the top of this script)" >&2
  exit 2
fi

: "${OUT:?device_bench.sh: set OUT to the folder for the results}"
mkdir -p "$OUT"
SIZE=${DEVICE_BENCH_SIZE:-gpu}
BUDGET=${DEVICE_BENCH_BUDGET:-560}  # seconds: steps 4 and 5 start only while they fit in it
MIN_TIME=${DEVICE_BENCH_MIN_TIME:-0.5}
PYTHON=${PYTHON:-python3}
LOG=$OUT/device_bench.log
SUMMARY=$OUT/summary.txt
: >"$SUMMARY"
exec > >(tee -a "$LOG") 2>&1
start=$SECONDS
say() { echo "$*" | tee -a "$SUMMARY"; }

say "device_bench.sh $(date -u '+%Y-%m-%d %H:%M UTC') on $(hostname) ($(nproc) CPUs), size $SIZE"
for f in "$BENCH" "$TESTS" "$CLI"; do
  if [[ ! -x $f ]]; then
    say "FAIL: $f is missing: run 'scripts/device_bench.sh prepare' here and carry it"
    exit 1
  fi
done

# 1. The Vulkan loader and driver. (The loader check reads ldconfig's whole output: `grep -q`
# would stop early, ldconfig would die of SIGPIPE, and pipefail would report "no loader".)
loader=$(ldconfig -p 2>/dev/null | grep 'libvulkan\.so\.1')
if [[ -z $loader ]]; then
  if compgen -G '.gl/*.deb' >/dev/null; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
    say "installed the carried Vulkan loader (.gl/*.deb)"
  else
    say "FAIL: no Vulkan loader here and none carried in .gl/"
    exit 1
  fi
fi
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [[ -z ${VK_DRIVER_FILES:-} && -f $nvidia_icd ]] &&
  ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* >/dev/null 2>&1; then
  export VK_DRIVER_FILES=$nvidia_icd
  say "VK_DRIVER_FILES=$nvidia_icd"
fi
command -v nvidia-smi >/dev/null &&
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv \
    >"$OUT/devices.txt" 2>&1
"$CLI" devices >>"$OUT/devices.txt" 2>&1
chosen=$(grep -E '^\* [0-9]+ ' "$OUT/devices.txt" | head -n 1)
say "cnnlab's Vulkan device: ${chosen:-none}"
if [[ -z $chosen ]]; then
  say "FAIL: cnnlab found no usable Vulkan device (devices.txt)"
  exit 1
fi
if [[ $chosen == *llvmpipe* || $chosen != *NVIDIA* ]]; then
  if [[ ${CNNLAB_ALLOW_LAVAPIPE:-0} != 1 ]]; then
    say "FAIL: the chosen device is not the NVIDIA GPU; its timings would mean nothing"
    exit 1
  fi
  say "(CNNLAB_ALLOW_LAVAPIPE=1: going on without a GPU; the figures test the script only)"
fi

# 2. The Vulkan test suite, with the validation layer when one is there (carried or installed).
if compgen -G '.gl/layers/*.deb' >/dev/null && [[ ! -d /tmp/cnnlab_vvl ]]; then
  for f in .gl/layers/*.deb; do dpkg -x "$f" /tmp/cnnlab_vvl; done
fi
layer_json=""
if [[ -d /tmp/cnnlab_vvl ]]; then
  layer_json=$(find /tmp/cnnlab_vvl -name 'VkLayer_khronos_validation.json' | head -n 1)
  if [[ -n $layer_json ]]; then
    VK_LAYER_PATH=$(dirname "$layer_json")${VK_LAYER_PATH:+:$VK_LAYER_PATH}
    export VK_LAYER_PATH
    lib=$(dirname "$(find /tmp/cnnlab_vvl -name 'libVkLayer_khronos_validation.so' | head -n 1)")
    export LD_LIBRARY_PATH=$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  fi
fi
[[ -z $layer_json ]] &&
  layer_json=$(ls /usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json 2>/dev/null)
validation=0
[[ -n $layer_json ]] && validation=1
t0=$SECONDS
test_args=()
[[ -n ${DEVICE_BENCH_TESTS:-} ]] && test_args=("$DEVICE_BENCH_TESTS")
CNNLAB_VK_VALIDATION=$validation timeout "${DEVICE_BENCH_TEST_TIMEOUT:-150}" \
  "$TESTS" "${test_args[@]}" >"$OUT/tests.log" 2>&1
test_rc=$?
say "tests: exit $test_rc in $((SECONDS - t0)) s, validation layer $([[ $validation == 1 ]] &&
  echo on || echo 'off (none carried)'): $(grep -E '^(All tests passed|test cases:)' \
  "$OUT/tests.log" | tail -n 1)"
[[ $test_rc == 124 ]] && say "tests: stopped at ${DEVICE_BENCH_TEST_TIMEOUT:-150} s"

# 3. The ratio table: cnnlab Vulkan vs PyTorch CUDA (gpu_compare.py says when CUDA is missing).
t0=$SECONDS
PYTHONUNBUFFERED=1 timeout "${DEVICE_BENCH_COMPARE_TIMEOUT:-240}" "$PYTHON" bench/gpu_compare.py \
  --bench "$BENCH" --size "$SIZE" --min-time "$MIN_TIME" --out "$OUT/ratio_table.md" \
  --raw "$OUT/raw.csv" --timeout 200 >"$OUT/gpu_compare.log" 2>&1
compare_rc=$?
say "gpu_compare.py: exit $compare_rc in $((SECONDS - t0)) s"
[[ -f $OUT/ratio_table.md ]] && cat "$OUT/ratio_table.md"
# 4. Cold start: the first LeNet-5 step of a new process, cold caches vs. cnnlab's pipeline cache
# file vs. every cache warm (scripts/cold_start.sh; issue 11's target: <= 0.3 s for a second run).
if [[ -x $PROBE ]] && ((SECONDS - start < BUDGET - 90)); then
  t0=$SECONDS
  timeout "${DEVICE_BENCH_COLD_TIMEOUT:-90}" sh scripts/cold_start.sh build 3 >"$OUT/cold_start.txt" 2>&1
  say "cold_start.sh: exit $? in $((SECONDS - t0)) s: $(tail -n 3 "$OUT/cold_start.txt" | tr '\n' ' ')"
else
  say "cold start: skipped ($PROBE not carried, or too little of the time budget left)"
fi

# 5. The kernel variants the defaults were chosen without a GPU for (shaders/README.md):
# GEMM tiles on the large GEMMs and convolutions, direct vs. GEMM convolution on the others.
t0=$SECONDS
{
  for tile in classic auto 128x128-single; do
    ((SECONDS - start < BUDGET - 60)) || break
    CNNLAB_VK_GEMM_TILE=$tile timeout 60 "$BENCH" --backend vulkan --size "$SIZE" --csv \
      --min-time 0.3 --trials 3 --only 'sgemm4096|vgg_conv4|vgg_conv3' | sed "s/^/tile=$tile,/"
  done
  for conv in gemm auto direct; do
    ((SECONDS - start < BUDGET - 60)) || break
    CNNLAB_VK_CONV=$conv timeout 60 "$BENCH" --backend vulkan --size "$SIZE" --csv \
      --min-time 0.3 --trials 3 --only 'alexnet_c1|vgg_conv1_2|resnet_3x3|lenet5_step' |
      sed "s/^/conv=$conv,/"
  done
} >"$OUT/variants.csv" 2>&1
say "kernel variants: $((SECONDS - t0)) s, $(grep -c , "$OUT/variants.csv") lines in variants.csv"

say "device_bench.sh: done in $((SECONDS - start)) s"
[[ $test_rc == 0 && $compare_rc == 0 ]]
