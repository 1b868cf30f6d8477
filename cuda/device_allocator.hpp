// The caching device allocator behind every cuda tensor and scratch buffer.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "hk/cuda.hpp"

namespace hk::cuda {

class DeviceAllocator {
 public:
  DeviceAllocator();
  void* allocate(std::size_t bytes, int device);  // OutOfMemory / CudaError
  void deallocate(void* p, int device) noexcept;
  CudaMemoryStats stats(int device);
  void empty_cache();
  bool caching() const { return caching_; }

  // The size a request is rounded up to: multiples of 512 bytes up to 1 MiB (CUDA aligns
  // every allocation to 256 anyway), above that steps of 1/8 of the power of two below,
  // so a reused block wastes at most 12.5%.
  static std::size_t round_size(std::size_t bytes);

 private:
  struct Pool {
    std::multimap<std::size_t, void*> free;      // rounded size → block
    std::unordered_map<void*, std::size_t> live;  // block → rounded size
    CudaMemoryStats stats;
  };
  Pool& pool(int device);  // with mutex_ held
  void release_free_blocks(Pool&, int device);  // with mutex_ held

  bool caching_;
  std::mutex mutex_;
  std::vector<Pool> pools_;
};

}  // namespace hk::cuda
