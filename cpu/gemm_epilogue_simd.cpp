// linear's epilogue (gemm_epilogue.hpp) on SIMD vectors, with Google Highway: a tile of sums
// in, act(sum · s[j] + bias[j]) out, a vector of columns at a time for every row.
//
// Why its own file: the GEMMs that call it are generic code, where the compiler left this
// loop scalar (a conversion, a multiply, an add and a compare per element) and the epilogue
// of a small int8 layer took as long as its packing. Highway compiles it once per x86 target
// and calls the best the CPU has (capped by HK_CPU_ISA), like the elementwise ops.
//
// Bit-exact with the order gemm_epilogue.hpp states, on every target: int32 → float rounds
// to nearest as the scalar conversion does; s[j] = input_scale · weight_scale[j], then
// float(sum) · s[j], then + bias[j], each one IEEE operation (built with -ffp-contract=off,
// cpu/CMakeLists.txt, so none fuses into an FMA); relu is `0 > v ? 0 : v`, a compare and a
// select, so NaN and −0 stay. Earlier k blocks' int32 sums add modulo 2³², as the GEMM's do.
// Full vectors first, then the columns past the last one in narrower whole vectors: no lane
// reads or writes past the tile's edge, on targets with masked loads or without.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/gemm_epilogue_simd.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep

#include "hwy/highway.h"
#include "hk/registry.hpp"

HWY_BEFORE_NAMESPACE();
namespace hk::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Columns [j, j + Lanes(d)) of every row.
template <class D, class C>
HWY_INLINE void FinishColumns(D d, int64_t j, const C* sums, int64_t lds, const void* partial, float* out,
                              int64_t ldo, int64_t rows, const kernel::Epilogue& e) {
  constexpr bool kInt = std::is_integral_v<C>;
  const hn::RebindToSigned<D> di;
  const auto zero = hn::Zero(d);
  auto scale = zero;
  if constexpr (kInt) scale = hn::Mul(hn::Set(d, e.input_scale), hn::LoadU(d, e.weight_scale + j));
  const auto bias = e.bias ? hn::LoadU(d, e.bias + j) : zero;
  for (int64_t r = 0; r < rows; ++r) {
    float* o = out + r * ldo + j;
    const C* row = sums + r * lds + j;
    const C* before = partial ? static_cast<const C*>(partial) + r * ldo + j : nullptr;  // the output's words
    hn::Vec<D> v;
    if constexpr (kInt) {
      auto acc = hn::LoadU(di, row);
      if (before) acc = hn::Add(acc, hn::LoadU(di, before));  // wraps mod 2³², like the GEMM
      v = hn::Mul(hn::ConvertTo(d, acc), scale);
    } else {
      v = hn::LoadU(d, row);
      if (before) v = hn::Add(hn::LoadU(d, before), v);
    }
    if (e.bias) v = hn::Add(v, bias);
    if (e.relu) v = hn::IfThenZeroElse(hn::Lt(v, zero), v);  // NaN < 0 is false: NaN stays
    hn::StoreU(v, d, o);
  }
}

template <class C>
void FinishTile(const C* sums, int64_t lds, const void* partial, float* out, int64_t ldo, int64_t rows,
                int64_t cols, const kernel::Epilogue& e) {
  const hn::ScalableTag<float> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  int64_t j = 0;
  for (; j + lanes <= cols; j += lanes) FinishColumns(d, j, sums, lds, partial, out, ldo, rows, e);
  // The rest in ever narrower whole vectors (10 columns: 8 + 2), each read and written in
  // full, so nothing past the tile's edge is touched on any target.
  auto narrower = [&](auto dc) {
    const int64_t width = static_cast<int64_t>(hn::Lanes(dc));
    if (width < lanes)
      for (; j + width <= cols; j += width) FinishColumns(dc, j, sums, lds, partial, out, ldo, rows, e);
  };
  narrower(hn::CappedTag<float, 8>());
  narrower(hn::CappedTag<float, 4>());
  narrower(hn::CappedTag<float, 2>());
  narrower(hn::CappedTag<float, 1>());
}

void FinishTileI32(const int32_t* sums, int64_t lds, const void* partial, float* out, int64_t ldo, int64_t rows,
                   int64_t cols, const kernel::Epilogue& e) {
  FinishTile(sums, lds, partial, out, ldo, rows, cols, e);
}

void FinishTileF32(const float* sums, int64_t lds, const void* partial, float* out, int64_t ldo, int64_t rows,
                   int64_t cols, const kernel::Epilogue& e) {
  FinishTile(sums, lds, partial, out, ldo, rows, cols, e);
}

}  // namespace hk::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "cpu/gemm_epilogue.hpp"

namespace hk::cpu {

HWY_EXPORT(FinishTileI32);
HWY_EXPORT(FinishTileF32);

void finish_tile_i32(const int32_t* sums, int64_t lds, const void* partial, float* out, int64_t ldo, int64_t rows,
                     int64_t cols, const Epilogue& e) {
  HWY_DYNAMIC_DISPATCH(FinishTileI32)(sums, lds, partial, out, ldo, rows, cols, e);
}

void finish_tile_f32(const float* sums, int64_t lds, const void* partial, float* out, int64_t ldo, int64_t rows,
                     int64_t cols, const Epilogue& e) {
  HWY_DYNAMIC_DISPATCH(FinishTileF32)(sums, lds, partial, out, ldo, rows, cols, e);
}

}  // namespace hk::cpu
#endif  // HWY_ONCE
