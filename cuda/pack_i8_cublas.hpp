// pack_i8_cublas.cu's transpose, which matmul_cublas.cpp calls before cublasGemmEx.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace hk::cuda {

// B (k×n) → Bᵀ (n×k4, K zero-padded to k4) on `stream`.
void transpose_pad_i8(const int8_t* b, int8_t* bt, int64_t k, int64_t n, int64_t k4, cudaStream_t stream);

}  // namespace hk::cuda
