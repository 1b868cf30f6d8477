// matmul, parallel: the simd GEMMs (f32 and int8) split over the persistent thread pool
// into one slab of C per thread (gemm_parallel.hpp explains the cut).
//
// Why it beats `simd`: a GEMM does O(n³) work on O(n²) data, so the cores hardly compete for
// memory and the speed-up is close to the thread count once each slab is big enough to
// amortize its packing. What limits it: every thread re-packs the operand that is not
// split, products too small to split run on one thread, and on a loaded machine a slab
// waits for the slowest core.
#include "cpu/gemm_parallel.hpp"
#include "cpu/kernels.hpp"

namespace hk::cpu {

// a: (m, k), b: (k, n), c: (m, n), row-major; on ctx.threads threads.
void matmul_f32_parallel(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n,
                         const KernelContext& ctx) {
  gemm_parallel<PackF32>(gemm_f32_plan(), a, b, c, m, k, n, ctx.threads);
}

void matmul_i8_parallel(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t k, int64_t n,
                        const KernelContext& ctx) {
  gemm_parallel<PackI8Pairs>(gemm_i8_pairs_plan(), a, b, c, m, k, n, ctx.threads);
}

}  // namespace hk::cpu
