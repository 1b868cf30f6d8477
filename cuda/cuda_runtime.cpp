// Device discovery and memory for the cuda backend, through the CUDA runtime API.
// Without a driver every cudart call returns cudaErrorInsufficientDriver (35); discovery
// turns that into an "unavailable" BackendInfo with the reason instead of failing.
#include "cuda/cuda_runtime.hpp"

#include <cuda_runtime_api.h>

#include <mutex>
#include <string>

#include "cuda/cuda_check.hpp"
#include "hk/error.hpp"

namespace hk::cuda {

void throw_cuda_error(cudaError_t err, const char* call, const char* file, int line) {
  int device = -1;
  cudaGetDevice(&device);  // best effort; may fail for the same reason
  cudaGetLastError();      // clear the sticky-free error state of this thread
  std::string msg = std::string("CUDA error in ") + call + " at " + file + ":" + std::to_string(line) +
                    " (device " + std::to_string(device) + "): " + cudaGetErrorString(err) + " (" +
                    cudaGetErrorName(err) + ")";
  if (err == cudaErrorMemoryAllocation) throw OutOfMemory(msg, 0);
  throw CudaError(msg);
}

namespace {

std::string error_text(cudaError_t err) {
  return std::string(cudaGetErrorString(err)) + " (" + cudaGetErrorName(err) + ", " + std::to_string(int(err)) + ")";
}

BackendInfo discover() {
  BackendInfo info{Backend::cuda, "cuda", false, "", {}};
  int driver = 0;
  cudaDriverGetVersion(&driver);
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();
    info.reason = driver == 0 ? "no NVIDIA driver: cudaGetDeviceCount failed: " + error_text(err)
                              : "cudaGetDeviceCount failed: " + error_text(err);
    return info;
  }
  if (count == 0) {
    info.reason = "no CUDA device found (driver " + std::to_string(driver / 1000) + "." +
                  std::to_string(driver % 1000 / 10) + ")";
    return info;
  }
  int usable = 0;
  std::string too_old;
  for (int d = 0; d < count; ++d) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, d) != cudaSuccess) {
      cudaGetLastError();
      continue;
    }
    int cc = p.major * 10 + p.minor;
    info.devices.push_back("cuda:" + std::to_string(d) + ": " + p.name + " (sm_" + std::to_string(cc) + ", " +
                           std::to_string(p.multiProcessorCount) + " SMs, " +
                           std::to_string(p.totalGlobalMem >> 20) + " MiB)");
    if (cc >= kMinComputeCapability)
      ++usable;
    else
      too_old += (too_old.empty() ? "" : ", ") + std::string(p.name) + " is sm_" + std::to_string(cc);
  }
  if (usable == 0) {
    info.reason = "no usable CUDA device: " + too_old + "; hk needs sm_" + std::to_string(kMinComputeCapability) +
                  " or newer";
    return info;
  }
  info.available = true;
  return info;
}

class CudaRuntime final : public detail::DeviceRuntime {
 public:
  const BackendInfo& info() override {
    std::call_once(once_, [this] { info_ = discover(); });
    return info_;
  }

  void* allocate(std::size_t bytes, int device) override {
    HK_CUDA_CHECK(cudaSetDevice(device));
    void* p = nullptr;
    cudaError_t err = cudaMalloc(&p, bytes);
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      throw OutOfMemory("hk: out of memory on cuda:" + std::to_string(device) + " allocating " +
                            std::to_string(bytes) + " bytes",
                        bytes);
    }
    HK_CUDA_CHECK(err);
    return p;
  }

  void deallocate(void* p, int device) noexcept override {
    cudaSetDevice(device);
    cudaFree(p);
  }

  void copy(void* dst, Device, const void* src, Device, std::size_t bytes) override {
    HK_CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDefault));  // unified addressing
  }

  void synchronize() override { HK_CUDA_CHECK(cudaDeviceSynchronize()); }

 private:
  std::once_flag once_;
  BackendInfo info_;
};

}  // namespace

detail::DeviceRuntime& runtime() {
  static CudaRuntime rt;
  return rt;
}

}  // namespace hk::cuda
