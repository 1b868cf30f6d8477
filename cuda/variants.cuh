// THE list of CUDA kernel variants that need nothing only a GPU has. It is compiled twice:
// by nvcc into cuda/register_cuda.cu (rows for backend `cuda`) and by the host compiler
// into cuda/register_cuda_sim.cpp (rows for backend `cuda_sim`, run by the SIMT
// simulator), so every kernel here is tested on machines without a GPU. Variants that call
// a GPU-only library (cuBLAS, CUB device-wide calls) are added in register_cuda.cu alone.
//
// Add a CUDA kernel in three steps (see cuda/README.md):
//   1. cuda/kernels/<op>_<dtype>_<technique>.cuh: the __global__ kernel and its launcher
//      (the registry signature from hk/registry.hpp), in
//      `namespace hk::cuda { inline namespace HK_KERNEL_TARGET {`.
//   2. One #include and one r.add row below.
//   3. Build and run the tests: test_equivalence runs the new row under cuda_sim against
//      the fp64/int64 reference (reference/), with forward, reverse and random schedules.
#pragma once

#include "cuda/kernels/elementwise_vectorized.cuh"
#include "cuda/kernels/matmul_f32_naive.cuh"
#include "cuda/kernels/matmul_f32_register_tiled.cuh"
#include "cuda/kernels/matmul_f32_tiled.cuh"
#include "cuda/kernels/matmul_i8_dp4a.cuh"
#include "cuda/kernels/quantize_elementwise.cuh"
#include "cuda/kernels/reduce_f32_block_reduce.cuh"
#include "cuda/kernels/relu_f32_elementwise.cuh"
#include "hk/registry.hpp"

namespace hk::cuda {
inline namespace HK_KERNEL_TARGET {

// Rows: op, backend, variant (the technique), kernels (one per input dtype), requirement
// (every CUDA 13 target is sm_75+; name a newer one here when a kernel needs it), summary,
// priority (the automatic choice within the backend takes the highest).
inline void register_portable_variants(Registry& r, Backend backend) {
  // clang-format off
  r.add({"matmul", backend, "naive", {matmul_f32_naive}, {},
         "one thread per output, dot product straight from global memory (teaching baseline)", 0});
  r.add({"matmul", backend, "tiled", {matmul_f32_tiled}, {},
         "16×16 shared-memory tiles of A and B, one output per thread (Options::block_size 8/16/32)", 10});
  r.add({"matmul", backend, "register_tiled", {matmul_f32_register_tiled}, {},
         "128×128 block tiles, 8×8 outputs per thread in registers, double-buffered float4 panels", 30});
  r.add({"matmul", backend, "dp4a", {matmul_i8_dp4a}, {"sm_61 (dp4a; every CUDA 13 target has it)", nullptr},
         "64×64 tiles, int8 words packed in registers (B transposed by __byte_perm), __dp4a", 30});
  r.add({"relu", backend, "elementwise", {relu_f32_elementwise}, {},
         "one thread per element, 256-thread blocks, coalesced loads", 10});
  r.add({"relu", backend, "vectorized", {relu_f32_vectorized, relu_i8_vectorized}, {},
         "16 bytes per thread (float4 / 16 int8), scalar tail", 30});
  r.add({"add", backend, "vectorized", {add_f32_vectorized}, {}, "float4 loads and stores, scalar tail", 30});
  r.add({"mul", backend, "vectorized", {mul_f32_vectorized}, {}, "float4 loads and stores, scalar tail", 30});
  r.add({"squared_difference", backend, "vectorized", {squared_difference_f32_vectorized}, {},
         "float4 loads and stores, (x - y)², scalar tail", 30});
  r.add({"dot", backend, "block_reduce", {dot_f32_block_reduce}, {},
         "two-pass tree: warp shuffles + shared memory, double terms, deterministic", 30});
  r.add({"euclidean_distance", backend, "block_reduce", {euclidean_distance_f32_block_reduce}, {},
         "two-pass tree: warp shuffles + shared memory, double terms, deterministic", 30});
  r.add({"quantize", backend, "elementwise", {quantize_f32_elementwise}, {},
         "one thread per element: IEEE x / scale, clamp, __float2int_rn (half to even)", 10});
  r.add({"dequantize", backend, "elementwise", {dequantize_i8_elementwise, dequantize_i32_elementwise}, {},
         "one thread per element: float(q) · scale", 10});
  // clang-format on
}

}  // namespace HK_KERNEL_TARGET
}  // namespace hk::cuda
