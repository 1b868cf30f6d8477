// vpdpbusd's accumulators for the zmm int8 kernels built with -mavx512vnni
// (gemv_i8_vnni_avx512.cpp, gemm_i8_nt_vnni_avx512.cpp): include only from such files.
//
// An accumulator is typed as vpdpbusd's 16 int32 lanes. As __m512i (8 int64 lanes), GCC 12
// kept each one in two registers and copied it there and back around every vpdpbusd of a
// loop (once the sums were read as int32 lanes afterwards): two moves per multiply-add
// instruction, on the same vector ports.
#pragma once

#include <immintrin.h>

namespace hk::cpu::vnni {

using Acc = __v16si;

// acc + the 4-byte dot products of u8's unsigned bytes with s8's signed ones, per int32 lane
// (wrapping modulo 2³²).
inline Acc dpbusd(Acc acc, __m512i u8, __m512i s8) {
  return reinterpret_cast<Acc>(_mm512_dpbusd_epi32(reinterpret_cast<__m512i>(acc), u8, s8));
}

inline __m512i bits(Acc acc) { return reinterpret_cast<__m512i>(acc); }

}  // namespace hk::cpu::vnni
