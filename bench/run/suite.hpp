// What hk-bench runs: the cases (op, dtype, sizes) of the default lecture suite or of --op,
// and the order rows appear in (the lecture ladder).
#pragma once

#include <string>
#include <vector>

#include "hk/hk.hpp"
#include "hk/op_table.hpp"

namespace hk_bench {

struct Case {
  std::string op;
  hk::DType dtype;
  std::vector<std::string> sizes;
  std::string title() const;  // "matmul f32"
};

// The default run: the matmul ladder (f32 and int8), relu and dot, at sizes that finish in
// about a minute on a 2-core machine.
std::vector<Case> default_suite();
// The cases --op names: "matmul" (every dtype the registry has for it), "matmul:i8", or
// "all"; sizes replace the op's default sizes when given. InvalidArgument for an op hk
// doesn't register.
std::vector<Case> select_cases(const std::vector<std::string>& ops, const std::vector<std::string>& sizes);
// The op table's default size of op.
std::vector<std::string> default_sizes(const std::string& op);
// The input dtypes the registry has kernels for, for op, in f32, i8, i32 order.
std::vector<hk::DType> registry_dtypes(const std::string& op);

// The op table's shape of op: (M, K)·(K, N), or a reduction to one value.
bool is_matmul(const std::string& op);
bool is_reduction(const std::string& op);

// Position on the lecture ladder: the registry row's rung (naive → blocked → simd →
// parallel → vnni on the CPU; naive → tiled → register_tiled → cublas on the GPU). Peers,
// which have no row, come last.
int ladder_rank(const std::string& op, const std::string& backend, const std::string& variant);
// True for a registry row that runs a library's code (cuBLAS, Thrust, CUB): the GPU rows'
// baseline, as OpenBLAS and oneDNN are the CPU rows'.
bool is_library_variant(const std::string& op, const std::string& backend, const std::string& variant);
int backend_rank(const std::string& backend);

// A small case that checks a cuda_sim variant in well under a second (the simulator runs
// every CUDA thread as a fiber): odd sizes so every bounds check is exercised.
hk::Shape simulator_check_shape(const hk::OpDef& op);

}  // namespace hk_bench
