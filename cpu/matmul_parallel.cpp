// matmul, parallel: the simd GEMMs (f32 and int8) spread over the persistent thread pool —
// C cut into one part per thread, each thread packing and computing its part on its own
// (gemm_parallel.hpp explains why nothing is shared).
//
// Why it beats `simd`: a GEMM does O(n³) work on O(n²) data, so the cores hardly compete for
// memory and the speed-up approaches the thread count once the product is large enough to
// amortize waking the pool (docs/measurements.md has the thread sweep). What limits it: products below about 200³ run on one thread (gemm_pack.hpp,
// kInlineMacs); packing is memory-bound, and with one cut the operand that is not cut is
// packed by every thread; and the parts are fixed, so a core held by another program delays
// the whole product.
//
// As the default variant it first asks gemm_shape.hpp whether the shape is one the packed
// GEMM serves badly (M = 1 or N = 1, small f32 products) and runs that path instead.
#include "cpu/gemm_parallel.hpp"
#include "cpu/gemm_shape.hpp"
#include "hk/registry.hpp"

namespace hk::cpu {

// a: (m, k), b: (k, n), c: (m, n), row-major; on ctx.threads threads.
void matmul_f32_parallel(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n,
                         const KernelContext& ctx) {
  if (matmul_f32_by_shape(a, b, c, m, k, n, ctx.threads)) return;
  gemm_parallel<PackF32>(gemm_f32_plan(), a, b, c, m, k, n, ctx.threads);
}

void matmul_i8_parallel(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t k, int64_t n,
                        const KernelContext& ctx) {
  if (matmul_i8_by_shape(a, b, c, m, k, n, ctx.threads)) return;
  gemm_parallel<PackI8Pairs>(gemm_i8_pairs_plan(), a, b, c, m, k, n, ctx.threads);
}

}  // namespace hk::cpu
