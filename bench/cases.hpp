// cases.hpp — what the benchmark measures: three case sets (--size cpu | gpu | tiny).
//
// Contract: a case set lists the shapes of every case; the measuring code (measure.cpp) and
// bench/gpu_compare.py both take them from here (gpu_compare.py reads `cnnlab_bench --list`), so
// a case name means the same shapes on both sides of a comparison.
//   cpu   today's course layers (LeNet, CIFAR, VGG, AlexNet) in GFLOP/s, SGEMM 2048³, max pool
//         on 64×64×56×56, the LeNet-5 step, host cost per dispatch: short on a 2-core machine.
//   gpu   the cases of issue 11: SGEMM 4096³ and 8192³, five layers at their real batch sizes
//         (each pass on its own, TFLOP/s), ReLU on 64 M floats, max pool on 64×64×112×112,
//         the LeNet-5 step, host cost per dispatch. Too big for lavapipe (128 MiB buffers).
//   tiny  the gpu set's kinds with small shapes: checks the scripts on lavapipe in seconds;
//         its figures mean nothing.
// Not here: timing (timing.hpp) or the ops themselves (measure.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cnnlab::bench {

/// @brief A convolution layer in the course's notation: x (N, C, H, W), K filters of F×F,
///        stride S, padding P, dilation D, G groups (each filter sees C/G channels); run with
///        size_rule floor (PyTorch's output size).
struct ConvCase {
  std::string name, label;
  int64_t N, C, H, W, K, F;
  int S, P;
  int D = 1, G = 1;
};

/// @brief A transposed convolution (learnable upsampling): x (N, C, H, W) → y (N, K, H2, W2)
///        with filters of F×F, stride S, padding P, output padding OP; H2 = (H−1)S − 2P + F + OP.
///        Its FLOPs are those of the matching convolution: 2·N·C·H·W·K·F² per pass.
struct ConvTransposeCase {
  std::string name, label;
  int64_t N, C, H, W, K, F;
  int S, P, OP;
};

/// @brief C[n,n] = A[n,n]·B[n,n] through Backend::gemm into a preallocated C.
struct GemmCase {
  std::string name, label;
  int64_t n;
};

/// @brief 2×2/2 max pooling forward on x (N, C, H, W), through the ops API.
struct PoolCase {
  std::string name, label;
  int64_t N, C, H, W;
};

/// @brief Batch norm in training mode on x (N, C, H, W), through the ops API ("fwd": forward with
///        the running statistics' update, "fwd+bwd": that and the backward).
struct NormCase {
  std::string name, label;
  int64_t N, C, H, W;
};

/// @brief A memory-bound layer of issue 12, forward and forward+backward in GB/s (bytes each
///        pass must move at least, over its time): kind "lrn" (AlexNet's NORM, size 5, alpha
///        1e-4, beta 0.75, k 2), "l2pool" (F×F windows, stride S, no padding) or "gap" (global
///        average pooling), on x (N, C, H, W).
struct MemBoundCase {
  std::string kind, name, label;
  int64_t N, C, H, W;
  int64_t F = 0, S = 0;  ///< l2pool only
};

/// @brief One benchmark's list of cases (see the file comment for the three sets).
struct CaseSet {
  std::string flop_unit;               ///< "GFLOP/s" or "TFLOP/s"
  std::vector<ConvCase> convs;         ///< conv layers
  std::vector<std::string> conv_dirs;  ///< fwd, fwd+bwd, bwd_data, bwd_wgt: what to time
  std::vector<ConvTransposeCase> conv_transposes;  ///< transposed conv layers (same dirs)
  std::vector<GemmCase> gemms;
  std::vector<PoolCase> pools;
  std::vector<MemBoundCase> membound;  ///< lrn, l2pool, gap: fwd and fwd+bwd in GB/s
  int64_t relu_numel = 0;  ///< ReLU case ("relu": ops / prealloc) on this many floats; 0: none
  std::vector<NormCase> batchnorms;  ///< batch norm (train mode), GB/s
  int64_t dropout_numel = 0;         ///< dropout (p = 0.5, fwd) on this many floats; 0: none
  int64_t lenet_batch = 64;          ///< the LeNet-5 training step ("lenet5_step")
  int64_t dispatch_ops = 0;          ///< tiny ReLUs recorded back to back ("dispatch_overhead")
  int64_t dispatch_numel = 256;      ///< floats per tiny ReLU
  /// @brief Batch of the concat case ("concat_inception3a": GoogLeNet's inception (3a) join,
  ///        pieces of 64, 128, 32 and 32 channels of 28×28 → 256); 0: none.
  int64_t concat_batch = 0;
};

/// @brief The case set named @p size ("cpu", "gpu" or "tiny"); @p passes adds bwd_data and
///        bwd_wgt to the cpu set. @p dispatch_ops overrides the count of tiny dispatches if > 0.
/// @throws cnnlab::Error for another name.
CaseSet case_set(const std::string& size, bool passes, int64_t dispatch_ops);

/// @brief Prints one line per case: kind,name,dirs,params,label (read by bench/gpu_compare.py).
///        dirs and params are space-separated; params are KEY=VALUE.
void print_case_list(const CaseSet& set);

}  // namespace cnnlab::bench
