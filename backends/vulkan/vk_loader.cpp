// vk_loader.cpp — dlopen() the Vulkan loader and fill in the function pointers of vk_loader.hpp.
//
// Contract: load_vulkan() is idempotent; a missing loader is a cnnlab::Error that says how to get
// Vulkan (install mesa-vulkan-drivers for a CPU implementation, or choose another backend).
// check() turns every VkResult into a message a student can act on.
#include "backends/vulkan/vk_loader.hpp"

#include <cnnlab/core/error.hpp>

#include <dlfcn.h>

#include <cstdlib>

namespace cnnlab::vk {

#define CNNLAB_VK_DEFINE(name) PFN_##name name = nullptr;
CNNLAB_VK_GLOBAL_FUNCTIONS(CNNLAB_VK_DEFINE)
CNNLAB_VK_INSTANCE_FUNCTIONS(CNNLAB_VK_DEFINE)
CNNLAB_VK_DEBUG_FUNCTIONS(CNNLAB_VK_DEFINE)
CNNLAB_VK_DEVICE_FUNCTIONS(CNNLAB_VK_DEFINE)
#undef CNNLAB_VK_DEFINE

std::string how_to_get_vulkan() {
  return "To run on the CPU without a GPU, install Mesa's lavapipe driver (Debian: apt-get install "
         "mesa-vulkan-drivers libvulkan1); with a GPU, install its Vulkan driver. Or choose "
         "another backend: --backend openmp or --backend reference";
}

void load_vulkan() {
  static void* library = nullptr;
  if (library) return;
  std::string tried;
  const char* env = std::getenv("CNNLAB_VULKAN_LIBRARY");
  for (const char* name : {env, "libvulkan.so.1", "libvulkan.so"}) {
    if (!name || !*name) continue;
    if (void* h = dlopen(name, RTLD_NOW | RTLD_LOCAL)) {
      library = h;
      break;
    }
    tried += (tried.empty() ? "" : ", ") + std::string(name);
  }
  if (!library)
    throw Error("vulkan: no Vulkan loader library found (tried " + tried +
                "), so this machine has no Vulkan device. " + how_to_get_vulkan());
  // dlsym returns void*; the loader exports vkGetInstanceProcAddr as a C function.
  vkGetInstanceProcAddr =
      reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(library, "vkGetInstanceProcAddr"));
  if (!vkGetInstanceProcAddr)
    throw Error("vulkan: the Vulkan loader has no vkGetInstanceProcAddr. " + how_to_get_vulkan());
#define CNNLAB_VK_LOAD(name) \
  name = reinterpret_cast<PFN_##name>(vkGetInstanceProcAddr(VK_NULL_HANDLE, #name));
  CNNLAB_VK_GLOBAL_FUNCTIONS(CNNLAB_VK_LOAD)
#undef CNNLAB_VK_LOAD
  if (!vkCreateInstance || !vkEnumerateInstanceLayerProperties ||
      !vkEnumerateInstanceExtensionProperties)
    throw Error("vulkan: the Vulkan loader is incomplete. " + how_to_get_vulkan());
}

void load_instance_functions(VkInstance instance, bool debug_utils) {
#define CNNLAB_VK_LOAD(name)                                                   \
  name = reinterpret_cast<PFN_##name>(vkGetInstanceProcAddr(instance, #name)); \
  if (!name) throw Error("vulkan: the driver does not provide " #name " (Vulkan 1.1 is needed)");
  CNNLAB_VK_INSTANCE_FUNCTIONS(CNNLAB_VK_LOAD)
#undef CNNLAB_VK_LOAD
  if (debug_utils) {
#define CNNLAB_VK_LOAD(name) \
  name = reinterpret_cast<PFN_##name>(vkGetInstanceProcAddr(instance, #name));
    CNNLAB_VK_DEBUG_FUNCTIONS(CNNLAB_VK_LOAD)
#undef CNNLAB_VK_LOAD
  }
}

void load_device_functions(VkDevice device) {
#define CNNLAB_VK_LOAD(name)                                               \
  name = reinterpret_cast<PFN_##name>(vkGetDeviceProcAddr(device, #name)); \
  if (!name) throw Error("vulkan: the driver does not provide " #name);
  CNNLAB_VK_DEVICE_FUNCTIONS(CNNLAB_VK_LOAD)
#undef CNNLAB_VK_LOAD
}

const char* result_name(VkResult r) {
  switch (r) {
#define CNNLAB_CASE(x) \
  case x:              \
    return #x;
    CNNLAB_CASE(VK_SUCCESS)
    CNNLAB_CASE(VK_NOT_READY)
    CNNLAB_CASE(VK_TIMEOUT)
    CNNLAB_CASE(VK_INCOMPLETE)
    CNNLAB_CASE(VK_ERROR_OUT_OF_HOST_MEMORY)
    CNNLAB_CASE(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    CNNLAB_CASE(VK_ERROR_INITIALIZATION_FAILED)
    CNNLAB_CASE(VK_ERROR_DEVICE_LOST)
    CNNLAB_CASE(VK_ERROR_MEMORY_MAP_FAILED)
    CNNLAB_CASE(VK_ERROR_LAYER_NOT_PRESENT)
    CNNLAB_CASE(VK_ERROR_EXTENSION_NOT_PRESENT)
    CNNLAB_CASE(VK_ERROR_FEATURE_NOT_PRESENT)
    CNNLAB_CASE(VK_ERROR_INCOMPATIBLE_DRIVER)
    CNNLAB_CASE(VK_ERROR_TOO_MANY_OBJECTS)
    CNNLAB_CASE(VK_ERROR_FORMAT_NOT_SUPPORTED)
    CNNLAB_CASE(VK_ERROR_FRAGMENTED_POOL)
    CNNLAB_CASE(VK_ERROR_OUT_OF_POOL_MEMORY)
    CNNLAB_CASE(VK_ERROR_INVALID_EXTERNAL_HANDLE)
    CNNLAB_CASE(VK_ERROR_FRAGMENTATION)
    CNNLAB_CASE(VK_ERROR_UNKNOWN)
#undef CNNLAB_CASE
    default:
      return "VkResult(unknown)";
  }
}

void check(VkResult r, const std::string& what) {
  if (r == VK_SUCCESS) return;
  std::string msg = "vulkan: " + what + " failed: " + result_name(r);
  switch (r) {
    case VK_ERROR_DEVICE_LOST:
      msg +=
          " (the GPU stopped responding or a shader faulted, e.g. an out-of-bounds access; "
          "the device cannot be used any more: restart the program, or choose another backend)";
      break;
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
      msg += " (the GPU's memory is full: use smaller batches or free tensors you no longer need)";
      break;
    case VK_ERROR_OUT_OF_HOST_MEMORY:
      msg += " (the computer's memory is full)";
      break;
    case VK_ERROR_INCOMPATIBLE_DRIVER:
      msg += " (no Vulkan driver is installed, or it is too old). " + how_to_get_vulkan();
      break;
    case VK_ERROR_LAYER_NOT_PRESENT:
      msg += " (the validation layer is not installed: apt-get install vulkan-validationlayers)";
      break;
    default:
      break;
  }
  throw Error(msg);
}

}  // namespace cnnlab::vk
