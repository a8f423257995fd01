// fuzz_npy.cpp — libFuzzer target for the .npy reader (parse_npy, the code behind load_npy).
//
// Contract checked: any bytes either load as a tensor whose element count matches its shape,
// or are rejected with cnnlab::Error. Any other exception, a crash, a sanitizer report or an
// oversized allocation is a finding. Run through scripts/fuzz.sh (seeds: fuzz/corpus/npy/).
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/core/shape.hpp>
#include <cnnlab/core/tensor.hpp>
#include <cnnlab/io/npy.hpp>

#include <cstdint>
#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  try {
    const cnnlab::Tensor t = cnnlab::parse_npy(bytes, "fuzz input", cnnlab::reference_backend());
    if (t.numel() != cnnlab::numel(t.shape()) || t.to_vector().size() != size_t(t.numel()))
      std::abort();  // a tensor that disagrees with its own shape
  } catch (const cnnlab::Error&) {
    // a rejected file: the expected outcome for most inputs
  }
  return 0;
}
