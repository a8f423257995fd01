// fuzz_checkpoint.cpp — libFuzzer target for the checkpoint reader (parse_safetensors, the code
// behind load_safetensors).
//
// Contract checked: any bytes either load as tensors whose value counts match their shapes, or
// are rejected with cnnlab::Error. Any other exception, a crash, a sanitizer report or an
// oversized allocation (a corrupt header asking for gigabytes) is a finding. Run through
// scripts/fuzz.sh (seeds: fuzz/corpus/checkpoint/, dictionary: fuzz/checkpoint.dict).
#include <cnnlab/core/error.hpp>
#include <cnnlab/core/shape.hpp>
#include <cnnlab/io/safetensors.hpp>

#include <cstdint>
#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  try {
    const cnnlab::SafetensorsFile f = cnnlab::parse_safetensors(bytes, "fuzz input");
    for (const cnnlab::NamedArray& a : f.tensors)
      if (static_cast<int64_t>(a.values.size()) != cnnlab::numel(a.shape))
        std::abort();  // a tensor that disagrees with its own shape
  } catch (const cnnlab::Error&) {
    // a rejected file: the expected outcome for most inputs
  }
  return 0;
}
