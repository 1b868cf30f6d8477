// The SIMD and parallel CPU kernels beyond what the registry-wide equivalence test reaches:
// every Highway target compiled in (SCALAR, SSSE3, SSE4, AVX2, AVX3 — each one this CPU
// runs, not just the best), the streaming-store path (used only for outputs larger than
// the caches, so the equivalence shapes never take it), every output misalignment, every
// tail length, and the parallel variants at sizes well above their grain, with
// reductions that must give the same bits for any thread count.
#include <hwy/targets.h>

#include <functional>

#include "cpu/simd_kernels.hpp"
#include "cpu/simd_targets.hpp"
#include "hk_reference.hpp"
#include "test_util.hpp"

namespace {

using namespace hk_test;
using hk::Tensor;

const size_t kSizes[] = {0, 1, 3, 15, 16, 17, 31, 63, 64, 65, 127, 200, 1000, 4099};

// A buffer of n elements of T starting `offset` elements past a 64-byte boundary, with
// guard elements around it.
template <class T> struct OffsetBuffer {
  static constexpr size_t kGuard = 64;
  OffsetBuffer(size_t n, size_t offset, T sentinel)
      : n(n), offset(offset), sentinel(sentinel), storage((n + 2 * kGuard + offset) * sizeof(T) + 64) {
    auto base = reinterpret_cast<uintptr_t>(storage.data());
    base = (base + 63) / 64 * 64;
    buf = reinterpret_cast<T*>(base);
    for (size_t i = 0; i < n + 2 * kGuard + offset; ++i) buf[i] = sentinel;
  }
  T* data() { return buf + kGuard + offset; }
  bool intact() const {
    for (size_t i = 0; i < kGuard + offset; ++i)
      if (std::memcmp(&buf[i], &sentinel, sizeof(T))) return false;
    for (size_t i = kGuard + offset + n; i < n + 2 * kGuard + offset; ++i)
      if (std::memcmp(&buf[i], &sentinel, sizeof(T))) return false;
    return true;
  }
  size_t n, offset;
  T sentinel;
  std::vector<unsigned char> storage;
  T* buf;
};

const float kSentinelF = std::bit_cast<float>(0x7fa5a5a5u);

// Runs `check` once for every Highway target this CPU supports and HK_CPU_ISA allows,
// with dispatch forced to that target; restores normal dispatch afterwards.
void for_every_target(const std::function<void()>& check) {
  hk::cpu::apply_isa_cap();
  struct Restore {
    ~Restore() {
      hwy::SetSupportedTargetsForTest(0);
      hwy::GetChosenTarget().Update(hwy::SupportedTargets());
    }
  } restore;
  const std::vector<int64_t> targets = hwy::SupportedAndGeneratedTargets();
  ASSERT_FALSE(targets.empty());
  for (int64_t target : targets) {
    hwy::SetSupportedTargetsForTest(target);
    hwy::GetChosenTarget().Update(hwy::SupportedTargets());
    SCOPED_TRACE(std::string("Highway target ") + hwy::TargetName(target));
    ASSERT_EQ(hk::cpu::simd_target_name(), hwy::TargetName(target)) << "dispatch did not switch";
    check();
    if (testing::Test::HasFatalFailure()) return;
  }
}

// Runs `kernel(x, y, out, n, stream)` for every size, output offset and stream setting and
// compares each element with `ref`.
void check_binary(const char* name, void (*kernel)(const float*, const float*, float*, size_t, bool),
                  float (*ref)(float, float)) {
  for (bool stream : {false, true})
    for (size_t n : kSizes)
      for (size_t offset : {0, 1, 2, 3, 5, 8, 15}) {
        SCOPED_TRACE(std::string(name) + " n " + std::to_string(n) + " offset " + std::to_string(offset) +
                     (stream ? " streaming" : ""));
        auto xv = with_specials(normal_floats(n, unsigned(n + 1), 3.0f));
        auto yv = normal_floats(n, unsigned(n + 2), 3.0f);
        std::reverse(yv.begin(), yv.end());
        yv = with_specials(yv);
        OffsetBuffer<float> out(n, offset, kSentinelF);
        kernel(xv.data(), yv.data(), out.data(), n, stream);
        ASSERT_TRUE(out.intact()) << "wrote outside the output";
        for (size_t i = 0; i < n; ++i)
          ASSERT_TRUE(same_float(out.data()[i], ref(xv[i], yv[i])))
              << "element " << i << ": x " << xv[i] << " y " << yv[i] << " got " << out.data()[i];
      }
}

TEST(SimdKernels, BinaryOpsOnEveryTargetAlignmentAndTail) {
  for_every_target([] {
    check_binary("add", hk::cpu::simd::add_f32, hk_ref::add);
    check_binary("mul", hk::cpu::simd::mul_f32, hk_ref::mul);
    check_binary("squared_difference", hk::cpu::simd::squared_difference_f32, hk_ref::squared_difference);
  });
}

void check_relu() {
  for (bool stream : {false, true})
    for (size_t n : kSizes)
      for (size_t offset : {0, 1, 3, 7, 13, 33}) {
        SCOPED_TRACE("n " + std::to_string(n) + " offset " + std::to_string(offset) + (stream ? " streaming" : ""));
        auto xv = with_specials(normal_floats(n, unsigned(n)));
        OffsetBuffer<float> out(n, offset, kSentinelF);
        hk::cpu::simd::relu_f32(xv.data(), out.data(), n, stream);
        ASSERT_TRUE(out.intact());
        for (size_t i = 0; i < n; ++i)
          ASSERT_TRUE(same_float(out.data()[i], hk_ref::relu(xv[i]))) << "element " << i << ": x " << xv[i];

        std::vector<int8_t> qv(n);
        for (size_t i = 0; i < n; ++i) qv[i] = static_cast<int8_t>(int(i * 37 % 256) - 128);
        OffsetBuffer<int8_t> qout(n, offset, int8_t{0x5a});
        hk::cpu::simd::relu_i8(qv.data(), qout.data(), n, stream);
        ASSERT_TRUE(qout.intact());
        for (size_t i = 0; i < n; ++i) ASSERT_EQ(qout.data()[i], qv[i] < 0 ? 0 : qv[i]) << "element " << i;
      }
}

TEST(SimdKernels, ReluOnEveryTargetAlignmentAndTail) { for_every_target(check_relu); }

void check_quantization() {
  const float scale = 0.37f;
  for (bool stream : {false, true})
    for (size_t n : kSizes)
      for (size_t offset : {0, 1, 3, 7, 17}) {
        SCOPED_TRACE("n " + std::to_string(n) + " offset " + std::to_string(offset) + (stream ? " streaming" : ""));
        auto xv = with_specials(normal_floats(n, unsigned(n), 60.0f));
        for (size_t i = 1; i < n; i += 5) xv[i] = (float(int(i % 301) - 150) + 0.5f) * 0.25f;  // ties at scale 0.25
        OffsetBuffer<int8_t> q(n, offset, int8_t{0x5a});
        hk::cpu::simd::quantize_f32(xv.data(), scale, q.data(), n, stream);
        ASSERT_TRUE(q.intact());
        for (size_t i = 0; i < n; ++i) ASSERT_EQ(int(q.data()[i]), int(hk_ref::quantize(xv[i], scale))) << "x " << xv[i];
        OffsetBuffer<int8_t> q4(n, offset, int8_t{0x5a});
        hk::cpu::simd::quantize_f32(xv.data(), 0.25f, q4.data(), n, stream);
        for (size_t i = 0; i < n; ++i) ASSERT_EQ(int(q4.data()[i]), int(hk_ref::quantize(xv[i], 0.25f))) << "x " << xv[i];

        auto q8 = int8s(n, unsigned(n));
        OffsetBuffer<float> x8(n, offset, kSentinelF);
        hk::cpu::simd::dequantize_i8(q8.data(), scale, x8.data(), n, stream);
        ASSERT_TRUE(x8.intact());
        for (size_t i = 0; i < n; ++i) ASSERT_TRUE(same_float(x8.data()[i], hk_ref::dequantize(q8[i], scale)));

        std::vector<int32_t> q32(n);
        std::mt19937 rng{static_cast<unsigned>(n)};
        for (size_t i = 0; i < n; ++i) q32[i] = static_cast<int32_t>(rng()) >> (i % 9);
        OffsetBuffer<float> x32(n, offset, kSentinelF);
        hk::cpu::simd::dequantize_i32(q32.data(), scale, x32.data(), n, stream);
        ASSERT_TRUE(x32.intact());
        for (size_t i = 0; i < n; ++i)
          ASSERT_TRUE(same_float(x32.data()[i], hk_ref::dequantize(q32[i], scale))) << "q " << q32[i];
      }
}

TEST(SimdKernels, QuantizeAndDequantizeOnEveryTargetAlignmentAndTail) { for_every_target(check_quantization); }

// Quantize divides without a division where the target has FMA (a reciprocal and two residual
// steps, quantize_simd.cpp), which must give the division's bits: checked where a wrong quotient
// shows, the floats around every half-integer and integer quotient (±24 ulps), for scales at and
// just past the ends of that path's range and at random exponents.
void check_quantize_near_ties() {
  std::vector<float> scales = {1.0f, 0.25f, 1.0f / 127, 0x1.fffffep-1f, 0x1p-64f, 0x1p64f, 0x1.000002p-64f,
                               0x1.fffffep63f, 0x1.fffffep-65f, 0x1.000002p64f, 0x1p-100f, 0x1p100f};
  std::mt19937 rng{7};
  for (int i = 0; i < 24; ++i)
    scales.push_back(std::ldexp(1.0f + float(rng() % (1 << 23)) * 0x1p-23f, int(rng() % 81) - 40));
  std::vector<float> xv;
  for (float scale : scales)
    for (int k = -260; k <= 260; ++k)
      for (float c : {float(k) * scale, (float(k) + 0.5f) * scale}) {
        float lo = c, hi = c;
        for (int u = 0; u < 24; ++u) lo = std::nextafter(lo, -INFINITY), hi = std::nextafter(hi, INFINITY);
        for (float x = lo; x <= hi; x = std::nextafter(x, INFINITY)) xv.push_back(x);
      }
  std::vector<int8_t> q(xv.size());
  for (float scale : scales) {
    SCOPED_TRACE("scale " + std::to_string(scale));
    hk::cpu::simd::quantize_f32(xv.data(), scale, q.data(), xv.size(), false);
    for (size_t i = 0; i < xv.size(); ++i)
      ASSERT_EQ(int(q[i]), int(hk_ref::quantize(xv[i], scale))) << "x " << xv[i] << " (" << std::hexfloat << xv[i] << ")";
  }
}

TEST(SimdKernels, QuantizeGivesTheDivisionsBitsNearEveryTie) { for_every_target(check_quantize_near_ties); }

void check_reductions() {
  for (size_t n : kSizes) {
    SCOPED_TRACE("n " + std::to_string(n));
    auto xv = normal_floats(n, unsigned(n) + 5), yv = normal_floats(n, unsigned(n) + 6);
    for (size_t offset : {0, 1, 3}) {  // unaligned inputs
      if (offset > n) continue;
      const size_t m = n - offset;
      std::vector<float> xs(xv.begin() + long(offset), xv.end()), ys(yv.begin() + long(offset), yv.end());
      double dot = hk::cpu::simd::dot_f32(xv.data() + offset, yv.data() + offset, m);
      EXPECT_EQ(hk_ref::judge::dot(dot, xs, ys), "");
      double ssd = hk::cpu::simd::sum_squared_difference_f32(xv.data() + offset, yv.data() + offset, m);
      EXPECT_EQ(hk_ref::judge::sum_squared_difference(ssd, xs, ys), "");
    }
  }
}

TEST(SimdKernels, ReductionsOnEveryTargetWithinBoundForEveryTail) { for_every_target(check_reductions); }

// ---- parallel variants well above their grain -------------------------------------------

const hk::Shape kLarge[] = {{1 << 21}, {3, 333337}};

TEST(ParallelVariants, ElementwiseMatchOracleForAnyThreadCount) {
  for (const hk::Shape& shape : kLarge) {
    const size_t n = size_t(numel(shape));
    auto xv = with_specials(normal_floats(n, 3, 40.0f)), yv = with_specials(normal_floats(n, 4));
    Tensor x = Tensor::from_vector(xv, shape), y = Tensor::from_vector(yv, shape);
    std::vector<int8_t> iv(n);
    for (size_t i = 0; i < n; ++i) iv[i] = static_cast<int8_t>(int(i * 37 % 256) - 128);
    Tensor xi = Tensor::from_vector(iv, shape);
    for (int threads : {1, 2, 3}) {
      SCOPED_TRACE("shape " + hk::to_string(shape) + ", threads " + std::to_string(threads));
      hk::Options o{hk::Backend::cpu, "parallel", threads};
      auto relu = hk::relu(x, o).to_vector<float>();
      auto add = hk::add(x, y, o).to_vector<float>();
      auto sqd = hk::squared_difference(x, y, o).to_vector<float>();
      auto q = hk::quantize(x, 0.5f, o).to_vector<int8_t>();
      auto ri = hk::relu(xi, o).to_vector<int8_t>();
      auto dq = hk::dequantize(xi, 0.37f, o).to_vector<float>();
      for (size_t i = 0; i < n; ++i) {
        ASSERT_TRUE(same_float(relu[i], hk_ref::relu(xv[i]))) << "relu element " << i;
        ASSERT_TRUE(same_float(add[i], hk_ref::add(xv[i], yv[i]))) << "add element " << i;
        ASSERT_TRUE(same_float(sqd[i], hk_ref::squared_difference(xv[i], yv[i]))) << "squared_difference element " << i;
        ASSERT_EQ(q[i], hk_ref::quantize(xv[i], 0.5f)) << "quantize element " << i;
        ASSERT_EQ(ri[i], iv[i] < 0 ? 0 : iv[i]) << "relu i8 element " << i;
        ASSERT_TRUE(same_float(dq[i], hk_ref::dequantize(iv[i], 0.37f))) << "dequantize element " << i;
      }
    }
  }
}

// The partial sums follow fixed blocks, so the thread count cannot change a single bit.
TEST(ParallelVariants, ReductionsGiveTheSameBitsForAnyThreadCount) {
  const size_t n = (1 << 22) + 77;
  auto xv = normal_floats(n, 8), yv = normal_floats(n, 9);
  Tensor x = Tensor::from_vector(xv, {int64_t(n)}), y = Tensor::from_vector(yv, {int64_t(n)});
  const double dot1 = hk::dot(x, y, {hk::Backend::cpu, "parallel", 1});
  const double dist1 = hk::euclidean_distance(x, y, {hk::Backend::cpu, "parallel", 1});
  EXPECT_EQ(hk_ref::judge::dot(dot1, xv, yv), "");
  EXPECT_EQ(hk_ref::judge::euclidean_distance(dist1, xv, yv), "");
  for (int threads : {2, 3, 4}) {
    for (int repeat = 0; repeat < 3; ++repeat) {
      EXPECT_EQ(std::bit_cast<uint64_t>(hk::dot(x, y, {hk::Backend::cpu, "parallel", threads})),
                std::bit_cast<uint64_t>(dot1))
          << "threads " << threads;
      EXPECT_EQ(std::bit_cast<uint64_t>(hk::euclidean_distance(x, y, {hk::Backend::cpu, "parallel", threads})),
                std::bit_cast<uint64_t>(dist1))
          << "threads " << threads;
    }
  }
}

}  // namespace
