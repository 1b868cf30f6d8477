// Symmetric int8 quantization helpers built from the registered ops: the course's
// quantized_matmul and quantized_relu, with saturation instead of astype(int8)'s wrap.
#include <cmath>
#include <vector>

#include "common/src/round_to_nearest.hpp"
#include "cpu/quantize_dynamic.hpp"
#include "cpu/simd_kernels.hpp"

#include "hk/error.hpp"
#include "hk/ops.hpp"
#include "hk/runtime.hpp"

namespace hk {


float symmetric_scale(const Tensor& x) {
  if (x.dtype() != DType::f32)
    throw InvalidArgument("symmetric_scale: x is " + x.description() + "; it takes f32");
  bool non_finite = false;
  float max_abs = 0;
  if (x.device().is_cpu()) {  // in place, vectorized, on hk's threads when x is large
    max_abs = cpu::max_abs_f32_threads(x.data<float>(), x.numel(), num_threads(), non_finite);
  } else {  // a device tensor: its values come to the host first
    const std::vector<float> v = x.to_vector<float>();
    max_abs = cpu::simd::max_abs_f32(v.data(), v.size(), non_finite);
  }
  if (non_finite)
    throw InvalidArgument("symmetric_scale: x (" + x.description() + ") holds NaN or ±inf; no finite scale represents it");
  return cpu::symmetric_scale_of(max_abs);
}

namespace {

// The non-matmul steps of a composite op run on the same backend and threads, but with the
// best variant: Options.variant names the int8 matmul (or relu) variant only.
Options step_options(const Options& o) {
  Options s = o;
  s.variant.clear();
  return s;
}

// Runs one step (quantize, matmul, relu, dequantize) of composite op `op`. An hk error in it
// is rethrown as the same type with "op: " in front, so the message names the function the
// caller called as well as the step that failed.
template <class F> auto step(const char* op, F&& f) {
  const std::string in = std::string(op) + ": ";
  try {
    return f();
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(in + e.what());
  } catch (const BackendUnavailable& e) {
    throw BackendUnavailable(in + e.what());
  } catch (const OutOfMemory& e) {
    throw OutOfMemory(in + e.what(), e.bytes());
  } catch (const CudaError& e) {
    throw CudaError(in + e.what());
  }
}

Tensor as_int8(const char* op, const char* name, const Tensor& t, float scale, const Options& o) {
  if (t.dtype() == DType::i8) return t;
  if (t.dtype() != DType::f32)
    throw InvalidArgument(std::string(op) + ": " + name + " is " + t.description() + "; it takes f32 or i8");
  return step(op, [&] { return quantize(t, scale, step_options(o)); });
}

void require_scale(const char* op, const char* name, float scale) {
  if (!std::isfinite(scale) || !(scale > 0))
    throw InvalidArgument(std::string(op) + ": " + name + " must be finite and > 0, got " + std::to_string(scale));
}

}  // namespace

Tensor quantized_matmul(const Tensor& a, const Tensor& b, float scale_a, float scale_b, const Options& o) {
  require_scale("quantized_matmul", "scale_a", scale_a);
  require_scale("quantized_matmul", "scale_b", scale_b);
  float scale = scale_a * scale_b;
  if (!std::isfinite(scale) || !(scale > 0))
    throw InvalidArgument("quantized_matmul: scale_a · scale_b = " + std::to_string(scale) +
                          " is not a finite positive float");
  Tensor qa = as_int8("quantized_matmul", "a", a, scale_a, o);
  Tensor qb = as_int8("quantized_matmul", "b", b, scale_b, o);
  Tensor acc = step("quantized_matmul", [&] { return matmul(qa, qb, o); });  // i32, exact
  return step("quantized_matmul", [&] { return dequantize(acc, scale, step_options(o)); });
}

QuantizedWeights quantize_weights(const Tensor& w, WeightLayout layout) {
  constexpr const char* op = "quantize_weights";
  if (w.dtype() != DType::f32 || w.rank() != 2)
    throw InvalidArgument(std::string(op) + ": w is " + w.description() + "; it takes a 2-D f32 weight matrix");
  if (!w.device().is_cpu())
    throw InvalidArgument(std::string(op) + ": w is on " + w.device().to_string() +
                          "; weights are quantized once, on the CPU: pass w.to(hk::Device::cpu()) and move q and "
                          "scales to the device after");
  const bool out_in = layout == WeightLayout::out_in;
  const int64_t rows = w.dim(0), cols = w.dim(1), n = out_in ? rows : cols;
  // Element (p, j) of channel j: w[p][j] in (in, out), w[j][p] in (out, in).
  const float* v = w.data<float>();
  auto at = [&](int64_t p, int64_t j) { return out_in ? v[j * cols + p] : v[p * cols + j]; };
  const int64_t k = out_in ? cols : rows;
  std::vector<float> scales(static_cast<std::size_t>(n));
  for (int64_t j = 0; j < n; ++j) {
    float max_abs = 0;
    for (int64_t p = 0; p < k; ++p) {
      const float e = at(p, j);
      if (!std::isfinite(e))
        throw InvalidArgument(std::string(op) + ": w holds NaN or ±inf in output channel " + std::to_string(j) +
                              "; no finite scale represents it");
      max_abs = std::fmax(max_abs, std::fabs(e));
    }
    scales[static_cast<std::size_t>(j)] = cpu::symmetric_scale_of(max_abs);  // symmetric_scale's rule, per channel
  }
  Tensor q = Tensor::empty(w.shape(), DType::i8);
  int8_t* qv = q.data<int8_t>();
  // quantize's rule (IEEE division, clamp, half to even in round-to-nearest), channel by channel.
  detail::RoundToNearest nearest;
  for (int64_t j = 0; j < n; ++j) {
    const float s = scales[static_cast<std::size_t>(j)];
    for (int64_t p = 0; p < k; ++p) {
      float e = at(p, j) / s;
      e = std::fmin(std::fmax(e, -127.0f), 127.0f);
      (out_in ? qv[j * cols + p] : qv[p * cols + j]) = static_cast<int8_t>(std::nearbyint(e));
    }
  }
  return {q, Tensor::from_vector(scales, {n})};
}

Tensor quantized_relu(const Tensor& x, float scale, const Options& o) {
  require_scale("quantized_relu", "scale", scale);
  Tensor q = as_int8("quantized_relu", "x", x, scale, o);
  Tensor r = step("quantized_relu", [&] { return relu(q, o); });
  return step("quantized_relu", [&] { return dequantize(r, scale, step_options(o)); });
}

}  // namespace hk
