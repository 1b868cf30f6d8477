// The cuda backend where no GPU is needed: what hk says when it can't run, the static
// resource report of every compiled kernel, the occupancy arithmetic, and the per-call
// timing record. (Tests that need a device live in tests/gpu/ and carry the label gpu.)
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "cuda/device_guard.hpp"
#include "cuda/launch.cuh"
#include "test_util.hpp"

namespace {

using hk::Tensor;

const hk::BackendInfo& cuda_info() {
  static const hk::BackendInfo info = [] {
    for (const hk::BackendInfo& b : hk::backends())
      if (b.backend == hk::Backend::cuda) return b;
    return hk::BackendInfo{};
  }();
  return info;
}

using hk_test::message_of;

// ---- no usable device ------------------------------------------------------------------

TEST(CudaUnavailable, EveryOpAndEveryPathSaysWhy) {
  if (cuda_info().available) GTEST_SKIP() << "a CUDA device is usable here";
  const std::string& why = cuda_info().reason;
  ASSERT_FALSE(why.empty());
  // Host tensors asked to run on cuda (the staging path) and device tensors both name it.
  for (const std::string& op : hk::ops()) {
    SCOPED_TRACE(op);
    const hk::DType t = hk::op_def(op).dtypes.front();
    std::string m = message_of<hk::BackendUnavailable>([&] { hk_test::call_op(op, t, {hk::Backend::cuda}); });
    EXPECT_NE(m.find(why), std::string::npos) << m;
  }
  std::string m = message_of<hk::BackendUnavailable>([] { Tensor::zeros({4}).to(hk::Device::cuda(0)); });
  EXPECT_NE(m.find(why), std::string::npos) << m;
  m = message_of<hk::BackendUnavailable>([] { hk::cuda_flush_l2(0); });
  EXPECT_NE(m.find(why), std::string::npos) << m;
  // The device facts are empty rather than wrong, and nothing throws.
  EXPECT_TRUE(hk::cuda_devices().empty() || !cuda_info().available);
  hk::CudaMemoryStats s = hk::cuda_memory_stats(0);
  EXPECT_EQ(s.in_use_bytes, 0u);
  EXPECT_EQ(s.device_allocations, 0);
  hk::cuda_empty_cache();
  // automatic never picks an unusable backend.
  EXPECT_EQ(hk::resolve_backend(hk::Backend::automatic), hk::Backend::cpu);
}

TEST(CudaUnavailable, ReasonNamesTheCause) {
  if (cuda_info().available) GTEST_SKIP() << "a CUDA device is usable here";
  const std::string& why = cuda_info().reason;
  bool named = why.find("no NVIDIA driver") != std::string::npos || why.find("driver too old") != std::string::npos ||
               why.find("no CUDA device") != std::string::npos || why.find("no usable CUDA device") != std::string::npos ||
               why.find("not compiled in") != std::string::npos;
  EXPECT_TRUE(named) << why;
  hk::CudaVersions v = hk::cuda_versions();
  if (why.find("no NVIDIA driver") != std::string::npos) {
    EXPECT_EQ(v.driver, 0);
  }
}

// cuBLAS (and cuBLASLt, which it loads) are opened when a cublas variant first runs,
// never at start: a program that links hk and asks about backends, or runs ops on the CPU
// or the simulator, doesn't pay for mapping them.
TEST(CudaUnavailable, CublasIsNotLoadedUntilACublasVariantRuns) {
  if (cuda_info().available) GTEST_SKIP() << "a CUDA device is usable here: discovery reads cuBLAS's version";
  Tensor a = Tensor::randn({8, 8}, 1), b = Tensor::randn({8, 8}, 2);
  (void)hk::matmul(a, b);
  (void)hk::matmul(a, b, {hk::Backend::cuda_sim, "tiled"});
  EXPECT_THROW((void)hk::matmul(a, b, {hk::Backend::cuda, "cublas"}), hk::BackendUnavailable);
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);)
    EXPECT_EQ(line.find("libcublas"), std::string::npos) << "mapped at start or by an op that doesn't need it: " << line;
}

// The guard every cuda runtime entry point holds, against a stub of the two runtime calls.
struct StubCurrentDevice {
  static inline int now = 0, restores = 0;
  static int current() { return now; }
  static void restore(int device) noexcept {
    ++restores;
    now = device;
  }
};

TEST(CudaDeviceGuard, GivesTheCallersDeviceBackOnEveryWayOut) {
  using Guard = hk::cuda::BasicDeviceGuard<StubCurrentDevice>;
  StubCurrentDevice::now = 1;
  StubCurrentDevice::restores = 0;
  {
    Guard g;
    StubCurrentDevice::now = 0;  // hk works on cuda:0
  }
  EXPECT_EQ(StubCurrentDevice::now, 1);
  EXPECT_EQ(StubCurrentDevice::restores, 1);
  {
    Guard g;  // nothing changed: no runtime call on the way out
  }
  EXPECT_EQ(StubCurrentDevice::restores, 1);
  try {
    Guard g;
    StubCurrentDevice::now = 3;
    throw hk::CudaError("a failed launch");
  } catch (const hk::CudaError&) {
  }
  EXPECT_EQ(StubCurrentDevice::now, 1) << "an error path kept hk's device current";
  {
    Guard outer;
    StubCurrentDevice::now = 2;
    {
      Guard inner;
      StubCurrentDevice::now = 0;
    }
    EXPECT_EQ(StubCurrentDevice::now, 2);
  }
  EXPECT_EQ(StubCurrentDevice::now, 1);
  StubCurrentDevice::now = -1;  // unreadable (no driver): nothing to give back
  StubCurrentDevice::restores = 0;
  {
    Guard g;
    StubCurrentDevice::now = 0;
  }
  EXPECT_EQ(StubCurrentDevice::restores, 0);
}

TEST(CudaDevice, DefaultDeviceIsSettable) {
  int before = hk::default_cuda_device();
  EXPECT_GE(before, 0);
  hk::set_default_cuda_device(3);
  EXPECT_EQ(hk::default_cuda_device(), 3);
  EXPECT_THROW(hk::set_default_cuda_device(-1), hk::InvalidArgument);
  hk::set_default_cuda_device(before);
  EXPECT_THROW(hk::cuda_memory_stats(-1), hk::InvalidArgument);
}

// ---- static resource report ------------------------------------------------------------

bool cuda_compiled_in() { return cuda_info().reason.find("not compiled in") == std::string::npos; }

TEST(CudaResources, EveryCompiledKernelIsReported) {
  auto rows = hk::cuda_kernel_resources();
  if (!cuda_compiled_in()) {
    EXPECT_TRUE(rows.empty());
    GTEST_SKIP() << "hk was built without the cuda backend";
  }
  ASSERT_FALSE(rows.empty()) << "the build recorded no ptxas figures (cmake/ptxas_log.sh)";
  std::set<std::string> sources;
  for (const auto& r : rows) {
    SCOPED_TRACE(r.source + ": " + r.kernel);
    EXPECT_FALSE(r.kernel.empty());
    EXPECT_GE(r.arch, 75);
    EXPECT_GT(r.registers, 0);
    EXPECT_LE(r.registers, 255);
    sources.insert(r.source);
  }
  // The library baselines instantiate kernels in these files; hk's own kernels add theirs.
  EXPECT_TRUE(sources.count("elementwise_thrust.cu"));
  EXPECT_TRUE(sources.count("reduce_cub.cu"));
}

// The spill gate: on the architectures hk is tuned for, no kernel may spill registers to
// local memory, and static shared memory must fit the 48 KiB a launch gets without
// opting in (none of hk's launches opts in).
TEST(CudaResources, NoKernelSpillsOnSm80OrSm90) {
  if (!cuda_compiled_in()) GTEST_SKIP() << "hk was built without the cuda backend";
  int checked = 0;
  for (const auto& r : hk::cuda_kernel_resources()) {
    if (r.arch != 80 && r.arch != 90) continue;
    SCOPED_TRACE("sm_" + std::to_string(r.arch) + " " + r.source + ": " + r.kernel);
    EXPECT_EQ(r.spill_store_bytes, 0);
    EXPECT_EQ(r.spill_load_bytes, 0);
    EXPECT_LE(r.shared_bytes, 48 * 1024);
    ++checked;
  }
  if (checked == 0) GTEST_SKIP() << "this build compiled neither sm_80 nor sm_90 (CMAKE_CUDA_ARCHITECTURES)";
}

// hk's own kernels (cuda/kernels/*.cuh, compiled through register_cuda.cu) declare their
// threads per block with __launch_bounds__, and each must be launchable as configured on
// every architecture built: registers and shared memory leave room for at least one block.
TEST(CudaResources, EveryHkKernelFitsItsLaunchOnEveryArchitecture) {
  if (!cuda_compiled_in()) GTEST_SKIP() << "hk was built without the cuda backend";
  int checked = 0;
  for (const auto& r : hk::cuda_kernel_resources()) {
    if (r.source != "register_cuda.cu") continue;
    SCOPED_TRACE("sm_" + std::to_string(r.arch) + " " + r.kernel);
    EXPECT_GT(r.block_threads, 0) << "declare the kernel's block size with __launch_bounds__";
    hk::CudaOccupancy o = hk::cuda_occupancy(r.arch, r.registers, r.shared_bytes, r.block_threads);
    EXPECT_GE(o.blocks_per_sm, 1) << o.limiter;
    EXPECT_EQ(r.stack_bytes, 0) << "local memory in a hot kernel";
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

// ---- occupancy arithmetic (hand-computed from the calculator's rules) ------------------

TEST(CudaOccupancy, MatchesTheCalculatorRules) {
  // 256 threads, 32 registers, no smem on sm_80: 8 warps/block, 1024 regs/warp →
  // 64 warps by registers = 8 blocks; threads allow 8 blocks; full occupancy.
  hk::CudaOccupancy o = hk::cuda_occupancy(80, 32, 0, 256);
  EXPECT_EQ(o.blocks_per_sm, 8);
  EXPECT_EQ(o.warps_per_sm, 64);
  EXPECT_DOUBLE_EQ(o.fraction, 1.0);
  EXPECT_EQ(o.limiter, "threads");
  // 128 registers: 4096 regs/warp → 16 warps → 2 blocks of 8 warps: 25%.
  o = hk::cuda_occupancy(80, 128, 0, 256);
  EXPECT_EQ(o.blocks_per_sm, 2);
  EXPECT_DOUBLE_EQ(o.fraction, 0.25);
  EXPECT_EQ(o.limiter, "registers");
  // 40 KiB smem on sm_86 (100 KiB per SM, 1 KiB reserved per block): 2 blocks.
  o = hk::cuda_occupancy(86, 32, 40 * 1024, 256);
  EXPECT_EQ(o.blocks_per_sm, 2);
  EXPECT_EQ(o.limiter, "shared memory");
  // One-warp blocks on sm_75 hit the 16-blocks limit: 16 of the 32 warps.
  o = hk::cuda_occupancy(75, 16, 0, 32);
  EXPECT_EQ(o.blocks_per_sm, 16);
  EXPECT_DOUBLE_EQ(o.fraction, 0.5);
  EXPECT_EQ(o.limiter, "blocks");
  // Not launchable / unknown.
  EXPECT_EQ(hk::cuda_occupancy(90, 32, 0, 2048).blocks_per_sm, 0);
  EXPECT_EQ(hk::cuda_occupancy(90, 32, 300 * 1024, 128).blocks_per_sm, 0);
  EXPECT_EQ(hk::cuda_occupancy(61, 32, 0, 128).blocks_per_sm, 0);
}

// An invalid launch names the argument that is wrong, and only that one.
TEST(CudaOccupancy, InvalidLaunchNamesTheBadArgument) {
  struct Bad {
    int registers, shared_bytes, block_threads;
    const char* names;  // the argument the message must blame
    const char* value;
    std::vector<const char*> innocent;
  };
  const Bad bads[] = {{-1, 0, 256, "registers", "-1", {"threads", "shared"}},
                      {32, -5, 256, "shared_bytes", "-5", {"threads", "registers"}},
                      {32, 0, 0, "block_threads", "0", {"registers", "shared"}},
                      {32, 0, 2048, "block_threads", "2048", {"registers", "shared"}}};
  for (const Bad& b : bads) {
    hk::CudaOccupancy o = hk::cuda_occupancy(75, b.registers, b.shared_bytes, b.block_threads);
    SCOPED_TRACE(o.limiter);
    EXPECT_EQ(o.blocks_per_sm, 0);
    EXPECT_NE(o.limiter.find(b.names), std::string::npos);
    EXPECT_NE(o.limiter.find(b.value), std::string::npos);
    for (const char* other : b.innocent) EXPECT_EQ(o.limiter.find(other), std::string::npos) << other;
  }
}

// ---- cuda kernels under the simulator: the paths the equivalence test doesn't reach ------

// The equivalence test writes into guarded outputs at an odd offset, which sends the
// vectorized kernels down their scalar path; the allocating form gives them aligned
// tensors, so the 16-byte path and its tail run here.
TEST(CudaSimKernels, VectorizedPathsMatchTheCpu) {
  const hk::Options sim{hk::Backend::cuda_sim, "vectorized"}, cpu{hk::Backend::cpu, "naive"};
  for (int64_t n : {1, 3, 15, 16, 17, 64, 4099}) {
    SCOPED_TRACE("n = " + std::to_string(n));
    auto xv = hk_test::with_specials(hk_test::normal_floats(std::size_t(n), 1));
    auto yv = hk_test::normal_floats(std::size_t(n), 2);
    Tensor x = Tensor::from_vector(xv, {n}), y = Tensor::from_vector(yv, {n});
    Tensor xi = Tensor::from_vector(hk_test::int8s(std::size_t(n), 3), {n});
    auto same = [](const Tensor& got, const Tensor& want) {
      auto g = got.to_vector<float>(), w = want.to_vector<float>();
      for (std::size_t i = 0; i < g.size(); ++i) ASSERT_TRUE(hk_test::same_float(g[i], w[i])) << i;
    };
    same(hk::relu(x, sim), hk::relu(x, cpu));
    same(hk::add(x, y, sim), hk::add(x, y, cpu));
    same(hk::mul(x, y, sim), hk::mul(x, y, cpu));
    same(hk::squared_difference(x, y, sim), hk::squared_difference(x, y, cpu));
    EXPECT_EQ(hk::relu(xi, sim).to_vector<int8_t>(), hk::relu(xi, cpu).to_vector<int8_t>());
  }
}

// gridDim.y stops at 65,535 blocks, and each matmul kernel puts rows of C on y: one row
// past a kernel's limit (row blocks × rows per block) must still run, as consecutive
// launches over row ranges. The simulator rejects an oversized grid as the GPU does. It
// runs the cheapest case here (tiled with 8×8 tiles, 4 Mi simulated threads); every
// kernel's own case runs on a GPU (tests/gpu: GpuVariants.MatmulRowsBeyondTheGridYLimit).
TEST(CudaSimKernels, MatmulRowsBeyondTheGridYLimitRun) {
  struct Case {
    const char* variant;
    int64_t rows_per_block;
    int block_size;
    bool int8;
  };
  const Case cases[] = {{"tiled", 8, 8, false}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.variant);
    const int64_t m = 65535 * c.rows_per_block + 1, k = 4, n = 3;
    hk::Options o{hk::Backend::cuda_sim, c.variant, 2, c.block_size};
    // Row i of A is (i % 5 - 2) · (1, 1, 1, 1) and B is all ones but column j scaled by j + 1,
    // so C[i][j] = 4 · (i % 5 - 2) · (j + 1), exact in both dtypes.
    std::vector<float> bv(size_t(k * n));
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j) bv[size_t(p * n + j)] = float(j + 1);
    std::vector<float> got;
    if (c.int8) {
      std::vector<int8_t> av(size_t(m * k)), bi(bv.begin(), bv.end());
      for (int64_t i = 0; i < m; ++i)
        for (int64_t p = 0; p < k; ++p) av[size_t(i * k + p)] = int8_t(i % 5 - 2);
      auto r = hk::matmul(Tensor::from_vector(av, {m, k}), Tensor::from_vector(bi, {k, n}), o).to_vector<int32_t>();
      got.assign(r.begin(), r.end());
    } else {
      std::vector<float> av(size_t(m * k));
      for (int64_t i = 0; i < m; ++i)
        for (int64_t p = 0; p < k; ++p) av[size_t(i * k + p)] = float(i % 5 - 2);
      got = hk::matmul(Tensor::from_vector(av, {m, k}), Tensor::from_vector(bv, {k, n}), o).to_vector<float>();
    }
    ASSERT_EQ(got.size(), size_t(m * n));
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        ASSERT_EQ(got[size_t(i * n + j)], float(4 * (i % 5 - 2) * (j + 1))) << "row " << i << ", column " << j;
  }
}

// The row ranges cover every row once, in order, each within gridDim.y's limit.
TEST(CudaGridMapping, RowRangesCoverEveryRowWithinTheGridLimit) {
  for (int64_t rows_per_block : {8, 16, 32, 64, 128}) {
    for (int64_t m : {int64_t(1), rows_per_block * 65535 - 1, rows_per_block * 65535, rows_per_block * 65535 + 1,
                      3 * rows_per_block * 65535 + 17}) {
      int64_t next = 0, launches = 0;
      hk::cuda::for_each_row_range(m, rows_per_block, [&](int64_t row0, int64_t rows) {
        EXPECT_EQ(row0, next);
        EXPECT_GT(rows, 0);
        EXPECT_LE((rows + rows_per_block - 1) / rows_per_block, 65535);
        next = row0 + rows;
        ++launches;
      });
      EXPECT_EQ(next, m);
      EXPECT_EQ(launches, (m + rows_per_block * 65535 - 1) / (rows_per_block * 65535));
    }
  }
}

// ---- the per-call timing record ----------------------------------------------------------

TEST(CallTiming, RecordsTheRowThatRan) {
  Tensor a = Tensor::randn({64, 64}, 1), b = Tensor::randn({64, 64}, 2);
  const bool timing_before = hk::call_timing();
  hk::set_call_timing(true);
  hk::matmul(a, b, {hk::Backend::cpu, "naive"});
  hk::set_call_timing(timing_before);
  const hk::CallTiming& t = hk::last_call_timing();
  EXPECT_EQ(t.op, "matmul");
  EXPECT_EQ(t.variant, "naive");
  EXPECT_EQ(t.backend, hk::Backend::cpu);
  EXPECT_TRUE(t.timed);
  EXPECT_GT(t.kernel_ms, 0.0);
  EXPECT_GE(t.total_ms, t.kernel_ms);
  EXPECT_EQ(t.transfer_ms, 0.0);
  EXPECT_EQ(t.bytes_to_device, 0u);
  hk::dot(a.reshape({4096}), b.reshape({4096}), {hk::Backend::cpu});
  EXPECT_EQ(hk::last_call_timing().op, "dot");
  // A call rejected before choosing a variant leaves the record alone.
  EXPECT_THROW(hk::add(a, Tensor::zeros({3})), hk::InvalidArgument);
  EXPECT_EQ(hk::last_call_timing().op, "dot");
}

// A thread's repeated calls reuse its last choice (dispatch.cpp); each call still runs, and
// records, the row its own options ask for: a change of variant, dtype, op or default
// backend between calls is never served by the previous one.
TEST(CallTiming, RepeatedCallsResolveAsAskedEachTime) {
  const hk::Backend default_before = hk::default_backend();
  hk::set_default_backend(hk::Backend::cpu);
  const std::string best_f32 = hk::Registry::get().best("matmul", hk::Backend::cpu, hk::DType::f32)->variant;
  const std::string best_i8 = hk::Registry::get().best("matmul", hk::Backend::cpu, hk::DType::i8)->variant;
  ASSERT_NE(best_f32, "naive");
  Tensor a = Tensor::randn({8, 8}, 1), b = Tensor::randn({8, 8}, 2);
  Tensor ai = Tensor::randn({8, 8}, 3, hk::DType::i8), bi = Tensor::randn({8, 8}, 4, hk::DType::i8);
  const auto expect_row = [](hk::Backend backend, std::string_view op, const std::string& variant, int step) {
    const hk::CallTiming& t = hk::last_call_timing();
    EXPECT_EQ(t.backend, backend) << "step " << step;
    EXPECT_EQ(t.op, op) << "step " << step;
    EXPECT_EQ(t.variant, variant) << "step " << step;
  };
  for (int round = 0; round < 2; ++round) {  // the second round starts from a warm choice
    hk::matmul(a, b, {hk::Backend::cpu});
    expect_row(hk::Backend::cpu, "matmul", best_f32, 1);
    hk::matmul(a, b, {hk::Backend::cpu, "naive"});
    expect_row(hk::Backend::cpu, "matmul", "naive", 2);
    hk::matmul(a, b, {hk::Backend::cpu, "blocked"});  // one name right after another
    expect_row(hk::Backend::cpu, "matmul", "blocked", 9);
    hk::matmul(a, b, {hk::Backend::cpu, "naive"});
    expect_row(hk::Backend::cpu, "matmul", "naive", 10);
    hk::matmul(a, b, {hk::Backend::cpu});
    expect_row(hk::Backend::cpu, "matmul", best_f32, 3);
    hk::matmul(ai, bi, {hk::Backend::cpu});
    expect_row(hk::Backend::cpu, "matmul", best_i8, 4);
    hk::relu(a, {hk::Backend::cpu});
    expect_row(hk::Backend::cpu, "relu", hk::Registry::get().best("relu", hk::Backend::cpu, hk::DType::f32)->variant, 5);
    hk::matmul(a, b);  // automatic, with cpu the default
    expect_row(hk::Backend::cpu, "matmul", best_f32, 6);
    hk::set_default_backend(hk::Backend::cuda_sim);
    const Tensor c = hk::matmul(a, b);  // automatic again: now the default's
    expect_row(hk::Backend::cuda_sim, "matmul",
               hk::Registry::get().best("matmul", hk::Backend::cuda_sim, hk::DType::f32)->variant, 7);
    hk::set_default_backend(hk::Backend::cpu);
    const Tensor ci = hk::matmul(ai, bi, {hk::Backend::cpu, "naive"});
    expect_row(hk::Backend::cpu, "matmul", "naive", 8);
    const std::vector<int32_t> got = ci.to_vector<int32_t>();
    const std::vector<int8_t> av = ai.to_vector<int8_t>(), bv = bi.to_vector<int8_t>();
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 8; ++j) {
        int64_t want = 0;
        for (int k = 0; k < 8; ++k) want += int64_t{av[std::size_t(i * 8 + k)]} * bv[std::size_t(k * 8 + j)];
        ASSERT_EQ(got[std::size_t(i * 8 + j)], want) << i << "," << j;
      }
  }
  hk::set_default_backend(default_before);
}

TEST(CallTiming, IsPerThread) {
  hk::relu(Tensor::zeros({8}), {hk::Backend::cpu});
  std::string other;
  std::thread([&] {
    hk::add(Tensor::zeros({8}), Tensor::zeros({8}), {hk::Backend::cpu});
    other = hk::last_call_timing().op;
  }).join();
  EXPECT_EQ(other, "add");
  EXPECT_EQ(hk::last_call_timing().op, "relu");
}

}  // namespace
