// vk_pipelines.hpp — compute pipelines, created on first use and cached for the process.
//
// Contract: get(shader, bindings, constants) returns the pipeline of the embedded shader
// `shader` (shaders/<shader>.comp) specialised with `constants` (specialization constant i =
// constants[i]: tile sizes, workgroup size, op codes). The first call with a given (shader,
// constants) creates the shader module, a descriptor-set layout with `bindings` storage buffers
// (bindings 0 .. bindings-1), a pipeline layout with a 128-byte push-constant range (the shapes)
// and the pipeline. Every later call is a hash lookup keyed by the *pointer* `shader` and the
// constants, which allocates nothing (a string literal keeps its address); a pointer not seen
// before, or one whose text changed, falls back to a lookup by the shader's name, so two
// pointers to equal text share one pipeline. A VkPipelineCache lets the driver share compiled
// code between the variants, and is kept on disk between runs (vk_disk_cache.hpp): loaded when
// the cache is created, saved by save() and when it is destroyed if pipelines were compiled since
// and the driver's bytes differ from those loaded, so a second process starts with its pipelines
// already compiled and an unchanged cache is not rewritten. The disk file never causes an error.
#pragma once

#include "backends/vulkan/vk_context.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
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
  /// Up to this many specialization constants take the allocation-free lookup (more still work,
  /// through the lookup by name).
  static constexpr uint32_t kFastConstants = 16;

  explicit PipelineCache(Context& ctx);
  ~PipelineCache();
  PipelineCache(const PipelineCache&) = delete;
  PipelineCache& operator=(const PipelineCache&) = delete;

  /// The pipeline of @p shader specialised with @p constants[0 .. count-1]; created on the first
  /// call, afterwards found without allocating. The reference stays valid as long as the cache.
  const Pipeline& get(const char* shader, uint32_t bindings, const uint32_t* constants,
                      uint32_t count);
  /// The same, with the constants in a vector.
  const Pipeline& get(const char* shader, uint32_t bindings,
                      const std::vector<uint32_t>& constants) {
    return get(shader, bindings, constants.data(), static_cast<uint32_t>(constants.size()));
  }
  /// Number of pipelines created so far.
  size_t size() const { return pipelines_.size(); }
  /// Writes the driver's compiled pipelines to the cache file if any pipeline was compiled
  /// since the cache was loaded or last saved and the driver's bytes changed; true when a file
  /// was written. Failures are ignored (CNNLAB_VK_VERBOSE=1 prints them): the file only saves
  /// time.
  bool save();
  /// Whether the cache started from a valid file of an earlier run.
  bool loaded_from_disk() const { return loaded_from_disk_; }
  /// The cache file ("" when the disk cache is off).
  const std::string& disk_path() const { return disk_path_; }
  /// Seconds spent creating pipelines (shader modules, layouts, compilation) so far.
  double compile_seconds() const { return compile_seconds_; }

 private:
  /// The key of the fast lookup: the shader name's address and the constants, inline.
  struct FastKey {
    const char* shader = nullptr;
    uint32_t count = 0;
    std::array<uint32_t, kFastConstants> constants{};  // unused entries stay 0
    bool operator==(const FastKey& o) const {
      return shader == o.shader && count == o.count && constants == o.constants;
    }
  };
  struct FastKeyHash {
    size_t operator()(const FastKey& k) const noexcept;
  };
  /// The lookup by name, creating the pipeline on a miss.
  Pipeline& find_or_create(const char* shader, uint32_t bindings, const uint32_t* constants,
                           uint32_t count);
  Pipeline create(const char* shader, uint32_t bindings, const uint32_t* constants, uint32_t count);

  Context& ctx_;
  VkPipelineCache cache_ = VK_NULL_HANDLE;
  std::string disk_path_;  // "" when the disk cache is off
  bool loaded_from_disk_ = false;
  size_t loaded_bytes_ = 0;  // size and CRC-32 of the driver's bytes last loaded or saved
                             // (0: none; the driver's data always holds its 32-byte header)
  uint32_t loaded_crc_ = 0;
  size_t created_ = 0;  // pipelines compiled since the last load or save
  double compile_seconds_ = 0;
  // Owns the pipelines (std::map nodes never move, so the pointers below stay valid).
  std::map<std::pair<std::string, std::vector<uint32_t>>, Pipeline> pipelines_;
  std::unordered_map<FastKey, Pipeline*, FastKeyHash> by_pointer_;
  std::map<std::string, VkShaderModule> modules_;
};

}  // namespace cnnlab::vk
