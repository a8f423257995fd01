// vk_pipelines.hpp — compute pipelines, created on first use and cached for the process.
//
// Contract: get(shader, bindings, constants) returns the pipeline of the embedded shader
// `shader` (shaders/<shader>.comp) specialised with `constants` (specialization constant i =
// constants[i]: tile sizes, workgroup size, op codes). The first call with a given (shader,
// constants) creates the shader module, a descriptor-set layout with `bindings` storage buffers
// (bindings 0 .. bindings-1), a pipeline layout with a 128-byte push-constant range (the shapes)
// and the pipeline; every later call is a map lookup. A VkPipelineCache lets the driver share
// compiled code between the variants, and is kept on disk between runs (vk_disk_cache.hpp):
// loaded when the cache is created, saved by save() and when it is destroyed, if any pipeline
// was compiled since, so a second process starts with its pipelines already compiled.
#pragma once

#include "backends/vulkan/vk_context.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cnnlab::vk {

/// One embedded SPIR-V module (see the generated shaders_embedded.cpp).
struct ShaderCode {
  const char* name;
  const uint32_t* words;
  size_t count;
};
/// The embedded shader called @p name, or nullptr.
const ShaderCode* find_shader(const char* name);

/// Size of the push-constant block every pipeline layout declares (the guaranteed minimum).
constexpr uint32_t kPushConstantBytes = 128;

struct Pipeline {
  VkPipeline pipeline = VK_NULL_HANDLE;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
  uint32_t bindings = 0;
  std::string name;  // shader name, for profiles and errors
};

class PipelineCache {
 public:
  explicit PipelineCache(Context& ctx);
  ~PipelineCache();
  PipelineCache(const PipelineCache&) = delete;
  PipelineCache& operator=(const PipelineCache&) = delete;

  const Pipeline& get(const char* shader, uint32_t bindings,
                      const std::vector<uint32_t>& constants);
  /// Number of pipelines created so far.
  size_t size() const { return pipelines_.size(); }
  /// Writes the driver's compiled pipelines to the cache file (if any were compiled since the
  /// last save); failures are ignored, the file only saves time.
  void save();
  /// Whether the cache started from a valid file of an earlier run.
  bool loaded_from_disk() const { return loaded_from_disk_; }

 private:
  Context& ctx_;
  VkPipelineCache cache_ = VK_NULL_HANDLE;
  std::string disk_path_;  // "" when the disk cache is off
  bool loaded_from_disk_ = false;
  size_t created_ = 0;  // pipelines compiled since the last save
  std::map<std::pair<std::string, std::vector<uint32_t>>, Pipeline> pipelines_;
  std::map<std::string, VkShaderModule> modules_;
};

}  // namespace cnnlab::vk
