// models_embedded.hpp — the built-in model files (models/*.json), embedded in the library at
// build time by cmake/models.cmake (which generates models_embedded.cpp from
// src/nn/models_embedded.cpp.in). Private to the library: users go through
// builtin_model_names() and builtin_model_json() (cnnlab/nn/model_file.hpp).
#pragma once

#include <cstddef>

namespace cnnlab::detail {

// One file: its base name without ".json" and its bytes (not 0-terminated).
struct EmbeddedModel {
  const char* name;
  const unsigned char* data;
  size_t size;
};

// Every models/*.json, sorted by name.
extern const EmbeddedModel kEmbeddedModels[];
extern const size_t kEmbeddedModelCount;

}  // namespace cnnlab::detail
