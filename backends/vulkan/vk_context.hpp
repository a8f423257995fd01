// vk_context.hpp — the process's Vulkan instance, physical-device choice, logical device and queue.
//
// Contract:
// - One Context per process (owned by the Vulkan backend). Creating it loads Vulkan, creates an
//   instance (Vulkan 1.1 or newer), optionally with the Khronos validation layer and a
//   VK_EXT_debug_utils messenger that prints and counts every warning or error it reports, picks a
//   physical device and creates a logical device with one compute queue.
// - The device is chosen by CNNLAB_DEVICE (an index into the list `cnnlab devices` prints, or a
//   case-insensitive part of the device's name), or by select_device() called earlier (the CLI's
//   --device flag); otherwise the first discrete GPU, then integrated, virtual, CPU.
// - Validation is on when CNNLAB_VK_VALIDATION=1 or set_validation(true) was called first.
// - Every failure throws cnnlab::Error with a message saying what to do; none of this is
//   thread-safe (cnnlab runs one op at a time).
// Not here: memory (vk_memory), pipelines (vk_pipelines), command recording (vk_commands).
#pragma once

#include "backends/vulkan/vk_loader.hpp"
#include "backends/vulkan/vulkan_backend.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace cnnlab::vk {

/// Lists every physical device, with the limits that matter for compute (a temporary instance).
std::vector<VulkanDeviceInfo> list_devices();
/// Which device a spec ("", an index, or a name part) picks among @p devices; throws a clear
/// Error for a spec that matches nothing.
size_t choose_device(const std::vector<VulkanDeviceInfo>& devices, const std::string& spec,
                     const std::string& source);
/// The device spec in force: select_device()'s, else CNNLAB_DEVICE, else "".
std::string device_spec(std::string* source = nullptr);

class Context {
 public:
  Context();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  VkInstance instance = VK_NULL_HANDLE;
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  uint32_t queue_family = 0;
  uint32_t timestamp_valid_bits = 0;  // of the queue family; 0 = no timestamps
  VkPhysicalDeviceProperties props{};
  VkPhysicalDeviceMemoryProperties memory{};
  VulkanDeviceInfo info;
  /// True on Mesa's lavapipe (llvmpipe), which silently ends an invocation after 65,535 loop
  /// iterations in total: reductions are then split into shorter pieces.
  bool loop_limited = false;
  bool validation = false;
  /// VK_KHR_push_descriptor is enabled: a dispatch writes its buffers straight into the command
  /// buffer (vkCmdPushDescriptorSetKHR) instead of allocating and updating a descriptor set.
  /// Off with CNNLAB_VK_PUSH_DESCRIPTORS=0 (the fallback the tests also run).
  bool push_descriptors = false;

 private:
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
};

/// Validation messages (warnings and errors) reported since the process started.
uint64_t validation_message_count();
/// Sets the device spec that takes precedence over CNNLAB_DEVICE (the CLI's --device).
void set_device_spec(const std::string& spec);
/// Asks for the validation layer in Contexts created from now on.
void request_validation(bool on);

}  // namespace cnnlab::vk
