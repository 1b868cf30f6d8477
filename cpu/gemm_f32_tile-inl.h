// The f32 register tile per Highway target, shared by the packed micro-kernel
// (gemm_f32_microkernel.cpp) and the unpacked small GEMM (gemm_f32_small.cpp): MR rows of C
// by NV vectors of columns, held in vector registers across the k loop.
//
// A tile needs MR·NV accumulators + NV vectors of B + one broadcast register. AVX-512 has 32
// vector registers → 12×(2 vectors) = 24 accumulators; AVX2 and SSE4 have 16 → 6×(2 vectors)
// = 12. With FMA latency 4 and two FMA pipes, at least 8 independent accumulators keep the
// pipes busy; both shapes have more. SCALAR has 1-lane vectors: a 4×4 tile of scalars.
//
// Included by each Highway source before its per-target namespace; the per-target guard
// lets foreach_target.h include it once for every target.
#if defined(HK_CPU_GEMM_F32_TILE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef HK_CPU_GEMM_F32_TILE_INL_H_
#undef HK_CPU_GEMM_F32_TILE_INL_H_
#else
#define HK_CPU_GEMM_F32_TILE_INL_H_
#endif

#include <hwy/highway.h>

namespace hk::cpu::HWY_NAMESPACE {

#if HWY_TARGET <= HWY_AVX3  // 32 vector registers (x86 targets: lower value = wider)
constexpr int kMR = 12, kNV = 2;
#elif HWY_TARGET == HWY_SCALAR
constexpr int kMR = 4, kNV = 4;
#else
constexpr int kMR = 6, kNV = 2;
#endif

}  // namespace hk::cpu::HWY_NAMESPACE

#endif  // per-target include guard
