// vk_disk_cache.hpp — the pipeline cache kept on disk between runs (cold start).
//
// Contract: compiling every compute pipeline is most of a new process's first training step.
// The driver can hand its compiled pipelines back as bytes (vkGetPipelineCacheData) and take
// them again at start-up (VkPipelineCacheCreateInfo::pInitialData); these functions keep those
// bytes in one file per device and driver:
//
//   $CNNLAB_CACHE_DIR, else $XDG_CACHE_HOME/cnnlab (if absolute), else $HOME/.cache/cnnlab
//     pipelines-<vendor>-<device>-<driver version>-<pipeline cache UUID>.bin
//
// (CNNLAB_PIPELINE_CACHE=0 turns the file off.) The file is our 24-byte header — magic
// "CNNLABPC", format version, CRC-32 of the payload, payload size — and the driver's bytes.
// Reading never trusts the file and never throws: a missing, empty, short, corrupt (CRC),
// truncated, oversized (over kMaxPipelineCacheBytes), unreadable or foreign one (another GPU,
// driver or cache UUID in the driver's own header) is ignored, and the run starts from an empty
// cache; `why` says what was wrong. Reading and writing use the library's file
// handling (src/io/file_io.hpp: InputFile, write_file_atomically): a hidden temporary file in
// the same folder (`.<name>.tmp.<pid>.<random>`, created exclusively, fsynced) is renamed over
// the old one, so a concurrent reader only ever opens a complete file; when two
// processes save at once, the last rename wins (a temporary file older than an hour, left by a
// process killed while writing, is removed). Writing never throws either: a folder that
// cannot be created, a read-only home or a full disk only mean no file (the cache only saves
// time). Pure functions on byte vectors and strings (pack, unpack, the folder choice, the file
// name) are exposed so the tests can check the format without a device.
#pragma once

#include "backends/vulkan/vk_context.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace cnnlab::vk {

/// The largest cache file read or written (64 MiB): bigger driver data is not saved, and a
/// bigger file is ignored.
constexpr uint64_t kMaxPipelineCacheBytes = uint64_t(64) << 20;

/// The folder of the cache files, from the values of the environment variables (nullptr or ""
/// = unset): CNNLAB_CACHE_DIR, else XDG_CACHE_HOME/cnnlab (only an absolute XDG_CACHE_HOME
/// counts, as the XDG spec says), else HOME/.cache/cnnlab, else "" (no folder known).
std::string pipeline_cache_dir(const char* cnnlab_cache_dir, const char* xdg_cache_home,
                               const char* home);

/// The cache file's name for the device of @p props (vendor, device, driver version and the
/// pipeline cache UUID, in hex): a new driver gets a new file, never another driver's bytes.
std::string pipeline_cache_file_name(const VkPhysicalDeviceProperties& props);

/// Whether CNNLAB_PIPELINE_CACHE turns the disk cache off ("0", "off", "false", "no").
bool pipeline_cache_disabled();

/// Whether CNNLAB_VK_VERBOSE=1 asks for one line on stderr about the cache file (loaded,
/// ignored and why, written); normal runs print nothing about it.
bool pipeline_cache_verbose();

/// The cache file for the device of @p props from the environment (the folder of
/// pipeline_cache_dir() and the name of pipeline_cache_file_name()), or "" when the cache is
/// off or no folder is known.
std::string pipeline_cache_path(const VkPhysicalDeviceProperties& props);

/// CRC-32 (zlib's) of @p data: the file's checksum, also used to tell whether the driver's bytes
/// changed since they were loaded.
uint32_t pipeline_cache_crc(const std::vector<uint8_t>& data);

/// The driver bytes stored in @p path, or {} when the file is missing or not valid for the
/// device of @p props; then @p why (if given) says why. Never throws, never trusts the file.
std::vector<uint8_t> read_pipeline_cache(const std::string& path,
                                         const VkPhysicalDeviceProperties& props,
                                         std::string* why = nullptr);

/// Stores @p data (from vkGetPipelineCacheData) at @p path, atomically (temporary file +
/// rename); true when written, else @p why (if given) says why not. Never throws.
bool write_pipeline_cache(const std::string& path, const std::vector<uint8_t>& data,
                          std::string* why = nullptr);

/// The file format: our 24-byte header followed by the driver's bytes @p data.
std::vector<uint8_t> pack_pipeline_cache(const std::vector<uint8_t>& data);
/// The inverse of pack_pipeline_cache(), with every check of read_pipeline_cache() (header,
/// size, CRC, the driver's header against @p props); {} and @p why (if given) when bad.
std::vector<uint8_t> unpack_pipeline_cache(const std::vector<uint8_t>& file,
                                           const VkPhysicalDeviceProperties& props,
                                           std::string* why = nullptr);

}  // namespace cnnlab::vk
