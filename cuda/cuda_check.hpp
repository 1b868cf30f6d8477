// One checking macro for every CUDA runtime and cuBLAS call: HK_CUDA_CHECK(call).
// A failure becomes hk::CudaError (or hk::OutOfMemory for an allocation failure) naming
// the call as written, file:line, the current device and the library's error string.
// Kernel launches are checked the same way: HK_CUDA_CHECK(cudaGetLastError()) right after
// the launch (a launch that fails is otherwise silent until a later, unrelated call).
#pragma once

#include <cublas_api.h>
#include <cuda_runtime_api.h>

#include "hk/error.hpp"

namespace hk::cuda {

[[noreturn]] void throw_cuda_error(cudaError_t err, const char* call, const char* file, int line);
[[noreturn]] void throw_cublas_error(cublasStatus_t status, const char* call, const char* file, int line);

// The overloads HK_CUDA_CHECK picks by the call's return type.
inline void check(cudaError_t err, const char* call, const char* file, int line) {
  if (err != cudaSuccess) throw_cuda_error(err, call, file, line);
}
inline void check(cublasStatus_t status, const char* call, const char* file, int line) {
  if (status != CUBLAS_STATUS_SUCCESS) throw_cublas_error(status, call, file, line);
}

// "cublasSgemm_v2(...)" → the status name and its meaning, e.g.
// "CUBLAS_STATUS_NOT_SUPPORTED (the functionality requested is not supported)".
const char* cublas_status_text(cublasStatus_t status);

}  // namespace hk::cuda

#define HK_CUDA_CHECK(call) ::hk::cuda::check((call), #call, __FILE__, __LINE__)
