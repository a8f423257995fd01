# cmake/toolchain-aarch64.cmake — cross-compiles cnnlab for 64-bit ARM (aarch64 / arm64) Linux
# on an x86-64 Debian 12 machine, with Debian's cross toolchain and its multiarch arm64 packages:
#
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake \
#         -DCNNLAB_VULKAN=OFF
#
# Needs: crossbuild-essential-arm64 (aarch64-linux-gnu-gcc/g++ with their libstdc++ and libgomp
# in /usr/aarch64-linux-gnu), the arm64 build of the libraries cnnlab links (zlib1g-dev:arm64,
# after `dpkg --add-architecture arm64`; its libz.so lands in /usr/lib/aarch64-linux-gnu), and
# for running what was built qemu-user and the arm64 runtime (libstdc++6:arm64, libgomp1:arm64). scripts/arm64.sh installs all of that, builds, and runs
# the tests under QEMU.
#
# What this file does:
#   - names the target (Linux, aarch64) and the cross compilers;
#   - sets CMAKE_LIBRARY_ARCHITECTURE, so find_library/find_package look in the arm64 multiarch
#     directory /usr/lib/aarch64-linux-gnu and never in the host's /usr/lib/x86_64-linux-gnu.
#     Header-only packages (Catch2, CLI11, nlohmann-json, stb) are shared with the host build,
#     so the find root path is left alone and they are found where they are installed;
#   - runs arm64 programs that the build itself executes (catch_discover_tests lists the test
#     cases of cnnlab_tests after linking it) through qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR).
# What it deliberately is not: a sysroot set-up for non-Debian toolchains, or a place for
# -mcpu/-march tuning (the build stays baseline ARMv8-A, where NEON/ASIMD is always present).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CNNLAB_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${CNNLAB_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${CNNLAB_CROSS_TRIPLE}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${CNNLAB_CROSS_TRIPLE})

# Host programs (glslc, doxygen, python3) are host programs; libraries and packages with
# compiled code must be the target's (searched through CMAKE_LIBRARY_ARCHITECTURE above).
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

# qemu-user runs the arm64 binaries. With Debian's arm64 runtime packages installed (libc6,
# libstdc++6, libgomp1 and zlib1g :arm64, as scripts/arm64.sh does), the arm64 dynamic loader
# /lib/ld-linux-aarch64.so.1 and every library come from those packages, all of one version, and
# qemu-aarch64 needs no options. Do not point it at the cross toolchain's copies instead
# (-L /usr/aarch64-linux-gnu) on such a machine: the loader would come from libc6-arm64-cross
# and libc.so.6 from libc6:arm64, two builds of glibc whose private interfaces differ, and the
# first thread a program starts (OpenMP, std::thread) spins for ever. Without libc6:arm64 the
# cross toolchain's copies are the only ones, and -L is what finds them.
find_program(CNNLAB_QEMU_AARCH64 qemu-aarch64)
if(CNNLAB_QEMU_AARCH64)
  if(EXISTS /lib/ld-linux-aarch64.so.1)
    set(CMAKE_CROSSCOMPILING_EMULATOR ${CNNLAB_QEMU_AARCH64})
  else()
    set(CMAKE_CROSSCOMPILING_EMULATOR "${CNNLAB_QEMU_AARCH64};-L;/usr/${CNNLAB_CROSS_TRIPLE}")
  endif()
endif()
