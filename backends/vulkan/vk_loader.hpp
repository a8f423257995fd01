// vk_loader.hpp — the Vulkan functions cnnlab calls, loaded at run time from the system loader.
//
// Contract: cnnlab does not link against libvulkan. load_vulkan() dlopen()s the Vulkan loader
// (libvulkan.so.1, or the file named by CNNLAB_VULKAN_LIBRARY) the first time the Vulkan backend
// is used, so a program built with the Vulkan backend still starts, and runs on the CPU backends,
// on a machine without Vulkan; asking for the Vulkan backend there gives a clear message instead.
// Every entry point is a function pointer with the usual name (vkCreateBuffer, ...) inside
// namespace cnnlab::vk, so the rest of the backend reads like ordinary Vulkan code.
// Not here: any Vulkan object (see vk_context.hpp).
#pragma once

#ifndef VK_NO_PROTOTYPES
#define VK_NO_PROTOTYPES
#endif
#include <vulkan/vulkan.h>

#include <string>

// Functions loaded from the loader library itself / with a null instance.
#define CNNLAB_VK_GLOBAL_FUNCTIONS(X)       \
  X(vkCreateInstance)                       \
  X(vkEnumerateInstanceLayerProperties)     \
  X(vkEnumerateInstanceExtensionProperties) \
  X(vkEnumerateInstanceVersion)

// Functions loaded with vkGetInstanceProcAddr(instance, ...).
#define CNNLAB_VK_INSTANCE_FUNCTIONS(X)       \
  X(vkDestroyInstance)                        \
  X(vkEnumeratePhysicalDevices)               \
  X(vkGetPhysicalDeviceProperties)            \
  X(vkGetPhysicalDeviceProperties2)           \
  X(vkGetPhysicalDeviceQueueFamilyProperties) \
  X(vkGetPhysicalDeviceMemoryProperties)      \
  X(vkEnumerateDeviceExtensionProperties)     \
  X(vkCreateDevice)                           \
  X(vkGetDeviceProcAddr)

// Optional instance functions (VK_EXT_debug_utils): null when the extension is not enabled.
#define CNNLAB_VK_DEBUG_FUNCTIONS(X) \
  X(vkCreateDebugUtilsMessengerEXT)  \
  X(vkDestroyDebugUtilsMessengerEXT)

// Functions loaded with vkGetDeviceProcAddr(device, ...).
#define CNNLAB_VK_DEVICE_FUNCTIONS(X) \
  X(vkDestroyDevice)                  \
  X(vkGetDeviceQueue)                 \
  X(vkCreateBuffer)                   \
  X(vkDestroyBuffer)                  \
  X(vkGetBufferMemoryRequirements)    \
  X(vkAllocateMemory)                 \
  X(vkFreeMemory)                     \
  X(vkBindBufferMemory)               \
  X(vkMapMemory)                      \
  X(vkUnmapMemory)                    \
  X(vkCreateShaderModule)             \
  X(vkDestroyShaderModule)            \
  X(vkCreateDescriptorSetLayout)      \
  X(vkDestroyDescriptorSetLayout)     \
  X(vkCreatePipelineLayout)           \
  X(vkDestroyPipelineLayout)          \
  X(vkCreateComputePipelines)         \
  X(vkDestroyPipeline)                \
  X(vkCreatePipelineCache)            \
  X(vkDestroyPipelineCache)           \
  X(vkGetPipelineCacheData)           \
  X(vkCreateDescriptorPool)           \
  X(vkDestroyDescriptorPool)          \
  X(vkResetDescriptorPool)            \
  X(vkAllocateDescriptorSets)         \
  X(vkUpdateDescriptorSets)           \
  X(vkCreateCommandPool)              \
  X(vkDestroyCommandPool)             \
  X(vkAllocateCommandBuffers)         \
  X(vkResetCommandBuffer)             \
  X(vkBeginCommandBuffer)             \
  X(vkEndCommandBuffer)               \
  X(vkCmdBindPipeline)                \
  X(vkCmdBindDescriptorSets)          \
  X(vkCmdPushConstants)               \
  X(vkCmdDispatch)                    \
  X(vkCmdPipelineBarrier)             \
  X(vkCmdCopyBuffer)                  \
  X(vkCmdFillBuffer)                  \
  X(vkCmdResetQueryPool)              \
  X(vkCmdWriteTimestamp)              \
  X(vkCreateQueryPool)                \
  X(vkDestroyQueryPool)               \
  X(vkGetQueryPoolResults)            \
  X(vkCreateFence)                    \
  X(vkDestroyFence)                   \
  X(vkResetFences)                    \
  X(vkWaitForFences)                  \
  X(vkQueueSubmit)                    \
  X(vkDeviceWaitIdle)

namespace cnnlab::vk {

#define CNNLAB_VK_DECLARE(name) extern PFN_##name name;
inline PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr = nullptr;
/// From VK_KHR_push_descriptor, when the device has it (loaded by Context; else nullptr).
inline PFN_vkCmdPushDescriptorSetKHR vkCmdPushDescriptorSetKHR = nullptr;
CNNLAB_VK_GLOBAL_FUNCTIONS(CNNLAB_VK_DECLARE)
CNNLAB_VK_INSTANCE_FUNCTIONS(CNNLAB_VK_DECLARE)
CNNLAB_VK_DEBUG_FUNCTIONS(CNNLAB_VK_DECLARE)
CNNLAB_VK_DEVICE_FUNCTIONS(CNNLAB_VK_DECLARE)
#undef CNNLAB_VK_DECLARE

/// Opens the Vulkan loader and loads the global functions (once per process).
/// @throws cnnlab::Error saying how to install Vulkan when no loader library can be opened.
void load_vulkan();
/// Loads the instance-level functions for @p instance (debug-utils ones only if @p debug_utils).
void load_instance_functions(VkInstance instance, bool debug_utils);
/// Loads the device-level functions for @p device.
void load_device_functions(VkDevice device);

/// A zeroed Vulkan info structure with its sType set: `auto ci = make<VkBufferCreateInfo>(...)`.
template <class T>
T make(VkStructureType type) {
  T t{};
  t.sType = type;
  return t;
}

/// "VK_ERROR_OUT_OF_DEVICE_MEMORY" and so on.
const char* result_name(VkResult r);

/// Throws cnnlab::Error("vulkan: WHAT failed: VK_ERROR_... (explanation)") unless r is
/// VK_SUCCESS. Device loss and out-of-memory get explanations saying what to do.
void check(VkResult r, const std::string& what);

/// The how-to text appended to "no Vulkan device" errors.
std::string how_to_get_vulkan();

}  // namespace cnnlab::vk
