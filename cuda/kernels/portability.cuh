// The one header every CUDA kernel file (cuda/kernels/*.cuh) includes. It makes the same
// source compile two ways:
//
// - under nvcc (backend `cuda`): plain CUDA from the toolkit's headers;
// - under the host compiler (backend `cuda_sim`): cuda/sim/device.hpp supplies threadIdx &
//   co., __syncthreads, shuffles, votes, atomics, vector types and math, and the kernel's
//   threads run as fibers in hk's SIMT simulator.
//
// Kernel files put their code in `namespace hk::cuda { inline namespace HK_KERNEL_TARGET {`.
// The inline namespace is `gpu` under nvcc and `simulated` under the host compiler, so the
// two compilations of one kernel file (cuda/register_cuda.cu and
// cuda/register_cuda_sim.cpp) define different symbols and never clash at link time, while
// the code reads `hk::cuda::matmul_f32_tiled` either way.
//
// Two spellings differ from textbook CUDA:
// - dynamic shared memory: `HK_DYNAMIC_SHARED(float, buffer);` instead of
//   `extern __shared__ float buffer[];` (a header cannot give `extern` a new meaning);
// - `#pragma unroll` is ignored by g++ (hk builds with -Wno-unknown-pragmas).
#pragma once

#include <cstdint>

#ifdef __CUDACC__
#include <cuda_runtime.h>
#define HK_KERNEL_TARGET gpu
#define HK_TRACE_SHARED(array) ((void)0)  // the simulator's hook for hk-bench explain
#define HK_DYNAMIC_SHARED(T, name)                                   \
  extern __shared__ __align__(16) unsigned char hk_dynamic_shared_[]; \
  T* name = reinterpret_cast<T*>(hk_dynamic_shared_)
#else
#include "cuda/sim/device.hpp"
#ifndef HK_KERNEL_TARGET  // cuda/register_cuda_sim_checked.cpp names its own
#define HK_KERNEL_TARGET simulated
#endif
#endif
