// The equivalence test: every registered variant of every op on every backend, over a list
// of shapes (tiny, prime, odd, larger than any block, empty, K = 0), against the independent
// reference (reference/hk_reference.hpp) and its tolerances. New variants are covered by
// registering them; a new op must add its cases to kCases below (the test fails until it
// does).
#include <functional>
#include <map>

#include "hk/registry.hpp"
#include "hk_reference.hpp"
#include "test_util.hpp"

namespace {

using hk::DType;
using hk::Options;
using hk::Shape;
using hk::Tensor;
using namespace hk_test;

const float kSentinelF = std::bit_cast<float>(0x7fa5a5a5u);  // a signalling-NaN pattern
constexpr int8_t kSentinelI8 = 0x5a;
constexpr int32_t kSentinelI32 = 0x5a5a5a5a;

struct MatmulShape { int64_t m, k, n; };
const MatmulShape kMatmulShapes[] = {
    {1, 1, 1},     {7, 13, 5},   {2, 3, 4},     {16, 16, 16},  {65, 67, 129}, {33, 100, 17},
    {1, 513, 257}, {257, 31, 1}, {2, 1500, 3},  {96, 96, 96},  {127, 1031, 513},
    {17, 300, 4100},  // N beyond any N-block
    // Inference shapes (cpu/gemm_shape.hpp): batch-1 layers and GEMVs (M = 1, N = 1, the
    // largest ones split over threads), small products the unpacked GEMM takes, small M
    // with a long K, a few rows of int8 (4 + 1, 4 + 2), and the shapes hk-bench compares with
    // the peers.
    {1, 784, 128}, {32, 784, 128}, {64, 128, 10}, {64, 64, 64}, {128, 128, 128}, {1, 2048, 515},
    {1100, 1000, 1}, {1, 1, 9},   {9, 1, 1},     {3, 1500, 70}, {4, 9000, 40}, {5, 37, 129}, {6, 70, 66},
    {0, 5, 3},     {4, 0, 3},    {3, 5, 0},     {0, 0, 0},     {1, 0, 5},     {5, 0, 1}};

// 524,365 elements: every parallel variant splits it over two threads (even i8 relu, whose
// grain is the largest), with a ragged last chunk.
const Shape kElementwiseShapes[] = {{0},     {1},          {7},     {16}, {31}, {1031}, {3, 5, 7}, {2, 3, 4, 5},
                                    {65537}, {524365}, {4, 0}};

std::string label(const Shape& s) { return hk::to_string(s); }

// A product of more than a million multiply-adds is large: there the fp64 reference, and
// on cuda_sim the simulated kernel, are slow.
bool large(const MatmulShape& s) { return s.m * s.k * s.n > int64_t{1} << 20; }

// The simulator runs each GPU thread's code on the CPU, under ctest with HK_SIM_CHECK's
// sanitizer on every access: a large product, or one that fills a tile's worth of threads
// for each of very few useful rows (1 × 2048 × 515), takes it up to seconds. On a large
// shape a cuda_sim variant gets one call: the exact integer fill for matmul, one weight
// layout for linear. The other fills, forms and epilogues stay with the smaller shapes,
// which reach the same tile edges.
bool one_call_on_sim(const Options& o, const MatmulShape& s) { return o.backend == hk::Backend::cuda_sim && large(s); }

// ---- matmul --------------------------------------------------------------------------

void check_matmul_f32(const Options& o, const MatmulShape& s, bool integer_fill) {
  SCOPED_TRACE(std::string(integer_fill ? "integer" : "normal") + " fill, M×K×N = " + std::to_string(s.m) +
               "×" + std::to_string(s.k) + "×" + std::to_string(s.n));
  unsigned seed = static_cast<unsigned>(s.m * 131 + s.k * 17 + s.n);
  auto av = integer_fill ? small_int_floats(size_t(s.m * s.k), seed) : normal_floats(size_t(s.m * s.k), seed);
  auto bv = integer_fill ? small_int_floats(size_t(s.k * s.n), seed + 1) : normal_floats(size_t(s.k * s.n), seed + 1);
  Tensor a = Tensor::from_vector(av, {s.m, s.k}), b = Tensor::from_vector(bv, {s.k, s.n});
  Guarded<float> out({s.m, s.n}, kSentinelF);
  hk::matmul(a, b, out.tensor(), o);
  ASSERT_TRUE(out.intact()) << "wrote outside the output";
  auto got = out.values();
  if (integer_fill) {
    auto ref = hk_ref::matmul(av, bv, s.m, s.k, s.n);
    for (size_t i = 0; i < got.size(); ++i)
      ASSERT_EQ(got[i], static_cast<float>(ref[i])) << "element " << i << " (exact for integer fills)";
  } else {
    ASSERT_EQ(hk_ref::judge::matmul(got, av, bv, s.m, s.k, s.n), "");
  }
  if (one_call_on_sim(o, s)) return;
  // The allocating form gives the same bits.
  Tensor again = hk::matmul(a, b, o);
  auto again_v = again.to_vector<float>();
  for (size_t i = 0; i < got.size(); ++i) ASSERT_TRUE(same_float(again_v[i], got[i])) << "element " << i;
}

void check_matmul_i8(const Options& o, const MatmulShape& s) {
  SCOPED_TRACE("M×K×N = " + std::to_string(s.m) + "×" + std::to_string(s.k) + "×" + std::to_string(s.n));
  unsigned seed = static_cast<unsigned>(s.m * 7 + s.k * 3 + s.n);
  auto av = int8s(size_t(s.m * s.k), seed), bv = int8s(size_t(s.k * s.n), seed + 1);
  Tensor a = Tensor::from_vector(av, {s.m, s.k}), b = Tensor::from_vector(bv, {s.k, s.n});
  Guarded<int32_t> out({s.m, s.n}, kSentinelI32);
  hk::matmul(a, b, out.tensor(), o);
  ASSERT_TRUE(out.intact()) << "wrote outside the output";
  ASSERT_EQ(hk_ref::judge::matmul(out.values(), av, bv, s.m, s.k, s.n), "");
}

void matmul_cases(const Options& o, DType t) {
  for (const MatmulShape& s : kMatmulShapes) {
    if (t == DType::f32) {
      check_matmul_f32(o, s, true);
      if (!one_call_on_sim(o, s)) check_matmul_f32(o, s, false);
    } else {
      check_matmul_i8(o, s);
    }
    if (testing::Test::HasFatalFailure()) return;
  }
}

// ---- linear ----------------------------------------------------------------------------

// One linear call in each weight layout, with and without bias and relu (every combination
// on small shapes; two on large ones, where the fp64 reference is the slow part, and one on
// cuda_sim: one_call_on_sim), judged by the reference; int8 with x already quantized and
// per-channel weight scales.
void check_linear(const Options& o, DType t, const MatmulShape& s, bool out_in, bool with_bias, bool relu) {
  SCOPED_TRACE(std::string(out_in ? "out_in" : "in_out") + (with_bias ? " bias" : "") + (relu ? " relu" : "") +
               ", M×K×N = " + std::to_string(s.m) + "×" + std::to_string(s.k) + "×" + std::to_string(s.n));
  const unsigned seed = static_cast<unsigned>(s.m * 5 + s.k * 11 + s.n * 3 + out_in);
  const Shape w_shape = out_in ? Shape{s.n, s.k} : Shape{s.k, s.n};
  auto bv = normal_floats(size_t(s.n), seed + 2);
  Tensor bias = with_bias ? Tensor::from_vector(bv, {s.n}) : Tensor();
  hk::LinearOptions lo{.layout = out_in ? hk::WeightLayout::out_in : hk::WeightLayout::in_out, .relu = relu};
  Guarded<float> out({s.m, s.n}, kSentinelF);
  std::string verdict;
  if (t == DType::f32) {
    auto xv = normal_floats(size_t(s.m * s.k), seed), wv = normal_floats(size_t(s.k * s.n), seed + 1);
    hk::linear(Tensor::from_vector(xv, {s.m, s.k}), Tensor::from_vector(wv, w_shape), bias, out.tensor(), lo, o);
    verdict = hk_ref::judge::linear(out.values(), xv, wv, with_bias ? bv : std::vector<float>{}, out_in, relu, s.m,
                                    s.k, s.n);
  } else {
    auto xv = int8s(size_t(s.m * s.k), seed), wv = int8s(size_t(s.k * s.n), seed + 1);
    std::vector<float> scales(size_t(s.n));
    for (size_t j = 0; j < scales.size(); ++j) scales[j] = 0.001f + 0.0007f * float(j % 13);
    lo.weight_scales = Tensor::from_vector(scales, {s.n});
    lo.input_scale = 0.0123f;
    hk::linear(Tensor::from_vector(xv, {s.m, s.k}), Tensor::from_vector(wv, w_shape), bias, out.tensor(), lo, o);
    verdict = hk_ref::judge::linear(out.values(), xv, wv, with_bias ? bv : std::vector<float>{}, out_in, relu, s.m,
                                    s.k, s.n, lo.input_scale, scales);
  }
  ASSERT_TRUE(out.intact()) << "wrote outside the output";
  ASSERT_EQ(verdict, "");
}

void linear_cases(const Options& o, DType t) {
  for (const MatmulShape& s : kMatmulShapes) {
    const bool small = !large(s);
    for (bool out_in : {false, true})
      for (int e = 0; e < 4; ++e) {
        const bool with_bias = e & 1, relu = e & 2;
        if (!small && e != (out_in ? 0 : 3)) continue;
        if (one_call_on_sim(o, s) && out_in != (s.n > s.k)) continue;  // (out, in) on the wide ones
        check_linear(o, t, s, out_in, with_bias, relu);
        if (testing::Test::HasFatalFailure()) return;
      }
  }
}

// ---- elementwise -----------------------------------------------------------------------

template <class Run, class Ref>
void check_unary_f32(const Run& run, const Ref& ref, const Shape& shape, std::vector<float> xv) {
  SCOPED_TRACE("shape " + label(shape));
  Tensor x = Tensor::from_vector(xv, shape);
  Guarded<float> out(shape, kSentinelF);
  run(x, out.tensor());
  ASSERT_TRUE(out.intact()) << "wrote outside the output";
  auto got = out.values();
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_TRUE(same_float(got[i], ref(xv[i]))) << "element " << i << ": x = " << xv[i] << ", got " << got[i]
                                                << ", expected " << ref(xv[i]);
  ASSERT_EQ(x.to_vector<float>().size(), xv.size());
}

void relu_cases(const Options& o, DType t) {
  for (const Shape& shape : kElementwiseShapes) {
    size_t n = size_t(numel(shape));
    if (t == DType::f32) {
      check_unary_f32([&](const Tensor& x, Tensor& out) { hk::relu(x, out, o); }, hk_ref::relu, shape,
                      with_specials(normal_floats(n, 11)));
    } else {
      SCOPED_TRACE("shape " + label(shape));
      std::vector<int8_t> xv(n);
      for (size_t i = 0; i < n; ++i) xv[i] = static_cast<int8_t>(int(i * 37 % 256) - 128);  // every value
      Guarded<int8_t> out(shape, kSentinelI8);
      hk::relu(Tensor::from_vector(xv, shape), out.tensor(), o);
      ASSERT_TRUE(out.intact()) << "wrote outside the output";
      ASSERT_EQ(hk_ref::judge::relu(out.values(), xv), "");
    }
    if (testing::Test::HasFatalFailure()) return;
  }
}

using BinaryOp = void (*)(const Tensor&, const Tensor&, Tensor&, const Options&);
template <BinaryOp F, class Ref> void binary_cases(const Options& o, const Ref& ref) {
  for (const Shape& shape : kElementwiseShapes) {
    SCOPED_TRACE("shape " + label(shape));
    size_t n = size_t(numel(shape));
    auto xv = with_specials(normal_floats(n, 21, 3.0f));
    auto yv = normal_floats(n, 22, 3.0f);
    std::reverse(yv.begin(), yv.end());
    yv = with_specials(yv);
    Guarded<float> out(shape, kSentinelF);
    F(Tensor::from_vector(xv, shape), Tensor::from_vector(yv, shape), out.tensor(), o);
    ASSERT_TRUE(out.intact()) << "wrote outside the output";
    auto got = out.values();
    for (size_t i = 0; i < n; ++i)
      ASSERT_TRUE(same_float(got[i], ref(xv[i], yv[i])))
          << "element " << i << ": x = " << xv[i] << ", y = " << yv[i] << ", got " << got[i];
  }
}

// ---- reductions ------------------------------------------------------------------------

const Shape kReduceShapes[] = {{0}, {1}, {7}, {16}, {1031}, {3, 5, 7}, {100003}, {1 << 20}};

void reduce_cases(const Options& o, bool distance) {
  for (const Shape& shape : kReduceShapes) {
    SCOPED_TRACE("shape " + label(shape));
    size_t n = size_t(numel(shape));
    auto xv = normal_floats(n, 31), yv = normal_floats(n, 32);
    Tensor x = Tensor::from_vector(xv, shape), y = Tensor::from_vector(yv, shape);
    double got = distance ? hk::euclidean_distance(x, y, o) : hk::dot(x, y, o);
    ASSERT_EQ(distance ? hk_ref::judge::euclidean_distance(got, xv, yv) : hk_ref::judge::dot(got, xv, yv), "");
  }
  // Small integers: every product and partial sum is exact in the accumulators, so the
  // result must be exact too, and a lost term or chunk shows (the bound above is loose at
  // large n).
  for (const Shape& shape : kReduceShapes) {
    SCOPED_TRACE("integer fill, shape " + label(shape));
    size_t n = size_t(numel(shape));
    std::vector<float> xv(n), yv(n);
    std::mt19937 rng(33);
    for (size_t i = 0; i < n; ++i) {
      xv[i] = float(int(rng() % 15) - 7);
      yv[i] = float(int(rng() % 15) - 7);
    }
    Tensor x = Tensor::from_vector(xv, shape), y = Tensor::from_vector(yv, shape);
    int64_t exact = 0;
    for (size_t i = 0; i < n; ++i)
      exact += distance ? int64_t(xv[i] - yv[i]) * int64_t(xv[i] - yv[i]) : int64_t(xv[i]) * int64_t(yv[i]);
    if (distance) {
      double ref = std::sqrt(double(exact));
      ASSERT_LE(std::fabs(hk::euclidean_distance(x, y, o) - ref), 2.0 * ref * 0x1p-52) << "sqrt of " << exact;
    } else {
      ASSERT_EQ(hk::dot(x, y, o), double(exact));
    }
  }
  // A NaN anywhere makes the result NaN.
  std::vector<float> xv(1000, 1.0f), yv(1000, 2.0f);
  xv[777] = std::numeric_limits<float>::quiet_NaN();
  Tensor x = Tensor::from_vector(xv, {1000}), y = Tensor::from_vector(yv, {1000});
  ASSERT_TRUE(std::isnan(distance ? hk::euclidean_distance(x, y, o) : hk::dot(x, y, o)));
}

// ---- quantization ---------------------------------------------------------------------

void quantize_cases(const Options& o) {
  for (float scale : {0.25f, 0.37f, 1e-3f, 3.0f}) {
    for (const Shape& shape : kElementwiseShapes) {
      SCOPED_TRACE("scale " + std::to_string(scale) + ", shape " + label(shape));
      size_t n = size_t(numel(shape));
      auto xv = with_specials(normal_floats(n, 41, 40.0f * scale));
      for (size_t i = 1; i < n; i += 7) xv[i] = (float(int(i % 301) - 150) + 0.5f) * scale;  // ties (exact when scale is 2^k)
      Guarded<int8_t> out(shape, kSentinelI8);
      hk::quantize(Tensor::from_vector(xv, shape), scale, out.tensor(), o);
      ASSERT_TRUE(out.intact()) << "wrote outside the output";
      auto got = out.values();
      for (size_t i = 0; i < n; ++i)
        ASSERT_EQ(int(got[i]), int(hk_ref::quantize(xv[i], scale))) << "element " << i << ": x = " << xv[i];
    }
  }
}

void dequantize_cases(const Options& o, DType t) {
  for (float scale : {0.25f, 0.37f, 1e-3f}) {
    for (const Shape& shape : kElementwiseShapes) {
      SCOPED_TRACE("scale " + std::to_string(scale) + ", shape " + label(shape));
      size_t n = size_t(numel(shape));
      Guarded<float> out(shape, kSentinelF);
      std::vector<int64_t> qv(n);
      if (t == DType::i8) {
        auto q = int8s(n, 51);
        std::copy(q.begin(), q.end(), qv.begin());
        hk::dequantize(Tensor::from_vector(q, shape), scale, out.tensor(), o);
      } else {
        std::mt19937 rng(52);
        std::vector<int32_t> q(n);
        for (size_t i = 0; i < n; ++i) q[i] = static_cast<int32_t>(rng()) >> (i % 8);  // wide range, incl. > 2^24
        std::copy(q.begin(), q.end(), qv.begin());
        hk::dequantize(Tensor::from_vector(q, shape), scale, out.tensor(), o);
      }
      ASSERT_TRUE(out.intact()) << "wrote outside the output";
      auto got = out.values();
      for (size_t i = 0; i < n; ++i)
        ASSERT_TRUE(same_float(got[i], hk_ref::dequantize(qv[i], scale))) << "element " << i << ": q = " << qv[i];
    }
  }
}

// ---- the table ---------------------------------------------------------------------------

const std::map<std::string, std::function<void(const Options&, DType)>> kCases = {
    {"matmul", matmul_cases},
    {"linear", linear_cases},
    {"relu", relu_cases},
    {"add", [](const Options& o, DType) { binary_cases<hk::add>(o, hk_ref::add); }},
    {"mul", [](const Options& o, DType) { binary_cases<hk::mul>(o, hk_ref::mul); }},
    {"squared_difference",
     [](const Options& o, DType) { binary_cases<hk::squared_difference>(o, hk_ref::squared_difference); }},
    {"dot", [](const Options& o, DType) { reduce_cases(o, false); }},
    {"euclidean_distance", [](const Options& o, DType) { reduce_cases(o, true); }},
    {"quantize", [](const Options& o, DType) { quantize_cases(o); }},
    {"dequantize", dequantize_cases},
};

struct RowRef {
  std::string op, variant;
  hk::Backend backend;
};

std::vector<RowRef> all_rows() {
  std::vector<RowRef> rows;
  for (const hk::VariantRow& r : hk::Registry::get().rows()) rows.push_back({r.op, r.variant, r.backend});
  return rows;
}

void PrintTo(const RowRef& r, std::ostream* os) { *os << hk::to_string(r.backend) << "/" << r.op << "/" << r.variant; }

class Equivalence : public testing::TestWithParam<RowRef> {};

TEST_P(Equivalence, MatchesOracle) {
  const RowRef& p = GetParam();
  const hk::VariantRow* row = hk::Registry::get().find(p.op, p.backend, p.variant);
  ASSERT_NE(row, nullptr);
  for (const hk::BackendInfo& b : hk::backends())
    if (b.backend == p.backend && !b.available) GTEST_SKIP() << "backend " << b.name << " unavailable: " << b.reason;
  if (!hk::Registry::supported(*row)) GTEST_SKIP() << "this machine lacks " << row->requirement.text;
  auto cases = kCases.find(p.op);
  ASSERT_NE(cases, kCases.end()) << "op '" << p.op << "' has no equivalence cases; add them to kCases";
  for (DType t : hk::Registry::dtypes(*row)) {
    SCOPED_TRACE("dtype " + hk::to_string(t));
    for (int threads : {1, 2}) {
      SCOPED_TRACE("threads " + std::to_string(threads));
      cases->second(Options{p.backend, p.variant, threads}, t);
      if (HasFatalFailure()) return;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Registry, Equivalence, testing::ValuesIn(all_rows()),
                         [](const testing::TestParamInfo<RowRef>& info) {
                           return hk::to_string(info.param.backend) + "_" + info.param.op + "_" + info.param.variant;
                         });

// Every op hk names has at least one variant on the CPU, and the test knows every op.
TEST(EquivalenceCoverage, EveryOpHasCasesAndACpuVariant) {
  for (const std::string& op : hk::ops()) {
    EXPECT_TRUE(kCases.count(op)) << op;
    bool cpu = false;
    for (const hk::VariantInfo& v : hk::variants(op)) cpu |= v.backend == hk::Backend::cpu;
    EXPECT_TRUE(cpu) << op << " has no cpu variant";
  }
}

}  // namespace
