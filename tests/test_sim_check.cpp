// cuda_sim as a sanitizer and profiler (hk/experimental/sim_check.hpp). This file is
// compiled with cuda_sim's instrumentation (tests/CMakeLists.txt), so its kernels report
// every access, like hk's own under checks: the counters on kernels whose figures are
// worked out by hand; each check on a kernel with its bug planted; hk's matmul ladder
// against what Nsight Compute measured on an H200 (tests/data/h200_ncu_matmul_256.csv).
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <fstream>
#include <map>
#include <sstream>

#include "cuda/sim/checker.hpp"
#include "hk/experimental/sim_check.hpp"
#include "sim_test_util.hpp"

namespace {

using namespace sim_test;
using hk::sim::SimCounters;

// Runs `go` as one call whose tensors are `buffers`, with `checks` and the profiler on;
// returns the launch's counters.
struct Buffer {
  const void* data;
  std::size_t bytes;
  const char* name;
};
template <class F> SimCounters counted(std::initializer_list<Buffer> buffers, unsigned checks, F&& go) {
  std::vector<hk::sim::SimKernelProfile> profiles;
  hk::sim::CallChecks call;
  call.checks = checks;
  call.profile = true;
  call.profiles = &profiles;
  for (const Buffer& b : buffers) {
    const auto p = reinterpret_cast<uintptr_t>(b.data);
    call.allocations.push_back({p, p + b.bytes, b.name});
  }
  hk::sim::set_current_call_checks(&call);
  try {
    go();
  } catch (...) {
    hk::sim::set_current_call_checks(nullptr);
    throw;
  }
  hk::sim::set_current_call_checks(nullptr);
  EXPECT_EQ(profiles.size(), 1u);
  return profiles.empty() ? SimCounters{} : profiles[0].total;
}

// ---- counters on kernels worked out by hand (one warp each) ----------------------------------------

__global__ void read_strided(const float* x, float* out, int stride) { out[threadIdx.x] = x[threadIdx.x * stride]; }

// Sector counts depend on alignment: these buffers start on a 128-byte boundary.
struct alignas(128) Floats {
  float v[32 * 32] = {};
};

TEST(SimCounters, ConsecutiveFloatsAreOneRequestOfFourSectors) {
  auto x = std::make_unique<Floats>(), out = std::make_unique<Floats>();
  const SimCounters c = counted({{x->v, sizeof x->v, "x"}, {out->v, 128, "out"}}, 0, [&] {
    launch(on_threads(1), read_strided, dim3(1), dim3(32))(x->v, out->v, 1);
  });
  EXPECT_EQ(c.global_ld_requests, 1u);
  EXPECT_EQ(c.global_ld_sectors, 4u);  // 128 bytes from a 128-byte boundary
  EXPECT_EQ(c.global_st_requests, 1u);
  EXPECT_EQ(c.global_st_sectors, 4u);
  EXPECT_EQ(c.global_ld_bytes, 128u);
}

TEST(SimCounters, AStrideOf32FloatsIs32Sectors) {
  auto x = std::make_unique<Floats>(), out = std::make_unique<Floats>();
  const SimCounters c = counted({{x->v, sizeof x->v, "x"}, {out->v, 128, "out"}}, 0, [&] {
    launch(on_threads(1), read_strided, dim3(1), dim3(32))(x->v, out->v, 32);
  });
  EXPECT_EQ(c.global_ld_requests, 1u);
  EXPECT_EQ(c.global_ld_sectors, 32u);
}

// Shared reads: `index` of each lane; `wide` reads a float4 instead of a float.
__global__ void shared_reads(float* out, int mode) {
  __shared__ __align__(16) float s[256];
  HK_TRACE_SHARED(s);
  for (int i = threadIdx.x; i < 256; i += 32) s[i] = float(i);
  __syncthreads();
  const int t = threadIdx.x;
  float v = 0;
  if (mode == 0) v = s[0];                                        // broadcast
  if (mode == 1) v = s[2 * t];                                    // stride of 2 words
  if (mode == 2) v = s[t];                                        // consecutive words
  if (mode == 3) v = reinterpret_cast<const float4*>(s)[t].x;     // 32 consecutive float4 (read whole)
  if (mode == 4) {
    const float4 q = reinterpret_cast<const float4*>(s)[t];
    v = q.x + q.y + q.z + q.w;
  }
  out[t] = v;
}

SimCounters shared_case(int mode) {
  std::vector<float> out(32);
  return counted({{out.data(), 128, "out"}}, hk::sim::all_checks, [&] {
    launch(on_threads(1), shared_reads, dim3(1), dim3(32))(out.data(), mode);
  });
}

TEST(SimCounters, SharedBroadcastIsOneWavefront) {
  const SimCounters c = shared_case(0);
  EXPECT_EQ(c.shared_ld_requests, 1u);
  EXPECT_EQ(c.shared_ld_wavefronts, 1u);
  EXPECT_EQ(c.shared_ld_bank_conflicts, 0u);
  EXPECT_EQ(c.shared_st_requests, 8u);  // the fill: 8 rounds of 32 consecutive words
  EXPECT_EQ(c.shared_st_wavefronts, 8u);
  EXPECT_EQ(c.barriers, 1u);
}

TEST(SimCounters, AStrideOfTwoWordsIsATwoWayConflict) {
  const SimCounters c = shared_case(1);
  EXPECT_EQ(c.shared_ld_requests, 1u);
  EXPECT_EQ(c.shared_ld_wavefronts, 2u);
  EXPECT_EQ(c.shared_ld_bank_conflicts, 1u);
}

TEST(SimCounters, ConsecutiveWordsAreOneWavefront) {
  const SimCounters c = shared_case(2);
  EXPECT_EQ(c.shared_ld_wavefronts, 1u);
  EXPECT_EQ(c.shared_ld_bank_conflicts, 0u);
}

TEST(SimCounters, Float4AccessesGoAQuarterWarpAtATime) {
  // 512 bytes: four quarter-warps of 128 bytes, each conflict-free: 4 wavefronts, as the
  // 128-bit rule says (mode 3 reads one word of each float4: a 32-bit access, stride 4).
  const SimCounters whole = shared_case(4);
  EXPECT_EQ(whole.shared_ld_requests, 1u);
  EXPECT_EQ(whole.shared_ld_wavefronts, 4u);
  EXPECT_EQ(whole.shared_ld_bank_conflicts, 0u);
  const SimCounters one_word = shared_case(3);
  EXPECT_EQ(one_word.shared_ld_wavefronts, 4u);  // 32 words, 4 per bank group of 8: 4-way
  EXPECT_EQ(one_word.shared_ld_bank_conflicts, 3u);
}

// ---- each check catches its planted bug, and the simulator carries on --------------------------

__global__ void read_past_end(const float* x, float* out, int n) { out[threadIdx.x] = x[threadIdx.x + n - 31]; }

TEST(SimChecks, MemcheckCatchesAReadPastATensor) {
  std::vector<float> x(64, 1.0f), out(32);
  const std::string msg = cuda_error_of([&] {
    counted({{x.data(), 64 * 4, "input 0 (x)"}, {out.data(), 128, "the output"}}, hk::sim::memcheck, [&] {
      launch(on_threads(1), read_past_end, dim3(1), dim3(32))(x.data(), out.data(), 64);
    });
  });
  EXPECT_NE(msg.find("memcheck: read of 4 bytes at "), std::string::npos) << msg;
  EXPECT_NE(msg.find("test_sim_check.cpp:"), std::string::npos) << msg;  // the kernel's line
  EXPECT_NE(msg.find("by thread (31,0,0)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("block (0,0,0)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("0 bytes after the end of input 0 (x)"), std::string::npos) << msg;
  // Usable afterwards: the same launch, in bounds, is clean and right.
  counted({{x.data(), 64 * 4, "x"}, {out.data(), 128, "out"}}, hk::sim::all_checks, [&] {
    launch(on_threads(1), read_past_end, dim3(1), dim3(32))(x.data(), out.data(), 33);
  });
  EXPECT_EQ(out[31], 1.0f);
}

__global__ void shared_past_end(float* out) {
  __shared__ float s[32];
  HK_TRACE_SHARED(s);
  s[threadIdx.x] = 1.0f;
  __syncthreads();
  out[threadIdx.x] = s[threadIdx.x + 1];  // lane 31 reads s[32]
}

TEST(SimChecks, MemcheckCatchesASharedAccessOutsideItsArray) {
  std::vector<float> out(32);
  const std::string msg = cuda_error_of([&] {
    counted({{out.data(), 128, "out"}}, hk::sim::memcheck, [&] {
      launch(on_threads(1), shared_past_end, dim3(1), dim3(32))(out.data());
    });
  });
  EXPECT_NE(msg.find("memcheck: read of 4 bytes"), std::string::npos) << msg;
  EXPECT_NE(msg.find("thread (31,0,0)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("0 bytes after the end of __shared__ 's'"), std::string::npos) << msg;
}

// The classic tiled-matmul race: the tile is read before every thread stored its element.
__global__ void no_barrier_after_store(const float* x, float* out) {
  __shared__ float s[64];
  HK_TRACE_SHARED(s);
  s[threadIdx.x] = x[threadIdx.x];
  out[threadIdx.x] = s[63 - threadIdx.x];
}

TEST(SimChecks, RacecheckCatchesAMissingBarrier) {
  std::vector<float> x(64, 2.0f), out(64);
  const std::string msg = cuda_error_of([&] {
    counted({{x.data(), 256, "x"}, {out.data(), 256, "out"}}, hk::sim::racecheck, [&] {
      launch(on_threads(1), no_barrier_after_store, dim3(1), dim3(64))(x.data(), out.data());
    });
  });
  EXPECT_NE(msg.find("racecheck: thread ("), std::string::npos) << msg;
  EXPECT_NE(msg.find("__shared__ 's' byte"), std::string::npos) << msg;
  EXPECT_NE(msg.find("with no barrier between them"), std::string::npos) << msg;
  // Both accesses named, each with its thread and line.
  EXPECT_GE(std::count(msg.begin(), msg.end(), ':'), 4) << msg;
}

__global__ void reads_unwritten(float* out) {
  __shared__ float s[32];
  HK_TRACE_SHARED(s);
  if (threadIdx.x < 16) s[threadIdx.x] = 1.0f;
  __syncthreads();
  out[threadIdx.x] = s[threadIdx.x];  // lanes 16..31 read what nobody wrote
}

TEST(SimChecks, InitcheckCatchesAReadOfUnwrittenShared) {
  std::vector<float> out(32);
  const std::string msg = cuda_error_of([&] {
    counted({{out.data(), 128, "out"}}, hk::sim::initcheck, [&] {
      launch(on_threads(1), reads_unwritten, dim3(1), dim3(32))(out.data());
    });
  });
  EXPECT_NE(msg.find("initcheck: thread ("), std::string::npos) << msg;
  // Which of lanes 16..31 reads first depends on the schedule (HK_SIM_SCHEDULE).
  const std::size_t at = msg.find("reads __shared__ 's' byte ");
  ASSERT_NE(at, std::string::npos) << msg;
  const int byte = std::atoi(msg.c_str() + at + 26);
  EXPECT_GE(byte, 64) << msg;  // s[16..31]: bytes 64..127
  EXPECT_LT(byte, 128) << msg;
  EXPECT_NE(msg.find("which no thread of the block has written since the launch"), std::string::npos) << msg;
}

TEST(SimChecks, ChecksParseAndRejectUnknownNames) {
  EXPECT_EQ(hk::sim::parse_sim_checks("memcheck,racecheck"), unsigned(hk::sim::memcheck | hk::sim::racecheck));
  EXPECT_EQ(hk::sim::parse_sim_checks("all"), unsigned(hk::sim::all_checks));
  EXPECT_EQ(hk::sim::parse_sim_checks("none"), 0u);
  EXPECT_THROW(hk::sim::parse_sim_checks("memcheck,speling"), hk::InvalidArgument);
}

// ---- hk's matmul ladder against the H200 ---------------------------------------------------------

std::map<std::string, std::map<std::string, uint64_t>> h200() {
  std::ifstream in(std::string(HK_SOURCE_DIR) + "/tests/data/h200_ncu_matmul_256.csv");
  std::vector<std::string> header;
  std::map<std::string, std::map<std::string, uint64_t>> rows;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
    if (header.empty()) {
      header = cells;
      continue;
    }
    for (std::size_t i = 3; i < cells.size() && i < header.size(); ++i) rows[cells[0]][header[i]] = std::stoull(cells[i]);
  }
  return rows;
}

hk::sim::SimKernelProfile profile_matmul(const char* variant, bool i8) {
  const int64_t n = 256;
  hk::Tensor a = i8 ? hk::Tensor::from_vector(std::vector<int8_t>(n * n, 3), {n, n})
                    : hk::Tensor::from_vector(std::vector<float>(n * n, 1.5f), {n, n});
  auto profiles = hk::sim::sim_profile([&] { hk::matmul(a, a, {hk::Backend::cuda_sim, variant}); });
  EXPECT_EQ(profiles.size(), 1u);
  return profiles.empty() ? hk::sim::SimKernelProfile{} : profiles[0];
}

#define HK_EXPECT_H200(row, field) EXPECT_EQ(c.field, ref.at(row).at(#field)) << row << " " #field

TEST(SimProfileH200, NaiveMatchesEveryCounter) {
  const auto ref = h200();
  const SimCounters c = profile_matmul("naive", false).total;
  const char* row = "matmul:f32/naive";
  HK_EXPECT_H200(row, global_ld_requests);
  HK_EXPECT_H200(row, global_ld_sectors);
  HK_EXPECT_H200(row, global_st_requests);
  HK_EXPECT_H200(row, global_st_sectors);
  HK_EXPECT_H200(row, shared_ld_requests);
}

TEST(SimProfileH200, TiledMatchesGlobalMemoryAndSharedStores) {
  const auto ref = h200();
  const SimCounters c = profile_matmul("tiled", false).total;
  const char* row = "matmul:f32/tiled";
  HK_EXPECT_H200(row, global_ld_requests);
  HK_EXPECT_H200(row, global_ld_sectors);
  HK_EXPECT_H200(row, global_st_requests);
  HK_EXPECT_H200(row, global_st_sectors);
  HK_EXPECT_H200(row, shared_st_requests);
  HK_EXPECT_H200(row, shared_st_wavefronts);
  HK_EXPECT_H200(row, shared_st_bank_conflicts);
  // The source reads the tiles one float at a time (the lesson of this rung); nvcc merged
  // each thread's four a_tile reads into one 128-bit read: 16 + 16 scalar reads per K step
  // here, 16 + 4 there.
  EXPECT_EQ(c.shared_ld_requests, 1048576u);
  EXPECT_EQ(c.shared_ld_bank_conflicts, 0u);
}

TEST(SimProfileH200, RegisterTiledMatchesEveryCounterAndIsConflictFree) {
  const auto ref = h200();
  const SimCounters c = profile_matmul("register_tiled", false).total;
  const char* row = "matmul:f32/register_tiled";
  HK_EXPECT_H200(row, global_ld_requests);
  HK_EXPECT_H200(row, global_ld_sectors);
  HK_EXPECT_H200(row, global_st_requests);
  HK_EXPECT_H200(row, global_st_sectors);
  HK_EXPECT_H200(row, shared_ld_requests);
  HK_EXPECT_H200(row, shared_ld_wavefronts);
  HK_EXPECT_H200(row, shared_ld_bank_conflicts);
  HK_EXPECT_H200(row, shared_st_requests);
  HK_EXPECT_H200(row, shared_st_wavefronts);
  HK_EXPECT_H200(row, shared_st_bank_conflicts);
  // The ideal: float4 loads, 16 sectors per request; float4 stores of C, every sector whole.
  EXPECT_EQ(c.global_ld_sectors, 16 * c.global_ld_requests);
  EXPECT_EQ(c.global_st_sectors * 32, c.global_st_bytes);
}

TEST(SimProfileH200, Dp4aMatchesEveryCounterAndIsConflictFree) {
  const auto ref = h200();
  const SimCounters c = profile_matmul("dp4a", true).total;
  const char* row = "matmul:i8/dp4a";
  // The epilogue stores a thread's 4 adjacent results as one int4: every sector written whole
  // (one int at a time, it took 4x the requests and sectors).
  EXPECT_EQ(c.global_st_sectors * 32, c.global_st_bytes);
  HK_EXPECT_H200(row, global_st_requests);
  HK_EXPECT_H200(row, global_st_sectors);
  HK_EXPECT_H200(row, global_ld_requests);
  HK_EXPECT_H200(row, global_ld_sectors);
  HK_EXPECT_H200(row, shared_ld_requests);
  HK_EXPECT_H200(row, shared_ld_wavefronts);
  HK_EXPECT_H200(row, shared_ld_bank_conflicts);
  HK_EXPECT_H200(row, shared_st_requests);
  HK_EXPECT_H200(row, shared_st_wavefronts);
  HK_EXPECT_H200(row, shared_st_bank_conflicts);
}

TEST(SimProfile, LinesNameTheKernelSource) {
  const auto p = profile_matmul("tiled", false);
  ASSERT_FALSE(p.lines.empty());
  EXPECT_EQ(p.lines[0].file, "cuda/kernels/matmul_f32_tiled.cuh");  // the inner loop's reads lead
  EXPECT_GT(p.lines[0].line, 0);
  EXPECT_EQ(p.grid[0], 16u);
  EXPECT_EQ(p.block[0], 16u);
}

}  // namespace
