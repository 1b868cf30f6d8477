// Per-thread GPU resources: one stream per host thread and device, with the events, the
// cuBLAS handle and the pinned staging buffers that go with it.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <cstddef>

#include "hk/types.hpp"

namespace hk::cuda {

struct ThreadResources {
  int device = 0;
  cudaStream_t stream = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;  // kernel timing
  bool stop_recorded = false;                    // by end_device_work(), within DeviceRuntime::run
  cudaEvent_t chunk_done[2] = {nullptr, nullptr};  // staging buffer i may be reused
  void* pinned[2] = {nullptr, nullptr};           // kStagingChunk bytes each, on first copy
  cublasHandle_t cublas = nullptr;                // on first use
  void* cublas_workspace = nullptr;               // from hk's device allocator (cublas_handle)
};

// Bytes per pinned staging buffer; copies larger than this are pipelined through two.
constexpr std::size_t kStagingChunk = std::size_t(4) << 20;

// The calling thread's resources for `device`, which is also made current. Created on
// first use and recycled (never destroyed) when the thread exits, so nothing touches the
// CUDA runtime while the process shuts down.
ThreadResources& thread_resources(int device);

// Blocking copies through the thread's stream. Host memory may be pageable: it is staged
// through the pinned buffers, two chunks in flight, so the host-side memcpy of one chunk
// overlaps the DMA of the other.
void copy_host_to_device(void* dst, int device, const void* src, std::size_t bytes);
void copy_device_to_host(void* dst, const void* src, int device, std::size_t bytes);
void copy_device_to_device(void* dst, int dst_device, const void* src, int src_device, std::size_t bytes);

}  // namespace hk::cuda
