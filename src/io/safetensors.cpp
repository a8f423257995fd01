// safetensors.cpp — checkpoints in the safetensors format (see cnnlab/io/safetensors.hpp for
// the layout and the contract).
//
// Reading is done in three steps, each checking what the next one relies on:
//   1. the 8-byte header length N, checked against the real size of the input before the
//      header is allocated (and against a 100 MB cap, as the reference implementation does);
//   2. the JSON header, parsed by nlohmann::json and then checked entry by entry: every tensor
//      has exactly dtype "F32", a shape of non-negative integers and data_offsets [begin, end]
//      with end - begin = 4 * numel(shape); sorted by begin they must tile the data section;
//   3. the data, read straight into each tensor's values (sizes already proven to fit the
//      input), with the CRC-32 computed on the way and compared with the header's.
// One reader serves files and memory (io_detail::ByteSource), so the fuzzer exercises exactly
// the code that loads checkpoints.
// What it deliberately is not: a reader of other dtypes, of files whose offsets leave gaps
// (the reference implementation rejects them too), or a memory-mapper.
#include <cnnlab/core/error.hpp>
#include <cnnlab/core/shape.hpp>
#include <cnnlab/io/safetensors.hpp>

#include "file_io.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cnnlab {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the reference implementation's limit
constexpr const char* kMetadataKey = "__metadata__";

// ---- CRC-32 --------------------------------------------------------------------------------

std::string hex8(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

// "1c291ca3" -> the number; false unless exactly 8 hex digits.
bool parse_hex8(const std::string& s, uint32_t& out) {
  if (s.size() != 8) return false;
  uint32_t v = 0;
  for (const char c : s) {
    uint32_t d = 0;
    if (c >= '0' && c <= '9')
      d = static_cast<uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f')
      d = static_cast<uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      d = static_cast<uint32_t>(c - 'A' + 10);
    else
      return false;
    v = v << 4 | d;
  }
  out = v;
  return true;
}

// ---- reading -------------------------------------------------------------------------------

// One tensor entry of the header, checked.
struct Entry {
  std::string name;
  Shape shape;
  uint64_t begin = 0, end = 0;  // byte offsets into the data section
};

class Reader {
 public:
  Reader(io_detail::ByteSource& in, const std::string& source) : in_(in), source_(source) {}

  SafetensorsFile read() {
    const uint64_t total = in_.size();
    unsigned char len_buf[8] = {};
    if (total < 8 || !in_.read(len_buf, 8))
      fail("too short for the 8-byte header length (the file has " + std::to_string(total) +
           " bytes)");
    uint64_t header_len = 0;
    for (int i = 7; i >= 0; --i) header_len = header_len << 8 | len_buf[i];
    if (header_len > total - 8)
      fail("the header length " + std::to_string(header_len) + " is beyond the end of the file (" +
           std::to_string(total) + " bytes, so at most " + std::to_string(total - 8) +
           " bytes of header)");
    if (header_len > kMaxHeaderBytes)
      fail("the header length " + std::to_string(header_len) + " exceeds the limit of " +
           std::to_string(kMaxHeaderBytes) + " bytes");
    std::string text(static_cast<size_t>(header_len), '\0');
    if (!in_.read(text.data(), text.size())) fail("read error in the header");
    const uint64_t data_size = total - 8 - header_len;

    SafetensorsFile out;
    std::vector<Entry> entries = parse_header(text, out.metadata);
    check_offsets(entries, data_size);

    uint32_t crc = 0;
    out.tensors.reserve(entries.size());
    for (Entry& e : entries) {
      NamedArray a{std::move(e.name), std::move(e.shape), {}};
      a.values.resize(static_cast<size_t>((e.end - e.begin) / sizeof(float)));
      const size_t bytes = a.values.size() * sizeof(float);
      if (!in_.read(a.values.data(), bytes))
        fail("read error in the data of tensor '" + a.name + "'");
      crc = io_detail::crc32_update(crc, a.values.data(), bytes);
      io_detail::floats_from_little_endian(a.values.data(), a.values.size());
      out.tensors.push_back(std::move(a));
    }

    const auto stored = out.metadata.find("crc32");
    if (stored != out.metadata.end()) {
      uint32_t expected = 0;
      if (!parse_hex8(stored->second, expected))
        fail("bad header: metadata \"crc32\" is \"" + shorten(stored->second) +
             "\", expected 8 hex digits");
      if (expected != crc)
        throw Error("checkpoint " + source_ + " is corrupt: CRC-32 of the data is " + hex8(crc) +
                    " but the header says " + stored->second);
    }
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw Error("checkpoint " + source_ + ": " + problem);
  }
  static std::string shorten(std::string s) {
    if (s.size() > 80) s = s.substr(0, 80) + "...";
    return s;
  }

  // Parses and checks the JSON header; fills @p metadata, returns the tensor entries.
  std::vector<Entry> parse_header(const std::string& text,
                                  std::map<std::string, std::string>& metadata) const {
    // JSON allows a key twice (the last one wins); a checkpoint must not, so the top-level
    // keys are collected while parsing.
    std::set<std::string> seen;
    std::string duplicate;
    const json::parser_callback_t note_keys = [&](int depth, json::parse_event_t event,
                                                  json& parsed) {
      if (event == json::parse_event_t::key && depth == 1) {
        std::string key = parsed.get<std::string>();
        if (seen.count(key) != 0 && duplicate.empty()) duplicate = key;
        seen.insert(std::move(key));
      }
      return true;
    };
    json header;
    try {
      header = json::parse(text, note_keys);
    } catch (const json::exception& e) {
      fail(std::string("the header is not valid JSON (") + e.what() + ")");
    }
    if (!header.is_object())
      fail(std::string("the header is not a JSON object (it is ") + header.type_name() + ")");
    if (!duplicate.empty()) fail("the header names '" + shorten(duplicate) + "' twice");

    std::vector<Entry> entries;
    for (const auto& [key, value] : header.items()) {
      if (key == kMetadataKey) {
        if (!value.is_object()) fail("bad header: \"__metadata__\" is not an object");
        for (const auto& [mk, mv] : value.items()) {
          if (!mv.is_string())
            fail("bad header: metadata \"" + shorten(mk) + "\" is not a string (it is " +
                 mv.type_name() + ")");
          metadata[mk] = mv.get<std::string>();
        }
        continue;
      }
      entries.push_back(parse_entry(key, value));
    }
    return entries;
  }

  Entry parse_entry(const std::string& name, const json& value) const {
    const std::string what = "tensor '" + shorten(name) + "'";
    if (!value.is_object()) fail("bad header: " + what + " is not an object");
    for (const char* key : {"dtype", "shape", "data_offsets"})
      if (!value.contains(key)) fail("bad header: " + what + " has no \"" + key + "\"");
    for (const auto& [k, v] : value.items())
      if (k != "dtype" && k != "shape" && k != "data_offsets")
        fail("bad header: " + what + " has an unexpected key \"" + shorten(k) + "\"");
    const json& dtype = value.at("dtype");
    if (!dtype.is_string()) fail("bad header: " + what + ": \"dtype\" is not a string");
    if (dtype.get<std::string>() != "F32")
      fail(what + " has dtype " + shorten(dtype.get<std::string>()) +
           ", which is not supported (only F32 is)");

    Entry e;
    e.name = name;
    const json& shape = value.at("shape");
    if (!shape.is_array()) fail("bad header: " + what + ": \"shape\" is not an array");
    for (const json& d : shape) {
      if (!d.is_number_unsigned())
        fail("bad header: " + what + ": \"shape\" must hold non-negative integers, not " +
             shorten(d.dump()));
      const uint64_t v = d.get<uint64_t>();
      if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        fail("bad header: " + what + ": shape dimension " + std::to_string(v) + " is too large");
      e.shape.push_back(static_cast<int64_t>(v));
    }
    const json& offsets = value.at("data_offsets");
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned())
      fail("bad header: " + what +
           ": \"data_offsets\" must be [begin, end], two non-negative "
           "integers, not " +
           shorten(offsets.dump()));
    e.begin = offsets[0].get<uint64_t>();
    e.end = offsets[1].get<uint64_t>();
    if (e.end < e.begin)
      fail("bad header: " + what + ": data_offsets [" + std::to_string(e.begin) + ", " +
           std::to_string(e.end) + "] end before they begin");

    // end - begin must be 4 * numel(shape); computed without overflow by dividing instead.
    const uint64_t bytes = e.end - e.begin;
    uint64_t count = 1;
    bool fits = bytes % sizeof(float) == 0;
    for (const int64_t d : e.shape) {
      const auto ud = static_cast<uint64_t>(d);
      if (ud == 0) {
        count = 0;
        break;
      }
      if (count > bytes / sizeof(float) / ud) {
        fits = false;
        break;
      }
      count *= ud;
    }
    if (!fits || count * sizeof(float) != bytes)
      fail("bad header: " + what + " has shape " + to_string(e.shape) + ", which needs " +
           needed_bytes(e.shape) + " bytes of F32 data, but its data_offsets [" +
           std::to_string(e.begin) + ", " + std::to_string(e.end) + "] span " +
           std::to_string(bytes) + " bytes");
    return e;
  }

  // 4 * numel(shape) as text, or "more than 2^64" when it overflows.
  static std::string needed_bytes(const Shape& shape) {
    uint64_t n = sizeof(float);
    for (const int64_t d : shape) {
      const auto ud = static_cast<uint64_t>(d);
      if (ud != 0 && n > std::numeric_limits<uint64_t>::max() / ud) return "more than 2^64";
      n *= ud;
    }
    return std::to_string(n);
  }

  // Sorted by begin, the entries must tile [0, data_size) exactly.
  void check_offsets(std::vector<Entry>& entries, uint64_t data_size) const {
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    const auto range = [](const Entry& e) {
      std::string r = "[";  // (built with += : GCC 12 -Wrestrict misfires on "[" + string)
      r += std::to_string(e.begin);
      r += ", ";
      r += std::to_string(e.end);
      r += "]";
      return r;
    };
    uint64_t pos = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
      const Entry& e = entries[i];
      const std::string what = "tensor '" + shorten(e.name) + "'";
      if (e.end > data_size)
        fail("bad header: " + what + " has data_offsets " + range(e) +
             " beyond the end of the data section (" + std::to_string(data_size) + " bytes)");
      if (e.begin < pos)
        fail("bad header: " + what + " has data_offsets " + range(e) + " that overlap tensor '" +
             shorten(entries[i - 1].name) + "' " + range(entries[i - 1]));
      if (e.begin > pos)
        fail("bad header: " + what + " has data_offsets " + range(e) + ", leaving bytes [" +
             std::to_string(pos) + ", " + std::to_string(e.begin) +
             "] of the data section unused (tensors must be stored back to back)");
      pos = e.end;
    }
    if (pos != data_size)
      fail("the data section has " + std::to_string(data_size) + " bytes but the tensors take " +
           std::to_string(pos) + " (" + std::to_string(data_size - pos) +
           " trailing bytes after the last tensor)");
  }

  io_detail::ByteSource& in_;
  const std::string& source_;
};

}  // namespace

void save_safetensors(const std::string& path, const SafetensorsFile& f) {
  const std::string prefix = "save_safetensors: " + path + ": ";
  const auto fail = [&prefix](const std::string& problem) { throw Error(prefix + problem); };

  json header = json::object();
  std::set<std::string> names;
  io_detail::LittleEndianFloats data;
  std::vector<std::string_view> parts{{}, {}};  // the length and the header go first
  uint64_t offset = 0;
  uint32_t crc = 0;
  for (const NamedArray& a : f.tensors) {
    if (a.name.empty()) fail("a tensor has an empty name");
    if (a.name == kMetadataKey) fail("\"__metadata__\" cannot be a tensor name");
    if (!names.insert(a.name).second) fail("two tensors are named '" + a.name + "'");
    for (const int64_t d : a.shape)
      if (d < 0) fail("tensor '" + a.name + "' has a negative dimension in " + to_string(a.shape));
    const int64_t count = numel(a.shape);
    if (static_cast<uint64_t>(count) != a.values.size())
      fail("tensor '" + a.name + "' has shape " + to_string(a.shape) + " (" +
           std::to_string(count) + " values) but holds " + std::to_string(a.values.size()) +
           " values");
    const uint64_t bytes = a.values.size() * sizeof(float);
    header[a.name] = {
        {"dtype", "F32"}, {"shape", a.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    parts.push_back(data.add(a.values));
    crc = io_detail::crc32_update(crc, parts.back().data(), parts.back().size());
  }
  json metadata = json::object();
  for (const auto& [k, v] : f.metadata) metadata[k] = v;
  metadata["format"] = kCheckpointFormat;
  metadata["crc32"] = hex8(crc);
  header[kMetadataKey] = metadata;

  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception& e) {  // e.g. a name or metadata string that is not UTF-8
    fail(std::string("cannot write the header (") + e.what() + ")");
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // 8 + N, and so the data, 8-byte aligned
  char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<char>((uint64_t{text.size()} >> (8 * i)) & 0xFF);
  parts[0] = std::string_view(len, sizeof len);
  parts[1] = text;
  io_detail::write_file_atomically(path, prefix, parts);
}

SafetensorsFile load_safetensors(const std::string& path) {
  io_detail::InputFile in(path, "checkpoint " + path + ": ");
  return Reader(in, path).read();
}

SafetensorsFile parse_safetensors(const std::vector<uint8_t>& bytes,
                                  const std::string& source_name) {
  io_detail::MemorySource in(bytes.data(), bytes.size());
  return Reader(in, source_name).read();
}

const NamedArray& require_tensor(const SafetensorsFile& f, const std::string& name,
                                 const Shape& expected, const std::string& path) {
  for (const NamedArray& a : f.tensors) {
    if (a.name != name) continue;
    if (a.shape != expected)
      throw Error("checkpoint " + path + ": tensor '" + name + "' has shape " + to_string(a.shape) +
                  " but the model expects " + to_string(expected));
    return a;
  }
  throw Error("checkpoint " + path + " has no tensor '" + name + "'");
}

}  // namespace cnnlab
