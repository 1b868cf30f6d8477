// The simulator's block-level semantics: __syncthreads and its votes, shared memory (static
// and dynamic), thread/block coordinates in 1-3 dimensions, and the schedules.
#include <numeric>
#include <set>

#include "sim_test_util.hpp"

namespace {

using namespace sim_test;

// ---- kernels (device code) ------------------------------------------------------------------

// Each thread publishes a value, then reads its neighbour's: correct only if the barrier
// makes every write visible before any read, whatever order the threads run in.
__global__ void rotate_through_shared(int* out) {
  __shared__ int s[1024];
  const int n = blockDim.x, t = threadIdx.x;
  s[t] = t * 3 + 1;
  __syncthreads();
  out[blockIdx.x * n + t] = s[(t + 1) % n];
}

// Tree reduction: one barrier per level, in a loop.
__global__ void block_sum(const int* x, int* sums) {
  __shared__ int s[256];
  const int t = threadIdx.x;
  s[t] = x[blockIdx.x * 256 + t];
  __syncthreads();
  for (int stride = 128; stride > 0; stride /= 2) {
    if (t < stride) s[t] += s[t + stride];
    __syncthreads();
  }
  if (t == 0) sums[blockIdx.x] = s[0];
}

__global__ void barrier_votes(int* out) {
  const int t = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
  const int count = __syncthreads_count(t % 3 == 0);
  const int all_multiple = __syncthreads_and(t % 3 == 0);
  const int all_nonneg = __syncthreads_and(t >= 0);
  const int any_big = __syncthreads_or(t == 95);
  const int any_huge = __syncthreads_or(t > 1000);
  if (t == 0) {
    out[0] = count;
    out[1] = all_multiple;
    out[2] = all_nonneg;
    out[3] = any_big;
    out[4] = any_huge;
  }
}

// Every thread of a 3-D grid of 3-D blocks records its coordinates at its global index.
__global__ void coordinates(unsigned* out) {
  const unsigned block = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
  const unsigned thread = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
  const unsigned g = block * (blockDim.x * blockDim.y * blockDim.z) + thread;
  out[4 * g + 0] = threadIdx.x | threadIdx.y << 8 | threadIdx.z << 16;
  out[4 * g + 1] = blockIdx.x | blockIdx.y << 8 | blockIdx.z << 16;
  out[4 * g + 2] = blockDim.x | blockDim.y << 8 | blockDim.z << 16;
  out[4 * g + 3] = gridDim.x | gridDim.y << 8 | gridDim.z << 16;
}

// Reverses each block's slice through dynamic shared memory.
__global__ void reverse_dynamic(const float* x, float* out, uintptr_t* alignment) {
  HK_DYNAMIC_SHARED(float, buffer);
  const int n = blockDim.x, t = threadIdx.x;
  buffer[t] = x[blockIdx.x * n + t];
  __syncthreads();
  out[blockIdx.x * n + t] = buffer[n - 1 - t];
  if (t == 0) alignment[blockIdx.x] = reinterpret_cast<uintptr_t>(buffer) % 16;
}

// A race on purpose: every thread writes `last`, thread 0 reports the winner.
__global__ void last_writer(int* out) {
  __shared__ int last;
  last = threadIdx.x;
  __syncthreads();
  if (threadIdx.x == 0) out[blockIdx.x] = last;
}

// A race between blocks: the block that runs last wins.
__global__ void last_block(int* out) {
  if (threadIdx.x == 0) *out = blockIdx.x;
}

// ---- tests ----------------------------------------------------------------------------------

TEST(SimBarrier, MakesSharedWritesVisibleUnderEverySchedule) {
  for (int n : {1, 31, 32, 33, 200, 1024}) {
    for (const Schedule& s : all_schedules()) {
      ScheduleScope scope(s);
      SCOPED_TRACE("block " + std::to_string(n) + ", schedule " + hk::sim::to_string(s));
      std::vector<int> out(size_t(3 * n), -1);
      launch(on_threads(2), rotate_through_shared, dim3(3), dim3(n))(out.data());
      for (int b = 0; b < 3; ++b)
        for (int t = 0; t < n; ++t) ASSERT_EQ(out[size_t(b * n + t)], (t + 1) % n * 3 + 1) << "block " << b << " thread " << t;
    }
  }
}

TEST(SimBarrier, BarriersInALoop) {
  const int blocks = 37;
  std::vector<int> x(blocks * 256), sums(blocks, 0);
  for (size_t i = 0; i < x.size(); ++i) x[i] = int(i % 1000) - 400;
  launch(on_threads(2), block_sum, dim3(blocks), dim3(256))(x.data(), sums.data());
  for (int b = 0; b < blocks; ++b)
    EXPECT_EQ(sums[size_t(b)], std::accumulate(x.begin() + b * 256, x.begin() + (b + 1) * 256, 0)) << "block " << b;
}

TEST(SimBarrier, CountAndOrVotes) {
  std::vector<int> out(5, -1);
  launch(on_threads(1), barrier_votes, dim3(1), dim3(8, 4, 3))(out.data());  // 96 threads, partial last warp
  EXPECT_EQ(out[0], 32);  // t % 3 == 0 for t in 0..95
  EXPECT_EQ(out[1], 0);
  EXPECT_EQ(out[2], 1);
  EXPECT_EQ(out[3], 1);
  EXPECT_EQ(out[4], 0);
}

TEST(SimLaunch, CoordinatesInThreeDimensions) {
  const dim3 grid(3, 2, 2), block(4, 3, 5);
  const unsigned total = 3 * 2 * 2 * 4 * 3 * 5;
  std::vector<unsigned> out(4 * total, 0xdeadbeef);
  launch(on_threads(2), coordinates, grid, block)(out.data());
  std::set<unsigned> seen;
  for (unsigned g = 0; g < total; ++g) {
    const unsigned block_linear = g / 60, thread_linear = g % 60;
    const unsigned tx = thread_linear % 4, ty = thread_linear / 4 % 3, tz = thread_linear / 12;
    const unsigned bx = block_linear % 3, by = block_linear / 3 % 2, bz = block_linear / 6;
    ASSERT_EQ(out[4 * g + 0], tx | ty << 8 | tz << 16) << "index " << g;
    ASSERT_EQ(out[4 * g + 1], bx | by << 8 | bz << 16) << "index " << g;
    ASSERT_EQ(out[4 * g + 2], 4u | 3u << 8 | 5u << 16);
    ASSERT_EQ(out[4 * g + 3], 3u | 2u << 8 | 2u << 16);
  }
}

TEST(SimSharedMemory, DynamicSharedMemoryIsPerBlockAndAligned) {
  for (int n : {7, 64, 1000}) {
    const int blocks = 5;
    std::vector<float> x(size_t(blocks * n)), out(x.size(), -1.0f);
    std::vector<uintptr_t> alignment(blocks, 99);
    for (size_t i = 0; i < x.size(); ++i) x[i] = float(i) * 0.5f;
    launch(on_threads(2), reverse_dynamic, dim3(blocks), dim3(n), n * sizeof(float))(x.data(), out.data(),
                                                                                    alignment.data());
    for (int b = 0; b < blocks; ++b) {
      EXPECT_EQ(alignment[size_t(b)], 0u);
      for (int t = 0; t < n; ++t) ASSERT_EQ(out[size_t(b * n + t)], x[size_t(b * n + n - 1 - t)]) << "n " << n;
    }
  }
}

TEST(SimSchedule, RacyKernelGivesDifferentResultsUnderDifferentSchedules) {
  auto winner = [](Schedule s) {
    ScheduleScope scope(s);
    std::vector<int> out(1, -1);
    launch(on_threads(1), last_writer, dim3(1), dim3(256))(out.data());
    return out[0];
  };
  EXPECT_EQ(winner({Schedule::Order::forward, 1}), 255);  // lanes and warps in order: thread 255 writes last
  EXPECT_EQ(winner({Schedule::Order::reverse, 1}), 0);
  std::set<int> random_winners;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    EXPECT_EQ(winner({Schedule::Order::random, seed}), winner({Schedule::Order::random, seed})) << "seed " << seed;
    random_winners.insert(winner({Schedule::Order::random, seed}));
  }
  EXPECT_GE(random_winners.size(), 2u) << "random schedules with different seeds should pick different winners";

  auto last = [](Schedule s) {
    ScheduleScope scope(s);
    int out = -1;
    launch(on_threads(1), last_block, dim3(64), dim3(32))(&out);
    return out;
  };
  EXPECT_EQ(last({Schedule::Order::forward, 1}), 63);
  EXPECT_EQ(last({Schedule::Order::reverse, 1}), 0);
}

TEST(SimSchedule, ParsesTheEnvironmentSyntax) {
  EXPECT_EQ(hk::sim::parse_schedule("forward").order, Schedule::Order::forward);
  EXPECT_EQ(hk::sim::parse_schedule("reverse").order, Schedule::Order::reverse);
  EXPECT_EQ(hk::sim::parse_schedule("random").order, Schedule::Order::random);
  Schedule s = hk::sim::parse_schedule("random:42");
  EXPECT_EQ(s.order, Schedule::Order::random);
  EXPECT_EQ(s.seed, 42u);
  EXPECT_EQ(hk::sim::to_string(s), "random:42");
  EXPECT_THROW(hk::sim::parse_schedule("backwards"), hk::InvalidArgument);
  EXPECT_THROW(hk::sim::parse_schedule("random:x"), hk::InvalidArgument);
  EXPECT_THROW(hk::sim::parse_schedule("random:"), hk::InvalidArgument);
}

TEST(SimBackend, IsAvailableAndSaysItIsNotAPerformanceNumber) {
  bool found = false;
  for (const hk::BackendInfo& b : hk::backends()) {
    if (b.backend != hk::Backend::cuda_sim) continue;
    found = true;
    EXPECT_TRUE(b.available);
    EXPECT_EQ(b.reason, "functional simulation — not a performance number");
  }
  EXPECT_TRUE(found);
  EXPECT_NE(hk::Registry::get().find("matmul", hk::Backend::cuda_sim, "tiled"), nullptr);
  const hk::VariantRow* naive = hk::Registry::get().find("relu", hk::Backend::cuda_sim, "naive");
  EXPECT_NE(naive, nullptr);
  // The bottom rung's former name still selects it.
  EXPECT_EQ(hk::Registry::get().find("relu", hk::Backend::cuda_sim, "elementwise"), naive);
  EXPECT_EQ(hk::resolve_backend(hk::Backend::automatic) == hk::Backend::cuda_sim, false);  // auto never simulates
}

// The equivalence test runs the default tile (16); the other tile edges are template
// instantiations of the same kernel and must agree exactly on integer inputs.
TEST(SimBackend, TiledMatmulEveryTileSize) {
  const int64_t m = 37, k = 45, n = 29;
  std::vector<float> av(size_t(m * k)), bv(size_t(k * n));
  for (size_t i = 0; i < av.size(); ++i) av[i] = float(int(i * 7 % 17) - 8);
  for (size_t i = 0; i < bv.size(); ++i) bv[i] = float(int(i * 5 % 13) - 6);
  hk::Tensor a = hk::Tensor::from_vector(av, {m, k}), b = hk::Tensor::from_vector(bv, {k, n});
  for (int tile : {0, 8, 16, 32}) {
    hk::Options o{hk::Backend::cuda_sim, "tiled", 2};
    o.block_size = tile;
    const std::vector<float> c = hk::matmul(a, b, o).to_vector<float>();
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double want = 0;
        for (int64_t p = 0; p < k; ++p) want += double(av[size_t(i * k + p)]) * bv[size_t(p * n + j)];
        ASSERT_EQ(c[size_t(i * n + j)], float(want)) << "tile " << tile << ", C[" << i << "][" << j << "]";
      }
  }
  hk::Options bad{hk::Backend::cuda_sim, "tiled", 1};
  bad.block_size = 12;
  try {
    hk::matmul(a, b, bad);
    FAIL() << "block_size 12 accepted";
  } catch (const hk::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("must be 8, 16 or 32, got 12"), std::string::npos) << e.what();
  }
}

}  // namespace
