// hk/ops.hpp — the kernels. Every op takes Options{backend, variant, threads, block_size};
// anything left at its default uses the process default and the best supported variant.
//
// Each op has an allocating form and an output-parameter form (`out` must already have the
// result's shape, dtype and device, and must not overlap an input). Shapes, dtypes and
// devices that don't fit throw InvalidArgument naming both operands.
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "hk/tensor.hpp"
#include "hk/types.hpp"

namespace hk {

// a: (M, K), b: (K, N) → (M, N). f32×f32→f32, or i8×i8→i32 (exact; K ≤ 131,071 so that
// (−128)²·K fits in int32). K = 0 gives zeros.
Tensor matmul(const Tensor& a, const Tensor& b, const Options& = {});
void matmul(const Tensor& a, const Tensor& b, Tensor& out, const Options& = {});

// max(x, 0) for f32 and i8. NaN stays NaN, +inf stays, −inf → 0.
Tensor relu(const Tensor& x, const Options& = {});
void relu(const Tensor& x, Tensor& out, const Options& = {});

// Elementwise on f32 tensors of the same shape (no broadcasting), bit-identical on every
// backend: x + y, x · y, (x − y)².
Tensor add(const Tensor& x, const Tensor& y, const Options& = {});
void add(const Tensor& x, const Tensor& y, Tensor& out, const Options& = {});
Tensor mul(const Tensor& x, const Tensor& y, const Options& = {});
void mul(const Tensor& x, const Tensor& y, Tensor& out, const Options& = {});
Tensor squared_difference(const Tensor& x, const Tensor& y, const Options& = {});
void squared_difference(const Tensor& x, const Tensor& y, Tensor& out, const Options& = {});

// Reductions over f32 tensors of the same shape: Σ x·y and sqrt(Σ (x − y)²).
double dot(const Tensor& x, const Tensor& y, const Options& = {});
double euclidean_distance(const Tensor& x, const Tensor& y, const Options& = {});

// Symmetric int8 quantization. symmetric_scale = max|x| / 127 (1 for an all-zero or empty
// tensor; InvalidArgument when x holds NaN or ±inf).
float symmetric_scale(const Tensor& x);
// f32 → i8: x / scale rounded half to even, clamped to [−127, 127] (NaN → 0).
// scale must be finite and > 0.
Tensor quantize(const Tensor& x, float scale, const Options& = {});
void quantize(const Tensor& x, float scale, Tensor& out, const Options& = {});
// i8 or i32 → f32: float(q) · scale.
Tensor dequantize(const Tensor& q, float scale, const Options& = {});
void dequantize(const Tensor& q, float scale, Tensor& out, const Options& = {});

// quantize(a, scale_a) × quantize(b, scale_b) → i32 → dequantize(·, scale_a · scale_b).
// a and b may be f32 (quantized here) or i8 (already quantized). Options.variant names the
// int8 matmul variant; the quantize steps use the best variant of the same backend.
Tensor quantized_matmul(const Tensor& a, const Tensor& b, float scale_a, float scale_b,
                        const Options& = {});
// dequantize(relu(quantize(x, scale)), scale); x may be f32 or i8. Returns f32.
Tensor quantized_relu(const Tensor& x, float scale, const Options& = {});

// op(batch[i]) for every i, spread over the thread pool (ops inside run single-threaded).
// Every item runs even when some throw; then the exception of the first failing item (in
// batch order) is rethrown.
// op may call any hk function except set_num_threads, which throws InvalidArgument there.
std::vector<Tensor> parallel_map(std::span<const Tensor> batch,
                                 const std::function<Tensor(const Tensor&)>& op, int threads = 0);

}  // namespace hk
