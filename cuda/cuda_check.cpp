// The error path of HK_CUDA_CHECK: one message format for every failed CUDA runtime or
// cuBLAS call — the call as written, file:line, the current device and the error string.
#include <string>

#include "cuda/cuda_check.hpp"

namespace hk::cuda {

namespace {

std::string where(const char* call, const char* file, int line) {
  int device = -1;
  if (cudaGetDevice(&device) != cudaSuccess) {
    device = -1;
    cudaGetLastError();  // don't let the failed query linger in the thread's error state
  }
  return std::string(call) + " at " + file + ":" + std::to_string(line) + " (device " +
         (device >= 0 ? "cuda:" + std::to_string(device) : std::string("unknown")) + ")";
}

}  // namespace

void throw_cuda_error(cudaError_t err, const char* call, const char* file, int line) {
  // Clears a non-sticky error so the next call on this thread starts clean; a sticky one
  // (a kernel fault) stays and every later call reports it, as it must.
  cudaGetLastError();
  std::string msg = "CUDA error in " + where(call, file, line) + ": " + cudaGetErrorString(err) + " (" +
                    cudaGetErrorName(err) + ")";
  if (err == cudaErrorMemoryAllocation) throw OutOfMemory(msg, 0);
  throw CudaError(msg);
}

const char* cublas_status_text(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED (cuBLAS could not initialise: no usable device or driver)";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED (cuBLAS could not allocate device memory)";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE (an argument is out of range)";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH (the device lacks a feature this call needs)";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR (access to GPU memory failed)";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED (the GPU program failed to run)";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR (an internal cuBLAS operation failed)";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED (this combination of types, shapes or alignment is not supported)";
    case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
  }
  return "unknown cuBLAS status";
}

void throw_cublas_error(cublasStatus_t status, const char* call, const char* file, int line) {
  std::string msg = "cuBLAS error in " + where(call, file, line) + ": " + cublas_status_text(status) +
                    " (status " + std::to_string(int(status)) + ")";
  if (status == CUBLAS_STATUS_ALLOC_FAILED) throw OutOfMemory(msg, 0);
  throw CudaError(msg);
}

}  // namespace hk::cuda
