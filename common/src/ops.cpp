// The public ops: validate operands (shapes, dtypes, devices, aliasing), pick the variant,
// call its kernel. Kernels never see a call that doesn't fit.
#include "hk/ops.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <span>

#include "common/src/dispatch.hpp"
#include "cpu/quantize_dynamic.hpp"
#include "hk/error.hpp"

namespace hk {

namespace {

using detail::Call;
using Inputs = std::span<const Tensor* const>;

// Largest K for which K terms of (−128)·(−128) fit in int32: i8×i8→i32 stays exact.
constexpr int64_t kMaxInt8K = 2147483647 / (128 * 128);  // 131,071

struct Operand {
  const char* name;
  const Tensor& t;
};

[[noreturn]] void fail(std::string_view op, const std::string& what) {
  throw InvalidArgument(std::string(op) + ": " + what);
}

// fail(op, message()) out of line: a check that passes is then a compare and a branch the
// compiler inlines into the op, and the code that builds its message stays in cold code,
// since every call of every op runs its checks.
template <class Message>
[[noreturn, gnu::noinline, gnu::cold]] void fail_with(std::string_view op, const Message& message) {
  fail(op, message());
}

void require_same_device(std::string_view op, std::initializer_list<Operand> xs) {
  const Operand& first = *xs.begin();
  for (const Operand& x : xs)
    if (x.t.device() != first.t.device()) [[unlikely]]
      fail_with(op, [&] {
        return std::string(first.name) + " is on " + first.t.device().to_string() + " but " + x.name + " is on " +
               x.t.device().to_string() + "; move them to one device";
      });
}

void require_dtype(std::string_view op, const Operand& x, std::initializer_list<DType> allowed) {
  for (DType t : allowed)
    if (x.t.dtype() == t) return;
  fail_with(op, [&] {
    std::string names;
    for (DType t : allowed) {
      names += names.empty() ? "" : " or ";
      names += to_string(t);
    }
    return std::string(x.name) + " is " + x.t.description() + "; " + std::string(op) + " takes " + names;
  });
}

void require_same_shape(std::string_view op, const Operand& x, const Operand& y) {
  if (x.t.shape() != y.t.shape())
    fail_with(op, [&] {
      return "shapes " + to_string(x.t.shape()) + " (" + x.name + ") and " + to_string(y.t.shape()) + " (" + y.name +
             ") differ; hk does not broadcast";
    });
}

// `out` must have the result's shape, dtype and device, and must not overlap an input.
// (A span, so that matmul's (M, N) needs no Shape allocated on every call.)
[[gnu::always_inline]] inline void require_output(std::string_view op, const Tensor& out, std::span<const int64_t> shape, DType dtype,
                    std::initializer_list<Operand> inputs) {
  const Tensor& in0 = inputs.begin()->t;
  // Element by element: std::equal on integers becomes a memcmp call, a tenth of a small
  // call's overhead.
  bool same_shape = static_cast<std::size_t>(out.rank()) == shape.size();
  for (std::size_t i = 0; same_shape && i < shape.size(); ++i) same_shape = out.dim(static_cast<int>(i)) == shape[i];
  if (!same_shape || out.dtype() != dtype || out.device() != in0.device()) [[unlikely]]
    fail_with(op, [&] {
      return "out is " + out.description() + " but the result is " + to_string(dtype) +
             to_string(Shape(shape.begin(), shape.end())) + " on " + in0.device().to_string();
    });
  for (const Operand& x : inputs)
    if (Tensor::overlaps(out, x.t)) [[unlikely]]
      fail_with(op, [&] {
        return std::string("out (") + out.description() + ") overlaps input " + x.name + " (" + x.t.description() +
               ")";
      });
}

void require_scale(std::string_view op, float scale) {
  if (!std::isfinite(scale) || !(scale > 0))
    fail(op, "scale must be finite and > 0, got " + std::to_string(scale));
}

Call resolve(std::string_view op, const Options& o, const Tensor& first, const Tensor* second = nullptr) {
  if (second) return detail::resolve(op, o, first.dtype(), first.device(), {&first.shape(), &second->shape()});
  return detail::resolve(op, o, first.dtype(), first.device(), {&first.shape()});
}

// ---- matmul ----------------------------------------------------------------------------

// Whether an (m, n) result of dtype t can be counted and held (checked_numel's rule),
// without building its Shape.
bool result_fits(int64_t m, int64_t n, DType t) {
  int64_t count = 0, bytes = 0;
  return m >= 0 && n >= 0 && !__builtin_mul_overflow(m, n, &count) &&
         !__builtin_mul_overflow(count, static_cast<int64_t>(element_size(t)), &bytes) &&
         bytes <= std::numeric_limits<int64_t>::max() / 2;
}

using Dims2 = std::array<int64_t, 2>;

// checked_numel's verdict on a matmul result that result_fits refused, in matmul's words.
[[gnu::noinline, gnu::cold]] void check_result_size(const Tensor& a, const Tensor& b, const Dims2& result,
                                                    DType out_dtype) {
  const Shape shape(result.begin(), result.end());
  try {
    checked_numel(shape, out_dtype);
  } catch (const InvalidArgument& e) {
    fail("matmul", "a " + to_string(a.shape()) + " times b " + to_string(b.shape()) + " gives a result " +
                       to_string(shape) + " that no tensor can hold: " + e.what());
  }
}

[[gnu::always_inline]] inline Dims2 check_matmul(const Tensor& a, const Tensor& b) {
  constexpr std::string_view op = "matmul";
  require_same_device(op, {{"a", a}, {"b", b}});
  if (a.rank() != 2 || b.rank() != 2) [[unlikely]]
    fail_with(op, [&] {
      return "a " + to_string(a.shape()) + " and b " + to_string(b.shape()) + " must both be 2-D (M, K) and (K, N)";
    });
  if (a.dim(1) != b.dim(0)) [[unlikely]]
    fail_with(op, [&] {
      return "shapes " + to_string(a.shape()) + " and " + to_string(b.shape()) + " don't fit: a is (M, K) with K = " +
             std::to_string(a.dim(1)) + ", so b must be (" + std::to_string(a.dim(1)) + ", N)";
    });
  require_dtype(op, {"a", a}, {DType::f32, DType::i8});
  if (a.dtype() != b.dtype()) [[unlikely]]
    fail_with(op, [&] {
      return "dtypes differ: a is " + a.description() + ", b is " + b.description() + "; both must be f32 or both i8";
    });
  if (a.dtype() == DType::i8 && a.dim(1) > kMaxInt8K) [[unlikely]]
    fail_with(op, [&] {
      return "K = " + std::to_string(a.dim(1)) + " exceeds " + std::to_string(kMaxInt8K) +
             " for i8×i8→i32: a term can be −128·−128 = 16384, and 16384·K could overflow int32; split K into chunks";
    });
  // The result's size, checked here so the message names matmul and both operands.
  const Dims2 result = {a.dim(0), b.dim(1)};
  const DType out_dtype = a.dtype() == DType::i8 ? DType::i32 : DType::f32;
  if (!result_fits(result[0], result[1], out_dtype)) [[unlikely]]
    check_result_size(a, b, result, out_dtype);
  return result;
}

DType matmul_out_dtype(const Tensor& a) { return a.dtype() == DType::i8 ? DType::i32 : DType::f32; }

// ---- linear ------------------------------------------------------------------------------

// A checked linear call: x (m, k) and w, in the layout options name, give (m, n).
struct LinearShape {
  int64_t m = 0, k = 0, n = 0;
};

// xn, wn: what the caller's function calls x and w (matmul_nt: a and b).
LinearShape check_linear(std::string_view op, const Tensor& x, const Tensor& w, const Tensor* bias,
                         const LinearOptions& lo, const char* xn = "x", const char* wn = "w") {
  const bool out_in = lo.layout == WeightLayout::out_in;
  const char* layout = out_in ? "(N, K) (layout out_in)" : "(K, N) (layout in_out)";
  require_same_device(op, {{xn, x}, {wn, w}});
  if (x.rank() != 2 || w.rank() != 2)
    fail(op, std::string(xn) + " " + to_string(x.shape()) + " and " + wn + " " + to_string(w.shape()) +
                 " must both be 2-D: " + xn + " (M, K), " + wn + " " + layout);
  const int64_t k = x.dim(1), wk = w.dim(out_in ? 1 : 0), n = w.dim(out_in ? 0 : 1);
  if (wk != k) {
    const std::string ks = std::to_string(k);
    std::string want = out_in ? "(N, " : "(";
    want += out_in ? ks + ") in layout out_in" : ks + ", N) in layout in_out";
    fail(op, "shapes " + to_string(x.shape()) + " (" + xn + ") and " + to_string(w.shape()) + " (" + wn +
                 ") don't fit: " + xn + " is (M, K) with K = " + ks + ", so " + wn + " must be " + want);
  }
  if (!result_fits(x.dim(0), n, DType::f32)) {  // before the per-channel operands, sized by n
    try {
      checked_numel({x.dim(0), n}, DType::f32);
    } catch (const InvalidArgument& e) {
      fail(op, std::string(xn) + " " + to_string(x.shape()) + " and " + wn + " " + to_string(w.shape()) +
                   " give a result that no tensor can hold: " + e.what());
    }
  }
  require_dtype(op, {wn, w}, {DType::f32, DType::i8});
  if (w.dtype() == DType::f32) {
    require_dtype(op, {xn, x}, {DType::f32});
    if (lo.weight_scales.numel() != 0)
      fail(op, "weight_scales (" + lo.weight_scales.description() + ") is for int8 weights, but w is " + w.description());
  } else {
    require_dtype(op, {xn, x}, {DType::f32, DType::i8});
    const Tensor& s = lo.weight_scales;
    if (s.dtype() != DType::f32 || s.rank() != 1 || s.dim(0) != n || s.device() != w.device())
      fail(op, "int8 w needs weight_scales f32[" + std::to_string(n) + "] (one per output channel, from "
               "quantize_weights) on " + w.device().to_string() + ", got " + s.description());
    if (x.dtype() == DType::i8 && !(lo.input_scale > 0))
      fail(op, "x is i8, so input_scale must give its scale (> 0), got " + std::to_string(lo.input_scale));
    if (!std::isfinite(lo.input_scale) || lo.input_scale < 0)
      fail(op, "input_scale must be finite and ≥ 0 (0: quantize x here), got " + std::to_string(lo.input_scale));
    if (k > kMaxInt8K)
      fail(op, "K = " + std::to_string(k) + " exceeds " + std::to_string(kMaxInt8K) +
                   " for int8 weights: the int32 sums could overflow; split K into chunks");
  }
  if (bias) {
    require_same_device(op, {{xn, x}, {"bias", *bias}});
    if (bias->dtype() != DType::f32 || bias->rank() != 1 || bias->dim(0) != n)
      fail(op, "bias is " + bias->description() + "; it must be f32[" + std::to_string(n) +
                   "] (one per output channel), or hk::Tensor() for none");
  }
  return {x.dim(0), k, n};
}

// bias as the call sees it. "No bias" is hk::Tensor() (not defined()); any other tensor is a
// bias and is checked as one, so an empty f32 vector for N > 0 columns is a wrong shape, not
// none.
const Tensor* bias_or_null(const Tensor& bias) { return bias.defined() ? &bias : nullptr; }

void run_linear(std::string_view op, const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& out,
                const LinearOptions& lo, const Options& o, const char* xn = "x", const char* wn = "w") {
  const LinearShape s = check_linear(op, x, w, bias, lo, xn, wn);
  const Dims2 shape{s.m, s.n};
  if (bias)
    require_output(op, out, shape, DType::f32, {{xn, x}, {wn, w}, {"bias", *bias}});
  else
    require_output(op, out, shape, DType::f32, {{xn, x}, {wn, w}});
  if (w.dtype() == DType::i8 && Tensor::overlaps(out, lo.weight_scales))
    fail(op, "out (" + out.description() + ") overlaps weight_scales");

  // int8 with f32 x: x quantized per call (dynamic quantization). On the cpu backend that
  // happens inside the call, timed with it: on its threads, into the calling thread's scratch
  // (quantize_dynamic.hpp). Elsewhere quantize runs on the call's backend first, and the
  // call is resolved again so that its record is linear's.
  const bool quantizes_x = w.dtype() == DType::i8 && x.dtype() == DType::f32;
  Call c = detail::resolve("linear", o, w.dtype(), x.device(), {&x.shape(), &w.shape()});
  const bool quantize_in_call = quantizes_x && c.backend == Backend::cpu;
  Tensor xq = x;
  float input_scale = w.dtype() == DType::i8 ? lo.input_scale : 1;
  if (quantizes_x && !quantize_in_call) {
    if (input_scale == 0) {
      if (!x.device().is_cpu())
        fail(op, "x is on " + x.device().to_string() + ": give input_scale, since symmetric_scale(x) would copy x "
                 "to the host");
      input_scale = symmetric_scale(x);
    }
    Options q = o;
    q.variant.clear();  // Options.variant names the linear variant
    try {
      xq = quantize(x, input_scale, q);
    } catch (const InvalidArgument& e) {
      throw InvalidArgument(std::string(op) + ": quantizing x: " + e.what());
    }
    c = detail::resolve("linear", o, w.dtype(), x.device(), {&x.shape(), &w.shape()});
  }
  const Tensor& lhs = quantizes_x ? xq : x;
  // x holds a value no scale represents: refused on every backend, with no outputs too.
  const auto refuse_non_finite_x = [&] {
    fail(op, "x (" + x.description() + ") holds NaN or ±inf, for which symmetric_scale has no finite scale; "
             "give input_scale to quantize it (NaN → 0, ±inf → ±127)");
  };
  if (out.numel() == 0) {
    bool non_finite = false;  // symmetric_scale's scan, without quantizing x for no outputs
    if (quantize_in_call && input_scale == 0)
      cpu::max_abs_f32_threads(x.data<float>(), x.numel(), c.context.threads, non_finite);
    if (non_finite) refuse_non_finite_x();
    return;
  }
  const bool out_in = lo.layout == WeightLayout::out_in;
  const Tensor* scales = w.dtype() == DType::i8 ? &lo.weight_scales : nullptr;
  auto body = [&](Inputs in, Tensor* r) {
    kernel::Epilogue e;
    e.relu = lo.relu;
    std::size_t next = 2;
    if (bias) e.bias = in[next++]->data<float>();
    if (scales) {
      e.weight_scale = in[next++]->data<float>();
      e.input_scale = input_scale;
    }
    if (w.dtype() == DType::f32) {
      std::get<kernel::LinearF32>(c.kernel)(in[0]->data<float>(), in[1]->data<float>(), r->data<float>(), s.m, s.k,
                                             s.n, out_in, e, c.context);
      return;
    }
    const int8_t* xi8 = nullptr;
    if (quantize_in_call) {
      const cpu::QuantizedX qx = cpu::quantize_dynamic_f32(in[0]->data<float>(), x.numel(), input_scale,
                                                           c.context.threads);
      if (!qx.q) refuse_non_finite_x();
      xi8 = qx.q;
      e.input_scale = qx.scale;
    } else {
      xi8 = in[0]->data<int8_t>();
    }
    std::get<kernel::LinearI8>(c.kernel)(xi8, in[1]->data<int8_t>(), r->data<float>(), s.m, s.k, s.n, out_in, e,
                                          c.context);
  };
  if (bias && scales)
    detail::execute(c, {&lhs, &w, bias, scales}, &out, body);
  else if (bias)
    detail::execute(c, {&lhs, &w, bias}, &out, body);
  else if (scales)
    detail::execute(c, {&lhs, &w, scales}, &out, body);
  else
    detail::execute(c, {&lhs, &w}, &out, body);
}

// ---- elementwise -------------------------------------------------------------------------

void check_binary(std::string_view op, const Tensor& x, const Tensor& y) {
  require_same_device(op, {{"x", x}, {"y", y}});
  require_dtype(op, {"x", x}, {DType::f32});
  require_dtype(op, {"y", y}, {DType::f32});
  require_same_shape(op, {"x", x}, {"y", y});
}

void binary(std::string_view op, const Tensor& x, const Tensor& y, Tensor& out, const Options& o) {
  check_binary(op, x, y);
  require_output(op, out, x.shape(), DType::f32, {{"x", x}, {"y", y}});
  Call c = resolve(op, o, x);
  if (x.numel() == 0) return;
  detail::execute(c, {&x, &y}, &out, [&](Inputs in, Tensor* r) {
    std::get<kernel::Binary>(c.kernel)(in[0]->data<float>(), in[1]->data<float>(), r->data<float>(), x.numel(),
                                        c.context);
  });
}

Tensor binary(std::string_view op, const Tensor& x, const Tensor& y, const Options& o) {
  check_binary(op, x, y);
  Tensor out = Tensor::empty(x.shape(), DType::f32, x.device());
  binary(op, x, y, out, o);
  return out;
}

double reduce(std::string_view op, const Tensor& x, const Tensor& y, const Options& o) {
  check_binary(op, x, y);
  Call c = resolve(op, o, x);
  double result = 0;
  detail::execute(c, {&x, &y}, nullptr, [&](Inputs in, Tensor*) {
    result = std::get<kernel::Reduce>(c.kernel)(in[0]->data<float>(), in[1]->data<float>(), x.numel(), c.context);
  });
  return result;
}

}  // namespace

void matmul(const Tensor& a, const Tensor& b, Tensor& out, const Options& o) {
  const Dims2 shape = check_matmul(a, b);
  require_output("matmul", out, shape, matmul_out_dtype(a), {{"a", a}, {"b", b}});
  Call c = resolve("matmul", o, a, &b);
  if (out.numel() == 0) return;
  const int64_t m = a.dim(0), k = a.dim(1), n = b.dim(1);
  detail::execute(c, {&a, &b}, &out, [&](Inputs in, Tensor* r) {
    if (a.dtype() == DType::f32)
      std::get<kernel::MatmulF32>(c.kernel)(in[0]->data<float>(), in[1]->data<float>(), r->data<float>(), m, k, n,
                                             c.context);
    else
      std::get<kernel::MatmulI8>(c.kernel)(in[0]->data<int8_t>(), in[1]->data<int8_t>(), r->data<int32_t>(), m, k,
                                            n, c.context);
  });
}

Tensor matmul(const Tensor& a, const Tensor& b, const Options& o) {
  const Dims2 shape = check_matmul(a, b);
  Tensor out = Tensor::empty({shape[0], shape[1]}, matmul_out_dtype(a), a.device());
  matmul(a, b, out, o);
  return out;
}

void linear(const Tensor& x, const Tensor& w, const Tensor& bias, Tensor& out, const LinearOptions& lo,
            const Options& o) {
  run_linear("linear", x, w, bias_or_null(bias), out, lo, o);
}

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias, const LinearOptions& lo, const Options& o) {
  const LinearShape s = check_linear("linear", x, w, bias_or_null(bias), lo);
  Tensor out = Tensor::empty({s.m, s.n}, DType::f32, x.device());
  run_linear("linear", x, w, bias_or_null(bias), out, lo, o);
  return out;
}

void matmul_nt(const Tensor& a, const Tensor& b, Tensor& out, const Options& o) {
  if (a.dtype() != DType::f32 || b.dtype() != DType::f32)
    fail("matmul_nt", "a is " + a.description() + " and b is " + b.description() +
                          "; matmul_nt takes f32 (for int8, linear with int8 weights in layout out_in gives f32)");
  run_linear("matmul_nt", a, b, nullptr, out, {.layout = WeightLayout::out_in}, o, "a", "b");
}

Tensor matmul_nt(const Tensor& a, const Tensor& b, const Options& o) {
  if (a.dtype() != DType::f32 || b.dtype() != DType::f32)
    fail("matmul_nt", "a is " + a.description() + " and b is " + b.description() +
                          "; matmul_nt takes f32 (for int8, linear with int8 weights in layout out_in gives f32)");
  const LinearShape s = check_linear("matmul_nt", a, b, nullptr, {.layout = WeightLayout::out_in}, "a", "b");
  Tensor out = Tensor::empty({s.m, s.n}, DType::f32, a.device());
  matmul_nt(a, b, out, o);
  return out;
}

void relu(const Tensor& x, Tensor& out, const Options& o) {
  require_dtype("relu", {"x", x}, {DType::f32, DType::i8});
  require_output("relu", out, x.shape(), x.dtype(), {{"x", x}});
  Call c = resolve("relu", o, x);
  if (x.numel() == 0) return;
  detail::execute(c, {&x}, &out, [&](Inputs in, Tensor* r) {
    if (x.dtype() == DType::f32)
      std::get<kernel::UnaryF32>(c.kernel)(in[0]->data<float>(), r->data<float>(), x.numel(), c.context);
    else
      std::get<kernel::UnaryI8>(c.kernel)(in[0]->data<int8_t>(), r->data<int8_t>(), x.numel(), c.context);
  });
}

Tensor relu(const Tensor& x, const Options& o) {
  require_dtype("relu", {"x", x}, {DType::f32, DType::i8});
  Tensor out = Tensor::empty(x.shape(), x.dtype(), x.device());
  relu(x, out, o);
  return out;
}

Tensor add(const Tensor& x, const Tensor& y, const Options& o) { return binary("add", x, y, o); }
void add(const Tensor& x, const Tensor& y, Tensor& out, const Options& o) { binary("add", x, y, out, o); }
Tensor mul(const Tensor& x, const Tensor& y, const Options& o) { return binary("mul", x, y, o); }
void mul(const Tensor& x, const Tensor& y, Tensor& out, const Options& o) { binary("mul", x, y, out, o); }
Tensor squared_difference(const Tensor& x, const Tensor& y, const Options& o) {
  return binary("squared_difference", x, y, o);
}
void squared_difference(const Tensor& x, const Tensor& y, Tensor& out, const Options& o) {
  binary("squared_difference", x, y, out, o);
}

double dot(const Tensor& x, const Tensor& y, const Options& o) { return reduce("dot", x, y, o); }
double euclidean_distance(const Tensor& x, const Tensor& y, const Options& o) {
  return reduce("euclidean_distance", x, y, o);
}

void quantize(const Tensor& x, float scale, Tensor& out, const Options& o) {
  require_dtype("quantize", {"x", x}, {DType::f32});
  require_scale("quantize", scale);
  require_output("quantize", out, x.shape(), DType::i8, {{"x", x}});
  Call c = resolve("quantize", o, x);
  if (x.numel() == 0) return;
  detail::execute(c, {&x}, &out, [&](Inputs in, Tensor* r) {
    std::get<kernel::Quantize>(c.kernel)(in[0]->data<float>(), scale, r->data<int8_t>(), x.numel(), c.context);
  });
}

Tensor quantize(const Tensor& x, float scale, const Options& o) {
  require_dtype("quantize", {"x", x}, {DType::f32});
  Tensor out = Tensor::empty(x.shape(), DType::i8, x.device());
  quantize(x, scale, out, o);
  return out;
}

void dequantize(const Tensor& q, float scale, Tensor& out, const Options& o) {
  require_dtype("dequantize", {"q", q}, {DType::i8, DType::i32});
  require_scale("dequantize", scale);
  require_output("dequantize", out, q.shape(), DType::f32, {{"q", q}});
  Call c = resolve("dequantize", o, q);
  if (q.numel() == 0) return;
  detail::execute(c, {&q}, &out, [&](Inputs in, Tensor* r) {
    if (q.dtype() == DType::i8)
      std::get<kernel::DequantizeI8>(c.kernel)(in[0]->data<int8_t>(), scale, r->data<float>(), q.numel(), c.context);
    else
      std::get<kernel::DequantizeI32>(c.kernel)(in[0]->data<int32_t>(), scale, r->data<float>(), q.numel(),
                                                 c.context);
  });
}

Tensor dequantize(const Tensor& q, float scale, const Options& o) {
  require_dtype("dequantize", {"q", q}, {DType::i8, DType::i32});
  Tensor out = Tensor::empty(q.shape(), DType::f32, q.device());
  dequantize(q, scale, out, o);
  return out;
}

}  // namespace hk
