# cmake/models.cmake — the built-in models: every models/*.json is embedded in the library (so
# `load_model("lenet5", seed)` and `cnnlab summary vgg16` work from any directory) and
# installed to share/cnnlab/models (so users can copy one as the start of their own).
#
# The files are read when CMake configures; CONFIGURE_DEPENDS and CMAKE_CONFIGURE_DEPENDS make
# the build re-run that step when a model file is added or edited. Each file becomes an array
# of bytes in the generated models_embedded.cpp (from src/nn/models_embedded.cpp.in).
file(GLOB CNNLAB_MODEL_FILES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/models/*.json)
list(SORT CNNLAB_MODEL_FILES)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CNNLAB_MODEL_FILES})

set(CNNLAB_MODEL_ARRAYS "")
set(CNNLAB_MODEL_TABLE "")
set(cnnlab_model_index 0)
foreach(file IN LISTS CNNLAB_MODEL_FILES)
  get_filename_component(name ${file} NAME_WE)
  if(NOT name MATCHES "^[a-z0-9_]+$")
    message(FATAL_ERROR "cnnlab: models/${name}.json: a built-in model's name may only use a-z, 0-9 and _")
  endif()
  file(READ ${file} hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND CNNLAB_MODEL_ARRAYS
         "// models/${name}.json\nconst unsigned char model_${cnnlab_model_index}[] = {${bytes}};\n")
  string(APPEND CNNLAB_MODEL_TABLE
         "    {\"${name}\", model_${cnnlab_model_index}, ${size}},\n")
  math(EXPR cnnlab_model_index "${cnnlab_model_index} + 1")
endforeach()
if(cnnlab_model_index EQUAL 0)
  message(FATAL_ERROR "cnnlab: no built-in models found in ${PROJECT_SOURCE_DIR}/models")
endif()

configure_file(${PROJECT_SOURCE_DIR}/src/nn/models_embedded.cpp.in
               ${PROJECT_BINARY_DIR}/generated/models_embedded.cpp @ONLY)
target_sources(cnnlab PRIVATE ${PROJECT_BINARY_DIR}/generated/models_embedded.cpp)
