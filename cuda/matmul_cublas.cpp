// matmul, cublas: the reference rung of the GPU ladder — NVIDIA's own GEMM.
//
// Row-major without copies: cuBLAS is column-major, and a row-major (m×n) matrix read
// column-major is its transpose. So row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ, where
// row-major B (k×n) already *is* column-major Bᵀ (n×k, leading dimension n) and row-major
// A is Aᵀ (k×m, leading dimension k): one GEMM with no transposes and the operands swapped.
//
// int8: cublasGemmEx with 8-bit inputs, 32-bit outputs and CUBLAS_COMPUTE_32I (exact;
// tensor-core IMMA on sm_75+). It accepts only alpha, beta ∈ {0, 1}, 4-byte aligned A and
// B, and leading dimensions that are multiples of 4 — in the swapped call, N and K. A shape
// that doesn't qualify runs on zero-padded copies: zero columns of K add nothing to any
// dot product and the padded columns of N are dropped, so the result stays exact; the
// copies cost time, and hk::last_call_timing().note says so.
#include <cstdint>
#include <string>

#include "common/src/dispatch.hpp"
#include "cuda/cublas_api.hpp"
#include "cuda/cuda_check.hpp"
#include "cuda/cuda_runtime.hpp"
#include "cuda/library_kernels.hpp"

namespace hk::cuda {

namespace {

constexpr int64_t round_up4(int64_t x) { return (x + 3) / 4 * 4; }
bool aligned4(const void* p) { return reinterpret_cast<uintptr_t>(p) % 4 == 0; }

// Column-major (n×m) = (n×k)·(k×m): the swapped call described above.
void gemm_i8(const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb, int32_t* c, int64_t ldc, int64_t m,
             int64_t k, int64_t n) {
  const int32_t alpha = 1, beta = 0;
  HK_CUDA_CHECK(cublas().gemm_ex_64(cublas_handle(), CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &alpha, b, CUDA_R_8I, ldb, a,
                                    CUDA_R_8I, lda, &beta, c, CUDA_R_32I, ldc, CUBLAS_COMPUTE_32I, CUBLAS_GEMM_DEFAULT));
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
  if (k % 4 == 0 && n % 4 == 0 && aligned4(a) && aligned4(b)) {
    gemm_i8(a, k, b, n, c, n, m, k, n);
    return;
  }
  const int64_t k4 = round_up4(k), n4 = round_up4(n);
  detail::note_call("cublas int8 needs K and N to be multiples of 4 and 4-byte aligned inputs (cublasGemmEx, "
                    "CUBLAS_COMPUTE_32I); M×K×N = " + std::to_string(m) + "×" + std::to_string(k) + "×" +
                    std::to_string(n) + " ran on zero-padded copies (K → " + std::to_string(k4) + ", N → " +
                    std::to_string(n4) + "), which this call's time includes");
  DeviceBuffer pa(std::size_t(m * k4)), pb(std::size_t(k4 * n4)), pc(std::size_t(m * n4) * sizeof(int32_t));
  HK_CUDA_CHECK(cudaMemsetAsync(pa.get(), 0, pa.size(), stream));
  HK_CUDA_CHECK(cudaMemsetAsync(pb.get(), 0, pb.size(), stream));
  HK_CUDA_CHECK(cudaMemcpy2DAsync(pa.get(), std::size_t(k4), a, std::size_t(k), std::size_t(k), std::size_t(m),
                                  cudaMemcpyDeviceToDevice, stream));
  HK_CUDA_CHECK(cudaMemcpy2DAsync(pb.get(), std::size_t(n4), b, std::size_t(n), std::size_t(n), std::size_t(k),
                                  cudaMemcpyDeviceToDevice, stream));
  gemm_i8(pa.as<int8_t>(), k4, pb.as<int8_t>(), n4, pc.as<int32_t>(), n4, m, k4, n4);
  HK_CUDA_CHECK(cudaMemcpy2DAsync(c, std::size_t(n) * sizeof(int32_t), pc.get(), std::size_t(n4) * sizeof(int32_t),
                                  std::size_t(n) * sizeof(int32_t), std::size_t(m), cudaMemcpyDeviceToDevice, stream));
  end_device_work();  // before the scratch buffers' destructors wait for the stream
}

}  // namespace hk::cuda
