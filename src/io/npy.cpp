// npy.cpp — reading and writing NumPy `.npy` files (see cnnlab/io/npy.hpp for the contract).
//
// The format (numpy.lib.format) is small enough to read in one sitting:
//
//   bytes 0-5   magic "\x93NUMPY"
//   bytes 6-7   format version: major, minor (1.0, 2.0 or 3.0)
//   next 2 / 4  header length: uint16 little-endian in 1.0, uint32 in 2.0 and 3.0
//   header      a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False,
//               'shape': (2, 3), } padded with spaces and ending in '\n'
//   data        numel * itemsize bytes, C (row-major) order unless fortran_order is True
//
// What this file is: a strict little parser for exactly that dict (the three keys numpy
// writes, nothing else), a converter from the supported dtypes to float32, and an atomic
// writer of '<f4' version 1.0 files.
// What it deliberately is not: a general Python-literal parser, a reader of structured,
// object, complex or half-precision arrays, or a memory-mapper. Anything it cannot read
// exactly is rejected with an Error naming the file and the problem — never guessed at.
#include <cnnlab/core/error.hpp>
#include <cnnlab/core/shape.hpp>
#include <cnnlab/core/tensor.hpp>
#include <cnnlab/io/npy.hpp>

#include "file_io.hpp"

#include <bit>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace cnnlab {
namespace {

constexpr char kMagic[] = "\x93NUMPY";  // 6 bytes (the array also holds a terminating '\0')
constexpr size_t kMagicSize = 6;
constexpr uint64_t kMaxExactInteger = uint64_t{1} << 24;  // larger integers do not fit a float

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw Error("load_npy: " + path + ": " + problem);
}

// ---- the header dict -----------------------------------------------------------------------

// What the header says about the array.
struct Header {
  char byte_order = '<';  // '<' little, '>' big, '|' not applicable (1-byte types)
  char kind = 'f';        // 'f' float, 'i' signed int, 'u' unsigned int, 'b' bool
  size_t itemsize = 4;    // bytes per element
  Shape shape;            // as written in the file; () for a 0-d array
};

// A cursor over the header text with the few token readers the dict needs.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& path) : text_(text), path_(path) {}

  Header parse() {
    Header h;
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = string_literal();
      expect(':');
      if (key == "descr") {
        skip_space();
        if (peek() != '\'' && peek() != '"')
          bad("'descr' is not a simple dtype string; structured arrays are not supported");
        parse_descr(string_literal(), h);
        have_descr = true;
      } else if (key == "fortran_order") {
        if (boolean())
          fail(path_,
               "fortran_order is True: Fortran-order (column-major) arrays are not "
               "supported; save a C-order array, e.g. np.save(f, np.ascontiguousarray(a))");
        have_order = true;
      } else if (key == "shape") {
        h.shape = shape_tuple();
        have_shape = true;
      } else {
        bad("unexpected key '" + key + "' in the header");
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      skip_space();
      if (peek() != '}') bad("expected ',' or '}' in the header dict");
    }
    expect('}');
    skip_space();
    if (pos_ != text_.size()) bad("unexpected text after the header dict");
    if (!have_descr) bad("the header has no 'descr' key");
    if (!have_order) bad("the header has no 'fortran_order' key");
    if (!have_shape) bad("the header has no 'shape' key");
    return h;
  }

 private:
  [[noreturn]] void bad(const std::string& problem) const {
    std::string shown(text_);
    while (!shown.empty() && std::isspace(static_cast<unsigned char>(shown.back())))
      shown.pop_back();  // the padding and the final '\n'
    for (char& c : shown)
      if (c == '\n' || c == '\r') c = ' ';  // keep the message on one line
    if (shown.size() > 200) shown = shown.substr(0, 200) + "...";
    fail(path_, "bad header: " + problem + " in " + shown);
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) bad(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string string_literal() {
    skip_space();
    const char quote = peek();
    if (quote != '\'' && quote != '"') bad("expected a quoted string");
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) bad("unterminated string");
    std::string s(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return s;
  }
  bool boolean() {
    skip_space();
    if (text_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    bad("fortran_order must be True or False");
  }
  Shape shape_tuple() {
    expect('(');
    Shape shape;
    while (true) {
      skip_space();
      if (peek() == ')') break;
      if (!std::isdigit(static_cast<unsigned char>(peek())))
        bad("shape must be a tuple of non-negative integers");
      int64_t d = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        if (d > (std::numeric_limits<int64_t>::max() - 9) / 10) bad("shape dimension too large");
        d = d * 10 + (text_[pos_++] - '0');
      }
      shape.push_back(d);
      skip_space();
      if (peek() == ',')
        ++pos_;
      else if (peek() != ')')
        bad("expected ',' or ')' in the shape tuple");
    }
    ++pos_;  // ')'
    return shape;
  }
  void parse_descr(const std::string& descr, Header& h) const {
    const std::string supported = "supported: f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1";
    if (descr.size() >= 2 && descr[1] == 'O')
      fail(path_, "object arrays (dtype '" + descr + "') are not supported; " + supported);
    if (descr.size() < 3 || std::string("<>|=").find(descr[0]) == std::string::npos ||
        std::string("fiub").find(descr[1]) == std::string::npos)
      fail(path_, "unsupported dtype '" + descr + "' (" + supported + ")");
    const std::string size_text = descr.substr(2);
    const bool known =
        (descr[1] == 'f' && (size_text == "4" || size_text == "8")) ||
        ((descr[1] == 'i' || descr[1] == 'u') &&
         (size_text == "1" || size_text == "2" || size_text == "4" || size_text == "8")) ||
        (descr[1] == 'b' && size_text == "1");
    if (!known) fail(path_, "unsupported dtype '" + descr + "' (" + supported + ")");
    h.kind = descr[1];
    h.itemsize = static_cast<size_t>(size_text[0] - '0');
    // '=' means "native order" in numpy; files normally never hold it, but it is unambiguous.
    h.byte_order =
        descr[0] == '=' ? (std::endian::native == std::endian::little ? '<' : '>') : descr[0];
    if (h.byte_order == '|' && h.itemsize != 1)
      fail(path_, "dtype '" + descr + "' needs a byte order ('<' or '>'), not '|'");
  }

  std::string_view text_;
  const std::string& path_;
  size_t pos_ = 0;
};

// ---- converting one element to float32 ----------------------------------------------------

// The element's bytes as an unsigned integer, honouring the file's byte order.
uint64_t raw_bits(const unsigned char* p, size_t itemsize, char byte_order) {
  uint64_t bits = 0;
  for (size_t i = 0; i < itemsize; ++i) {
    const size_t byte = byte_order == '>' ? i : itemsize - 1 - i;  // most significant first
    bits = (bits << 8) | p[byte];
  }
  return bits;
}

[[noreturn]] void fail_integer(const std::string& path, const std::string& value, size_t i) {
  fail(path, "integer " + value + " at index " + std::to_string(i) +
                 " cannot be represented exactly as float32 (|v| > 2^24 = 16777216)");
}

// Converts every element, rejecting integers that float32 cannot hold exactly and finite
// float64 values outside the float32 range (they would silently become infinity).
std::vector<float> convert(const std::vector<unsigned char>& data, const Header& h, size_t count,
                           const std::string& path) {
  std::vector<float> out(count);
  for (size_t i = 0; i < count; ++i) {
    const uint64_t bits = raw_bits(data.data() + i * h.itemsize, h.itemsize, h.byte_order);
    if (h.kind == 'f' && h.itemsize == 4) {
      out[i] = std::bit_cast<float>(static_cast<uint32_t>(bits));
    } else if (h.kind == 'f') {
      const double v = std::bit_cast<double>(bits);
      if (std::isfinite(v) && std::fabs(v) > std::numeric_limits<float>::max()) {
        std::ostringstream msg;
        msg << "value " << v << " at index " << i << " is outside the float32 range";
        fail(path, msg.str());
      }
      out[i] = static_cast<float>(v);
    } else if (h.kind == 'b') {
      out[i] = bits != 0 ? 1.0f : 0.0f;
    } else if (h.kind == 'u') {
      if (bits > kMaxExactInteger) fail_integer(path, std::to_string(bits), i);
      out[i] = static_cast<float>(bits);
    } else {  // 'i': sign-extend from itemsize bytes
      const unsigned shift = static_cast<unsigned>(64 - 8 * h.itemsize);
      const int64_t v = static_cast<int64_t>(bits << shift) >> shift;
      if (v > int64_t{kMaxExactInteger} || v < -int64_t{kMaxExactInteger})
        fail_integer(path, std::to_string(v), i);
      out[i] = static_cast<float>(v);
    }
  }
  return out;
}

// ---- writing -------------------------------------------------------------------------------

// The v1.0 header for a little-endian float32 array, padded with spaces so that the data
// starts at a multiple of 64 bytes (what numpy itself does, good for aligned reads).
std::string header_for(const Shape& shape) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) dict += ", ";
    dict += std::to_string(shape[i]);
  }
  if (shape.size() == 1) dict += ",";  // Python's one-element tuple: (3,)
  dict += "), }";
  const size_t preamble = kMagicSize + 2 + 2;  // magic, version, uint16 header length
  size_t total = preamble + dict.size() + 1;   // + the final '\n'
  const size_t padded = (total + 63) / 64 * 64;
  dict.append(padded - total, ' ');
  dict += '\n';
  return dict;
}

// Reads a whole .npy file from @p in; @p path names it in error messages.
Tensor read_npy(io_detail::ByteSource& in, const std::string& path, Backend& backend) {
  const uint64_t file_size = in.size();

  // Magic string and version.
  unsigned char preamble[kMagicSize + 2] = {};
  if (!in.read(preamble, sizeof preamble))
    fail(path, "not an .npy file (too short for the \\x93NUMPY magic string)");
  if (std::memcmp(preamble, kMagic, kMagicSize) != 0)
    fail(path, "not an .npy file (bad magic string; expected \\x93NUMPY)");
  const int major = preamble[6], minor = preamble[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0)
    fail(path, "unsupported .npy format version " + std::to_string(major) + "." +
                   std::to_string(minor) + " (supported: 1.0, 2.0, 3.0)");

  // Header length: uint16 in version 1.0, uint32 in 2.0 and 3.0, little-endian.
  const size_t len_bytes = major == 1 ? 2 : 4;
  unsigned char len_buf[4] = {};
  if (!in.read(len_buf, len_bytes)) fail(path, "truncated file (ends inside the header length)");
  const uint64_t header_len = raw_bits(len_buf, len_bytes, '<');
  const uint64_t data_offset = sizeof preamble + len_bytes + header_len;
  if (data_offset > file_size)
    fail(path, "truncated file (header of " + std::to_string(header_len) +
                   " bytes does not fit in a file of " + std::to_string(file_size) + " bytes)");
  std::string header_text(static_cast<size_t>(header_len), '\0');
  if (!in.read(header_text.data(), header_text.size()))
    fail(path, "truncated file (ends inside the header)");
  // Version 1.0 and 2.0 headers are latin-1; 3.0 is UTF-8. Our keys and values are ASCII.
  const Header h = HeaderParser(header_text, path).parse();

  // Element count, guarding against overflow before comparing with the file size.
  uint64_t count = 1;
  for (const int64_t d : h.shape) {
    if (d == 0)
      fail(path, "empty arrays are not supported (shape " + to_string(h.shape) +
                     " has a dimension of size 0)");
    if (static_cast<uint64_t>(d) > file_size || count > file_size / static_cast<uint64_t>(d))
      fail(path, "truncated data: shape " + to_string(h.shape) +
                     " needs more data than the whole file holds (" + std::to_string(file_size) +
                     " bytes)");
    count *= static_cast<uint64_t>(d);
  }
  const uint64_t data_bytes = count * h.itemsize;
  const uint64_t have_bytes = file_size - data_offset;
  if (have_bytes < data_bytes)
    fail(path, "truncated data: shape " + to_string(h.shape) + " with " +
                   std::to_string(h.itemsize) + "-byte elements needs " +
                   std::to_string(data_bytes) + " bytes, the file has " +
                   std::to_string(have_bytes));
  if (have_bytes > data_bytes)
    fail(path, "shape mismatch: shape " + to_string(h.shape) + " with " +
                   std::to_string(h.itemsize) + "-byte elements needs " +
                   std::to_string(data_bytes) + " bytes, but the file has " +
                   std::to_string(have_bytes) + " bytes of data");

  std::vector<unsigned char> data(static_cast<size_t>(data_bytes));
  if (!in.read(data.data(), data.size())) fail(path, "read error in the data section");
  const std::vector<float> values = convert(data, h, static_cast<size_t>(count), path);

  // A 0-d array (shape ()) holds one value; cnnlab tensors always have at least one
  // dimension, so it loads as shape [1].
  const Shape shape = h.shape.empty() ? Shape{1} : h.shape;
  return Tensor::from_vector(shape, values, backend);
}

}  // namespace

Tensor load_npy(const std::string& path, Backend& backend) {
  io_detail::InputFile in(path, "load_npy: " + path + ": ");
  return read_npy(in, path, backend);
}

Tensor parse_npy(const std::vector<uint8_t>& bytes, const std::string& source_name,
                 Backend& backend) {
  io_detail::MemorySource in(bytes.data(), bytes.size());
  return read_npy(in, source_name, backend);
}

void save_npy(const std::string& path, const Tensor& t) {
  const auto failw = [&path](const std::string& problem) {
    throw Error("save_npy: " + path + ": " + problem);
  };
  if (!t.defined()) failw("the tensor is undefined (empty Tensor())");
  const std::string header = header_for(t.shape());
  if (header.size() > std::numeric_limits<uint16_t>::max())
    failw("the header is too long for format version 1.0");
  const std::vector<float> values = t.to_vector();

  // Temporary file in the same directory, fsync, rename into place, fsync the directory.
  const auto header_len = static_cast<uint16_t>(header.size());
  const char preamble[kMagicSize + 4] = {'\x93',
                                         'N',
                                         'U',
                                         'M',
                                         'P',
                                         'Y',
                                         1,
                                         0,
                                         static_cast<char>(header_len & 0xFF),
                                         static_cast<char>(header_len >> 8)};
  io_detail::LittleEndianFloats data;
  io_detail::write_file_atomically(
      path, "save_npy: " + path + ": ",
      {std::string_view(preamble, sizeof preamble), header, data.add(values)});
}

}  // namespace cnnlab
