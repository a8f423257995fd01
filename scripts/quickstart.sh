#!/usr/bin/env bash
# scripts/quickstart.sh — the README's first command:
#
#   bash scripts/quickstart.sh [TRAIN_OPTIONS...]
#
# Installs whatever Debian packages are missing (Fashion-MNIST included: dataset-fashion-mnist),
# configures and builds build/ (scripts/setup.sh), then runs the main job: `cnnlab train`,
# which trains LeNet-5 on Fashion-MNIST with a progress bar until it passes 90 % test accuracy
# and leaves its checkpoints, metrics and loss curves in runs/lenet5-fashion-mnist/.
# TRAIN_OPTIONS are passed to `cnnlab train` (see `build/tools/cnnlab train --help`). Running it
# again starts a fresh run in the next free folder (runs/lenet5-fashion-mnist-2, ...): earlier
# runs are never overwritten.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh build

CLI=build/tools/cnnlab
[[ -x "$CLI" ]] || { echo "quickstart.sh: error: $CLI was not built" >&2; exit 1; }
printf '==> running: %s train %s\n\n' "$CLI" "$*"
"$CLI" train "$@"
printf '\n==> quickstart done: trained LeNet-5 with "%s train" (the run folder holds curves.svg; next: bash scripts/test.sh)\n' "$CLI"
