// One benchmark workload: the host inputs of one op at one shape, and a validator that
// checks an output against fp64 computed here, before anything is timed.
//
// Operands are the tensors one call reads and writes, on one device; the same validator
// serves every backend (device outputs are copied to the host first) and the peers that
// compute the op themselves (OpenBLAS, oneDNN).
#pragma once

#include <memory>
#include <string>

#include "hk/hk.hpp"
#include "hk/op_table.hpp"
#include "hk/registry.hpp"

namespace hk_bench {

// The shape a size string names for op: matmul "N" → {N, N, N}, "MxKxN" → {M, K, N}; other
// ops "n" → {n}. InvalidArgument for anything else.
hk::Shape parse_size(const std::string& op, const std::string& size);
std::string shape_label(const hk::Shape& dims);

struct Operands {
  hk::Tensor x, y;     // matmul: a (M, K) and b (K, N); linear: x and w (K, N); unary ops: y unused
  hk::Tensor bias;     // linear: (N); its call adds the bias and applies relu
  hk::Tensor weight_scales;  // linear int8: (N)
  hk::Tensor out;      // matmul, elementwise, quantize, dequantize
  double result = 0;   // dot, euclidean_distance
};

class Workload {
 public:
  Workload(std::string op, hk::DType dtype, hk::Shape dims);

  const std::string& op() const { return op_; }
  const hk::OpDef& def() const { return *def_; }
  hk::DType dtype() const { return dtype_; }
  const hk::Shape& dims() const { return dims_; }
  std::string label() const { return shape_label(dims_); }
  // The registry's input shapes (b empty for unary ops), for its work model.
  hk::Shape a_shape() const;
  hk::Shape b_shape() const;
  hk::Work work() const;
  double input_bytes() const;  // x (+ y): what a streaming read of the inputs touches

  // The host operands (inputs shared, a fresh output the first time).
  Operands& host();
  // Copies of the inputs and a fresh output on `device`.
  Operands on(hk::Device device) const;

  // One call of the op through hk with options o.
  void call(const hk::Options& o, Operands& ops) const;
  // The same with the op table's arguments built beforehand by args(ops), which point into
  // ops: a timed loop builds them once, as it builds its Options once, since building them
  // zeroes a large struct and copies linear's weight scales.
  hk::OpArgs args(Operands& ops) const;
  void call(const hk::Options& o, const hk::OpArgs& args, Operands& ops) const;
  // "" when ops' result matches fp64 within the op's bound (ops on the host), else what is
  // wrong: the first bad element, its value and the reference.
  std::string check(const Operands& host_ops) const;

 private:
  std::string op_;
  const hk::OpDef* def_;
  hk::DType dtype_;
  hk::Shape dims_;
  float scale_ = 0.05f;  // quantize / dequantize
  std::unique_ptr<Operands> host_;
};

// The deliberate-breakage switch that proves a failed variant shows FAILED and no number:
// HK_BENCH_BREAK=op/backend/variant (op may be "matmul:i8" to pick a dtype) makes hk-bench
// corrupt one output element after every call of that variant.
bool broken_by_env(const std::string& op, hk::DType dtype, const std::string& backend, const std::string& variant);
// InvalidArgument naming HK_BENCH_BREAK when an item of it is not op[:dtype]/backend/variant
// or matches no registered variant (it would silently break nothing).
void check_break_env();
// Makes one output value (or the scalar result) of ops wrong — NaN for floats, a flipped bit
// or an off-by-one for integers — on the host or the device.
void corrupt(Operands& ops);

}  // namespace hk_bench
