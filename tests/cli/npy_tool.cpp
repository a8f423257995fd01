// npy_tool.cpp — a tiny helper for the CLI tests: writes an .npy file from numbers given on
// the command line, or checks that an .npy file holds the expected shape and numbers.
//
//   npy_tool write FILE SHAPE VALUES        e.g.  npy_tool write x.npy 1,1,2,3 1,-2,3,-4,5,-6
//   npy_tool check FILE SHAPE VALUES [TOL]  exit 0 and "OK maxdiff=..." if every value is
//                                           within TOL (default 1e-6) of the expected one
//
// It uses cnnlab's own save_npy / load_npy, so the CLI tests need neither Python nor NumPy.
// It is a test fixture, not part of the installed tool.
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/io/npy.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<double> parse_list(const std::string& text) {
  std::vector<double> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (item.empty() || *end != '\0') throw cnnlab::Error("npy_tool: not a number: '" + item + "'");
    out.push_back(v);
  }
  return out;
}

cnnlab::Shape to_shape(const std::vector<double>& dims) {
  cnnlab::Shape s;
  for (const double d : dims) s.push_back(static_cast<int64_t>(d));
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 5 || (std::string(argv[1]) != "write" && std::string(argv[1]) != "check")) {
      std::cerr << "usage: npy_tool write FILE SHAPE VALUES | check FILE SHAPE VALUES [TOL]\n";
      return 2;
    }
    const std::string mode = argv[1], path = argv[2];
    const cnnlab::Shape shape = to_shape(parse_list(argv[3]));
    const std::vector<double> values = parse_list(argv[4]);
    cnnlab::Backend& be = cnnlab::reference_backend();

    if (mode == "write") {
      const std::vector<float> v(values.begin(), values.end());
      cnnlab::save_npy(path, cnnlab::Tensor::from_vector(shape, v, be));
      return 0;
    }
    const double tol = argc > 5 ? std::strtod(argv[5], nullptr) : 1e-6;
    const cnnlab::Tensor t = cnnlab::load_npy(path, be);
    if (t.shape() != shape) {
      std::cout << "FAIL " << path << ": shape " << cnnlab::to_string(t.shape()) << ", expected "
                << cnnlab::to_string(shape) << "\n";
      return 1;
    }
    const std::vector<float> got = t.to_vector();
    if (got.size() != values.size()) {
      std::cout << "FAIL " << path << ": " << values.size() << " expected values given for "
                << got.size() << " elements\n";
      return 1;
    }
    double maxdiff = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      const double diff = std::abs(got[i] - values[i]);
      maxdiff = std::max(maxdiff, diff);
      if (!(diff <= tol * std::max(1.0, std::abs(values[i])))) {
        std::cout << "FAIL " << path << ": element " << i << " is " << got[i] << ", expected "
                  << values[i] << "\n";
        return 1;
      }
    }
    std::cout << "OK " << path << " maxdiff=" << maxdiff << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
