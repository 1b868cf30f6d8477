// Which hk::Error a call must throw, predicted from docs/design.md's rules and the registry as
// the public API describes it (hk::variants, hk::backends) — not from hk's dispatch code.
//
// Each public function checks its operands first (InvalidArgument), then chooses the
// variant (BackendUnavailable when the backend or the named variant can't run here,
// InvalidArgument for an unknown name, a dtype the variant doesn't take, or data the
// backend can't reach). Composite functions are their steps in order.
#pragma once

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "hk/hk.hpp"

namespace hk_fuzz {

enum class Outcome { ok, invalid_argument, backend_unavailable, out_of_memory };

inline const char* name(Outcome o) {
  switch (o) {
    case Outcome::ok: return "success";
    case Outcome::invalid_argument: return "InvalidArgument";
    case Outcome::backend_unavailable: return "BackendUnavailable";
    case Outcome::out_of_memory: return "OutOfMemory";
  }
  return "?";
}

// What the fuzzer knows about an operand without asking hk.
struct Operand {
  hk::DType dtype = hk::DType::f32;
  hk::Shape shape;
  bool on_gpu = false;
  const void* begin = nullptr;  // host bytes, for overlap
  size_t bytes = 0;
};

inline const std::vector<hk::VariantInfo>& all_variants() {
  static const std::vector<hk::VariantInfo> v = hk::variants();
  return v;
}

inline bool available(hk::Backend b) {
  for (const hk::BackendInfo& i : hk::backends())
    if (i.backend == b) return i.available;
  return false;
}

inline bool takes(const hk::VariantInfo& v, hk::DType t) {
  for (hk::DType d : v.dtypes)
    if (d == t) return true;
  return false;
}

// Options checks and variant choice for one op call (dispatch rules of docs/design.md; host
// tensors given to the cuda backend are staged through the device).
inline Outcome resolve(std::string_view op, const hk::Options& o, hk::DType t, bool on_gpu) {
  using hk::Backend;
  if (o.threads < 0 || o.block_size < 0) return Outcome::invalid_argument;
  Backend b = o.backend;
  if (b == Backend::automatic) {
    if (on_gpu) {
      b = Backend::cuda;
    } else {
      b = Backend::cpu;
      if (available(Backend::cuda))
        for (const hk::VariantInfo& v : all_variants())
          if (v.op == op && v.backend == Backend::cuda && v.supported && takes(v, t)) b = Backend::cuda;
    }
  }
  if (!available(b)) return Outcome::backend_unavailable;
  const bool host = b == Backend::cpu || b == Backend::cuda_sim;
  if (host && on_gpu) return Outcome::invalid_argument;
  if (!o.variant.empty()) {
    for (const hk::VariantInfo& v : all_variants())
      if (v.op == op && v.backend == b && v.variant == o.variant) {
        if (!v.supported) return Outcome::backend_unavailable;
        return takes(v, t) ? Outcome::ok : Outcome::invalid_argument;
      }
    return Outcome::invalid_argument;
  }
  for (const hk::VariantInfo& v : all_variants())
    if (v.op == op && v.backend == b && v.supported && takes(v, t)) return Outcome::ok;
  return Outcome::backend_unavailable;
}

inline bool valid_scale(float s) { return std::isfinite(s) && s > 0; }

inline bool overlap(const Operand& a, const Operand& b) {
  if (a.bytes == 0 || b.bytes == 0 || a.on_gpu != b.on_gpu || a.on_gpu) return false;
  auto a0 = reinterpret_cast<uintptr_t>(a.begin), b0 = reinterpret_cast<uintptr_t>(b.begin);
  return a0 < b0 + b.bytes && b0 < a0 + a.bytes;
}

// `out` must have the result's shape, dtype and device and overlap no input.
inline bool bad_out(const Operand& out, const hk::Shape& shape, hk::DType dtype, bool on_gpu,
                    std::initializer_list<const Operand*> inputs) {
  if (out.shape != shape || out.dtype != dtype || out.on_gpu != on_gpu) return true;
  for (const Operand* in : inputs)
    if (overlap(out, *in)) return true;
  return false;
}

// A result of `shape` and `dtype` allocated by hk: too big to count, or to hold.
inline Outcome allocation(const hk::Shape& shape, hk::DType dtype) {
  int64_t n = 1;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(n, d, &n)) return Outcome::invalid_argument;
  int64_t bytes = 0;
  if (__builtin_mul_overflow(n, static_cast<int64_t>(hk::element_size(dtype)), &bytes) ||
      bytes > std::numeric_limits<int64_t>::max() / 2)
    return Outcome::invalid_argument;
  // The fuzzer only asks for sizes that fit in memory or are ≥ 2^42 bytes (see make_matmul).
  return bytes >= (int64_t(1) << 42) ? Outcome::out_of_memory : Outcome::ok;
}

constexpr int64_t kMaxInt8K = 2147483647 / (128 * 128);  // (−128)²·K fits in int32

// matmul's operand checks and result allocation.
inline Outcome matmul_operands(const Operand& a, const Operand& b, bool allocates) {
  if (a.on_gpu != b.on_gpu || a.shape.size() != 2 || b.shape.size() != 2 || a.shape[1] != b.shape[0])
    return Outcome::invalid_argument;
  if ((a.dtype != hk::DType::f32 && a.dtype != hk::DType::i8) || a.dtype != b.dtype) return Outcome::invalid_argument;
  if (a.dtype == hk::DType::i8 && a.shape[1] > kMaxInt8K) return Outcome::invalid_argument;
  if (!allocates) return Outcome::ok;
  return allocation({a.shape[0], b.shape[1]}, a.dtype == hk::DType::i8 ? hk::DType::i32 : hk::DType::f32);
}

inline hk::Options without_variant(hk::Options o) {
  o.variant.clear();
  return o;
}

}  // namespace hk_fuzz
