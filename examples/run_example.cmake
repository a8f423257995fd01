# run_example.cmake — run one example program for the docs and keep its output.
#
# Contract: `cmake [-DEMULATOR=list] -DPROGRAM=path [-DARGS=list] -DOUTPUT=file -P
# run_example.cmake` runs PROGRAM with ARGS (under EMULATOR, a cross build's QEMU, when given) and
# writes its
# standard output to OUTPUT (the folder is created); a non-zero exit status fails (no output file
# is left behind), so a page never includes the output of a failed run.
get_filename_component(folder "${OUTPUT}" DIRECTORY)
file(MAKE_DIRECTORY "${folder}")
execute_process(COMMAND ${EMULATOR} "${PROGRAM}" ${ARGS} OUTPUT_FILE "${OUTPUT}.tmp" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  file(REMOVE "${OUTPUT}.tmp")
  message(FATAL_ERROR "example ${PROGRAM} failed: ${status}")
endif()
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
