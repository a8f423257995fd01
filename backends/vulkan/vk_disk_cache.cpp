// vk_disk_cache.cpp — where the pipeline cache file lives, its checks, its atomic write.
#include "backends/vulkan/vk_disk_cache.hpp"

#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

namespace cnnlab::vk {

namespace {
constexpr char kMagic[8] = {'C', 'N', 'N', 'L', 'A', 'B', 'P', 'C'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHeaderBytes = 24;  // magic 8, version 4, CRC-32 4, payload size 8
// The driver's own header (VkPipelineCacheHeaderVersionOne): size, version, vendor, device, UUID.
constexpr size_t kDriverHeaderBytes = 16 + VK_UUID_SIZE;
// No real cache is near this; a bigger size field means a corrupt file.
constexpr uint64_t kMaxPayload = uint64_t(1) << 30;

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

uint32_t read_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

uint32_t crc_of(const uint8_t* data, size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (n > 0) {  // zlib takes uInt lengths
    const uInt chunk = uInt(std::min<size_t>(n, 1u << 30));
    crc = crc32(crc, data, chunk);
    data += chunk;
    n -= chunk;
  }
  return uint32_t(crc);
}
}  // namespace

std::string pipeline_cache_path(const VkPhysicalDeviceProperties& props) {
  if (env("CNNLAB_PIPELINE_CACHE") == "0") return "";
  std::string dir = env("CNNLAB_CACHE_DIR");
  if (dir.empty() && !env("XDG_CACHE_HOME").empty()) dir = env("XDG_CACHE_HOME") + "/cnnlab";
  if (dir.empty() && !env("HOME").empty()) dir = env("HOME") + "/.cache/cnnlab";
  if (dir.empty()) return "";
  char uuid[2 * VK_UUID_SIZE + 1];
  for (size_t i = 0; i < VK_UUID_SIZE; ++i)
    std::snprintf(uuid + 2 * i, 3, "%02x", unsigned(props.pipelineCacheUUID[i]));
  char name[160];
  std::snprintf(name, sizeof name, "pipelines-%04x-%04x-%08x-%s.bin", props.vendorID,
                props.deviceID, props.driverVersion, uuid);
  return dir + "/" + name;
}

std::vector<uint8_t> pack_pipeline_cache(const std::vector<uint8_t>& data) {
  std::vector<uint8_t> file(kHeaderBytes + data.size());
  const uint32_t crc = crc_of(data.data(), data.size());
  const uint64_t size = data.size();
  std::memcpy(file.data(), kMagic, 8);
  std::memcpy(file.data() + 8, &kFormatVersion, 4);
  std::memcpy(file.data() + 12, &crc, 4);
  std::memcpy(file.data() + 16, &size, 8);
  if (!data.empty()) std::memcpy(file.data() + kHeaderBytes, data.data(), data.size());
  return file;
}

std::vector<uint8_t> unpack_pipeline_cache(const std::vector<uint8_t>& file,
                                           const VkPhysicalDeviceProperties& props) {
  if (file.size() < kHeaderBytes || std::memcmp(file.data(), kMagic, 8) != 0) return {};
  if (read_u32(file.data() + 8) != kFormatVersion) return {};
  uint64_t size;
  std::memcpy(&size, file.data() + 16, 8);
  if (size > kMaxPayload || size != file.size() - kHeaderBytes) return {};  // truncated or long
  const uint8_t* payload = file.data() + kHeaderBytes;
  if (crc_of(payload, size_t(size)) != read_u32(file.data() + 12)) return {};
  // The driver's header: made by this GPU, this driver build, this cache layout?
  if (size < kDriverHeaderBytes) return {};
  if (read_u32(payload) < kDriverHeaderBytes ||
      read_u32(payload + 4) != uint32_t(VK_PIPELINE_CACHE_HEADER_VERSION_ONE) ||
      read_u32(payload + 8) != props.vendorID || read_u32(payload + 12) != props.deviceID ||
      std::memcmp(payload + 16, props.pipelineCacheUUID, VK_UUID_SIZE) != 0)
    return {};
  return std::vector<uint8_t>(payload, payload + size);
}

std::vector<uint8_t> read_pipeline_cache(const std::string& path,
                                         const VkPhysicalDeviceProperties& props) {
  if (path.empty()) return {};
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return {};  // missing, a FIFO, a folder
  const auto bytes = std::filesystem::file_size(path, ec);
  if (ec || bytes > kMaxPayload + kHeaderBytes) return {};
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> file(static_cast<size_t>(bytes));
  if (!in.read(reinterpret_cast<char*>(file.data()), std::streamsize(file.size()))) return {};
  return unpack_pipeline_cache(file, props);
}

bool write_pipeline_cache(const std::string& path, const std::vector<uint8_t>& data) {
  if (path.empty() || data.empty()) return false;
  std::error_code ec;
  const std::filesystem::path target(path);
  std::filesystem::create_directories(target.parent_path(), ec);
  if (ec) return false;
  // A name no other process uses: pid and a random number.
  std::random_device rd;
  const std::string tmp = (target.parent_path() / ("." + target.filename().string() + ".tmp." +
                                                   std::to_string(::getpid()) + "." +
                                                   std::to_string(rd())))
                              .string();
  const std::vector<uint8_t> file = pack_pipeline_cache(data);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(file.data()), std::streamsize(file.size()));
    out.flush();
    if (!out) {
      std::filesystem::remove(tmp, ec);
      return false;
    }
  }
  std::filesystem::rename(tmp, target, ec);  // atomic on one file system
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return false;
  }
  return true;
}

}  // namespace cnnlab::vk
