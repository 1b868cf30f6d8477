// Internal: where tensor bytes live. Host memory comes from host_allocate (64-byte
// aligned); device memory from the DeviceRuntime of a compiled-in GPU backend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hk/cuda.hpp"
#include "hk/runtime.hpp"
#include "hk/types.hpp"

namespace hk::detail {

// 64-byte aligned host memory; OutOfMemory (with the byte count) on failure. bytes may be 0.
// host_free must be given the same byte count. Large blocks are cached for reuse
// (host_allocator.cpp; HK_HOST_CACHE).
void* host_allocate(std::size_t bytes);
void host_free(void* p, std::size_t bytes) noexcept;

struct HostCacheStats {
  bool enabled = false;           // HK_HOST_CACHE != 0
  std::size_t limit_bytes = 0;    // the bound on cached_bytes
  std::size_t cached_bytes = 0;   // freed large blocks held for reuse
  uint64_t hits = 0, misses = 0;  // large allocations served from the cache / mapped fresh
};
HostCacheStats host_cache_stats();
// Returns every cached block to the kernel.
void host_cache_release() noexcept;

// A GPU backend's devices, memory, copies and kernel execution. Implemented in cuda/.
// Work is queued on one stream per host thread and device, so threads don't serialise on
// each other; every call below returns when its work has finished.
class DeviceRuntime {
 public:
  virtual ~DeviceRuntime() = default;
  // Availability, the reason when unavailable, and the devices found.
  virtual const BackendInfo& info() = 0;
  virtual void* allocate(std::size_t bytes, int device) = 0;  // OutOfMemory / CudaError
  virtual void deallocate(void* p, int device) noexcept = 0;
  // Copies between host and device or device and device; blocking. Host memory is staged
  // through pinned buffers so that the DMA runs at full speed.
  virtual void copy(void* dst, Device dst_device, const void* src, Device src_device,
                    std::size_t bytes) = 0;
  virtual void synchronize() = 0;
  // Runs `kernel` (a host function that queues GPU work on the calling thread's stream for
  // `device`) with `device` current, waits for it and returns its GPU time in ms measured
  // with events. A failure inside the kernel is reported as CudaError naming `what`.
  virtual double run(int device, const std::function<void()>& kernel, const std::string& what) = 0;

  // The services behind hk/cuda.hpp.
  virtual const std::vector<CudaDeviceInfo>& devices() = 0;
  virtual CudaVersions versions() = 0;
  virtual CudaMemoryStats memory_stats(int device) = 0;
  virtual void empty_cache() = 0;
  virtual void flush_l2(int device) = 0;
  virtual std::vector<CudaKernelResources> kernel_resources() = 0;
};

// The runtime for `kind` (null for the CPU, and for cuda when hk was built without it).
DeviceRuntime* device_runtime(Device::Kind kind);
// device_runtime(kind) when the device is usable; else BackendUnavailable with the reason.
DeviceRuntime& usable_device_runtime(Device device);

}  // namespace hk::detail
