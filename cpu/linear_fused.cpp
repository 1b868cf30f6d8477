// linear, fused: x · W (+ bias) (+ relu) in one pass, on the GEMM paths of the default
// matmul variants, the epilogue applied to each tile of sums as it leaves the kernel
// (gemm_epilogue.hpp). The output is written once; a separate bias and relu would read and
// write all of it twice more.
//
// The path is chosen by shape, as for matmul (gemm_shape.hpp): a GEMV at batch 1 (the
// weights streamed once in their own layout, never packed), the unpacked small GEMMs for
// small f32 products (gemm_f32_small.cpp for (in, out) weights, gemm_f32_nt.cpp's dot
// products for (out, in)) and the int8 vpdpbusd kernels for a few rows of int8 (the GEMV's
// for (in, out) weights, dot products for (out, in)), the packed GEMM over the thread pool
// for the rest. There (out,
// in) weights are transposed by the packing itself (pack_b_t; for int8 VNNI a transpose of
// 32-bit words, since a k quad of a column is 4 contiguous bytes of a row), so PyTorch's
// layout costs no extra pass.
//
// int8: the int32 sums come from the AMX tiles where matmul `amx` would take the product
// (matmul_i8_amx.cpp), else from the VNNI GEMM (or the int16-pair one on CPUs without VNNI),
// and are dequantized in the epilogue, float(sum) · input_scale · weight_scale[j].
#include "cpu/gemm_i8_amx.hpp"
#include "cpu/gemm_parallel.hpp"
#include "cpu/gemm_shape.hpp"

namespace hk::cpu {

void linear_f32_fused(const float* x, const float* w, float* out, int64_t m, int64_t k, int64_t n, bool w_out_in,
                      const Epilogue& e, const KernelContext& ctx) {
  if (linear_f32_by_shape(x, w, out, m, k, n, w_out_in, e, ctx.threads)) return;
  gemm_parallel<PackF32>(gemm_f32_plan(), x, w, out, m, k, n, ctx.threads, PackF32::kInlineMacs, {w_out_in, &e});
}

// The int32 sums of the earlier k blocks wait in out's words (gemm_epilogue.hpp), hence the
// int32 view of out.
void linear_i8_fused(const int8_t* x, const int8_t* w, float* out, int64_t m, int64_t k, int64_t n, bool w_out_in,
                     const Epilogue& e, const KernelContext& ctx) {
  if (linear_i8_by_shape(x, w, out, m, k, n, w_out_in, e, ctx.threads)) return;
  if (linear_i8_amx(x, w, out, m, k, n, w_out_in, e, ctx.threads)) return;  // AMX tiles, where they pay
  auto* sums = reinterpret_cast<int32_t*>(out);
  if (const GemmPlan<PackI8Vnni>* plan = vnni_plan_if_any())
    gemm_parallel<PackI8Vnni>(*plan, x, w, sums, m, k, n, ctx.threads, PackI8Vnni::kInlineMacs, {w_out_in, &e});
  else
    gemm_parallel<PackI8Pairs>(gemm_i8_pairs_plan(), x, w, sums, m, k, n, ctx.threads, PackI8Pairs::kInlineMacs,
                               {w_out_in, &e});
}

}  // namespace hk::cpu
