// cmd_devices.cpp — `cnnlab devices`: the Vulkan devices of this machine, their compute limits,
// and which one the Vulkan backend would use (CNNLAB_DEVICE / --device, or the default choice).
//
// Also home of --device (add_device_option): the Vulkan device for this run, by index or by a
// case-insensitive part of its name, exactly like the environment variable CNNLAB_DEVICE (the
// flag wins). A CNNLAB_DEVICE that matches no device only earns a warning here (this list is
// what it takes to fix it); a wrong --device is an error. What this is not: a benchmark or a
// driver check; it only reports what Vulkan says.
#include "cli11.hpp"
#include "cli_common.hpp"

#include <cnnlab/core/error.hpp>

#ifdef CNNLAB_HAVE_VULKAN
#include "backends/vulkan/vulkan_backend.hpp"
#endif

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

namespace cnnlab::cli {

CLI::Option* add_device_option(CLI::App& app, std::string& device) {
  return app
      .add_option("--device", device,
                  "Vulkan device: index or part of its name, as listed by `cnnlab devices` "
                  "(default: $CNNLAB_DEVICE, else the first GPU)")
      ->type_name("INDEX|NAME");
}

void apply_device_option(const std::string& device, const std::string& backend) {
  if (device.empty()) return;
  if (!backend.empty() && backend != "vulkan")
    throw UsageError("--device chooses a Vulkan device; it only applies with --backend vulkan");
#ifdef CNNLAB_HAVE_VULKAN
  vulkan_select_device(device);
#else
  throw UsageError("--device: this cnnlab was built without the Vulkan backend");
#endif
}

namespace {

#ifdef CNNLAB_HAVE_VULKAN
std::string mib(uint64_t bytes) {
  char s[32];
  if (bytes >= (uint64_t{1} << 30))
    std::snprintf(s, sizeof s, "%.1f GiB", static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0));
  else
    std::snprintf(s, sizeof s, "%.0f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return s;
}

int list_devices(bool device_given) {
  const std::vector<VulkanDeviceInfo> devices = vulkan_devices();
  if (devices.empty())
    throw Error(
        "vulkan: Vulkan is installed but reports no device (install mesa-vulkan-drivers "
        "for a CPU device, or a GPU driver)");
  std::cout << "Vulkan devices (choose one with --device or CNNLAB_DEVICE: an index or part of the "
               "name):\n";
  size_t chosen = devices.size();
  std::string why;
  try {
    chosen = vulkan_default_device_index(devices);
  } catch (const Error& e) {
    why = e.what();
  }
  for (const VulkanDeviceInfo& d : devices) {
    std::cout << (d.index == chosen ? "* " : "  ") << d.index << "  " << d.name << "\n";
    std::cout << "     " << d.type << ", Vulkan " << d.api_version << ", driver "
              << (d.driver_name.empty() ? "" : d.driver_name + " ") << d.driver_version
              << (d.driver_info.empty() ? "" : " (" + d.driver_info + ")") << "\n";
    std::cout << "     maxComputeSharedMemorySize " << d.max_shared_memory
              << " B, maxComputeWorkGroupInvocations " << d.max_invocations << "\n";
    std::cout << "     maxComputeWorkGroupSize " << d.max_group_size[0] << " x "
              << d.max_group_size[1] << " x " << d.max_group_size[2]
              << ", maxComputeWorkGroupCount " << d.max_group_count[0] << " x "
              << d.max_group_count[1] << " x " << d.max_group_count[2] << "\n";
    std::cout << "     subgroup size " << d.subgroup_size << ", timestampPeriod "
              << d.timestamp_period_ns << " ns (" << d.timestamp_bits
              << " valid bits), device memory " << mib(d.device_local_bytes) << ", largest buffer "
              << mib(d.max_storage_buffer_range) << "\n";
    if (!d.usable)
      std::cout << "     (not usable by cnnlab: needs Vulkan 1.1 and a compute queue)\n";
    if (d.is_lavapipe)
      std::cout << "     (Mesa lavapipe: Vulkan on the CPU; shader loops limited to 65,535 "
                   "iterations, which cnnlab respects)\n";
  }
  if (chosen == devices.size()) {
    // A bad --device is an error; a bad CNNLAB_DEVICE is exactly when a student needs this
    // list, so it is only a warning (the Vulkan backend itself still refuses it).
    const char* env = std::getenv("CNNLAB_DEVICE");
    if (!device_given && env != nullptr && *env != '\0') {
      std::cerr << "cnnlab: warning: CNNLAB_DEVICE='" << env
                << "' matches no usable Vulkan device above, so --backend vulkan fails until "
                   "it names one (by index or part of its name) or is unset\n";
      return 0;
    }
    throw Error(why);
  }
  std::cout << "The Vulkan backend uses device " << chosen << " (*).\n";
  return 0;
}
#endif

}  // namespace

Command add_devices_command(CLI::App& parent) {
  auto device = std::make_shared<std::string>();
  CLI::App* app = parent.add_subcommand(
      "devices", "List the Vulkan devices, their compute limits, and the one the backend uses");
  add_device_option(*app, *device);
  return {app, [device]() {
            apply_device_option(*device, "");
#ifdef CNNLAB_HAVE_VULKAN
            return list_devices(!device->empty());
#else
            throw Error("this cnnlab was built without the Vulkan backend (it needs libvulkan-dev, "
                        "glslc and spirv-tools at build time)");
            return 1;
#endif
          }};
}

}  // namespace cnnlab::cli
