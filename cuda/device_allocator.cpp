// A caching device allocator. cudaMalloc and cudaFree are slow (tens of microseconds, and
// cudaFree synchronises the whole device), so a benchmark loop that allocates its output
// every call would mostly measure them. Freed blocks go to a per-device free list keyed
// by their rounded size and are handed out again for requests of the same size class.
//
// Reuse is safe without stream bookkeeping because every hk op waits for its GPU work
// before it returns: a block is idle by the time its tensor can be freed.
// HK_CUDA_CACHE=0 bypasses the cache (for compute-sanitizer, or to see the raw cost).
#include "cuda/device_allocator.hpp"

#include <cuda_runtime_api.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "cuda/cuda_check.hpp"

namespace hk::cuda {

namespace {

bool cache_enabled_by_environment() {
  const char* env = std::getenv("HK_CUDA_CACHE");
  return !(env && (std::strcmp(env, "0") == 0 || std::strcmp(env, "off") == 0));
}

}  // namespace

DeviceAllocator::DeviceAllocator() : caching_(cache_enabled_by_environment()) {}

std::size_t DeviceAllocator::round_size(std::size_t bytes) {
  constexpr std::size_t kSmall = 512, kLarge = std::size_t(1) << 20;
  if (bytes <= kLarge) return (bytes + kSmall - 1) / kSmall * kSmall;
  std::size_t step = std::size_t(1) << (63 - __builtin_clzll(bytes));  // largest power of two ≤ bytes
  step /= 8;
  return (bytes + step - 1) / step * step;
}

DeviceAllocator::Pool& DeviceAllocator::pool(int device) {
  if (device >= static_cast<int>(pools_.size())) pools_.resize(std::size_t(device) + 1);
  return pools_[std::size_t(device)];
}

void DeviceAllocator::release_free_blocks(Pool& p, int device) {
  if (p.free.empty()) return;
  cudaSetDevice(device);
  for (auto& [size, block] : p.free) cudaFree(block);  // best effort: the memory is unused
  p.stats.cached_bytes = 0;
  p.free.clear();
}

void* DeviceAllocator::allocate(std::size_t bytes, int device) {
  const std::size_t size = round_size(bytes);
  std::lock_guard lock(mutex_);
  Pool& p = pool(device);
  void* block = nullptr;
  if (auto it = p.free.find(size); it != p.free.end()) {
    block = it->second;
    p.free.erase(it);
    p.stats.cached_bytes -= size;
    ++p.stats.cache_hits;
  } else {
    HK_CUDA_CHECK(cudaSetDevice(device));
    cudaError_t err = cudaMalloc(&block, size);
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      release_free_blocks(p, device);  // the cache may hold what this request needs
      err = cudaMalloc(&block, size);
    }
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      throw OutOfMemory("hk: out of memory on cuda:" + std::to_string(device) + " allocating " +
                            std::to_string(bytes) + " bytes (" + std::to_string(p.stats.in_use_bytes) +
                            " bytes in use by hk)",
                        bytes);
    }
    HK_CUDA_CHECK(err);
    ++p.stats.device_allocations;
  }
  p.live.emplace(block, size);
  p.stats.in_use_bytes += size;
  if (p.stats.in_use_bytes > p.stats.peak_in_use_bytes) p.stats.peak_in_use_bytes = p.stats.in_use_bytes;
  return block;
}

void DeviceAllocator::deallocate(void* block, int device) noexcept {
  std::lock_guard lock(mutex_);
  Pool& p = pool(device);
  auto it = p.live.find(block);
  if (it == p.live.end()) return;  // not ours: nothing sensible to do in a destructor
  std::size_t size = it->second;
  p.live.erase(it);
  p.stats.in_use_bytes -= size;
  if (caching_) {
    p.free.emplace(size, block);
    p.stats.cached_bytes += size;
  } else {
    cudaSetDevice(device);
    cudaFree(block);
  }
}

CudaMemoryStats DeviceAllocator::stats(int device) {
  std::lock_guard lock(mutex_);
  return pool(device).stats;
}

void DeviceAllocator::empty_cache() {
  std::lock_guard lock(mutex_);
  for (std::size_t d = 0; d < pools_.size(); ++d) release_free_blocks(pools_[d], static_cast<int>(d));
}

}  // namespace hk::cuda
