// docs/design.md "Semantics", checked op by op with hand-computed values. The bad-input rules
// (shapes, dtypes, devices, aliasing, scales, variants, options) are in test_bad_input.cpp.
#include <cfenv>

#include "hk/cpu_features.hpp"
#include "test_util.hpp"

namespace {

using hk::DType;
using hk::Tensor;
using hk_test::same_float;

constexpr float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

using hk_test::message_of;

// Every relu variant on the CPU keeps NaN, keeps +inf, maps −inf to 0.
TEST(Semantics, ReluNonFinite) {
  Tensor x = Tensor::from_vector<float>({kNaN, kInf, -kInf, -1.0f, 2.5f, -0.0f}, {6});
  for (const hk::VariantInfo& v : hk::variants("relu")) {
    if (!v.supported) continue;
    SCOPED_TRACE(hk::to_string(v.backend) + "/" + v.variant);
    auto y = hk::relu(x, {v.backend, v.variant}).to_vector<float>();
    EXPECT_TRUE(std::isnan(y[0]));
    EXPECT_EQ(y[1], kInf);
    EXPECT_TRUE(same_float(y[2], 0.0f));
    EXPECT_TRUE(same_float(y[3], 0.0f));
    EXPECT_EQ(y[4], 2.5f);
    EXPECT_TRUE(same_float(y[5], -0.0f));
  }
}

// linear's f32 epilogue follows relu's rule and adds the bias column by column on every
// path a shape can take (GEMV, full and masked register tiles, the packed GEMM), in both
// weight layouts. Small integers keep every sum exact; x's last row holds a NaN.
TEST(Semantics, LinearEpilogueOnEveryPath) {
  const int64_t k = 3;
  for (auto [m, n] : std::vector<std::pair<int64_t, int64_t>>{{1, 10}, {1, 40}, {7, 10}, {12, 16}, {13, 33}, {30, 200}}) {
    std::vector<float> x(static_cast<std::size_t>(m * k)), w(static_cast<std::size_t>(k * n)),
        wt(static_cast<std::size_t>(n * k)), b(static_cast<std::size_t>(n));
    for (int64_t i = 0; i < m * k; ++i) x[std::size_t(i)] = float(i % 7 - 3);
    if (m > 1) x[std::size_t((m - 1) * k)] = kNaN;
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j) {
        w[std::size_t(p * n + j)] = float((p + 2 * j) % 5 - 2);
        wt[std::size_t(j * k + p)] = w[std::size_t(p * n + j)];
      }
    for (int64_t j = 0; j < n; ++j) b[std::size_t(j)] = float(j % 3 - 1);
    const Tensor xt = Tensor::from_vector(x, {m, k}), bt = Tensor::from_vector(b, {n});
    for (const hk::VariantInfo& v : hk::variants("linear")) {
      if (!v.supported || v.backend == hk::Backend::cuda) continue;
      for (bool out_in : {false, true})
        for (bool relu : {false, true}) {
          SCOPED_TRACE(hk::to_string(v.backend) + "/" + v.variant + " m=" + std::to_string(m) + " n=" +
                       std::to_string(n) + (out_in ? " out_in" : " in_out") + (relu ? " relu" : ""));
          const Tensor wtensor = out_in ? Tensor::from_vector(wt, {n, k}) : Tensor::from_vector(w, {k, n});
          const auto got = hk::linear(xt, wtensor, bt,
                                      {.layout = out_in ? hk::WeightLayout::out_in : hk::WeightLayout::in_out,
                                       .relu = relu},
                                      {v.backend, v.variant})
                               .to_vector<float>();
          for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) {
              double want = b[std::size_t(j)];
              for (int64_t p = 0; p < k; ++p) want += double(x[std::size_t(i * k + p)]) * w[std::size_t(p * n + j)];
              if (relu && want < 0) want = 0;
              const float g = got[std::size_t(i * n + j)];
              if (std::isnan(want))
                ASSERT_TRUE(std::isnan(g)) << "(" << i << ", " << j << ")";
              else
                ASSERT_TRUE(same_float(g, float(want))) << "(" << i << ", " << j << "): " << g << " vs " << want;
            }
        }
    }
  }
}

TEST(Semantics, QuantizeRoundsHalfToEvenAndSaturates) {
  // scale 1: the values are the quotients themselves.
  Tensor x = Tensor::from_vector<float>({0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 126.5f, 127.5f, 200.0f, -200.0f,
                                         kInf, -kInf, kNaN, -128.0f, 0.49999997f},
                                        {15});
  std::vector<int8_t> expected = {0, 2, 2, 0, -2, -2, 126, 127, 127, -127, 127, -127, 0, -127, 0};
  for (const hk::VariantInfo& v : hk::variants("quantize")) {
    if (!v.supported) continue;
    SCOPED_TRACE(v.variant);
    EXPECT_EQ(hk::quantize(x, 1.0f, {v.backend, v.variant}).to_vector<int8_t>(), expected);
  }
  // The course's astype(int8) wraps 200 to −56; hk saturates.
  EXPECT_EQ(hk::quantize(Tensor::full({1}, 200.0), 1.0f).to_vector<int8_t>()[0], 127);
}

TEST(Semantics, QuantizeDividesByScale) {
  // 0.3 / 0.1 in float is 3.0000002 → 3; 0.25 / 0.1 = 2.4999998 → 2 (a reciprocal multiply
  // would give 2.5000002 → 3 for some inputs; hk divides).
  Tensor x = Tensor::from_vector<float>({0.3f, 0.25f, -0.35f}, {3});
  auto q = hk::quantize(x, 0.1f).to_vector<int8_t>();
  EXPECT_EQ(q[0], int8_t(std::nearbyint(0.3f / 0.1f)));
  EXPECT_EQ(q[1], int8_t(std::nearbyint(0.25f / 0.1f)));
  EXPECT_EQ(q[2], int8_t(std::nearbyint(-0.35f / 0.1f)));
}

// quantize rounds half to even whatever rounding mode the caller has set, on every variant:
// the division and the rounding both happen as in the default mode. Caller threads and pool
// workers alike (the array is large enough for the parallel variants to use the pool).
TEST(Semantics, QuantizeIgnoresTheCallersRoundingMode) {
  struct Restore {
    ~Restore() { std::fesetround(FE_TONEAREST); }
  } restore;
  ASSERT_EQ(std::fegetround(), FE_TONEAREST);
  // The reference, computed here in the default mode: IEEE quotient, clamp, half to even.
  auto reference = [](const std::vector<float>& x, float scale) {
    std::vector<int8_t> q(x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      float v = x[i] / scale;
      v = std::isnan(v) ? 0.0f : std::fmin(std::fmax(v, -127.0f), 127.0f);
      float r = std::trunc(v);
      const float frac = std::fabs(v - r);  // exact
      if (frac > 0.5f || (frac == 0.5f && std::fmod(r, 2.0f) != 0)) r += v < 0 ? -1.0f : 1.0f;
      q[i] = static_cast<int8_t>(r);
    }
    return q;
  };
  // Halves, near-halves and ordinary values, in an odd count so SIMD tails are hit too.
  const float halves[] = {0.5f, 1.5f, 2.5f, 3.5f, 126.5f, 125.5f, 0.49999997f, 1.4999999f, 2.5000002f, 1.25f, 127.4f};
  std::vector<float> x = hk_test::normal_floats(300007, 11, 60.0f);
  for (size_t i = 0; i < x.size(); i += 3) x[i] = (i % 2 ? 1 : -1) * halves[(i / 3) % std::size(halves)];
  for (size_t i = 1; i < x.size(); i += 7) x[i] = static_cast<float>(int(i % 261) - 130) + 0.5f;
  // A quotient that only the default mode rounds up to a half: (1.5 + 2⁻²³) / (1 + 2⁻²³)
  // is just below 1.5 and rounds to 1.5 (then to 2) to nearest, to 1.4999999 downward.
  const float x_near = std::nextafter(1.5f, 2.0f), scale_near = std::nextafter(1.0f, 2.0f);
  std::vector<float> near(1001, x_near);
  for (size_t i = 0; i < near.size(); i += 2) near[i] = -x_near;
  const std::vector<int8_t> expected = reference(x, 1.0f), expected_near = reference(near, scale_near);
  ASSERT_EQ(expected_near[1], 2);
  const Tensor tx = Tensor::from_vector(x, {int64_t(x.size())});
  const Tensor tnear = Tensor::from_vector(near, {int64_t(near.size())});
  int checked = 0;
  for (int mode : {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO}) {
    for (const hk::VariantInfo& v : hk::variants("quantize")) {
      if (!v.supported) continue;
      SCOPED_TRACE(hk::to_string(v.backend) + "/" + v.variant + " in rounding mode " + std::to_string(mode));
      ASSERT_EQ(std::fesetround(mode), 0);
      std::vector<int8_t> got = hk::quantize(tx, 1.0f, {v.backend, v.variant, 2}).to_vector<int8_t>();
      std::vector<int8_t> got_near = hk::quantize(tnear, scale_near, {v.backend, v.variant, 2}).to_vector<int8_t>();
      EXPECT_EQ(std::fegetround(), mode) << "quantize changed the caller's rounding mode";
      std::fesetround(FE_TONEAREST);
      auto expect_same = [](const std::vector<float>& in, float scale, const std::vector<int8_t>& q,
                            const std::vector<int8_t>& want) {
        size_t wrong = 0, first = 0;
        for (size_t i = q.size(); i-- > 0;)
          if (q[i] != want[i]) ++wrong, first = i;
        EXPECT_EQ(wrong, 0u) << "first at " << first << ": " << std::hexfloat << in[first] << " / " << scale
                             << std::defaultfloat << " gave " << int(q[first]) << ", expected " << int(want[first]);
      };
      expect_same(x, 1.0f, got, expected);
      expect_same(near, scale_near, got_near, expected_near);
      ++checked;
    }
  }
  EXPECT_GE(checked, 4 * 3);
}

TEST(Semantics, SymmetricScale) {
  EXPECT_EQ(hk::symmetric_scale(Tensor::zeros({4, 4})), 1.0f);
  EXPECT_EQ(hk::symmetric_scale(Tensor::zeros({0})), 1.0f);
  EXPECT_EQ(hk::symmetric_scale(Tensor::from_vector<float>({1.0f, -254.0f, 3.0f}, {3})), 2.0f);
  EXPECT_GT(hk::symmetric_scale(Tensor::from_vector<float>({1e-44f}, {1})), 0.0f);
  std::string m = message_of<hk::InvalidArgument>([] { hk::symmetric_scale(Tensor::from_vector<float>({1, kNaN}, {2})); });
  EXPECT_NE(m.find("NaN"), std::string::npos) << m;
}

// max|x| is taken on the bits (quantize_simd.cpp): NaN (either sign) and ±inf must be found
// wherever they fall — first element, vector body, last element of the tail — and the
// largest magnitude wins when it is negative, including across the chunks of two threads
// (600,000 elements: more than two of max|x|'s grains).
TEST(Semantics, SymmetricScaleSeesEveryElement) {
  for (std::size_t n : {std::size_t(5), std::size_t(100), std::size_t(333), std::size_t(600000)}) {
    const std::vector<float> v = hk_test::normal_floats(n, 3);
    for (std::size_t at : {std::size_t(0), n / 2 + 1, n - 1}) {
      SCOPED_TRACE("n = " + std::to_string(n) + ", at " + std::to_string(at));
      std::vector<float> x = v;
      x[at] = -300.0f;
      EXPECT_EQ(hk::symmetric_scale(Tensor::from_vector(x, {int64_t(n)})), 300.0f / 127.0f);
      for (float bad : {kNaN, -kNaN, kInf, -kInf}) {
        x[at] = bad;
        const std::string m = message_of<hk::InvalidArgument>([&] { hk::symmetric_scale(Tensor::from_vector(x, {int64_t(n)})); });
        EXPECT_NE(m.find("NaN"), std::string::npos) << bad << ": " << m;
      }
    }
  }
}

// int8 weights with f32 x: every cpu linear variant quantizes x in the call, with
// symmetric_scale(x) or the given input_scale, exactly as quantize does; and at 300 × 700
// (210,000 elements) on two threads, where the quantization itself is split.
TEST(Semantics, LinearQuantizesF32InputsInTheCall) {
  const int64_t n = 24;
  std::vector<float> scales(std::size_t(n), 0.0f);
  for (std::size_t j = 0; j < scales.size(); ++j) scales[j] = 0.002f + 0.0003f * float(j % 7);
  const auto bv = hk_test::normal_floats(std::size_t(n), 41);
  for (const hk::VariantInfo& v : hk::variants("linear")) {
    if (!v.supported || v.backend != hk::Backend::cpu) continue;
    for (int64_t m : {3, 300}) {
      const int64_t k = m == 3 ? 37 : 700;
      SCOPED_TRACE(v.variant + ", M×K×N = " + std::to_string(m) + "×" + std::to_string(k) + "×" + std::to_string(n));
      std::vector<float> xv = hk_test::normal_floats(std::size_t(m * k), 42, 3.0f);
      xv.back() = -40.0f;  // the largest |x|, in the last thread's part
      const auto wv = hk_test::int8s(std::size_t(k * n), 43);
      const Tensor w = Tensor::from_vector(wv, {k, n}), bias = Tensor::from_vector(bv, {n});
      hk::LinearOptions lo{.relu = true, .weight_scales = Tensor::from_vector(scales, {n})};
      const hk::Options o{hk::Backend::cpu, v.variant, 2};
      // The scale by its definition: max|x| / 127, rounded to f32.
      const float dynamic = 40.0f / 127.0f;
      for (float input_scale : {0.0f, 0.05f}) {
        lo.input_scale = input_scale;
        const float used = input_scale == 0 ? dynamic : input_scale;
        const auto got = hk::linear(Tensor::from_vector(xv, {m, k}), w, bias, lo, o).to_vector<float>();
        EXPECT_EQ(hk_ref::judge::linear(got, hk_ref::quantized(xv, used), wv, bv, false, true, m, k, n, used, scales), "")
            << "input_scale " << input_scale;
      }
      // NaN: no dynamic scale represents it; a given scale quantizes it to 0.
      std::vector<float> xn = xv;
      xn[std::size_t(m * k / 2)] = kNaN;
      lo.input_scale = 0;
      const std::string msg = message_of<hk::InvalidArgument>([&] { hk::linear(Tensor::from_vector(xn, {m, k}), w, bias, lo, o); });
      EXPECT_NE(msg.find("NaN"), std::string::npos) << msg;
      EXPECT_NE(msg.find("input_scale"), std::string::npos) << msg;
      lo.input_scale = 0.05f;
      const auto got = hk::linear(Tensor::from_vector(xn, {m, k}), w, bias, lo, o).to_vector<float>();
      EXPECT_EQ(hk_ref::judge::linear(got, hk_ref::quantized(xn, 0.05f), wv, bv, false, true, m, k, n, 0.05f, scales), "");
    }
  }
}

// An x that no dynamic scale represents is refused even when the layer has no outputs (zero
// weight columns), on every host variant alike: the cpu backend quantizes x inside the call,
// the others before it, and an empty result must not skip that check on one of them only.
TEST(Semantics, LinearRefusesANonFiniteXToQuantizeWithNoOutputs) {
  std::vector<float> xv = hk_test::normal_floats(21 * 8, 44);
  xv[100] = kNaN;
  const Tensor x = Tensor::from_vector(xv, {21, 8});
  for (const hk::VariantInfo& v : hk::variants("linear")) {
    if (!v.supported || v.backend == hk::Backend::cuda) continue;
    for (hk::WeightLayout layout : {hk::WeightLayout::in_out, hk::WeightLayout::out_in}) {
      SCOPED_TRACE(hk::to_string(v.backend) + "/" + v.variant + (layout == hk::WeightLayout::out_in ? ", (out, in)" : ", (in, out)"));
      const Tensor w = Tensor::zeros(layout == hk::WeightLayout::out_in ? hk::Shape{0, 8} : hk::Shape{8, 0}, hk::DType::i8);
      const hk::LinearOptions lo{.layout = layout, .weight_scales = Tensor::zeros({0}, hk::DType::f32)};
      const hk::Options o{v.backend, v.variant};
      const std::string msg = message_of<hk::InvalidArgument>([&] { hk::linear(x, w, Tensor(), lo, o); });
      EXPECT_NE(msg.find("NaN"), std::string::npos) << msg;
      hk::LinearOptions given = lo;
      given.input_scale = 0.05f;  // a given scale quantizes NaN to 0: nothing to refuse
      EXPECT_EQ(hk::linear(x, w, Tensor(), given, o).shape(), (hk::Shape{21, 0}));
    }
  }
}

// A sum whose terms overflow float on the way has no one right f32 value: +inf, NaN, or −inf
// where a fused multiply-add keeps a product exact (−inf + a product past FLT_MAX), which
// relu makes a 0. Every host variant's result, on a GEMV and on a tile, is one of those, and
// the judge takes exactly those: a finite value is still wrong.
TEST(Semantics, ReluOfALinearSumThatOverflowsFollowsIEEE) {
  const float x0 = -5.0476893e15f, x1 = 1.0232344e15f, w0 = 8.743702e23f, w1 = 7.431825e37f;  // −4.4e39, +7.6e52
  for (int64_t m : {1, 8}) {
    const int64_t n = m == 1 ? 1 : 16;
    std::vector<float> xv, wv;
    for (int64_t i = 0; i < m; ++i) xv.insert(xv.end(), {x0, x1});
    for (float w : {w0, w1}) wv.insert(wv.end(), std::size_t(n), w);
    const Tensor x = Tensor::from_vector(xv, {m, 2}), w = Tensor::from_vector(wv, {2, n});
    for (const hk::VariantInfo& v : hk::variants("linear")) {
      if (!v.supported || v.backend == hk::Backend::cuda) continue;
      SCOPED_TRACE(hk::to_string(v.backend) + "/" + v.variant + ", M = " + std::to_string(m));
      const auto got = hk::linear(x, w, Tensor(), {.relu = true}, {v.backend, v.variant}).to_vector<float>();
      EXPECT_EQ(hk_ref::judge::linear(got, xv, wv, {}, false, true, m, 2, n), "");
      for (float g : got) EXPECT_TRUE(g == 0 || g == kInf || std::isnan(g)) << g;
    }
    for (float g : {0.0f, kInf, kNaN})
      EXPECT_EQ(hk_ref::judge::linear(std::vector<float>(std::size_t(m * n), g), xv, wv, {}, false, true, m, 2, n), "") << g;
    EXPECT_NE(hk_ref::judge::linear(std::vector<float>(std::size_t(m * n), 1.0f), xv, wv, {}, false, true, m, 2, n), "");
    EXPECT_NE(hk_ref::judge::linear(std::vector<float>(std::size_t(m * n), -kInf), xv, wv, {}, false, true, m, 2, n), "");
  }
}

TEST(Semantics, QuantizedMatmulMatchesItsDefinition) {
  auto av = hk_test::normal_floats(6 * 5, 1), bv = hk_test::normal_floats(5 * 4, 2);
  Tensor a = Tensor::from_vector(av, {6, 5}), b = Tensor::from_vector(bv, {5, 4});
  float sa = hk::symmetric_scale(a), sb = hk::symmetric_scale(b);
  auto got = hk::quantized_matmul(a, b, sa, sb).to_vector<float>();
  // Its definition: quantize, integer matmul, dequantize with sa·sb (the reference's steps).
  auto acc = hk_ref::matmul_i8(hk_ref::quantized(av, sa), hk_ref::quantized(bv, sb), 6, 5, 4);
  for (size_t e = 0; e < acc.size(); ++e) EXPECT_EQ(got[e], hk_ref::dequantize(acc[e], sa * sb)) << "element " << e;
  // Close to the fp32 product (quantization error only).
  auto exact = hk::matmul(a, b).to_vector<float>();
  for (size_t i = 0; i < exact.size(); ++i) EXPECT_NEAR(got[i], exact[i], 0.1);
}

TEST(Semantics, QuantizedReluMatchesItsDefinition) {
  Tensor x = Tensor::from_vector<float>({-1.0f, 0.26f, 3.0f, 1000.0f, kNaN}, {5});
  auto y = hk::quantized_relu(x, 0.5f).to_vector<float>();
  EXPECT_EQ(y, (std::vector<float>{0.0f, 0.5f, 3.0f, 63.5f, 0.0f}));
  Tensor qi = Tensor::from_vector<int8_t>({-5, 7}, {2});
  EXPECT_EQ(hk::quantized_relu(qi, 0.5f).to_vector<float>(), (std::vector<float>{0.0f, 3.5f}));
}

TEST(Semantics, MatmulWithZeroK) {
  Tensor a = Tensor::empty({3, 0}), b = Tensor::empty({0, 4});
  Tensor ai = Tensor::empty({3, 0}, DType::i8), bi = Tensor::empty({0, 4}, DType::i8);
  for (const hk::VariantInfo& v : hk::variants("matmul")) {
    if (!v.supported) continue;
    for (DType t : v.dtypes) {
      if (t == DType::f32)
        EXPECT_EQ(hk::matmul(a, b, {v.backend, v.variant}).to_vector<float>(), std::vector<float>(12, 0.0f)) << v.variant;
      else
        EXPECT_EQ(hk::matmul(ai, bi, {v.backend, v.variant}).to_vector<int32_t>(), std::vector<int32_t>(12, 0)) << v.variant;
    }
  }
}

// A term can be (−128)·(−128) = 2¹⁴, so K ≤ (2³¹ − 1) / 2¹⁴ = 131,071 keeps every sum in
// int32; K = 131,072 of such terms is 2³¹, one past INT32_MAX.
TEST(Semantics, Int8MatmulKLimit) {
  const int64_t k_max = 131071;
  struct Fill {
    int a, b;
  };
  for (const Fill f : {Fill{-128, -128}, Fill{-128, 127}, Fill{127, 127}}) {
    Tensor a = Tensor::full({1, k_max}, f.a, DType::i8), b = Tensor::full({k_max, 1}, f.b, DType::i8);
    const int64_t expected = int64_t{f.a} * f.b * k_max;  // exact, in int64
    for (const hk::VariantInfo& v : hk::variants("matmul")) {
      if (!v.supported || !std::count(v.dtypes.begin(), v.dtypes.end(), DType::i8)) continue;
      SCOPED_TRACE(hk::to_string(v.backend) + "/" + v.variant + ", a = " + std::to_string(f.a) +
                   ", b = " + std::to_string(f.b));
      EXPECT_EQ(int64_t{hk::matmul(a, b, {v.backend, v.variant}).to_vector<int32_t>().at(0)}, expected);
    }
  }
  Tensor a2 = Tensor::full({1, k_max + 1}, 1, DType::i8), b2 = Tensor::full({k_max + 1, 1}, 1, DType::i8);
  std::string m = message_of<hk::InvalidArgument>([&] { hk::matmul(a2, b2); });
  EXPECT_NE(m.find("131072"), std::string::npos) << m;
  EXPECT_NE(m.find("131071"), std::string::npos) << m;
  EXPECT_NE(m.find("−128·−128"), std::string::npos) << m;
}

TEST(Semantics, VariantGivenAnUnsupportedDtypeNamesWhatItTakes) {
  // Find a cpu variant of some op that doesn't take every dtype the op accepts.
  for (const hk::VariantInfo& v : hk::variants("matmul")) {
    if (v.backend != hk::Backend::cpu || !v.supported) continue;
    bool f32 = std::count(v.dtypes.begin(), v.dtypes.end(), DType::f32);
    bool i8 = std::count(v.dtypes.begin(), v.dtypes.end(), DType::i8);
    if (f32 && i8) continue;
    DType missing = f32 ? DType::i8 : DType::f32;
    std::string m = message_of<hk::InvalidArgument>(
        [&] { hk::matmul(Tensor::zeros({2, 2}, missing), Tensor::zeros({2, 2}, missing), {v.backend, v.variant}); });
    EXPECT_NE(m.find("takes " + hk::to_string(f32 ? DType::f32 : DType::i8)), std::string::npos) << m;
    return;
  }
  GTEST_SKIP() << "every cpu matmul variant takes both f32 and i8";
}

TEST(Semantics, UnavailableBackendSaysWhy) {
  for (const hk::BackendInfo& b : hk::backends()) {
    if (b.available) continue;
    SCOPED_TRACE(b.name);
    EXPECT_FALSE(b.reason.empty());
    std::string m = message_of<hk::BackendUnavailable>(
        [&] { hk::relu(Tensor::zeros({3}), {b.backend}); });
    EXPECT_NE(m.find(b.reason), std::string::npos) << m;
  }
  // On a machine without a driver, the cuda backend names the driver problem.
  for (const hk::BackendInfo& b : hk::backends()) {
    if (b.backend == hk::Backend::cuda && !b.available) {
      EXPECT_TRUE(b.reason.find("driver") != std::string::npos || b.reason.find("compiled") != std::string::npos ||
                  b.reason.find("device") != std::string::npos)
          << b.reason;
    }
  }
}

TEST(Semantics, NamedVariantTheMachineCannotRunIsAnError) {
  int checked = 0;
  for (const hk::VariantInfo& v : hk::variants()) {
    if (v.supported || v.backend != hk::Backend::cpu) continue;
    SCOPED_TRACE(v.op + "/" + v.variant);
    std::string m = message_of<hk::BackendUnavailable>([&] { hk_test::call_op(v.op, v.dtypes[0], {v.backend, v.variant}); });
    EXPECT_NE(m.find(v.requirement), std::string::npos) << m;
    ++checked;
  }
  if (checked == 0) GTEST_SKIP() << "every registered cpu variant runs on this CPU (HK_CPU_ISA level " << hk::cpu_isa_name() << ")";
}

}  // namespace
