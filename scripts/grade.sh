#!/usr/bin/env bash
# scripts/grade.sh — build cnnlab and grade the exercises (exercises/README.md).
#
#   bash scripts/grade.sh [GRADER OPTIONS...]
#
# 1. Installs the missing Debian packages and configures build/ like scripts/setup.sh (Release,
#    warnings as errors), then builds the library, the `cnnlab` tool and the grader only.
# 2. Runs build/exercises/cnnlab-grade with the options given, e.g.
#      --only 7              grade exercise 7 (and the exercises it needs)
#      --json report.json    also write the report as JSON
#      --instructor          also run the hidden checks (instructor's tree only)
#    `build/exercises/cnnlab-grade --help` lists them all.
#
# The exit status is the grader's: 0 when every check passed, 1 otherwise, 2 on a usage error.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
CNNLAB_BUILD_TARGETS="cnnlab-cli cnnlab-grade" bash scripts/setup.sh build >&2
exec build/exercises/cnnlab-grade "$@"
