// Temporary device memory for a kernel launcher and reading a result back to the host,
// spelled once for both compilations of cuda/kernels/*.cuh: on the GPU a DeviceBuffer from
// hk's caching allocator and a copy on the thread's stream; under the simulator, where
// "device" memory is host memory, a plain allocation and a load.
#pragma once

#include <cstddef>
#include <memory>

#include "cuda/kernels/portability.cuh"

#ifdef __CUDACC__
#include "cuda/cuda_check.hpp"
#include "cuda/cuda_runtime.hpp"
#else
namespace hk::sim {  // cuda/sim/checker.hpp
void register_scratch(const void* data, std::size_t bytes);
void unregister_scratch(const void* data);
}  // namespace hk::sim
#endif

namespace hk::cuda {
inline namespace HK_KERNEL_TARGET {

#ifdef __CUDACC__

class Scratch {
 public:
  explicit Scratch(std::size_t bytes) : buffer_(bytes) {}
  template <class T> T* as() const { return buffer_.as<T>(); }

 private:
  DeviceBuffer buffer_;
};

// Waits for the work queued so far on the thread's stream, then copies *p to the host.
// The op's kernel time ends before the copy and the wait (end_device_work).
template <class T> T read_back(const T* p) {
  T value{};
  end_device_work();
  cudaStream_t stream = current_stream();
  HK_CUDA_CHECK(cudaMemcpyAsync(&value, p, sizeof(T), cudaMemcpyDeviceToHost, stream));
  HK_CUDA_CHECK(cudaStreamSynchronize(stream));
  return value;
}

#else

class Scratch {
 public:
  // Registered as one of the call's allocations while it lives, for cuda_sim's memcheck.
  explicit Scratch(std::size_t bytes) : bytes_(new std::max_align_t[(bytes + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t)]) {
    sim::register_scratch(bytes_.get(), bytes);
  }
  ~Scratch() { sim::unregister_scratch(bytes_.get()); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T> T* as() const { return reinterpret_cast<T*>(bytes_.get()); }

 private:
  std::unique_ptr<std::max_align_t[]> bytes_;
};

template <class T> T read_back(const T* p) { return *p; }  // the launch has finished

#endif

}  // namespace HK_KERNEL_TARGET
}  // namespace hk::cuda
