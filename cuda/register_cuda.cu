// The cuda backend's registration table: every portable kernel variant (cuda/variants.cuh,
// shared with cuda_sim), then the rows only a GPU can run — the library baselines.
//
// priority: `automatic` takes the supported variant with the highest priority.
#include "cuda/library_kernels.hpp"
#include "cuda/variants.cuh"
#include "hk/registry.hpp"

namespace hk {

void register_cuda(Registry& r) {
  using namespace hk::cuda;
  const Backend B = Backend::cuda;
  register_portable_variants(r, B);
  // clang-format off
  // ---- library baselines: cuda only (these libraries need a GPU; no simulator rows) ----
  r.add({"matmul", B, "cublas", {matmul_f32_cublas, matmul_i8_cublas}, {},
         "cuBLAS: cublasSgemm, cublasGemmEx int8→int32 (row-major as Cᵀ = BᵀAᵀ)", 100});
  r.add({"relu", B, "thrust", {relu_f32_thrust, relu_i8_thrust}, {}, "thrust::transform", 20});
  r.add({"add", B, "thrust", {add_f32_thrust}, {}, "thrust::transform", 20});
  r.add({"mul", B, "thrust", {mul_f32_thrust}, {}, "thrust::transform", 20});
  r.add({"squared_difference", B, "thrust", {squared_difference_f32_thrust}, {}, "thrust::transform, (x - y)²", 20});
  r.add({"dot", B, "cub", {dot_f32_cub}, {}, "cub::DeviceReduce::Sum of x·y in double", 20});
  r.add({"euclidean_distance", B, "cub", {euclidean_distance_f32_cub}, {},
         "cub::DeviceReduce::Sum of (x - y)² in double, then sqrt", 20});
  // clang-format on
}

}  // namespace hk
