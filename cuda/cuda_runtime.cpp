// The cuda backend's DeviceRuntime: discovery (devices.cpp), the caching allocator
// (device_allocator.cpp), per-thread streams and copies (streams.cpp), and running one
// op's GPU work to completion with event timing.
#include "cuda/cuda_runtime.hpp"

#include <mutex>
#include <string>

#include "cuda/cublas_api.hpp"
#include "cuda/cuda_check.hpp"
#include "cuda/device_allocator.hpp"
#include "cuda/kernel_resources.hpp"
#include "cuda/streams.hpp"
#include "hk/error.hpp"

namespace hk::cuda {

namespace {
constexpr std::size_t kCublasWorkspaceBytes = std::size_t(32) << 20;
}  // namespace

int cublas_version() {
  int v = 0;
  return cublas().get_version(nullptr, &v) == CUBLAS_STATUS_SUCCESS ? v : 0;
}

namespace {

class CudaRuntime final : public detail::DeviceRuntime {
 public:
  const BackendInfo& info() override { return discovery().info; }

  // Each entry point gives the caller's current device back (device_guard.hpp).
  void* allocate(std::size_t bytes, int device) override {
    DeviceGuard guard;
    return allocator_.allocate(bytes, device);
  }
  void deallocate(void* p, int device) noexcept override {
    DeviceGuard guard;
    allocator_.deallocate(p, device);
  }

  void copy(void* dst, Device dst_device, const void* src, Device src_device, std::size_t bytes) override {
    if (bytes == 0) return;
    DeviceGuard guard;
    if (dst_device.is_cuda() && src_device.is_cuda())
      copy_device_to_device(dst, dst_device.index(), src, src_device.index(), bytes);
    else if (dst_device.is_cuda())
      copy_host_to_device(dst, dst_device.index(), src, bytes);
    else
      copy_device_to_host(dst, src, src_device.index(), bytes);
  }

  void synchronize() override {
    DeviceGuard guard;
    for (const CudaDeviceInfo& d : discovery().devices) {
      if (!d.usable) continue;
      HK_CUDA_CHECK(cudaSetDevice(d.index));
      HK_CUDA_CHECK(cudaDeviceSynchronize());
    }
  }

  double run(int device, const std::function<void()>& kernel, const std::string& what) override {
    DeviceGuard guard;
    ThreadResources& r = thread_resources(device);
    HK_CUDA_CHECK(cudaEventRecord(r.start, r.stream));
    r.stop_recorded = false;
    try {
      kernel();
    } catch (...) {
      // Don't let memory the kernel may still use be freed while unwinding.
      if (cudaStreamSynchronize(r.stream) != cudaSuccess) cudaGetLastError();
      throw;
    }
    if (!r.stop_recorded) HK_CUDA_CHECK(cudaEventRecord(r.stop, r.stream));
    // A fault inside the kernel (an illegal address, a trap) surfaces here, the first
    // call after it that waits for the stream.
    if (cudaError_t err = cudaStreamSynchronize(r.stream); err != cudaSuccess)
      throw_cuda_error(err, ("cudaStreamSynchronize after " + what).c_str(), __FILE__, __LINE__);
    float ms = 0;
    HK_CUDA_CHECK(cudaEventElapsedTime(&ms, r.start, r.stop));
    return ms;
  }

  const std::vector<CudaDeviceInfo>& devices() override { return discovery().devices; }
  CudaVersions versions() override { return discovery().versions; }
  CudaMemoryStats memory_stats(int device) override { return allocator_.stats(device); }
  void empty_cache() override {
    DeviceGuard guard;
    allocator_.empty_cache();
  }

  void flush_l2(int device) override {
    const auto& devs = discovery().devices;
    if (device < 0 || device >= static_cast<int>(devs.size()) || !devs[std::size_t(device)].usable)
      throw BackendUnavailable("cuda_flush_l2: cuda:" + std::to_string(device) + " is not a usable device");
    // Writing twice the L2 size replaces every line the previous kernel left behind.
    std::size_t bytes = std::size_t(2) * std::size_t(std::max(devs[std::size_t(device)].l2_bytes, 1 << 20));
    DeviceGuard guard;
    ThreadResources& r = thread_resources(device);  // makes `device` current for the buffer
    DeviceBuffer scratch(bytes);
    HK_CUDA_CHECK(cudaMemsetAsync(scratch.get(), 0, bytes, r.stream));
    HK_CUDA_CHECK(cudaStreamSynchronize(r.stream));
  }

  std::vector<CudaKernelResources> kernel_resources() override { return compiled_kernel_resources(); }

  DeviceAllocator& allocator() { return allocator_; }

 private:
  const Discovery& discovery() {
    std::call_once(once_, [this] { discovery_ = discover(); });
    return discovery_;
  }

  std::once_flag once_;
  Discovery discovery_;
  DeviceAllocator allocator_;
};

CudaRuntime& the_runtime() {
  // Leaked on purpose: its destructor would free cached blocks after the CUDA runtime may
  // already have shut down at process exit. The driver reclaims everything anyway.
  static CudaRuntime* rt = new CudaRuntime;
  return *rt;
}

}  // namespace

detail::DeviceRuntime& runtime() { return the_runtime(); }

cudaStream_t current_stream() {
  int device = 0;
  HK_CUDA_CHECK(cudaGetDevice(&device));
  return thread_resources(device).stream;
}

void end_device_work() {
  int device = 0;
  HK_CUDA_CHECK(cudaGetDevice(&device));
  ThreadResources& r = thread_resources(device);
  HK_CUDA_CHECK(cudaEventRecord(r.stop, r.stream));
  r.stop_recorded = true;
}

cublasHandle_t cublas_handle() {
  int device = 0;
  HK_CUDA_CHECK(cudaGetDevice(&device));
  ThreadResources& r = thread_resources(device);
  if (!r.cublas) {
    // cublasCreate takes device memory of its own: when hk's cache holds the device, hand
    // the cache back and try once more, as hk's own allocations do.
    cublasStatus_t status = cublas().create(&r.cublas);
    if (status == CUBLAS_STATUS_ALLOC_FAILED) {
      the_runtime().allocator().empty_cache();
      HK_CUDA_CHECK(cudaSetDevice(device));  // emptying visits every device
      status = cublas().create(&r.cublas);
    }
    HK_CUDA_CHECK(status);
    // Default math: fp32 GEMM stays fp32 (TF32 tensor cores only with
    // CUBLAS_TF32_TENSOR_OP_MATH), so cuBLAS meets the same error bound as every variant.
    // Pedantic mode would also forbid TF32 but may pick slower kernels: not a fair rung.
    HK_CUDA_CHECK(cublas().set_math_mode(r.cublas, CUBLAS_DEFAULT_MATH));
    // The GEMM workspace from hk's allocator, not cuBLAS's own cudaMalloc: it then counts in
    // hk's memory stats and an allocation that fails frees hk's cache first. The size is
    // what cuBLAS's documentation recommends for Hopper, enough for every architecture.
    r.cublas_workspace = the_runtime().allocator().allocate(kCublasWorkspaceBytes, device);
    HK_CUDA_CHECK(cublas().set_workspace(r.cublas, r.cublas_workspace, kCublasWorkspaceBytes));
  }
  HK_CUDA_CHECK(cublas().set_stream(r.cublas, r.stream));
  return r.cublas;
}

DeviceBuffer::DeviceBuffer(std::size_t bytes) : bytes_(bytes) {
  HK_CUDA_CHECK(cudaGetDevice(&device_));
  stream_ = thread_resources(device_).stream;
  if (bytes > 0) p_ = the_runtime().allocator().allocate(bytes, device_);
}

DeviceBuffer::~DeviceBuffer() {
  if (!p_) return;
  // An error here is the queued work's own; DeviceRuntime::run reports it.
  (void)cudaStreamSynchronize(stream_);
  the_runtime().allocator().deallocate(p_, device_);
}

}  // namespace hk::cuda
