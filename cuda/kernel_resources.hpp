// The static resource report compiled into this build (see cmake/cuda_resources.cmake).
#pragma once

#include <vector>

#include "hk/cuda.hpp"

namespace hk::cuda {

std::vector<CudaKernelResources> compiled_kernel_resources();

}  // namespace hk::cuda
