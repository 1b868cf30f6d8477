// matmul, blocked: the course's cache_friendly_matmul done right.
//
// Two changes over `naive`, both about memory, not arithmetic:
// 1. Loop order i-k-j: the innermost loop runs along a row of b and a row of c, so it reads
//    and writes consecutive floats (one cache line serves 16 of them) and the compiler can
//    vectorize it with the baseline SSE2 it is allowed.
// 2. Blocks: the loops are tiled into BS×BS blocks so that the block of b being reused
//    (BS rows × BS floats, 16 KiB for BS = 64) stays in L1/L2 while it is swept by every row
//    of the matching block of a, instead of being streamed from memory once per row.
// What it does not do (see `simd`): hold partial sums in registers across k, pack panels so
// the inner kernel reads contiguous memory, or use FMA/AVX. Each c element is still loaded
// and stored once per k.
#include <algorithm>
#include <cstring>

#include "hk/registry.hpp"

namespace hk::cpu {

namespace {

constexpr int64_t kDefaultBlock = 64;

// Acc is float for f32, uint32_t for i8: unsigned int32 arithmetic wraps modulo 2³², which
// gives exactly the int32 result of hk's other int8 paths without undefined behaviour.
template <class T, class Acc, class Out>
void blocked(const T* a, const T* b, Out* c_out, int64_t m, int64_t k, int64_t n, int64_t bs) {
  Acc* c = reinterpret_cast<Acc*>(c_out);
  std::memset(c, 0, static_cast<std::size_t>(m * n) * sizeof(Acc));
  for (int64_t i0 = 0; i0 < m; i0 += bs)
    for (int64_t p0 = 0; p0 < k; p0 += bs)
      for (int64_t j0 = 0; j0 < n; j0 += bs) {
        const int64_t i1 = std::min(i0 + bs, m), p1 = std::min(p0 + bs, k), j1 = std::min(j0 + bs, n);
        for (int64_t i = i0; i < i1; ++i)
          for (int64_t p = p0; p < p1; ++p) {
            const Acc av = static_cast<Acc>(a[i * k + p]);
            const T* brow = b + p * n;
            Acc* crow = c + i * n;
            for (int64_t j = j0; j < j1; ++j) crow[j] += av * static_cast<Acc>(brow[j]);
          }
      }
}

int64_t block_edge(const KernelContext& ctx) { return ctx.block_size > 0 ? ctx.block_size : kDefaultBlock; }

}  // namespace

// a: (m, k), b: (k, n), c: (m, n), row-major.
void matmul_f32_blocked(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n,
                        const KernelContext& ctx) {
  blocked<float, float>(a, b, c, m, k, n, block_edge(ctx));
}

void matmul_i8_blocked(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t k, int64_t n,
                       const KernelContext& ctx) {
  static_assert(sizeof(uint32_t) == sizeof(int32_t));
  // int8 → uint32 sign-extends modulo 2³², so each product is the int32 product mod 2³².
  blocked<int8_t, uint32_t>(a, b, c, m, k, n, block_edge(ctx));
}

}  // namespace hk::cpu
