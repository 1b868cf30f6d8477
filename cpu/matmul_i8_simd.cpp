// matmul i8×i8→i32, simd: the f32 GEMM's packing and loop nest with an exact integer
// micro-kernel that needs no VNNI — int8 widened to int16 and multiplied in pairs
// (vpmaddwd; gemm_i8_microkernel.cpp), on every Highway target.
//
// Why it beats `blocked`: the same reasons as the f32 simd GEMM, plus 2 multiply-adds per
// int32 lane per instruction. What limits it: half the work per instruction of a VNNI
// `vpdpbusd` (see `vnni`), and the int16 packing doubles the bytes the kernel streams.
#include "cpu/gemm_loops.hpp"
#include "hk/cpu_features.hpp"
#include "hk/registry.hpp"
#include "cpu/simd_targets.hpp"

namespace hk::cpu {

const GemmPlan<PackI8Pairs>& gemm_i8_pairs_plan() {
  static const GemmPlan<PackI8Pairs> plan = [] {
    apply_isa_cap();
    GemmPlan<PackI8Pairs> p = make_gemm_plan<PackI8Pairs>(gemm_i8_microkernel());
    if (cpu_features().avx2 && p.kernel.nr % 16 == 0) {  // the AVX2 and AVX-512 kernels
      p.pack_b = &pack_b_pairs_ymm;
      p.pack_b_t = &pack_b_t_pairs_ymm;
    }
    return p;
  }();
  return plan;
}

// a: (m, k), b: (k, n), c: (m, n), row-major. Exact, wrapping modulo 2³² like matmul_i8_naive.
void matmul_i8_simd(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t k, int64_t n,
                    const KernelContext&) {
  const GemmPlan<PackI8Pairs>& plan = gemm_i8_pairs_plan();
  gemm_serial<PackI8Pairs>(plan, a, k, b, n, c, n, m, k, n);
}

}  // namespace hk::cpu
