// A linear layer's epilogue on the CPU: act(sum · s[j] + bias[j]) applied to each tile of
// sums as it leaves a GEMM kernel, so the f32 output is written once and never read back
// (hk/ops.hpp linear; the kernels that call it: cpu/linear_fused.cpp and the GEMM paths it
// drives).
//
// The kernels hand over a tile of at most kMaxTile sums that is still in L1 (a stack tile
// the micro-kernel just stored), not a finished matrix: the epilogue is part of the pass
// that produces each tile. A GEMM whose K is split into several blocks keeps the partial
// sums of the earlier blocks in the output's own memory (int32 sums as 4-byte words where
// the f32 results will go) and adds them here, in the last block.
//
// The order of operations is the one hk/ops.hpp states, each step rounded to f32:
//   f32:  sum + bias (no scale: the sum is already the product)
//   int8: float(sum) · (input_scale · weight_scale[j]) + bias, then relu.
// With no bias the add is skipped, so an f32 linear without bias or relu is bit for bit the
// GEMM's own sums (the sign of a zero included).
#pragma once

#include <cstdint>
#include <type_traits>

#include "hk/registry.hpp"

namespace hk::cpu {

using kernel::Epilogue;

// The most sums a GEMM hands over at once: an MR × NR register tile of any CPU kernel.
constexpr int64_t kMaxTile = 16 * 64;

// The epilogue of columns j, j + 1, … : its per-column arrays advanced to column j.
inline Epilogue epilogue_at(const Epilogue& e, int64_t j) {
  Epilogue s = e;
  if (s.bias) s.bias += j;
  if (s.weight_scale) s.weight_scale += j;
  return s;
}

// out (rows × cols, row stride ldo) = epilogue(sums), sums: rows × cols, row stride lds.
// partial: the same place as out holding earlier k blocks' sums as C (null: none).
// On SIMD vectors, in gemm_epilogue_simd.cpp.
void finish_tile_i32(const int32_t* sums, int64_t lds, const void* partial, float* out, int64_t ldo, int64_t rows,
                     int64_t cols, const Epilogue& e);
void finish_tile_f32(const float* sums, int64_t lds, const void* partial, float* out, int64_t ldo, int64_t rows,
                     int64_t cols, const Epilogue& e);

template <class C>
void finish_tile(const C* sums, int64_t lds, const void* partial, float* out, int64_t ldo, int64_t rows,
                 int64_t cols, const Epilogue& e) {
  static_assert(sizeof(C) == sizeof(float), "partial sums live in the output's 4-byte words");
  if constexpr (std::is_integral_v<C>)
    finish_tile_i32(sums, lds, partial, out, ldo, rows, cols, e);
  else
    finish_tile_f32(sums, lds, partial, out, ldo, rows, cols, e);
}

}  // namespace hk::cpu
