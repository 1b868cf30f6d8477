// One stream per host thread and device, and the copies that run on it.
//
// Why per thread: with one shared stream, two host threads calling hk ops would queue
// behind each other and a synchronisation by one would wait for the other's work. With a
// stream each, their kernels may run concurrently and each op waits for its own work only.
//
// Why recycled instead of destroyed: a thread_local destructor may run after the CUDA
// runtime has been torn down at process exit (pool threads are joined by a static
// destructor); destroying streams, events or cuBLAS handles then can crash. A thread that
// exits hands its resources to a free list, and the next new thread takes them over —
// nothing here is ever destroyed, and nothing runs at exit.
#include "cuda/streams.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <vector>

#include "cuda/cuda_check.hpp"

namespace hk::cuda {

namespace {

struct FreeList {
  std::mutex mutex;
  std::vector<ThreadResources*> items;
};

FreeList& free_list() {
  static FreeList* list = new FreeList;  // leaked on purpose: see above
  return *list;
}

ThreadResources* create(int device) {
  auto* r = new ThreadResources;
  r->device = device;
  HK_CUDA_CHECK(cudaStreamCreateWithFlags(&r->stream, cudaStreamNonBlocking));
  HK_CUDA_CHECK(cudaEventCreate(&r->start));
  HK_CUDA_CHECK(cudaEventCreate(&r->stop));
  for (cudaEvent_t& e : r->chunk_done) HK_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
  return r;
}

struct ThreadSlots {
  std::vector<ThreadResources*> by_device;
  ~ThreadSlots() {
    FreeList& list = free_list();
    std::lock_guard lock(list.mutex);
    for (ThreadResources* r : by_device)
      if (r) list.items.push_back(r);
  }
};

thread_local ThreadSlots t_slots;

}  // namespace

ThreadResources& thread_resources(int device) {
  HK_CUDA_CHECK(cudaSetDevice(device));
  auto& slots = t_slots.by_device;
  if (device >= static_cast<int>(slots.size())) slots.resize(std::size_t(device) + 1, nullptr);
  ThreadResources*& r = slots[std::size_t(device)];
  if (!r) {
    FreeList& list = free_list();
    {
      std::lock_guard lock(list.mutex);
      auto it = std::find_if(list.items.begin(), list.items.end(),
                             [device](const ThreadResources* x) { return x->device == device; });
      if (it != list.items.end()) {
        r = *it;
        list.items.erase(it);
      }
    }
    if (!r) r = create(device);
  }
  return *r;
}

namespace {

void ensure_pinned(ThreadResources& r) {
  for (void*& p : r.pinned)
    if (!p) HK_CUDA_CHECK(cudaHostAlloc(&p, kStagingChunk, cudaHostAllocDefault));
}

}  // namespace

void copy_host_to_device(void* dst, int device, const void* src, std::size_t bytes) {
  ThreadResources& r = thread_resources(device);
  ensure_pinned(r);
  auto* d = static_cast<char*>(dst);
  auto* s = static_cast<const char*>(src);
  std::size_t chunk = 0;
  for (std::size_t off = 0; off < bytes; off += kStagingChunk, ++chunk) {
    const std::size_t n = std::min(kStagingChunk, bytes - off);
    const int b = static_cast<int>(chunk % 2);
    // Buffer b was handed to the DMA engine two chunks ago; wait until it has been read.
    if (chunk >= 2) HK_CUDA_CHECK(cudaEventSynchronize(r.chunk_done[b]));
    std::memcpy(r.pinned[b], s + off, n);
    HK_CUDA_CHECK(cudaMemcpyAsync(d + off, r.pinned[b], n, cudaMemcpyHostToDevice, r.stream));
    HK_CUDA_CHECK(cudaEventRecord(r.chunk_done[b], r.stream));
  }
  HK_CUDA_CHECK(cudaStreamSynchronize(r.stream));
}

void copy_device_to_host(void* dst, const void* src, int device, std::size_t bytes) {
  ThreadResources& r = thread_resources(device);
  ensure_pinned(r);
  auto* d = static_cast<char*>(dst);
  auto* s = static_cast<const char*>(src);
  const std::size_t chunks = (bytes + kStagingChunk - 1) / kStagingChunk;
  auto issue = [&](std::size_t c) {
    const std::size_t off = c * kStagingChunk, n = std::min(kStagingChunk, bytes - off);
    HK_CUDA_CHECK(cudaMemcpyAsync(r.pinned[c % 2], s + off, n, cudaMemcpyDeviceToHost, r.stream));
    HK_CUDA_CHECK(cudaEventRecord(r.chunk_done[c % 2], r.stream));
  };
  if (chunks > 0) issue(0);
  for (std::size_t c = 0; c < chunks; ++c) {
    // Chunk c+1's DMA into the other buffer runs while the host copies chunk c out.
    if (c + 1 < chunks) issue(c + 1);
    HK_CUDA_CHECK(cudaEventSynchronize(r.chunk_done[c % 2]));
    const std::size_t off = c * kStagingChunk;
    std::memcpy(d + off, r.pinned[c % 2], std::min(kStagingChunk, bytes - off));
  }
}

void copy_device_to_device(void* dst, int dst_device, const void* src, int src_device, std::size_t bytes) {
  ThreadResources& r = thread_resources(dst_device);
  if (dst_device == src_device)
    HK_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, r.stream));
  else
    HK_CUDA_CHECK(cudaMemcpyPeerAsync(dst, dst_device, src, src_device, bytes, r.stream));
  HK_CUDA_CHECK(cudaStreamSynchronize(r.stream));
}

}  // namespace hk::cuda
