// The cuda backend's registration table: every portable kernel variant (cuda/variants.cuh,
// shared with cuda_sim), then the rows only a GPU can run — the library baselines.
#include "cuda/variants.cuh"
#include "hk/registry.hpp"

// The library baselines, declared by their registry signatures: pointers are device
// pointers on the current device, and the work goes on the calling thread's stream.
namespace hk::cuda {
using namespace hk::kernel;
MatmulF32Fn matmul_f32_cublas;  // matmul_cublas.cpp
MatmulI8Fn matmul_i8_cublas;
LinearF32Fn linear_f32_cublaslt;  // linear_cublaslt.cpp
UnaryF32Fn relu_f32_thrust;  // elementwise_thrust.cu
UnaryI8Fn relu_i8_thrust;
BinaryFn add_f32_thrust, mul_f32_thrust, squared_difference_f32_thrust;
ReduceFn dot_f32_cub, euclidean_distance_f32_cub;  // reduce_cub.cu
}  // namespace hk::cuda

namespace hk {

void register_cuda(Registry& r) {
  using namespace hk::cuda;
  const Backend B = Backend::cuda;
  register_portable_variants(r, B);
  // clang-format off
  // ---- library baselines: cuda only (these libraries need a GPU; no simulator rows). cuBLAS
  // and cuBLASLt stand above hk's own matmuls and linear, so `automatic` takes them; Thrust
  // and CUB stand below hk's vectorized kernels, which match them.
  const Origin L = Origin::library;
  r.add({.op = "matmul",             .backend = B, .variant = "cublas", .rung = 3, .origin = L, .kernels = {matmul_f32_cublas, matmul_i8_cublas},
         .summary = "cuBLAS: cublasSgemm, cublasGemmEx int8→int32 (row-major as Cᵀ = BᵀAᵀ)"});
  r.add({.op = "linear",             .backend = B, .variant = "cublaslt", .rung = 3, .origin = L, .kernels = {linear_f32_cublaslt},
         .summary = "cuBLASLt: cublasLtMatmul with its BIAS / RELU / RELU_BIAS epilogue (row-major as outᵀ = Wᵀxᵀ); "
                    "f32 only: no cuBLASLt int8 path rounds as hk's epilogue"});
  r.add({.op = "relu",               .backend = B, .variant = "thrust", .rung = 1, .origin = L, .kernels = {relu_f32_thrust, relu_i8_thrust},
         .summary = "thrust::transform"});
  r.add({.op = "add",                .backend = B, .variant = "thrust", .rung = 1, .origin = L, .kernels = {add_f32_thrust},
         .summary = "thrust::transform"});
  r.add({.op = "mul",                .backend = B, .variant = "thrust", .rung = 1, .origin = L, .kernels = {mul_f32_thrust},
         .summary = "thrust::transform"});
  r.add({.op = "squared_difference", .backend = B, .variant = "thrust", .rung = 1, .origin = L, .kernels = {squared_difference_f32_thrust},
         .summary = "thrust::transform, (x - y)²"});
  r.add({.op = "dot",                .backend = B, .variant = "cub",    .rung = 1, .origin = L, .kernels = {dot_f32_cub},
         .summary = "cub::DeviceReduce::Sum of x·y in double"});
  r.add({.op = "euclidean_distance", .backend = B, .variant = "cub",    .rung = 1, .origin = L, .kernels = {euclidean_distance_f32_cub},
         .summary = "cub::DeviceReduce::Sum of (x - y)² in double, then sqrt"});
  // clang-format on
}

}  // namespace hk
