// The host allocator: large blocks are cached for reuse within a bound, huge-page aligned,
// safe to use from many threads, and HK_HOST_CACHE switches the cache off or bounds it.
// ctest runs this file with the default, HK_HOST_CACHE=0, HK_HOST_CACHE=8 and an invalid value.
#include <cstring>
#include <thread>

#include "common/src/memory.hpp"
#include "test_util.hpp"

namespace {

using hk::detail::host_allocate;
using hk::detail::host_cache_stats;
using hk::detail::host_free;

constexpr std::size_t kMiB = std::size_t(1) << 20;

TEST(HostAllocator, AlignmentForEverySize) {
  for (std::size_t bytes : {std::size_t(1), std::size_t(63), std::size_t(4097), 300 * std::size_t(1024), kMiB + 5,
                            2 * kMiB, 5 * kMiB + 3, 64 * kMiB}) {
    void* p = host_allocate(bytes);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u) << bytes;
    if (host_cache_stats().enabled && bytes >= 2 * kMiB) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % (2 * kMiB), 0u) << bytes << " bytes: not on a huge-page boundary";
    }
    std::memset(p, 0xab, bytes);  // every byte is ours
    host_free(p, bytes);
  }
  EXPECT_EQ(host_allocate(0), nullptr);
}

TEST(HostAllocator, ReusesAFreedLargeBlockOfTheSameClass) {
  void* a = host_allocate(6 * kMiB);
  std::memset(a, 1, 6 * kMiB);
  host_free(a, 6 * kMiB);
  const hk::detail::HostCacheStats before = host_cache_stats();
  void* b = host_allocate(6 * kMiB - 100);  // same size class
  const hk::detail::HostCacheStats after = host_cache_stats();
  if (before.enabled && before.limit_bytes >= 6 * kMiB) {
    EXPECT_EQ(a, b) << "the cached block was not reused";
    EXPECT_EQ(after.hits, before.hits + 1);
  } else {
    EXPECT_EQ(after.hits, before.hits) << "HK_HOST_CACHE keeps blocks of this size out of the cache";
    EXPECT_LE(after.cached_bytes, after.limit_bytes);
  }
  host_free(b, 6 * kMiB - 100);
}

// A cached block is never smaller than asked: its size class, which the cache counts when
// the block comes back, holds every requested byte and at most twice as many (four classes
// per power of two; whole huge pages from 2 MiB). Writing past a short block may land in a
// neighbouring mapping without a fault, so the count is what is checked.
TEST(HostAllocator, SizeClassHoldsTheRequest) {
  if (!host_cache_stats().enabled) GTEST_SKIP() << "cache off: every block is exactly the size asked";
  for (std::size_t bytes : {300 * std::size_t(1024), 700 * std::size_t(1024), kMiB + 5, 3 * kMiB + 1, 5 * kMiB + 3}) {
    hk::detail::host_cache_release();
    host_free(host_allocate(bytes), bytes);
    const hk::detail::HostCacheStats s = host_cache_stats();
    if (s.cached_bytes == 0) {  // not kept: only when the block exceeds HK_HOST_CACHE
      EXPECT_LT(s.limit_bytes, 2 * bytes) << bytes;
      continue;
    }
    EXPECT_GE(s.cached_bytes, bytes) << bytes;
    EXPECT_LE(s.cached_bytes, 2 * bytes) << bytes;
  }
  hk::detail::host_cache_release();
}

TEST(HostAllocator, CacheStaysWithinItsBound) {
  const std::size_t limit = host_cache_stats().limit_bytes;
  // Address space only: the blocks are never touched, so this costs no memory.
  std::vector<std::pair<void*, std::size_t>> blocks;
  std::size_t total = 0;
  for (std::size_t i = 0; total <= limit + 64 * kMiB; ++i) {
    std::size_t bytes = (16 + 8 * (i % 5)) * kMiB;
    blocks.emplace_back(host_allocate(bytes), bytes);
    total += bytes;
  }
  for (auto [p, bytes] : blocks) host_free(p, bytes);
  EXPECT_LE(host_cache_stats().cached_bytes, limit);
  hk::detail::host_cache_release();
  EXPECT_EQ(host_cache_stats().cached_bytes, 0u);
}

TEST(HostAllocator, ManyThreadsAllocateAndFree) {
  std::atomic<int> corrupt{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t, &corrupt] {
      for (int i = 0; i < 200; ++i) {
        const std::size_t bytes = std::size_t(1 + (i * 7 + t) % 6) * 700 * 1024;  // 0.7-4.1 MiB, 6 classes
        auto* p = static_cast<unsigned char*>(host_allocate(bytes));
        const unsigned char tag = static_cast<unsigned char>(t * 50 + i);
        p[0] = tag;
        p[bytes / 2] = tag;
        p[bytes - 1] = tag;
        std::this_thread::yield();
        if (p[0] != tag || p[bytes / 2] != tag || p[bytes - 1] != tag) corrupt++;
        host_free(p, bytes);
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(corrupt.load(), 0) << "two live blocks overlapped";
  EXPECT_LE(host_cache_stats().cached_bytes, host_cache_stats().limit_bytes);
}

// Tensors go through the same allocator: a dropped large output is reused by the next.
TEST(HostAllocator, AllocatingOpsReuseTheOutputOfTheLastCall) {
  if (!host_cache_stats().enabled || host_cache_stats().limit_bytes < 8 * kMiB) GTEST_SKIP() << "cache off or too small";
  hk::Tensor x = hk::Tensor::randn({1 << 20}, 1);  // 4 MiB
  const void* first = hk::relu(x).data<float>();   // freed at the end of the statement
  hk::Tensor y = hk::relu(x);
  EXPECT_EQ(y.data<float>(), first);
}

// ctest runs this with HK_HOST_CACHE=lots: a value that is not a size is a clear error.
TEST(HostAllocator, BadCacheSizeIsAnInvalidArgument) {
  const char* env = std::getenv("HK_HOST_CACHE");
  if (!env || std::string(env) != "lots") GTEST_SKIP() << "runs with HK_HOST_CACHE=lots";
  try {
    hk::Tensor::empty({1 << 20});
    FAIL() << "allocated despite HK_HOST_CACHE=lots";
  } catch (const hk::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("HK_HOST_CACHE='lots'"), std::string::npos) << e.what();
  }
}

}  // namespace
