// The CPU registration table: which kernel serves which op. Adding a CPU variant is one
// kernel file plus one row here; tests and hk-bench pick it up from the registry.
//
// priority: `automatic` takes the supported variant with the highest priority.
#include "cpu/kernels.hpp"
#include "cpu/simd_targets.hpp"
#include "hk/registry.hpp"

namespace hk {

void register_cpu(Registry& r) {
  using namespace hk::cpu;
  apply_isa_cap();  // before any SIMD kernel is dispatched
  const Backend B = Backend::cpu;
  // clang-format off
  r.add({"matmul", B, "naive", {matmul_f32_naive, matmul_i8_naive}, {},
         "three nested loops, one dot product per output (teaching baseline)", 0});
  r.add({"matmul", B, "blocked", {matmul_f32_blocked, matmul_i8_blocked}, {},
         "i-k-j loops tiled into cache blocks (Options::block_size, default 64)", 10});
  r.add({"matmul", B, "simd", {matmul_f32_simd, matmul_i8_simd}, {},
         "packed panels, cache blocking from the cache sizes, register-blocked micro-kernel "
         "(f32 FMA; int8 widened to int16 pairs), Highway dispatch, one thread", 20});
  r.add({"matmul", B, "parallel", {matmul_f32_parallel, matmul_i8_parallel}, {},
         "the simd GEMM over the thread pool: C cut into one part per thread, each packing its own", 30});
  r.add({"matmul", B, "vnni", {matmul_i8_vnni}, {"AVX512-VNNI or AVX-VNNI", cpu_has_vnni},
         "int8 GEMM with vpdpbusd (u8 × s8 with +128 shift and column-sum correction), "
         "packed, over the thread pool", 40});
  r.add({"relu", B, "naive", {relu_f32_naive, relu_i8_naive}, {}, "plain loop, 0 > x ? 0 : x", 0});
  r.add({"add", B, "naive", {add_f32_naive}, {}, "plain loop", 0});
  r.add({"mul", B, "naive", {mul_f32_naive}, {}, "plain loop", 0});
  r.add({"squared_difference", B, "naive", {squared_difference_f32_naive}, {}, "plain loop, (x - y)²", 0});
  r.add({"dot", B, "naive", {dot_f32_naive}, {}, "plain loop, double accumulator", 0});
  r.add({"euclidean_distance", B, "naive", {euclidean_distance_f32_naive}, {},
         "plain loop, double accumulator", 0});
  r.add({"quantize", B, "naive", {quantize_f32_naive}, {}, "divide, clamp, round half to even", 0});
  r.add({"dequantize", B, "naive", {dequantize_i8_naive, dequantize_i32_naive}, {}, "float(q) · scale", 0});
  // Highway: one source per kernel, compiled for every x86 target, best chosen at run time
  // (capped by HK_CPU_ISA). No requirement: the SCALAR target runs anywhere.
  r.add({"relu", B, "simd", {relu_f32_simd, relu_i8_simd}, {}, "Highway SIMD, compare+select, runtime target", 20});
  r.add({"add", B, "simd", {add_f32_simd}, {}, "Highway SIMD, runtime target", 20});
  r.add({"mul", B, "simd", {mul_f32_simd}, {}, "Highway SIMD, runtime target", 20});
  r.add({"squared_difference", B, "simd", {squared_difference_f32_simd}, {}, "Highway SIMD, runtime target", 20});
  r.add({"dot", B, "simd", {dot_f32_simd}, {}, "Highway SIMD, 4 double accumulators", 20});
  r.add({"euclidean_distance", B, "simd", {euclidean_distance_f32_simd}, {}, "Highway SIMD, 4 double accumulators", 20});
  r.add({"quantize", B, "simd", {quantize_f32_simd}, {}, "Highway SIMD, divide, clamp, round half to even", 20});
  r.add({"dequantize", B, "simd", {dequantize_i8_simd, dequantize_i32_simd}, {}, "Highway SIMD, float(q) · scale", 20});
  // The simd kernels split over the thread pool; below the grain they run inline.
  r.add({"relu", B, "parallel", {relu_f32_parallel, relu_i8_parallel}, {}, "simd over the thread pool in chunks", 30});
  r.add({"add", B, "parallel", {add_f32_parallel}, {}, "simd over the thread pool in chunks", 30});
  r.add({"mul", B, "parallel", {mul_f32_parallel}, {}, "simd over the thread pool in chunks", 30});
  r.add({"squared_difference", B, "parallel", {squared_difference_f32_parallel}, {}, "simd over the thread pool in chunks", 30});
  r.add({"dot", B, "parallel", {dot_f32_parallel}, {}, "simd over fixed blocks on the pool, summed in block order", 30});
  r.add({"euclidean_distance", B, "parallel", {euclidean_distance_f32_parallel}, {},
         "simd over fixed blocks on the pool, summed in block order", 30});
  r.add({"quantize", B, "parallel", {quantize_f32_parallel}, {}, "simd over the thread pool in chunks", 30});
  r.add({"dequantize", B, "parallel", {dequantize_i8_parallel, dequantize_i32_parallel}, {},
         "simd over the thread pool in chunks", 30});
  // clang-format on
}

}  // namespace hk
