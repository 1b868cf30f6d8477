// dot and euclidean_distance — cub: the library baseline for reductions.
// cub::DeviceReduce::Sum over a transform iterator: the per-element term (x·y or (x−y)²)
// is formed in double as it is read, so no temporary array is written, and the sum is
// kept in double like the CPU's (the product of two floats is exact in double). CUB's
// reduction is deterministic: the same inputs give the same bits on the same device.
#include <cub/device/device_reduce.cuh>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>

#include <cmath>

#include "cuda/cuda_check.hpp"
#include "cuda/kernels/elementwise_ops.cuh"
#include "cuda/cuda_runtime.hpp"
#include "hk/registry.hpp"

namespace hk::cuda {

namespace {

// Term i of the sum: hk's own per-element term (elementwise_ops.cuh) of x[i] and y[i].
template <class Term> struct Indexed {
  const float* x;
  const float* y;
  __device__ double operator()(int64_t i) const { return Term{}(x[i], y[i]); }
};

template <class Term> double sum(Term term, int64_t n) {
  if (n == 0) return 0.0;
  cudaStream_t stream = current_stream();
  auto terms = thrust::make_transform_iterator(thrust::counting_iterator<int64_t>(0), term);
  DeviceBuffer result(sizeof(double));
  std::size_t temp_bytes = 0;  // first call: how much scratch CUB needs
  HK_CUDA_CHECK(cub::DeviceReduce::Sum(nullptr, temp_bytes, terms, result.as<double>(), n, stream));
  DeviceBuffer temp(temp_bytes);
  HK_CUDA_CHECK(cub::DeviceReduce::Sum(temp.get(), temp_bytes, terms, result.as<double>(), n, stream));
  double host = 0;
  end_device_work();  // the kernel time ends here, not after the read-back and the frees
  HK_CUDA_CHECK(cudaMemcpyAsync(&host, result.get(), sizeof(double), cudaMemcpyDeviceToHost, stream));
  HK_CUDA_CHECK(cudaStreamSynchronize(stream));
  return host;
}

}  // namespace

double dot_f32_cub(const float* x, const float* y, int64_t n, const KernelContext&) {
  return sum(Indexed<block_reduce::DotTerm>{x, y}, n);
}

double euclidean_distance_f32_cub(const float* x, const float* y, int64_t n, const KernelContext&) {
  return std::sqrt(sum(Indexed<block_reduce::SquaredDifferenceTerm>{x, y}, n));
}

}  // namespace hk::cuda
