// One checking macro for every CUDA runtime call: a failure becomes hk::CudaError naming the
// call, file:line, the current device and the CUDA error string.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "hk/error.hpp"

namespace hk::cuda {

[[noreturn]] void throw_cuda_error(cudaError_t err, const char* call, const char* file, int line);

}  // namespace hk::cuda

#define HK_CUDA_CHECK(call)                                                          \
  do {                                                                               \
    cudaError_t hk_cuda_err_ = (call);                                               \
    if (hk_cuda_err_ != cudaSuccess)                                                 \
      ::hk::cuda::throw_cuda_error(hk_cuda_err_, #call, __FILE__, __LINE__);         \
  } while (0)
