// vk_disk_cache.cpp — where the pipeline cache file lives, its checks, its atomic write.
#include "backends/vulkan/vk_disk_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

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

uint32_t crc_of(const uint8_t* data, size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (n > 0) {  // zlib takes uInt lengths
    const uInt chunk = uInt(std::min<size_t>(n, size_t(1) << 30));
    crc = crc32(crc, data, chunk);
    data += chunk;
    n -= chunk;
  }
  return uint32_t(crc);
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

std::string errno_text() { return std::strerror(errno); }

/// A file name suffix no other process or thread uses: pid, a per-process counter and a random
/// number (two machines sharing a home folder over NFS can have the same pid).
std::string unique_suffix() {
  static std::atomic<uint64_t> counter{0};
  uint64_t noise = uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
  try {
    std::random_device rd;
    noise ^= (uint64_t(rd()) << 32) | rd();
  } catch (...) {  // no entropy source: the clock alone, with pid and counter, still differs
  }
  char text[64];
  std::snprintf(text, sizeof text, ".tmp.%ld.%llu.%016llx", long(::getpid()),
                static_cast<unsigned long long>(counter.fetch_add(1)),
                static_cast<unsigned long long>(noise));
  return text;
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
  return crc_of(data.data(), data.size());
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
  if (crc_of(payload, size_t(size)) != read_u32(file.data() + 12))
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
    // O_NONBLOCK: a FIFO planted at the path must not hang the process; fstat on the open file
    // (not the path) decides, so a rename between the check and the read changes nothing. A
    // file renamed over this one while we read does not change what this descriptor reads.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) return reject(why, "no file yet (this run will write it)");
    if (fd < 0) return reject(why, errno_text());
    struct Closer {
      int fd;
      ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) return reject(why, errno_text());
    if (!S_ISREG(st.st_mode)) return reject(why, "not a regular file");
    if (uint64_t(st.st_size) > kMaxPipelineCacheBytes + kHeaderBytes)
      return reject(why, "larger than the " + std::to_string(kMaxPipelineCacheBytes >> 20) +
                             " MiB a cache file may have");
    std::vector<uint8_t> file(size_t(st.st_size));
    size_t got = 0;
    while (got < file.size()) {
      const ssize_t n = ::read(fd, file.data() + got, file.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return reject(why, errno_text());
      if (n == 0) break;  // shorter than fstat said: unpack rejects it
      got += size_t(n);
    }
    file.resize(got);
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
    // The temporary file sits next to the target (rename is only atomic within one file
    // system), is hidden, and is created exclusively: never another process's file.
    std::string tmp = target.parent_path().string();
    if (!tmp.empty()) tmp += '/';
    tmp += '.';
    tmp += target.filename().string();
    tmp += unique_suffix();
    const std::vector<uint8_t> file = pack_pipeline_cache(data);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      const std::string err = errno_text();
      return fail(why, "cannot create " + tmp + ": " + err);
    }
    size_t put = 0;
    bool ok = true;
    std::string problem;
    while (put < file.size()) {
      const ssize_t n = ::write(fd, file.data() + put, file.size() - put);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const std::string err = n < 0 ? errno_text() : "no space written";
        ok = false;
        problem = "cannot write " + tmp + ": " + err;
        break;
      }
      put += size_t(n);
    }
    // No fsync: other processes see the whole file once it is renamed; after a power cut the
    // file may be empty or short, which reading rejects.
    if (::close(fd) != 0 && ok) {
      const std::string err = errno_text();
      ok = false;
      problem = "cannot write " + tmp + ": " + err;
    }
    if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
      const std::string err = errno_text();
      ok = false;
      problem = "cannot rename " + tmp + " to " + path + ": " + err;
    }
    if (!ok) {
      ::unlink(tmp.c_str());
      return fail(why, problem);
    }
    remove_stale_temporaries(target);
    return true;
  } catch (const std::exception& e) {  // out of memory, a path the library rejects
    return fail(why, e.what());
  }
}

}  // namespace cnnlab::vk
