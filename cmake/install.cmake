# cmake/install.cmake — `cmake --install` rules, so other projects can use cnnlab with
#
#   find_package(cnnlab 0.1 REQUIRED)
#   target_link_libraries(my_program PRIVATE cnnlab::cnnlab)
#
# Installed layout (GNUInstallDirs, relative to the prefix):
#   include/cnnlab/<area>/*.hpp, *.inc         the public headers (src/cnnlab/, one folder per idea)
#   lib/libcnnlab.a (or .so)                   the library
#   lib/cmake/cnnlab/cnnlabConfig.cmake        package config, version file, exported targets
#   bin/cnnlab                                 the command-line tool (when CNNLAB_CLI is ON)
#   share/cnnlab/models/*.json                 the built-in model files (models/)
# The tests/consumer project, built by the `consumer_project` test, checks all of this.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(CNNLAB_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/cnnlab" CACHE STRING
    "Where cnnlabConfig.cmake is installed, relative to the prefix")

# What to export: the library, plus any static helper library of this project it links directly
# (e.g. a backend's kernels built as a separate static library). A static cnnlab needs those at
# the consumer's link step, so they are installed and exported with it. Helpers linked through
# $<BUILD_INTERFACE:...> (like cnnlab_warnings) are build-only and are skipped here.
set(CNNLAB_EXPORT_TARGETS cnnlab)
get_target_property(cnnlab_link_items cnnlab LINK_LIBRARIES)
if(NOT cnnlab_link_items)
  set(cnnlab_link_items "")
endif()
foreach(item IN LISTS cnnlab_link_items)
  if(TARGET "${item}")
    get_target_property(item_type "${item}" TYPE)
    get_target_property(item_imported "${item}" IMPORTED)
    if(item_type STREQUAL "STATIC_LIBRARY" AND NOT item_imported)
      list(APPEND CNNLAB_EXPORT_TARGETS "${item}")
    endif()
  endif()
endforeach()

install(TARGETS ${CNNLAB_EXPORT_TARGETS}
  EXPORT cnnlabTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Packages the exported targets link against must be found again by the consumer
# (find_dependency in cnnlabConfig.cmake). Detected from the targets' link items.
set(cnnlab_all_link_items "")
foreach(target IN LISTS CNNLAB_EXPORT_TARGETS)
  foreach(property LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
    get_target_property(items "${target}" ${property})
    if(items)
      string(APPEND cnnlab_all_link_items ";${items}")
    endif()
  endforeach()
endforeach()
set(CNNLAB_FIND_DEPENDENCIES "")
if(cnnlab_all_link_items MATCHES "OpenMP::")
  string(APPEND CNNLAB_FIND_DEPENDENCIES "find_dependency(OpenMP)\n")
endif()
if(cnnlab_all_link_items MATCHES "Threads::")
  string(APPEND CNNLAB_FIND_DEPENDENCIES "find_dependency(Threads)\n")
endif()
if(cnnlab_all_link_items MATCHES "ZLIB::")
  string(APPEND CNNLAB_FIND_DEPENDENCIES "find_dependency(ZLIB)\n")
endif()
if(cnnlab_all_link_items MATCHES "Vulkan::")
  string(APPEND CNNLAB_FIND_DEPENDENCIES "find_dependency(Vulkan)\n")
endif()

# The headers, plus the op list they include (cnnlab/core/backend_ops.inc).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/cnnlab
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp" PATTERN "*.inc")

if(TARGET cnnlab-cli)
  install(TARGETS cnnlab-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(EXPORT cnnlabTargets
  NAMESPACE cnnlab::
  FILE cnnlabTargets.cmake
  DESTINATION ${CNNLAB_INSTALL_CMAKEDIR})

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/cnnlabConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cnnlabConfig.cmake
  INSTALL_DESTINATION ${CNNLAB_INSTALL_CMAKEDIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cnnlabConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/cnnlabConfig.cmake
  ${PROJECT_BINARY_DIR}/cnnlabConfigVersion.cmake
  DESTINATION ${CNNLAB_INSTALL_CMAKEDIR})

# The built-in models' files (models/*.json, found by cmake/models.cmake), so users can copy one
# as the start of their own: share/cnnlab/models/lenet5.json, ...
install(FILES ${CNNLAB_MODEL_FILES} DESTINATION ${CMAKE_INSTALL_DATADIR}/cnnlab/models)
