#!/usr/bin/env bash
# scripts/setup.sh — get a Debian 12 machine from nothing to a built cnnlab.
#
#   bash scripts/setup.sh [BUILD_DIR [EXTRA_CMAKE_ARGS...]]
#
# 1. Installs the Debian packages listed in scripts/debian-packages.txt that are missing
#    (apt-get runs only when something is missing; as root directly, otherwise through sudo).
# 2. Configures BUILD_DIR (default: build) as a Release build with warnings as errors
#    (-DCNNLAB_WERROR=ON); EXTRA_CMAKE_ARGS are passed on to cmake and may override that.
# 3. Builds everything with all cores (or only the targets named in $CNNLAB_BUILD_TARGETS,
#    e.g. "cnnlab-cli cnnlab-grade", as scripts/grade.sh does).
#
# Safe to run again: installed packages are skipped and the build is incremental. Used by
# scripts/quickstart.sh and scripts/test.sh; runs from any directory.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
BUILD_DIR="${1:-build}"
shift || true

say() { printf '==> %s\n' "$*"; }
die() { printf 'setup.sh: error: %s\n' "$*" >&2; exit 1; }

# ---- 1. Debian packages ----------------------------------------------------------------------
PACKAGE_LIST="$ROOT/scripts/debian-packages.txt"
[[ -r "$PACKAGE_LIST" ]] || die "cannot read $PACKAGE_LIST"
command -v dpkg-query >/dev/null 2>&1 ||
  die "dpkg-query not found: this script expects Debian 12 (or a derivative with dpkg and apt)"

# One package per line; '#' starts a comment, blank lines are ignored.
mapfile -t PACKAGES < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$PACKAGE_LIST" | grep -v '^$')
MISSING=()
# The host's own build of each package (or the architecture-independent one): once a foreign
# architecture is added (scripts/arm64.sh adds arm64), a plain name such as zlib1g-dev can match
# both zlib1g-dev:amd64 and zlib1g-dev:arm64.
NATIVE_ARCH="$(dpkg --print-architecture)"
for pkg in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$pkg:$NATIVE_ARCH" 2>/dev/null ||
            dpkg-query -W -f='${Status}' "$pkg:all" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]] || MISSING+=("$pkg")
done

if ((${#MISSING[@]} == 0)); then
  say "all ${#PACKAGES[@]} Debian packages from scripts/debian-packages.txt are installed"
else
  say "installing ${#MISSING[@]} missing Debian package(s): ${MISSING[*]}"
  if [[ "$(id -u)" == 0 ]]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
    say "not running as root: using sudo for apt-get"
  else
    die "missing packages (${MISSING[*]}) and not running as root, and sudo is not available.
Run this script as root, or install them first: apt-get install ${MISSING[*]}"
  fi
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: ${MISSING[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
    die "apt-get update failed (is a Debian package mirror reachable?)"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${MISSING[@]}" ||
    die "apt-get install failed for: ${MISSING[*]}"
fi

# ---- 2. configure ----------------------------------------------------------------------------
JOBS="$(nproc 2>/dev/null || echo 2)"
# A build directory configured from another checkout (a copied or moved repository) cannot be
# reused: CMake refuses it. Start that one afresh.
if [[ -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  cached_src="$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD_DIR/CMakeCache.txt")"
  if [[ -n "$cached_src" && "$cached_src" != "$ROOT" ]]; then
    say "$BUILD_DIR/ was configured for $cached_src, not $ROOT: removing it"
    rm -rf "$BUILD_DIR"
  fi
fi

say "configuring $BUILD_DIR/: cmake -DCMAKE_BUILD_TYPE=Release -DCNNLAB_WERROR=ON${*:+ $*}"
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCNNLAB_WERROR=ON "$@"

# ---- 3. build --------------------------------------------------------------------------------
TARGETS=()
for t in ${CNNLAB_BUILD_TARGETS:-}; do TARGETS+=(--target "$t"); done
say "building $BUILD_DIR/ with $JOBS parallel jobs${CNNLAB_BUILD_TARGETS:+ (targets: $CNNLAB_BUILD_TARGETS)}"
cmake --build "$BUILD_DIR" --parallel "$JOBS" "${TARGETS[@]}"
say "build ready: $BUILD_DIR/"
