// vk_pipelines.cpp — shader modules, layouts and specialised compute pipelines, cached.
#include "backends/vulkan/vk_pipelines.hpp"

#include "backends/vulkan/vk_disk_cache.hpp"

#include <cnnlab/core/error.hpp>

namespace cnnlab::vk {

PipelineCache::PipelineCache(Context& ctx)
    : ctx_(ctx), disk_path_(pipeline_cache_path(ctx.props)) {
  // Start from what an earlier run compiled (vk_disk_cache.hpp); an unusable file gives {}.
  const std::vector<uint8_t> initial = read_pipeline_cache(disk_path_, ctx_.props);
  auto ci = make<VkPipelineCacheCreateInfo>(VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO);
  ci.initialDataSize = initial.size();
  ci.pInitialData = initial.empty() ? nullptr : initial.data();
  loaded_from_disk_ = !initial.empty();
  VkResult r = vkCreatePipelineCache(ctx_.device, &ci, nullptr, &cache_);
  if (r != VK_SUCCESS && !initial.empty()) {  // a driver that refuses the bytes: start empty
    ci.initialDataSize = 0;
    ci.pInitialData = nullptr;
    loaded_from_disk_ = false;
    r = vkCreatePipelineCache(ctx_.device, &ci, nullptr, &cache_);
  }
  check(r, "creating a pipeline cache");
}

void PipelineCache::save() {
  if (disk_path_.empty() || created_ == 0) return;  // nothing new to keep
  size_t n = 0;
  if (vkGetPipelineCacheData(ctx_.device, cache_, &n, nullptr) != VK_SUCCESS || n == 0) return;
  std::vector<uint8_t> data(n);
  if (vkGetPipelineCacheData(ctx_.device, cache_, &n, data.data()) != VK_SUCCESS) return;
  data.resize(n);
  if (write_pipeline_cache(disk_path_, data)) created_ = 0;
}

PipelineCache::~PipelineCache() {
  save();
  for (auto& [key, p] : pipelines_) {
    vkDestroyPipeline(ctx_.device, p.pipeline, nullptr);
    vkDestroyPipelineLayout(ctx_.device, p.layout, nullptr);
    vkDestroyDescriptorSetLayout(ctx_.device, p.set_layout, nullptr);
  }
  for (auto& [name, module] : modules_) vkDestroyShaderModule(ctx_.device, module, nullptr);
  vkDestroyPipelineCache(ctx_.device, cache_, nullptr);
}

const Pipeline& PipelineCache::get(const char* shader, uint32_t bindings,
                                   const std::vector<uint32_t>& constants) {
  auto key = std::make_pair(std::string(shader), constants);
  if (auto it = pipelines_.find(key); it != pipelines_.end()) return it->second;

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

  std::vector<VkSpecializationMapEntry> entries(constants.size());
  for (uint32_t i = 0; i < entries.size(); ++i)
    entries[i] = {i, static_cast<uint32_t>(i * sizeof(uint32_t)), sizeof(uint32_t)};
  VkSpecializationInfo spec{};
  spec.mapEntryCount = static_cast<uint32_t>(entries.size());
  spec.pMapEntries = entries.data();
  spec.dataSize = constants.size() * sizeof(uint32_t);
  spec.pData = constants.data();

  auto pci = make<VkComputePipelineCreateInfo>(VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO);
  pci.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  pci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  pci.stage.module = module;
  pci.stage.pName = "main";
  pci.stage.pSpecializationInfo = constants.empty() ? nullptr : &spec;
  pci.layout = p.layout;
  r = vkCreateComputePipelines(ctx_.device, cache_, 1, &pci, nullptr, &p.pipeline);
  if (r != VK_SUCCESS) {
    vkDestroyPipelineLayout(ctx_.device, p.layout, nullptr);
    vkDestroyDescriptorSetLayout(ctx_.device, p.set_layout, nullptr);
    check(r, std::string("creating the compute pipeline ") + shader);
  }
  ++created_;
  return pipelines_.emplace(std::move(key), p).first->second;
}

}  // namespace cnnlab::vk
