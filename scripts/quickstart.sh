#!/usr/bin/env bash
# scripts/quickstart.sh — the README's first command:
#
#   bash scripts/quickstart.sh
#
# Installs whatever Debian packages are missing, configures and builds build/ (scripts/setup.sh),
# then runs the main job: the lecture's X/O toy network (`build/tools/cnnlab demo xo`), printing
# its filtered, rectified and pooled tables. Safe to run again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh build

CLI=build/tools/cnnlab
[[ -x "$CLI" ]] || { echo "quickstart.sh: error: $CLI was not built" >&2; exit 1; }
printf '==> running: %s demo xo\n\n' "$CLI"
"$CLI" demo xo
printf '\n==> quickstart done: built build/ and ran "%s demo xo" (next: bash scripts/test.sh)\n' "$CLI"
