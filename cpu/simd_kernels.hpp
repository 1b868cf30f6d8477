// Entry points of the Highway kernels for a range of elements, shared by the `simd`
// variants (one call over the whole tensor) and the `parallel` variants (one call per
// chunk). Each one dispatches to the best Highway target HK_CPU_ISA allows.
//
// `stream`: use non-temporal stores (see simd_transform-inl.h). The caller decides once
// for the whole tensor with stream_stores(), so every chunk of a parallel call agrees.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hk::cpu::simd {

// True when an output of `bytes` is too large to stay in the caches, so writing it with
// streaming stores saves the read-for-ownership of every line.
bool stream_stores(std::size_t bytes);

// elementwise_simd.cpp
void relu_f32(const float* x, float* out, std::size_t n, bool stream);
void relu_i8(const int8_t* x, int8_t* out, std::size_t n, bool stream);
void add_f32(const float* x, const float* y, float* out, std::size_t n, bool stream);
void mul_f32(const float* x, const float* y, float* out, std::size_t n, bool stream);
void squared_difference_f32(const float* x, const float* y, float* out, std::size_t n, bool stream);

// quantize_simd.cpp
void quantize_f32(const float* x, float scale, int8_t* q, std::size_t n, bool stream);
// max|x| over n floats; non_finite says whether any is NaN or ±inf (symmetric_scale).
float max_abs_f32(const float* x, std::size_t n, bool& non_finite);
void dequantize_i8(const int8_t* q, float scale, float* x, std::size_t n, bool stream);
void dequantize_i32(const int32_t* q, float scale, float* x, std::size_t n, bool stream);

// reduce_simd.cpp: Σ x·y and Σ (x − y)², accumulated in double.
double dot_f32(const float* x, const float* y, std::size_t n);
double sum_squared_difference_f32(const float* x, const float* y, std::size_t n);

}  // namespace hk::cpu::simd
