// The library baselines of the cuda backend: what a user would otherwise call directly.
// Same signatures as every registry kernel (hk/registry.hpp); pointers are device pointers
// on the current device, and the work goes on the calling thread's stream.
// cuda-only: these libraries run on a GPU, never under the simulator.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "hk/registry.hpp"

namespace hk::cuda {

// matmul_cublas.cpp
void matmul_f32_cublas(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n, const KernelContext&);
void matmul_i8_cublas(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t k, int64_t n, const KernelContext&);

// pack_i8_cublas.cu: B (k×n) → Bᵀ (n×k4, K zero-padded to k4) on `stream`.
void transpose_pad_i8(const int8_t* b, int8_t* bt, int64_t k, int64_t n, int64_t k4, cudaStream_t stream);

// elementwise_thrust.cu
void relu_f32_thrust(const float* x, float* out, int64_t n, const KernelContext&);
void relu_i8_thrust(const int8_t* x, int8_t* out, int64_t n, const KernelContext&);
void add_f32_thrust(const float* x, const float* y, float* out, int64_t n, const KernelContext&);
void mul_f32_thrust(const float* x, const float* y, float* out, int64_t n, const KernelContext&);
void squared_difference_f32_thrust(const float* x, const float* y, float* out, int64_t n, const KernelContext&);

// reduce_cub.cu
double dot_f32_cub(const float* x, const float* y, int64_t n, const KernelContext&);
double euclidean_distance_f32_cub(const float* x, const float* y, int64_t n, const KernelContext&);

}  // namespace hk::cuda
