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

// a: (M, K), b: (N, K) → a · bᵀ (M, N), f32: matmul with B transposed (BLAS "NT"), as a
// layer stored (out, in) multiplies. It runs on linear's kernels (linear with no bias and no
// activation), so Options.variant names a linear variant. int8 is not offered: linear's
// int8 kernels give f32, and matmul's exact i32 result has no transposed kernel.
Tensor matmul_nt(const Tensor& a, const Tensor& b, const Options& = {});
void matmul_nt(const Tensor& a, const Tensor& b, Tensor& out, const Options& = {});

// How a linear layer stores its weights: (in, out) = (K, N), the course's Dense
// (x @ W); or (out, in) = (N, K), PyTorch's nn.Linear (x @ Wᵀ).
enum class WeightLayout { in_out, out_in };

struct LinearOptions {
  WeightLayout layout = WeightLayout::in_out;
  bool relu = false;  // max(·, 0) after the bias
  // int8 weights only (w is i8): the scale of each output channel, f32 (N) — the `scales`
  // of quantize_weights. Empty for f32 weights.
  Tensor weight_scales;
  // int8 weights only: the scale of x when x is already i8 (required then). With f32 x,
  // 0 quantizes x here, per call, with symmetric_scale(x) (dynamic quantization); a value
  // > 0 quantizes it with that scale.
  float input_scale = 0;
};

// A fully connected layer in one pass: x @ W (+ bias) (+ relu), the bias and the
// activation applied to each tile of sums before it is stored (out is written once, never
// read back). x: (M, K); w: (K, N) or (N, K) by options.layout; bias: (N) f32, or
// hk::Tensor() for none (an empty tensor made any other way is a bias, of N = 0 columns);
// the result is (M, N) f32.
//   f32:  w and x f32; out = relu?(Σ x·w + bias), sums rounded as matmul's.
//   int8: w i8 with options.weight_scales (per output channel); x f32 (quantized here, see
//         input_scale) or i8 with options.input_scale. The sums are exact int32;
//         out[i][j] = relu?(float(sum) · (input_scale · weight_scales[j]) + bias[j]),
//         each step rounded to f32.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias = Tensor(), const LinearOptions& = {},
              const Options& = {});
void linear(const Tensor& x, const Tensor& w, const Tensor& bias, Tensor& out, const LinearOptions& = {},
            const Options& = {});

// Symmetric per-output-channel int8 weights for linear: for each output channel j,
// scales[j] = max|w[·, j]| / 127 (1 for an all-zero channel) and q = quantize(w, scales[j])
// channel by channel (half to even, clamped to ±127). w: f32 (K, N) or (N, K) by layout,
// finite, on the CPU; q keeps w's layout.
struct QuantizedWeights {
  Tensor q;       // i8, w's shape
  Tensor scales;  // f32 (N)
};
QuantizedWeights quantize_weights(const Tensor& w, WeightLayout layout = WeightLayout::in_out);

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
