// matmul f32, simd: the GEMM of BLIS and OpenBLAS on one core — packed panels
// (gemm_pack.hpp), cache blocking from the detected cache sizes (gemm_loops.hpp), and a
// register-blocked FMA micro-kernel compiled for every SIMD target (gemm_f32_microkernel.cpp).
//
// Why it beats `blocked`: `blocked` fixed the order of memory accesses but still loads and
// stores an element of C for every multiply-add and multiplies one lane at a time (or four
// with the baseline SSE2). Here C stays in registers across the whole k loop, A and B are
// read as contiguous packed streams, and each instruction does 16 FMAs (AVX-512): the
// kernel runs at the FMA units' rate instead of the load/store units'.
//
// Limits: one core (see `parallel`, matmul_parallel.cpp); small or thin matrices pay for
// packing and for edge tiles that fill only part of the MR×NR registers.
#include "cpu/gemm_loops.hpp"
#include "hk/registry.hpp"
#include "cpu/simd_targets.hpp"

namespace hk::cpu {

const GemmPlan<PackF32>& gemm_f32_plan() {
  static const GemmPlan<PackF32> plan = [] {
    apply_isa_cap();  // Highway's target choice must see HK_CPU_ISA first
    return make_gemm_plan<PackF32>(gemm_f32_microkernel());
  }();
  return plan;
}

// a: (m, k), b: (k, n), c: (m, n), row-major.
void matmul_f32_simd(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n,
                     const KernelContext&) {
  const GemmPlan<PackF32>& plan = gemm_f32_plan();
  gemm_serial<PackF32>(plan, a, k, b, n, c, n, m, k, n);
}

}  // namespace hk::cpu
