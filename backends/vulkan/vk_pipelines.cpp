// vk_pipelines.cpp — shader modules, layouts and specialised compute pipelines, cached.
#include "backends/vulkan/vk_pipelines.hpp"

#include "backends/vulkan/vk_disk_cache.hpp"

#include <cnnlab/core/error.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>

namespace cnnlab::vk {

namespace {
/// One line on stderr about the cache file, only with CNNLAB_VK_VERBOSE=1.
void log_disk_cache(const std::string& text) {
  if (pipeline_cache_verbose()) std::cerr << "cnnlab: vulkan pipeline cache: " << text << "\n";
}
}  // namespace

PipelineCache::PipelineCache(Context& ctx) : ctx_(ctx), disk_path_(pipeline_cache_path(ctx.props)) {
  // Start from what an earlier run compiled (vk_disk_cache.hpp); an unusable file gives {}.
  std::string why;
  const std::vector<uint8_t> initial = read_pipeline_cache(disk_path_, ctx_.props, &why);
  if (disk_path_.empty())
    log_disk_cache("off (CNNLAB_PIPELINE_CACHE=0, or no cache folder: set CNNLAB_CACHE_DIR)");
  else if (initial.empty())
    log_disk_cache("ignored " + disk_path_ + ": " + why);
  auto ci = make<VkPipelineCacheCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO);
  ci.initialDataSize = initial.size();
  ci.pInitialData = initial.empty() ? nullptr : initial.data();
  VkResult r = vkCreatePipelineCache(ctx_.device, &ci, nullptr, &cache_);
  if (r != VK_SUCCESS && !initial.empty()) {  // a driver that refuses the bytes: start empty
    log_disk_cache("the driver refused the bytes of " + disk_path_ + ": starting empty");
    ci.initialDataSize = 0;
    ci.pInitialData = nullptr;
    r = vkCreatePipelineCache(ctx_.device, &ci, nullptr, &cache_);
  } else if (!initial.empty()) {
    loaded_from_disk_ = true;
    loaded_bytes_ = initial.size();
    loaded_crc_ = pipeline_cache_crc(initial);
    log_disk_cache("loaded " + std::to_string(initial.size()) + " bytes from " + disk_path_);
  }
  check(r, "creating a pipeline cache");
}

bool PipelineCache::save() {
  if (created_ > 0 && pipeline_cache_verbose()) {
    char line[96];
    std::snprintf(line, sizeof line, "%zu pipelines created in %.1f ms so far", pipelines_.size(),
                  compile_seconds_ * 1e3);
    log_disk_cache(line);
  }
  if (disk_path_.empty() || created_ == 0) return false;  // nothing new to keep
  size_t n = 0;
  if (vkGetPipelineCacheData(ctx_.device, cache_, &n, nullptr) != VK_SUCCESS || n == 0)
    return false;
  std::vector<uint8_t> data(n);
  const VkResult r = vkGetPipelineCacheData(ctx_.device, cache_, &n, data.data());
  if (r != VK_SUCCESS) return false;  // VK_INCOMPLETE: it grew meanwhile; the next save has it
  data.resize(n);
  created_ = 0;
  const uint32_t crc = pipeline_cache_crc(data);
  if (data.size() == loaded_bytes_ && crc == loaded_crc_) {  // what the file already holds
    log_disk_cache("unchanged, not rewritten: " + disk_path_);
    return false;
  }
  std::string why;
  if (!write_pipeline_cache(disk_path_, data, &why)) {
    log_disk_cache("not saved to " + disk_path_ + ": " + why);
    return false;
  }
  loaded_bytes_ = data.size();  // the file now holds exactly these bytes
  loaded_crc_ = crc;
  log_disk_cache("wrote " + std::to_string(data.size()) + " bytes (" +
                 std::to_string(pipelines_.size()) + " pipelines) to " + disk_path_);
  return true;
}

PipelineCache::~PipelineCache() {
  try {
    save();
  } catch (...) {  // out of memory while saving: the file only saves time
  }
  for (auto& [key, p] : pipelines_) {
    vkDestroyPipeline(ctx_.device, p.pipeline, nullptr);
    vkDestroyPipelineLayout(ctx_.device, p.layout, nullptr);
    vkDestroyDescriptorSetLayout(ctx_.device, p.set_layout, nullptr);
  }
  for (auto& [name, module] : modules_) vkDestroyShaderModule(ctx_.device, module, nullptr);
  vkDestroyPipelineCache(ctx_.device, cache_, nullptr);
}

size_t PipelineCache::FastKeyHash::operator()(const FastKey& k) const noexcept {
  // FNV-1a over the pointer and the used constants.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint64_t v) {
    h ^= v;
    h *= 1099511628211ull;
  };
  mix(reinterpret_cast<uintptr_t>(k.shader));
  mix(k.count);
  for (uint32_t i = 0; i < k.count; ++i) mix(k.constants[i]);
  return static_cast<size_t>(h);
}

const Pipeline& PipelineCache::get(const char* shader, uint32_t bindings, const uint32_t* constants,
                                   uint32_t count) {
  if (count > kFastConstants) return find_or_create(shader, bindings, constants, count);
  FastKey key;
  key.shader = shader;
  key.count = count;
  std::copy(constants, constants + count, key.constants.begin());
  auto it = by_pointer_.find(key);
  // The text behind a pointer can change (a pointer into a string that was freed and reused):
  // trust a hit only when the name still matches.
  if (it != by_pointer_.end() && std::strcmp(it->second->name.c_str(), shader) == 0)
    return *it->second;
  Pipeline& p = find_or_create(shader, bindings, constants, count);
  if (it != by_pointer_.end())
    it->second = &p;
  else
    by_pointer_.emplace(key, &p);
  return p;
}

Pipeline& PipelineCache::find_or_create(const char* shader, uint32_t bindings,
                                        const uint32_t* constants, uint32_t count) {
  auto key =
      std::make_pair(std::string(shader), std::vector<uint32_t>(constants, constants + count));
  if (auto it = pipelines_.find(key); it != pipelines_.end()) return it->second;
  const auto t0 = std::chrono::steady_clock::now();
  Pipeline p = create(shader, bindings, constants, count);
  compile_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ++created_;
  return pipelines_.emplace(std::move(key), std::move(p)).first->second;
}

Pipeline PipelineCache::create(const char* shader, uint32_t bindings, const uint32_t* constants,
                               uint32_t count) {
  VkShaderModule& module = modules_[shader];
  if (!module) {
    const ShaderCode* code = find_shader(shader);
    if (!code) {
      modules_.erase(shader);
      throw Error(std::string("vulkan: no embedded shader named ") + shader + " (a bug in cnnlab)");
    }
    auto mci = make<VkShaderModuleCreateInfo>(VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO);
    mci.codeSize = code->count * sizeof(uint32_t);
    mci.pCode = code->words;
    const VkResult r = vkCreateShaderModule(ctx_.device, &mci, nullptr, &module);
    if (r != VK_SUCCESS) {
      modules_.erase(shader);
      check(r, std::string("creating the shader module ") + shader);
    }
  }

  Pipeline p;
  p.bindings = bindings;
  p.name = shader;
  std::vector<VkDescriptorSetLayoutBinding> slots(bindings);
  for (uint32_t i = 0; i < bindings; ++i) {
    slots[i].binding = i;
    slots[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    slots[i].descriptorCount = 1;
    slots[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  auto dci =
      make<VkDescriptorSetLayoutCreateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO);
  dci.bindingCount = bindings;
  dci.pBindings = slots.data();
  // With VK_KHR_push_descriptor the buffers are pushed with each dispatch (vk_commands.cpp).
  if (ctx_.push_descriptors) dci.flags = VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR;
  check(vkCreateDescriptorSetLayout(ctx_.device, &dci, nullptr, &p.set_layout),
        "creating a descriptor set layout");

  VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushConstantBytes};
  auto lci = make<VkPipelineLayoutCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO);
  lci.setLayoutCount = 1;
  lci.pSetLayouts = &p.set_layout;
  lci.pushConstantRangeCount = 1;
  lci.pPushConstantRanges = &range;
  VkResult r = vkCreatePipelineLayout(ctx_.device, &lci, nullptr, &p.layout);
  if (r != VK_SUCCESS) {
    vkDestroyDescriptorSetLayout(ctx_.device, p.set_layout, nullptr);
    check(r, "creating a pipeline layout");
  }

  std::vector<VkSpecializationMapEntry> entries(count);
  for (uint32_t i = 0; i < entries.size(); ++i)
    entries[i] = {i, static_cast<uint32_t>(i * sizeof(uint32_t)), sizeof(uint32_t)};
  VkSpecializationInfo spec{};
  spec.mapEntryCount = static_cast<uint32_t>(entries.size());
  spec.pMapEntries = entries.data();
  spec.dataSize = count * sizeof(uint32_t);
  spec.pData = constants;

  auto pci = make<VkComputePipelineCreateInfo>(VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO);
  pci.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  pci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  pci.stage.module = module;
  pci.stage.pName = "main";
  pci.stage.pSpecializationInfo = count == 0 ? nullptr : &spec;
  pci.layout = p.layout;
  r = vkCreateComputePipelines(ctx_.device, cache_, 1, &pci, nullptr, &p.pipeline);
  if (r != VK_SUCCESS) {
    vkDestroyPipelineLayout(ctx_.device, p.layout, nullptr);
    vkDestroyDescriptorSetLayout(ctx_.device, p.set_layout, nullptr);
    check(r, std::string("creating the compute pipeline ") + shader);
  }
  return p;
}

}  // namespace cnnlab::vk
