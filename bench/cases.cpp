// cases.cpp — the three case sets of cases.hpp, and the --list output gpu_compare.py reads.
#include "cases.hpp"

#include <cnnlab/core/error.hpp>

#include <cstdio>
#include <string>

namespace cnnlab::bench {

namespace {

// The memory-bound layers of issue 12 at course sizes (scaled to a small machine): LRN after
// AlexNet's c1 (96 maps of 55×55; AlexNet trained at batch 128), L2 pooling 3×3 stride 2 on a
// ResNet-sized map (57×57, so that the stride tiles it exactly: (57 − 3)/2 + 1 = 28) and the
// global average pooling at the end of ResNet-18 (512 maps of 7×7).
const std::vector<MemBoundCase> kMemBound = {
    {"lrn", "lrn_alexnet", "LRN after AlexNet c1, 8×96×55×55", 8, 96, 55, 55},
    {"l2pool", "l2pool_3x3s2", "L2 pool 3×3/2, 32×64×57×57", 32, 64, 57, 57, 3, 2},
    {"gap", "gap_resnet", "global avg pool, 64×512×7×7", 64, 512, 7, 7},
};

CaseSet cpu_set(bool passes) {
  CaseSet s;
  s.flop_unit = "GFLOP/s";
  s.convs = {
      {"lenet_c1", "LeNet c1 5×5 p2, 64×1×28×28 → 6", 64, 1, 28, 28, 6, 5, 1, 2},
      {"lenet_c2", "LeNet c2 5×5, 64×6×14×14 → 16", 64, 6, 14, 14, 16, 5, 1, 0},
      {"cifar", "CIFAR 3×3 p1, 64×3×32×32 → 32", 64, 3, 32, 32, 32, 3, 1, 1},
      {"vgg_mid", "VGG mid 3×3 p1, 8×64×56×56 → 64", 8, 64, 56, 56, 64, 3, 1, 1},
      {"vgg_deep", "VGG deep 3×3 p1, 8×256×28×28 → 256", 8, 256, 28, 28, 256, 3, 1, 1},
      {"alexnet_c1", "AlexNet c1 11×11 s4, 4×3×227×227 → 96", 4, 3, 227, 227, 96, 11, 4, 0},
      // size_rule floor: (224 + 6 − 7)/2 is not a whole number; 112×112 out, as in PyTorch
      {"resnet_stem", "ResNet-18 stem 7×7 s2 p3 (floor), 8×3×224×224 → 64", 8, 3, 224, 224, 64, 7,
       2, 3},
      // One image (issue 13): fewer images than threads, so the threads must share the work
      // inside an image (rows of outputs, tap chunks) — on 2 cores the same situation as the
      // batch-8 VGG layers on 16 cores.
      {"vgg_mid_n1", "VGG mid 3×3 p1, 1×64×56×56 → 64", 1, 64, 56, 56, 64, 3, 1, 1},
      {"vgg_deep_n1", "VGG deep 3×3 p1, 1×256×28×28 → 256", 1, 256, 28, 28, 256, 3, 1, 1},
      {"alexnet_c1_n1", "AlexNet c1 11×11 s4, 1×3×227×227 → 96", 1, 3, 227, 227, 96, 11, 4, 0},
      // Convolution variants (issue 12): depthwise (MobileNet, batch scaled down from 32),
      // dilated (rate 2: a 5×5 receptive field with 9 taps), grouped (AlexNet's two-GPU conv2).
      {"depthwise", "depthwise 3×3 p1 G=64, 8×64×56×56 → 64", 8, 64, 56, 56, 64, 3, 1, 1, 1, 64},
      {"dilated", "dilated 3×3 D=2 p2, 8×64×56×56 → 64", 8, 64, 56, 56, 64, 3, 1, 2, 2, 1},
      {"alexnet_g2", "AlexNet conv2 5×5 p2 G=2, 4×96×27×27 → 256", 4, 96, 27, 27, 256, 5, 1, 2, 1,
       2},
  };
  s.conv_dirs = {"fwd", "fwd+bwd"};
  if (passes) s.conv_dirs.insert(s.conv_dirs.end(), {"bwd_data", "bwd_wgt"});
  s.conv_transposes = {
      {"dcgan_up", "DCGAN up 4×4 s2 p1, 64×128×16×16 → 64 (32×32)", 64, 128, 16, 16, 64, 4, 2, 1,
       0},
      {"fcn_up", "FCN up 3×3 s2 p1 op1, 8×64×28×28 → 32 (56×56)", 8, 64, 28, 28, 32, 3, 2, 1, 1},
  };
  s.gemms = {{"sgemm2048", "SGEMM 2048³", 2048}};
  s.pools = {{"maxpool", "max pool 2×2/2, 64×64×56×56", 64, 64, 56, 56}};
  // the 32×64×56×56, scaled down to 8 images for a 2-core machine (25.7 MB of x)
  s.batchnorms = {{"batchnorm", "batch norm train, 8×64×56×56", 8, 64, 56, 56}};
  s.dropout_numel = int64_t{16} << 20;  // 16 M floats: 64 MB in, 64 MB out
  s.concat_batch = 32;
  s.membound = kMemBound;
  s.dispatch_ops = 10000;
  return s;
}

CaseSet gpu_set() {
  CaseSet s;
  s.flop_unit = "TFLOP/s";
  s.convs = {
      {"vgg_conv4", "VGG conv4 3×3, 32×512×28×28 → 512", 32, 512, 28, 28, 512, 3, 1, 1},
      {"vgg_conv3", "VGG conv3 3×3, 32×256×56×56 → 256", 32, 256, 56, 56, 256, 3, 1, 1},
      {"vgg_conv1_2", "VGG conv1_2 3×3, 32×64×224×224 → 64", 32, 64, 224, 224, 64, 3, 1, 1},
      {"resnet_3x3", "ResNet 3×3, 32×64×56×56 → 64", 32, 64, 56, 56, 64, 3, 1, 1},
      {"alexnet_c1", "AlexNet c1 11×11 s4, 4×3×227×227 → 96", 4, 3, 227, 227, 96, 11, 4, 0},
  };
  s.conv_dirs = {"fwd", "bwd_data", "bwd_wgt"};
  s.conv_transposes = {
      {"dcgan_up", "DCGAN up 4×4 s2 p1, 64×128×16×16 → 64 (32×32)", 64, 128, 16, 16, 64, 4, 2, 1,
       0},
      {"dcgan_up_big", "DCGAN up 4×4 s2 p1, 64×512×16×16 → 256 (32×32)", 64, 512, 16, 16, 256, 4, 2,
       1, 0},
  };
  s.gemms = {{"sgemm4096", "SGEMM 4096³", 4096}, {"sgemm8192", "SGEMM 8192³", 8192}};
  s.pools = {{"maxpool_112", "max pool 2×2/2, 64×64×112×112", 64, 64, 112, 112}};
  s.membound = {{"lrn", "lrn_alexnet", "LRN after AlexNet c1, 64×96×55×55", 64, 96, 55, 55},
                {"l2pool", "l2pool_3x3s2", "L2 pool 3×3/2, 32×64×113×113", 32, 64, 113, 113, 3, 2},
                {"gap", "gap_resnet", "global avg pool, 256×512×7×7", 256, 512, 7, 7}};
  s.relu_numel = int64_t{64} << 20;  // 64 M floats: 256 MB in, 256 MB out
  s.batchnorms = {{"batchnorm_32", "batch norm train, 32×64×56×56", 32, 64, 56, 56}};
  s.dropout_numel = int64_t{64} << 20;
  s.concat_batch = 128;
  s.dispatch_ops = 10000;
  return s;
}

CaseSet tiny_set() {
  CaseSet s;
  s.flop_unit = "GFLOP/s";
  s.convs = {
      {"vgg_conv4", "tiny VGG conv4 3×3, 2×32×14×14 → 32", 2, 32, 14, 14, 32, 3, 1, 1},
      {"resnet_3x3", "tiny ResNet 3×3, 2×16×28×28 → 16", 2, 16, 28, 28, 16, 3, 1, 1},
      {"alexnet_c1", "tiny AlexNet c1 11×11 s4, 1×3×67×67 → 8", 1, 3, 67, 67, 8, 11, 4, 0},
  };
  s.conv_dirs = {"fwd", "bwd_data", "bwd_wgt"};
  s.conv_transposes = {
      {"dcgan_up", "tiny DCGAN up 4×4 s2 p1, 2×16×8×8 → 8 (16×16)", 2, 16, 8, 8, 8, 4, 2, 1, 0},
  };
  s.gemms = {{"sgemm256", "SGEMM 256³", 256}};
  s.pools = {{"maxpool_28", "max pool 2×2/2, 4×8×28×28", 4, 8, 28, 28}};
  s.membound = {{"lrn", "lrn_alexnet", "tiny LRN, 2×16×13×13", 2, 16, 13, 13},
                {"l2pool", "l2pool_3x3s2", "tiny L2 pool 3×3/2, 2×8×15×15", 2, 8, 15, 15, 3, 2},
                {"gap", "gap_resnet", "tiny global avg pool, 4×32×7×7", 4, 32, 7, 7}};
  s.relu_numel = int64_t{1} << 16;
  s.batchnorms = {{"batchnorm_tiny", "batch norm train, 2×8×14×14", 2, 8, 14, 14}};
  s.dropout_numel = int64_t{1} << 16;
  s.lenet_batch = 8;
  s.concat_batch = 2;
  s.dispatch_ops = 500;
  return s;
}

}  // namespace

CaseSet case_set(const std::string& size, bool passes, int64_t dispatch_ops) {
  CaseSet s;
  if (size == "cpu")
    s = cpu_set(passes);
  else if (size == "gpu")
    s = gpu_set();
  else if (size == "tiny")
    s = tiny_set();
  else
    throw Error("cnnlab_bench: --size '" + size + "' is not a case set: use cpu, gpu or tiny");
  if (dispatch_ops > 0) s.dispatch_ops = dispatch_ops;
  return s;
}

void print_case_list(const CaseSet& s) {
  // kind,name,dirs,params,label — params are what gpu_compare.py needs to build the same case.
  std::string dirs;
  for (const std::string& d : s.conv_dirs) dirs += (dirs.empty() ? "" : " ") + d;
  for (const ConvCase& c : s.convs)
    std::printf("conv,%s,%s,N=%lld C=%lld H=%lld W=%lld K=%lld F=%lld S=%d P=%d D=%d G=%d,%s\n",
                c.name.c_str(), dirs.c_str(), static_cast<long long>(c.N),
                static_cast<long long>(c.C), static_cast<long long>(c.H),
                static_cast<long long>(c.W), static_cast<long long>(c.K),
                static_cast<long long>(c.F), c.S, c.P, c.D, c.G, c.label.c_str());
  for (const ConvTransposeCase& c : s.conv_transposes)
    std::printf(
        "conv_transpose,%s,%s,N=%lld C=%lld H=%lld W=%lld K=%lld F=%lld S=%d P=%d OP=%d,%s\n",
        c.name.c_str(), dirs.c_str(), static_cast<long long>(c.N), static_cast<long long>(c.C),
        static_cast<long long>(c.H), static_cast<long long>(c.W), static_cast<long long>(c.K),
        static_cast<long long>(c.F), c.S, c.P, c.OP, c.label.c_str());
  for (const GemmCase& g : s.gemms)
    std::printf("gemm,%s,fwd,n=%lld,%s\n", g.name.c_str(), static_cast<long long>(g.n),
                g.label.c_str());
  for (const PoolCase& p : s.pools)
    std::printf("maxpool,%s,fwd,N=%lld C=%lld H=%lld W=%lld,%s\n", p.name.c_str(),
                static_cast<long long>(p.N), static_cast<long long>(p.C),
                static_cast<long long>(p.H), static_cast<long long>(p.W), p.label.c_str());
  for (const MemBoundCase& m : s.membound)
    std::printf("%s,%s,fwd fwd+bwd,N=%lld C=%lld H=%lld W=%lld%s,%s\n", m.kind.c_str(),
                m.name.c_str(), static_cast<long long>(m.N), static_cast<long long>(m.C),
                static_cast<long long>(m.H), static_cast<long long>(m.W),
                m.kind == "l2pool"
                    ? (" F=" + std::to_string(m.F) + " S=" + std::to_string(m.S)).c_str()
                    : "",
                m.label.c_str());
  if (s.relu_numel > 0) {
    const long long n = static_cast<long long>(s.relu_numel);
    if (n % (1 << 20) == 0)
      std::printf("relu,relu,ops prealloc,numel=%lld,ReLU on %lld M floats\n", n, n >> 20);
    else
      std::printf("relu,relu,ops prealloc,numel=%lld,ReLU on %lld floats\n", n, n);
  }
  if (s.concat_batch > 0)
    std::printf(
        "concat,concat_inception3a,fwd bwd,N=%lld H=28 W=28,concat of inception (3a): "
        "%lld x (64+128+32+32) x 28x28\n",
        static_cast<long long>(s.concat_batch), static_cast<long long>(s.concat_batch));
  std::printf("lenet,lenet5_step,train,batch=%lld,LeNet-5 training step at batch %lld\n",
              static_cast<long long>(s.lenet_batch), static_cast<long long>(s.lenet_batch));
  if (s.dispatch_ops > 0)
    std::printf(
        "dispatch,dispatch_overhead,prealloc prealloc_rec ops ops_rec,ops=%lld numel=%lld,"
        "host cost per op: %lld ReLUs on %lld floats then one synchronize\n",
        static_cast<long long>(s.dispatch_ops), static_cast<long long>(s.dispatch_numel),
        static_cast<long long>(s.dispatch_ops), static_cast<long long>(s.dispatch_numel));
}

}  // namespace cnnlab::bench
