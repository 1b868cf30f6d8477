// One benchmark workload: the inputs of one op at one shape, a preallocated output, and
// a validator that checks a variant's output against fp64 before anything is timed.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "hk/hk.hpp"

namespace hk_bench {

struct Workload {
  std::string op;
  hk::DType dtype;
  hk::Shape a, b;  // input shapes (b empty for unary ops)
  std::string shape_label;  // "512x512x512", "16777216"

  // Runs the op once with `o` into the preallocated output.
  std::function<void(const hk::Options& o)> run;
  // Checks the last run's output; returns "" when it matches, else what was wrong.
  std::function<std::string()> validate;
};

// Builds the workload for op on shape (matmul: {M, K, N}; others: {n}); InvalidArgument for
// an op hk-bench doesn't know.
std::unique_ptr<Workload> make_workload(const std::string& op, hk::DType dtype, const hk::Shape& shape);

}  // namespace hk_bench
