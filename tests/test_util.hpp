// Helpers shared by the test files: deterministic fills and guarded output buffers. The
// expected values come from the independent reference (reference/hk_reference.hpp).
#pragma once

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "hk/hk.hpp"
#include "hk/op_table.hpp"
#include "hk_reference.hpp"

namespace hk_test {

// A result as raw bytes, for "bit-identical to the serial run / the run before" checks.
inline std::vector<uint8_t> bytes_of(const hk::Tensor& t) {
  const auto* p = static_cast<const uint8_t*>(t.raw_data());
  return {p, p + t.nbytes()};
}
inline std::vector<uint8_t> bytes_of(double d) {
  const auto* p = reinterpret_cast<const uint8_t*>(&d);
  return {p, p + sizeof d};
}

// Runs f, expects exception E (a failure otherwise), and returns its message.
template <class E, class F> std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
    return {};
  }
  ADD_FAILURE() << "no exception";
  return {};
}

inline std::vector<float> normal_floats(size_t n, unsigned seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// Integer-valued floats in [-8, 8]: products and sums of these are exact in float for the
// sizes we test, so every correct matmul variant must give exactly the same bits.
inline std::vector<float> small_int_floats(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-8, 8);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(d(rng));
  return v;
}

inline std::vector<int8_t> int8s(size_t n, unsigned seed, int lo = -128, int hi = 127) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<int8_t> v(n);
  for (int8_t& x : v) x = static_cast<int8_t>(d(rng));
  return v;
}

// Values every elementwise path must get right, sprinkled over a normal fill.
inline std::vector<float> with_specials(std::vector<float> v) {
  const float specials[] = {std::numeric_limits<float>::quiet_NaN(),
                            -std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(),
                            -0.0f,
                            0.0f,
                            std::numeric_limits<float>::denorm_min(),
                            -std::numeric_limits<float>::denorm_min(),
                            std::numeric_limits<float>::max(),
                            -std::numeric_limits<float>::max(),
                            1e-40f,
                            -1e-40f};
  for (size_t i = 0; i < v.size(); i += 3) v[i] = specials[(i / 3) % std::size(specials)];
  return v;
}

using hk_ref::same_float;  // bit-identical, any NaN equal to any NaN

// An output buffer with guard elements on both sides. The tensor views the middle at an odd
// element offset, so kernels also meet an output that is not 64-byte aligned; intact()
// says whether anything was written outside it.
template <class T> class Guarded {
 public:
  static constexpr size_t kGuard = 5;
  Guarded(hk::Shape shape, T sentinel) : sentinel_(sentinel) {
    size_t n = 1;
    for (auto d : shape) n *= static_cast<size_t>(d);
    n_ = n;
    buf_.assign(n + 2 * kGuard, sentinel);
    tensor_ = hk::Tensor::wrap(buf_.data() + kGuard, std::move(shape));
  }
  hk::Tensor& tensor() { return tensor_; }
  std::vector<T> values() const { return {buf_.begin() + kGuard, buf_.begin() + kGuard + n_}; }
  bool intact() const {
    for (size_t i = 0; i < kGuard; ++i)
      if (std::memcmp(&buf_[i], &sentinel_, sizeof(T)) || std::memcmp(&buf_[kGuard + n_ + i], &sentinel_, sizeof(T)))
        return false;
    return true;
  }

 private:
  T sentinel_;
  size_t n_ = 0;
  std::vector<T> buf_;
  hk::Tensor tensor_;
};

inline int64_t numel(const hk::Shape& s) {
  int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

}  // namespace hk_test

namespace hk_test {

// Operands for every op and input dtype: m×k×n matmuls and len-element vectors.
struct OpOperands {
  hk::Tensor af, bf, ai, bi, xf, yf, xi, xi32, bias, wscale;

  static OpOperands random(int64_t m, int64_t k, int64_t n, int64_t len) {
    using hk::DType;
    using hk::Tensor;
    return {Tensor::randn({m, k}, 1),          Tensor::randn({k, n}, 2),          Tensor::randn({m, k}, 3, DType::i8),
            Tensor::randn({k, n}, 4, DType::i8), Tensor::randn({len}, 5),          Tensor::randn({len}, 6),
            Tensor::randn({len}, 7, DType::i8), Tensor::randn({len}, 8, DType::i32), Tensor::randn({n}, 9),
            Tensor::full({n}, 0.01)};
  }
  // The operands of op `d` with input dtype t, as its op-table call takes them. linear: x, w
  // (in, out), a bias and relu; int8 with x already i8 at scale 0.02.
  hk::OpArgs args(const hk::OpDef& d, hk::DType t, float scale = 0.02f) const {
    if (d.shape == hk::OpShape::matmul) return t == hk::DType::i8 ? hk::OpArgs{&ai, &bi} : hk::OpArgs{&af, &bf};
    if (d.shape == hk::OpShape::linear) {
      if (t != hk::DType::i8) return {&af, &bf, 1.0f, &bias, {.relu = true}};
      return {&ai, &bi, 1.0f, &bias, {.relu = true, .weight_scales = wscale, .input_scale = 0.02f}};
    }
    const hk::Tensor* x = t == hk::DType::i8 ? &xi : t == hk::DType::i32 ? &xi32 : &xf;
    return {x, d.operands == 2 ? &yf : nullptr, scale};
  }
};

// The bytes of an op-table call's result: its tensor, or a reduction's value.
inline std::vector<uint8_t> bytes_of(const hk::OpDef& d, const hk::OpResult& r) {
  return d.has_output() ? bytes_of(r.tensor) : bytes_of(r.value);
}

// Calls op (a registry op name) on small valid inputs of input dtype t with options o.
inline void call_op(const std::string& op, hk::DType t, const hk::Options& o) {
  const hk::OpDef& d = hk::op_def(op);
  const OpOperands in = OpOperands::random(2, 3, 2, 4);
  d.call(in.args(d, t), o, nullptr);
}

}  // namespace hk_test
