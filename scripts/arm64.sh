#!/usr/bin/env bash
# scripts/arm64.sh — cross-build cnnlab for arm64 (aarch64) and run its tests under QEMU:
#
#   bash scripts/arm64.sh
#
# 1. Installs what is missing (as root directly, otherwise through sudo; apt-get runs only when
#    something is missing, non-interactively): Debian's cross toolchain
#    (crossbuild-essential-arm64), qemu-user, and from Debian's arm64 architecture (after
#    `dpkg --add-architecture arm64`) zlib, the one compiled library cnnlab links
#    (zlib1g-dev:arm64), and the C++ and OpenMP runtimes the programs run with under QEMU
#    (libstdc++6:arm64, libgomp1:arm64; libc6:arm64 comes with zlib). The header-only packages
#    (Catch2, CLI11, nlohmann-json, stb) are the host's, as in scripts/debian-packages.txt.
# 2. Configures build-arm64/ with cmake/toolchain-aarch64.cmake: Release, warnings as errors,
#    the OpenMP backend (with the NEON GEMM kernel); no Vulkan, benchmarks or exercise grader.
# 3. Builds the library, the CLI (build-arm64/tools/cnnlab), cnnlab_tests and the CLI tests'
#    helpers. The x86 kernel files are not compiled for arm64 (backends/openmp/CMakeLists.txt),
#    and <immintrin.h> does not exist for aarch64, so an x86 intrinsic left anywhere else would
#    fail this build.
# 4. Runs the tests under qemu-aarch64 through ctest, 2 at a time (the toolchain file names QEMU
#    as the emulator; the CLI tests' shell scripts start the programs through small generated
#    wrappers, see tests/cli/CMakeLists.txt): every Catch2 test case of cnnlab_tests (about 240),
#    every CLI test (about 130) and the example programs of examples/ (11), i.e. the whole ctest
#    suite of a native build except:
#      - "architectures: one image on every backend" (label slow: one image through AlexNet,
#        VGG-16, ZFNet, GoogLeNet and ResNet-18 on the reference and OpenMP backends). Measured:
#        51 s natively, 7 min 46 s under QEMU — more than the rest of this step together, so it
#        stays out of CI. It passes under QEMU when run by hand:
#          qemu-aarch64 build-arm64/tests/cnnlab_tests "[architecture-forward]"
#        and the OpenMP paths it takes on arm64 (im2col + the NEON GEMM, the portable depthwise
#        and pooling loops) are the ones the cross-backend and "omp conv2d" tests check on
#        smaller shapes;
#      - docs_build and consumer_project (Doxygen, and a host project built against the
#        installed package): host tools, already run by the native build; docs_site,
#        docs_page_commands and example_overfitting (40 epochs of training, for the docs'
#        curves) are not registered in a cross build at all.
#    Measured on 2 shared cores, from nothing: packages about 1 minute, the build 4 (without
#    ccache), the tests under QEMU 5 (natively the same tests take under a minute): 372 ctest
#    tests plus the GEMM test run first on its own.
#
# Exits non-zero on any failure (package install, configure, build, a test). Safe to run again:
# installed packages are skipped and the build is incremental.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
BUILD=build-arm64
JOBS="$(nproc 2>/dev/null || echo 2)"
START=$SECONDS

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'arm64.sh: error: %s\n' "$*" >&2; exit 1; }
elapsed() { local s=$((SECONDS - ${1:-$START})); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

# ---- 1. packages -------------------------------------------------------------------------------
command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script expects Debian 12"
HOST_PACKAGES=(crossbuild-essential-arm64 qemu-user cmake catch2 libcli11-dev nlohmann-json3-dev
               libstb-dev)
ARM64_PACKAGES=(zlib1g-dev:arm64 libstdc++6:arm64 libgomp1:arm64)
installed() {  # installed PKG[:ARCH] -> true when dpkg has it installed (for that architecture)
  [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null || true)" == "ii "* ]]
}
MISSING=()
for pkg in "${HOST_PACKAGES[@]}" "${ARM64_PACKAGES[@]}"; do installed "$pkg" || MISSING+=("$pkg"); done
step=$SECONDS
if ((${#MISSING[@]} == 0)); then
  say "the cross toolchain, qemu-user and the arm64 packages are installed"
else
  say "installing ${#MISSING[@]} missing package(s): ${MISSING[*]}"
  if [[ "$(id -u)" == 0 ]]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    die "missing packages (${MISSING[*]}) and not running as root, and sudo is not available"
  fi
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    "${SUDO[@]}" dpkg --add-architecture arm64 || die "dpkg --add-architecture arm64 failed"
  fi
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
    die "apt-get update failed (is a Debian package mirror reachable?)"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${MISSING[@]}" ||
    die "apt-get install failed for: ${MISSING[*]}"
fi
INSTALL_TIME="$(elapsed $step)"

# ---- 2. configure ------------------------------------------------------------------------------
step=$SECONDS
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
say "configuring $BUILD/ for arm64 (cmake/toolchain-aarch64.cmake)"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchain-aarch64.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DCNNLAB_WERROR=ON "${launcher[@]}" \
  -DCNNLAB_VULKAN=OFF -DCNNLAB_BENCH=OFF -DCNNLAB_EXERCISES=OFF >/dev/null

# ---- 3. build ----------------------------------------------------------------------------------
TARGETS=(cnnlab cnnlab-cli cnnlab_tests cnnlab_npy_tool cnnlab_png_tool cnnlab_examples)
say "building ${TARGETS[*]} for arm64 ($JOBS parallel jobs)"
cmake --build "$BUILD" --parallel "$JOBS" --target "${TARGETS[@]}"
BUILD_TIME="$(elapsed $step)"
for exe in "$BUILD/tools/cnnlab" "$BUILD/tests/cnnlab_tests"; do
  machine="$(aarch64-linux-gnu-readelf -h "$exe" | sed -n 's/^ *Machine: *//p')"
  [[ "$machine" == AArch64 ]] || die "$exe is not an arm64 program (ELF machine: $machine)"
done

# ---- 4. run under QEMU -------------------------------------------------------------------------
step=$SECONDS
# The GEMM test first, on its own, to show each kernel's largest error in the log (ctest shows
# a passing test's output only with -V); ctest then runs everything else.
GEMM_TEST="omp sgemm matches a double-precision triple loop on every kernel"
say "$GEMM_TEST (NEON and portable kernels) under QEMU"
if ! gemm_out="$(qemu-aarch64 "$BUILD/tests/cnnlab_tests" "$GEMM_TEST" 2>&1)"; then
  printf '%s\n' "$gemm_out"
  die "the GEMM test failed under QEMU"
fi
grep -E '^(OK|FAIL) sgemm|not supported|All tests passed' <<<"$gemm_out" | sort -u
say "the test suite under QEMU: cnnlab_tests and the CLI tests ($JOBS parallel jobs)"
ctest --test-dir "$BUILD" --output-on-failure --parallel "$JOBS" --timeout 900 \
  --label-exclude slow --exclude-regex "^(docs_build|consumer_project|$GEMM_TEST)\$"
TEST_TIME="$(elapsed $step)"

say "arm64.sh: OK — packages $INSTALL_TIME, build $BUILD_TIME, tests under QEMU $TEST_TIME; total $(elapsed)"
