// The GEMM building blocks below the registry: every micro-kernel on every SIMD target this
// machine can run (not only the one dispatch picks), through the loop nest with tiny block
// sizes so that every loop of it runs more than once and every edge case (partial tiles,
// partial k groups, several k blocks accumulating into C) is hit. The equivalence test
// covers the registered variants with the default blocking; this one covers the paths that
// the default blocking and the best target never reach on this machine.
#include <hwy/targets.h>

#include "cpu/gemm_i8_amx.hpp"
#include "cpu/gemm_i8_vnni.hpp"
#include "cpu/gemm_loops.hpp"
#include "cpu/gemm_parallel.hpp"
#include "cpu/gemm_shape.hpp"
#include "hk/cpu_features.hpp"
#include "hk/registry.hpp"
#include "hk_reference.hpp"
#include "test_util.hpp"

// The ymm VNNI tile compiled a second time with AVX512-VNNI + VL (tests/vnni_ymm_evex.cpp):
// the same source as the AVX-VNNI kernel, runnable on CPUs without AVX-VNNI.
namespace hk::cpu {
extern const int kVnniYmmMR_evex, kVnniYmmNR_evex;
extern const VnniTile vnni_ymm_tiles_evex[4];
}

namespace {

using namespace hk::cpu;
using namespace hk_test;

struct Shape3 { int64_t m, k, n; };

// Shapes relative to the tile: exact tiles, one past, one short, single rows/columns, and a
// right-edge tile of every vector count (the kernel's narrower edge variants).
std::vector<Shape3> shapes_for(int mr, int nr, int lanes) {
  std::vector<Shape3> s = {{1, 1, 1},           {int64_t(mr), 8, int64_t(nr)},    {int64_t(mr) + 1, 9, int64_t(nr) + 1},
                           {3 * mr - 1, 37, 2 * nr + 3}, {2, 130, 3 * nr},          {5 * mr, 3, 1},
                           {1, 67, 5 * nr - 1}, {4 * mr + 3, 100, 4 * nr + 5}};
  for (int v = 1; v * lanes <= nr; ++v) s.push_back({mr + 2, 41, nr + v * lanes - 1});
  return s;
}

// Blockings that make every loop of the nest iterate: small blocks (odd kc: k groups that
// straddle block boundaries), and the blocking the variant would use.
template <class P>
std::vector<GemmBlocking> blockings_for(const GemmPlan<P>& plan) {
  const int64_t mr = plan.kernel.mr, nr = plan.kernel.nr;
  return {{mr, 7, nr}, {2 * mr, 16, 3 * nr}, {3 * mr, 33, 2 * nr}, plan.blocking};
}

// C (m × n) with guard columns on the right and rows below, at an unaligned offset: the
// kernels must write exactly the m × n elements and nothing else.
template <class T> struct GuardedC {
  static constexpr int64_t kPad = 3;
  int64_t m, n, ldc;
  std::vector<T> buf;
  T sentinel;
  GuardedC(int64_t m_, int64_t n_, T s) : m(m_), n(n_), ldc(n_ + kPad), buf(size_t((m_ + 2) * (n_ + kPad) + 1), s), sentinel(s) {}
  T* c() { return buf.data() + 1 + ldc; }  // one guard row above, one element of misalignment
  T at(int64_t i, int64_t j) const { return buf[size_t(1 + ldc + i * ldc + j)]; }
  bool guards_intact() const {
    for (size_t idx = 0; idx < buf.size(); ++idx) {
      int64_t off = int64_t(idx) - 1 - ldc;
      bool inside = off >= 0 && off / ldc < m && off % ldc < n;
      if (!inside && std::memcmp(&buf[idx], &sentinel, sizeof(T)) != 0) return false;
    }
    return true;
  }
};

template <class P>
void check_f32_plan(const GemmPlan<P>& plan, const std::string& what) {
  for (const GemmBlocking& blk : blockings_for(plan))
    for (const Shape3& s : shapes_for(plan.kernel.mr, plan.kernel.nr, plan.kernel.lanes)) {
      SCOPED_TRACE(what + ": " + std::to_string(s.m) + "×" + std::to_string(s.k) + "×" + std::to_string(s.n) +
                   ", blocks mc " + std::to_string(blk.mc) + " kc " + std::to_string(blk.kc) + " nc " +
                   std::to_string(blk.nc));
      auto a = small_int_floats(size_t(s.m * s.k), unsigned(s.m + s.k)), b = small_int_floats(size_t(s.k * s.n), 7);
      auto ref = hk_ref::matmul(a, b, s.m, s.k, s.n);
      GuardedC<float> c(s.m, s.n, std::bit_cast<float>(0x7fa5a5a5u));
      GemmPlan<P> blocked = plan;
      blocked.blocking = blk;
      gemm_serial<P>(blocked, a.data(), s.k, b.data(), s.n, c.c(), c.ldc, s.m, s.k, s.n);
      ASSERT_TRUE(c.guards_intact()) << "wrote outside C";
      for (int64_t i = 0; i < s.m; ++i)
        for (int64_t j = 0; j < s.n; ++j) ASSERT_EQ(c.at(i, j), float(ref[size_t(i * s.n + j)])) << i << "," << j;
    }
}

template <class P>
void check_i8_plan(const GemmPlan<P>& plan, const std::string& what) {
  for (const GemmBlocking& blk : blockings_for(plan))
    for (const Shape3& s : shapes_for(plan.kernel.mr, plan.kernel.nr, plan.kernel.lanes)) {
      SCOPED_TRACE(what + ": " + std::to_string(s.m) + "×" + std::to_string(s.k) + "×" + std::to_string(s.n) +
                   ", blocks mc " + std::to_string(blk.mc) + " kc " + std::to_string(blk.kc) + " nc " +
                   std::to_string(blk.nc));
      auto a = int8s(size_t(s.m * s.k), unsigned(3 * s.m + s.k)), b = int8s(size_t(s.k * s.n), 11);
      auto ref = hk_ref::matmul_i8(a, b, s.m, s.k, s.n);
      GuardedC<int32_t> c(s.m, s.n, 0x5a5a5a5a);
      GemmPlan<P> blocked = plan;
      blocked.blocking = blk;
      gemm_serial<P>(blocked, a.data(), s.k, b.data(), s.n, c.c(), c.ldc, s.m, s.k, s.n);
      ASSERT_TRUE(c.guards_intact()) << "wrote outside C";
      for (int64_t i = 0; i < s.m; ++i)
        for (int64_t j = 0; j < s.n; ++j) ASSERT_EQ(int64_t(c.at(i, j)), ref[size_t(i * s.n + j)]) << i << "," << j;
    }
}

// −128 everywhere with a K so long that Σ a·b = 16384·K passes 2³¹: the exact answer wraps
// modulo 2³², as matmul_i8_naive's does. For the VNNI kernels Σ (a+128)·b and the
// correction wrap as well, and must still cancel exactly.
template <class P>
void check_i8_wraparound(const GemmPlan<P>& plan, const std::string& what) {
  SCOPED_TRACE(what);
  const int64_t m = plan.kernel.mr + 1, n = plan.kernel.nr + 2, k = 140001;
  std::vector<int8_t> a(size_t(m * k), -128), b(size_t(k * n), -128);
  a[5] = 127;
  b[7] = 127;
  b[size_t(k * n - 1)] = 0;
  auto ref = hk_ref::matmul_i8(a, b, m, k, n);
  GuardedC<int32_t> c(m, n, 0x5a5a5a5a);
  gemm_serial<P>(plan, a.data(), k, b.data(), n, c.c(), c.ldc, m, k, n);
  ASSERT_TRUE(c.guards_intact());
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      ASSERT_EQ(c.at(i, j), static_cast<int32_t>(static_cast<uint32_t>(ref[size_t(i * n + j)]))) << i << "," << j;
}

// Runs fn once per Highway target this CPU supports (after HK_CPU_ISA) and restores the
// normal dispatch afterwards.
template <class F> void for_each_target(F fn) {
  hk::variants();  // builds the registry, whose register_cpu() applies HK_CPU_ISA to Highway
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    hwy::GetChosenTarget().Update(hwy::SupportedTargets());
    fn(std::string(hwy::TargetName(target)));
    if (testing::Test::HasFatalFailure()) break;
  }
  hwy::SetSupportedTargetsForTest(0);
  hwy::GetChosenTarget().Update(hwy::SupportedTargets());
}

// Runs fn(form) with the f32 tiles' broadcasts pinned to each form in turn (targets with
// one form take it both times), then unpins.
template <class F> void for_each_broadcast_form(F fn) {
  for (auto [form, name] : {std::pair{F32Broadcast::folded, "folded"}, std::pair{F32Broadcast::in_register, "in a register"}}) {
    pin_f32_broadcast(form);
    EXPECT_EQ(f32_broadcast_folded(), form == F32Broadcast::folded);
    fn(std::string("broadcasts ") + name);
    if (testing::Test::HasFatalFailure()) break;
  }
  pin_f32_broadcast(F32Broadcast::by_cpu);
}

TEST(GemmKernels, F32OnEveryTarget) {
  int targets = 0;
  for_each_target([&](const std::string& name) {
    for_each_broadcast_form([&](const std::string& form) {
      auto plan = make_gemm_plan<PackF32>(gemm_f32_microkernel());
      EXPECT_EQ(name, plan.kernel.isa) << "dispatch did not follow the target";
      check_f32_plan(plan, "f32 " + name + ", " + form);
    });
    ++targets;
  });
  EXPECT_GE(targets, 1);
}

TEST(GemmKernels, I8PairsOnEveryTarget) {
  for_each_target([&](const std::string& name) {
    auto plan = make_gemm_plan<PackI8Pairs>(gemm_i8_microkernel());
    EXPECT_EQ(name, plan.kernel.isa);
    check_i8_plan(plan, "int16 pairs " + name);
    if (!HasFatalFailure()) check_i8_wraparound(plan, "int16 pairs " + name);
  });
}

TEST(GemmKernels, VnniZmm) {
  const hk::CpuFeatures& f = hk::cpu_features();
  if (!(f.avx512f && f.avx512vnni)) GTEST_SKIP() << "no AVX512-VNNI (after HK_CPU_ISA)";
  // With the portable packing, and with the AVX-512 packing the vnni variant uses.
  auto plan = make_gemm_plan<PackI8Vnni>(vnni_microkernel(kVnniZmmMR, kVnniZmmNR, 16, vnni_zmm_tiles, "AVX512-VNNI"));
  check_i8_plan(plan, "vnni zmm");
  if (!HasFatalFailure()) check_i8_wraparound(plan, "vnni zmm");
  if (HasFatalFailure() || !f.avx512bw) return;
  auto packed_zmm = vnni_zmm_plan();
  ASSERT_NE(packed_zmm.pack_a, plan.pack_a);
  check_i8_plan(packed_zmm, "vnni zmm, AVX-512 packing");
  if (!HasFatalFailure()) check_i8_wraparound(packed_zmm, "vnni zmm, AVX-512 packing");
}

// matmul `amx` on shapes it takes to the tiles: whole 32 × 64 × 32 blocks, and rows, k and
// columns past them (A through its zero-padded copy, C's edge blocks through the stack
// tile), on one thread and two; against int64. Products too small to split run on one thread
// either way (kAmxInlineMacs); the two that split: 160×402×288 by panels of B (nine: four
// and five, the second thread's last one 32 columns past a 64-column step), 544×256×160 by
// blocks of rows (each thread packs all of B).
TEST(GemmKernels, AmxTilesMatchInt64) {
  if (!hk::cpu_features().amx_int8) GTEST_SKIP() << "no AMX-INT8 (after HK_CPU_ISA)";
  for (const Shape3& s : {Shape3{64, 256, 64}, Shape3{120, 250, 120}, Shape3{200, 500, 60}, Shape3{256, 64, 96}, Shape3{32, 784, 128},
                          Shape3{160, 402, 288}, Shape3{544, 256, 160}}) {
    ASSERT_TRUE(amx_pays(s.m, s.k, s.n)) << s.m << "×" << s.k << "×" << s.n << " would run as vnni";
    const auto a = int8s(size_t(s.m * s.k), unsigned(s.m + s.k)), b = int8s(size_t(s.k * s.n), unsigned(s.n));
    const auto ref = hk_ref::matmul_i8(a, b, s.m, s.k, s.n);
    for (int threads : {1, 2}) {
      SCOPED_TRACE(std::to_string(s.m) + "×" + std::to_string(s.k) + "×" + std::to_string(s.n) + ", " +
                   std::to_string(threads) + " threads");
      const hk::Tensor c = hk::matmul(hk::Tensor::from_vector(a, {s.m, s.k}), hk::Tensor::from_vector(b, {s.k, s.n}),
                                      {.backend = hk::Backend::cpu, .variant = "amx", .threads = threads});
      if (const std::string note = hk::last_call_timing().note; !note.empty()) GTEST_SKIP() << note;
      const auto got = c.to_vector<int32_t>();
      for (int64_t i = 0; i < s.m * s.n; ++i) ASSERT_EQ(int64_t(got[size_t(i)]), ref[size_t(i)]) << "element " << i;
    }
  }
}

// linear's int8 layers on the tiles (linear_fused.cpp → linear_i8_amx), with bias and relu in
// the epilogue and both weight layouts, against the int64 sums: shapes with a K that is not a
// multiple of 64 (the last k step from its padded copy), fewer than 32 rows in the last block,
// and a last panel narrower than 32 columns; 160×402×288 large enough to split over two threads.
TEST(GemmKernels, AmxLinearWithItsEpilogueMatchesInt64) {
  if (!hk::cpu_features().amx_int8) GTEST_SKIP() << "no AMX-INT8 (after HK_CPU_ISA)";
  for (const Shape3& s : {Shape3{64, 256, 64}, Shape3{120, 784, 128}, Shape3{256, 240, 90}, Shape3{90, 1000, 60},
                          Shape3{160, 402, 288}}) {
    ASSERT_TRUE(amx_pays(s.m, s.k, s.n)) << s.m << "×" << s.k << "×" << s.n << " would run as vnni";
    const auto x = int8s(size_t(s.m * s.k), unsigned(s.m + 3 * s.k)), w = int8s(size_t(s.k * s.n), unsigned(s.n + 1));
    const auto scales = normal_floats(size_t(s.n), 5, 0.01f), bias = normal_floats(size_t(s.n), 6, 300.0f);
    std::vector<float> abs_scales(scales.size());
    for (size_t j = 0; j < scales.size(); ++j) abs_scales[j] = std::fabs(scales[j]) + 1e-3f;
    const float input_scale = 0.03f;
    for (hk::WeightLayout layout : {hk::WeightLayout::in_out, hk::WeightLayout::out_in}) {
      const bool out_in = layout == hk::WeightLayout::out_in;
      std::vector<int8_t> wl(w.size());  // w (k, n) in the layout asked for
      for (int64_t p = 0; p < s.k; ++p)
        for (int64_t j = 0; j < s.n; ++j) wl[size_t(out_in ? j * s.k + p : p * s.n + j)] = w[size_t(p * s.n + j)];
      const auto sums = hk_ref::matmul_i8(x, w, s.m, s.k, s.n);
      for (int threads : {1, 2}) {
        SCOPED_TRACE(std::to_string(s.m) + "×" + std::to_string(s.k) + "×" + std::to_string(s.n) + (out_in ? " (out, in), " : " (in, out), ") +
                     std::to_string(threads) + " threads");
        const hk::Tensor out = hk::linear(
            hk::Tensor::from_vector(x, {s.m, s.k}),
            hk::Tensor::from_vector(wl, out_in ? hk::Shape{s.n, s.k} : hk::Shape{s.k, s.n}), hk::Tensor::from_vector(bias, {s.n}),
            {.layout = layout, .relu = true, .weight_scales = hk::Tensor::from_vector(abs_scales, {s.n}), .input_scale = input_scale},
            {.backend = hk::Backend::cpu, .variant = "fused", .threads = threads});
        if (const std::string note = hk::last_call_timing().note; !note.empty()) GTEST_SKIP() << note;
        const auto got = out.to_vector<float>();
        for (int64_t i = 0; i < s.m; ++i)
          for (int64_t j = 0; j < s.n; ++j) {
            const float want = hk_ref::linear_i8_value(sums[size_t(i * s.n + j)], input_scale, abs_scales[size_t(j)],
                                                       &bias[size_t(j)], true);
            ASSERT_EQ(got[size_t(i * s.n + j)], want) << "element (" << i << ", " << j << ")";
          }
      }
    }
  }
}

// The registry says which calls of matmul `amx` and int8 linear `fused` run on the tiles (what
// hk-bench holds them to): the shapes amx_pays takes, on a CPU with AMX; no other call.
TEST(GemmKernels, AmxRowsSayWhichCallsRunOnTheTiles) {
  const hk::Registry& reg = hk::Registry::get();
  const hk::VariantRow* mm = reg.find("matmul", hk::Backend::cpu, "amx");
  const hk::VariantRow* lin = reg.find("linear", hk::Backend::cpu, "fused");
  ASSERT_TRUE(mm && lin && mm->unit && lin->unit);
  const auto tiles = hk::cpu_features().amx_int8 ? hk::ComputeUnit::amx_tiles : hk::ComputeUnit::simd;
  EXPECT_EQ(mm->unit({256, 784}, {784, 128}, hk::DType::i8), tiles);
  EXPECT_EQ(lin->unit({32, 784}, {784, 128}, hk::DType::i8), tiles);
  EXPECT_EQ(lin->unit({256, 784}, {128, 784}, hk::DType::i8), tiles);  // (out, in) weights
  EXPECT_EQ(lin->unit({256, 784}, {784, 128}, hk::DType::f32), hk::ComputeUnit::simd);
  EXPECT_EQ(mm->unit({16, 16}, {16, 16}, hk::DType::i8), hk::ComputeUnit::simd);
  EXPECT_EQ(mm->unit({1, 784}, {784, 128}, hk::DType::i8), hk::ComputeUnit::simd);   // a GEMV
  EXPECT_EQ(mm->unit({40, 784}, {784, 128}, hk::DType::i8), tiles);   // rows past a block: not counted
  EXPECT_EQ(mm->unit({12, 784}, {784, 128}, hk::DType::i8), tiles);   // the fewest rows
  EXPECT_EQ(mm->unit({11, 784}, {784, 128}, hk::DType::i8), hk::ComputeUnit::simd);
  EXPECT_EQ(mm->unit({256, 70}, {70, 128}, hk::DType::i8), hk::ComputeUnit::simd);  // K 45% padding
}

// −128 everywhere at the longest K int8 matmul takes (hk/ops.hpp): every sum is 16384·K, the
// largest magnitude an int32 has to hold, and the tiles' int32 sums must be exact.
TEST(GemmKernels, AmxSumsAtTheInt8KLimitAreExact) {
  if (!hk::cpu_features().amx_int8) GTEST_SKIP() << "no AMX-INT8 (after HK_CPU_ISA)";
  const int64_t m = 64, n = 32, k = 131071;
  ASSERT_TRUE(amx_pays(m, k, n));
  const hk::Tensor a = hk::Tensor::full({m, k}, -128, hk::DType::i8), b = hk::Tensor::full({k, n}, -128, hk::DType::i8);
  const hk::Tensor c = hk::matmul(a, b, {.backend = hk::Backend::cpu, .variant = "amx"});
  if (const std::string note = hk::last_call_timing().note; !note.empty()) GTEST_SKIP() << note;
  EXPECT_EQ(c.to_vector<int32_t>(), std::vector<int32_t>(size_t(m * n), int32_t(16384 * k)));
}

// The AVX-512 VNNI packing writes exactly the portable layout: every byte of the packed
// panels and every compensation sum, for row, k and column counts around each edge (a
// partial 8-row panel, a partial k quad, a partial 64-byte chunk, a partial 48-column
// panel), from inside a larger matrix (lda, ldb > the block), with guard bytes after each
// buffer that must stay untouched; B also stored transposed.
TEST(GemmKernels, VnniZmmPackingMatchesPortable) {
  const hk::CpuFeatures& f = hk::cpu_features();
  if (!(f.avx512f && f.avx512bw && f.avx512vnni)) GTEST_SKIP() << "no AVX512-VNNI + BW (after HK_CPU_ISA)";
  const int mr = kVnniZmmMR, nr = kVnniZmmNR;
  constexpr int64_t kGuard = 256;
  for (int64_t kc : {1, 3, 4, 5, 63, 64, 65, 127, 128, 200, 2048})
    for (int64_t rows : {1, 7, 8, 9, 16, 30}) {
      SCOPED_TRACE("A: " + std::to_string(rows) + " rows, kc " + std::to_string(kc));
      const int64_t lda = kc + 37;
      auto a = int8s(size_t(rows * lda), unsigned(rows + kc));
      const int64_t bytes = (rows + mr - 1) / mr * mr * round_up(kc, 4) + kGuard;
      std::vector<uint8_t> want(size_t(bytes), 0xA5), got(size_t(bytes), 0xA5);
      pack_a<PackI8Vnni>(a.data(), lda, rows, kc, mr, want.data());
      pack_a_vnni_zmm(a.data(), lda, rows, kc, mr, got.data());
      ASSERT_EQ(want, got);
    }
  for (int64_t kc : {1, 2, 3, 4, 5, 8, 9, 100, 1000})
    for (int64_t cols : {1, 15, 16, 17, 47, 48, 49, 64, 65, 96, 100, 200}) {
      SCOPED_TRACE("B: kc " + std::to_string(kc) + ", " + std::to_string(cols) + " columns");
      const int64_t ldb = cols + 29;
      // One row more than the block, as inside a taller B: a packer that reads past kc
      // picks up real values instead of whatever lies past the allocation.
      auto b = int8s(size_t((kc + 1) * ldb), unsigned(kc * 7 + cols));
      b[0] = -128;
      const int64_t padded = round_up(cols, nr), bytes = padded * round_up(kc, 4) + kGuard;
      std::vector<int8_t> want(size_t(bytes), 0x5A), got(size_t(bytes), 0x5A);
      std::vector<int32_t> want_comp(size_t(padded + 16), 7), got_comp(size_t(padded + 16), 7);
      pack_b<PackI8Vnni>(b.data(), ldb, kc, cols, nr, want.data(), want_comp.data());
      pack_b_vnni_zmm(b.data(), ldb, kc, cols, nr, got.data(), got_comp.data());
      ASSERT_EQ(want, got);
      ASSERT_EQ(want_comp, got_comp);
    }
  // B stored transposed (cols × kc: a linear layer's (out, in) weights).
  for (int64_t kc : {1, 3, 4, 5, 63, 64, 65, 100, 1000})
    for (int64_t cols : {1, 15, 16, 17, 47, 48, 49, 100, 200}) {
      SCOPED_TRACE("Bt: kc " + std::to_string(kc) + ", " + std::to_string(cols) + " columns");
      const int64_t ldbt = kc + 29;
      auto bt = int8s(size_t((cols + 1) * ldbt), unsigned(kc * 5 + cols));  // a row past the block, as above
      bt[0] = -128;
      const int64_t padded = round_up(cols, nr), bytes = padded * round_up(kc, 4) + kGuard;
      std::vector<int8_t> want(size_t(bytes), 0x5A), got(size_t(bytes), 0x5A);
      std::vector<int32_t> want_comp(size_t(padded + 16), 7), got_comp(size_t(padded + 16), 7);
      pack_b_t<PackI8Vnni>(bt.data(), ldbt, kc, cols, nr, want.data(), want_comp.data());
      pack_b_t_vnni_zmm(bt.data(), ldbt, kc, cols, nr, got.data(), got_comp.data());
      ASSERT_EQ(want, got);
      ASSERT_EQ(want_comp, got_comp);
    }
}

// The AVX2 int16-pair packing of B writes exactly the portable layout: every packed pair,
// for k counts around a pair (odd kc: a zero second half) and column counts around the
// 16-column step and the panel (a panel of 16, 32 and 48 columns, partial ones zero-padded),
// from inside a larger matrix, with guard elements after the panels that must stay untouched;
// B also stored transposed.
TEST(GemmKernels, PairsYmmPackingMatchesPortable) {
  if (!hk::cpu_features().avx2) GTEST_SKIP() << "no AVX2 (after HK_CPU_ISA)";
  using Pack = void (*)(const int8_t*, int64_t, int64_t, int64_t, int, int16_t*, int32_t*);
  // stored_rows × ld bytes, one row more than the block, as inside a taller B: a packer that
  // reads past the block picks up real values instead of whatever lies past the allocation.
  auto check = [](Pack portable, Pack ymm, int nr, int64_t kc, int64_t cols, int64_t stored_rows, int64_t ld) {
    auto b = int8s(size_t((stored_rows + 1) * ld), unsigned(kc * 11 + cols));
    b[0] = -128;
    const int64_t elems = round_up(cols, nr) * round_up(kc, 2) + 64;  // 64 guard elements
    std::vector<int16_t> want(size_t(elems), 0x5A5A), got(size_t(elems), 0x5A5A);
    portable(b.data(), ld, kc, cols, nr, want.data(), nullptr);
    ymm(b.data(), ld, kc, cols, nr, got.data(), nullptr);
    ASSERT_EQ(want, got);
  };
  for (int nr : {16, 32, 48})
    for (int64_t kc : {1, 2, 3, 4, 5, 9, 100, 785})
      for (int64_t cols : {1, 15, 16, 17, 31, 32, 33, 47, 48, 49, 100, 200}) {
        SCOPED_TRACE("nr " + std::to_string(nr) + ", kc " + std::to_string(kc) + ", " + std::to_string(cols) + " columns");
        check(&pack_b<PackI8Pairs>, &pack_b_pairs_ymm, nr, kc, cols, kc, cols + 29);
        if (HasFatalFailure()) return;
      }
  // B stored transposed (cols × kc: a layer's (out, in) weights), k around the 16-byte step.
  for (int nr : {16, 32})
    for (int64_t kc : {1, 2, 3, 15, 16, 17, 31, 33, 100, 785})
      for (int64_t cols : {1, 7, 8, 9, 15, 16, 17, 33, 100}) {
        SCOPED_TRACE("transposed, nr " + std::to_string(nr) + ", kc " + std::to_string(kc) + ", " +
                     std::to_string(cols) + " columns");
        check(&pack_b_t<PackI8Pairs>, &pack_b_t_pairs_ymm, nr, kc, cols, cols, kc + 29);
        if (HasFatalFailure()) return;
      }
}

TEST(GemmKernels, VnniYmm) {
  const hk::CpuFeatures& f = hk::cpu_features();
  if (f.avx2 && f.avx_vnni) {  // the production (VEX) build
    auto plan = make_gemm_plan<PackI8Vnni>(vnni_microkernel(kVnniYmmMR, kVnniYmmNR, 8, vnni_ymm_tiles, "AVX-VNNI"));
    check_i8_plan(plan, "vnni ymm (AVX-VNNI)");
    if (!HasFatalFailure()) check_i8_wraparound(plan, "vnni ymm (AVX-VNNI)");
  }
  if (f.avx512f && f.avx512vl && f.avx512vnni) {  // the same source, EVEX-encoded
    auto plan = make_gemm_plan<PackI8Vnni>(
        vnni_microkernel(kVnniYmmMR_evex, kVnniYmmNR_evex, 8, vnni_ymm_tiles_evex, "AVX512-VNNI ymm"));
    check_i8_plan(plan, "vnni ymm (EVEX)");
    if (!HasFatalFailure()) check_i8_wraparound(plan, "vnni ymm (EVEX)");
  }
  if (!(f.avx2 && f.avx_vnni) && !(f.avx512f && f.avx512vl && f.avx512vnni))
    GTEST_SKIP() << "neither AVX-VNNI nor AVX512-VNNI+VL (after HK_CPU_ISA)";
}

std::vector<double> reference_product(const std::vector<float>& a, const std::vector<float>& b, int64_t m, int64_t k, int64_t n) {
  return hk_ref::matmul(a, b, m, k, n);
}
std::vector<int64_t> reference_product(const std::vector<int8_t>& a, const std::vector<int8_t>& b, int64_t m, int64_t k, int64_t n) {
  return hk_ref::matmul_i8(a, b, m, k, n);
}

// The parallel split: more threads than cores, more threads than tiles, grids in
// both directions and in two dimensions (4 and 6 threads), parts that end inside a
// micro-tile, and (with tiny blocks) several k blocks and NC chunks in each part.
template <class P, class Fill>
void check_parallel(GemmPlan<P> plan, Fill fill, const std::string& what) {
  GemmPlan<P> tiny = plan;
  tiny.blocking = {2 * plan.kernel.mr, 24, 3 * plan.kernel.nr};
  ThreadPool& pool = ThreadPool::global();
  struct Restore {  // the pool as the other tests expect it
    ThreadPool& pool;
    int size;
    ~Restore() { pool.resize(size); }
  } restore{pool, pool.size()};
  for (const GemmPlan<P>* p : {&plan, &tiny})
    for (int threads : {2, 3, 4, 6, 7})
      for (Shape3 s : std::vector<Shape3>{{1, 200, 2000}, {2000, 200, 1}, {301, 150, 299}, {64, 64, 64}, {3, 700, 40}, {97, 333, 45}}) {
        SCOPED_TRACE(what + (p == &tiny ? " tiny blocks, " : ", ") + std::to_string(threads) + " threads, " +
                     std::to_string(s.m) + "×" + std::to_string(s.k) + "×" + std::to_string(s.n));
        auto a = fill(size_t(s.m * s.k), 1), b = fill(size_t(s.k * s.n), 2);
        auto ref = reference_product(a, b, s.m, s.k, s.n);
        std::vector<typename P::C> c(size_t(s.m * s.n) + 1, typename P::C(-1));
        pool.resize(threads);  // gemm_parallel uses at most the pool's threads
        gemm_parallel<P>(*p, a.data(), b.data(), c.data(), s.m, s.k, s.n, threads, /*inline_macs=*/0);
        ASSERT_EQ(c.back(), typename P::C(-1)) << "wrote past C";
        for (size_t i = 0; i + 1 < c.size(); ++i) ASSERT_EQ(c[i], typename P::C(ref[i])) << i;
      }
}

// The grid: one part per thread where the units allow, and the cut that packs least.
TEST(GemmKernels, ParallelGridPacksLeast) {
  auto grid = [](int64_t m, int64_t n, int64_t mu, int64_t nu, int t, int64_t k = 256, int64_t short_row_macs = 0) {
    const GemmGrid g = gemm_grid(m, k, n, mu, nu, t, short_row_macs);
    return std::pair{g.tm, g.tn};
  };
  using G = std::pair<int64_t, int64_t>;
  EXPECT_EQ(grid(2048, 2048, 256, 128, 2), G(1, 2));  // a tie: columns
  // A tie where a part's share of a row of C is short work: rows, so the parts meet once.
  constexpr int64_t kShort = 1 << 16;
  EXPECT_EQ(grid(128, 128, 16, 8, 2, 128, kShort), G(2, 1));   // 128 · 64 multiply-adds per part's row
  EXPECT_EQ(grid(256, 256, 32, 16, 2, 256, kShort), G(2, 1));  // 256 · 128
  EXPECT_EQ(grid(512, 512, 64, 32, 2, 512, kShort), G(1, 2));  // 512 · 256: long enough, columns
  EXPECT_EQ(grid(128, 128, 16, 8, 2, 128, 0), G(1, 2));        // a flavour that never asks: columns
  EXPECT_EQ(grid(64, 256, 8, 16, 2, 128, kShort), G(1, 2));    // short rows but no tie: columns pack less
  EXPECT_EQ(grid(4096, 512, 512, 32, 2), G(2, 1));    // tall C: cut rows, each thread packs all of the small B
  EXPECT_EQ(grid(512, 4096, 64, 256, 2), G(1, 2));
  EXPECT_EQ(grid(2048, 2048, 256, 128, 4), G(2, 2));  // 2 × 2 packs 1/2 + 1/2; 1 × 4 packs 1 + 1/4
  EXPECT_EQ(grid(2048, 2048, 256, 128, 6), G(2, 3));
  EXPECT_EQ(grid(8, 2000, 1, 125, 4), G(1, 4));       // one row of tiles: columns only
  EXPECT_EQ(grid(2000, 1, 250, 1, 3), G(3, 1));
  EXPECT_EQ(grid(16, 16, 2, 1, 7), G(2, 1));          // fewer units than threads: fewer threads
  EXPECT_EQ(grid(8, 16, 1, 1, 2), G(1, 1));           // one unit: serial
  EXPECT_EQ(grid(2048, 2048, 256, 128, 1), G(1, 1));
}

TEST(GemmKernels, ParallelSplitCoversC) {
  auto ints = [](size_t n, unsigned seed) { return small_int_floats(n, seed); };
  auto i8s = [](size_t n, unsigned seed) { return int8s(n, seed); };
  check_parallel(make_gemm_plan<PackF32>(gemm_f32_microkernel()), ints, "f32");
  if (HasFatalFailure()) return;
  check_parallel(make_gemm_plan<PackI8Pairs>(gemm_i8_microkernel()), i8s, "int16 pairs");
  const hk::CpuFeatures& f = hk::cpu_features();
  if (!HasFatalFailure() && f.avx512f && f.avx512vnni)
    check_parallel(make_gemm_plan<PackI8Vnni>(vnni_microkernel(kVnniZmmMR, kVnniZmmNR, 16, vnni_zmm_tiles, "zmm")), i8s,
                   "vnni");
}

// ---- inference shapes (gemm_shape.hpp): the GEMVs and the unpacked small GEMM -----------

// A (rows × k) in a buffer with row stride k + 2 (the kernels must follow lda, not k) and
// the oracle's product of its dense copy with B (k × n, row stride n + 5).
template <class T> struct Strided {
  int64_t rows, cols, ld;
  std::vector<T> dense, buf;
  Strided(std::vector<T> v, int64_t r, int64_t c, int64_t pad) : rows(r), cols(c), ld(c + pad), dense(std::move(v)),
                                                                  buf(size_t(r * (c + pad) + 1), T(99)) {
    for (int64_t i = 0; i < r; ++i)
      for (int64_t j = 0; j < c; ++j) buf[size_t(i * ld + j)] = dense[size_t(i * c + j)];
  }
};

// v (rows × cols) stored transposed: cols × rows.
template <class T> std::vector<T> transposed(const std::vector<T>& v, int64_t rows, int64_t cols) {
  std::vector<T> t(v.size());
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) t[size_t(j * rows + i)] = v[size_t(i * cols + j)];
  return t;
}

// The GEMV kernels on every target: K around the group of four rows, N around whole vectors
// and the L1 column block, strided operands, a guarded output.
TEST(GemmShapes, GemvOnEveryTarget) {
  const std::vector<std::pair<int64_t, int64_t>> kn = {{0, 5},   {1, 1},   {3, 17},    {4, 16},   {5, 33},
                                                       {9, 64},  {37, 7},  {130, 95},  {2, 2053}, {67, 4100},
                                                       {6, 127}, {7, 128}, {784, 129}, {11, 192}, {4, 255},
                                                       {200, 100},   // narrow passes, then 2 vectors and a tail
                                                       {150, 4000}};  // streamed: 16 (8) rows, then 4, then 2
  const hk::CpuFeatures& f = hk::cpu_features();
  const bool vnni = f.avx512vnni && f.avx512bw;
  for_each_target([&](const std::string& name) {
    for (auto [k, n] : kn) {
      SCOPED_TRACE(name + ": K " + std::to_string(k) + ", N " + std::to_string(n));
      auto x = small_int_floats(size_t(k), unsigned(k));
      auto xi = int8s(size_t(k), unsigned(k));
      Strided<float> b(small_int_floats(size_t(k * n), unsigned(n)), k, n, 5);
      Strided<int8_t> bi(int8s(size_t(k * n), unsigned(n)), k, n, 5);
      auto ref = hk_ref::matmul(x, b.dense, 1, k, n);
      auto refi = hk_ref::matmul_i8(xi, bi.dense, 1, k, n);
      GuardedC<float> y(1, n, std::bit_cast<float>(0x7fa5a5a5u));
      GuardedC<int32_t> yi(1, n, 0x5a5a5a5a);
      gemv_f32_row(x.data(), b.buf.data(), b.ld, y.c(), k, n);
      gemv_i8_row_portable(xi.data(), bi.buf.data(), bi.ld, yi.c(), k, n);
      ASSERT_TRUE(y.guards_intact() && yi.guards_intact()) << "x · B wrote outside y";
      for (int64_t j = 0; j < n; ++j) {
        ASSERT_EQ(y.at(0, j), float(ref[size_t(j)])) << "x · B, column " << j;
        ASSERT_EQ(int64_t(yi.at(0, j)), refi[size_t(j)]) << "x · B int8, column " << j;
      }
      if (vnni && k > 0) {  // the vpdpbusd form (not a Highway target: checked once per shape is enough)
        GuardedC<int32_t> yv(1, n, 0x5a5a5a5a);
        gemv_i8_row_vnni_zmm(xi.data(), bi.buf.data(), bi.ld, yv.c(), k, n);
        ASSERT_TRUE(yv.guards_intact()) << "x · B int8 (vpdpbusd) wrote outside y";
        for (int64_t j = 0; j < n; ++j) ASSERT_EQ(int64_t(yv.at(0, j)), refi[size_t(j)]) << "x · B int8 (vpdpbusd), column " << j;
      }
      // A · x with A = Bᵀ's shape: n rows of k.
      Strided<float> a(small_int_floats(size_t(n * k), unsigned(n + 1)), n, k, 2);
      Strided<int8_t> ai(int8s(size_t(n * k), unsigned(n + 1)), n, k, 2);
      auto refc = hk_ref::matmul(a.dense, x, n, k, 1);
      auto refci = hk_ref::matmul_i8(ai.dense, xi, n, k, 1);
      GuardedC<float> yc(n, 1, std::bit_cast<float>(0x7fa5a5a5u));
      GuardedC<int32_t> yci(n, 1, 0x5a5a5a5a);
      gemv_f32_col(a.buf.data(), a.ld, x.data(), yc.c(), n, k);  // y has stride 1: writes the first column only
      gemv_i8_col_portable(ai.buf.data(), ai.ld, xi.data(), yci.c(), n, k);
      for (int64_t i = 0; i < n; ++i) {
        ASSERT_EQ(yc.c()[i], float(refc[size_t(i)])) << "A · x, row " << i;
        ASSERT_EQ(int64_t(yci.c()[i]), refci[size_t(i)]) << "A · x int8, row " << i;
      }
      if (vnni && k > 0) {  // gemv_i8_col's vpdpbusd form (the dot-product GEMM with one row)
        GuardedC<int32_t> ycv(n, 1, 0x5a5a5a5a);
        gemv_i8_col(ai.buf.data(), ai.ld, xi.data(), ycv.c(), n, k);
        for (int64_t i = 0; i < n; ++i) ASSERT_EQ(int64_t(ycv.c()[i]), refci[size_t(i)]) << "A · x int8 (vpdpbusd), row " << i;
      }
    }
  });
}

// −128 everywhere and K past 2³¹ / 16384: the int8 GEMVs wrap modulo 2³² like the naive kernel.
TEST(GemmShapes, GemvI8Wraparound) {
  const int64_t k = 140001;
  std::vector<int8_t> x(size_t(k), -128);
  for (int64_t n : {21, 3}) {  // B past the register blocks' size, and within it (vpdpbusd where the CPU has it)
    std::vector<int8_t> b(size_t(k * n), -128);
    b[1] = 127;
    auto ref = hk_ref::matmul_i8(x, b, 1, k, n);
    std::vector<int32_t> y(static_cast<size_t>(n));
    gemv_i8_row(x.data(), b.data(), n, y.data(), k, n);
    for (int64_t j = 0; j < n; ++j)
      ASSERT_EQ(y[size_t(j)], static_cast<int32_t>(static_cast<uint32_t>(ref[size_t(j)]))) << "N " << n << ", column " << j;
  }
  const int64_t n = 21;
  std::vector<int8_t> b(size_t(k * n), -128);
  b[3] = 127;
  std::vector<int8_t> bk(b.begin(), b.begin() + k);
  const auto want = static_cast<int32_t>(static_cast<uint32_t>(hk_ref::matmul_i8(x, bk, 1, k, 1)[0]));
  int32_t dot = 0;
  gemv_i8_col_portable(x.data(), k, b.data(), &dot, 1, k);  // the first k of b as the vector
  ASSERT_EQ(dot, want);
  gemv_i8_col(x.data(), k, b.data(), &dot, 1, k);  // vpdpbusd where the CPU has it
  ASSERT_EQ(dot, want);
}

// An int8 few-rows kernel, c (m × n, ldc) = a (m × k, lda) · b, b stored (k × n, ldb), or
// (n × k) when it takes bᵀ, against the int64 reference: every row count in ms and shape in
// kn on strided A and B, C's guards catching a store outside it; then −128 everywhere at K
// past 2³¹ / 16384 (wrap_n columns), where every row's sums wrap modulo 2³² like the naive
// kernel's.
using FewRowsI8 = void(const int8_t*, int64_t, const int8_t*, int64_t, int32_t*, int64_t, int64_t, int64_t, int64_t);
void check_few_rows_i8(FewRowsI8* kernel, bool b_t, const std::vector<int64_t>& ms,
                       const std::vector<std::pair<int64_t, int64_t>>& kn, int64_t wrap_n = 3) {
  // b's (k × n) values from how the kernel reads them (n × k when b_t).
  auto as_k_by_n = [&](const std::vector<int8_t>& stored, int64_t k, int64_t n) {
    if (!b_t) return stored;
    std::vector<int8_t> b(size_t(k * n));
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j) b[size_t(p * n + j)] = stored[size_t(j * k + p)];
    return b;
  };
  for (int64_t m : ms)
    for (const auto& [k, n] : kn) {
      SCOPED_TRACE(std::to_string(m) + "×" + std::to_string(k) + "×" + std::to_string(n));
      Strided<int8_t> a(int8s(size_t(m * k), unsigned(m + k)), m, k, 3);
      Strided<int8_t> b(int8s(size_t(k * n), unsigned(n)), b_t ? n : k, b_t ? k : n, 5);
      auto ref = hk_ref::matmul_i8(a.dense, as_k_by_n(b.dense, k, n), m, k, n);
      GuardedC<int32_t> c(m, n, 0x5a5a5a5a);
      kernel(a.buf.data(), a.ld, b.buf.data(), b.ld, c.c(), c.ldc, m, k, n);
      ASSERT_TRUE(c.guards_intact()) << "wrote outside C";
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) ASSERT_EQ(int64_t(c.at(i, j)), ref[size_t(i * n + j)]) << i << "," << j;
    }
  const int64_t k = 140001, n = wrap_n, m = 5;
  std::vector<int8_t> x(size_t(m * k), -128), w(size_t(k * n), -128);
  x[size_t(2 * k + 7)] = 127;
  w[b_t ? size_t(k + 1) : 1] = 127;  // b[1][1] when b_t, b[0][1] when not
  auto ref = hk_ref::matmul_i8(x, as_k_by_n(w, k, n), m, k, n);
  std::vector<int32_t> y(size_t(m * n));
  kernel(x.data(), k, w.data(), b_t ? k : n, y.data(), n, m, k, n);
  for (int64_t i = 0; i < m * n; ++i)
    ASSERT_EQ(y[size_t(i)], static_cast<int32_t>(static_cast<uint32_t>(ref[size_t(i)]))) << "sum " << i;
}

// The int8 few-rows GEMM (a layer at batch 2 to 16 against L2-sized weights): every row
// count of a group (1 to 4) and groups followed by each remainder, K quads with and without
// a tail, whole 64-column blocks, a masked last block and N past two blocks. Where the CPU
// has AVX512-VNNI and -BW.
TEST(GemmShapes, FewRowsI8OnVnni) {
  const hk::CpuFeatures& f = hk::cpu_features();
  if (!(f.avx512vnni && f.avx512bw)) GTEST_SKIP() << "no AVX512-VNNI with AVX512-BW on this CPU (or HK_CPU_ISA caps it)";
  check_few_rows_i8(&gemm_i8_rows_vnni_zmm, false, {1, 2, 3, 4, 5, 6, 7, 8, 9},
                    {{1, 1}, {13, 5}, {37, 129}, {70, 66}, {260, 200}, {784, 128}});
}

// The same without VNNI, on int16 pairs interleaved in registers (a layer at batch 1 to 8):
// every row count of a group (1 to 4) and groups followed by each remainder (2 and 1 rows
// take two and four blocks per sweep), odd and even K, whole 16-column blocks, and a last
// block cut short, computed as the 16 columns ending at N. Where the CPU has AVX2.
TEST(GemmShapes, FewRowsI8OnAvx2Pairs) {
  if (!hk::cpu_features().avx2) GTEST_SKIP() << "no AVX2 on this CPU (or HK_CPU_ISA caps it)";
  check_few_rows_i8(&gemm_i8_rows_pairs_ymm, false, {1, 2, 3, 4, 5, 6, 7, 8, 9},
                    {{1, 16}, {13, 17}, {2, 48}, {3, 64}, {37, 129}, {70, 66}, {260, 200}, {784, 128}}, 17);
}

// The same dot products without VNNI, on int16 pairs (a layer with (out, in) weights at batch
// 1 to 8, gemv_i8_col, and a narrow B transposed): every remainder of a's rows after tiles of
// two and of b's rows cut into near-equal tiles of up to four, K under, at and past 16 with
// every tail. Where the CPU has AVX2.
TEST(GemmShapes, DotProductsI8OnAvx2Pairs) {
  if (!hk::cpu_features().avx2) GTEST_SKIP() << "no AVX2 on this CPU (or HK_CPU_ISA caps it)";
  check_few_rows_i8(&gemm_i8_nt_pairs_ymm, true, {1, 2, 3, 4, 5, 9, 16, 17},
                    {{1, 1}, {13, 5}, {16, 9}, {17, 10}, {31, 4}, {37, 129}, {70, 66}, {784, 128}, {2000, 37}});
}

// The int8 dot-product GEMM a · bᵀ (a layer with (out, in) weights at batch 1 to 16, and
// gemv_i8_col): one to three rows of a against eight rows of b per block, four against four
// past that, in slices of b's rows swept by each group of four rows of a, and shifts taken 16
// rows of a at a time; every remainder of b's rows (short last blocks and slices), K from 1
// to past a slice's bytes with and without a head under 64. Where the CPU has AVX512-VNNI
// and -BW.
TEST(GemmShapes, DotProductsI8OnVnni) {
  const hk::CpuFeatures& f = hk::cpu_features();
  if (!(f.avx512vnni && f.avx512bw)) GTEST_SKIP() << "no AVX512-VNNI with AVX512-BW on this CPU (or HK_CPU_ISA caps it)";
  check_few_rows_i8(&gemm_i8_nt_vnni_zmm, true, {1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 21},
                    {{1, 1}, {13, 5}, {64, 9}, {128, 4}, {37, 129}, {70, 66}, {784, 128}, {2000, 37}});
}

// The unpacked small GEMM on every target and in both broadcast forms (on AVX-512 their
// tiles differ: 12 × 2 and 6 × 4): every row template (short tiles at the bottom, one-vector
// tiles of up to twice the rows), every vector count
// and the sub-vector strip at the right edge, K in steps of four and the rest, strided A, B
// and C, and B's blocks copied to strips; and B stored transposed, its blocks transposed to
// strips (8 × 8 at a time where there is AVX2: K and N around multiples of 8).
TEST(GemmShapes, SmallGemmOnEveryTarget) {
  const std::vector<Shape3> shapes = {{2, 1, 1},    {2, 0, 7},    {3, 5, 16},  {4, 9, 33},    {7, 13, 10},
                                      {12, 8, 32},  {13, 64, 64}, {25, 3, 47}, {64, 128, 10}, {33, 200, 70},
                                      {24, 7, 16},  {47, 11, 20}, {31, 6, 33},  {9, 10, 50},
                                      // B's rows spanning more than L1: copied to a strip per block of
                                      // columns, with every kind of last block (whole vectors, a vector and
                                      // a part, a part); a short M and a short K that take no strip
                                      {30, 600, 40}, {40, 800, 26}, {19, 700, 100}, {5, 600, 40}, {40, 50, 26},
                                      {9, 16, 8}, {8, 17, 24}, {10, 31, 9}};
  for_each_target([&](const std::string& name) {
   for_each_broadcast_form([&](const std::string& form) {
    for (const Shape3& s : shapes) {
      SCOPED_TRACE(name + ", " + form + ": " + std::to_string(s.m) + "×" + std::to_string(s.k) + "×" +
                   std::to_string(s.n));
      Strided<float> a(small_int_floats(size_t(s.m * s.k), unsigned(s.m)), s.m, s.k, 2);
      Strided<float> b(small_int_floats(size_t(s.k * s.n), unsigned(s.n)), s.k, s.n, 5);
      auto ref = hk_ref::matmul(a.dense, b.dense, s.m, s.k, s.n);
      GuardedC<float> c(s.m, s.n, std::bit_cast<float>(0x7fa5a5a5u));
      gemm_f32_small(a.buf.data(), a.ld, b.buf.data(), b.ld, c.c(), c.ldc, s.m, s.k, s.n);
      ASSERT_TRUE(c.guards_intact()) << "wrote outside C";
      for (int64_t i = 0; i < s.m; ++i)
        for (int64_t j = 0; j < s.n; ++j) ASSERT_EQ(c.at(i, j), float(ref[size_t(i * s.n + j)])) << i << "," << j;
      // B stored transposed (n × k), each block of columns transposed to the strip.
      Strided<float> bt(transposed(b.dense, s.k, s.n), s.n, s.k, 3);
      GuardedC<float> ct(s.m, s.n, std::bit_cast<float>(0x7fa5a5a5u));
      gemm_f32_small_t(a.buf.data(), a.ld, bt.buf.data(), bt.ld, ct.c(), ct.ldc, s.m, s.k, s.n);
      ASSERT_TRUE(ct.guards_intact()) << "B transposed: wrote outside C";
      for (int64_t i = 0; i < s.m; ++i)
        for (int64_t j = 0; j < s.n; ++j)
          ASSERT_EQ(ct.at(i, j), float(ref[size_t(i * s.n + j)])) << "B transposed: " << i << "," << j;
    }
   });
  });
}

// Which path a shape takes (true: a GEMV or the small GEMM; false: the packed GEMM), and
// that the paths taken compute the product, on one thread and split over two.
TEST(GemmShapes, ChoiceBoundaries) {
  // few: int8 takes the few-rows kernel (2 to 16 rows, B within the GEMV's register blocks)
  // where the CPU has AVX512-VNNI and -BW, else the packed GEMM; tiles: unless the CPU has
  // AMX, whose tiles take the shape (from 12 rows).
  // small: f32's way is the small GEMM (not a GEMV or the tiny path), which takes the shape
  // only where a B block of K × 32 floats fits a quarter of the CPU's L2 (1 MiB needs K ≤ 2048;
  // 512 KiB, K ≤ 1024); elsewhere it goes to the packed GEMM.
  struct Case { int64_t m, k, n; bool f32, i8, few = false, tiles = false, small = false; };
  const Case cases[] = {
      {1, 784, 128, true, true},     // M = 1: x · B
      {2, 784, 128, true, false, true, false, true},    // M = 2: small GEMM (f32); int8's few rows
      {11, 784, 128, true, false, true, false, true},   // ... up to 11 rows where the CPU has AMX
      {12, 784, 128, true, false, true, true, true},  // ... and 16 where it has not
      {16, 784, 128, true, false, true, true, true},
      {17, 784, 128, true, false, false, false, true},   // ... past them: the packed int8 GEMM
      {8, 784, 128, true, false, true, false, true},    // without VNNI: the pairs' few rows up to 8
      {9, 784, 128, true, false, true, false, true},    // ... past them: the packed int8 GEMM
      {3, 785, 33, true, false, true, false, true},     // ... odd K, a last block cut short
      {8, 1024, 512, true, false, true, false, true},   // B of 512 KiB, the register blocks' limit
      {8, 1025, 512, true, false, false, false, true},   // ... past it
      {300, 50, 1, true, true},      // N = 1: A · x
      {1, 1, 1, true, true},         // a dot product of one term
      {16, 1, 16, true, false, true},      // K = 1
      {7, 13, 10, true, false, true},      // tiny (K < 256, M·N ≤ 64²): straight to the small GEMM
      {64, 255, 64, true, false},    // ... at its bounds
      {65, 255, 64, true, false, false, false, true},    // ... past them: the small GEMM through its split
      {64, 128, 10, true, false},    // tiny and narrow (N < 16, a quarter of its 8-lane vectors empty, 32 rows or more): dot products on B's transposed copy
      {33, 300, 12, true, false, false, false, true},    // narrow past the tiny bounds
      {33, 300, 15, true, false, false, false, true},    // ... too full for it: the small GEMM
      {40, 70, 5, true, false},      // narrow under a vector
      {2000, 200, 10, true, false, false, false, true},  // ... split by rows over threads
      {16, 0, 16, true, false},      // K = 0: zeros
      {1, 0, 9, true, true},
      {1, 2048, 515, true, true},    // a GEMV large enough to split over threads (along K)
      {1, 2051, 517, true, true},    // ... K not a multiple of the kernel's four rows
      {1, 150, 4100, true, true},    // ... rows a page long or longer: split by columns
      {1100, 1000, 1, true, true},
      {128, 128, 128, true, false, false, false, true},  // small: unpacked
      {32, 512, 600, true, false, false, false, true},   // wide, but A stays in L2: unpacked
      {40, 1024, 96, true, false, false, false, true},   // A's rows 4 KiB apart: copied to a padded stride (split by columns)
      {60, 2048, 20, true, false, false, false, true},   // ... and split by rows
      {1024, 1024, 1024, false, false}, // large: packed
      {4, 65536, 32, false, false},  // small M, but K × NR too long for L2: packed
  };
  const bool vnni = hk::cpu_features().avx512vnni && hk::cpu_features().avx512bw;
  const int64_t l2 = hk::cpu_features().l2_bytes > 0 ? hk::cpu_features().l2_bytes : 256 << 10;
  for (const Case& s : cases)
    for (int threads : {1, 2}) {
      SCOPED_TRACE(std::to_string(s.m) + "×" + std::to_string(s.k) + "×" + std::to_string(s.n) + ", threads " +
                   std::to_string(threads));
      auto a = small_int_floats(size_t(s.m * s.k), 3), b = small_int_floats(size_t(s.k * s.n), 4);
      auto ai = int8s(size_t(s.m * s.k), 5);
      auto bi = int8s(size_t(s.k * s.n), 6);
      std::vector<float> c(size_t(s.m * s.n) + 1, -1.0f);
      std::vector<int32_t> ci(size_t(s.m * s.n) + 1, -1);
      const bool f32 = s.f32 && (!s.small || 4 * s.k * 32 * int64_t{sizeof(float)} <= l2);
      ASSERT_EQ(matmul_f32_by_shape(a.data(), b.data(), c.data(), s.m, s.k, s.n, threads), f32);
      // Without VNNI, AVX2's int16-pair forms under the threads' threshold: the few rows (up
      // to 8, at least 16 columns), and any rows of a product under 16 columns.
      const bool avx2_pairs = !vnni && hk::cpu_features().avx2 && s.k > 0 && s.m * s.k * s.n < (1 << 20);
      const bool pairs = avx2_pairs && ((s.few && s.m <= 8 && s.n >= 16) || (s.m > 1 && s.n > 1 && s.n < 16));
      const bool i8 = s.i8 || pairs || (s.few && vnni && !(s.tiles && hk::cpu_features().amx_int8));
      ASSERT_EQ(matmul_i8_by_shape(ai.data(), bi.data(), ci.data(), s.m, s.k, s.n, threads), i8);
      ASSERT_EQ(c.back(), -1.0f);
      ASSERT_EQ(ci.back(), -1);
      if (f32) {
        auto ref = hk_ref::matmul(a, b, s.m, s.k, s.n);
        for (size_t i = 0; i + 1 < c.size(); ++i) ASSERT_EQ(c[i], float(ref[i])) << i;
      } else {
        for (size_t i = 0; i + 1 < c.size(); ++i) ASSERT_EQ(c[i], -1.0f) << "the packed GEMM's shape was touched";
      }
      if (i8) {
        auto ref = hk_ref::matmul_i8(ai, bi, s.m, s.k, s.n);
        for (size_t i = 0; i + 1 < ci.size(); ++i) ASSERT_EQ(int64_t(ci[i]), ref[i]) << i;
      }
    }
}

}  // namespace

namespace {

// quantized_matmul calls hk::matmul on int8 tensors, so the registry's choice for int8 is
// its int8 path: vnni where the CPU (after HK_CPU_ISA) has it, else the int16-pair GEMM on
// the thread pool — never a slower rung.
TEST(GemmRegistry, BestInt8MatmulIsTheFastestSupportedPath) {
  const hk::VariantRow* best = hk::Registry::get().best("matmul", hk::Backend::cpu, hk::DType::i8);
  ASSERT_NE(best, nullptr);
  const hk::CpuFeatures& f = hk::cpu_features();
  const bool vnni = (f.avx512f && f.avx512vnni) || (f.avx2 && f.avx_vnni);
  EXPECT_EQ(best->variant, f.amx_int8 ? "amx" : vnni ? "vnni" : "parallel");
  const hk::VariantRow* best_f32 = hk::Registry::get().best("matmul", hk::Backend::cpu, hk::DType::f32);
  ASSERT_NE(best_f32, nullptr);
  EXPECT_EQ(best_f32->variant, "parallel");
}

}  // namespace
