// matmul i8×i8→i32, vnni: the packed GEMM with the int8 dot-product instruction `vpdpbusd`
// (AVX512-VNNI on zmm, or AVX-VNNI on ymm), split over the thread pool like `parallel`.
//
// Why it beats the int16 `simd`/`parallel` path: one vpdpbusd multiplies 4 byte pairs per
// int32 lane and adds them into the lane — 64 multiply-adds per zmm instruction, twice
// vpmaddwd + vpaddd's work in half the instructions — and the packed operands stay one byte
// per element, so the kernel streams half the bytes.
//
// The catch: vpdpbusd multiplies UNSIGNED bytes (first operand) by SIGNED bytes, and hk's
// int8 matrices are both signed. The fix is a shift and a correction:
//   a' = a + 128 ∈ [0, 255] (packed as u8),   Σ_k a'·b = Σ_k a·b + 128·Σ_k b[k][j]
// so   c[i][j] = Σ_k a'[i][k]·b[k][j] − 128·Σ_k b[k][j].
// The correction depends on the column only: it is summed while B is packed (gemm_pack.cpp)
// and every tile starts from it instead of from zero, so it costs nothing in the k loop.
// All sums are int32 modulo 2³²: Σ a'·b may pass 2³¹ for long K, but the subtraction
// brings the wrapped value back to Σ a·b mod 2³² — exactly c whenever c fits in int32, and
// otherwise the same wrapped value as matmul_i8_naive, for every input including −128.
//
// Never `vpdpbusds` (saturating) or `vpmaddubsw` (saturating int16 pairs): both give wrong
// answers for large inputs.
//
// What limits it: the kernel is so fast that packing (B interleaved into quads of k, A
// shifted), a memory-bound pass it cannot overlap, shows even with AVX-512 packing
// (gemm_pack_vnni_avx512.cpp), and with a 1 × 2 grid both threads pack all of A; broadcasts of A are loads of their own (vpdpbusd can
// broadcast only its signed operand); and a matrix with fewer than 8 rows still runs
// 8-row tiles.
//
// As the default int8 variant it runs M = 1 and N = 1 as a GEMV (gemm_shape.hpp): no
// packing, the matrix streamed once.
#include <optional>

#include "cpu/gemm_i8_vnni.hpp"
#include "cpu/gemm_parallel.hpp"
#include "cpu/gemm_shape.hpp"
#include "hk/registry.hpp"
#include "hk/cpu_features.hpp"
#include "hk/error.hpp"

namespace hk::cpu {

MicrokernelVnni vnni_microkernel(int mr, int nr, int lanes, const VnniTile* tiles, const char* isa) {
  MicrokernelVnni k;
  k.mr = mr;
  k.nr = nr;
  k.lanes = lanes;
  k.kgroup = 4;
  for (int v = 0; v < MicrokernelVnni::kMaxVectors; ++v) k.fn[v] = tiles[v];
  k.isa = isa;
  return k;
}

GemmPlan<PackI8Vnni> vnni_zmm_plan() {
  GemmPlan<PackI8Vnni> plan =
      make_gemm_plan<PackI8Vnni>(vnni_microkernel(kVnniZmmMR, kVnniZmmNR, 16, vnni_zmm_tiles, "AVX512-VNNI"));
  if (cpu_features().avx512bw) {  // every AVX512-VNNI CPU so far; the packing needs its byte ops
    plan.pack_a = &pack_a_vnni_zmm;
    plan.pack_b = &pack_b_vnni_zmm;
    plan.pack_b_t = &pack_b_t_vnni_zmm;
  }
  return plan;
}

namespace {

bool zmm_vnni() {
  const CpuFeatures& f = cpu_features();
  return f.avx512f && f.avx512vnni;
}
bool ymm_vnni() {
  const CpuFeatures& f = cpu_features();
  return f.avx2 && f.avx_vnni;
}

const std::optional<GemmPlan<PackI8Vnni>>& vnni_plan() {
  static const std::optional<GemmPlan<PackI8Vnni>> plan = []() -> std::optional<GemmPlan<PackI8Vnni>> {
    if (zmm_vnni()) return vnni_zmm_plan();
    if (ymm_vnni()) return make_gemm_plan<PackI8Vnni>(vnni_microkernel(kVnniYmmMR, kVnniYmmNR, 8, vnni_ymm_tiles, "AVX-VNNI"));
    return std::nullopt;
  }();
  return plan;
}

}  // namespace

bool cpu_has_vnni() { return zmm_vnni() || ymm_vnni(); }

const GemmPlan<PackI8Vnni>* vnni_plan_if_any() { return vnni_plan() ? &*vnni_plan() : nullptr; }

// a: (m, k), b: (k, n), c: (m, n), row-major; on ctx.threads threads.
void matmul_i8_vnni(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t k, int64_t n,
                    const KernelContext& ctx) {
  const auto& plan = vnni_plan();
  if (!plan)
    throw BackendUnavailable("matmul vnni needs AVX512-VNNI or AVX-VNNI, which this CPU (after HK_CPU_ISA) lacks");
  if (matmul_i8_by_shape(a, b, c, m, k, n, ctx.threads)) return;
  gemm_parallel<PackI8Vnni>(*plan, a, b, c, m, k, n, ctx.threads);
}

}  // namespace hk::cpu
