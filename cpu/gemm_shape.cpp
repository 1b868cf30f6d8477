// The shape-aware choice of the default matmul variants (gemm_shape.hpp explains the
// paths): a GEMV for N = 1 or M = 1, the unpacked small GEMM for small f32 products, the
// packed GEMM (returns false) for everything else.
//
// Threads: a GEMV is bound by reading its matrix, so a second core helps once the matrix
// is large enough that reading it takes longer than waking a pool worker; below that it
// runs on the calling thread. x · B is split by columns (each thread streams its own
// columns of every row of B, so no output line is shared) or, when those columns are
// shorter than a page, along K (gemv_x_b); A · x by rows. The small GEMM
// takes products below the packed GEMM's own threading threshold (PackF32::kInlineMacs);
// it splits those over threads from a lower one, since it has no packing to share.
#include "cpu/gemm_shape.hpp"

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "cpu/gemm_i8_amx.hpp"
#include "cpu/gemm_loops.hpp"
#include "cpu/thread_pool.hpp"
#include "hk/cpu_features.hpp"

namespace hk::cpu {

namespace {

// A GEMV whose matrix is smaller than this (bytes) runs on the calling thread: it is read
// from the caches in less time than a sleeping worker takes to wake and share it (the
// 784 × 128 layer of the course's model, at batch 1, is below).
constexpr double kGemvInlineBytes = 1 << 19;

// Columns per unit of the x · B split: a whole number of 64-byte lines of int8 and f32.
constexpr int64_t kGemvColumnUnit = 64;

// Splits a GEMV of a `bytes`-byte matrix into parts of `units` units over the pool;
// body(first_unit, last_unit) computes a part. One part (the calling thread) when small.
template <class Body>
void gemv_split(double bytes, int64_t units, int threads, const Body& body) {
  threads = std::min({threads, ThreadPool::global().concurrency(), static_cast<int>(std::min<int64_t>(units, 1 << 20))});
  if (threads <= 1 || bytes < kGemvInlineBytes) {
    body(int64_t{0}, units);
    return;
  }
  ThreadPool::global().parallel_for(threads, 1, threads, [&](int64_t first, int64_t last) {
    for (int64_t t = first; t < last; ++t) body(t * units / threads, (t + 1) * units / threads);
  });
}

// x · B over threads is split by columns while each thread's share of a row of B is a 4 KiB
// page or longer, or while its part fits the GEMV's register blocks (read from L2 either
// way). Otherwise it is split along K: each thread then streams its own rows of B as one
// contiguous run into partial sums of every column, and the partials are added at the end.
// Two threads taking alternate pieces shorter than a page of every row both leave the
// prefetchers short streams, which only start on each new page.
constexpr int64_t kGemvSplitPageBytes = 4096;
// Rows of B per part of that split, at least: whole groups of the streaming kernel's four.
constexpr int64_t kGemvRowSplitUnit = 64;

// y (n) += p (n), wrapping for int32 like every int32 sum in hk.
template <class Acc>
void add_into(Acc* y, const Acc* p, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    if constexpr (std::is_same_v<Acc, int32_t>)
      y[j] = static_cast<int32_t>(static_cast<uint32_t>(y[j]) + static_cast<uint32_t>(p[j]));
    else
      y[j] += p[j];
  }
}

// y (n) = x (k) · B (k × n, row-major) over up to `threads` threads: by columns, or by rows
// of B when its rows are short (kGemvSplitPageBytes). finish(j0, j1) then runs on
// y[j0 … j1): per part on the thread that summed it, or once on the caller after the row
// split's partials are added.
template <class In, class Acc, class Row, class Finish>
void gemv_x_b(const In* x, const In* b, Acc* y, int64_t k, int64_t n, int threads, Row row, const Finish& finish) {
  const double bytes = static_cast<double>(sizeof(In)) * static_cast<double>(k) * static_cast<double>(n);
  if (threads <= 1 || bytes < kGemvInlineBytes) {  // gemv_split's one part, without asking the pool
    row(x, b, n, y, k, n);
    finish(int64_t{0}, n);
    return;
  }
  const int parts = std::min({threads, ThreadPool::global().concurrency(),
                              static_cast<int>(std::min<int64_t>(k / kGemvRowSplitUnit, 1 << 20))});
  const bool short_shares = n * static_cast<int64_t>(sizeof(In)) < parts * kGemvSplitPageBytes;
  if (parts > 1 && short_shares && bytes / parts > static_cast<double>(kGemvRegisterBlockBytes)) {
    // Parts 1 … parts-1 sum into the caller's scratch; part 0 straight into y.
    auto* partial = static_cast<Acc*>(pack_scratch(2, sizeof(Acc) * static_cast<std::size_t>((parts - 1) * n)));
    const int64_t groups = k / 4;
    ThreadPool::global().parallel_for(parts, 1, parts, [&](int64_t first, int64_t last) {
      for (int64_t t = first; t < last; ++t) {
        const int64_t p0 = t * groups / parts * 4, p1 = t + 1 == parts ? k : (t + 1) * groups / parts * 4;
        row(x + p0, b + p0 * n, n, t == 0 ? y : partial + (t - 1) * n, p1 - p0, n);
      }
    });
    for (int t = 1; t < parts; ++t) add_into(y, partial + (t - 1) * n, n);
    finish(int64_t{0}, n);
    return;
  }
  const int64_t units = (n + kGemvColumnUnit - 1) / kGemvColumnUnit;
  gemv_split(bytes, units, threads, [&](int64_t u0, int64_t u1) {
    const int64_t j0 = u0 * kGemvColumnUnit, j1 = std::min(u1 * kGemvColumnUnit, n);
    row(x, b + j0, n, y + j0, k, j1 - j0);
    finish(j0, j1);
  });
}

// A GEMV: c = a · b with m = 1 or n = 1. row(x, b, ldb, y, k, n) and col(a, lda, x, y, m, k)
// are the serial kernels.
template <class In, class Out, class Row, class Col>
bool gemv(const In* a, const In* b, Out* c, int64_t m, int64_t k, int64_t n, int threads, Row row, Col col) {
  const double bytes = static_cast<double>(sizeof(In)) * static_cast<double>(m) * static_cast<double>(k) *
                       static_cast<double>(n);  // the matrix operand: m·k or k·n elements
  if (n == 1) {  // A · b: a dot product per row (also M = N = 1: vectorized along k)
    gemv_split(bytes, m, threads, [&](int64_t i0, int64_t i1) { col(a + i0 * k, k, b, c + i0, i1 - i0, k); });
    return true;
  }
  if (m == 1) {  // a · B: B streamed row by row
    gemv_x_b(a, b, c, k, n, threads, row, [](int64_t, int64_t) {});
    return true;
  }
  return false;
}

// A linear layer's GEMV (m = 1 or n = 1): the sums into a scratch vector (n or m values, in
// L1 or L2), then, part by part on the thread that summed it, the epilogue into out. The
// matrix operand (w, or x when n = 1) is streamed once in its own layout: (out, in) weights
// make x · Wᵀ a dot product per row of W (col), (in, out) weights a sweep over W's rows (row).
template <class In, class Acc, class Row, class Col>
bool linear_gemv(const In* x, const In* w, float* out, int64_t m, int64_t k, int64_t n, bool out_in,
                 const Epilogue& ep, int threads, Row row, Col col) {
  if (m != 1 && n != 1) return false;
  const double bytes = static_cast<double>(sizeof(In)) * static_cast<double>(m) * static_cast<double>(k) *
                       static_cast<double>(n);
  auto* y = static_cast<Acc*>(pack_scratch(0, sizeof(Acc) * static_cast<std::size_t>(std::max(m, n))));
  // out[i0 … i1) of an (m, 1) or (1, n) result: 64 values at a time (finish_tile's width).
  auto finish = [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i += 64) {
      const int64_t len = std::min<int64_t>(64, i1 - i);
      if (n == 1)
        finish_tile<Acc>(y + i, 1, nullptr, out + i, 1, len, 1, ep);  // a column: len rows of one value
      else
        finish_tile<Acc>(y + i, len, nullptr, out + i, len, 1, len, epilogue_at(ep, i));
    }
  };
  if (n == 1) {  // x · w for a single output: a dot product per row of x (both layouts hold w as k values)
    gemv_split(bytes, m, threads, [&](int64_t i0, int64_t i1) {
      col(x + i0 * k, k, w, y + i0, i1 - i0, k);
      finish(i0, i1);
    });
  } else if (out_in) {  // x · Wᵀ: a dot product per row of W
    gemv_split(bytes, n, threads, [&](int64_t j0, int64_t j1) {
      col(w + j0 * k, k, x, y + j0, j1 - j0, k);
      finish(j0, j1);
    });
  } else {  // x · W: W streamed row by row
    gemv_x_b(x, w, y, k, n, threads, row, finish);
  }
  return true;
}

// Small products below this many multiply-adds run on the calling thread: split over two
// cores, 64³ to 96³ and 32 × 256 × 128 took as long as on one, the worker's wake-up and the
// second core's misses on A and C eating the half saved.
constexpr double kSmallInlineMacs = 1 << 20;
// The tiny products matmul_f32_by_shape sends straight to the small GEMM: K < kTinyK (a
// panel of B under 32 KiB, a quarter of a 128 KiB L2) and M·N ≤ kTinyMN (64 × 64), so
// M·K·N < kSmallInlineMacs.
constexpr int64_t kTinyK = 256;
constexpr int64_t kTinyMN = 4096;
static_assert((kTinyK - 1) * kTinyMN < kSmallInlineMacs, "a tiny product runs on one thread");
// Rows per unit of the small GEMM's row split: whole row tiles on every target (12, 6, 4).
constexpr int64_t kRowUnit = 24;

// The small GEMM reads B's block (K × one tile of columns) from L2 once per tile of rows
// instead of packing it; past a quarter of L2 the packed GEMM's K blocking wins. It also
// reads A once per tile of columns, where the packed GEMM packs A once and reuses the copy
// for every tile: that pays while A stays in L2 (half of it, beside B's block), however
// wide B (a layer of 1024 outputs at batch 64), or when there are few tiles of columns
// (N ≤ 128: a layer of 128 outputs at batch 256).
bool small_f32(int64_t m, int64_t k, int64_t n) {
  const double macs = static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n);
  const int64_t l2 = cpu_features().l2_bytes > 0 ? cpu_features().l2_bytes : 256 << 10;
  const int64_t panel_bytes = k * 32 * static_cast<int64_t>(sizeof(float));  // K × 32 columns: a B block of 2 AVX-512 vectors
  const double a_bytes = static_cast<double>(m) * static_cast<double>(k) * sizeof(float);
  const bool a_reread_cheaply = n <= 128 || a_bytes <= static_cast<double>(l2) / 2;
  return (macs < PackF32::kInlineMacs || a_reread_cheaply) && panel_bytes <= l2 / 4;
}

// The dot-product GEMM (gemm_f32_nt.cpp) sweeps all of x once per four rows of W, and
// reads W once: it pays while x stays in L2 (half of it, beside the streaming W), however
// wide the layer, and beats packing W, which reads and writes W once more.
bool small_f32_nt(int64_t m, int64_t k, int64_t n) {
  const int64_t l2 = cpu_features().l2_bytes > 0 ? cpu_features().l2_bytes : 256 << 10;
  const double x_bytes = static_cast<double>(m) * static_cast<double>(k) * sizeof(float);
  return x_bytes <= static_cast<double>(l2) / 2 || small_f32(m, k, n);
}

// int8 products of a few rows (a layer at batch 2 to kFewRowsI8) against a B within the
// GEMV's register blocks: B read once in the caller's layout, by the GEMV's interleave in
// registers shared by four rows at a time (gemm_i8_rows_vnni_zmm), or for (out, in) weights
// by dot products along k (gemm_i8_nt_vnni_zmm), instead of packing B for the VNNI or AMX
// GEMM, a pass over all of the weights that a few rows cannot repay. The AMX tiles take the
// shapes they pay for from their own row limit up (matmul_i8_amx.cpp's kAmxMinRows). On the
// calling thread, as the GEMV of such a B (kGemvInlineBytes).
constexpr int64_t kFewRowsI8 = 16;
bool few_rows_i8(int64_t m, int64_t k, int64_t n) {
  return m > 1 && m <= kFewRowsI8 && vnni_register_blocks(k, n) && !(cpu_has_amx() && amx_pays(m, k, n));
}

// Without VNNI, a few rows against weights in L2 (batch 2 to kFewRowsPairs): (in, out)
// weights' row pairs interleaved into int16 pairs in registers, each block feeding four rows
// through vpmaddwd (gemm_i8_rows_pairs_ymm); (out, in) weights' rows, whose pairs are already
// side by side, as dot products along k (gemm_i8_nt_pairs_ymm); both instead of packing all
// of B into pairs first. Timed against the packed GEMM at 784 × 128: 2.5 times as fast at 2
// rows, 1.1 times at 8, slower from 12, where the packing is repaid; so is a product large
// enough for threads.
constexpr int64_t kFewRowsPairs = 8;
bool few_rows_pairs(int64_t m, int64_t k, int64_t n) {
  const double macs = static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n);
  return m > 1 && m <= kFewRowsPairs && macs < kSmallInlineMacs && pairs_register_blocks(k, n);
}

// Without VNNI, an int8 product narrower than the pairs' 16-column blocks (a classifier
// head's 10 outputs), of any rows up to the threads' threshold: dot products along k
// (gemm_i8_nt_pairs_ymm) on B's rows, (in, out) weights transposed into scratch slot 1
// first (transpose_i8_narrow), since they waste no lanes where the packed GEMM pads N to 16
// and packs both operands (64 × 128 × 10: 0.6 of the packed GEMM's time, transposition
// included; 4 × 128 × 10: 0.3).
bool narrow_pairs(int64_t m, int64_t k, int64_t n) {
  const double macs = static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n);
  return m > 1 && n > 1 && n < 16 && macs < kSmallInlineMacs && pairs_ymm(k);
}

// c (m × n) = a · b through the pairs' few-rows or narrow kernels, b (k × n) or, b_t, (n × k).
void i8_pairs(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t k, int64_t n, bool b_t) {
  if (b_t) {
    gemm_i8_nt_pairs_ymm(a, k, b, k, c, n, m, k, n);
  } else if (n >= 16) {
    gemm_i8_rows_pairs_ymm(a, k, b, n, c, n, m, k, n);
  } else {
    auto* bt = static_cast<int8_t*>(pack_scratch(1, static_cast<std::size_t>(n * k)));
    transpose_i8_narrow(b, k, n, bt);
    gemm_i8_nt_pairs_ymm(a, k, bt, k, c, n, m, k, n);
  }
}

// b (n, k), a layer's (out, in) weights: from kTransposeRows rows and kTransposeCols columns
// up, each block of B's columns is transposed to a strip for the small GEMM's tiles
// (gemm_f32_small_t), which read a third of the dot products' bytes from L2 per multiply-add:
// two vectors of B per 12 multiply-add vectors, where a 4 × 4 dot-product tile loads 8 per
// 16, of a and of b. Fewer rows take the dot products (gemm_f32_nt.cpp), which read W once
// as stored, since there the transposition costs more than it saves (timed at 784 × 128:
// slower at 4 rows, faster from 8, twice as fast from 32); so do narrower products, whose
// dot products waste no lanes.
constexpr int64_t kTransposeRows = 8, kTransposeCols = 16;

// The small GEMM over threads; with an epilogue, c is a linear layer's output. b_t: b is
// (n, k), and the product a · bᵀ (gemm_f32_small_t or gemm_f32_small_nt, above).
void small_f32_split(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n, int threads,
                     const Epilogue* ep, bool b_t = false) {
  const bool transpose = b_t && m >= kTransposeRows && n >= kTransposeCols;
  const auto kernel = !b_t ? &gemm_f32_small : transpose ? &gemm_f32_small_t : &gemm_f32_small_nt;
  const int64_t ldb = b_t ? k : n;
  // Split by columns when there are enough (each thread reads its own columns of B, which
  // is the operand the small GEMM re-reads), else by rows; units are whole tiles on every
  // target (64 columns, 24 rows).
  const double macs = static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n);
  threads = macs < kSmallInlineMacs ? 1 : std::min(threads, ThreadPool::global().concurrency());
  const int64_t col_units = (n + kGemvColumnUnit - 1) / kGemvColumnUnit, row_units = (m + kRowUnit - 1) / kRowUnit;
  const bool by_cols = col_units >= threads;
  const int64_t units = by_cols ? col_units : row_units;
  const int parts = static_cast<int>(std::min<int64_t>(threads, units));
  // A's rows a multiple of 4 KiB apart (K a multiple of 1024) all fall in one set of L1, and a
  // tile's rows (12 on AVX-512) outnumber its ways: each part copies the rows it reads to
  // rows 64 bytes longer first, a pass over its rows that the tile's misses cost many times.
  const bool pad_a = (!b_t || transpose) && m > 1 && k > 0 && (k * static_cast<int64_t>(sizeof(float))) % 4096 == 0;
  auto rows_of_a = [&](int64_t i0, int64_t i1, int64_t& lda) -> const float* {
    lda = k;
    if (!pad_a) return a + i0 * k;
    lda = k + 16;
    auto* copy = static_cast<float*>(pack_scratch(0, sizeof(float) * static_cast<std::size_t>((i1 - i0) * lda)));
    for (int64_t i = i0; i < i1; ++i) std::copy(a + i * k, a + i * k + k, copy + (i - i0) * lda);
    return copy;
  };
  auto part = [&](int64_t u0, int64_t u1) {
    int64_t lda = k;
    if (by_cols) {
      const int64_t j0 = u0 * kGemvColumnUnit, j1 = std::min(u1 * kGemvColumnUnit, n);
      const Epilogue ep_j = ep ? epilogue_at(*ep, j0) : Epilogue{};
      const float* ap = rows_of_a(0, m, lda);
      kernel(ap, lda, b + (b_t ? j0 * k : j0), ldb, c + j0, n, m, k, j1 - j0, ep ? &ep_j : nullptr);
    } else {
      const int64_t i0 = u0 * kRowUnit, i1 = std::min(u1 * kRowUnit, m);
      const float* ap = rows_of_a(i0, i1, lda);
      kernel(ap, lda, b, ldb, c + i0 * n, n, i1 - i0, k, n, ep);
    }
  };
  if (parts <= 1) {
    part(0, units);
    return;
  }
  ThreadPool::global().parallel_for(parts, 1, parts, [&](int64_t first, int64_t last) {
    for (int64_t t = first; t < last; ++t) part(t * units / parts, (t + 1) * units / parts);
  });
}

// A product this narrow (N under 16, and a quarter or more of the lanes of N rounded up to
// 8 left empty: the classifier head's 10 outputs in 16) wastes that share of the small
// GEMM's multiply-adds, since its tiles are whole vectors of columns. Dot products along k
// (gemm_f32_nt.cpp) waste none: B (K × N, under a quarter of L2 on the paths that ask) is
// transposed into the calling thread's scratch, then each output is a row of A with a row
// of the copy. The copy pays from about kNarrowRows rows up (timed against the small GEMM
// at K = 128, N from 3 to 15: even at 16 rows, faster from 32 where a quarter of the lanes
// or more would be empty, slower at 7, 14 and 15 columns). False for any other shape.
constexpr int64_t kNarrowN = 16, kNarrowRows = 32;
// Its copy of B is in scratch slot 1, where gemm_f32_small_t keeps its strip: its products
// must stay on the dot products.
static_assert(kNarrowN <= kTransposeCols, "narrow_f32's transposed B would be overwritten by the strip");
bool narrow_f32(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n, int threads,
                const Epilogue* ep) {
  const int64_t lanes = (n + 7) / 8 * 8;  // N in whole 8-lane vectors
  if (n >= kNarrowN || 4 * (lanes - n) < lanes || m < kNarrowRows || k < 1) return false;
  auto* bt = static_cast<float*>(pack_scratch(1, sizeof(float) * static_cast<std::size_t>(n * k)));
  transpose_f32(b, n, k, n, bt);
  small_f32_split(a, bt, c, m, k, n, threads, ep, true);
  return true;
}

}  // namespace

bool matmul_f32_by_shape(const float* a, const float* b, float* c, int64_t m, int64_t k, int64_t n, int threads) {
  // A tiny product (16³ to 64³, the classifier head 64 × 128 × 10) is the small GEMM on the
  // calling thread whatever the rest of this function would weigh: B's panel is within L2's
  // quarter, the split keeps it on one thread, K is no multiple of 1024 (no padded copy of
  // A), and M, N > 1 rule out the GEMVs. Deciding that first spares a 16³ call the weighing.
  if (m > 1 && n > 1 && k < kTinyK && m * n <= kTinyMN) {
    if (!narrow_f32(a, b, c, m, k, n, 1, nullptr)) gemm_f32_small(a, k, b, n, c, n, m, k, n);
    return true;
  }
  if (gemv(a, b, c, m, k, n, threads, &gemv_f32_row, &gemv_f32_col)) return true;
  if (!small_f32(m, k, n)) return false;
  if (!narrow_f32(a, b, c, m, k, n, threads, nullptr)) small_f32_split(a, b, c, m, k, n, threads, nullptr);
  return true;
}

bool linear_f32_by_shape(const float* x, const float* w, float* out, int64_t m, int64_t k, int64_t n, bool w_out_in,
                         const Epilogue& ep, int threads) {
  if (linear_gemv<float, float>(x, w, out, m, k, n, w_out_in, ep, threads, &gemv_f32_row, &gemv_f32_col)) return true;
  if (w_out_in ? !small_f32_nt(m, k, n) : !small_f32(m, k, n)) return false;
  // (out, in) weights: transposed block by block, or dot products along k (small_f32_split).
  if (w_out_in || !narrow_f32(x, w, out, m, k, n, threads, &ep)) small_f32_split(x, w, out, m, k, n, threads, &ep, w_out_in);
  return true;
}

bool linear_i8_by_shape(const int8_t* x, const int8_t* w, float* out, int64_t m, int64_t k, int64_t n, bool w_out_in,
                        const Epilogue& ep, int threads) {
  if (linear_gemv<int8_t, int32_t>(x, w, out, m, k, n, w_out_in, ep, threads, &gemv_i8_row, &gemv_i8_col)) return true;
  const bool pairs = few_rows_pairs(m, k, n) || narrow_pairs(m, k, n);
  if (!pairs && !few_rows_i8(m, k, n)) return false;
  auto* sums = static_cast<int32_t*>(pack_scratch(0, sizeof(int32_t) * static_cast<std::size_t>(m * n)));
  if (pairs)
    i8_pairs(x, w, sums, m, k, n, w_out_in);
  else if (w_out_in)
    gemm_i8_nt_vnni_zmm(x, k, w, k, sums, n, m, k, n);  // dot products with W's rows, as stored
  else
    gemm_i8_rows_vnni_zmm(x, k, w, n, sums, n, m, k, n);
  for (int64_t j = 0; j < n; j += 64)  // finish_tile's width, as in linear_gemv
    finish_tile<int32_t>(sums + j, n, nullptr, out + j, n, m, std::min<int64_t>(64, n - j), epilogue_at(ep, j));
  return true;
}

bool matmul_i8_by_shape(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t k, int64_t n, int threads) {
  if (gemv(a, b, c, m, k, n, threads, &gemv_i8_row, &gemv_i8_col)) return true;
  if (few_rows_pairs(m, k, n) || narrow_pairs(m, k, n)) {
    i8_pairs(a, b, c, m, k, n, false);
    return true;
  }
  if (!few_rows_i8(m, k, n)) return false;
  gemm_i8_rows_vnni_zmm(a, k, b, n, c, n, m, k, n);
  return true;
}

}  // namespace hk::cpu
