// Linear (a fully connected layer), naive: one CUDA thread per output — the first rung of
// the GPU ladder for a layer, and the plainest statement of its fused epilogue.
//
// What it teaches: where a layer's epilogue goes. Thread (tx, ty) of block (bx, by) owns
// out[by·16 + ty][bx·16 + tx]: it computes the dot product of row i of x and column j of W
// straight from global memory, applies the epilogue to the sum while it is in a register
// (int8: dequantize with input_scale · weight_scale[j]; then + bias[j]; then relu) and
// stores the result once. A matmul followed by separate bias and relu kernels would write
// out, read it back and write it again, twice over.
// W comes in either layout. (K, N), the course's Dense: the 32 threads of a warp read 32
// consecutive elements of a row of W (one coalesced transaction). (N, K), PyTorch's
// nn.Linear: the warp's 32 columns are 32 rows of W, K elements apart, so each load touches
// 32 sectors; the tiled rung stages such rows through shared memory instead.
// Limits: as matmul's naive rung, 2·K global loads per 2·K operations: bound by memory
// traffic at a few percent of the arithmetic peak.
#pragma once

#include <cstdint>

#include "cuda/launch.cuh"

namespace hk::cuda {
inline namespace HK_KERNEL_TARGET {

// A column's factors of the epilogue (hk/registry.hpp kernel::Epilogue), read once per
// thread from global memory and kept in registers for every row the thread finishes.
struct LinearColumn {
  float scale = 1.0f;  // int8: input_scale · weight_scale[j], rounded to f32; f32: unused
  float bias = 0.0f;   // added only when the epilogue has a bias
};
__device__ inline LinearColumn linear_column(int64_t j, const kernel::Epilogue& e) {
  LinearColumn c;
  if (e.weight_scale) c.scale = __fmul_rn(e.input_scale, e.weight_scale[j]);
  if (e.bias) c.bias = e.bias[j];
  return c;
}

// The epilogue of one sum of column c, in hk/ops.hpp's order with each step rounded to f32
// on its own: __fmul_rn and __fadd_rn are never contracted into an fma by nvcc, so the GPU
// gives the CPU's bits for the same sums.
__device__ inline float linear_epilogue(float sum, const LinearColumn& c, const kernel::Epilogue& e) {
  float v = sum;  // f32: no scale, and with no bias no add (the sum's own bits, −0 included)
  if (e.bias) v = __fadd_rn(v, c.bias);
  if (e.relu) v = 0.0f > v ? 0.0f : v;  // relu's rule: NaN and −0 stay
  return v;
}
__device__ inline float linear_epilogue(int32_t sum, const LinearColumn& c, const kernel::Epilogue& e) {
  return linear_epilogue(__fmul_rn(__int2float_rn(sum), c.scale), c, e);
}

constexpr int kLinearNaiveBlock = 16;  // 16×16 = 256 threads per block

// x: (m, k); w: (k, n), or (n, k) when w_out_in; out: (m, n), row-major. Acc: float for
// f32, int32_t for int8 (exact: hk/ops.hpp bounds K so that no sum overflows).
template <class T, class Acc>
__global__ void __launch_bounds__(kLinearNaiveBlock * kLinearNaiveBlock)
    linear_naive_kernel(const T* __restrict__ x, const T* __restrict__ w, float* __restrict__ out, int64_t m,
                        int64_t k, int64_t n, bool w_out_in, kernel::Epilogue e) {
  const int64_t row = int64_t(blockIdx.y) * kLinearNaiveBlock + threadIdx.y;
  const int64_t col = int64_t(blockIdx.x) * kLinearNaiveBlock + threadIdx.x;
  if (row >= m || col >= n) return;  // no barriers below, so edge threads may leave early
  // Column col of W as (K, N): row col of an (N, K) W, or every n-th element of a (K, N) one.
  // (K = 0: W may be a null pointer, which no offset may touch; the loop below reads nothing.)
  const T* w_col = k == 0 ? w : w_out_in ? w + col * k : w + col;
  const int64_t step = w_out_in ? 1 : n;
  Acc acc = 0;
  for (int64_t p = 0; p < k; ++p) acc += Acc(x[row * k + p]) * Acc(w_col[p * step]);
  out[row * n + col] = linear_epilogue(acc, linear_column(col, e), e);
}

template <class T, class Acc>
void linear_naive(const T* x, const T* w, float* out, int64_t m, int64_t k, int64_t n, bool w_out_in,
                  const kernel::Epilogue& e, const KernelContext& ctx) {
  if (m == 0 || n == 0) return;  // a grid with no blocks is an invalid launch
  const dim3 block(kLinearNaiveBlock, kLinearNaiveBlock);
  for_each_row_range(m, kLinearNaiveBlock, [&](int64_t row0, int64_t rows) {
    const dim3 grid(static_cast<unsigned>((n + kLinearNaiveBlock - 1) / kLinearNaiveBlock),
                    static_cast<unsigned>((rows + kLinearNaiveBlock - 1) / kLinearNaiveBlock));
    launch(ctx, linear_naive_kernel<T, Acc>, grid, block)(x + row0 * k, w, out + row0 * n, rows, k, n, w_out_in, e);
  });
}

inline void linear_f32_naive(const float* x, const float* w, float* out, int64_t m, int64_t k, int64_t n,
                             bool w_out_in, const kernel::Epilogue& e, const KernelContext& ctx) {
  linear_naive<float, float>(x, w, out, m, k, n, w_out_in, e, ctx);
}

inline void linear_i8_naive(const int8_t* x, const int8_t* w, float* out, int64_t m, int64_t k, int64_t n,
                            bool w_out_in, const kernel::Epilogue& e, const KernelContext& ctx) {
  linear_naive<int8_t, int32_t>(x, w, out, m, k, n, w_out_in, e, ctx);
}

}  // namespace HK_KERNEL_TARGET
}  // namespace hk::cuda
