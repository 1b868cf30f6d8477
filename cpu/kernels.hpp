// Declarations of the CPU kernels that register_cpu.cpp lists. One technique per file;
// the signatures are the registry's (hk/registry.hpp): raw pointers, shapes as arguments.
#pragma once

#include <cstdint>

#include "hk/registry.hpp"

namespace hk::cpu {

// matmul_f32_naive.cpp / matmul_i8_naive.cpp — three nested loops, the teaching baseline.
void matmul_f32_naive(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n, const KernelContext&);
void matmul_i8_naive(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t k, int64_t n, const KernelContext&);

// matmul_blocked.cpp — cache-blocked loops; KernelContext::block_size is the block edge.
void matmul_f32_blocked(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n, const KernelContext&);
void matmul_i8_blocked(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t k, int64_t n, const KernelContext&);

// matmul_f32_simd.cpp / matmul_i8_simd.cpp — packed, cache-blocked GEMM with a
// register-blocked SIMD micro-kernel (f32 FMA; int8 as int16 pairs), one thread.
void matmul_f32_simd(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n, const KernelContext&);
void matmul_i8_simd(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t k, int64_t n, const KernelContext&);
// matmul_parallel.cpp — the simd GEMMs split over ctx.threads threads of the pool.
void matmul_f32_parallel(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n, const KernelContext&);
void matmul_i8_parallel(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t k, int64_t n, const KernelContext&);
// matmul_i8_vnni.cpp — int8 GEMM with vpdpbusd (AVX512-VNNI or AVX-VNNI), over the pool.
// cpu_has_vnni() is its registry requirement.
void matmul_i8_vnni(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t k, int64_t n, const KernelContext&);
bool cpu_has_vnni();

// elementwise_naive.cpp
void relu_f32_naive(const float* x, float* out, int64_t n, const KernelContext&);
void relu_i8_naive(const int8_t* x, int8_t* out, int64_t n, const KernelContext&);
void add_f32_naive(const float* x, const float* y, float* out, int64_t n, const KernelContext&);
void mul_f32_naive(const float* x, const float* y, float* out, int64_t n, const KernelContext&);
void squared_difference_f32_naive(const float* x, const float* y, float* out, int64_t n, const KernelContext&);

// reduce_naive.cpp
double dot_f32_naive(const float* x, const float* y, int64_t n, const KernelContext&);
double euclidean_distance_f32_naive(const float* x, const float* y, int64_t n, const KernelContext&);

// quantize_naive.cpp
void quantize_f32_naive(const float* x, float scale, int8_t* q, int64_t n, const KernelContext&);
void dequantize_i8_naive(const int8_t* q, float scale, float* x, int64_t n, const KernelContext&);
void dequantize_i32_naive(const int32_t* q, float scale, float* x, int64_t n, const KernelContext&);

// elementwise_simd.cpp / quantize_simd.cpp / reduce_simd.cpp — Highway, best target at run time.
void relu_f32_simd(const float* x, float* out, int64_t n, const KernelContext&);
void relu_i8_simd(const int8_t* x, int8_t* out, int64_t n, const KernelContext&);
void add_f32_simd(const float* x, const float* y, float* out, int64_t n, const KernelContext&);
void mul_f32_simd(const float* x, const float* y, float* out, int64_t n, const KernelContext&);
void squared_difference_f32_simd(const float* x, const float* y, float* out, int64_t n, const KernelContext&);
void quantize_f32_simd(const float* x, float scale, int8_t* q, int64_t n, const KernelContext&);
void dequantize_i8_simd(const int8_t* q, float scale, float* x, int64_t n, const KernelContext&);
void dequantize_i32_simd(const int32_t* q, float scale, float* x, int64_t n, const KernelContext&);
double dot_f32_simd(const float* x, const float* y, int64_t n, const KernelContext&);
double euclidean_distance_f32_simd(const float* x, const float* y, int64_t n, const KernelContext&);

// elementwise_parallel.cpp / reduce_parallel.cpp — the simd kernels over the thread pool.
void relu_f32_parallel(const float* x, float* out, int64_t n, const KernelContext&);
void relu_i8_parallel(const int8_t* x, int8_t* out, int64_t n, const KernelContext&);
void add_f32_parallel(const float* x, const float* y, float* out, int64_t n, const KernelContext&);
void mul_f32_parallel(const float* x, const float* y, float* out, int64_t n, const KernelContext&);
void squared_difference_f32_parallel(const float* x, const float* y, float* out, int64_t n, const KernelContext&);
void quantize_f32_parallel(const float* x, float scale, int8_t* q, int64_t n, const KernelContext&);
void dequantize_i8_parallel(const int8_t* q, float scale, float* x, int64_t n, const KernelContext&);
void dequantize_i32_parallel(const int32_t* q, float scale, float* x, int64_t n, const KernelContext&);
double dot_f32_parallel(const float* x, const float* y, int64_t n, const KernelContext&);
double euclidean_distance_f32_parallel(const float* x, const float* y, int64_t n, const KernelContext&);

}  // namespace hk::cpu
