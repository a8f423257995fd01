// test_vulkan_pipeline_cache.cpp — the pipeline cache: the file kept on disk between runs
// (vk_disk_cache.hpp) and the in-process lookup of pipelines (vk_pipelines.hpp).
//
// The file format and the choice of folder are pure functions on bytes and strings, tested here
// without a device; the tests that compile pipelines use a Vulkan context of their own, with
// CNNLAB_CACHE_DIR pointing at a fresh folder (never the user's ~/.cache). The end-to-end check
// through the `cnnlab` tool (two runs, then a corrupt file) is tests/cli/pipeline_cache.sh.
#include <catch2/catch.hpp>

#include "backends/vulkan/vk_disk_cache.hpp"
#include "backends/vulkan/vk_pipelines.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

using namespace cnnlab;
using namespace cnnlab::vk;
namespace fs = std::filesystem;

namespace {

/// Sets (or, with nullptr, unsets) an environment variable for one scope.
struct ScopedEnv {
  std::string name, old;
  bool had;
  ScopedEnv(const char* n, const char* value) : name(n) {
    const char* v = std::getenv(n);
    had = v != nullptr;
    if (had) old = v;
    if (value)
      setenv(n, value, 1);
    else
      unsetenv(n);
  }
  ~ScopedEnv() {
    if (had)
      setenv(name.c_str(), old.c_str(), 1);
    else
      unsetenv(name.c_str());
  }
};

/// A fresh, empty folder for one test, removed afterwards.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::temp_directory_path() /
           ("cnnlab-pipeline-cache-" + tag + "-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  size_t entries() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(path), {}));
  }
};

/// Device properties of a made-up GPU: vendor 0x1234, device 0x5678, cache UUID 0, 1, ..., 15.
VkPhysicalDeviceProperties fake_props() {
  VkPhysicalDeviceProperties p{};
  p.vendorID = 0x1234;
  p.deviceID = 0x5678;
  p.driverVersion = 7;
  for (uint8_t i = 0; i < VK_UUID_SIZE; ++i) p.pipelineCacheUUID[i] = i;
  return p;
}

void put_u32(std::vector<uint8_t>& bytes, uint32_t v) {
  const size_t at = bytes.size();
  bytes.resize(at + 4);
  std::memcpy(bytes.data() + at, &v, 4);
}

/// What a driver's vkGetPipelineCacheData returns for @p props: its 32-byte header
/// (VkPipelineCacheHeaderVersionOne) followed by @p extra bytes of "compiled code".
std::vector<uint8_t> driver_bytes(const VkPhysicalDeviceProperties& props, size_t extra) {
  std::vector<uint8_t> bytes;
  bytes.reserve(16 + VK_UUID_SIZE + extra);
  put_u32(bytes, 16 + VK_UUID_SIZE);
  put_u32(bytes, VK_PIPELINE_CACHE_HEADER_VERSION_ONE);
  put_u32(bytes, props.vendorID);
  put_u32(bytes, props.deviceID);
  bytes.insert(bytes.end(), props.pipelineCacheUUID, props.pipelineCacheUUID + VK_UUID_SIZE);
  for (size_t i = 0; i < extra; ++i) bytes.push_back(static_cast<uint8_t>(i * 37 + 11));
  return bytes;
}

std::vector<uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const fs::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

/// unpack_pipeline_cache() of @p file must reject it, with a reason containing @p reason.
void expect_rejected(const std::vector<uint8_t>& file, const VkPhysicalDeviceProperties& props,
                     const std::string& reason) {
  std::string why;
  CHECK(unpack_pipeline_cache(file, props, &why).empty());
  CHECK_THAT(why, Catch::Contains(reason));
  std::cout << "OK rejected: " << why << "\n";
}

}  // namespace

// ---- the file format, without a device -------------------------------------------------------

TEST_CASE("a packed pipeline cache unpacks to the same driver bytes", "[vulkan][pipeline-cache]") {
  const VkPhysicalDeviceProperties props = fake_props();
  for (size_t extra : {size_t(0), size_t(1), size_t(1000)}) {
    const std::vector<uint8_t> data = driver_bytes(props, extra);
    const std::vector<uint8_t> file = pack_pipeline_cache(data);
    CHECK(file.size() == data.size() + 24);  // our header is 24 bytes
    CHECK(std::memcmp(file.data(), "CNNLABPC", 8) == 0);
    std::string why;
    CHECK(unpack_pipeline_cache(file, props, &why) == data);
    CHECK(why.empty());
  }
}

TEST_CASE("a corrupt, truncated, empty or foreign cache file is rejected, saying why",
          "[vulkan][pipeline-cache]") {
  const VkPhysicalDeviceProperties props = fake_props();
  const std::vector<uint8_t> good = pack_pipeline_cache(driver_bytes(props, 100));
  REQUIRE(!unpack_pipeline_cache(good, props).empty());

  expect_rejected({}, props, "empty");
  expect_rejected(std::vector<uint8_t>(good.begin(), good.begin() + 10), props, "shorter");
  std::vector<uint8_t> bad = good;
  bad[0] = 'X';  // the magic
  expect_rejected(bad, props, "bad magic");
  bad = good;
  bad[8] = 99;  // the format version
  expect_rejected(bad, props, "format version 99");
  bad = good;
  bad.back() ^= 0x40;  // one bit of the driver's bytes
  expect_rejected(bad, props, "CRC-32 mismatch");
  bad = good;
  bad.pop_back();  // truncated: the header announces more bytes than the file holds
  expect_rejected(bad, props, "truncated");
  bad = good;
  bad.push_back(0);  // a longer file is as wrong as a shorter one
  expect_rejected(bad, props, "bytes appended");

  // Valid files (right CRC) whose driver header says another GPU or driver made them.
  VkPhysicalDeviceProperties other = props;
  other.vendorID = 0x10de;
  expect_rejected(pack_pipeline_cache(driver_bytes(other, 100)), props, "another device");
  other = props;
  other.deviceID = 0x2335;
  expect_rejected(pack_pipeline_cache(driver_bytes(other, 100)), props, "another device");
  other = props;
  other.pipelineCacheUUID[15] ^= 1;  // the same GPU after a driver update
  expect_rejected(pack_pipeline_cache(driver_bytes(other, 100)), props, "another device");

  // Driver bytes too short for the driver's header, or a header size beyond the data.
  expect_rejected(pack_pipeline_cache({1, 2, 3}), props, "malformed");
  std::vector<uint8_t> data = driver_bytes(props, 0);
  data[0] = 200;  // header size 200 > 32 bytes of data
  expect_rejected(pack_pipeline_cache(data), props, "malformed");
}

TEST_CASE("the cache folder is CNNLAB_CACHE_DIR, else XDG_CACHE_HOME/cnnlab, else ~/.cache",
          "[vulkan][pipeline-cache]") {
  CHECK(pipeline_cache_dir("/c", "/x", "/h") == "/c");
  CHECK(pipeline_cache_dir(nullptr, "/x", "/h") == "/x/cnnlab");
  CHECK(pipeline_cache_dir("", "/x", "/h") == "/x/cnnlab");  // empty = unset
  CHECK(pipeline_cache_dir(nullptr, nullptr, "/h") == "/h/.cache/cnnlab");
  CHECK(pipeline_cache_dir(nullptr, "", "/h") == "/h/.cache/cnnlab");
  // The XDG spec: a relative XDG_CACHE_HOME is invalid and must be ignored.
  CHECK(pipeline_cache_dir(nullptr, "relative/dir", "/h") == "/h/.cache/cnnlab");
  CHECK(pipeline_cache_dir(nullptr, nullptr, nullptr).empty());  // no folder: no disk cache

  // The same through the environment, and CNNLAB_PIPELINE_CACHE=0 turning it off.
  const VkPhysicalDeviceProperties props = fake_props();
  const std::string name = pipeline_cache_file_name(props);
  CHECK(name == "pipelines-1234-5678-00000007-000102030405060708090a0b0c0d0e0f.bin");
  ScopedEnv off("CNNLAB_PIPELINE_CACHE", nullptr), home("HOME", "/h");
  {
    ScopedEnv c("CNNLAB_CACHE_DIR", "/c"), x("XDG_CACHE_HOME", "/x");
    CHECK(pipeline_cache_path(props) == "/c/" + name);
  }
  {
    ScopedEnv c("CNNLAB_CACHE_DIR", nullptr), x("XDG_CACHE_HOME", "/x");
    CHECK(pipeline_cache_path(props) == "/x/cnnlab/" + name);
  }
  {
    ScopedEnv c("CNNLAB_CACHE_DIR", nullptr), x("XDG_CACHE_HOME", nullptr);
    CHECK(pipeline_cache_path(props) == "/h/.cache/cnnlab/" + name);
    ScopedEnv no("CNNLAB_PIPELINE_CACHE", "0");
    CHECK(pipeline_cache_path(props).empty());
  }
}

// ---- the file on disk, without a device --------------------------------------------------------

TEST_CASE("the cache file is written atomically and read back; bad files are ignored",
          "[vulkan][pipeline-cache]") {
  const VkPhysicalDeviceProperties props = fake_props();
  TempDir dir("io");
  const fs::path path = dir.path / "sub" / "cache.bin";  // the folder is created on write
  const std::vector<uint8_t> data = driver_bytes(props, 5000);
  std::string why;
  CHECK(read_pipeline_cache(path.string(), props, &why).empty());
  CHECK_THAT(why, Catch::Contains("no file yet"));
  REQUIRE(write_pipeline_cache(path.string(), data, &why));
  CHECK(read_pipeline_cache(path.string(), props) == data);
  CHECK(dir.entries() == 1);
  CHECK(std::distance(fs::directory_iterator(dir.path / "sub"), {}) == 1);  // no temporary left

  // A temporary file a killed process left two hours ago is removed by the next write; one
  // another process is writing right now stays.
  const fs::path stale = dir.path / "sub" / ".cache.bin.tmp.1.0.0";
  const fs::path live = dir.path / "sub" / ".cache.bin.tmp.2.0.0";
  write_bytes(stale, {1});
  write_bytes(live, {2});
  fs::last_write_time(stale, fs::file_time_type::clock::now() - std::chrono::hours(2));
  REQUIRE(write_pipeline_cache(path.string(), data));
  CHECK_FALSE(fs::exists(stale));
  CHECK(fs::exists(live));
  fs::remove(live);

  // A corrupt file on disk is ignored (and a new write replaces it).
  std::vector<uint8_t> file = read_bytes(path);
  file[file.size() / 2] ^= 0xff;
  write_bytes(path, file);
  CHECK(read_pipeline_cache(path.string(), props, &why).empty());
  CHECK_THAT(why, Catch::Contains("CRC-32"));
  write_bytes(path, {});
  CHECK(read_pipeline_cache(path.string(), props, &why).empty());
  CHECK_THAT(why, Catch::Contains("empty"));
  REQUIRE(write_pipeline_cache(path.string(), data));
  CHECK(read_pipeline_cache(path.string(), props) == data);

  // Not a regular file: a folder, and a FIFO (opening one to read must not wait for a writer).
  CHECK(read_pipeline_cache(dir.path.string(), props, &why).empty());
  const fs::path fifo = dir.path / "fifo.bin";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(read_pipeline_cache(fifo.string(), props, &why).empty());
  CHECK_THAT(why, Catch::Contains("not a regular file"));

  // An unreadable file (root reads everything, so only checked as another user).
  if (::geteuid() != 0) {
    fs::permissions(path, fs::perms::none);
    CHECK(read_pipeline_cache(path.string(), props, &why).empty());
    std::cout << "OK unreadable file ignored: " << why << "\n";
    fs::permissions(path, fs::perms::owner_all);
  }
}

TEST_CASE("saving the cache never fails the program: a folder that cannot exist, too much data",
          "[vulkan][pipeline-cache]") {
  const VkPhysicalDeviceProperties props = fake_props();
  TempDir dir("unwritable");
  const fs::path file = dir.path / "a-file";
  write_bytes(file, {1, 2, 3});
  std::string why;
  // The "folder" is a regular file: it cannot be created, and nothing throws.
  CHECK_FALSE(write_pipeline_cache((file / "cache.bin").string(), driver_bytes(props, 10), &why));
  CHECK_THAT(why, Catch::Contains("cannot create the folder"));
  CHECK_FALSE(write_pipeline_cache("", driver_bytes(props, 10), &why));  // cache off
  // More than kMaxPipelineCacheBytes is not saved (a cache that big would cost more to load
  // than it saves, or it is garbage).
  const std::vector<uint8_t> huge(static_cast<size_t>(kMaxPipelineCacheBytes) + 1, 7);
  CHECK_FALSE(write_pipeline_cache((dir.path / "huge.bin").string(), huge, &why));
  CHECK_THAT(why, Catch::Contains("MiB"));
  CHECK_FALSE(fs::exists(dir.path / "huge.bin"));
  CHECK(dir.entries() == 1);  // nothing but a-file: no temporary left behind
}

TEST_CASE("concurrent writers never show a reader half a file", "[vulkan][pipeline-cache]") {
  // Four threads save different caches to one path while a fifth keeps reading it: every read
  // is either "no file yet" or one whole cache of one writer (threads share a file system the
  // way processes do; each writer uses its own temporary file and renames it).
  const VkPhysicalDeviceProperties props = fake_props();
  TempDir dir("concurrent");
  const std::string path = (dir.path / "cache.bin").string();
  std::vector<std::vector<uint8_t>> datas;
  for (size_t w = 0; w < 4; ++w) datas.push_back(driver_bytes(props, 20000 + 1000 * w));
  std::atomic<bool> done{false};
  std::atomic<int> failed_writes{0}, bad_reads{0}, good_reads{0};
  std::vector<std::thread> writers;
  for (size_t w = 0; w < datas.size(); ++w)
    writers.emplace_back([&, w] {
      for (int i = 0; i < 50; ++i)
        if (!write_pipeline_cache(path, datas[w])) ++failed_writes;
    });
  std::thread reader([&] {
    while (!done) {
      std::string why;
      const std::vector<uint8_t> got = read_pipeline_cache(path, props, &why);
      if (got.empty() && why.find("no file yet") == std::string::npos)
        ++bad_reads;
      else if (!got.empty())
        ++good_reads;
      if (!got.empty() && got != datas[0] && got != datas[1] && got != datas[2] && got != datas[3])
        ++bad_reads;
    }
  });
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  std::cout << "OK concurrent: " << good_reads << " whole reads, " << bad_reads << " bad, "
            << failed_writes << " failed writes\n";
  CHECK(failed_writes == 0);
  CHECK(bad_reads == 0);
  CHECK(dir.entries() == 1);  // every temporary file was renamed away
}

// ---- with a device: pipelines and the disk cache together -------------------------------------

TEST_CASE("both get() overloads return the same pipeline, found by pointer or by name",
          "[vulkan][pipeline-cache]") {
  TempDir dir("overloads");
  ScopedEnv cache_dir("CNNLAB_CACHE_DIR", dir.path.c_str());
  Context ctx;
  PipelineCache cache(ctx);
  const uint32_t wg64[] = {64};
  const Pipeline& a = cache.get("splitk_reduce", 3, wg64, 1);
  CHECK(a.pipeline != VK_NULL_HANDLE);
  CHECK(a.name == "splitk_reduce");
  CHECK(&cache.get("splitk_reduce", 3, std::vector<uint32_t>{64}) == &a);  // the vector overload
  CHECK(&cache.get("splitk_reduce", 3, wg64, 1) == &a);                    // the fast path
  // Another pointer to the same text (a copy in a buffer) finds the same pipeline.
  char name[32];
  std::strcpy(name, "splitk_reduce");
  CHECK(&cache.get(name, 3, wg64, 1) == &a);
  // Other constants are another pipeline.
  const uint32_t wg128[] = {128};
  const Pipeline& b = cache.get("splitk_reduce", 3, wg128, 1);
  CHECK(&b != &a);
  CHECK(cache.size() == 2);
  // The text behind a known pointer changes: the lookup notices and finds the right shader.
  std::strcpy(name, "row_finish");
  const uint32_t row_finish[] = {64, 0};
  const Pipeline& c = cache.get(name, 2, row_finish, 2);
  CHECK(c.name == "row_finish");
  CHECK(&cache.get("row_finish", 2, std::vector<uint32_t>{64, 0}) == &c);
  CHECK(cache.size() == 3);
  // More constants than the fast key holds still work (through the lookup by name).
  std::vector<uint32_t> many(PipelineCache::kFastConstants + 1, 0);
  many[0] = 64;
  const Pipeline& d = cache.get("splitk_reduce", 3, many);
  CHECK(&cache.get("splitk_reduce", 3, many) == &d);
  CHECK(cache.size() == 4);

  // What a hit costs on the host (printed, not checked: timings vary from machine to machine).
  const uint32_t gemm[] = {64, 64, 16, 4, 4, 1, 1, 256};  // as many constants as the GEMM's
  const Pipeline& g = cache.get("splitk_reduce", 3, gemm, 8);
  const int n = 200000;
  int wrong = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) wrong += &cache.get("splitk_reduce", 3, gemm, 8) != &g;
  const double fast =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / n;
  const std::vector<uint32_t> gemm_vector(gemm, gemm + 8);
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) wrong += &cache.get("splitk_reduce", 3, gemm_vector) != &g;
  const double vec =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / n;
  std::cout << "OK get() hit with 8 constants: " << fast << " ns (pointer + array), " << vec
            << " ns (vector overload, vector made beforehand)\n";
  CHECK(wrong == 0);
}

TEST_CASE("a second cache starts from the first one's file; a corrupt file is rewritten",
          "[vulkan][pipeline-cache]") {
  TempDir dir("device");
  ScopedEnv cache_dir("CNNLAB_CACHE_DIR", dir.path.c_str()), on("CNNLAB_PIPELINE_CACHE", nullptr);
  Context ctx;
  const uint32_t wg64[] = {64};
  std::string path;
  {
    PipelineCache first(ctx);
    path = first.disk_path();
    REQUIRE(path.find(dir.path.string()) == 0);
    CHECK_FALSE(first.loaded_from_disk());
    CHECK_FALSE(first.save());  // nothing compiled yet: nothing to save
    first.get("splitk_reduce", 3, wg64, 1);
    CHECK(first.save());
    CHECK_FALSE(first.save());  // nothing compiled since
  }
  const std::vector<uint8_t> saved = read_pipeline_cache(path, ctx.props);
  REQUIRE(!saved.empty());
  std::cout << "OK " << ctx.info.name << ": the cache file holds " << saved.size()
            << " driver bytes for 1 pipeline\n";
  {
    PipelineCache second(ctx);
    CHECK(second.loaded_from_disk());
    second.get("splitk_reduce", 3, wg64, 1);
    // The same pipeline again: the driver's bytes are those loaded, so the file is not
    // rewritten. (Checked on lavapipe; a GPU driver may serialise its cache differently each
    // time, and then rewriting it is harmless.)
    const bool rewrote = second.save();
    if (ctx.loop_limited) CHECK_FALSE(rewrote);
  }
  // A corrupt file: ignored, the cache starts empty and works, and saving writes a valid file.
  std::vector<uint8_t> file = read_bytes(path);
  file.back() ^= 0x01;
  write_bytes(path, file);
  {
    PipelineCache third(ctx);
    CHECK_FALSE(third.loaded_from_disk());
    CHECK(third.get("splitk_reduce", 3, wg64, 1).pipeline != VK_NULL_HANDLE);
    CHECK(third.save());
  }
  CHECK(!read_pipeline_cache(path, ctx.props).empty());
  // CNNLAB_PIPELINE_CACHE=0: no file is read or written.
  ScopedEnv off("CNNLAB_PIPELINE_CACHE", "0");
  PipelineCache fourth(ctx);
  CHECK(fourth.disk_path().empty());
  CHECK_FALSE(fourth.loaded_from_disk());
  fourth.get("splitk_reduce", 3, wg64, 1);
  CHECK_FALSE(fourth.save());
}
