#!/usr/bin/env bash
# scripts/test.sh — the README's second command, and what CI runs (.ci/run):
#
#   bash scripts/test.sh
#
# 1. The same set-up as quickstart.sh (scripts/setup.sh: missing Debian packages, Release build
#    of build/ with warnings as errors), then the whole ctest suite of build/: unit tests, CLI
#    tests, the Doxygen docs (docs_build; docs_site checks them in headless Chromium) and the
#    installed-package check (consumer_project).
#    Then the exercise kit's proofs (scripts/exercise_proofs.sh): the solution scores 100 % in the
#    grader's instructor mode; the student kit (exercises/handout.py) leaks nothing hidden, builds
#    with its README's command and scores exactly 0; each exercise's stub alone lowers that
#    exercise (and those that need it) and nothing else.
# 1b. The arm64 cross build (scripts/arm64.sh): installs Debian's cross toolchain, qemu-user and
#    zlib for arm64 if missing, builds build-arm64/ (the library with the NEON GEMM kernel, the
#    CLI and cnnlab_tests) and runs a few CLI commands and the Catch2 suite under qemu-aarch64
#    (the subset and why: the script's header).
# 2. A second build, build-asan/, with AddressSanitizer + UndefinedBehaviorSanitizer
#    (-DCNNLAB_SANITIZE=ON), and the same suite again; any sanitizer finding fails its test.
# 3. The fuzzers (scripts/fuzz.sh): the IDX, npy, checkpoint and model-file readers, each fed
#    mutated inputs for CNNLAB_FUZZ_SECONDS seconds (default 60); any crash, leak or sanitizer
#    report fails.
#
# Exits non-zero if anything fails. Safe to run again (builds are incremental).
# CNNLAB_SKIP_PROOFS=1 skips the proofs, CNNLAB_SKIP_ARM64=1 step 1b, CNNLAB_SKIP_SANITIZE=1
# step 2 and CNNLAB_SKIP_FUZZ=1 step 3 (for quick local runs; CI never sets them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

START=$SECONDS
JOBS="$(nproc 2>/dev/null || echo 2)"
say() { printf '\n==> %s\n' "$*"; }
elapsed() { local s=$((SECONDS - START)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

# ---- 1. Release build + full suite -------------------------------------------------------------
bash scripts/setup.sh build
say "ctest on build/ ($JOBS parallel jobs)"
ctest --test-dir build --output-on-failure --parallel "$JOBS"
RELEASE_SUMMARY="build/: all tests passed"

# The exercise kit (exercises/README.md): the solution scores 100 %, the student kit builds and
# scores 0 without leaking hidden checks, each exercise's stub lowers only what depends on it.
if [[ "${CNNLAB_SKIP_PROOFS:-0}" == 1 ]]; then
  say "CNNLAB_SKIP_PROOFS=1: skipping the exercise kit's proofs"
  PROOFS_SUMMARY="exercise proofs skipped"
else
  say "the exercise kit's proofs (scripts/exercise_proofs.sh)"
  bash scripts/exercise_proofs.sh build
  PROOFS_SUMMARY="exercise kit: solution 100 %, kit 0 with no leak, every stub isolated"
fi

# ---- 1b. arm64: cross build + suite under QEMU ------------------------------------------------
if [[ "${CNNLAB_SKIP_ARM64:-0}" == 1 ]]; then
  say "CNNLAB_SKIP_ARM64=1: skipping the arm64 cross build and its tests under QEMU"
  ARM64_SUMMARY="arm64 skipped"
else
  say "the arm64 cross build and its tests under QEMU (scripts/arm64.sh)"
  bash scripts/arm64.sh
  ARM64_SUMMARY="build-arm64/ (under QEMU): tests passed"
fi

# ---- 2. sanitizer build + suite ----------------------------------------------------------------
if [[ "${CNNLAB_SKIP_SANITIZE:-0}" == 1 ]]; then
  say "CNNLAB_SKIP_SANITIZE=1: skipping the AddressSanitizer/UBSan build"
  SANITIZE_SUMMARY="sanitizer build skipped"
else
  # Any finding must fail the test that triggered it: stop at the first error, report leaks,
  # print UBSan stack traces. (The build also uses -fno-sanitize-recover=all.)
  export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:exitcode=23"
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=24"
  # LeakSanitizer needs to stop threads with ptrace; a few sandboxes forbid that, and then every
  # test would "fail" without any leak. Probe once with a clean program and say so loudly.
  probe_dir="$(mktemp -d)"
  printf 'int main() { return 0; }\n' > "$probe_dir/probe.cpp"
  if c++ -fsanitize=address "$probe_dir/probe.cpp" -o "$probe_dir/probe" 2>/dev/null &&
     ! "$probe_dir/probe" >/dev/null 2>&1; then
    echo "test.sh: WARNING: LeakSanitizer cannot run in this environment; leak checks are OFF" >&2
    ASAN_OPTIONS="${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0}"
  fi
  rm -rf "$probe_dir"
  # Debug (-O0 -g): exact line numbers in every report, nothing optimised away, and it compiles
  # faster than an optimised build. (At -O2, GCC 12 with -fsanitize also emits false
  # -Wmaybe-uninitialized warnings inside libstdc++, which -Werror would turn into errors.)
  bash scripts/setup.sh build-asan -DCNNLAB_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
  say "ctest on build-asan/ (AddressSanitizer + UndefinedBehaviorSanitizer, $JOBS parallel jobs)"
  ctest --test-dir build-asan --output-on-failure --parallel "$JOBS"
  SANITIZE_SUMMARY="build-asan/ (ASan+UBSan): all tests passed, no findings"
fi

# ---- 3. fuzzing --------------------------------------------------------------------------------
if [[ "${CNNLAB_SKIP_FUZZ:-0}" == 1 ]]; then
  say "CNNLAB_SKIP_FUZZ=1: skipping the fuzzers"
  FUZZ_SUMMARY="fuzzing skipped"
else
  bash scripts/fuzz.sh "${CNNLAB_FUZZ_SECONDS:-60}"
  FUZZ_SUMMARY="fuzzers: no findings"
fi

say "test.sh: OK — $RELEASE_SUMMARY; $PROOFS_SUMMARY; $ARM64_SUMMARY; $SANITIZE_SUMMARY; $FUZZ_SUMMARY; total $(elapsed)"
