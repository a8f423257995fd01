#!/usr/bin/env bash
# scripts/fuzz.sh — build the libFuzzer targets (fuzz/) and run each one for a while:
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET]      (default 60)
#
# 1. Configures and builds build-fuzz/ with clang++ and -DCNNLAB_FUZZ=ON (every source built
#    with -fsanitize=fuzzer-no-link,address,undefined; no tests, CLI, benchmarks, OpenMP or
#    Vulkan, which the parsers do not need).
# 2. Runs every fuzz_* program that was built for SECONDS_PER_TARGET seconds, starting from a
#    fresh copy of its seed corpus fuzz/corpus/<name>/ (the repository's corpus is never
#    modified; the copy, grown by the run, stays in build-fuzz/corpus-run/<name>/), with its
#    dictionary fuzz/<name>.dict when there is one.
# 3. Prints per target: executions, new corpus size, and crashes (0, or the files libFuzzer wrote
#    to build-fuzz/artifacts/<name>/: reproduce with `build-fuzz/fuzz/fuzz_<name> FILE`).
#
# Exits non-zero if any target crashed, leaked, hit a sanitizer report (ASan, UBSan, LSan), an
# uncaught exception, a timeout or libFuzzer's memory limits, or failed to start.
# Needs: clang-14 (or any clang++ on PATH with libFuzzer: Debian clang-14 + libfuzzer-14-dev).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SECONDS_PER_TARGET="${1:-60}"
if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]] || ((SECONDS_PER_TARGET < 1)); then
  echo "usage: bash scripts/fuzz.sh [SECONDS_PER_TARGET]   (a whole number >= 1, default 60)" >&2
  exit 2
fi
BUILD=build-fuzz
JOBS="$(nproc 2>/dev/null || echo 2)"
CXX_FUZZ="${CNNLAB_FUZZ_CXX:-$(command -v clang++-14 || command -v clang++ || true)}"
if [[ -z "$CXX_FUZZ" ]]; then
  echo "fuzz.sh: clang++ not found (Debian: apt-get install clang-14 libfuzzer-14-dev)" >&2
  exit 2
fi
say() { printf '\n==> %s\n' "$*"; }

# ---- 1. build ----------------------------------------------------------------------------------
say "configure and build $BUILD/ with $CXX_FUZZ (-DCNNLAB_FUZZ=ON)"
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$CXX_FUZZ" \
  "${launcher[@]}" -DCNNLAB_FUZZ=ON -DCNNLAB_OPENMP=OFF -DCNNLAB_VULKAN=OFF \
  -DCNNLAB_TESTS=OFF -DCNNLAB_CLI=OFF -DCNNLAB_BENCH=OFF >/dev/null
targets=()
for src in fuzz/fuzz_*.cpp; do targets+=("$(basename "$src" .cpp)"); done
cmake --build "$BUILD" --parallel "$JOBS" --target "${targets[@]}"

# ---- 2. run ------------------------------------------------------------------------------------
# Any sanitizer finding stops the run and counts as a crash; leaks are reported (LeakSanitizer).
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=0:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
failed=0
summary=()
for name in "${targets[@]}"; do
  exe="$BUILD/fuzz/$name"
  short="${name#fuzz_}"
  if [[ ! -x "$exe" ]]; then
    summary+=("$(printf '%-18s NOT BUILT' "$name")")
    failed=1
    continue
  fi
  corpus="$BUILD/corpus-run/$short"
  artifacts="$BUILD/artifacts/$short"
  log="$BUILD/logs/$name.log"
  rm -rf "$corpus" "$artifacts"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  if [[ -d "fuzz/corpus/$short" ]]; then cp -R "fuzz/corpus/$short/." "$corpus/"; fi
  seeds="$(find "$corpus" -type f | wc -l)"
  dict=()
  if [[ -f "fuzz/$short.dict" ]]; then dict=("-dict=fuzz/$short.dict"); fi
  say "$name: $SECONDS_PER_TARGET s from $seeds seed files (log: $log)"
  rc=0
  "$exe" -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$artifacts/" "${dict[@]}" "$corpus" >"$log" 2>&1 || rc=$?
  grep -E '^(Done|stat::)' "$log" || tail -n 20 "$log"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  files="$(find "$corpus" -type f | wc -l)"
  crashes="$(find "$artifacts" -type f | sort)"
  findings="$(grep -E 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|==[0-9]+== ?ERROR|deadly signal|uncaught exception' "$log" | head -n 3 || true)"
  status="crashes: 0"
  if [[ -n "$crashes" || -n "$findings" || $rc -ne 0 ]]; then
    failed=1
    status="FAILED (exit $rc) crashes: ${crashes:-none written}${findings:+; $findings}"
  fi
  summary+=("$(printf '%-18s executions: %-10s corpus: %3s -> %-5s %s' \
    "$name" "${execs:-?}" "$seeds" "$files" "${status//$'\n'/ }")")
done

say "fuzz.sh: $SECONDS_PER_TARGET s per target"
printf '%s\n' "${summary[@]}"
if ((failed)); then
  echo "fuzz.sh: FAILED — see the logs in $BUILD/logs/ and the inputs in $BUILD/artifacts/" >&2
  exit 1
fi
echo "fuzz.sh: OK — no crashes, leaks or sanitizer reports"
