// The CPU registration table: which kernel serves which op. Adding a CPU variant is one
// kernel file in cpu/ (CMake finds it) plus its declaration and row here; tests and
// hk-bench pick it up from the registry.
//
// Each kernel is declared beside its row by its registry signature (kernel::…Fn from
// hk/registry.hpp) and defined in the file its row names. rung: the step on the CPU ladder
// the course climbs (0 naive, 1 cache blocking, 2 SIMD with packing, 3 threads, 4 VNNI,
// 5 AMX tiles);
// `automatic` takes the highest supported rung that takes the input dtype.
#include "cpu/elementwise_rungs.hpp"
#include "cpu/simd_targets.hpp"
#include "hk/registry.hpp"

namespace hk::cpu {

using namespace hk::kernel;

// matmul_{f32,i8}_naive.cpp, matmul_blocked.cpp, matmul_{f32,i8}_simd.cpp, matmul_parallel.cpp
MatmulF32Fn matmul_f32_naive, matmul_f32_blocked, matmul_f32_simd, matmul_f32_parallel;
MatmulI8Fn matmul_i8_naive, matmul_i8_blocked, matmul_i8_simd, matmul_i8_parallel;
// matmul_i8_vnni.cpp; cpu_has_vnni() is its requirement
MatmulI8Fn matmul_i8_vnni;
bool cpu_has_vnni();
// matmul_i8_amx.cpp; cpu_has_amx() is its requirement, and tiles_where_they_pay says which
// of its calls, and of int8 linear's, run on the tiles
MatmulI8Fn matmul_i8_amx;
bool cpu_has_amx();
ComputeUnit tiles_where_they_pay(const Shape& a, const Shape& b, DType dtype);
// linear_naive.cpp, linear_fused.cpp
LinearF32Fn linear_f32_naive, linear_f32_fused;
LinearI8Fn linear_i8_naive, linear_i8_fused;
// reduce_{naive,simd,parallel}.cpp
ReduceFn dot_f32_naive, dot_f32_simd, dot_f32_parallel;
ReduceFn euclidean_distance_f32_naive, euclidean_distance_f32_simd, euclidean_distance_f32_parallel;
// quantize_naive.cpp; the other elementwise rungs are elementwise_rungs.hpp's templates
QuantizeFn quantize_f32_naive;
DequantizeI8Fn dequantize_i8_naive;
DequantizeI32Fn dequantize_i32_naive;

}  // namespace hk::cpu

namespace hk {

void register_cpu(Registry& r) {
  using namespace hk::cpu;
  apply_isa_cap();  // before any SIMD kernel is dispatched
  const Backend B = Backend::cpu;
  const Requirement vnni{"AVX512-VNNI or AVX-VNNI", cpu_has_vnni};
  const Requirement amx{"AMX-INT8", cpu_has_amx};
  // clang-format off
  r.add({.op = "matmul", .backend = B, .variant = "naive",    .rung = 0, .kernels = {matmul_f32_naive, matmul_i8_naive},
         .summary = "three nested loops, one dot product per output (teaching baseline)"});
  r.add({.op = "matmul", .backend = B, .variant = "blocked",  .rung = 1, .kernels = {matmul_f32_blocked, matmul_i8_blocked},
         .summary = "i-k-j loops tiled into cache blocks (Options::block_size, default 64)"});
  r.add({.op = "matmul", .backend = B, .variant = "simd",     .rung = 2, .kernels = {matmul_f32_simd, matmul_i8_simd},
         .summary = "packed panels, cache blocking from the cache sizes, register-blocked micro-kernel "
                    "(f32 FMA; int8 widened to int16 pairs), Highway dispatch, one thread"});
  r.add({.op = "matmul", .backend = B, .variant = "parallel", .rung = 3, .kernels = {matmul_f32_parallel, matmul_i8_parallel},
         .summary = "the simd GEMM over the thread pool: C cut into one part per thread, each packing its own"});
  r.add({.op = "matmul", .backend = B, .variant = "vnni",     .rung = 4, .kernels = {matmul_i8_vnni}, .requirement = vnni,
         .summary = "int8 GEMM with vpdpbusd (u8 × s8 with +128 shift and column-sum correction), "
                    "packed, over the thread pool"});
  r.add({.op = "matmul", .backend = B, .variant = "amx",      .rung = 5, .kernels = {matmul_i8_amx}, .requirement = amx,
         .summary = "int8 GEMM on AMX tiles (tdpbssd: s8 × s8, 16×16 int32 sums a tile, 2×2 tiles a step), "
                    "B packed into quads, over the thread pool; small products as vnni",
         .unit = tiles_where_they_pay});

  r.add({.op = "linear", .backend = B, .variant = "naive",    .rung = 0, .kernels = {linear_f32_naive, linear_i8_naive},
         .summary = "one dot product per output, then bias, relu (int8: dequantize) per row (teaching baseline)"});
  r.add({.op = "linear", .backend = B, .variant = "fused",    .rung = 3, .kernels = {linear_f32_fused, linear_i8_fused},
         .summary = "matmul's best path by shape (GEMV, small GEMM, packed GEMM on the pool; int8 AMX or VNNI), "
                    "bias and relu applied to each tile as it leaves the kernel",
         .unit = tiles_where_they_pay});

  r.add({.op = "relu",               .backend = B, .variant = "naive", .rung = 0, .kernels = {naive_unary<ReluF32, float>, naive_unary<ReluI8, int8_t>},
         .summary = "plain loop, 0 > x ? 0 : x"});
  r.add({.op = "add",                .backend = B, .variant = "naive", .rung = 0, .kernels = {naive_binary<Add>},
         .summary = "plain loop"});
  r.add({.op = "mul",                .backend = B, .variant = "naive", .rung = 0, .kernels = {naive_binary<Mul>},
         .summary = "plain loop"});
  r.add({.op = "squared_difference", .backend = B, .variant = "naive", .rung = 0, .kernels = {naive_binary<SquaredDifference>},
         .summary = "plain loop, (x - y)²"});
  r.add({.op = "dot",                .backend = B, .variant = "naive", .rung = 0, .kernels = {dot_f32_naive},
         .summary = "plain loop, double accumulator"});
  r.add({.op = "euclidean_distance", .backend = B, .variant = "naive", .rung = 0, .kernels = {euclidean_distance_f32_naive},
         .summary = "plain loop, double accumulator"});
  r.add({.op = "quantize",           .backend = B, .variant = "naive", .rung = 0, .kernels = {quantize_f32_naive},
         .summary = "divide, clamp, round half to even"});
  r.add({.op = "dequantize",         .backend = B, .variant = "naive", .rung = 0, .kernels = {dequantize_i8_naive, dequantize_i32_naive},
         .summary = "float(q) · scale"});

  // Highway: one source per kernel, compiled for every x86 target, best chosen at run time
  // (capped by HK_CPU_ISA). No requirement: the SCALAR target runs anywhere.
  r.add({.op = "relu",               .backend = B, .variant = "simd", .rung = 2, .kernels = {simd_unary<float, simd::relu_f32>, simd_unary<int8_t, simd::relu_i8>},
         .summary = "Highway SIMD, compare+select, runtime target"});
  r.add({.op = "add",                .backend = B, .variant = "simd", .rung = 2, .kernels = {simd_binary<simd::add_f32>},
         .summary = "Highway SIMD, runtime target"});
  r.add({.op = "mul",                .backend = B, .variant = "simd", .rung = 2, .kernels = {simd_binary<simd::mul_f32>},
         .summary = "Highway SIMD, runtime target"});
  r.add({.op = "squared_difference", .backend = B, .variant = "simd", .rung = 2, .kernels = {simd_binary<simd::squared_difference_f32>},
         .summary = "Highway SIMD, runtime target"});
  r.add({.op = "dot",                .backend = B, .variant = "simd", .rung = 2, .kernels = {dot_f32_simd},
         .summary = "Highway SIMD, 4 double accumulators"});
  r.add({.op = "euclidean_distance", .backend = B, .variant = "simd", .rung = 2, .kernels = {euclidean_distance_f32_simd},
         .summary = "Highway SIMD, 4 double accumulators"});
  r.add({.op = "quantize",           .backend = B, .variant = "simd", .rung = 2, .kernels = {simd_scaled<float, int8_t, simd::quantize_f32>},
         .summary = "Highway SIMD, divide, clamp, round half to even"});
  r.add({.op = "dequantize",         .backend = B, .variant = "simd", .rung = 2, .kernels = {simd_scaled<int8_t, float, simd::dequantize_i8>, simd_scaled<int32_t, float, simd::dequantize_i32>},
         .summary = "Highway SIMD, float(q) · scale"});

  // The simd kernels split over the thread pool; below the grain they run inline.
  r.add({.op = "relu",               .backend = B, .variant = "parallel", .rung = 3, .kernels = {parallel_unary<kRelu, float, simd::relu_f32>, parallel_unary<kRelu, int8_t, simd::relu_i8>},
         .summary = "simd over the thread pool in chunks"});
  r.add({.op = "add",                .backend = B, .variant = "parallel", .rung = 3, .kernels = {parallel_binary<kAdd, simd::add_f32>},
         .summary = "simd over the thread pool in chunks"});
  r.add({.op = "mul",                .backend = B, .variant = "parallel", .rung = 3, .kernels = {parallel_binary<kMul, simd::mul_f32>},
         .summary = "simd over the thread pool in chunks"});
  r.add({.op = "squared_difference", .backend = B, .variant = "parallel", .rung = 3, .kernels = {parallel_binary<kSquaredDifference, simd::squared_difference_f32>},
         .summary = "simd over the thread pool in chunks"});
  r.add({.op = "dot",                .backend = B, .variant = "parallel", .rung = 3, .kernels = {dot_f32_parallel},
         .summary = "simd over fixed blocks on the pool, summed in block order"});
  r.add({.op = "euclidean_distance", .backend = B, .variant = "parallel", .rung = 3, .kernels = {euclidean_distance_f32_parallel},
         .summary = "simd over fixed blocks on the pool, summed in block order"});
  r.add({.op = "quantize",           .backend = B, .variant = "parallel", .rung = 3, .kernels = {parallel_scaled<kQuantize, float, int8_t, simd::quantize_f32>},
         .summary = "simd over the thread pool in chunks"});
  r.add({.op = "dequantize",         .backend = B, .variant = "parallel", .rung = 3, .kernels = {parallel_scaled<kDequantize, int8_t, float, simd::dequantize_i8>,
                                                                                              parallel_scaled<kDequantize, int32_t, float, simd::dequantize_i32>},
         .summary = "simd over the thread pool in chunks"});
  // clang-format on
}

}  // namespace hk
