# cmake -P script behind the `consumer_project` test (registered in tests/integration.cmake).
#
#   1. cmake --install <BUILD_DIR> --prefix <PREFIX>      (a scratch prefix inside the build)
#   2. configure tests/consumer with -DCMAKE_PREFIX_PATH=<PREFIX>, build it
#   3. run the consumer executable (and the installed CLI, if there is one)
#
# Required -D variables: BUILD_DIR, SOURCE_DIR, PREFIX, WORK_DIR. Optional: CONFIG (build type
# of a multi-config build), CXX_COMPILER, GENERATOR.
foreach(var BUILD_DIR SOURCE_DIR PREFIX WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_consumer_test.cmake: -D${var}=... is required")
  endif()
endforeach()

function(run_step what)
  message(STATUS "consumer_project: ${what}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer_project: ${what} failed (exit status ${rc})")
  endif()
endfunction()

file(REMOVE_RECURSE "${PREFIX}" "${WORK_DIR}")

set(config_args)
if(CONFIG)
  set(config_args --config "${CONFIG}")
endif()
run_step("install ${BUILD_DIR} to ${PREFIX}"
  "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}" ${config_args})

set(configure_args -S "${SOURCE_DIR}/tests/consumer" -B "${WORK_DIR}"
    "-DCMAKE_PREFIX_PATH=${PREFIX}" -DCMAKE_BUILD_TYPE=Release)
if(GENERATOR)
  list(APPEND configure_args -G "${GENERATOR}")
endif()
if(CXX_COMPILER)
  list(APPEND configure_args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()
run_step("configure tests/consumer with find_package(cnnlab)" "${CMAKE_COMMAND}" ${configure_args})
run_step("build tests/consumer" "${CMAKE_COMMAND}" --build "${WORK_DIR}" --config Release)

set(consumer "${WORK_DIR}/consumer")
if(NOT EXISTS "${consumer}")
  set(consumer "${WORK_DIR}/Release/consumer")
endif()
run_step("run the consumer" "${consumer}")

if(EXISTS "${PREFIX}/bin/cnnlab")
  run_step("run the installed CLI: cnnlab demo xo" "${PREFIX}/bin/cnnlab" demo xo)
endif()
message(STATUS "consumer_project: OK")
