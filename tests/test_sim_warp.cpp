// Warp intrinsics under the simulator: every shuffle flavour (widths, partial masks, inside
// `if (warp == 0)`, 4- and 8-byte types), votes, __activemask after early exits, __syncwarp.
#include <bit>

#include "sim_test_util.hpp"

namespace {

using namespace sim_test;
constexpr unsigned kFull = 0xffffffffu;

// ---- kernels --------------------------------------------------------------------------------

// out: 8 results per thread.
__global__ void shuffle_flavours(int* out, double* out64) {
  const int lane = threadIdx.x % 32, g = blockIdx.x * blockDim.x + threadIdx.x;
  const int v = 1000 * (threadIdx.x / 32) + lane * 10;
  out[8 * g + 0] = __shfl_sync(kFull, v, (lane + 3) % 32);
  out[8 * g + 1] = __shfl_up_sync(kFull, v, 5);
  out[8 * g + 2] = __shfl_down_sync(kFull, v, 7);
  out[8 * g + 3] = __shfl_xor_sync(kFull, v, 13);
  out[8 * g + 4] = __shfl_sync(kFull, v, 2, 8);       // lane 2 of each 8-lane segment
  out[8 * g + 5] = __shfl_up_sync(kFull, v, 3, 8);    // stays within the segment
  out[8 * g + 6] = __shfl_down_sync(kFull, v, 3, 8);
  out[8 * g + 7] = __shfl_xor_sync(kFull, v, 4, 16);
  const float f = __shfl_sync(kFull, float(lane) + 0.25f, 31 - lane);
  out64[2 * g] = __shfl_down_sync(kFull, double(lane) * 1e15 + f, 1);  // 8-byte values move whole
  out64[2 * g + 1] = double(__shfl_xor_sync(kFull, (long long)lane << 40, 1) >> 40);
}

// The two half-warps take different branches, each shuffling among its own lanes only.
__global__ void partial_masks(int* out) {
  const int lane = threadIdx.x % 32;
  int v = lane * 100;
  if (lane < 16)
    v = __shfl_down_sync(0x0000ffffu, v, 1, 16);
  else
    v = __shfl_xor_sync(0xffff0000u, v, 1);
  out[threadIdx.x] = v;
}

// The block-reduce pattern: each warp reduces its values with shuffles, warp 0 reduces the
// warps' partial sums — shuffles inside `if (warp == 0)`.
__global__ void block_reduce(const int* x, int* sums) {
  __shared__ int partial[32];
  const int t = threadIdx.x, lane = t % 32, warp = t / 32;
  int v = x[blockIdx.x * blockDim.x + t];
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(kFull, v, offset);
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (warp == 0) {
    const int warps = blockDim.x / 32;
    v = lane < warps ? partial[lane] : 0;
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(kFull, v, offset);
    if (lane == 0) sums[blockIdx.x] = v;
  }
}

__global__ void votes(unsigned* out) {
  const int lane = threadIdx.x % 32;
  out[4 * threadIdx.x + 0] = __ballot_sync(kFull, lane % 3 == 0);
  out[4 * threadIdx.x + 1] = __all_sync(kFull, lane < 32);
  out[4 * threadIdx.x + 2] = __all_sync(kFull, lane != 7);
  out[4 * threadIdx.x + 3] = __any_sync(kFull, lane == 31);
}

// Lanes at and beyond n leave first; the rest vote among themselves.
__global__ void ballot_after_exit(unsigned* out, int n) {
  const int t = threadIdx.x;
  if (t >= n) return;
  const unsigned active = __activemask();
  const unsigned ballot = __ballot_sync(active, t % 2 == 1);
  out[2 * t] = active;
  out[2 * t + 1] = ballot;
}

// Lanes exchange through shared memory; __syncwarp orders the writes before the reads.
__global__ void syncwarp_exchange(int* out) {
  __shared__ int s[64];
  const int t = threadIdx.x, lane = t % 32, base = t - lane;
  s[t] = t * 7;
  __syncwarp();
  out[t] = s[base + (lane + 1) % 32];
  __syncwarp();
  s[t] = -t;
  __syncwarp(0xffffffffu);
  out[64 + t] = s[base + (31 - lane)];
}

// A block of 40 threads: warp 1 has 8 lanes, and a mask naming only them is fine.
__global__ void short_last_warp(int* out) {
  const int t = threadIdx.x, lane = t % 32;
  const unsigned mask = t < 32 ? kFull : 0xffu;
  out[t] = __shfl_sync(mask, t * 2, (lane + 1) % (t < 32 ? 32 : 8));
  out[40 + t] = static_cast<int>(__ballot_sync(mask, 1));
}

// ---- tests ----------------------------------------------------------------------------------

TEST(SimWarp, EveryShuffleFlavour) {
  const int blocks = 2, n = 64;
  std::vector<int> out(8 * blocks * n, -1);
  std::vector<double> out64(2 * blocks * n, -1);
  launch(on_threads(2), shuffle_flavours, dim3(blocks), dim3(n))(out.data(), out64.data());
  for (int g = 0; g < blocks * n; ++g) {
    const int t = g % n, lane = t % 32, w = 1000 * (t / 32);
    auto val = [&](int l) { return w + l * 10; };
    const int* r = &out[size_t(8 * g)];
    ASSERT_EQ(r[0], val((lane + 3) % 32)) << "thread " << g;
    ASSERT_EQ(r[1], val(lane >= 5 ? lane - 5 : lane)) << "thread " << g;
    ASSERT_EQ(r[2], val(lane + 7 < 32 ? lane + 7 : lane)) << "thread " << g;
    ASSERT_EQ(r[3], val(lane ^ 13)) << "thread " << g;
    const int seg8 = lane & ~7;
    ASSERT_EQ(r[4], val(seg8 + 2)) << "thread " << g;
    ASSERT_EQ(r[5], val(lane - 3 >= seg8 ? lane - 3 : lane)) << "thread " << g;
    ASSERT_EQ(r[6], val(lane + 3 < seg8 + 8 ? lane + 3 : lane)) << "thread " << g;
    ASSERT_EQ(r[7], val(lane ^ 4)) << "thread " << g;
    const int src = lane < 31 ? lane + 1 : lane;  // shfl_down by 1
    const double expected = double(src) * 1e15 + (float(31 - src) + 0.25f);
    ASSERT_EQ(out64[size_t(2 * g)], expected) << "thread " << g;
    ASSERT_EQ(out64[size_t(2 * g + 1)], double(lane ^ 1)) << "thread " << g;
  }
}

TEST(SimWarp, PartialMasksInDivergentBranches) {
  std::vector<int> out(64, -1);
  launch(on_threads(1), partial_masks, dim3(1), dim3(64))(out.data());
  for (int t = 0; t < 64; ++t) {
    const int lane = t % 32;
    const int expected = lane < 16 ? (lane + 1 < 16 ? lane + 1 : lane) * 100 : (lane ^ 1) * 100;
    EXPECT_EQ(out[size_t(t)], expected) << "thread " << t;
  }
}

TEST(SimWarp, ShufflesInsideIfWarpZero) {
  for (int n : {32, 96, 256, 1024}) {
    const int blocks = 9;
    std::vector<int> x(size_t(blocks * n)), sums(blocks, 0);
    for (size_t i = 0; i < x.size(); ++i) x[i] = int(i * 7 % 101) - 50;
    launch(on_threads(2), block_reduce, dim3(blocks), dim3(n))(x.data(), sums.data());
    for (int b = 0; b < blocks; ++b) {
      int expected = 0;
      for (int i = 0; i < n; ++i) expected += x[size_t(b * n + i)];
      EXPECT_EQ(sums[size_t(b)], expected) << "block size " << n << ", block " << b;
    }
  }
}

TEST(SimWarp, BallotAllAny) {
  std::vector<unsigned> out(4 * 64);
  launch(on_threads(1), votes, dim3(1), dim3(64))(out.data());
  for (int t = 0; t < 64; ++t) {
    EXPECT_EQ(out[size_t(4 * t)], 0x49249249u);  // lanes 0, 3, 6, ..., 30
    EXPECT_EQ(out[size_t(4 * t + 1)], 1u);
    EXPECT_EQ(out[size_t(4 * t + 2)], 0u);
    EXPECT_EQ(out[size_t(4 * t + 3)], 1u);
  }
}

TEST(SimWarp, BallotAfterEarlyExitingLanes) {
  for (int n : {1, 13, 32, 45, 64}) {
    std::vector<unsigned> out(128, 0xdeadbeef);
    launch(on_threads(1), ballot_after_exit, dim3(1), dim3(64))(out.data(), n);
    for (int t = 0; t < n; ++t) {
      const int warp_base = t / 32 * 32;
      const int live = std::min(n - warp_base, 32);
      const unsigned active = live == 32 ? 0xffffffffu : (1u << live) - 1;
      EXPECT_EQ(out[size_t(2 * t)], active) << "n " << n << ", thread " << t;
      EXPECT_EQ(out[size_t(2 * t + 1)], active & 0xaaaaaaaau) << "n " << n << ", thread " << t;
    }
    for (int t = n; t < 64; ++t) EXPECT_EQ(out[size_t(2 * t)], 0xdeadbeefu) << "exited thread " << t << " wrote";
  }
}

TEST(SimWarp, SyncwarpOrdersSharedMemory) {
  for (const Schedule& s : all_schedules()) {
    ScheduleScope scope(s);
    std::vector<int> out(128, -1);
    launch(on_threads(1), syncwarp_exchange, dim3(1), dim3(64))(out.data());
    for (int t = 0; t < 64; ++t) {
      const int lane = t % 32, base = t - lane;
      ASSERT_EQ(out[size_t(t)], (base + (lane + 1) % 32) * 7) << hk::sim::to_string(s);
      ASSERT_EQ(out[size_t(64 + t)], -(base + 31 - lane)) << hk::sim::to_string(s);
    }
  }
}

TEST(SimWarp, ShortLastWarp) {
  std::vector<int> out(80, -1);
  launch(on_threads(1), short_last_warp, dim3(1), dim3(40))(out.data());
  for (int t = 0; t < 40; ++t) {
    const int lane = t % 32, base = t - lane, width = t < 32 ? 32 : 8;
    EXPECT_EQ(out[size_t(t)], (base + (lane + 1) % width) * 2) << "thread " << t;
    EXPECT_EQ(unsigned(out[size_t(40 + t)]), t < 32 ? 0xffffffffu : 0xffu) << "thread " << t;
  }
}

}  // namespace
