#!/bin/sh
# vulkan_expect.sh — run a CLI test that needs a Vulkan device:
#
#   sh vulkan_expect.sh CNNLAB COMMAND [ARGS...]
#
# First asks `CNNLAB devices` whether this machine has Vulkan at all. If it genuinely has none
# (no loader, no driver, no device) the test is skipped (exit 77, ctest's SKIP_RETURN_CODE) —
# except when the environment variable CI is set: CI must have Vulkan (scripts/setup.sh installs
# lavapipe), so there it fails. Otherwise COMMAND runs and decides (e.g. expect.sh).
set -u
cnnlab=$1
shift
probe=$("$cnnlab" devices 2>&1)
if [ $? -ne 0 ] && printf '%s\n' "$probe" |
     grep -E -q "no Vulkan loader library found|reports no device|VK_ERROR_INCOMPATIBLE_DRIVER"; then
  printf '%s\n' "$probe"
  case "${CI:-}" in
    "" | false | 0) echo "SKIPPED: no Vulkan device on this machine"; exit 77 ;;
    *) echo "FAIL: CI is set and has no Vulkan device (scripts/setup.sh installs mesa-vulkan-drivers)"; exit 1 ;;
  esac
fi
exec "$@"
