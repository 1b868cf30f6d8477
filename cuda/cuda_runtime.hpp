// The cuda backend's runtime, as the rest of cuda/ sees it: availability, the calling
// thread's stream and cuBLAS handle, and scratch memory from the caching allocator.
// Only backends.cpp reaches the runtime from outside cuda/, through detail::DeviceRuntime.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <vector>

#include "common/src/memory.hpp"
#include "cuda/device_guard.hpp"

namespace hk::cuda {

// cudart's current device, for BasicDeviceGuard: every DeviceRuntime entry point holds one.
struct CudartCurrentDevice {
  static int current() {
    int device = -1;
    if (cudaGetDevice(&device) != cudaSuccess) {
      cudaGetLastError();
      return -1;
    }
    return device;
  }
  static void restore(int device) noexcept {
    if (cudaSetDevice(device) != cudaSuccess) cudaGetLastError();
  }
};
using DeviceGuard = BasicDeviceGuard<CudartCurrentDevice>;

// Oldest compute capability hk runs on: CUDA 13 builds for sm_75 and newer only.
constexpr int kMinComputeCapability = 75;

detail::DeviceRuntime& runtime();

// What discovery found (devices.cpp); computed once.
struct Discovery {
  BackendInfo info;
  std::vector<CudaDeviceInfo> devices;
  CudaVersions versions;
};
Discovery discover();
int cublas_version();  // cuBLAS's own version number; 0 if it cannot say

// The calling thread's stream on the current device. Every kernel hk launches goes on it,
// so host threads don't serialise on each other, and DeviceRuntime::run waits on it alone.
// Created on first use; never the legacy default stream.
cudaStream_t current_stream();
// Marks the end of the device work of the op DeviceRuntime::run is timing, for a body that
// then waits on the host (reads a result back, frees scratch): the kernel time stops here,
// not after the wait. Call it after the body's last device work.
void end_device_work();
// The calling thread's cuBLAS handle on the current device, bound to current_stream().
cublasHandle_t cublas_handle();

// Scratch device memory on the current device from the caching allocator (cuBLAS padding,
// CUB temporary storage, partial sums) for work on the calling thread's stream. When it
// goes out of scope it waits for that stream before returning the block to the cache, so
// another thread can never be handed memory a queued kernel still uses.
class DeviceBuffer {
 public:
  explicit DeviceBuffer(std::size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* get() const { return p_; }
  template <class T> T* as() const { return static_cast<T*>(p_); }
  std::size_t size() const { return bytes_; }

 private:
  void* p_ = nullptr;
  std::size_t bytes_ = 0;
  int device_ = 0;
  cudaStream_t stream_ = nullptr;
};

}  // namespace hk::cuda
