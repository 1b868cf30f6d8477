// matmul, cublas: the reference rung of the GPU ladder — NVIDIA's own GEMM.
//
// Row-major without copies (fp32): cuBLAS is column-major, and a row-major (m×n) matrix read
// column-major is its transpose. So row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ, where
// row-major B (k×n) already *is* column-major Bᵀ (n×k, leading dimension n) and row-major
// A is Aᵀ (k×m, leading dimension k): one GEMM with no transposes and the operands swapped.
//
// int8: cublasGemmEx with 8-bit inputs, 32-bit outputs and CUBLAS_COMPUTE_32I (exact), in
// the "TN" form, which cuBLAS documents for its int8 tensor-core (IMMA) kernels: both
// operands K-contiguous, leading dimensions multiples of 4, 4-byte aligned. Row-major A
// (m×k) is already K-contiguous (column-major k×m); B is not, so it is transposed into
// scratch as Bᵀ (n×k4) with K zero-padded to a multiple of 4 (pack_i8_cublas.cu), and A is
// copied with the same padding only when K is not a multiple of 4 or A is misaligned.
// Zero columns of K add nothing to a dot product, so the result stays exact. The packing is
// part of the call's time, as it would be for a user of cuBLAS with row-major B.
#include <cstdint>
#include <string>

#include "common/src/dispatch.hpp"
#include "cuda/cublas_api.hpp"
#include "cuda/cuda_check.hpp"
#include "cuda/cuda_runtime.hpp"
#include "cuda/pack_i8_cublas.hpp"

namespace hk::cuda {

namespace {

constexpr int64_t round_up4(int64_t x) { return (x + 3) / 4 * 4; }
bool aligned4(const void* p) { return reinterpret_cast<uintptr_t>(p) % 4 == 0; }

// Column-major Cᵀ (n×m) = op(X)·op(Y) with, in cuBLAS's terms, X = Bᵀ stored column-major
// k4×n (row-major n×k4) and transposed (T), and Y = A stored column-major k4×m (N).
void gemm_i8_tn(const int8_t* bt, const int8_t* a, int32_t* c, int64_t m, int64_t k4, int64_t n) {
  const int32_t alpha = 1, beta = 0;
  HK_CUDA_CHECK(cublas().gemm_ex_64(cublas_handle(), CUBLAS_OP_T, CUBLAS_OP_N, n, m, k4, &alpha, bt, CUDA_R_8I, k4,
                                    a, CUDA_R_8I, k4, &beta, c, CUDA_R_32I, n, CUBLAS_COMPUTE_32I,
                                    CUBLAS_GEMM_DEFAULT));
}

}  // namespace

void matmul_f32_cublas(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n,
                       const KernelContext&) {
  if (k == 0) {  // C = 0; don't rely on how cuBLAS treats an empty inner dimension
    HK_CUDA_CHECK(cudaMemsetAsync(c, 0, std::size_t(m * n) * sizeof(float), current_stream()));
    return;
  }
  const float alpha = 1.0f, beta = 0.0f;
  HK_CUDA_CHECK(cublas().sgemm_64(cublas_handle(), CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &alpha, b, n, a, k, &beta, c, n));
}

void matmul_i8_cublas(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t k, int64_t n,
                      const KernelContext&) {
  cudaStream_t stream = current_stream();
  if (k == 0) {
    HK_CUDA_CHECK(cudaMemsetAsync(c, 0, std::size_t(m * n) * sizeof(int32_t), stream));
    return;
  }
  const int64_t k4 = round_up4(k);
  DeviceBuffer bt(std::size_t(n * k4));
  transpose_pad_i8(b, bt.as<int8_t>(), k, n, k4, stream);
  if (k4 == k && aligned4(a)) {
    gemm_i8_tn(bt.as<int8_t>(), a, c, m, k4, n);
  } else {
    detail::note_call("cublas int8 (TN) needs K to be a multiple of 4 and A 4-byte aligned; M×K×N = " +
                      std::to_string(m) + "×" + std::to_string(k) + "×" + std::to_string(n) +
                      " ran on a zero-padded copy of A (K → " + std::to_string(k4) +
                      "), which this call's time includes");
    DeviceBuffer pa(std::size_t(m * k4));
    HK_CUDA_CHECK(cudaMemsetAsync(pa.get(), 0, pa.size(), stream));
    HK_CUDA_CHECK(cudaMemcpy2DAsync(pa.get(), std::size_t(k4), a, std::size_t(k), std::size_t(k), std::size_t(m),
                                    cudaMemcpyDeviceToDevice, stream));
    gemm_i8_tn(bt.as<int8_t>(), pa.as<int8_t>(), c, m, k4, n);
  }
  end_device_work();  // before the scratch buffers' destructors wait for the stream
}

}  // namespace hk::cuda
