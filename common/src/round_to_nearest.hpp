// Internal: round-to-nearest for the length of a scope, whatever rounding mode the calling
// thread has set (fesetround), restored at the end. For results hk defines bit for bit
// whatever the caller's mode: quantize's division and rounding, and the simulator's kernels
// (a GPU's arithmetic rounds to nearest). Pool workers need it as much as the caller: a
// thread starts with the mode of the thread that made it.
#pragma once

#include <cfenv>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

namespace hk::detail {

class RoundToNearest {
 public:
#if defined(__SSE__)
  // SSE arithmetic follows MXCSR alone (fegetround reads the x87 control word), so this
  // reads and sets MXCSR's rounding field directly, and restores only that field.
  RoundToNearest() : saved_(_mm_getcsr() & kRounding) {
    if (saved_) _mm_setcsr(_mm_getcsr() & ~kRounding);
  }
  ~RoundToNearest() {
    if (saved_) _mm_setcsr((_mm_getcsr() & ~kRounding) | saved_);
  }

 private:
  static constexpr unsigned kRounding = 0x6000;  // MXCSR.RC; 0 is round to nearest
  unsigned saved_;
#else
  RoundToNearest() : saved_(std::fegetround()) {
    if (saved_ != FE_TONEAREST) std::fesetround(FE_TONEAREST);
  }
  ~RoundToNearest() {
    if (saved_ != FE_TONEAREST) std::fesetround(saved_);
  }

 private:
  int saved_;
#endif

 public:
  RoundToNearest(const RoundToNearest&) = delete;
  RoundToNearest& operator=(const RoundToNearest&) = delete;
};

}  // namespace hk::detail
