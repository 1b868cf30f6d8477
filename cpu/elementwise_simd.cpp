// Elementwise ops, simd: relu (f32, i8), add, mul, squared_difference with Google Highway.
//
// The technique: one source, compiled by foreach_target.h once per x86 target (SCALAR,
// SSSE3, SSE4, AVX2, AVX-512); HWY_DYNAMIC_DISPATCH calls the best one the CPU has, capped by
// HK_CPU_ISA. Each instruction now handles 4, 8 or 16 floats (64 int8 for relu i8), so
// the loop runs out of memory bandwidth instead of out of instructions: once data comes
// from DRAM, the limit is bytes per second, which simd_transform-inl.h addresses with
// streaming stores. For small, cache-resident tensors the limit is the per-call overhead;
// beyond one core's bandwidth, `parallel` splits the work over the thread pool.
//
// Bit-exact with `naive` on every target:
// - relu is `0 > x ? 0 : x` as a compare and a select. Max(0, x) would give the same on
//   x86 (maxps returns its second operand for NaN and for ±0) but Highway does not promise
//   that operand rule on every target, and the compare cannot get NaN or −0.0 wrong.
// - add/mul/(x − y)² are single IEEE operations per element, rounded exactly as the scalar
//   code rounds. This file is compiled with -ffp-contract=off (cpu/CMakeLists.txt) so
//   nothing is ever fused into an FMA.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/elementwise_simd.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include "hwy/highway.h"
#include "cpu/simd_transform-inl.h"

HWY_BEFORE_NAMESPACE();
namespace hk::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void ReluF32(const float* HWY_RESTRICT x, float* HWY_RESTRICT out, size_t n, bool stream) {
  Transform(hn::ScalableTag<float>(), out, n, stream, [x](auto d, size_t i) HWY_ATTR {
    const auto v = hn::LoadU(d, x + i);
    return hn::IfThenZeroElse(hn::Lt(v, hn::Zero(d)), v);  // NaN < 0 is false: NaN stays
  });
}

void ReluI8(const int8_t* HWY_RESTRICT x, int8_t* HWY_RESTRICT out, size_t n, bool stream) {
  Transform(hn::ScalableTag<int8_t>(), out, n, stream,
            [x](auto d, size_t i) HWY_ATTR { return hn::Max(hn::LoadU(d, x + i), hn::Zero(d)); });
}

void AddF32(const float* HWY_RESTRICT x, const float* HWY_RESTRICT y, float* HWY_RESTRICT out, size_t n,
            bool stream) {
  Transform(hn::ScalableTag<float>(), out, n, stream,
            [x, y](auto d, size_t i) HWY_ATTR { return hn::Add(hn::LoadU(d, x + i), hn::LoadU(d, y + i)); });
}

void MulF32(const float* HWY_RESTRICT x, const float* HWY_RESTRICT y, float* HWY_RESTRICT out, size_t n,
            bool stream) {
  Transform(hn::ScalableTag<float>(), out, n, stream,
            [x, y](auto d, size_t i) HWY_ATTR { return hn::Mul(hn::LoadU(d, x + i), hn::LoadU(d, y + i)); });
}

void SquaredDifferenceF32(const float* HWY_RESTRICT x, const float* HWY_RESTRICT y, float* HWY_RESTRICT out,
                          size_t n, bool stream) {
  Transform(hn::ScalableTag<float>(), out, n, stream, [x, y](auto d, size_t i) HWY_ATTR {
    const auto diff = hn::Sub(hn::LoadU(d, x + i), hn::LoadU(d, y + i));
    return hn::Mul(diff, diff);
  });
}

}  // namespace hk::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "hk/registry.hpp"
#include "cpu/simd_kernels.hpp"

namespace hk::cpu {

HWY_EXPORT(ReluF32);
HWY_EXPORT(ReluI8);
HWY_EXPORT(AddF32);
HWY_EXPORT(MulF32);
HWY_EXPORT(SquaredDifferenceF32);

namespace simd {
void relu_f32(const float* x, float* out, size_t n, bool stream) { HWY_DYNAMIC_DISPATCH(ReluF32)(x, out, n, stream); }
void relu_i8(const int8_t* x, int8_t* out, size_t n, bool stream) { HWY_DYNAMIC_DISPATCH(ReluI8)(x, out, n, stream); }
void add_f32(const float* x, const float* y, float* out, size_t n, bool stream) {
  HWY_DYNAMIC_DISPATCH(AddF32)(x, y, out, n, stream);
}
void mul_f32(const float* x, const float* y, float* out, size_t n, bool stream) {
  HWY_DYNAMIC_DISPATCH(MulF32)(x, y, out, n, stream);
}
void squared_difference_f32(const float* x, const float* y, float* out, size_t n, bool stream) {
  HWY_DYNAMIC_DISPATCH(SquaredDifferenceF32)(x, y, out, n, stream);
}
}  // namespace simd

// The registry's kernels: the whole tensor in one call on the calling thread.
void relu_f32_simd(const float* x, float* out, int64_t n, const KernelContext&) {
  simd::relu_f32(x, out, size_t(n), simd::stream_stores(size_t(n) * sizeof(float)));
}
void relu_i8_simd(const int8_t* x, int8_t* out, int64_t n, const KernelContext&) {
  simd::relu_i8(x, out, size_t(n), simd::stream_stores(size_t(n)));
}
void add_f32_simd(const float* x, const float* y, float* out, int64_t n, const KernelContext&) {
  simd::add_f32(x, y, out, size_t(n), simd::stream_stores(size_t(n) * sizeof(float)));
}
void mul_f32_simd(const float* x, const float* y, float* out, int64_t n, const KernelContext&) {
  simd::mul_f32(x, y, out, size_t(n), simd::stream_stores(size_t(n) * sizeof(float)));
}
void squared_difference_f32_simd(const float* x, const float* y, float* out, int64_t n, const KernelContext&) {
  simd::squared_difference_f32(x, y, out, size_t(n), simd::stream_stores(size_t(n) * sizeof(float)));
}

}  // namespace hk::cpu
#endif  // HWY_ONCE
