// The f32 register tile per Highway target, shared by the packed micro-kernel
// (gemm_f32_microkernel.cpp) and the unpacked small GEMM (gemm_f32_small.cpp): MR rows of C
// by NV vectors of columns, held in vector registers across the k loop. Also which targets
// read an edge through a lane mask (those two, gemm_f32_nt.cpp and gemv.cpp), and the two
// forms of a tile's broadcasts of A on AVX-512.
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

HWY_BEFORE_NAMESPACE();  // the target's instruction set for the helper below
namespace hk::cpu::HWY_NAMESPACE {

#if HWY_TARGET <= HWY_AVX3  // 32 vector registers (x86 targets: lower value = wider)
constexpr int kMR = 12, kNV = 2;
#elif HWY_TARGET == HWY_SCALAR
constexpr int kMR = 4, kNV = 4;
#else
constexpr int kMR = 6, kNV = 2;
#endif

// Whether a masked load never touches the masked-off lanes' memory (AVX2, AVX-512), so an
// edge narrower than a vector can be read through a lane mask without reading past its row.
#if HWY_TARGET <= HWY_AVX2
constexpr bool kMaskedLoads = true;
#else
constexpr bool kMaskedLoads = false;
#endif

// How a tile multiplies an element of A into its row's NV vectors of B. AVX-512 has two
// forms, and which is faster depends on the core, so f32_broadcast_folded()
// (gemm_microkernel.hpp) picks one at run time:
// - folded: the broadcast is each FMA's own memory operand ({1to16}), one instruction per
//   FMA. Right where a 512-bit FMA takes two passes through 256-bit pipes (AMD Zen 4): the
//   FMAs bound the tile, and a separate broadcast would take issue slots from them.
// - in a register: one vbroadcastss load per element, then NV register FMAs. Right where
//   two 512-bit FMAs issue per cycle against two 512-bit loads (Intel's server cores):
//   folded, every FMA is also a load, and a 12 × 2 tile's 26 loads per 24 FMAs bound it.
// Elsewhere there is one form (Set and MulAdd); kTwoBroadcastForms says which targets
// have both, so the others instantiate one.
// HK_F32_TWO_FORMS, for the preprocessor (the forms are inline asm): 1 on this target.
#undef HK_F32_TWO_FORMS
#if HWY_TARGET <= HWY_AVX3 && HWY_ARCH_X86_64 && defined(__GNUC__)
#define HK_F32_TWO_FORMS 1
#else
#define HK_F32_TWO_FORMS 0
#endif
constexpr bool kTwoBroadcastForms = HK_F32_TWO_FORMS;

// acc + (*a broadcast to every lane) · b, in the Folded form or not. GCC does not fold a
// broadcast that feeds two FMAs, so the asm states it.
template <bool Folded, class D>
HWY_INLINE hwy::HWY_NAMESPACE::Vec<D> MulAddBroadcast(D d, const float* a, hwy::HWY_NAMESPACE::Vec<D> b,
                                                      hwy::HWY_NAMESPACE::Vec<D> acc) {
#if HK_F32_TWO_FORMS
  if constexpr (Folded) {
    (void)d;
    asm("vfmadd231ps %2%{1to16%}, %1, %0" : "+v"(acc.raw) : "v"(b.raw), "m"(*a));
    return acc;
  }
#endif
  return hwy::HWY_NAMESPACE::MulAdd(hwy::HWY_NAMESPACE::Set(d, *a), b, acc);
}

}  // namespace hk::cpu::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
