// Packing for the cuBLAS int8 baseline (matmul_cublas.cpp): B (k×n, row-major) to Bᵀ
// (n×k4, row-major, K zero-padded to a multiple of 4), the K-contiguous layout of
// cuBLAS's "TN" int8 GEMM, the form its int8 tensor-core (IMMA) kernels are documented for.
// A 32×32 tile through shared memory: rows of B are read and rows of Bᵀ written whole, so
// both sides are coalesced; the +1 column keeps the transposed reads off one bank.
#include <cstdint>

#include "cuda/cuda_check.hpp"
#include "cuda/pack_i8_cublas.hpp"

namespace hk::cuda {

namespace {

constexpr int kTile = 32, kRows = 8;  // 32×8 threads move a 32×32 tile, 4 elements each

__global__ void transpose_pad_kernel(const int8_t* __restrict__ b, int8_t* __restrict__ bt, int64_t k, int64_t n,
                                     int64_t k4) {
  __shared__ int8_t tile[kTile][kTile + 1];
  const int64_t p0 = int64_t(blockIdx.y) * kTile, j0 = int64_t(blockIdx.x) * kTile;
  for (int r = threadIdx.y; r < kTile; r += kRows) {  // rows p of B, columns j
    const int64_t p = p0 + r, j = j0 + threadIdx.x;
    tile[r][threadIdx.x] = p < k && j < n ? b[p * n + j] : int8_t{0};
  }
  // Every row of the tile is in shared memory before any thread reads a column of it.
  __syncthreads();
  for (int r = threadIdx.y; r < kTile; r += kRows) {  // rows j of Bᵀ, columns p (zero past k)
    const int64_t j = j0 + r, p = p0 + threadIdx.x;
    if (j < n && p < k4) bt[j * k4 + p] = tile[threadIdx.x][r];
  }
}

}  // namespace

void transpose_pad_i8(const int8_t* b, int8_t* bt, int64_t k, int64_t n, int64_t k4, cudaStream_t stream) {
  if (n == 0 || k4 == 0) return;
  // Columns of B on x (up to 2^31 − 1 blocks), K on y: K ≤ 131,071 is 4,096 blocks at most.
  const dim3 grid(static_cast<unsigned>((n + kTile - 1) / kTile), static_cast<unsigned>((k4 + kTile - 1) / kTile));
  transpose_pad_kernel<<<grid, dim3(kTile, kRows), 0, stream>>>(b, bt, k, n, k4);
  HK_CUDA_CHECK(cudaGetLastError());
}

}  // namespace hk::cuda
