# run_example.cmake — run one example program for the docs and keep its output.
#
# Contract: `cmake [-DLAUNCHER=list] -DPROGRAM=path [-DARGS=list] [-DSTREAM=stderr]
# [-DSKIP_CODE=n] -DOUTPUT=file -P run_example.cmake` runs PROGRAM with ARGS (under LAUNCHER
# when given: a cross build's QEMU, or tests/cli/vulkan_expect.sh) and writes its standard
# output (with STREAM=stderr: its standard error instead) to OUTPUT (the folder is created); a
# non-zero exit status fails (no output file is left behind), so a page never includes the
# output of a failed run. SKIP_CODE: that exit status means "cannot run on this machine"
# (vulkan_expect.sh's 77 where there is genuinely no Vulkan device and CI is not set); OUTPUT
# then says so instead of failing.
get_filename_component(folder "${OUTPUT}" DIRECTORY)
file(MAKE_DIRECTORY "${folder}")
if(STREAM STREQUAL "stderr")
  execute_process(COMMAND ${LAUNCHER} "${PROGRAM}" ${ARGS} OUTPUT_QUIET ERROR_FILE "${OUTPUT}.tmp"
                  RESULT_VARIABLE status)
else()
  execute_process(COMMAND ${LAUNCHER} "${PROGRAM}" ${ARGS} OUTPUT_FILE "${OUTPUT}.tmp"
                  RESULT_VARIABLE status)
endif()
if(DEFINED SKIP_CODE AND status EQUAL SKIP_CODE)
  file(WRITE "${OUTPUT}" "(this could not run on the machine that built these pages: exit status ${status})\n")
  file(REMOVE "${OUTPUT}.tmp")
  return()
endif()
if(NOT status EQUAL 0)
  file(REMOVE "${OUTPUT}.tmp")
  message(FATAL_ERROR "example ${PROGRAM} failed: ${status}")
endif()
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
