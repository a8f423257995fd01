# run_example.cmake — run one example program for the docs and keep its output.
#
# Contract: `cmake [-DEMULATOR=list] -DPROGRAM=path [-DARGS=list] [-DSTREAM=stderr] [-DVULKAN=ON]
# -DOUTPUT=file -P run_example.cmake` runs PROGRAM with ARGS (under EMULATOR, a cross build's
# QEMU, when given) and writes its standard output (with STREAM=stderr: its standard error
# instead) to OUTPUT (the folder is created); a non-zero exit status fails (no output file is
# left behind), so a page never includes the output of a failed run.
# VULKAN=ON: PROGRAM is the cnnlab CLI and the run needs a Vulkan device. `PROGRAM devices`
# is asked first; where the machine genuinely has none, OUTPUT says so instead of failing —
# except when the environment variable CI is set (CI installs lavapipe), as for the tests.
get_filename_component(folder "${OUTPUT}" DIRECTORY)
file(MAKE_DIRECTORY "${folder}")
if(VULKAN)
  execute_process(COMMAND ${EMULATOR} "${PROGRAM}" devices OUTPUT_VARIABLE probe
                  ERROR_VARIABLE probe RESULT_VARIABLE status)
  if(NOT status EQUAL 0 AND probe MATCHES
     "no Vulkan loader library found|reports no device|VK_ERROR_INCOMPATIBLE_DRIVER")
    if(NOT "$ENV{CI}" STREQUAL "" AND NOT "$ENV{CI}" STREQUAL "false" AND NOT "$ENV{CI}" STREQUAL "0")
      message(FATAL_ERROR "CI is set and this machine has no Vulkan device:\n${probe}")
    endif()
    file(WRITE "${OUTPUT}" "(no Vulkan device on the machine that built these pages)\n")
    return()
  endif()
endif()
if(STREAM STREQUAL "stderr")
  execute_process(COMMAND ${EMULATOR} "${PROGRAM}" ${ARGS} OUTPUT_QUIET ERROR_FILE "${OUTPUT}.tmp"
                  RESULT_VARIABLE status)
else()
  execute_process(COMMAND ${EMULATOR} "${PROGRAM}" ${ARGS} OUTPUT_FILE "${OUTPUT}.tmp"
                  RESULT_VARIABLE status)
endif()
if(NOT status EQUAL 0)
  file(REMOVE "${OUTPUT}.tmp")
  message(FATAL_ERROR "example ${PROGRAM} failed: ${status}")
endif()
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
