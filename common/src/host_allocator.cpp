// Host memory for tensors: 64-byte aligned, and cheap to get again.
//
// Why more than aligned_alloc: touching a fresh 4 KiB page for the first time costs a page
// fault and zeroing, so a fresh 64 MiB output costs many times what ReLU over it takes (and
// more on a VM). glibc returns blocks that large to the kernel on free, so a loop of
// `y = hk::relu(x)` paid the faults on every call. Two remedies,
// both for blocks of kLargeBlock bytes and more (smaller ones are recycled by glibc's heap):
//
// 1. A cache. A freed large block goes onto a free list for its size class and is handed
//    out again by the next allocation of that class, already faulted in. The cache is
//    bounded (HK_HOST_CACHE MiB, default 1024); beyond the bound the blocks freed longest
//    ago go back to the kernel. HK_HOST_CACHE=0 switches all of this off: every block then
//    comes from aligned_alloc and goes back with free (for memory checkers, debugging).
// 2. Transparent huge pages. Blocks of 2 MiB and more are 2 MiB aligned and marked
//    MADV_HUGEPAGE, so a first touch faults in 2 MiB at once (one fault where there were
//    512), and streaming kernels miss the TLB far less often. This helps the first use of
//    a size; the cache helps every later one.
//
// With both, `y = hk::relu(x)` costs what the output-parameter form costs. hk-micro-bandwidth
// --benchmark_filter='relu(_allocating)?/simd/n:16777216' compares them, with HK_HOST_CACHE
// unset, 1 (huge pages alone) and 0 (plain aligned_alloc): docs/measurements.md.
//
// Size classes: four per power of two, so a block is at most 25% (2-4 MiB: 100%) larger
// than asked; pages that are never touched cost address space, not memory.
//
// host_allocate / host_free are the only entry points for host tensor memory.
#include <sys/mman.h>

#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "common/src/fault_injection.hpp"
#include "common/src/memory.hpp"
#include "hk/error.hpp"
#include "hk/tensor.hpp"

namespace hk::detail {

namespace {

// glibc's default mmap threshold: blocks from here up are mapped and unmapped per call.
constexpr std::size_t kLargeBlock = std::size_t(128) << 10;
constexpr std::size_t kHugePage = std::size_t(2) << 20;
constexpr std::size_t kDefaultCacheMiB = 1024;

struct Config {
  bool enabled = true;       // HK_HOST_CACHE != 0
  std::size_t limit = 0;     // bytes kept cached at most
};

const Config& config() {
  static const Config c = [] {
    Config c;
    c.limit = kDefaultCacheMiB << 20;
    if (const char* env = std::getenv("HK_HOST_CACHE"); env && *env) {
      char* end = nullptr;
      unsigned long long mib = std::strtoull(env, &end, 10);
      if (*end != '\0' || *env == '-' || mib > (1ull << 30))
        throw InvalidArgument("HK_HOST_CACHE='" + std::string(env) +
                              "' is not a size in MiB (0 turns the host memory cache off)");
      c.enabled = mib > 0;
      c.limit = static_cast<std::size_t>(mib) << 20;
    }
    return c;
  }();
  return c;
}

std::size_t size_class(std::size_t bytes) {
  const int top = 63 - __builtin_clzll(bytes);  // 2^top ≤ bytes
  const std::size_t step = (std::size_t(1) << top) / 4;
  std::size_t c = (bytes + step - 1) / step * step;
  if (c >= kHugePage) c = (c + kHugePage - 1) / kHugePage * kHugePage;  // whole huge pages
  return c;
}

// A fresh mapping of `bytes` (a size class), 2 MiB aligned and THP-advised when that large.
void* map_block(std::size_t bytes) {
  const std::size_t align = bytes >= kHugePage ? kHugePage : 4096;
  const std::size_t len = bytes + (align > 4096 ? align : 0);
  void* raw = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t begin = (start + align - 1) & ~(align - 1), end = begin + bytes;
  if (begin > start) munmap(raw, begin - start);
  if (start + len > end) munmap(reinterpret_cast<void*>(end), start + len - end);
  if (align == kHugePage) madvise(reinterpret_cast<void*>(begin), bytes, MADV_HUGEPAGE);  // advice: may be ignored
  return reinterpret_cast<void*>(begin);
}

class BlockCache {
 public:
  // Never destroyed: tensors in static objects may be freed after main returns.
  static BlockCache& get() {
    static BlockCache* cache = new BlockCache;
    return *cache;
  }

  void* take(std::size_t cls) {
    std::lock_guard lock(mutex_);
    auto it = free_.find(cls);
    if (it == free_.end() || it->second.empty()) {
      ++stats_.misses;
      return nullptr;
    }
    void* p = it->second.back().p;  // the most recently freed: likeliest still in cache
    it->second.pop_back();
    stats_.cached_bytes -= cls;
    ++stats_.hits;
    return p;
  }

  void give(void* p, std::size_t cls) noexcept {
    std::vector<std::pair<void*, std::size_t>> unmap;
    {
      std::lock_guard lock(mutex_);
      try {
        unmap.reserve(4);
        if (cls > config().limit) {
          unmap.emplace_back(p, cls);
        } else {
          while (stats_.cached_bytes + cls > config().limit) unmap.push_back(evict_oldest());
          free_[cls].push_back({p, ++seq_});
          stats_.cached_bytes += cls;
        }
      } catch (const std::bad_alloc&) {  // no room to remember the block: give it back
        unmap.emplace_back(p, cls);
      }
    }
    for (auto [q, bytes] : unmap) munmap(q, bytes);  // outside the lock: munmap can be slow
  }

  void release_all() noexcept {
    std::map<std::size_t, std::deque<Block>> blocks;
    {
      std::lock_guard lock(mutex_);
      blocks.swap(free_);
      stats_.cached_bytes = 0;
    }
    for (auto& [cls, list] : blocks)
      for (const Block& b : list) munmap(b.p, cls);
  }

  HostCacheStats stats() {
    std::lock_guard lock(mutex_);
    HostCacheStats s = stats_;
    s.enabled = config().enabled;
    s.limit_bytes = config().limit;
    return s;
  }

 private:
  struct Block {
    void* p;
    uint64_t seq;  // when it was freed
  };

  std::pair<void*, std::size_t> evict_oldest() {
    auto oldest = free_.end();
    for (auto it = free_.begin(); it != free_.end(); ++it)
      if (!it->second.empty() && (oldest == free_.end() || it->second.front().seq < oldest->second.front().seq))
        oldest = it;
    // cached_bytes + cls > limit ≥ cls means something is cached, so oldest exists.
    std::pair<void*, std::size_t> victim{oldest->second.front().p, oldest->first};
    oldest->second.pop_front();
    stats_.cached_bytes -= oldest->first;
    return victim;
  }

  std::mutex mutex_;
  std::map<std::size_t, std::deque<Block>> free_;  // size class → blocks, oldest first
  uint64_t seq_ = 0;
  HostCacheStats stats_;
};

[[noreturn]] void out_of_memory(std::size_t bytes) {
  throw OutOfMemory("hk: out of host memory allocating " + std::to_string(bytes) + " bytes", bytes);
}

}  // namespace

void* host_allocate(std::size_t bytes) {
  if (bytes == 0) return nullptr;
  fault_injection::on_host_allocate(bytes);
  constexpr std::size_t align = Tensor::kHostAlignment;
  if (bytes > SIZE_MAX / 2)
    throw OutOfMemory("hk: cannot allocate " + std::to_string(bytes) + " bytes of host memory", bytes);
  if (!config().enabled || bytes < kLargeBlock) {
    // Exactly `bytes`, not rounded up to the alignment: AddressSanitizer then sees a write
    // one element past a tensor (the asan-ubsan stage runs with HK_HOST_CACHE=0).
    void* p = nullptr;
    if (posix_memalign(&p, align, bytes) != 0) out_of_memory(bytes);
    return p;
  }
  const std::size_t cls = size_class(bytes);
  BlockCache& cache = BlockCache::get();
  if (void* p = cache.take(cls)) return p;
  void* p = map_block(cls);
  if (!p) {  // memory is short: hand the cached blocks back to the kernel and try once more
    cache.release_all();
    p = map_block(cls);
  }
  if (!p) out_of_memory(bytes);
  return p;
}

void host_free(void* p, std::size_t bytes) noexcept {
  if (!p) return;
  if (!config().enabled || bytes < kLargeBlock)
    std::free(p);
  else
    BlockCache::get().give(p, size_class(bytes));
}

HostCacheStats host_cache_stats() { return BlockCache::get().stats(); }
void host_cache_release() noexcept { BlockCache::get().release_all(); }

}  // namespace hk::detail
