// test_checkpoint.cpp — save_safetensors / load_safetensors / parse_safetensors: round trips,
// a byte-exact hand check of the layout, one check per rule a bad file can break, and the
// crash-safety test (a saving process killed with SIGKILL never leaves a corrupt checkpoint).
//
// Bad files are built byte by byte (8-byte length, JSON text, data), so each test says exactly
// which bytes are read. The CRC-32 the tests expect is computed here bit by bit from its
// definition (reflected polynomial 0xEDB88320), independently of zlib.
#include <catch2/catch.hpp>

#include <cnnlab/core/error.hpp>
#include <cnnlab/io/safetensors.hpp>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>
#include "temp_dir.hpp"

#include <fcntl.h>     // open
#include <signal.h>    // kill, SIGKILL
#include <sys/stat.h>  // mkfifo
#include <sys/wait.h>  // waitpid
#include <unistd.h>    // fork, _exit, close

using namespace cnnlab;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

using cnnlab::testing::error_loading_fifo;
using cnnlab::testing::read_bytes;
using cnnlab::testing::TempDir;

std::vector<uint8_t> as_vector(const std::string& bytes) { return {bytes.begin(), bytes.end()}; }

// CRC-32 (zlib, PNG, gzip) from its definition, one bit at a time.
uint32_t crc32_by_hand(const std::string& bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (const char c : bytes) {
    crc ^= static_cast<unsigned char>(c);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::string hex8(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

// Little-endian float32 bytes of @p values.
std::string le_floats(const std::vector<float>& values) {
  std::string out;
  for (const float v : values) {
    const auto bits = std::bit_cast<uint32_t>(v);
    for (int i = 0; i < 4; ++i) out += static_cast<char>((bits >> (8 * i)) & 0xFF);
  }
  return out;
}

// A safetensors file: 8-byte little-endian length of @p header, the header, the data.
std::string st_bytes(const std::string& header, const std::string& data) {
  std::string out;
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xFF);
  return out + header + data;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::bit_cast<uint32_t>(a[i]) != std::bit_cast<uint32_t>(b[i])) return false;
  return true;
}

}  // namespace

TEST_CASE("checkpoint: save then load returns the same tensors, order and metadata",
          "[checkpoint]") {
  TempDir dir("ckpt");
  std::mt19937 rng(7);
  std::normal_distribution<float> value(0.0f, 3.0f);
  SafetensorsFile f;
  // Names out of alphabetical order: the file keeps the order they were given in.
  const std::vector<std::pair<std::string, Shape>> layout = {{"conv1.weight", {6, 1, 5, 5}},
                                                             {"conv1.bias", {6}},
                                                             {"fc.weight", {10, 84}},
                                                             {"a.scalar", {}},
                                                             {"empty", {0, 3}},
                                                             {"fc.bias", {10}}};
  for (const auto& [name, shape] : layout) {
    NamedArray a{name, shape, std::vector<float>(static_cast<size_t>(numel(shape)))};
    for (auto& v : a.values) v = value(rng);
    f.tensors.push_back(std::move(a));
  }
  f.tensors[0].values[0] = std::numeric_limits<float>::quiet_NaN();
  f.tensors[0].values[1] = -0.0f;
  f.tensors[0].values[2] = std::numeric_limits<float>::infinity();
  f.tensors[0].values[3] = std::numeric_limits<float>::denorm_min();
  f.metadata = {{"epoch", "12"}, {"optimizer", "sgd"}, {"note", "ünïcode ✓"}, {"crc32", "x"}};

  const std::string path = dir.file("model.safetensors");
  save_safetensors(path, f);
  CHECK(dir.entries() == std::vector<std::string>{"model.safetensors"});  // no temp file left
  const SafetensorsFile back = load_safetensors(path);
  REQUIRE(back.tensors.size() == f.tensors.size());
  for (size_t i = 0; i < f.tensors.size(); ++i) {
    CHECK(back.tensors[i].name == f.tensors[i].name);
    CHECK(back.tensors[i].shape == f.tensors[i].shape);
    CHECK(same_bits(back.tensors[i].values, f.tensors[i].values));
  }
  CHECK(back.metadata.at("epoch") == "12");
  CHECK(back.metadata.at("optimizer") == "sgd");
  CHECK(back.metadata.at("note") == "ünïcode ✓");
  CHECK(back.metadata.at("format") == "cnnlab-checkpoint-1");
  CHECK(back.metadata.at("crc32").size() == 8);  // the caller's "x" was replaced
  CHECK(back.metadata.size() == 5);

  // The same bytes through the in-memory parser give the same result.
  const SafetensorsFile parsed = parse_safetensors(as_vector(read_bytes(path)), "memory");
  REQUIRE(parsed.tensors.size() == back.tensors.size());
  CHECK(parsed.metadata == back.metadata);
  CHECK(same_bits(parsed.tensors[2].values, back.tensors[2].values));

  // Saving again replaces the file; an empty checkpoint is valid too.
  save_safetensors(path, SafetensorsFile{});
  CHECK(load_safetensors(path).tensors.empty());
  CHECK(dir.entries() == std::vector<std::string>{"model.safetensors"});
}

TEST_CASE("checkpoint: the byte layout of a tiny file, checked by hand", "[checkpoint]") {
  TempDir dir("ckpt");
  const std::string path = dir.file("tiny.safetensors");
  save_safetensors(path, {{{"w", {2}, {1.0f, -2.0f}}, {"b", {1}, {0.5f}}}, {{"epoch", "3"}}});
  const std::string bytes = read_bytes(path);

  // Data section: 1.0f = 0x3f800000, -2.0f = 0xc0000000, 0.5f = 0x3f000000, little-endian.
  const std::string data("\x00\x00\x80\x3f\x00\x00\x00\xc0\x00\x00\x00\x3f", 12);
  const std::string json = "{\"__metadata__\":{\"crc32\":\"" + hex8(crc32_by_hand(data)) +
                           "\",\"epoch\":\"3\",\"format\":\"cnnlab-checkpoint-1\"},"
                           "\"b\":{\"data_offsets\":[8,12],\"dtype\":\"F32\",\"shape\":[1]},"
                           "\"w\":{\"data_offsets\":[0,8],\"dtype\":\"F32\",\"shape\":[2]}}";
  const size_t padded = (json.size() + 7) / 8 * 8;  // 8 + N is a multiple of 8
  REQUIRE(bytes.size() == 8 + padded + 12);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = n << 8 | static_cast<unsigned char>(bytes[static_cast<size_t>(i)]);
  CHECK(n == padded);
  CHECK(bytes.substr(8, json.size()) == json);
  CHECK(bytes.substr(8 + json.size(), padded - json.size()) ==
        std::string(padded - json.size(), ' '));
  CHECK(bytes.substr(8 + padded) == data);
}

TEST_CASE("checkpoint: hand-made files from other writers load", "[checkpoint]") {
  TempDir dir("ckpt");
  // No metadata (so no CRC to check), keys in another order, no padding, spaces in the JSON.
  const std::string header =
      "{ \"b\": {\"shape\": [1, 2], \"dtype\": \"F32\", \"data_offsets\": [4, 12]},"
      " \"a\": {\"data_offsets\": [0, 4], \"shape\": [], \"dtype\": \"F32\"} }";
  const std::string path = dir.write("h.safetensors", st_bytes(header, le_floats({7, 8, 9})));
  const SafetensorsFile f = load_safetensors(path);
  REQUIRE(f.tensors.size() == 2);
  CHECK(f.tensors[0].name == "a");  // file order: by data offset
  CHECK(f.tensors[0].shape == Shape{});
  CHECK(f.tensors[0].values == std::vector<float>{7});
  CHECK(f.tensors[1].name == "b");
  CHECK(f.tensors[1].values == std::vector<float>{8, 9});
  CHECK(f.metadata.empty());

  // With a correct CRC written by someone else (upper-case hex is accepted).
  std::string crc = hex8(crc32_by_hand(le_floats({1.5f})));
  std::transform(crc.begin(), crc.end(), crc.begin(), [](char c) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  });
  const std::string h2 = "{\"__metadata__\":{\"crc32\":\"" + crc +
                         "\"},\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
  CHECK(parse_safetensors(as_vector(st_bytes(h2, le_floats({1.5f}))), "m").tensors.size() == 1);
}

TEST_CASE("checkpoint: every bad file is rejected with a message naming the file and the rule",
          "[checkpoint][bad-input]") {
  TempDir dir("ckpt");
  // Each bad file is checked twice: from disk and from memory, with the same message.
  const auto rejects = [&](const std::string& name, const std::string& bytes,
                           const std::string& problem) {
    const std::string path = dir.write(name, bytes);
    INFO("file " << name);
    REQUIRE_THROWS_WITH(load_safetensors(path),
                        Contains("checkpoint " + path) && Contains(problem));
    REQUIRE_THROWS_WITH(parse_safetensors(as_vector(bytes), "in-memory " + name),
                        Contains("checkpoint in-memory " + name) && Contains(problem));
  };
  const auto entry = [](const std::string& name, const std::string& shape, uint64_t begin,
                        uint64_t end) {
    return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[" +
           std::to_string(begin) + "," + std::to_string(end) + "]}";
  };
  const std::string d8 = le_floats({1, 2});

  rejects("empty", "", "too short for the 8-byte header length (the file has 0 bytes)");
  rejects("short", "abc", "too short for the 8-byte header length (the file has 3 bytes)");
  {
    std::string b = st_bytes("{}", "");
    b[0] = '\xe8';  // header length 1000 + ... in a 10-byte file
    b[1] = '\x03';
    rejects("beyond", b, "the header length 1000 is beyond the end of the file (10 bytes");
    b[7] = '\x7f';  // a length near 2^63: rejected before anything is allocated
    rejects("huge-len", b, "is beyond the end of the file");
  }
  rejects("notjson", st_bytes("{\"a\": [1, 2", ""), "the header is not valid JSON");
  rejects("garbage", st_bytes("\x89PNG....", ""), "the header is not valid JSON");
  rejects("array", st_bytes("[1, 2]", ""), "the header is not a JSON object (it is array)");
  rejects("number", st_bytes("42      ", ""), "the header is not a JSON object (it is number)");
  rejects("no-dtype", st_bytes("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", d8),
          "bad header: tensor 'a' has no \"dtype\"");
  rejects("no-shape", st_bytes("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", d8),
          "bad header: tensor 'a' has no \"shape\"");
  rejects("no-offsets", st_bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", d8),
          "bad header: tensor 'a' has no \"data_offsets\"");
  rejects("extra-key",
          st_bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", d8),
          "tensor 'a' has an unexpected key \"x\"");
  rejects("not-object", st_bytes("{\"a\":[1]}", ""), "bad header: tensor 'a' is not an object");
  rejects("f16", st_bytes("{\"a\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]}}", d8),
          "tensor 'a' has dtype F16, which is not supported (only F32 is)");
  rejects("dtype-num", st_bytes("{\"a\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", d8),
          "\"dtype\" is not a string");
  rejects("neg-shape", st_bytes("{" + entry("a", "[-2]", 0, 8) + "}", d8),
          "\"shape\" must hold non-negative integers, not -2");
  rejects("float-shape", st_bytes("{" + entry("a", "[2.0]", 0, 8) + "}", d8),
          "\"shape\" must hold non-negative integers");
  rejects("offsets-3",
          st_bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}", d8),
          "\"data_offsets\" must be [begin, end]");
  rejects("backwards", st_bytes("{" + entry("a", "[2]", 8, 0) + "}", d8),
          "data_offsets [8, 0] end before they begin");
  rejects("size", st_bytes("{" + entry("a", "[3]", 0, 8) + "}", d8),
          "tensor 'a' has shape [3], which needs 12 bytes of F32 data, but its data_offsets "
          "[0, 8] span 8 bytes");
  rejects("huge-shape",
          st_bytes("{" + entry("a", "[1099511627776, 1099511627776]", 0, 8) + "}", d8),
          "which needs more than 2^64 bytes");
  rejects("out-of-range", st_bytes("{" + entry("a", "[4]", 0, 16) + "}", d8),
          "tensor 'a' has data_offsets [0, 16] beyond the end of the data section (8 bytes)");
  rejects("huge-offsets",
          st_bytes("{" + entry("a", "[1]", 4611686018427387900, 4611686018427387904) + "}", d8),
          "beyond the end of the data section");
  rejects("overlap",
          st_bytes("{" + entry("a", "[2]", 0, 8) + "," + entry("b", "[2]", 4, 12) + "}",
                   le_floats({1, 2, 3})),
          "tensor 'b' has data_offsets [4, 12] that overlap tensor 'a' [0, 8]");
  rejects("same", st_bytes("{" + entry("a", "[2]", 0, 8) + "," + entry("b", "[2]", 0, 8) + "}", d8),
          "that overlap tensor 'a' [0, 8]");
  rejects("gap",
          st_bytes("{" + entry("a", "[1]", 0, 4) + "," + entry("b", "[1]", 8, 12) + "}",
                   le_floats({1, 2, 3})),
          "leaving bytes [4, 8] of the data section unused");
  rejects("trailing", st_bytes("{" + entry("a", "[2]", 0, 8) + "}", le_floats({1, 2, 3})),
          "the data section has 12 bytes but the tensors take 8 (4 trailing bytes after the "
          "last tensor)");
  rejects("dup", st_bytes("{" + entry("a", "[2]", 0, 8) + "," + entry("a", "[2]", 0, 8) + "}", d8),
          "the header names 'a' twice");
  rejects("meta-array", st_bytes("{\"__metadata__\":[]}", ""), "\"__metadata__\" is not an object");
  rejects("meta-num", st_bytes("{\"__metadata__\":{\"epoch\":3}}", ""),
          "metadata \"epoch\" is not a string (it is number)");
  rejects("bad-crc", st_bytes("{\"__metadata__\":{\"crc32\":\"12345\"}}", ""),
          "metadata \"crc32\" is \"12345\", expected 8 hex digits");
  // A million nested arrays: rejected, not a stack overflow in the parser or the destructor.
  rejects("deep", st_bytes(std::string(1'000'000, '[') + std::string(1'000'000, ']'), ""),
          "the header is not a JSON object (it is array)");
  rejects("not-utf8", st_bytes("{\"\xff\":1}", ""), "the header is not valid JSON");
}

TEST_CASE("checkpoint: a missing file, a directory or a FIFO is refused without blocking",
          "[checkpoint][bad-input]") {
  TempDir dir("ckpt");
  const std::string missing = dir.file("missing.safetensors");
  REQUIRE_THROWS_WITH(
      load_safetensors(missing),
      Contains("checkpoint " + missing + ": cannot open file") && Contains("No such file"));
  const std::string sub = dir.file("sub.safetensors");
  fs::create_directory(sub);
  REQUIRE_THROWS_WITH(load_safetensors(sub),
                      Contains("checkpoint " + sub + ": not a regular file (a directory)"));

  // A FIFO nobody writes to: loading runs in another thread, so a regression fails here instead
  // of hanging (opening and closing the write end then gives the stuck reader end-of-file).
  const std::string fifo = dir.file("pipe.safetensors");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::string message = error_loading_fifo<Error>(fifo, [&]() { load_safetensors(fifo); });
  CHECK_THAT(message, Contains("checkpoint " + fifo + ": not a regular file (a FIFO)"));
}

TEST_CASE("checkpoint: truncated or corrupted files throw Error, a flipped data byte fails the CRC",
          "[checkpoint][bad-input]") {
  TempDir dir("ckpt");
  const std::string path = dir.file("c.safetensors");
  save_safetensors(path, {{{"w", {2, 3}, {1, 2, 3, 4, 5, 6}}, {"b", {2}, {-1, 1}}}, {}});
  const std::string good = read_bytes(path);

  // Every prefix of the file: an Error (never a crash, never another exception type).
  for (size_t n = 0; n < good.size(); ++n) {
    INFO("truncated to " << n << " of " << good.size() << " bytes");
    const std::string cut = dir.write("cut.safetensors", good.substr(0, n));
    CHECK_THROWS_AS(load_safetensors(cut), Error);
  }
  const std::string cut = dir.write("cut.safetensors", good.substr(0, good.size() - 4));
  CHECK_THROWS_WITH(load_safetensors(cut),
                    Contains("beyond the end of the data section (28 bytes)"));

  // A flipped bit in the data: the structure is fine, the CRC is not.
  const size_t data_start = good.size() - 32;
  for (const size_t i : {data_start, data_start + 13, good.size() - 1}) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    const std::string p = dir.write("flip.safetensors", bad);
    REQUIRE_THROWS_WITH(load_safetensors(p),
                        Contains("checkpoint " + p + " is corrupt: CRC-32 of the data is ") &&
                            Contains(" but the header says "));
  }

  // Random bytes changed anywhere: loads (a change inside padding or a metadata string) or
  // throws Error.
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> byte(0, 255);
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(byte(rng));
    try {
      parse_safetensors(as_vector(bad), "random");
    } catch (const Error&) {
    }
  }
}

TEST_CASE("checkpoint: bad arrays are refused before anything is written",
          "[checkpoint][bad-input]") {
  TempDir dir("ckpt");
  const std::string path = dir.file("m.safetensors");
  save_safetensors(path, {{{"w", {1}, {42}}}, {}});
  const std::string before = read_bytes(path);
  const auto refuses = [&](const SafetensorsFile& f, const std::string& problem) {
    REQUIRE_THROWS_WITH(save_safetensors(path, f),
                        Contains("save_safetensors: " + path + ": " + problem));
    CHECK(read_bytes(path) == before);  // the old checkpoint is untouched
    CHECK(dir.entries() == std::vector<std::string>{"m.safetensors"});
  };
  refuses({{{"w", {2, 2}, {1, 2, 3}}}, {}},
          "tensor 'w' has shape [2, 2] (4 values) but holds 3 values");
  refuses({{{"w", {1}, {1}}, {"w", {1}, {2}}}, {}}, "two tensors are named 'w'");
  refuses({{{"", {1}, {1}}}, {}}, "a tensor has an empty name");
  refuses({{{"__metadata__", {1}, {1}}}, {}}, "\"__metadata__\" cannot be a tensor name");
  refuses({{{"w", {-1}, {}}}, {}}, "tensor 'w' has a negative dimension in [-1]");
  refuses({{}, {{"note", "\xff\xfe"}}}, "cannot write the header");

  // Into a directory that does not exist: an error, nothing created.
  const std::string nowhere = dir.file("no-such-dir/m.safetensors");
  REQUIRE_THROWS_WITH(save_safetensors(nowhere, {}),
                      Contains("save_safetensors: " + nowhere + ": cannot create temporary file"));
}

TEST_CASE("checkpoint: require_tensor names the tensor and both shapes", "[checkpoint]") {
  const SafetensorsFile f{{{"conv1.weight", {6, 1, 5, 5}, std::vector<float>(150)},
                           {"fc3.weight", {10, 84}, std::vector<float>(840, 1.0f)}},
                          {}};
  CHECK(require_tensor(f, "fc3.weight", {10, 84}, "run/ckpt.safetensors").values[0] == 1.0f);
  REQUIRE_THROWS_WITH(require_tensor(f, "conv1.weight", {6, 1, 3, 3}, "run/ckpt.safetensors"),
                      "checkpoint run/ckpt.safetensors: tensor 'conv1.weight' has shape "
                      "[6, 1, 5, 5] but the model expects [6, 1, 3, 3]");
  REQUIRE_THROWS_WITH(require_tensor(f, "fc3.bias", {10}, "run/ckpt.safetensors"),
                      "checkpoint run/ckpt.safetensors has no tensor 'fc3.bias'");
}

// The crash-safety test. A child process saves a 64 MB checkpoint over the same path again and
// again, writing one byte to a pipe after each completed save; the parent kills it with
// SIGKILL at a random moment, then loads what is at the path. It must be absent (only possible
// before the first save ever completed) or a complete checkpoint from one of the saves: right
// CRC, and every value what that save wrote. Round 0 kills the child at a random moment of its
// first save, when there is no checkpoint yet; rounds 1-4 first wait until the child has
// completed a save (so a checkpoint exists) and then kill it at a random moment of the next
// ones (a random delay up to twice the time one save took), while it replaces the file.
// Killed saves may leave their temporary files; those must be hidden `.<name>.tmp.*` files
// next to the checkpoint.
TEST_CASE("checkpoint: a save killed with SIGKILL never leaves a corrupt checkpoint",
          "[checkpoint][crash]") {
  TempDir dir("ckpt");
  const std::string name = "model.safetensors";
  const std::string path = dir.file(name);
  constexpr int64_t kRows = 4096, kCols = 4096;  // 16 Mi floats = 64 MiB of data
  constexpr uint32_t kStepsPerRound = 1'000'000;
  // What save number `step` writes at index i: exact in float32, different for every step.
  const auto value = [](uint32_t step, size_t i) {
    return static_cast<float>((i * 7 + step) % 1000003u);
  };
  using Clock = std::chrono::steady_clock;
  const auto ms_since = [](Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
  };

  std::random_device rd;
  std::mt19937 rng(rd());
  int64_t save_ms = 300;  // replaced by the measured time of one save after round 1
  bool saved_before = false;
  int found = 0, absent = 0, temp_files = 0, saves_total = 0;
  for (uint32_t round = 0; round < 5; ++round) {
    int progress[2];
    REQUIRE(::pipe(progress) == 0);
    const Clock::time_point start = Clock::now();
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {  // the child: save forever, until killed
      ::close(progress[0]);
      try {
        SafetensorsFile f;
        f.tensors = {{"weights", {kRows, kCols}, std::vector<float>(kRows * kCols)},
                     {"step", {1}, {0.0f}}};
        for (uint32_t step = round * kStepsPerRound;; ++step) {
          for (size_t i = 0; i < f.tensors[0].values.size(); ++i)
            f.tensors[0].values[i] = value(step, i);
          f.tensors[1].values[0] = static_cast<float>(step);
          f.metadata["step"] = std::to_string(step);
          save_safetensors(path, f);
          if (::write(progress[1], "s", 1) != 1) break;
        }
      } catch (...) {
      }
      ::_exit(3);  // only reached if saving failed
    }
    ::close(progress[1]);

    int64_t delay = 0;
    if (round == 0) {
      delay = std::uniform_int_distribution<int64_t>(0, 150)(rng);
    } else {  // wait for one completed save (at most 60 s), then kill during a later one
      char c = 0;
      REQUIRE(::read(progress[0], &c, 1) == 1);
      if (round == 1) save_ms = std::max<int64_t>(ms_since(start), 20);
      delay = std::uniform_int_distribution<int64_t>(0, 2 * save_ms)(rng);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    ::kill(child, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    char buf[256];
    ssize_t got = 0;
    int saves = 0;
    while ((got = ::read(progress[0], buf, sizeof buf)) > 0) saves += static_cast<int>(got);
    ::close(progress[0]);
    saves += round == 0 ? 0 : 1;  // the byte read above
    saves_total += saves;
    INFO("round " << round << ": killed " << ms_since(start) << " ms after the start, after "
                  << saves << " completed saves (one save takes about " << save_ms << " ms)");
    REQUIRE(WIFSIGNALED(status));  // not an early exit: every save until then succeeded
    REQUIRE(WTERMSIG(status) == SIGKILL);

    if (!fs::exists(path)) {
      CHECK_FALSE(saved_before);  // once a checkpoint exists, it never disappears
      CHECK(saves == 0);
      ++absent;
    } else {
      const SafetensorsFile f = load_safetensors(path);  // throws on any corruption
      const uint32_t step = static_cast<uint32_t>(std::stoul(f.metadata.at("step")));
      INFO("checkpoint of step " << step);
      CHECK(step / kStepsPerRound <= round);
      const NamedArray& w = require_tensor(f, "weights", {kRows, kCols}, path);
      CHECK(require_tensor(f, "step", {1}, path).values[0] == static_cast<float>(step));
      size_t wrong = 0;
      for (size_t i = 0; i < w.values.size(); ++i) wrong += w.values[i] != value(step, i);
      CHECK(wrong == 0);
      saved_before = true;
      ++found;
    }
    // Whatever else is in the directory is a hidden temporary file of a killed save; remove it.
    for (const std::string& entry : dir.entries()) {
      if (entry == name) continue;
      CHECK(entry.rfind("." + name + ".tmp.", 0) == 0);
      fs::remove(dir.path / entry);
      ++temp_files;
    }
  }
  INFO("found " << found << ", absent " << absent << ", temp files " << temp_files << ", saves "
                << saves_total << ", save_ms " << save_ms);
  CHECK(found == 4);
}
