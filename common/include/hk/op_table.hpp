// hk/op_table.hpp — one row per op: the operands it takes, the result it gives, the work it
// does, and one type-erased way to call it. The registry, hk-bench, the tests and the
// fuzzer learn what they know about an op from this table, so adding an op is one row in
// common/src/op_table.cpp, its kernels, and its public function in hk/ops.hpp.
#pragma once

#include <span>
#include <string_view>
#include <utility>

#include "hk/ops.hpp"
#include "hk/registry.hpp"
#include "hk/tensor.hpp"
#include "hk/types.hpp"

namespace hk {

// The shape rule of an op's operands and result.
enum class OpShape {
  matmul,       // a: (M, K), b: (K, N) → (M, N)
  linear,       // x: (M, K), w: (K, N) or (N, K), bias (N) → (M, N) f32
  elementwise,  // operands of one shape → a result of that shape
  reduction,    // two operands of one shape → a double
};

// The operands of one call: x (a for matmul, q for dequantize), y for ops of two operands
// (linear's w), the scale of quantize and dequantize, and linear's bias (null: none) and
// options.
struct OpArgs {
  const Tensor* x = nullptr;
  const Tensor* y = nullptr;
  float scale = 1.0f;
  const Tensor* bias = nullptr;
  LinearOptions linear = {};
};

// A call's result: the allocating form's output tensor (empty when the call wrote into its
// `out`), or for a reduction its value.
struct OpResult {
  // Constructors rather than an aggregate: `return {}` of an aggregate zeroes the whole
  // object before constructing it (value-initialization), a `rep stos` that costs a small
  // call more than everything else the op table adds.
  OpResult() {}
  OpResult(Tensor t) : tensor(std::move(t)) {}  // NOLINT(google-explicit-constructor): `return {tensor}`
  OpResult(Tensor t, double v) : tensor(std::move(t)), value(v) {}
  Tensor tensor;
  double value = 0;
};

struct OpDef {
  std::string_view name;          // the public function's name
  OpShape shape;
  int operands;                   // tensor operands: 1 or 2
  bool scaled;                    // takes a float scale after the tensors
  std::span<const DType> dtypes;  // what the first operand may be (the second matches it; linear: w's)
  DType (*result_dtype)(DType input);  // of the output tensor; reductions give a double
  WorkModel work;                 // flops and compulsory bytes of one call
  std::string_view bench_size;    // hk-bench's default: "N" (N×N×N for matmul) or "n"
  // Calls the public function: with `out`, the output form writing into it (the result's
  // tensor stays empty); else the allocating form. Errors are the public function's.
  OpResult (*call)(const OpArgs&, const Options&, Tensor* out);

  bool has_output() const { return shape != OpShape::reduction; }
};

// Every op, in the order hk lists them.
std::span<const OpDef> op_table();
// The row named `name`; null when hk has no such op.
const OpDef* find_op(std::string_view name);
// The row named `name`; InvalidArgument listing hk's ops when there is none.
const OpDef& op_def(std::string_view name);

}  // namespace hk
