// relu, add, mul, squared_difference — thrust: the library baseline for elementwise ops.
// thrust::transform with a functor is what most CUDA code would write first; hk's own
// elementwise kernel (vectorised loads) is measured against it. The functors are hk's
// own kernels' (cuda/kernels/elementwise_ops.cuh), the CPU's expressions, so the results are bit-identical (nvcc keeps IEEE semantics without
// fast-math: no flush-to-zero, and there is no a·b + c here for it to fuse).
#include <thrust/system/cuda/execution_policy.h>
#include <thrust/system_error.h>
#include <thrust/transform.h>

#include <string>

#include "cuda/cuda_check.hpp"
#include "cuda/kernels/elementwise_ops.cuh"
#include "cuda/cuda_runtime.hpp"
#include "hk/registry.hpp"

namespace hk::cuda {

namespace {

using elementwise::Add;
using elementwise::Mul;
using elementwise::ReluF32;
using elementwise::ReluI8;
using elementwise::SquaredDifference;

// par_nosync: thrust doesn't wait for the kernel; DeviceRuntime::run does, once per op.
// Thrust reports CUDA failures as exceptions; they become CudaError like every other.
template <class... Args> void transform(const char* what, Args... args) {
  try {
    thrust::transform(thrust::cuda::par_nosync.on(current_stream()), args...);
  } catch (const thrust::system_error& e) {
    throw CudaError(std::string("CUDA error in thrust::transform (") + what + ") at " + __FILE__ + ": " + e.what());
  }
  HK_CUDA_CHECK(cudaGetLastError());
}

}  // namespace

void relu_f32_thrust(const float* x, float* out, int64_t n, const KernelContext&) {
  transform("relu f32", x, x + n, out, ReluF32{});
}
void relu_i8_thrust(const int8_t* x, int8_t* out, int64_t n, const KernelContext&) {
  transform("relu i8", x, x + n, out, ReluI8{});
}
void add_f32_thrust(const float* x, const float* y, float* out, int64_t n, const KernelContext&) {
  transform("add", x, x + n, y, out, Add{});
}
void mul_f32_thrust(const float* x, const float* y, float* out, int64_t n, const KernelContext&) {
  transform("mul", x, x + n, y, out, Mul{});
}
void squared_difference_f32_thrust(const float* x, const float* y, float* out, int64_t n, const KernelContext&) {
  transform("squared_difference", x, x + n, y, out, SquaredDifference{});
}

}  // namespace hk::cuda
