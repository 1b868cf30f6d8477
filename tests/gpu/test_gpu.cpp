// Tests that need a real CUDA device (ctest label `gpu`): device enumeration, device
// memory and copies, every cuda variant (hk kernels and the cuBLAS/Thrust/CUB baselines)
// against the CPU on device-resident tensors, host staging and its timing record, and
// concurrent use from several host threads. Without a device each test reports
// "skipped: no CUDA device (<the reason hk::backends() gives>)".
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <thread>

#include "hk/op_table.hpp"
#include "hk/registry.hpp"
#include "gpu_skip.hpp"
#include "test_util.hpp"

#if HK_TEST_HAVE_CUDART
#include <cuda_runtime_api.h>
#endif

namespace {

using hk::Device;
using hk::DType;
using hk::Tensor;

const Device kGpu = Device::cuda(0);

// ---- devices -----------------------------------------------------------------------------

TEST(GpuDevices, EnumerationIsCompleteAndPeaksFollowFromIt) {
  HK_REQUIRE_GPU();
  auto devices = hk::cuda_devices();
  ASSERT_FALSE(devices.empty());
  const hk::BackendInfo* info = nullptr;
  auto all = hk::backends();
  for (const auto& b : all)
    if (b.backend == hk::Backend::cuda) info = &b;
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->devices.size(), devices.size());
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const hk::CudaDeviceInfo& d = devices[i];
    SCOPED_TRACE(d.summary());
    EXPECT_EQ(d.index, int(i));
    EXPECT_FALSE(d.name.empty());
    EXPECT_EQ(d.usable, d.cc_major * 10 + d.cc_minor >= 75);
    EXPECT_GT(d.sm_count, 0);
    EXPECT_GT(d.memory_bytes, std::size_t(256) << 20);
    EXPECT_GT(d.sm_clock_khz, 100000);  // > 100 MHz
    EXPECT_GT(d.memory_clock_khz, 100000);
    EXPECT_GE(d.memory_bus_bits, 32);
    EXPECT_GT(d.l2_bytes, 0);
    EXPECT_TRUE(d.fp32_lanes_per_sm == 64 || d.fp32_lanes_per_sm == 128);
    EXPECT_DOUBLE_EQ(d.peak_fp32_flops, double(d.sm_count) * d.fp32_lanes_per_sm * 2.0 * d.sm_clock_khz * 1e3);
    EXPECT_DOUBLE_EQ(d.peak_bandwidth_bytes, 2.0 * d.memory_clock_khz * 1e3 * d.memory_bus_bits / 8.0);
    // Sanity against real parts: 1–400 TFLOP/s fp32 and 50 GB/s–10 TB/s.
    EXPECT_GT(d.peak_fp32_flops, 1e12);
    EXPECT_LT(d.peak_fp32_flops, 4e14);
    EXPECT_GT(d.peak_bandwidth_bytes, 5e10);
    EXPECT_LT(d.peak_bandwidth_bytes, 1e13);
    EXPECT_GT(d.peak_int8_dp4a_ops, d.peak_fp32_flops);  // 8 ops per dp4a
  }
  hk::CudaVersions v = hk::cuda_versions();
  EXPECT_GE(v.driver, v.runtime) << "a usable device implies a driver at least as new as the runtime";
  EXPECT_GT(v.cublas, 0);
  // A device index beyond the list is an error that says how many there are.
  int past = int(devices.size());
  try {
    Tensor::zeros({4}, DType::f32, Device::cuda(past));
    ADD_FAILURE() << "no exception for cuda:" << past;
  } catch (const hk::BackendUnavailable& e) {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
}

// ---- memory ------------------------------------------------------------------------------

TEST(GpuMemory, RoundTripsEveryDtypeAndSize) {
  HK_REQUIRE_GPU();
  // Sizes around the 4 MiB staging chunk: one partial, exactly one, several plus a tail.
  for (int64_t n : {int64_t(1), int64_t(3), int64_t(4095), int64_t(1) << 20, (int64_t(4) << 20) + 1,
                    (int64_t(9) << 20) + 3}) {
    SCOPED_TRACE("n = " + std::to_string(n));
    std::vector<int8_t> bytes(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = int8_t(i * 131 + 7);
    Tensor host = Tensor::from_vector(bytes, {n});
    Tensor dev = host.to(kGpu);
    EXPECT_EQ(dev.device(), kGpu);
    EXPECT_EQ(dev.to_vector<int8_t>(), bytes);
    EXPECT_EQ(dev.clone().to(Device::cpu()).to_vector<int8_t>(), bytes);  // device → device → host
  }
  std::vector<float> f = hk_test::with_specials(hk_test::normal_floats(1031, 5));
  Tensor tf = Tensor::from_vector(f, {1031}).to(kGpu);
  auto back = tf.to_vector<float>();
  for (std::size_t i = 0; i < f.size(); ++i) ASSERT_TRUE(hk_test::same_float(back[i], f[i])) << i;
  std::vector<int32_t> iv = {INT32_MIN, -1, 0, 1, INT32_MAX};
  EXPECT_EQ(Tensor::from_vector(iv, {5}).to(kGpu).to_vector<int32_t>(), iv);
  // Unaligned caller memory (Tensor::wrap) stages just as well.
  std::vector<char> raw(4099);
  for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = char(i);
  auto* unaligned = reinterpret_cast<int8_t*>(raw.data() + 1);
  Tensor w = Tensor::wrap(unaligned, {4097});
  auto round = w.to(kGpu).to_vector<int8_t>();
  EXPECT_EQ(0, std::memcmp(round.data(), unaligned, round.size()));
  // full/zeros on the device.
  EXPECT_EQ(Tensor::full({3}, -5, DType::i8, kGpu).to_vector<int8_t>(), std::vector<int8_t>(3, -5));
  EXPECT_EQ(Tensor::zeros({0}, DType::f32, kGpu).numel(), 0);
}

TEST(GpuMemory, CacheReusesFreedBlocks) {
  HK_REQUIRE_GPU();
  const char* env = std::getenv("HK_CUDA_CACHE");
  bool caching = !(env && (std::string(env) == "0" || std::string(env) == "off"));
  hk::CudaMemoryStats before = hk::cuda_memory_stats(0);
  { Tensor t = Tensor::empty({3 << 18}, DType::f32, kGpu); }  // 3 MiB, freed at once
  hk::CudaMemoryStats mid = hk::cuda_memory_stats(0);
  EXPECT_EQ(mid.in_use_bytes, before.in_use_bytes);
  { Tensor t = Tensor::empty({3 << 18}, DType::f32, kGpu); }
  hk::CudaMemoryStats after = hk::cuda_memory_stats(0);
  if (caching) {
    EXPECT_EQ(after.device_allocations, mid.device_allocations) << "the second block should come from the cache";
    EXPECT_EQ(after.cache_hits, mid.cache_hits + 1);
    EXPECT_GE(after.cached_bytes, std::size_t(3) << 20);
  } else {
    EXPECT_EQ(after.device_allocations, mid.device_allocations + 1);
    EXPECT_EQ(after.cached_bytes, 0u);
  }
  EXPECT_GE(after.peak_in_use_bytes, std::size_t(3) << 20);
  hk::cuda_empty_cache();
  EXPECT_EQ(hk::cuda_memory_stats(0).cached_bytes, 0u);
}

TEST(GpuMemory, OutOfMemoryNamesTheSize) {
  HK_REQUIRE_GPU();
  const int64_t n = int64_t(1) << 40;  // 4 TiB of f32
  try {
    Tensor::empty({n}, DType::f32, kGpu);
    ADD_FAILURE() << "allocated 4 TiB";
  } catch (const hk::OutOfMemory& e) {
    EXPECT_EQ(e.bytes(), std::size_t(n) * 4);
    EXPECT_NE(std::string(e.what()).find(std::to_string(std::size_t(n) * 4)), std::string::npos) << e.what();
  }
  // The device is still usable afterwards.
  EXPECT_EQ(Tensor::full({2}, 1.0, DType::f32, kGpu).to_vector<float>(), std::vector<float>(2, 1.0f));
}

// ---- every cuda variant on device-resident tensors, against the CPU ---------------------

// Runs op on the CPU (naive) and on cuda with device tensors; compares exactly where hk
// promises bits (integer-valued matmul, int8, elementwise) and within the fp64 bound for
// reductions. The equivalence test covers the staged path against the reference.
void compare_with_cpu(const std::string& op, const std::string& variant, DType t) {
  SCOPED_TRACE(op + "/" + variant + " " + hk::to_string(t));
  hk::Options cpu{hk::Backend::cpu, "naive"}, gpu{hk::Backend::cuda, variant};
  if (op == "matmul") {
    for (auto [m, k, n] : {std::tuple{1, 1, 1}, {7, 13, 5}, {64, 64, 64}, {129, 67, 257}, {4, 0, 3}, {256, 512, 128}}) {
      SCOPED_TRACE(std::to_string(m) + "×" + std::to_string(k) + "×" + std::to_string(n));
      Tensor a, b;
      if (t == DType::i8) {
        a = Tensor::from_vector(hk_test::int8s(std::size_t(m * k), 1), {m, k});
        b = Tensor::from_vector(hk_test::int8s(std::size_t(k * n), 2), {k, n});
      } else {
        a = Tensor::from_vector(hk_test::small_int_floats(std::size_t(m * k), 1), {m, k});
        b = Tensor::from_vector(hk_test::small_int_floats(std::size_t(k * n), 2), {k, n});
      }
      Tensor want = hk::matmul(a, b, cpu);
      Tensor got = hk::matmul(a.to(kGpu), b.to(kGpu), gpu);
      ASSERT_EQ(got.device(), kGpu);
      if (t == DType::i8)
        ASSERT_EQ(got.to_vector<int32_t>(), want.to_vector<int32_t>());
      else
        ASSERT_EQ(got.to_vector<float>(), want.to_vector<float>());
    }
    return;
  }
  if (op == "linear") {  // small integers: exact f32 sums, so both backends give the same bits (int8 always)
    for (auto [m, k, n] : {std::tuple{1, 784, 128}, {7, 13, 5}, {65, 67, 129}, {4, 0, 3}, {256, 512, 128}})
      for (bool out_in : {false, true}) {
        SCOPED_TRACE(std::to_string(m) + "×" + std::to_string(k) + "×" + std::to_string(n) + (out_in ? " out_in" : ""));
        const hk::Shape ws = out_in ? hk::Shape{n, k} : hk::Shape{k, n};
        Tensor x = t == DType::i8 ? Tensor::from_vector(hk_test::int8s(std::size_t(m * k), 1), {m, k})
                                  : Tensor::from_vector(hk_test::small_int_floats(std::size_t(m * k), 1), {m, k});
        Tensor w = t == DType::i8 ? Tensor::from_vector(hk_test::int8s(std::size_t(k * n), 2), ws)
                                  : Tensor::from_vector(hk_test::small_int_floats(std::size_t(k * n), 2), ws);
        Tensor bias = Tensor::from_vector(hk_test::small_int_floats(std::size_t(n), 3), {n});
        hk::LinearOptions lo{.layout = out_in ? hk::WeightLayout::out_in : hk::WeightLayout::in_out, .relu = true};
        if (t == DType::i8) lo.weight_scales = Tensor::full({n}, 0.0123), lo.input_scale = 0.5f;
        Tensor want = hk::linear(x, w, bias, lo, cpu);
        hk::LinearOptions lo_gpu = lo;
        lo_gpu.weight_scales = lo.weight_scales.to(kGpu);
        Tensor got = hk::linear(x.to(kGpu), w.to(kGpu), bias.to(kGpu), lo_gpu, gpu);
        ASSERT_EQ(got.device(), kGpu);
        auto g = got.to_vector<float>(), wv = want.to_vector<float>();
        ASSERT_EQ(g.size(), wv.size());
        for (std::size_t i = 0; i < g.size(); ++i) ASSERT_TRUE(hk_test::same_float(g[i], wv[i])) << i;
      }
    return;
  }
  for (int64_t n : {int64_t(1), int64_t(7), int64_t(1031), int64_t(65537), int64_t(1) << 22}) {
    SCOPED_TRACE("n = " + std::to_string(n));
    Tensor x;
    if (t == DType::i8) {
      x = Tensor::from_vector(hk_test::int8s(std::size_t(n), 3), {n});
    } else if (t == DType::i32) {
      std::vector<int32_t> v(static_cast<std::size_t>(n));
      for (std::size_t i = 0; i < v.size(); ++i) v[i] = int32_t(uint32_t(i) * 2654435761u) >> (i % 8);
      x = Tensor::from_vector(v, {n});
    } else {
      x = Tensor::from_vector(hk_test::with_specials(hk_test::normal_floats(std::size_t(n), 3)), {n});
    }
    Tensor y = Tensor::from_vector(hk_test::normal_floats(std::size_t(n), 4), {n});
    Tensor xd = x.to(kGpu), yd = y.to(kGpu);
    auto same = [](const Tensor& got, const Tensor& want) {
      ASSERT_EQ(got.dtype(), want.dtype());
      if (got.dtype() == DType::i8) {
        ASSERT_EQ(got.to_vector<int8_t>(), want.to_vector<int8_t>());
      } else {
        auto g = got.to_vector<float>(), w = want.to_vector<float>();
        for (std::size_t i = 0; i < g.size(); ++i) ASSERT_TRUE(hk_test::same_float(g[i], w[i])) << i;
      }
    };
    const hk::OpDef& d = hk::op_def(op);
    if (d.has_output()) {
      const bool two = d.operands == 2;
      same(d.call({&xd, two ? &yd : nullptr, 0.37f}, gpu, nullptr).tensor,
           d.call({&x, two ? &y : nullptr, 0.37f}, cpu, nullptr).tensor);
    } else {
      // Both sum exact double terms in double; only the order differs, so they agree to
      // n·2⁻⁵³ of the sum of |terms|.
      auto xv = hk_test::normal_floats(std::size_t(n), 3), yv = y.to_vector<float>();
      Tensor xf = Tensor::from_vector(xv, {n});
      bool dot = op == "dot";
      double mag = 0;
      for (std::size_t i = 0; i < xv.size(); ++i) {
        double term = dot ? double(xv[i]) * yv[i] : (double(xv[i]) - yv[i]) * (double(xv[i]) - yv[i]);
        mag += std::fabs(term);
      }
      const Tensor xfd = xf.to(kGpu);
      double want = d.call({&xf, &y}, cpu, nullptr).value;
      double got = d.call({&xfd, &yd}, gpu, nullptr).value;
      if (!dot) want *= want, got *= got;
      ASSERT_LE(std::fabs(got - want), 2.0 * double(n) * 0x1p-53 * mag + 1e-300) << "cpu " << want << ", gpu " << got;
    }
  }
}

TEST(GpuVariants, EveryCudaVariantMatchesTheCpuOnDeviceTensors) {
  HK_REQUIRE_GPU();
  int checked = 0;
  for (const hk::VariantRow& row : hk::Registry::get().rows()) {
    if (row.backend != hk::Backend::cuda || !hk::Registry::supported(row)) continue;
    for (DType t : hk::Registry::dtypes(row)) {
      compare_with_cpu(row.op, row.variant, t);
      if (HasFatalFailure()) return;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(GpuVariants, CublasInt8PadsUnalignedShapesAndSaysSo) {
  HK_REQUIRE_GPU();
  hk::Options o{hk::Backend::cuda, "cublas"};
  auto run = [&](int64_t m, int64_t k, int64_t n) {
    Tensor a = Tensor::from_vector(hk_test::int8s(std::size_t(m * k), 9), {m, k});
    Tensor b = Tensor::from_vector(hk_test::int8s(std::size_t(k * n), 10), {k, n});
    Tensor got = hk::matmul(a.to(kGpu), b.to(kGpu), o);
    std::string note = hk::last_call_timing().note;
    EXPECT_EQ(got.to_vector<int32_t>(), hk::matmul(a, b, {hk::Backend::cpu, "naive"}).to_vector<int32_t>());
    return note;
  };
  EXPECT_EQ(run(8, 16, 12), "");
  std::string note = run(7, 13, 5);
  EXPECT_NE(note.find("zero-padded"), std::string::npos) << note;
  EXPECT_NE(note.find("K → 16"), std::string::npos) << note;
  // int8 extremes, incl. −128 (the CPU's wrap semantics are the same integer arithmetic).
  std::vector<int8_t> lo(64 * 64, -128);
  Tensor a = Tensor::from_vector(lo, {64, 64});
  EXPECT_EQ(hk::matmul(a.to(kGpu), a.to(kGpu), o).to_vector<int32_t>(), std::vector<int32_t>(64 * 64, 128 * 128 * 64));
}

// At hk's K limit every int8 path gives the exact sum: K = 131,071 terms of −128·−128 is
// 2,147,467,264, just inside int32 (one more term would not be).
TEST(GpuVariants, Int8AtTheKLimitIsExact) {
  HK_REQUIRE_GPU();
  const int64_t k = 131071;
  Tensor a = Tensor::from_vector(std::vector<int8_t>(std::size_t(k), -128), {1, k});
  Tensor b = Tensor::from_vector(std::vector<int8_t>(std::size_t(k * 4), -128), {k, 4});
  const int64_t exact = int64_t(128) * 128 * k;
  for (const hk::VariantInfo& v : hk::variants("matmul")) {
    if (v.backend != hk::Backend::cuda || !v.supported) continue;
    if (std::find(v.dtypes.begin(), v.dtypes.end(), DType::i8) == v.dtypes.end()) continue;
    SCOPED_TRACE(v.variant);
    auto got = hk::matmul(a.to(kGpu), b.to(kGpu), {hk::Backend::cuda, v.variant}).to_vector<int32_t>();
    for (int32_t x : got) EXPECT_EQ(int64_t(x), exact);
  }
}

// ---- staging and the timing record --------------------------------------------------------

TEST(GpuStaging, HostTensorsAreStagedAndTimedApart) {
  HK_REQUIRE_GPU();
  const int64_t n = int64_t(1) << 22;
  Tensor x = Tensor::from_vector(hk_test::normal_floats(std::size_t(n), 1), {n});
  Tensor y = hk::relu(x, {hk::Backend::cuda});
  EXPECT_EQ(y.device(), Device::cpu());
  const hk::CallTiming t = hk::last_call_timing();
  EXPECT_EQ(t.op, "relu");
  EXPECT_EQ(t.backend, hk::Backend::cuda);
  EXPECT_EQ(t.bytes_to_device, x.nbytes());
  EXPECT_EQ(t.bytes_to_host, x.nbytes());
  EXPECT_TRUE(t.timed);  // cuda calls are timed whatever set_call_timing says
  EXPECT_GT(t.kernel_ms, 0.0);
  EXPECT_GT(t.transfer_ms, 0.0);
  EXPECT_GE(t.total_ms, t.transfer_ms);
  auto got = y.to_vector<float>(), want = hk::relu(x, {hk::Backend::cpu}).to_vector<float>();
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_TRUE(hk_test::same_float(got[i], want[i])) << i;
  // Device tensors: no transfers.
  Tensor xd = x.to(kGpu);
  hk::relu(xd, {hk::Backend::cuda});
  EXPECT_EQ(hk::last_call_timing().transfer_ms, 0.0);
  EXPECT_EQ(hk::last_call_timing().bytes_to_device, 0u);
  // Mixed host and device operands are an error that names both devices.
  try {
    hk::add(x, xd, {hk::Backend::cuda});
    ADD_FAILURE() << "mixed devices accepted";
  } catch (const hk::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("cuda:0"), std::string::npos) << e.what();
  }
  // The output-parameter form writes into host memory the caller owns.
  Tensor out = Tensor::empty({n});
  hk::relu(x, out, {hk::Backend::cuda});
  EXPECT_EQ(out.to_vector<float>().size(), std::size_t(n));
  // time_kernel around device work, with the L2 flushed before each repeat as benchmarks do.
  hk::Stats s = hk::time_kernel([&] {
    hk::cuda_flush_l2(0);
    hk::relu(xd, {hk::Backend::cuda});
  }, {1, 3});
  EXPECT_GT(s.median_ms, 0.0);
  EXPECT_THROW(hk::cuda_flush_l2(int(hk::cuda_devices().size())), hk::BackendUnavailable);
}

// ---- concurrency ----------------------------------------------------------------------------

// Several host threads, each on its own stream, running matmuls (device-resident and
// staged) at once: every result must be exact and no call may fail.
TEST(GpuConcurrency, ThreadsShareTheDeviceSafely) {
  HK_REQUIRE_GPU();
  Tensor a = Tensor::from_vector(hk_test::small_int_floats(192 * 160, 1), {192, 160});
  Tensor b = Tensor::from_vector(hk_test::small_int_floats(160 * 224, 2), {160, 224});
  Tensor ai = Tensor::randn({192, 160}, 3, DType::i8), bi = Tensor::randn({160, 224}, 4, DType::i8);
  const std::vector<float> want = hk::matmul(a, b, {hk::Backend::cpu, "naive"}).to_vector<float>();
  const std::vector<int32_t> want_i = hk::matmul(ai, bi, {hk::Backend::cpu, "naive"}).to_vector<int32_t>();
  // Each variant on a dtype it takes (dp4a takes only i8).
  struct Run {
    std::string variant;
    bool int8;
  };
  std::vector<Run> runs;
  for (const hk::VariantInfo& v : hk::variants("matmul")) {
    if (v.backend != hk::Backend::cuda || !v.supported) continue;
    for (DType t : v.dtypes) runs.push_back({v.variant, t == DType::i8});
  }
  ASSERT_FALSE(runs.empty());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < 25; ++i) {
          const Run& r = runs[std::size_t(t + i) % runs.size()];
          hk::Options o{hk::Backend::cuda, r.variant};
          const Tensor &x = r.int8 ? ai : a, &y = r.int8 ? bi : b;
          Tensor c = (t % 2) ? hk::matmul(x, y, o) : hk::matmul(x.to(kGpu), y.to(kGpu), o);
          if (r.int8 ? c.to_vector<int32_t>() != want_i : c.to_vector<float>() != want) ++failures;
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << "thread " << t << ": " << e.what();
        ++failures;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  hk::synchronize();
}

#if HK_TEST_HAVE_CUDART
// The caller's current device is theirs: hk works on the tensors' device and gives the
// caller's back, so the caller's own next launch goes where they chose.
TEST(GpuDevices, CallersCurrentDeviceIsKept) {
  HK_REQUIRE_GPU();
  const int last = int(hk::cuda_devices().size()) - 1;
  ASSERT_EQ(cudaSetDevice(last), cudaSuccess);
  Tensor x = Tensor::from_vector(hk_test::normal_floats(4096, 1), {4096});
  Tensor on0 = x.to(kGpu);
  (void)hk::relu(on0, {hk::Backend::cuda});
  (void)hk::matmul(Tensor::randn({64, 64}, 1), Tensor::randn({64, 64}, 2), {hk::Backend::cuda, "cublas"});
  hk::synchronize();
  int now = -1;
  ASSERT_EQ(cudaGetDevice(&now), cudaSuccess);
  EXPECT_EQ(now, last);
  // And when the caller's device is cuda:0 while hk worked on the last one.
  ASSERT_EQ(cudaSetDevice(0), cudaSuccess);
  (void)x.to(Device::cuda(last));
  ASSERT_EQ(cudaGetDevice(&now), cudaSuccess);
  EXPECT_EQ(now, 0);
}
#endif

// gridDim.y stops at 65,535 blocks and every matmul kernel puts rows of C on y: one row
// past each kernel's limit must run (as several launches) and give the right product.
TEST(GpuVariants, MatmulRowsBeyondTheGridYLimit) {
  HK_REQUIRE_GPU();
  struct Case {
    const char* variant;
    int64_t rows_per_block;
    int block_size;
    bool int8;
  };
  const Case cases[] = {{"naive", 16, 0, false}, {"tiled", 8, 8, false}, {"register_tiled", 128, 0, false},
                        {"dp4a", 64, 0, true}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.variant);
    const int64_t m = 65535 * c.rows_per_block + 1, k = 4, n = 3;
    hk::Options o{hk::Backend::cuda, c.variant, 0, c.block_size};
    Tensor a = c.int8 ? Tensor::randn({m, k}, 1, DType::i8) : Tensor::from_vector(hk_test::small_int_floats(size_t(m * k), 1), {m, k});
    Tensor b = c.int8 ? Tensor::randn({k, n}, 2, DType::i8) : Tensor::from_vector(hk_test::small_int_floats(size_t(k * n), 2), {k, n});
    Tensor got = hk::matmul(a.to(kGpu), b.to(kGpu), o), want = hk::matmul(a, b, {hk::Backend::cpu, "naive"});
    if (c.int8)
      EXPECT_EQ(got.to_vector<int32_t>(), want.to_vector<int32_t>());
    else
      EXPECT_EQ(got.to_vector<float>(), want.to_vector<float>());
  }
}

// A reduction reads its result back to the host and frees its scratch, both of which wait
// on the host: the kernel time must stop before them (end_device_work), so for a small
// input it is a small part of the call, not nearly all of it.
TEST(GpuTiming, KernelTimeStopsBeforeTheHostWaits) {
  HK_REQUIRE_GPU();
  Tensor x = Tensor::randn({4096}, 1).to(kGpu), y = Tensor::randn({4096}, 2).to(kGpu);
  for (const hk::VariantInfo& v : hk::variants("dot")) {
    if (v.backend != hk::Backend::cuda || !v.supported) continue;
    SCOPED_TRACE(v.variant);
    std::vector<double> kernel, total;
    for (int i = 0; i < 31; ++i) {
      (void)hk::dot(x, y, {hk::Backend::cuda, v.variant});
      kernel.push_back(hk::last_call_timing().kernel_ms);
      total.push_back(hk::last_call_timing().total_ms);
    }
    std::sort(kernel.begin(), kernel.end());
    std::sort(total.begin(), total.end());
    EXPECT_GT(kernel[15], 0.0);
    EXPECT_LT(kernel[15], 0.5 * total[15]) << "median kernel " << kernel[15] << " ms of a " << total[15] << " ms call";
  }
}

TEST(GpuDevices, TensorsOnASecondDeviceComputeThere) {
  HK_REQUIRE_GPU();
  auto devices = hk::cuda_devices();
  if (devices.size() < 2 || !devices[1].usable) GTEST_SKIP() << "skipped: needs two usable CUDA devices";
  Device d1 = Device::cuda(1);
  Tensor x = Tensor::from_vector(hk_test::normal_floats(4096, 1), {4096});
  std::size_t before = hk::cuda_memory_stats(1).in_use_bytes;
  Tensor y = hk::relu(x.to(d1), {hk::Backend::cuda});
  EXPECT_EQ(y.device(), d1);
  EXPECT_GT(hk::cuda_memory_stats(1).in_use_bytes, before);
  EXPECT_EQ(y.to_vector<float>(), hk::relu(x, {hk::Backend::cpu}).to_vector<float>());
  EXPECT_EQ(x.to(d1).to(Device::cuda(0)).to_vector<float>(), x.to_vector<float>());  // peer copy
  // Staging follows the default device.
  int before_default = hk::default_cuda_device();
  hk::set_default_cuda_device(1);
  hk::relu(x, {hk::Backend::cuda});
  hk::set_default_cuda_device(before_default);
  EXPECT_EQ(hk::last_call_timing().bytes_to_device, x.nbytes());
}

}  // namespace

// `--exit-77-without-gpu`: with no usable device, say why and exit 77 before any test, so
// ctest reports the whole run skipped (SKIP_RETURN_CODE) without matching its output,
// which could also match a failing run's.
int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--exit-77-without-gpu") != 0) continue;
    if (std::string why = hk_test::no_gpu_reason(); !why.empty()) {
      std::printf("skipped: no CUDA device (%s)\n", why.c_str());
      return 77;
    }
  }
  return RUN_ALL_TESTS();
}
