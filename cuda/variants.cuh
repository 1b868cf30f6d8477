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
//      the fp64/int64 oracles, with forward, reverse and random schedules.
#pragma once

#include "cuda/kernels/matmul_f32_tiled.cuh"
#include "cuda/kernels/relu_f32_elementwise.cuh"
#include "hk/registry.hpp"

namespace hk::cuda {
inline namespace HK_KERNEL_TARGET {

// Rows: op, backend, variant (the technique), kernels (one per input dtype), requirement
// (every CUDA 13 target is sm_75+; name a newer one here when a kernel needs it), summary,
// priority (the automatic choice within the backend takes the highest).
inline void register_portable_variants(Registry& r, Backend backend) {
  // clang-format off
  r.add({"matmul", backend, "tiled", {matmul_f32_tiled}, {},
         "16×16 shared-memory tiles of A and B, one output per thread (Options::block_size 8/16/32)", 10});
  r.add({"relu", backend, "elementwise", {relu_f32_elementwise}, {},
         "one thread per element, 256-thread blocks, coalesced loads", 10});
  // clang-format on
}

}  // namespace HK_KERNEL_TARGET
}  // namespace hk::cuda
