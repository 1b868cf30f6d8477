// matmul `amx` (int8): the GEMM on Intel AMX tiles (Sapphire Rapids and later Xeons), the
// rung above vnni. The tiles' arithmetic is gemm_i8_amx_tiles.cpp; this file feeds them.
//
// Why it is faster: one tdpbssd does 16,384 int8 multiply-adds, where a vpdpbusd on zmm does
// 64; the tile unit runs them at several times vnni's peak, and the sums are exact int32 as
// vnni's. Its cost is in the feeding: B is packed into 4-k quads once per call (vnni's
// layout, with K padded to the tile's 64: pack_b_amx_zmm), and A is read in place,
// all but the two ends the tiles would read past (the last k step of rows whose K is not a
// multiple of 64, and a last block of fewer than 32 rows), which go through small
// zero-padded copies.
//
// Loops: each thread takes a range of B's 32-column panels and packs them; then, for each
// block of A's rows that stays in L2 (a quarter of it), every panel sweeps the block, 32 × 32
// of C at a time (amx_block). C's edge blocks go through a stack tile, and so does every
// block of a linear layer (linear_i8_amx), whose epilogue finishes it there.
//
// Other products run as vnni runs them (matmul_i8_vnni: GEMV, few-rows kernel, packed VNNI
// GEMM), where the tiles would cost more than they save: small ones (the packing and tile
// set-up), ones with too few rows to repay packing B (under kAmxMinRows: the few-rows kernel
// packs nothing), and ones whose K and N, padded to the tiles' 64 and 32, would leave under
// kAmxMinUseful of the tiles' work useful. Rows are not counted there: a last block of fewer
// than 32 rows wastes tile work only, which the tiles do at several times vnni's rate, while
// the cost that rows must repay is the packing of B, which the packed VNNI GEMM pays too. So
// `amx` is the best int8 matmul at every shape, and the lecture ladder shows what the tiles
// buy.
//
// Linux grants a process the AMX register state only on request (arch_prctl
// ARCH_REQ_XCOMP_PERM), which hk makes on the first call that uses the tiles, not at load:
// the larger signal frames it brings are only paid by programs that use AMX. If the kernel
// refuses, the call runs as vnni and its timing record says why.
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "common/src/dispatch.hpp"
#include "cpu/gemm_epilogue.hpp"
#include "cpu/gemm_i8_amx.hpp"
#include "cpu/gemm_i8_vnni.hpp"
#include "cpu/gemm_loops.hpp"
#include "cpu/gemm_pack.hpp"
#include "cpu/thread_pool.hpp"
#include "hk/cpu_features.hpp"
#include "hk/error.hpp"
#include "hk/registry.hpp"

namespace hk::cpu {

kernel::MatmulI8Fn matmul_i8_vnni;  // matmul_i8_vnni.cpp

namespace {

// Below these, a product goes to vnni (see above). The rows: where the few-rows kernel and
// the tiles tied for a layer of 784 × 128 (gemm_shape.cpp's few_rows_i8 defers to the tiles
// from here); the useful share: where the tiles and the packed VNNI GEMM tied, K = 70 of a
// padded 128 (N = 40 of 64 still ran faster on the tiles).
constexpr double kAmxMinMacs = 1 << 20, kAmxMinUseful = 0.55;
constexpr int64_t kAmxMinRows = 12;
// Below this, a product on the tiles runs on the calling thread: the tiles finish it in about
// the time a second core takes to wake, pack its share of B and read A from the first core's
// cache (a linear layer's quantized input), so the split gains nothing. Where a thread sweep
// of int8 linear (k = 784, n = 128) first showed two threads ahead: between m = 128 and 192.
constexpr double kAmxInlineMacs = 1 << 24;

}  // namespace

bool amx_pays(int64_t m, int64_t k, int64_t n) {
  const double macs = static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n);
  if (m < kAmxMinRows || n < kAmxBlockCols || k < kAmxK || macs < kAmxMinMacs) return false;
  // Rows padded to a whole block are not counted (see kAmxMinRows).
  const double padded = static_cast<double>(m) * static_cast<double>(round_up(k, kAmxK)) *
                        static_cast<double>(round_up(n, kAmxBlockCols));
  return macs >= kAmxMinUseful * padded;
}

// arch_prctl's request for the AMX tile data state (Linux 5.16+, asm/prctl.h).
constexpr int kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;

const std::string& amx_refusal() {
  static const std::string why = [] {
    if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0) return std::string();
    return "Linux refused this process the AMX tile state (arch_prctl ARCH_REQ_XCOMP_PERM: " +
           std::string(std::strerror(errno)) + ")";
  }();
  return why;
}

bool cpu_has_amx() { return cpu_features().amx_int8; }

// a: (m, k); b: (k, n), or linear's (out, in) weights (n, k).
ComputeUnit tiles_where_they_pay(const Shape& a, const Shape& b, DType dtype) {
  if (dtype != DType::i8 || !cpu_has_amx() || a.size() != 2 || b.size() != 2) return ComputeUnit::simd;
  const int64_t m = a[0], k = a[1], n = b[0] == k ? b[1] : b[0];
  return amx_pays(m, k, n) ? ComputeUnit::amx_tiles : ComputeUnit::simd;
}

namespace {

// Whether this product goes to the tiles: AMX, a shape that pays, and the tile state granted
// (a refusal is noted in the call's record).
bool amx_takes(int64_t m, int64_t k, int64_t n) {
  if (!cpu_has_amx() || !amx_pays(m, k, n)) return false;
  if (const std::string& why = amx_refusal(); !why.empty()) {
    detail::note_call(why + "; ran as vnni");
    return false;
  }
  return true;
}

// The product on the tiles: a (m, k) by b (k, n), or by b stored transposed (n, k); into the
// int32 c, or, with an epilogue, into the f32 out.
void amx_gemm(const int8_t* a, const int8_t* b, bool b_t, int64_t m, int64_t k, int64_t n, int threads, int32_t* c,
              float* out, const Epilogue* ep) {
  // A is read in place, except where the tiles would read past it: the last k step of rows
  // whose K is not a multiple of 64 (k_end: those columns of every whole row block, zero-padded
  // to 64; B's zero rows cancel the padding), and a last row block of fewer than 32 rows
  // (m_end: those rows, zero rows after them). Both are small next to A.
  const int64_t steps = k / kAmxK, k_rest = k % kAmxK, kp = round_up(k, kAmxK);
  const int64_t m_whole = m / kAmxBlockRows * kAmxBlockRows, m_rest = m - m_whole;
  const std::size_t end_bytes = static_cast<std::size_t>((k_rest ? m_whole * kAmxK : 0) + (m_rest ? kAmxBlockRows * kp : 0));
  int8_t* k_end = nullptr;
  int8_t* m_end = nullptr;
  if (end_bytes) {
    auto* scratch = static_cast<int8_t*>(pack_scratch(0, end_bytes));
    if (k_rest) {
      k_end = scratch;
      for (int64_t i = 0; i < m_whole; ++i) {
        std::memcpy(k_end + i * kAmxK, a + i * k + steps * kAmxK, static_cast<std::size_t>(k_rest));
        std::memset(k_end + i * kAmxK + k_rest, 0, static_cast<std::size_t>(kAmxK - k_rest));
      }
    }
    if (m_rest) {
      m_end = scratch + (k_rest ? m_whole * kAmxK : 0);
      std::memset(m_end, 0, static_cast<std::size_t>(kAmxBlockRows * kp));
      for (int64_t r = 0; r < m_rest; ++r)
        std::memcpy(m_end + r * kp, a + (m_whole + r) * k, static_cast<std::size_t>(k));
    }
  }

  // Rows of A per block: a quarter of L2, so the block stays there while every panel sweeps it.
  const int64_t l2 = cpu_features().l2_bytes > 0 ? cpu_features().l2_bytes : 1 << 20;
  const int64_t mp = round_up(m, kAmxBlockRows);
  const int64_t mc = std::clamp<int64_t>(l2 / 4 / kp / kAmxBlockRows * kAmxBlockRows, kAmxBlockRows, mp);
  const int64_t panels = (n + kAmxBlockCols - 1) / kAmxBlockCols;
  const int64_t panel_bytes = kp * kAmxBlockCols;  // kp/4 quad rows of 128 bytes
  // Threads split C by panels of columns (each packs only its panels of B), or, when A is the
  // larger operand, by row blocks (each packs all of B but reads only its rows of A, which
  // another core may have just written: a linear layer's quantized input).
  const int64_t row_blocks = mp / kAmxBlockRows;
  const bool by_rows = m > n && row_blocks > 1;
  if (static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n) < kAmxInlineMacs) threads = 1;
  const int parts = static_cast<int>(
      std::min<int64_t>(std::min(threads, ThreadPool::global().concurrency()), by_rows ? row_blocks : panels));
  // B's quads: pack_b_amx_zmm where vnni's plan packs with AVX-512 (every CPU with AMX so
  // far, unless HK_CPU_ISA says otherwise), a pass over all of a thread's panels without vnni's
  // column sums; else vnni's packing, panel by panel.
  const GemmPlan<PackI8Vnni>* plan = vnni_plan_if_any();
  const bool zmm_pack = plan && plan->pack_b == &pack_b_vnni_zmm;
  const GemmPlan<PackI8Vnni>::PackB pack = plan ? (b_t ? plan->pack_b_t : plan->pack_b)
                                                : (b_t ? &pack_b_t<PackI8Vnni> : &pack_b<PackI8Vnni>);

  // Panels [p0, p1) of C's columns, rows [r0, r1) (multiples of 32, r1 ≤ mp).
  auto part = [&](int64_t p0, int64_t p1, int64_t r0, int64_t r1) {
    auto* pb = static_cast<int8_t*>(pack_scratch(1, static_cast<std::size_t>((p1 - p0) * panel_bytes)));
    int32_t comp[kAmxBlockCols];  // vnni's column sums, which s8 × s8 tiles do not need
    if (zmm_pack)
      pack_b_amx_zmm(b, b_t, b_t ? k : n, k, p0 * kAmxBlockCols, std::min(n, p1 * kAmxBlockCols), kp, pb);
    else
      for (int64_t p = p0; p < p1; ++p) {
        const int64_t j0 = p * kAmxBlockCols, cols = std::min(kAmxBlockCols, n - j0);
        int8_t* dst = pb + (p - p0) * panel_bytes;
        pack(b_t ? b + j0 * k : b + j0, b_t ? k : n, k, cols, static_cast<int>(kAmxBlockCols), dst, comp);
        const int64_t packed = round_up(k, 4) * kAmxBlockCols;  // the packing zero-fills to a whole quad
        std::memset(dst + packed, 0, static_cast<std::size_t>(panel_bytes - packed));
      }
    amx_begin();
    alignas(64) int32_t tile[kAmxBlockRows * kAmxBlockCols];
    for (int64_t i0 = r0; i0 < r1; i0 += mc) {
      const int64_t i1 = std::min(r1, i0 + mc);
      for (int64_t p = p0; p < p1; ++p) {
        const int64_t j0 = p * kAmxBlockCols, cols = std::min(kAmxBlockCols, n - j0);
        const int8_t* bp = pb + (p - p0) * panel_bytes;
        for (int64_t i = i0; i < i1; i += kAmxBlockRows) {
          const int64_t rows = std::min(kAmxBlockRows, m - i);
          const bool whole = rows == kAmxBlockRows;
          const auto block = [&](int32_t* to, int64_t ld) {
            if (whole)
              amx_block(steps, a + i * k, k, k_end ? k_end + i * kAmxK : nullptr, kAmxK, bp, to, ld);
            else
              amx_block(kp / kAmxK, m_end, kp, nullptr, 0, bp, to, ld);
          };
          if (ep) {  // linear: the sums through the epilogue, from a tile in L1
            block(tile, kAmxBlockCols);
            finish_tile_i32(tile, kAmxBlockCols, nullptr, out + i * n + j0, n, rows, cols, epilogue_at(*ep, j0));
          } else if (whole && cols == kAmxBlockCols) {
            block(c + i * n + j0, n);
          } else {  // an edge block of C
            block(tile, kAmxBlockCols);
            for (int64_t r = 0; r < rows; ++r)
              std::memcpy(c + (i + r) * n + j0, tile + r * kAmxBlockCols, static_cast<std::size_t>(cols) * sizeof(int32_t));
          }
        }
      }
    }
    amx_end();
  };
  if (parts <= 1) {
    part(0, panels, 0, mp);
    return;
  }
  ThreadPool::global().parallel_for(parts, 1, parts, [&](int64_t first, int64_t last) {
    for (int64_t t = first; t < last; ++t) {
      if (by_rows)
        part(0, panels, t * row_blocks / parts * kAmxBlockRows, (t + 1) * row_blocks / parts * kAmxBlockRows);
      else
        part(t * panels / parts, (t + 1) * panels / parts, 0, mp);
    }
  });
}

}  // namespace

// a: (m, k), b: (k, n), c: (m, n), row-major; on ctx.threads threads.
void matmul_i8_amx(const int8_t* a, const int8_t* b, int32_t* c, int64_t m, int64_t k, int64_t n,
                   const KernelContext& ctx) {
  if (!cpu_has_amx())
    throw BackendUnavailable("matmul amx needs AMX-INT8 with the OS's tile state, which this CPU (after HK_CPU_ISA) lacks");
  if (!amx_takes(m, k, n)) {
    matmul_i8_vnni(a, b, c, m, k, n, ctx);
    return;
  }
  amx_gemm(a, b, false, m, k, n, ctx.threads, c, nullptr, nullptr);
}

bool linear_i8_amx(const int8_t* x, const int8_t* w, float* out, int64_t m, int64_t k, int64_t n, bool w_out_in,
                   const Epilogue& e, int threads) {
  if (!amx_takes(m, k, n)) return false;
  amx_gemm(x, w, w_out_in, m, k, n, threads, nullptr, out, &e);
  return true;
}

}  // namespace hk::cpu
