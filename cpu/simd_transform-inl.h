// The loop shared by every elementwise `simd` kernel, compiled once per Highway target
// (included from the kernel files after foreach_target.h; the include guard below is
// Highway's per-target idiom).
//
// Transform(d, out, n, stream, op) stores op(d, i), the result vector for elements
// [i, i + Lanes(d)), for every full vector, then finishes the last n % Lanes(d) elements
// with the very same op on a one-lane tag. Two things follow from that design:
// - The tail computes with the same instructions as the body, so no element's result
//   depends on where it falls; and one-lane loads/stores never touch memory past n
//   (callers' buffers may be views with other data right behind them).
// - Loads and stores are unaligned (wrapped tensors may start anywhere); on memory that
//   is aligned they cost the same as aligned ones.
//
// `stream` selects non-temporal stores for outputs too large to stay in cache. A normal
// store first reads the destination line into cache (read-for-ownership) and writes it
// back later: three memory streams for relu (read x, read out, write out). A streaming
// store writes the line straight to memory: two streams, as memcpy does for large copies.
// Two streams instead of three is what lets relu run at memcpy bandwidth. It needs aligned
// addresses, so the first elements up to the alignment are stored one lane at a time.
// For outputs that the next kernel reads back from cache, streaming would be a loss;
// simd::stream_stores() decides by size.
#if defined(HK_CPU_SIMD_TRANSFORM_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef HK_CPU_SIMD_TRANSFORM_INL_H_
#undef HK_CPU_SIMD_TRANSFORM_INL_H_
#else
#define HK_CPU_SIMD_TRANSFORM_INL_H_
#endif

#include <cstddef>
#include <cstdint>

#include "hwy/cache_control.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace hk::cpu::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// d: the tag whose lane count drives the loop (for f32→i8 the f32 tag; the output vector
// then has the same number of i8 lanes). op(tag, i) returns a vector of TOut with as many
// lanes as `tag`.
template <class D, typename TOut, class Op>
HWY_INLINE void Transform(D d, TOut* HWY_RESTRICT out, size_t n, bool stream, const Op& op) {
  using T = hn::TFromD<D>;
  const hn::Rebind<TOut, D> dout;
  const hn::CappedTag<T, 1> d1;
  const hn::Rebind<TOut, decltype(d1)> dout1;
  const size_t N = hn::Lanes(d);
  const size_t out_bytes = N * sizeof(TOut);
  size_t i = 0;
  // A streaming store of a vector narrower than 16 bytes writes 16 bytes anyway, so only
  // output vectors of at least 16 bytes stream (i8 output of f32 input on AVX2 does not).
  if (stream && out_bytes >= HWY_STREAM_MULTIPLE) {
    for (; i < n && reinterpret_cast<uintptr_t>(out + i) % out_bytes != 0; ++i) hn::StoreU(op(d1, i), dout1, out + i);
    for (; i + N <= n; i += N) hn::Stream(op(d, i), dout, out + i);
    hwy::FlushStream();  // order the streamed lines before whatever publishes the result
  } else {
    // Two vectors per iteration: enough independent work to keep loads in flight when the
    // data is in L1/L2, where loop overhead would otherwise show.
    for (; i + 2 * N <= n; i += 2 * N) {
      const auto v0 = op(d, i), v1 = op(d, i + N);
      hn::StoreU(v0, dout, out + i);
      hn::StoreU(v1, dout, out + i + N);
    }
    for (; i + N <= n; i += N) hn::StoreU(op(d, i), dout, out + i);
  }
  for (; i < n; ++i) hn::StoreU(op(d1, i), dout1, out + i);
}

}  // namespace hk::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
