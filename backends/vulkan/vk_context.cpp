// vk_context.cpp — instance, validation messenger, device listing and choice, logical device.
//
// Contract: see vk_context.hpp. The one subtle rule: a name given in CNNLAB_DEVICE or --device
// matches case-insensitively anywhere in the device name ("llvmpipe", "nvidia", "h100"); a
// number is an index into list_devices(), which is the order the Vulkan loader reports.
#include "backends/vulkan/vk_context.hpp"

#include <cnnlab/core/error.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>

namespace cnnlab {

namespace {
std::string g_selected_device;  // set by vulkan_select_device() (the CLI's --device)
bool g_selected = false;
bool g_validation_requested = false;  // set by vulkan_enable_validation()
std::atomic<uint64_t> g_validation_messages{0};
}  // namespace

namespace vk {

uint64_t validation_message_count() { return g_validation_messages.load(); }
void set_device_spec(const std::string& spec) {
  g_selected_device = spec;
  g_selected = true;
}
void request_validation(bool on) { g_validation_requested = on; }

namespace {

/// True when @p name is set to anything but "", "0" or "false"; @p unset when it is not set.
bool env_flag(const char* name, bool unset = false) {
  const char* v = std::getenv(name);
  if (!v) return unset;
  return *v && std::string(v) != "0" && std::string(v) != "false";
}

std::string version_string(uint32_t v) {
  return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) +
         "." + std::to_string(VK_API_VERSION_PATCH(v));
}

const char* type_name(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return "CPU";
    default:
      return "other";
  }
}

/// NVIDIA encodes its driver version as 10.8.8.6 bits; everyone else uses VK_MAKE_VERSION.
std::string driver_version_string(uint32_t vendor, uint32_t v) {
  if (vendor == 0x10DE)
    return std::to_string(v >> 22) + "." + std::to_string((v >> 14) & 0xFF) + "." +
           std::to_string((v >> 6) & 0xFF);
  return version_string(v);
}

VKAPI_ATTR VkBool32 VKAPI_CALL on_validation_message(
    VkDebugUtilsMessageSeverityFlagBitsEXT severity, VkDebugUtilsMessageTypeFlagsEXT,
    const VkDebugUtilsMessengerCallbackDataEXT* data, void*) {
  ++g_validation_messages;
  const char* level =
      (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) ? "error" : "warning";
  std::cerr << "vulkan validation " << level << ": "
            << (data && data->pMessage ? data->pMessage : "(no message)") << std::endl;
  return VK_FALSE;
}

bool has_layer(const char* name) {
  uint32_t n = 0;
  vkEnumerateInstanceLayerProperties(&n, nullptr);
  std::vector<VkLayerProperties> layers(n);
  vkEnumerateInstanceLayerProperties(&n, layers.data());
  for (const auto& l : layers)
    if (std::strcmp(l.layerName, name) == 0) return true;
  return false;
}

/// True when @p name is among the extensions a vkEnumerate*ExtensionProperties call lists;
/// @p enumerate(count, properties) is that call with its other arguments bound.
template <class Enumerate>
bool lists_extension(const char* name, Enumerate enumerate) {
  uint32_t n = 0;
  enumerate(&n, nullptr);
  std::vector<VkExtensionProperties> exts(n);
  enumerate(&n, exts.data());
  for (const auto& e : exts)
    if (std::strcmp(e.extensionName, name) == 0) return true;
  return false;
}

/// True when the loader (or, with @p layer, that layer) offers the instance extension @p name.
bool has_instance_extension(const char* name, const char* layer = nullptr) {
  return lists_extension(name, [layer](uint32_t* n, VkExtensionProperties* p) {
    return vkEnumerateInstanceExtensionProperties(layer, n, p);
  });
}

/// True when @p physical offers the device extension @p name.
bool has_device_extension(VkPhysicalDevice physical, const char* name) {
  return lists_extension(name, [physical](uint32_t* n, VkExtensionProperties* p) {
    return vkEnumerateDeviceExtensionProperties(physical, nullptr, n, p);
  });
}

/// Creates an instance; with @p validation the Khronos layer and a debug messenger.
VkInstance create_instance(bool validation, VkDebugUtilsMessengerEXT* messenger) {
  load_vulkan();
  uint32_t loader_version = VK_API_VERSION_1_0;
  if (vkEnumerateInstanceVersion) vkEnumerateInstanceVersion(&loader_version);
  if (loader_version < VK_API_VERSION_1_1)
    throw Error("vulkan: the Vulkan loader supports only version " +
                version_string(loader_version) + "; cnnlab needs 1.1 or newer. " +
                how_to_get_vulkan());

  auto app = make<VkApplicationInfo>(VK_STRUCTURE_TYPE_APPLICATION_INFO);
  app.pApplicationName = "cnnlab";
  app.pEngineName = "cnnlab";
  app.apiVersion = VK_API_VERSION_1_1;

  std::vector<const char*> layers, extensions;
  auto debug = make<VkDebugUtilsMessengerCreateInfoEXT>(
      VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT);
  debug.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                          VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  debug.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                      VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                      VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  debug.pfnUserCallback = on_validation_message;
  const VkValidationFeatureEnableEXT sync_validation =
      VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT;
  auto features = make<VkValidationFeaturesEXT>(VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT);
  if (validation) {
    if (!has_layer("VK_LAYER_KHRONOS_validation"))
      throw Error(
          "vulkan: validation was requested (CNNLAB_VK_VALIDATION=1) but the layer "
          "VK_LAYER_KHRONOS_validation is not installed (Debian: apt-get install "
          "vulkan-validationlayers)");
    if (!has_instance_extension(VK_EXT_DEBUG_UTILS_EXTENSION_NAME))
      throw Error(
          "vulkan: validation needs the instance extension VK_EXT_debug_utils, which "
          "this Vulkan loader lacks");
    layers.push_back("VK_LAYER_KHRONOS_validation");
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    // Synchronization validation too: it reports a missing barrier (a read of a buffer range
    // before the write it depends on is ordered, or a freed range reused too early), which no
    // CPU implementation shows as a wrong result. CNNLAB_VK_SYNC_VALIDATION=0 turns it off.
    if (env_flag("CNNLAB_VK_SYNC_VALIDATION", true) &&
        has_instance_extension(VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME,
                               "VK_LAYER_KHRONOS_validation")) {
      extensions.push_back(VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME);
      features.enabledValidationFeatureCount = 1;
      features.pEnabledValidationFeatures = &sync_validation;
      features.pNext = &debug;
    }
  }
  auto ci = make<VkInstanceCreateInfo>(VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO);
  ci.pApplicationInfo = &app;
  ci.enabledLayerCount = static_cast<uint32_t>(layers.size());
  ci.ppEnabledLayerNames = layers.data();
  ci.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  ci.ppEnabledExtensionNames = extensions.data();
  // The messenger also reports problems of vkCreate/DestroyInstance; the features come first.
  if (validation) ci.pNext = features.pNext ? static_cast<const void*>(&features) : &debug;
  VkInstance instance = VK_NULL_HANDLE;
  check(vkCreateInstance(&ci, nullptr, &instance), "creating the Vulkan instance");
  try {
    load_instance_functions(instance, validation);
    if (validation && messenger) {
      if (!vkCreateDebugUtilsMessengerEXT)
        throw Error("vulkan: vkCreateDebugUtilsMessengerEXT is missing");
      check(vkCreateDebugUtilsMessengerEXT(instance, &debug, nullptr, messenger),
            "creating the validation messenger");
    }
  } catch (...) {
    if (vkDestroyInstance) vkDestroyInstance(instance, nullptr);
    throw;
  }
  return instance;
}

std::vector<VkPhysicalDevice> physical_devices(VkInstance instance) {
  uint32_t n = 0;
  check(vkEnumeratePhysicalDevices(instance, &n, nullptr), "listing Vulkan devices");
  std::vector<VkPhysicalDevice> devices(n);
  if (n) check(vkEnumeratePhysicalDevices(instance, &n, devices.data()), "listing Vulkan devices");
  devices.resize(n);
  return devices;
}

/// The first queue family that can run compute shaders, or UINT32_MAX.
uint32_t compute_family(VkPhysicalDevice pd, uint32_t* timestamp_bits) {
  uint32_t n = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, nullptr);
  std::vector<VkQueueFamilyProperties> families(n);
  vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, families.data());
  // Prefer a compute-only family (a GPU's async compute queue), else any with compute.
  uint32_t best = UINT32_MAX;
  for (uint32_t i = 0; i < n; ++i) {
    if (!(families[i].queueFlags & VK_QUEUE_COMPUTE_BIT)) continue;
    if (best == UINT32_MAX || !(families[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)) best = i;
  }
  if (timestamp_bits) *timestamp_bits = best == UINT32_MAX ? 0 : families[best].timestampValidBits;
  return best;
}

VulkanDeviceInfo describe(VkPhysicalDevice pd, size_t index) {
  VkPhysicalDeviceProperties p{};
  vkGetPhysicalDeviceProperties(pd, &p);
  VulkanDeviceInfo d;
  d.index = index;
  d.name = p.deviceName;
  d.type = type_name(p.deviceType);
  d.api_version = version_string(p.apiVersion);
  d.driver_version = driver_version_string(p.vendorID, p.driverVersion);
  d.vendor_id = p.vendorID;
  d.device_id = p.deviceID;
  d.max_shared_memory = p.limits.maxComputeSharedMemorySize;
  d.max_invocations = p.limits.maxComputeWorkGroupInvocations;
  for (int i = 0; i < 3; ++i) {
    d.max_group_size[i] = p.limits.maxComputeWorkGroupSize[i];
    d.max_group_count[i] = p.limits.maxComputeWorkGroupCount[i];
  }
  d.max_storage_buffer_range = p.limits.maxStorageBufferRange;
  d.timestamp_period_ns = p.limits.timestampPeriod;
  d.usable = p.apiVersion >= VK_API_VERSION_1_1;
  if (p.apiVersion >= VK_API_VERSION_1_1) {
    auto sub = make<VkPhysicalDeviceSubgroupProperties>(
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES);
    auto drv =
        make<VkPhysicalDeviceDriverProperties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES);
    auto p2 = make<VkPhysicalDeviceProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2);
    p2.pNext = &sub;
    if (p.apiVersion >= VK_API_VERSION_1_2) sub.pNext = &drv;
    vkGetPhysicalDeviceProperties2(pd, &p2);
    d.subgroup_size = sub.subgroupSize;
    if (p.apiVersion >= VK_API_VERSION_1_2) {
      d.driver_name = drv.driverName;
      d.driver_info = drv.driverInfo;
      d.is_lavapipe = drv.driverID == VK_DRIVER_ID_MESA_LLVMPIPE;
    }
  }
  if (d.name.find("llvmpipe") != std::string::npos) d.is_lavapipe = true;
  uint32_t ts = 0;
  d.has_compute_queue = compute_family(pd, &ts) != UINT32_MAX;
  d.timestamp_bits = ts;
  d.usable = d.usable && d.has_compute_queue;
  VkPhysicalDeviceMemoryProperties mem{};
  vkGetPhysicalDeviceMemoryProperties(pd, &mem);
  for (uint32_t h = 0; h < mem.memoryHeapCount; ++h)
    if (mem.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
      d.device_local_bytes = std::max<uint64_t>(d.device_local_bytes, mem.memoryHeaps[h].size);
  return d;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string device_list_text(const std::vector<VulkanDeviceInfo>& devices) {
  std::string s;
  for (const auto& d : devices)
    s += (s.empty() ? "" : ", ") + std::to_string(d.index) + " = " + d.name;
  return s.empty() ? "none" : s;
}

}  // namespace

std::string device_spec(std::string* source) {
  if (g_selected) {
    if (source) *source = "--device";
    return g_selected_device;
  }
  if (const char* env = std::getenv("CNNLAB_DEVICE")) {
    if (source) *source = "CNNLAB_DEVICE";
    return env;
  }
  if (source) *source = "";
  return "";
}

std::vector<VulkanDeviceInfo> list_devices() {
  // One instance without layers, kept for the whole process: destroying it would let the loader
  // unload the driver, and listing again (tests, `cnnlab devices`) would load it anew.
  static VkInstance instance = VK_NULL_HANDLE;
  if (!instance) instance = create_instance(false, nullptr);
  // The instance-level pointers are only valid for the instance they were loaded with, and the
  // backend's Context (maybe with the validation layer) may have loaded its own since.
  load_instance_functions(instance, false);
  std::vector<VulkanDeviceInfo> out;
  const auto devices = physical_devices(instance);
  for (size_t i = 0; i < devices.size(); ++i) out.push_back(describe(devices[i], i));
  return out;
}

size_t choose_device(const std::vector<VulkanDeviceInfo>& devices, const std::string& spec,
                     const std::string& source) {
  if (devices.empty())
    throw Error("vulkan: Vulkan is installed but reports no device. " + how_to_get_vulkan());
  const std::string where = source.empty() ? "device" : source + "='" + spec + "'";
  if (!spec.empty()) {
    size_t index = 0;
    const auto [end, ec] = std::from_chars(spec.data(), spec.data() + spec.size(), index);
    const bool numeric = ec == std::errc() && end == spec.data() + spec.size();
    if (numeric) {
      if (index >= devices.size())
        throw Error("vulkan: " + where + ": there is no Vulkan device " + spec +
                    "; this machine has " + std::to_string(devices.size()) + " (" +
                    device_list_text(devices) + "; see `cnnlab devices`)");
    } else {
      index = devices.size();
      for (const auto& d : devices)
        if (lower(d.name).find(lower(spec)) != std::string::npos) {
          index = d.index;
          break;
        }
      if (index == devices.size())
        throw Error("vulkan: " + where + ": no Vulkan device name contains '" + spec +
                    "' (devices: " + device_list_text(devices) + "; see `cnnlab devices`)");
    }
    if (!devices[index].usable)
      throw Error("vulkan: " + where + ": device " + std::to_string(index) + " (" +
                  devices[index].name +
                  ") cannot run cnnlab: it needs Vulkan 1.1 and a compute queue");
    return index;
  }
  size_t best = devices.size();
  for (const auto& d : devices) {
    if (!d.usable) continue;
    if (best == devices.size()) best = d.index;
    const auto rank = [](const std::string& t) {
      return t == "discrete GPU"     ? 0
             : t == "integrated GPU" ? 1
             : t == "virtual GPU"    ? 2
             : t == "CPU"            ? 3
                                     : 4;
    };
    if (rank(d.type) < rank(devices[best].type)) best = d.index;
  }
  if (best == devices.size())
    throw Error("vulkan: no Vulkan device supports Vulkan 1.1 compute (devices: " +
                device_list_text(devices) + "). " + how_to_get_vulkan());
  return best;
}

Context::Context() {
  validation = g_validation_requested || env_flag("CNNLAB_VK_VALIDATION");
  // Choose first, on the listing instance: a bad CNNLAB_DEVICE fails before this Context creates
  // (and would have to destroy) an instance of its own.
  std::string source;
  const std::string spec = device_spec(&source);
  const std::vector<VulkanDeviceInfo> listed = list_devices();
  const size_t wanted = choose_device(listed, spec, source);
  instance = create_instance(validation, &messenger_);
  try {
    const auto devices = physical_devices(instance);
    std::vector<VulkanDeviceInfo> infos;
    for (size_t i = 0; i < devices.size(); ++i) infos.push_back(describe(devices[i], i));
    // The same device in this instance's list (the loader's order does not change, but check).
    const auto same = [&](const VulkanDeviceInfo& d) {
      return d.name == listed[wanted].name && d.vendor_id == listed[wanted].vendor_id &&
             d.device_id == listed[wanted].device_id;
    };
    size_t chosen = wanted < infos.size() && same(infos[wanted]) ? wanted : infos.size();
    for (size_t i = 0; i < infos.size() && chosen == infos.size(); ++i)
      if (same(infos[i])) chosen = i;
    if (chosen == infos.size())
      throw Error("vulkan: device " + listed[wanted].name +
                  " disappeared while it was being opened");
    physical = devices[chosen];
    info = infos[chosen];
    loop_limited = info.is_lavapipe;
    vkGetPhysicalDeviceProperties(physical, &props);
    vkGetPhysicalDeviceMemoryProperties(physical, &memory);
    queue_family = compute_family(physical, &timestamp_valid_bits);

    const float priority = 1.0f;
    auto qci = make<VkDeviceQueueCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO);
    qci.queueFamilyIndex = queue_family;
    qci.queueCount = 1;
    qci.pQueuePriorities = &priority;
    std::vector<const char*> extensions;
    push_descriptors = env_flag("CNNLAB_VK_PUSH_DESCRIPTORS", true) &&
                       has_device_extension(physical, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);
    if (push_descriptors) extensions.push_back(VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);
    auto dci = make<VkDeviceCreateInfo>(VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO);
    dci.queueCreateInfoCount = 1;
    dci.pQueueCreateInfos = &qci;
    dci.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
    dci.ppEnabledExtensionNames = extensions.data();
    check(vkCreateDevice(physical, &dci, nullptr, &device),
          "creating a logical device on " + info.name);
    load_device_functions(device);
    if (push_descriptors) {
      vkCmdPushDescriptorSetKHR = reinterpret_cast<PFN_vkCmdPushDescriptorSetKHR>(
          vkGetDeviceProcAddr(device, "vkCmdPushDescriptorSetKHR"));
      push_descriptors = vkCmdPushDescriptorSetKHR != nullptr;
    }
    vkGetDeviceQueue(device, queue_family, 0, &queue);
  } catch (...) {
    if (device && vkDestroyDevice) vkDestroyDevice(device, nullptr);
    if (messenger_) vkDestroyDebugUtilsMessengerEXT(instance, messenger_, nullptr);
    vkDestroyInstance(instance, nullptr);
    throw;
  }
}

Context::~Context() {
  if (device) {
    vkDeviceWaitIdle(device);
    vkDestroyDevice(device, nullptr);
  }
  try {
    load_instance_functions(instance, validation);  // list_devices() may have loaded another's
  } catch (const Error&) {
    return;  // cannot happen: they were loaded for this instance once already
  }
  if (messenger_) vkDestroyDebugUtilsMessengerEXT(instance, messenger_, nullptr);
  vkDestroyInstance(instance, nullptr);
}

}  // namespace vk
}  // namespace cnnlab
