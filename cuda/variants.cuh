// THE list of CUDA kernel variants that need nothing only a GPU has. It is compiled twice:
// by nvcc into cuda/register_cuda.cu (rows for backend `cuda`) and by the host compiler
// into cuda/register_cuda_sim.cpp (rows for backend `cuda_sim`, run by the SIMT
// simulator), so every kernel here is tested on machines without a GPU. Variants that call
// a GPU-only library (cuBLAS, CUB device-wide calls) are added in register_cuda.cu alone.
//
// Add a CUDA kernel in two files (README.md "Adding a variant"):
//   1. cuda/kernels/<op>_<dtype>_<technique>.cuh: the __global__ kernel and its launcher
//      (the registry signature from hk/registry.hpp), in
//      `namespace hk::cuda { inline namespace HK_KERNEL_TARGET {`.
//   2. One #include and one r.add row below.
// Then build and run the tests: test_equivalence runs the new row under cuda_sim against
// the fp64/int64 reference (reference/), with forward, reverse and random schedules.
#pragma once

#include "cuda/kernels/elementwise_vectorized.cuh"
#include "cuda/kernels/linear_fused.cuh"
#include "cuda/kernels/linear_naive.cuh"
#include "cuda/kernels/matmul_f32_naive.cuh"
#include "cuda/kernels/matmul_f32_register_tiled.cuh"
#include "cuda/kernels/matmul_f32_tiled.cuh"
#include "cuda/kernels/matmul_i8_dp4a.cuh"
#include "cuda/kernels/quantize_naive.cuh"
#include "cuda/kernels/reduce_f32_block_reduce.cuh"
#include "cuda/kernels/relu_f32_naive.cuh"
#include "hk/registry.hpp"

namespace hk::cuda {
inline namespace HK_KERNEL_TARGET {

// One row per variant (hk/registry.hpp VariantRow). requirement: every CUDA 13 target is
// sm_75+, so name a newer one only when a kernel needs it. rung: the step on the GPU ladder
// (0 one thread per output straight from global memory, 1 shared-memory tiles, 2 register
// tiles and vector loads); `automatic` takes the highest supported rung for the dtype.
inline void register_portable_variants(Registry& r, Backend backend) {
  const Backend B = backend;
  const Requirement dp4a{"sm_61 (dp4a; every CUDA 13 target has it)", nullptr};
  // clang-format off
  r.add({.op = "matmul", .backend = B, .variant = "naive",          .rung = 0, .kernels = {matmul_f32_naive},
         .summary = "one thread per output, dot product straight from global memory (teaching baseline)"});
  r.add({.op = "matmul", .backend = B, .variant = "tiled",          .rung = 1, .kernels = {matmul_f32_tiled},
         .summary = "16×16 shared-memory tiles of A and B, one output per thread (Options::block_size 8/16/32)"});
  r.add({.op = "matmul", .backend = B, .variant = "register_tiled", .rung = 2, .kernels = {matmul_f32_register_tiled},
         .summary = "128×128 block tiles, 8×8 outputs per thread in registers, double-buffered float4 panels"});
  r.add({.op = "matmul", .backend = B, .variant = "dp4a",           .rung = 2, .kernels = {matmul_i8_dp4a}, .requirement = dp4a,
         .summary = "64×64 tiles, int8 words packed in registers (B transposed by __byte_perm), __dp4a"});

  r.add({.op = "linear", .backend = B, .variant = "naive", .rung = 0, .kernels = {linear_f32_naive, linear_i8_naive},
         .summary = "one thread per output, dot product from global memory, then dequantize, bias, relu in a register"});
  r.add({.op = "linear", .backend = B, .variant = "fused", .rung = 2, .kernels = {linear_f32_fused, linear_i8_fused}, .requirement = dp4a,
         .summary = "64×64 shared-memory tiles, 4×4 outputs per thread (int8: __dp4a), epilogue on the registers, "
                    "out stored once with float4"});

  r.add({.op = "relu",               .backend = B, .variant = "naive",        .rung = 0, .kernels = {relu_f32_naive},
         .summary = "one thread per element, 256-thread blocks, coalesced loads", .aliases = {"elementwise"}});
  r.add({.op = "relu",               .backend = B, .variant = "vectorized",   .rung = 2, .kernels = {relu_f32_vectorized, relu_i8_vectorized},
         .summary = "16 bytes per thread (float4 / 16 int8), scalar tail"});
  r.add({.op = "add",                .backend = B, .variant = "vectorized",   .rung = 2, .kernels = {add_f32_vectorized},
         .summary = "float4 loads and stores, scalar tail"});
  r.add({.op = "mul",                .backend = B, .variant = "vectorized",   .rung = 2, .kernels = {mul_f32_vectorized},
         .summary = "float4 loads and stores, scalar tail"});
  r.add({.op = "squared_difference", .backend = B, .variant = "vectorized",   .rung = 2, .kernels = {squared_difference_f32_vectorized},
         .summary = "float4 loads and stores, (x - y)², scalar tail"});
  r.add({.op = "dot",                .backend = B, .variant = "block_reduce", .rung = 2, .kernels = {dot_f32_block_reduce},
         .summary = "two-pass tree: warp shuffles + shared memory, double terms, deterministic"});
  r.add({.op = "euclidean_distance", .backend = B, .variant = "block_reduce", .rung = 2, .kernels = {euclidean_distance_f32_block_reduce},
         .summary = "two-pass tree: warp shuffles + shared memory, double terms, deterministic"});
  r.add({.op = "quantize",           .backend = B, .variant = "naive",        .rung = 0, .kernels = {quantize_f32_naive},
         .summary = "one thread per element: IEEE x / scale, clamp, __float2int_rn (half to even)", .aliases = {"elementwise"}});
  r.add({.op = "dequantize",         .backend = B, .variant = "naive",        .rung = 0, .kernels = {dequantize_i8_naive, dequantize_i32_naive},
         .summary = "one thread per element: float(q) · scale", .aliases = {"elementwise"}});
  // clang-format on
}

}  // namespace HK_KERNEL_TARGET
}  // namespace hk::cuda
