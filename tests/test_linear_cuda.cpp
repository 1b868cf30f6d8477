// linear's CUDA kernels (cuda/kernels/linear_naive.cuh, linear_fused.cuh) under cuda_sim,
// judged by the one reference (fp64 for f32; int64, then each f32 step, for int8): both
// weight layouts, with and without bias and relu, shapes with partial tiles and empty
// dimensions. The fused
// kernel's promise — one pass, out stored once and never read — is checked with cuda_sim's
// profiler. On a machine with a GPU, LinearGpu.* (ctest label gpu) runs the cuda rows, the
// cuBLASLt baseline included, against the same reference; without one they skip and say why.
//
// This file is compiled with -ffp-contract=off (tests/CMakeLists.txt): the small-integer
// check computes its exact sums in float.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "hk/experimental/sim_check.hpp"
#include "hk/hk.hpp"
#include "hk_reference.hpp"
#include "gpu_skip.hpp"

namespace {

using hk::Tensor;

struct Shape3 {
  int64_t m, k, n;
};

std::string name(const Shape3& s) {
  return std::to_string(s.m) + "x" + std::to_string(s.k) + "x" + std::to_string(s.n);
}

// A layer's inputs on the host: x (m, k); w (k, n), or (n, k) when out_in; bias and the
// int8 scales (n).
struct Layer {
  Shape3 s{};
  bool out_in = false, bias = false, relu = false;
  std::vector<float> xf, wf, b, scales;
  std::vector<int8_t> xq, wq;
  float input_scale = 1;

  // W[p][j] of the (K, N) matrix, whichever layout holds it.
  template <class T> T w_at(const std::vector<T>& w, int64_t p, int64_t j) const {
    return out_in ? w[std::size_t(j * s.k + p)] : w[std::size_t(p * s.n + j)];
  }
  hk::Shape w_shape() const { return out_in ? hk::Shape{s.n, s.k} : hk::Shape{s.k, s.n}; }
  hk::LinearOptions options(bool i8) const {
    hk::LinearOptions o;
    o.layout = out_in ? hk::WeightLayout::out_in : hk::WeightLayout::in_out;
    o.relu = relu;
    if (i8) {
      o.weight_scales = Tensor::from_vector(scales, {s.n});
      o.input_scale = input_scale;
    }
    return o;
  }
  Tensor bias_tensor() const { return bias ? Tensor::from_vector(b, {s.n}) : Tensor(); }
};

Layer make_layer(Shape3 s, bool out_in, bool bias, bool relu, unsigned seed) {
  Layer l;
  l.s = s;
  l.out_in = out_in;
  l.bias = bias;
  l.relu = relu;
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> byte(-128, 127);
  std::uniform_real_distribution<float> scale(0.001f, 0.05f);
  const auto mk = std::size_t(s.m * s.k), kn = std::size_t(s.k * s.n), n = std::size_t(s.n);
  for (std::size_t i = 0; i < mk; ++i) l.xf.push_back(normal(rng)), l.xq.push_back(int8_t(byte(rng)));
  for (std::size_t i = 0; i < kn; ++i) l.wf.push_back(normal(rng)), l.wq.push_back(int8_t(byte(rng)));
  for (std::size_t j = 0; j < n; ++j) l.b.push_back(normal(rng)), l.scales.push_back(scale(rng));
  l.input_scale = scale(rng);
  return l;
}

float relu(float v) { return 0.0f > v ? 0.0f : v; }

// The one reference's judges (reference/judge.hpp): int8 bit for bit (the exact sum, then
// each f32 step of the epilogue), f32 within the float-sum bound with the bias as a term.
void expect_i8_matches_reference(const Layer& l, const std::vector<float>& got) {
  EXPECT_EQ(hk_ref::judge::linear(got, l.xq, l.wq, l.bias ? l.b : std::vector<float>{}, l.out_in, l.relu, l.s.m,
                                  l.s.k, l.s.n, l.input_scale, l.scales),
            "");
}

void expect_f32_near_reference(const Layer& l, const std::vector<float>& got) {
  EXPECT_EQ(hk_ref::judge::linear(got, l.xf, l.wf, l.bias ? l.b : std::vector<float>{}, l.out_in, l.relu, l.s.m,
                                  l.s.k, l.s.n),
            "");
}

void expect_bits_equal(const std::vector<float>& got, const std::vector<float>& want, int64_t n) {
  ASSERT_EQ(got.size(), want.size());
  int reported = 0;
  for (std::size_t i = 0; i < got.size(); ++i)
    if (std::bit_cast<uint32_t>(got[i]) != std::bit_cast<uint32_t>(want[i]) && reported++ < 5)
      ADD_FAILURE() << "out[" << int64_t(i) / n << "][" << int64_t(i) % n << "] = " << got[i] << ", reference "
                    << want[i] << " (bits differ)";
}

Tensor run_f32(const Layer& l, const hk::Options& o) {
  return hk::linear(Tensor::from_vector(l.xf, {l.s.m, l.s.k}), Tensor::from_vector(l.wf, l.w_shape()), l.bias_tensor(),
                    l.options(false), o);
}

Tensor run_i8(const Layer& l, const hk::Options& o) {
  return hk::linear(Tensor::from_vector(l.xq, {l.s.m, l.s.k}), Tensor::from_vector(l.wq, l.w_shape()), l.bias_tensor(),
                    l.options(true), o);
}

// Checks one variant on every shape, layout and epilogue. Partial tiles in every direction
// (33×65×17, 130×100×70), K not a multiple of 4 or of the K step, the course's MNIST layer
// (1×784×128), and empty dimensions (K = 0: the epilogue of zero sums).
void check_variant(const hk::Options& o, bool i8) {
  const Shape3 shapes[] = {{1, 784, 128}, {33, 65, 17}, {64, 64, 64}, {130, 100, 70}, {5, 3, 9},
                           {3, 1, 2},     {2, 0, 5},    {0, 7, 3},    {4, 7, 0},      {0, 0, 0}};
  unsigned seed = 1;
  for (const Shape3& s : shapes)
    for (bool out_in : {false, true})
      for (bool bias : {false, true})
        for (bool relu : {false, true}) {
          SCOPED_TRACE(name(s) + (out_in ? " W (N, K)" : " W (K, N)") + (bias ? " bias" : "") + (relu ? " relu" : ""));
          const Layer l = make_layer(s, out_in, bias, relu, seed++);
          const Tensor out = i8 ? run_i8(l, o) : run_f32(l, o);
          ASSERT_EQ(out.shape(), (hk::Shape{s.m, s.n}));
          ASSERT_EQ(out.dtype(), hk::DType::f32);
          const std::vector<float> got = out.to_vector<float>();
          if (i8)
            expect_i8_matches_reference(l, got);
          else
            expect_f32_near_reference(l, got);
        }
}

const hk::Options kSimNaive{hk::Backend::cuda_sim, "naive"}, kSimFused{hk::Backend::cuda_sim, "fused"};

// ---- cuda_sim: results -------------------------------------------------------------------

TEST(LinearCudaSim, NaiveF32MatchesTheReference) { check_variant(kSimNaive, false); }
TEST(LinearCudaSim, NaiveInt8MatchesTheReferenceBitForBit) { check_variant(kSimNaive, true); }
TEST(LinearCudaSim, FusedF32MatchesTheReference) { check_variant(kSimFused, false); }
TEST(LinearCudaSim, FusedInt8MatchesTheReferenceBitForBit) { check_variant(kSimFused, true); }

// Small integers make every f32 sum exact, so the epilogue's own rounding is all that is
// left: bias added once, rounded once, whatever the kernel.
TEST(LinearCudaSim, F32WithSmallIntegersIsExact) {
  const Shape3 s{70, 40, 66};
  for (const hk::Options& o : {kSimNaive, kSimFused})
    for (bool out_in : {false, true}) {
      SCOPED_TRACE(o.variant + (out_in ? " W (N, K)" : " W (K, N)"));
      Layer l = make_layer(s, out_in, true, true, 7);
      std::mt19937 rng(3);
      std::uniform_int_distribution<int> small(-8, 8);
      for (float& v : l.xf) v = float(small(rng));
      for (float& v : l.wf) v = float(small(rng));
      std::vector<float> want;
      for (int64_t i = 0; i < s.m; ++i)
        for (int64_t j = 0; j < s.n; ++j) {
          float sum = 0;  // exact: |Σ| ≤ 64·40
          for (int64_t p = 0; p < s.k; ++p) sum += l.xf[std::size_t(i * s.k + p)] * l.w_at(l.wf, p, j);
          want.push_back(relu(sum + l.b[std::size_t(j)]));
        }
      expect_bits_equal(run_f32(l, o).to_vector<float>(), want, s.n);
    }
}

// relu's rule holds inside the epilogue too: a NaN sum stays NaN.
TEST(LinearCudaSim, ReluKeepsNaN) {
  for (const hk::Options& o : {kSimNaive, kSimFused}) {
    SCOPED_TRACE(o.variant);
    Layer l = make_layer({3, 5, 6}, false, true, true, 11);
    l.xf[0] = std::nanf("");  // row 0 of out is NaN
    const std::vector<float> got = run_f32(l, o).to_vector<float>();
    for (int64_t j = 0; j < 6; ++j) EXPECT_TRUE(std::isnan(got[std::size_t(j)])) << j;
    for (std::size_t i = 6; i < got.size(); ++i) EXPECT_GE(got[i], 0.0f) << i;
  }
}

// int8 weights with f32 x: x is quantized in the call (cuda_sim's quantize, half to even),
// then the same kernels.
TEST(LinearCudaSim, Int8WeightsQuantizeF32Inputs) {
  for (const hk::Options& o : {kSimNaive, kSimFused}) {
    SCOPED_TRACE(o.variant);
    Layer l = make_layer({9, 37, 20}, true, true, true, 13);
    l.input_scale = 0.02f;
    l.xq = hk_ref::quantized(l.xf, l.input_scale);
    const Tensor out = hk::linear(Tensor::from_vector(l.xf, {l.s.m, l.s.k}), Tensor::from_vector(l.wq, l.w_shape()),
                                  l.bias_tensor(), l.options(true), o);
    expect_i8_matches_reference(l, out.to_vector<float>());
  }
}

// ---- cuda_sim: the fused kernel is one pass ------------------------------------------------

// Global bytes the fused kernel loads and stores for one call, from cuda_sim's profiler,
// which must see exactly one launch.
struct Traffic {
  uint64_t loaded = 0, stored = 0;
};
Traffic fused_traffic(const Layer& l, bool i8) {
  std::vector<hk::sim::SimKernelProfile> p = hk::sim::sim_profile([&] { (void)(i8 ? run_i8(l, kSimFused) : run_f32(l, kSimFused)); });
  EXPECT_EQ(p.size(), 1u) << "the epilogue must run inside the GEMM's launch, not as a pass of its own";
  if (p.empty()) return {};
  EXPECT_NE(p[0].kernel.find(i8 ? "linear_i8_fused" : "linear_f32_fused"), std::string::npos) << p[0].kernel;
  return {p[0].total.global_ld_bytes, p[0].total.global_st_bytes};
}

// A second pass (a bias or relu kernel after the GEMM, or a GEMM that stores its sums and
// then finishes them) would launch twice, store out twice, or read it back. Stores are
// counted directly: exactly m·n·4 bytes. Reads of out are told apart from the operands' by
// how they grow with K: the loads of x and W are proportional to K, while the epilogue's
// own loads and any read of out are not. So twice the loads at K, less the loads at 2K, is
// what the call reads besides x and W: nothing for f32 without bias, and otherwise the same
// amount for each per-column parameter (bias, int8's scales) — a read of out adds to every
// case alike and breaks both.
TEST(LinearCudaSim, FusedStoresEachOutputOnceAndNeverReadsOut) {
  if (!hk::sim::sim_checks_available())
    GTEST_SKIP() << "skipped: this build has no instrumented cuda_sim kernels (a sanitizer build), so no profiler";
  const int64_t m = 128, n = 128, k = 48;
  const uint64_t out_bytes = uint64_t(m * n) * 4;
  for (bool out_in : {false, true}) {
    uint64_t per_parameter = 0;  // what reading one (n) vector costs: f32 with bias tells
    for (bool i8 : {false, true})
      for (bool bias : {false, true}) {
        SCOPED_TRACE(std::string(i8 ? "int8" : "f32") + (out_in ? " W (N, K)" : " W (K, N)") + (bias ? " bias" : ""));
        const Traffic once = fused_traffic(make_layer({m, k, n}, out_in, bias, true, 21), i8);
        const Traffic twice = fused_traffic(make_layer({m, 2 * k, n}, out_in, bias, true, 22), i8);
        EXPECT_EQ(once.stored, out_bytes);
        EXPECT_EQ(twice.stored, out_bytes);
        ASSERT_GE(2 * once.loaded, twice.loaded);
        const uint64_t fixed = 2 * once.loaded - twice.loaded;  // parameters, and any read of out
        const int parameters = int(i8) + int(bias);
        if (parameters == 0) {
          EXPECT_EQ(fixed, 0u) << "f32 without bias has nothing to read but x and W";
        } else if (per_parameter == 0) {
          per_parameter = fixed;
          EXPECT_GE(per_parameter, uint64_t(n) * 4) << "the bias is read";
          EXPECT_LT(per_parameter, out_bytes);
        } else {
          EXPECT_EQ(fixed, parameters * per_parameter);
        }
      }
  }
}

// K = 0: no x, no W, nothing to sum — an f32 layer without bias loads nothing at all, and
// still writes every output (relu of zero sums).
TEST(LinearCudaSim, FusedWithEmptyKLoadsNothingAndStoresEveryOutput) {
  if (!hk::sim::sim_checks_available())
    GTEST_SKIP() << "skipped: this build has no instrumented cuda_sim kernels (a sanitizer build), so no profiler";
  const Layer l = make_layer({70, 0, 33}, false, false, true, 5);
  const Traffic t = fused_traffic(l, false);
  EXPECT_EQ(t.loaded, 0u);
  EXPECT_EQ(t.stored, uint64_t(70 * 33) * 4);
}

// ---- a GPU: the cuda rows and cuBLASLt --------------------------------------------------

TEST(LinearGpu, NaiveAndFusedMatchTheReference) {
  HK_REQUIRE_GPU();
  for (const char* variant : {"naive", "fused"}) {
    SCOPED_TRACE(variant);
    check_variant({hk::Backend::cuda, variant}, false);
    check_variant({hk::Backend::cuda, variant}, true);  // bit for bit: nvcc must not fuse the epilogue's steps
  }
}

// cuBLASLt runs f32 only (its row has no int8 kernel); int8 asked of it names the dtypes it takes.
TEST(LinearGpu, CublasLtMatchesTheReference) {
  HK_REQUIRE_GPU();
  const hk::Options o{hk::Backend::cuda, "cublaslt"};
  check_variant(o, false);
  const Layer l = make_layer({4, 8, 4}, false, true, false, 3);
  EXPECT_THROW(run_i8(l, o), hk::InvalidArgument);
}

// Data already on the device, in both layouts, as a model's layers keep it.
TEST(LinearGpu, DeviceTensorsGiveTheHostResults) {
  HK_REQUIRE_GPU();
  const hk::Device gpu = hk::Device::cuda(0);
  for (const char* variant : {"naive", "fused", "cublaslt"})
    for (bool out_in : {false, true}) {
      SCOPED_TRACE(std::string(variant) + (out_in ? " W (N, K)" : " W (K, N)"));
      const Layer l = make_layer({33, 65, 17}, out_in, true, true, 9);
      const Tensor out = hk::linear(Tensor::from_vector(l.xf, {l.s.m, l.s.k}).to(gpu),
                                    Tensor::from_vector(l.wf, l.w_shape()).to(gpu), l.bias_tensor().to(gpu),
                                    l.options(false), {hk::Backend::cuda, variant});
      EXPECT_TRUE(out.device().is_cuda());
      expect_f32_near_reference(l, out.to_vector<float>());
    }
}

}  // namespace
