// vk_disk_cache.cpp — where the pipeline cache file lives, its checks, its atomic write.
#include "backends/vulkan/vk_disk_cache.hpp"

#include "src/io/file_io.hpp"

#include <cnnlab/core/error.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace cnnlab::vk {

namespace {
constexpr char kMagic[8] = {'C', 'N', 'N', 'L', 'A', 'B', 'P', 'C'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHeaderBytes = 24;  // magic 8, version 4, CRC-32 4, payload size 8
// The driver's own header (VkPipelineCacheHeaderVersionOne, least significant byte first):
// header size 4, header version 4, vendor ID 4, device ID 4, pipeline cache UUID 16.
constexpr size_t kDriverHeaderBytes = 16 + VK_UUID_SIZE;

uint32_t read_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

/// {} for a rejected file, with the reason in *why (when asked for).
std::vector<uint8_t> reject(std::string* why, const std::string& text) {
  if (why) *why = text;
  return {};
}
/// false for a file not written, with the reason in *why (when asked for).
bool fail(std::string* why, const std::string& text) {
  if (why) *why = text;
  return false;
}

/// Removes temporary files of @p target that a process killed between creating and renaming one
/// left behind: those older than an hour (a live writer renames its file within milliseconds).
void remove_stale_temporaries(const std::filesystem::path& target) {
  std::error_code ec;
  std::string prefix = ".";  // built with += (GCC 12 warns wrongly about "." + string)
  prefix += target.filename().string();
  prefix += ".tmp.";
  const auto too_old = std::filesystem::file_time_type::clock::now() - std::chrono::hours(1);
  std::filesystem::directory_iterator it(target.has_parent_path() ? target.parent_path() : ".", ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    std::error_code time_ec;
    if (it->last_write_time(time_ec) < too_old && !time_ec)
      std::filesystem::remove(it->path(), time_ec);
  }
}
}  // namespace

std::string pipeline_cache_dir(const char* cnnlab_cache_dir, const char* xdg_cache_home,
                               const char* home) {
  std::string dir;
  if (cnnlab_cache_dir && *cnnlab_cache_dir) {
    dir = cnnlab_cache_dir;
  } else if (xdg_cache_home && xdg_cache_home[0] == '/') {
    dir = xdg_cache_home;
    dir += "/cnnlab";
  } else if (home && *home) {
    dir = home;
    dir += "/.cache/cnnlab";
  }
  return dir;
}

std::string pipeline_cache_file_name(const VkPhysicalDeviceProperties& props) {
  char uuid[2 * VK_UUID_SIZE + 1];
  for (size_t i = 0; i < VK_UUID_SIZE; ++i)
    std::snprintf(uuid + 2 * i, 3, "%02x", unsigned(props.pipelineCacheUUID[i]));
  char name[160];
  std::snprintf(name, sizeof name, "pipelines-%04x-%04x-%08x-%s.bin", props.vendorID,
                props.deviceID, props.driverVersion, uuid);
  return name;
}

bool pipeline_cache_disabled() {
  const char* v = std::getenv("CNNLAB_PIPELINE_CACHE");
  if (!v) return false;
  const std::string s = v;
  return s == "0" || s == "off" || s == "false" || s == "no";
}

bool pipeline_cache_verbose() {
  const char* v = std::getenv("CNNLAB_VK_VERBOSE");
  return v && *v && std::string(v) != "0" && std::string(v) != "false";
}

std::string pipeline_cache_path(const VkPhysicalDeviceProperties& props) {
  if (pipeline_cache_disabled()) return "";
  std::string path = pipeline_cache_dir(std::getenv("CNNLAB_CACHE_DIR"),
                                        std::getenv("XDG_CACHE_HOME"), std::getenv("HOME"));
  if (path.empty()) return "";
  path += '/';
  path += pipeline_cache_file_name(props);
  return path;
}

uint32_t pipeline_cache_crc(const std::vector<uint8_t>& data) {
  return io_detail::crc32_update(0, data.data(), data.size());
}

std::vector<uint8_t> pack_pipeline_cache(const std::vector<uint8_t>& data) {
  std::vector<uint8_t> file(kHeaderBytes + data.size());
  const uint32_t crc = io_detail::crc32_update(0, data.data(), data.size());
  const uint64_t size = data.size();
  std::memcpy(file.data(), kMagic, 8);
  std::memcpy(file.data() + 8, &kFormatVersion, 4);
  std::memcpy(file.data() + 12, &crc, 4);
  std::memcpy(file.data() + 16, &size, 8);
  if (!data.empty()) std::memcpy(file.data() + kHeaderBytes, data.data(), data.size());
  return file;
}

std::vector<uint8_t> unpack_pipeline_cache(const std::vector<uint8_t>& file,
                                           const VkPhysicalDeviceProperties& props,
                                           std::string* why) {
  if (file.empty()) return reject(why, "the file is empty");
  if (file.size() < kHeaderBytes) return reject(why, "the file is shorter than its header");
  if (std::memcmp(file.data(), kMagic, 8) != 0)
    return reject(why, "not a cnnlab pipeline cache (bad magic)");
  if (read_u32(file.data() + 8) != kFormatVersion)
    return reject(why, "format version " + std::to_string(read_u32(file.data() + 8)) +
                           ", this build reads version " + std::to_string(kFormatVersion));
  uint64_t size;
  std::memcpy(&size, file.data() + 16, 8);
  if (size != file.size() - kHeaderBytes)
    return reject(why,
                  "the header announces " + std::to_string(size) + " bytes, the file holds " +
                      std::to_string(file.size() - kHeaderBytes) +
                      (size > file.size() - kHeaderBytes ? " (truncated)" : " (bytes appended)"));
  const uint8_t* payload = file.data() + kHeaderBytes;
  if (io_detail::crc32_update(0, payload, size_t(size)) != read_u32(file.data() + 12))
    return reject(why, "CRC-32 mismatch (the file is corrupt)");
  // The driver's header: made by this GPU, this driver build, this cache layout?
  if (size < kDriverHeaderBytes || read_u32(payload) < kDriverHeaderBytes ||
      read_u32(payload) > size ||
      read_u32(payload + 4) != uint32_t(VK_PIPELINE_CACHE_HEADER_VERSION_ONE))
    return reject(why, "the driver's cache header is malformed");
  if (read_u32(payload + 8) != props.vendorID || read_u32(payload + 12) != props.deviceID ||
      std::memcmp(payload + 16, props.pipelineCacheUUID, VK_UUID_SIZE) != 0)
    return reject(why, "made by another device or driver (vendor, device or cache UUID differ)");
  return std::vector<uint8_t>(payload, payload + size);
}

std::vector<uint8_t> read_pipeline_cache(const std::string& path,
                                         const VkPhysicalDeviceProperties& props,
                                         std::string* why) {
  if (path.empty()) return reject(why, "the disk cache is off");
  try {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
      return reject(why, "no file yet (this run will write it)");
    // InputFile refuses anything but a regular file without blocking on it (a FIFO planted at
    // the path), and decides on the opened descriptor.
    io_detail::InputFile in(path, "");
    if (in.size() > kMaxPipelineCacheBytes + kHeaderBytes)
      return reject(why, "larger than the " + std::to_string(kMaxPipelineCacheBytes >> 20) +
                             " MiB a cache file may have");
    std::vector<uint8_t> file(size_t(in.size()));
    if (!in.read(file.data(), file.size()))
      return reject(why, "shorter than its size said, or unreadable");
    return unpack_pipeline_cache(file, props, why);
  } catch (const std::exception& e) {  // out of memory: the cache only saves time
    return reject(why, e.what());
  }
}

bool write_pipeline_cache(const std::string& path, const std::vector<uint8_t>& data,
                          std::string* why) {
  if (path.empty()) return fail(why, "the disk cache is off");
  if (data.empty()) return fail(why, "no data");
  if (data.size() > kMaxPipelineCacheBytes)
    return fail(why, std::to_string(data.size()) + " bytes, more than the " +
                         std::to_string(kMaxPipelineCacheBytes >> 20) +
                         " MiB a cache file may have");
  try {
    const std::filesystem::path target(path);
    std::error_code ec;
    if (target.has_parent_path()) {
      std::filesystem::create_directories(target.parent_path(), ec);
      if (ec) return fail(why, "cannot create the folder: " + ec.message());
    }
    // write_file_atomically: a hidden temporary file next to the target, created exclusively,
    // then renamed over it, so a reader in another process never sees half a file.
    const std::vector<uint8_t> file = pack_pipeline_cache(data);
    try {
      io_detail::write_file_atomically(
          path, "", {std::string_view(reinterpret_cast<const char*>(file.data()), file.size())});
    } catch (const Error& e) {
      return fail(why, e.what());
    }
    remove_stale_temporaries(target);
    return true;
  } catch (const std::exception& e) {  // out of memory, a path the library rejects
    return fail(why, e.what());
  }
}

}  // namespace cnnlab::vk
