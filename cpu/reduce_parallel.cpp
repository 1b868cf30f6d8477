// dot and euclidean_distance, parallel: the simd reduction of reduce_simd.cpp over fixed
// blocks, the blocks spread over the thread pool, the partial sums added in block order.
//
// Why fixed blocks rather than one chunk per thread: the partial sums, and therefore the
// rounding of the total, then depend only on n — never on the thread count, on which
// thread ran which block, or on who finished first. The same call gives the same bits
// with 1 thread or 16, and a user debugging with HK_NUM_THREADS=1 sees the number the
// parallel run printed. Each block is large enough (kBlock elements, 64 KiB of input) that
// its few nanoseconds of setup vanish next to reading it; problems below the grain run
// inline, block by block, with the same result.
#include <cmath>
#include <memory>

#include "common/src/memory.hpp"
#include "hk/registry.hpp"
#include "cpu/simd_kernels.hpp"
#include "cpu/thread_pool.hpp"

namespace hk::cpu {

namespace {

constexpr int64_t kBlock = 8192;      // elements per partial sum
constexpr int64_t kGrainBlocks = 8;   // 512 KiB of input: less is not worth a worker's wake-up

double blockwise(const float* x, const float* y, int64_t n, const KernelContext& ctx,
                 double (*sum)(const float*, const float*, size_t)) {
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  if (blocks <= 1) return sum(x, y, size_t(n));
  // From hk's allocator, so that running out is an OutOfMemory like any other allocation.
  const std::size_t bytes = static_cast<size_t>(blocks) * sizeof(double);
  struct Free {
    std::size_t bytes;
    void operator()(double* p) const { hk::detail::host_free(p, bytes); }
  };
  std::unique_ptr<double, Free> owned(static_cast<double*>(hk::detail::host_allocate(bytes)), Free{bytes});
  double* partial = owned.get();
  ThreadPool::global().parallel_for(blocks, kGrainBlocks, ctx.threads, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      const int64_t begin = k * kBlock, len = std::min(kBlock, n - begin);
      partial[k] = sum(x + begin, y + begin, size_t(len));
    }
  });
  double total = 0.0;
  for (int64_t k = 0; k < blocks; ++k) total += partial[k];  // block order, whatever thread computed each
  return total;
}

}  // namespace

double dot_f32_parallel(const float* x, const float* y, int64_t n, const KernelContext& ctx) {
  return blockwise(x, y, n, ctx, simd::dot_f32);
}

double euclidean_distance_f32_parallel(const float* x, const float* y, int64_t n, const KernelContext& ctx) {
  return std::sqrt(blockwise(x, y, n, ctx, simd::sum_squared_difference_f32));
}

}  // namespace hk::cpu
