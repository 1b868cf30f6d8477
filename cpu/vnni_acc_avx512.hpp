// vpdpbusd's accumulators for the zmm int8 kernels built with -mavx512vnni
// (gemv_i8_vnni_avx512.cpp, gemm_i8_nt_vnni_avx512.cpp): include only from such files.
//
// An accumulator is typed as vpdpbusd's 16 int32 lanes. As __m512i (8 int64 lanes), GCC 12
// kept each one in two registers and copied it there and back around every vpdpbusd of a
// loop (once the sums were read as int32 lanes afterwards): two moves per multiply-add
// instruction, on the same vector ports.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace hk::cpu::vnni {

using Acc = __v16si;

// acc + the 4-byte dot products of u8's unsigned bytes with s8's signed ones, per int32 lane
// (wrapping modulo 2³²).
inline Acc dpbusd(Acc acc, __m512i u8, __m512i s8) {
  return reinterpret_cast<Acc>(_mm512_dpbusd_epi32(reinterpret_cast<__m512i>(acc), u8, s8));
}

inline __m512i bits(Acc acc) { return reinterpret_cast<__m512i>(acc); }

// The kernels make the int8 operand they stream unsigned for vpdpbusd by flipping its sign
// bit (b + 128); every sum with a row x of the signed side then carries 128 · Σ x, which
// this returns (k bytes of x, modulo 2³²) for the kernel to subtract. Needs AVX512-BW.
inline uint32_t flip_shift(const int8_t* x, int64_t k) {
  const __m512i ones = _mm512_set1_epi8(1);
  Acc acc{};
  for (int64_t p = 0; p < k; p += 64) {
    const __mmask64 mask = k - p >= 64 ? ~__mmask64{0} : (__mmask64{1} << (k - p)) - 1;
    acc = dpbusd(acc, ones, _mm512_maskz_loadu_epi8(mask, x + p));
  }
  alignas(64) uint32_t lanes[16];  // summed here, not by _mm512_reduce_add_epi32, whose GCC 12
                                   // form trips -Wuninitialized once inlined
  _mm512_store_si512(lanes, bits(acc));
  uint32_t sum = 0;
  for (uint32_t lane : lanes) sum += lane;
  return 128u * sum;
}

}  // namespace hk::cpu::vnni
