// test_npy.cpp — load_npy / save_npy: round trips, byte-exact hand-made files, and one check
// per rule a bad file can break.
//
// NumPy is not needed here: every input file is built byte by byte from the format
// description (magic, version, header length, a padded dict, raw data), so the tests say
// exactly which bytes are being read. The CLI tests (tests/cli) add a check against NumPy
// itself when it is installed.
#include <catch2/catch.hpp>

#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/io/npy.hpp>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>
#include "temp_dir.hpp"

#include <fcntl.h>     // open
#include <sys/stat.h>  // mkfifo
#include <unistd.h>    // close

using namespace cnnlab;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

Backend& ref() { return reference_backend(); }

using cnnlab::testing::error_loading_fifo;
using cnnlab::testing::read_bytes;
using cnnlab::testing::TempDir;

// An .npy file: magic, version MAJOR.0, header length (uint16 LE for 1.0, uint32 LE for 2.0
// and 3.0), the dict padded with spaces to a multiple of 64 bytes and ended by '\n', the data.
std::string npy_bytes(int major, const std::string& dict, const std::string& data) {
  const size_t len_bytes = major == 1 ? 2 : 4;
  std::string header = dict;
  const size_t unpadded = 6 + 2 + len_bytes + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  for (size_t i = 0; i < len_bytes; ++i)
    out += static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  return out + header + data;
}

std::string dict(const std::string& descr, const std::string& shape, bool fortran = false) {
  return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
         ", 'shape': " + shape + ", }";
}

// The raw bytes of @p values in little- or big-endian order, whatever this machine uses.
template <class T>
std::string raw(const std::vector<T>& values, std::endian order = std::endian::little) {
  std::string out;
  for (const T& v : values) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    if (order != std::endian::native) std::reverse(b, b + sizeof(T));
    out.append(b, sizeof(T));
  }
  return out;
}

std::vector<float> load_values(const std::string& path, Shape expected_shape) {
  const Tensor t = load_npy(path, ref());
  REQUIRE(t.shape() == expected_shape);
  return t.to_vector();
}

}  // namespace

TEST_CASE("npy: save then load returns the same bits for random shapes and values", "[npy]") {
  TempDir dir("npy");
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> rank_dist(1, 4), dim_dist(1, 6);
  std::normal_distribution<float> value(0.0f, 10.0f);
  for (int trial = 0; trial < 25; ++trial) {
    Shape shape(static_cast<size_t>(rank_dist(rng)));
    for (auto& d : shape) d = dim_dist(rng);
    std::vector<float> values(static_cast<size_t>(numel(shape)));
    for (auto& v : values) v = value(rng);
    // Values that must survive exactly: infinities, -0, the extremes, a denormal, NaN.
    const float specials[] = {std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity(),
                              -0.0f,
                              std::numeric_limits<float>::max(),
                              std::numeric_limits<float>::denorm_min(),
                              std::numeric_limits<float>::quiet_NaN()};
    for (size_t i = 0; i < values.size() && i < 6; ++i)
      if (trial % 2 == 1) values[i] = specials[i];

    std::string name = "t";  // (built with += : GCC 12 -Wrestrict misfires on "t" + string)
    name += std::to_string(trial);
    name += ".npy";
    const std::string path = (dir.path / name).string();
    save_npy(path, Tensor::from_vector(shape, values, ref()));
    const std::vector<float> back = load_values(path, shape);
    REQUIRE(back.size() == values.size());
    for (size_t i = 0; i < values.size(); ++i)
      REQUIRE(std::bit_cast<uint32_t>(back[i]) == std::bit_cast<uint32_t>(values[i]));
  }
}

TEST_CASE("npy: save writes a '<f4' version 1.0 file whose data starts at a multiple of 64",
          "[npy]") {
  TempDir dir("npy");
  for (const Shape& shape : {Shape{5}, Shape{2, 3, 4}, Shape{1, 1, 9, 9}}) {
    const std::string path = (dir.path / "a.npy").string();
    std::vector<float> values(static_cast<size_t>(numel(shape)));
    for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) - 2.5f;
    save_npy(path, Tensor::from_vector(shape, values, ref()));

    const std::string bytes = read_bytes(path);
    REQUIRE(bytes.substr(0, 6) == "\x93NUMPY");
    REQUIRE(bytes[6] == 1);
    REQUIRE(bytes[7] == 0);
    const size_t header_len =
        static_cast<unsigned char>(bytes[8]) + 256u * static_cast<unsigned char>(bytes[9]);
    const size_t data_offset = 10 + header_len;
    CHECK(data_offset % 64 == 0);
    const std::string header = bytes.substr(10, header_len);
    CHECK(header.back() == '\n');
    CHECK_THAT(header, Contains("'descr': '<f4'"));
    CHECK_THAT(header, Contains("'fortran_order': False"));
    std::string shape_text = "(";
    for (size_t i = 0; i < shape.size(); ++i) {
      if (i > 0) shape_text += ", ";
      shape_text += std::to_string(shape[i]);
    }
    shape_text += shape.size() == 1 ? ",)" : ")";
    CHECK_THAT(header, Contains("'shape': " + shape_text));
    REQUIRE(bytes.size() == data_offset + 4 * values.size());
    CHECK(bytes.substr(data_offset) == raw(values));
  }
}

TEST_CASE("npy: hand-made files of every supported dtype load as float32", "[npy]") {
  TempDir dir("npy");
  SECTION("float64, little-endian") {
    const auto p = dir.write(
        "f8.npy", npy_bytes(1, dict("<f8", "(2, 2)"), raw<double>({1.5, -2.25, 1e-3, 3e20})));
    const auto v = load_values(p, {2, 2});
    CHECK(v == std::vector<float>{1.5f, -2.25f, static_cast<float>(1e-3), 3e20f});
  }
  SECTION("int32, little-endian, up to 2^24 exactly") {
    const auto p =
        dir.write("i4.npy", npy_bytes(1, dict("<i4", "(4,)"), raw<int32_t>({-3, 0, 7, 16777216})));
    CHECK(load_values(p, {4}) == std::vector<float>{-3, 0, 7, 16777216});
  }
  SECTION("big-endian float32 and int16") {
    const auto p = dir.write(
        "bf4.npy",
        npy_bytes(1, dict(">f4", "(3,)"), raw<float>({1.0f, -0.5f, 1024.25f}, std::endian::big)));
    CHECK(load_values(p, {3}) == std::vector<float>{1.0f, -0.5f, 1024.25f});
    const auto q = dir.write(
        "bi2.npy", npy_bytes(1, dict(">i2", "(2,)"), raw<int16_t>({-300, 258}, std::endian::big)));
    CHECK(load_values(q, {2}) == std::vector<float>{-300, 258});
  }
  SECTION("big-endian float64 and int64") {
    const auto p = dir.write("bf8.npy", npy_bytes(1, dict(">f8", "(2,)"),
                                                  raw<double>({-7.75, 0.125}, std::endian::big)));
    CHECK(load_values(p, {2}) == std::vector<float>{-7.75f, 0.125f});
    const auto q = dir.write("bi8.npy", npy_bytes(1, dict(">i8", "(2,)"),
                                                  raw<int64_t>({-16777216, 5}, std::endian::big)));
    CHECK(load_values(q, {2}) == std::vector<float>{-16777216, 5});
  }
  SECTION("format versions 2.0 and 3.0 (uint32 header length)") {
    const auto p = dir.write("v2.npy", npy_bytes(2, dict("<f4", "(1, 3)"), raw<float>({1, 2, 3})));
    CHECK(load_values(p, {1, 3}) == std::vector<float>{1, 2, 3});
    const auto q =
        dir.write("v3.npy", npy_bytes(3, dict("<u2", "(2,)"), raw<uint16_t>({65535, 1})));
    CHECK(load_values(q, {2}) == std::vector<float>{65535, 1});
  }
  SECTION("one-byte types with '|': int8, uint8, bool") {
    const auto p =
        dir.write("i1.npy", npy_bytes(1, dict("|i1", "(3,)"), raw<int8_t>({-128, 0, 127})));
    CHECK(load_values(p, {3}) == std::vector<float>{-128, 0, 127});
    const auto q = dir.write("u1.npy", npy_bytes(1, dict("|u1", "(2,)"), raw<uint8_t>({0, 255})));
    CHECK(load_values(q, {2}) == std::vector<float>{0, 255});
    const auto r = dir.write("b1.npy", npy_bytes(1, dict("|b1", "(3,)"), raw<uint8_t>({1, 0, 1})));
    CHECK(load_values(r, {3}) == std::vector<float>{1, 0, 1});
  }
  SECTION("unsigned and signed 32/64-bit integers") {
    const auto p =
        dir.write("u4.npy", npy_bytes(1, dict("<u4", "(2,)"), raw<uint32_t>({16777216u, 9u})));
    CHECK(load_values(p, {2}) == std::vector<float>{16777216, 9});
    const auto q = dir.write("u8.npy", npy_bytes(1, dict("<u8", "(1,)"), raw<uint64_t>({12345u})));
    CHECK(load_values(q, {1}) == std::vector<float>{12345});
    const auto r =
        dir.write("i8.npy", npy_bytes(1, dict("<i8", "(2,)"), raw<int64_t>({-1, -16777216})));
    CHECK(load_values(r, {2}) == std::vector<float>{-1, -16777216});
  }
  SECTION("a 0-d array (shape ()) loads as shape [1]") {
    const auto p = dir.write("s.npy", npy_bytes(1, dict("<f4", "()"), raw<float>({3.5f})));
    CHECK(load_values(p, {1}) == std::vector<float>{3.5f});
  }
  SECTION("keys in any order, double quotes, no trailing comma, extra spaces") {
    const auto p = dir.write("k.npy", npy_bytes(1,
                                                "{ \"shape\" : ( 2 , 1 ) , 'descr':\"<f4\", "
                                                "'fortran_order':False }",
                                                raw<float>({4, 5})));
    CHECK(load_values(p, {2, 1}) == std::vector<float>{4, 5});
  }
}

TEST_CASE("npy: every bad file is rejected with a message naming the file and the problem",
          "[npy][bad-input]") {
  TempDir dir("npy");
  const auto rejects = [&](const std::string& name, const std::string& bytes,
                           const std::string& problem) {
    const std::string path = dir.write(name, bytes);
    REQUIRE_THROWS_AS(load_npy(path, ref()), Error);
    REQUIRE_THROWS_WITH(load_npy(path, ref()),
                        Contains("load_npy: " + path + ": ") && Contains(problem));
  };
  const std::string ok_data = raw<float>({1, 2, 3, 4, 5, 6});

  rejects("magic.npy", "PK\x03\x04 this is a zip file, not an npy file at all........",
          "bad magic string");
  rejects("short.npy", "\x93NUM", "too short");
  rejects(
      "version.npy",
      [&] {
        auto b = npy_bytes(1, dict("<f4", "(2, 3)"), ok_data);
        b[6] = 4;
        return b;
      }(),
      "unsupported .npy format version 4.0");
  rejects("fortran.npy", npy_bytes(1, dict("<f4", "(2, 3)", true), ok_data),
          "fortran_order is True: Fortran-order (column-major) arrays are not supported");
  rejects("object.npy", npy_bytes(1, dict("|O", "(2,)"), std::string(16, '\0')),
          "object arrays (dtype '|O') are not supported");
  rejects("complex.npy", npy_bytes(1, dict("<c8", "(3,)"), ok_data), "unsupported dtype '<c8'");
  rejects("half.npy", npy_bytes(1, dict("<f2", "(3,)"), ok_data.substr(0, 6)),
          "unsupported dtype '<f2'");
  rejects(
      "structured.npy",
      npy_bytes(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,), }", ok_data),
      "structured arrays are not supported");
  rejects("noorder.npy", npy_bytes(1, dict("|f4", "(6,)"), ok_data), "needs a byte order");
  rejects("truncated.npy", npy_bytes(1, dict("<f4", "(2, 3)"), ok_data.substr(0, 20)),
          "truncated data: shape [2, 3] with 4-byte elements needs 24 bytes, the file has 20");
  rejects("huge.npy", npy_bytes(1, dict("<f4", "(100000, 100000)"), ok_data), "truncated data");
  rejects("extra.npy", npy_bytes(1, dict("<f4", "(2, 2)"), ok_data),
          "shape mismatch: shape [2, 2] with 4-byte elements needs 16 bytes, but the file has 24");
  rejects("header.npy", npy_bytes(1, dict("<f4", "(2, 3)"), ok_data).substr(0, 40),
          "truncated file");
  rejects("empty.npy", npy_bytes(1, dict("<f4", "(0, 3)"), ""), "empty arrays are not supported");
  rejects("nokey.npy", npy_bytes(1, "{'descr': '<f4', 'fortran_order': False}", ok_data),
          "the header has no 'shape' key");
  rejects("key.npy",
          npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1}", ok_data),
          "unexpected key 'x'");
  rejects("syntax.npy",
          npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6;)}", ok_data),
          "bad header: expected ',' or ')' in the shape tuple");
  rejects("negative.npy", npy_bytes(1, dict("<f4", "(-6,)"), ok_data),
          "shape must be a tuple of non-negative integers");
  rejects("bigint.npy", npy_bytes(1, dict("<i8", "(2,)"), raw<int64_t>({3, 16777217})),
          "integer 16777217 at index 1 cannot be represented exactly as float32 (|v| > 2^24");
  rejects("bigneg.npy", npy_bytes(1, dict("<i4", "(1,)"), raw<int32_t>({-16777217})),
          "integer -16777217 at index 0 cannot be represented exactly");
  rejects("biguint.npy", npy_bytes(1, dict("<u8", "(1,)"), raw<uint64_t>({~uint64_t{0}})),
          "integer 18446744073709551615 at index 0 cannot be represented exactly as float32");
  rejects("range.npy", npy_bytes(1, dict("<f8", "(2,)"), raw<double>({1.0, 1e300})),
          "value 1e+300 at index 1 is outside the float32 range");

  const std::string missing = (dir.path / "missing.npy").string();
  REQUIRE_THROWS_WITH(load_npy(missing, ref()),
                      Contains("load_npy: " + missing + ": cannot open file"));
}

TEST_CASE("npy: save is atomic: a failed save leaves nothing, a good one leaves no temp file",
          "[npy][bad-input]") {
  TempDir dir("npy");
  const Tensor t = Tensor::from_vector({2, 2}, {1, 2, 3, 4}, ref());

  // Into a directory that does not exist: an error naming the file, and nothing created.
  const fs::path missing_dir = dir.path / "no-such-dir";
  const std::string target = (missing_dir / "t.npy").string();
  REQUIRE_THROWS_WITH(save_npy(target, t),
                      Contains("save_npy: " + target + ": cannot create temporary file"));
  CHECK_FALSE(fs::exists(missing_dir));
  CHECK(dir.entries().empty());

  // Over a directory of the same name: the rename fails, the temp file is removed again.
  fs::create_directory(dir.path / "taken.npy");
  REQUIRE_THROWS_WITH(save_npy((dir.path / "taken.npy").string(), t),
                      Contains("cannot rename the temporary file into place"));
  CHECK(dir.entries() == std::vector<std::string>{"taken.npy"});

  // A good save replaces an older file and leaves exactly that one file behind.
  const std::string good = (dir.path / "good.npy").string();
  dir.write("good.npy", "old contents");
  save_npy(good, t);
  CHECK(dir.entries() == std::vector<std::string>{"good.npy", "taken.npy"});
  CHECK(load_npy(good, ref()).to_vector() == std::vector<float>{1, 2, 3, 4});

  REQUIRE_THROWS_WITH(save_npy(good, Tensor()),
                      Contains("save_npy: " + good + ": the tensor is undefined"));
}

TEST_CASE("npy: load refuses a FIFO, a directory or a device instead of blocking on it",
          "[npy][bad-input]") {
  TempDir dir("npy");
  // A FIFO (named pipe) nobody writes to: a plain open() for reading would wait forever for
  // a writer. load_npy runs in another thread, so a regression fails here instead of hanging:
  // after the wait, opening and closing the write end gives the stuck reader end-of-file.
  const std::string fifo = (dir.path / "pipe.npy").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::string message = error_loading_fifo<Error>(fifo, [&]() { load_npy(fifo, ref()); });
  CHECK_THAT(message, Contains("load_npy: " + fifo + ": not a regular file (a FIFO)"));

  const std::string sub = (dir.path / "sub.npy").string();
  fs::create_directory(sub);
  REQUIRE_THROWS_WITH(load_npy(sub, ref()),
                      Contains("load_npy: " + sub + ": not a regular file (a directory)"));
  REQUIRE_THROWS_WITH(load_npy("/dev/null", ref()),
                      Contains("load_npy: /dev/null: not a regular file (a character device)"));

  // A symbolic link to a regular file is fine: what counts is the file it points to.
  const Tensor t = Tensor::from_vector({2}, {1, 2}, ref());
  save_npy((dir.path / "real.npy").string(), t);
  fs::create_symlink("real.npy", dir.path / "link.npy");
  CHECK(load_values((dir.path / "link.npy").string(), {2}) == std::vector<float>{1, 2});
}

TEST_CASE("npy: parse_npy reads bytes in memory like load_npy reads a file", "[npy]") {
  const std::string bytes = npy_bytes(1, dict("<f4", "(2,)"), raw<float>({1.5f, -2.0f}));
  const Tensor t = parse_npy(std::vector<uint8_t>(bytes.begin(), bytes.end()), "memory", ref());
  CHECK(t.shape() == Shape{2});
  CHECK(t.to_vector() == std::vector<float>{1.5f, -2.0f});
  const std::string cut = bytes.substr(0, bytes.size() - 1);
  REQUIRE_THROWS_WITH(parse_npy(std::vector<uint8_t>(cut.begin(), cut.end()), "fuzz input", ref()),
                      Contains("load_npy: fuzz input: truncated data"));
}

TEST_CASE("npy: truncated or corrupted files throw Error, never crash", "[npy][bad-input]") {
  TempDir dir("npy");
  const std::string good = npy_bytes(1, dict("<i2", "(2, 3)"), raw<int16_t>({1, -2, 3, -4, 5, -6}));
  const auto loads_or_throws_error = [&](const std::string& bytes) {
    const std::string path = dir.write("f.npy", bytes);
    try {
      const Tensor t = load_npy(path, ref());
      CHECK(t.numel() > 0);
    } catch (const Error&) {
      // expected for most corruptions; any other exception type fails the test
    }
  };
  for (size_t n = 0; n < good.size(); ++n) loads_or_throws_error(good.substr(0, n));
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> byte(0, 255);
  for (size_t i = 0; i < good.size(); ++i) {  // every byte, a few random values each
    for (int k = 0; k < 4; ++k) {
      std::string bad = good;
      bad[i] = static_cast<char>(byte(rng));
      loads_or_throws_error(bad);
    }
  }
}
