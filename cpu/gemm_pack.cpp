// Packing routines of gemm_pack.hpp. Plain C++: the copies are memory-bound and the compiler
// vectorizes the contiguous inner loops; their cost is amortized over a whole block.
#include "cpu/gemm_pack.hpp"

#include <algorithm>
#include <cassert>
#include <type_traits>

namespace hk::cpu {

namespace {

// Input element → packed element. Only the int8 VNNI flavour changes values: A is shifted
// into u8 (a + 128, the same bits as a XOR 0x80) because vpdpbusd multiplies u8 by s8.
template <class P> typename P::PA to_a(typename P::In x) { return static_cast<typename P::PA>(x); }
template <> uint8_t to_a<PackI8Vnni>(int8_t x) { return static_cast<uint8_t>(static_cast<uint8_t>(x) ^ 0x80u); }

}  // namespace

template <class P>
void pack_a(const typename P::In* a, int64_t lda, int64_t rows, int64_t kc, int mr, typename P::PA* dst) {
  using PA = typename P::PA;
  constexpr int g = P::kGroup;
  const int64_t groups = (kc + g - 1) / g, full = kc / g, stride = int64_t{mr} * g;
  for (int64_t i0 = 0; i0 < rows; i0 += mr) {
    const int64_t valid = std::min<int64_t>(mr, rows - i0);
    for (int64_t r = 0; r < mr; ++r) {
      PA* d = dst + r * g;  // row r's slot in every k group
      if (r >= valid) {     // rows past the edge: zeros (computed, never stored)
        for (int64_t q = 0; q < groups; ++q)
          for (int t = 0; t < g; ++t) d[q * stride + t] = PA{0};
        continue;
      }
      const typename P::In* src = a + (i0 + r) * lda;
      for (int64_t q = 0; q < full; ++q)
        for (int t = 0; t < g; ++t) d[q * stride + t] = to_a<P>(src[q * g + t]);
      if (full < groups)  // k tail of a group: zeros, which B's zero padding multiplies away
        for (int t = 0; t < g; ++t) d[full * stride + t] = full * g + t < kc ? to_a<P>(src[full * g + t]) : PA{0};
    }
    dst += groups * stride;
  }
}

template <class P>
void pack_b(const typename P::In* b, int64_t ldb, int64_t kc, int64_t cols, int nr, typename P::PB* dst,
            typename P::C* comp) {
  using PB = typename P::PB;
  constexpr int g = P::kGroup;
  constexpr bool kCompensate = std::is_same_v<P, PackI8Vnni>;
  const int64_t groups = (kc + g - 1) / g, stride = int64_t{nr} * g;
  for (int64_t j0 = 0; j0 < cols; j0 += nr) {
    const int64_t valid = std::min<int64_t>(nr, cols - j0);
    for (int64_t q = 0; q < groups; ++q)
      for (int t = 0; t < g; ++t) {
        const int64_t k = q * g + t;
        PB* d = dst + q * stride + t;
        if (k >= kc) {  // k tail of the last group: zeros, so the padded A values add nothing
          for (int64_t c = 0; c < nr; ++c) d[c * g] = PB{0};
          continue;
        }
        const typename P::In* src = b + k * ldb + j0;
        for (int64_t c = 0; c < valid; ++c) d[c * g] = static_cast<PB>(src[c]);
        for (int64_t c = valid; c < nr; ++c) d[c * g] = PB{0};  // columns past the edge
      }
    if constexpr (kCompensate) {
      // Σ_k b[k][c] over this block: |Σ| ≤ 128·kc, and 128·128·kc fits in int32 for the
      // block sizes used (kc ≤ 65,536).
      assert(kc <= 65536);
      for (int64_t c = 0; c < nr; ++c) comp[j0 + c] = 0;
      for (int64_t k = 0; k < kc; ++k) {
        const int8_t* src = b + k * ldb + j0;
        for (int64_t c = 0; c < valid; ++c) comp[j0 + c] += src[c];
      }
      for (int64_t c = 0; c < valid; ++c) comp[j0 + c] *= -128;
    }
    dst += groups * stride;
  }
}

#define HK_PACK_INSTANTIATE(P)                                                                          \
  template void pack_a<P>(const P::In*, int64_t, int64_t, int64_t, int, P::PA*);                        \
  template void pack_b<P>(const P::In*, int64_t, int64_t, int64_t, int, P::PB*, P::C*);
HK_PACK_INSTANTIATE(PackF32)
HK_PACK_INSTANTIATE(PackI8Pairs)
HK_PACK_INSTANTIATE(PackI8Vnni)
#undef HK_PACK_INSTANTIATE

}  // namespace hk::cpu
