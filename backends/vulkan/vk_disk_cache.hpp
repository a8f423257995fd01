// vk_disk_cache.hpp — the pipeline cache kept on disk between runs (cold start).
//
// Contract: compiling every compute pipeline is most of a new process's first training step.
// The driver can hand its compiled pipelines back as bytes (vkGetPipelineCacheData) and take
// them again at start-up (VkPipelineCacheCreateInfo::pInitialData); these functions keep those
// bytes in one file per device and driver:
//
//   $CNNLAB_CACHE_DIR, else $XDG_CACHE_HOME/cnnlab, else $HOME/.cache/cnnlab
//     pipelines-<vendor>-<device>-<driver version>-<pipeline cache UUID>.bin
//
// (CNNLAB_PIPELINE_CACHE=0 turns the file off.) The file is our header — magic, format
// version, payload size, CRC-32 of the payload — and the driver's bytes. Reading never trusts
// the file: a missing, short, corrupt (CRC), truncated or foreign one (another GPU, driver or
// cache UUID in the driver's own header) is ignored, and the run starts from an empty cache.
// Writing goes to a temporary file in the same folder that is renamed over the old one, so
// concurrent processes never see half a file; the last one to finish wins. Failures to write
// (read-only home, full disk) are ignored: the cache only ever saves time.
#pragma once

#include "backends/vulkan/vk_context.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace cnnlab::vk {

/// The cache file for the device of @p props, or "" when caching is off or no folder is known.
std::string pipeline_cache_path(const VkPhysicalDeviceProperties& props);

/// The driver bytes stored in @p path, or {} when the file is missing or not valid for the
/// device of @p props (see the contract: never throws, never trusts the file).
std::vector<uint8_t> read_pipeline_cache(const std::string& path,
                                         const VkPhysicalDeviceProperties& props);

/// Stores @p data (from vkGetPipelineCacheData) at @p path, atomically; true when written.
bool write_pipeline_cache(const std::string& path, const std::vector<uint8_t>& data);

/// The file format, exposed for tests: our 24-byte header followed by the driver's bytes.
std::vector<uint8_t> pack_pipeline_cache(const std::vector<uint8_t>& data);
/// The inverse of pack_pipeline_cache() with every check of read_pipeline_cache(); {} if bad.
std::vector<uint8_t> unpack_pipeline_cache(const std::vector<uint8_t>& file,
                                           const VkPhysicalDeviceProperties& props);

}  // namespace cnnlab::vk
