// Inference-shaped GEMMs: the paths a matmul takes when its shape makes the packed GEMM
// (gemm_loops.hpp) the wrong tool, and the one place that chooses between them.
//
// The packed GEMM earns its packing by reusing each packed panel many times. Two families
// of shapes give it nothing to reuse:
// - M = 1 or N = 1 (a layer at batch 1, a GEMV): every element of the matrix operand is
//   used exactly once, so packing it is a second full pass over the largest operand. The
//   GEMV kernels (gemv.cpp) stream it once, in the caller's layout.
// - Small or skinny products (a few hundred thousand multiply-adds, or rows of A that fit
//   in L2 against any B): A sits in L1 or L2, so packed copies cost about as much as the
//   arithmetic they were meant to speed up. The small GEMM (gemm_f32_small.cpp) runs a
//   register-blocked tile straight on the caller's A and B, BLIS "sup" style; with B
//   transposed (a linear layer's (out, in) weights), or N too narrow for whole vectors of
//   columns (10 outputs), gemm_f32_nt.cpp's dot products. int8 products of a few rows (2
//   to 16, 2 to 11 where the AMX tiles take the rest) against a B in L2 take the int8
//   GEMV's kernel, each quad of B's rows interleaved once in registers for four rows of A,
//   or with B transposed, dot products along k with four rows of A.
//
// matmul_by_shape() is what the default variants (`parallel`, `vnni`) call first; it
// returns false when the shape belongs to the packed GEMM. The lower rungs (`simd`) stay
// the packed GEMM on one thread, so the ladder keeps teaching one technique per rung.
#pragma once

#include <cstdint>

#include "hk/registry.hpp"

namespace hk::cpu {

// ---- kernels, on the calling thread (a: (m, k) row stride lda; b: (k, n) row stride ldb) --

// y (n) = x (k) · b: B streamed row by row, partial sums of a block of columns kept in L1.
void gemv_f32_row(const float* x, const float* b, int64_t ldb, float* y, int64_t k, int64_t n);
// y (m) = a · x (k): one dot product per row of A, several rows sharing each load of x.
void gemv_f32_col(const float* a, int64_t lda, const float* x, float* y, int64_t m, int64_t k);
// The int8 forms: exact int32 results (wrapping modulo 2³² like matmul_i8_naive).
void gemv_i8_row(const int8_t* x, const int8_t* b, int64_t ldb, int32_t* y, int64_t k, int64_t n);
// Matrices up to this many bytes (an L2's worth: a layer's weights) are swept by blocks of
// columns whose sums stay in registers for all of K (gemv.cpp); larger ones stream row by row.
constexpr int64_t kGemvRegisterBlockBytes = 512 << 10;
// The width of tile t of n columns cut into `tiles` of near-equal width (10 in 3: 4, 3, 3),
// for the dot-product kernels, whose loads of a are shared by a tile's columns. `static`:
// the -mavx2 files inline it too, and each copy keeps its own ISA flags.
static inline int64_t near_equal_width(int64_t n, int64_t tiles, int64_t t) {
  return n / tiles + (t < n % tiles ? 1 : 0);
}
// The zmm vpdpbusd kernels below run on AVX512-VNNI with -BW only, and want k > 0:
// vnni_zmm(k) says whether they can run here (gemv.cpp; after the HK_CPU_ISA cap), and
// vnni_register_blocks(k, n) whether the register blocks can also take a k × n B (up to
// kGemvRegisterBlockBytes): the one condition for the GEMV and the few-rows GEMMs below.
// gemv_i8_row and gemv_i8_col take them where they can, else the portable Highway forms.
bool vnni_zmm(int64_t k);
bool vnni_register_blocks(int64_t k, int64_t n);
// Where there is no VNNI but AVX2 (after the HK_CPU_ISA cap), pairs_ymm(k): the int16-pair
// kernels below can run (k > 0); pairs_register_blocks(k, n): their form of the register
// blocks (gemm_i8_rows_pairs_ymm) takes the same B, at least 16 columns wide.
bool pairs_ymm(int64_t k);
bool pairs_register_blocks(int64_t k, int64_t n);
// gemv_i8_row's register blocks with vpdpbusd (gemv_i8_vnni_avx512.cpp).
void gemv_i8_row_vnni_zmm(const int8_t* x, const int8_t* b, int64_t ldb, int32_t* y, int64_t k, int64_t n);
// c (m × n, ldc) = a (m × k, lda) · b for a few rows: the same register blocks, each
// interleaved quad of B's rows feeding up to four rows of a (same CPUs, k > 0).
void gemm_i8_rows_vnni_zmm(const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb, int32_t* c, int64_t ldc,
                           int64_t m, int64_t k, int64_t n);
// c (m × n, ldc) = a (m × k, lda) · bᵀ, b (n × k, ldb): dot products along k, each load of a
// row of b feeding up to four rows of a (gemm_i8_nt_vnni_avx512.cpp): a layer with (out, in)
// weights at batch 1 to 16, and gemv_i8_col's vpdpbusd form (same CPUs, k > 0).
void gemm_i8_nt_vnni_zmm(const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb, int32_t* c, int64_t ldc,
                         int64_t m, int64_t k, int64_t n);
// c (m × n, ldc) = a (m × k, lda) · b for a few rows on AVX2 without VNNI: B's row pairs
// interleaved into int16 pairs in registers as B streams past, each block feeding up to four
// rows of a through vpmaddwd (gemm_i8_rows_pairs_avx2.cpp; k > 0, n ≥ 16; uses scratch slot 1).
void gemm_i8_rows_pairs_ymm(const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb, int32_t* c, int64_t ldc,
                            int64_t m, int64_t k, int64_t n);
// c (m × n, ldc) = a (m × k, lda) · bᵀ, b (n × k, ldb), on AVX2 without VNNI: dot products
// along k on int16 pairs, 2 rows of a × 4 of b per tile (gemm_i8_nt_pairs_avx2.cpp; k ≥ 0).
void gemm_i8_nt_pairs_ymm(const int8_t* a, int64_t lda, const int8_t* b, int64_t ldb, int32_t* c, int64_t ldc,
                          int64_t m, int64_t k, int64_t n);
// dst (n × k, consecutive) = b (k × n, consecutive, n ≤ 16) transposed, 16 × 16 bytes at a
// time by unpacks: a narrow B for the dot products above (same file, the same CPUs).
void transpose_i8_narrow(const int8_t* b, int64_t k, int64_t n, int8_t* dst);
void gemv_i8_row_portable(const int8_t* x, const int8_t* b, int64_t ldb, int32_t* y, int64_t k, int64_t n);
void gemv_i8_col(const int8_t* a, int64_t lda, const int8_t* x, int32_t* y, int64_t m, int64_t k);
void gemv_i8_col_portable(const int8_t* a, int64_t lda, const int8_t* x, int32_t* y, int64_t m, int64_t k);

// c (m × n, ldc) = a · b without packing either operand (gemm_f32_small.cpp); with an
// epilogue, c is a linear layer's output and each tile goes through it.
void gemm_f32_small(const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t m,
                    int64_t k, int64_t n, const kernel::Epilogue* ep = nullptr);

// The same tiles with b stored transposed (bt: n × k, row stride ldbt, a layer's (out, in)
// weights): each block of B's columns is transposed to a strip (K × the tile's width) first.
void gemm_f32_small_t(const float* a, int64_t lda, const float* bt, int64_t ldbt, float* c, int64_t ldc, int64_t m,
                      int64_t k, int64_t n, const kernel::Epilogue* ep = nullptr);

// dst (cols × rows, consecutive) = src (rows × cols, row stride ld) transposed, by 8 × 8
// register transposes where there is AVX2 (gemm_f32_small.cpp).
void transpose_f32(const float* src, int64_t ld, int64_t rows, int64_t cols, float* dst);

// c (m × n, ldc) = a · bᵀ with b (n × k, row stride ldb), neither operand packed
// (gemm_f32_nt.cpp): a linear layer with (out, in) weights; ep as above.
void gemm_f32_small_nt(const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t m,
                       int64_t k, int64_t n, const kernel::Epilogue* ep = nullptr);

// ---- the choice (gemm_shape.cpp) -------------------------------------------------------

// a: (m, k), b: (k, n), c: (m, n), row-major and contiguous; up to `threads` threads.
// Computes c and returns true when the shape takes a GEMV or the small GEMM; returns false,
// touching nothing, when it belongs to the packed GEMM.
bool matmul_f32_by_shape(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n, int threads);
bool matmul_i8_by_shape(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t k, int64_t n, int threads);

// The same choice for a linear layer (cpu/linear_fused.cpp): w (k, n), or (n, k) when
// w_out_in; out gets the epilogue. Returns false, touching nothing, when the shape belongs to
// the packed GEMM.
bool linear_f32_by_shape(const float* x, const float* w, float* out, int64_t m, int64_t k, int64_t n, bool w_out_in,
                         const kernel::Epilogue& ep, int threads);
bool linear_i8_by_shape(const int8_t* x, const int8_t* w, float* out, int64_t m, int64_t k, int64_t n, bool w_out_in,
                        const kernel::Epilogue& ep, int threads);

}  // namespace hk::cpu
