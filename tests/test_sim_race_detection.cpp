// The simulator as a race detector. CI runs every cuda_sim row of the equivalence test under
// HK_SIM_SCHEDULE=forward, reverse and random (tests/CMakeLists.txt): a kernel whose result
// depends on the order its threads run in must fail there. Checked here on the two classic
// races of a shared-memory tiled matmul — reading the tiles before every thread has stored
// its element (no barrier after the loads), and storing the next tiles while slower threads
// still read the current ones (no barrier after the inner loop) — judged the way the
// equivalence test judges a row: exact agreement with an int64 reference on an integer fill.
#include "hk_reference.hpp"
#include "sim_test_util.hpp"

namespace {

using namespace sim_test;

enum class Barriers { both, no_sync_after_load, no_sync_after_use };

// tests/../cuda/kernels/matmul_f32_tiled.cuh with its barriers made optional.
template <int kTile, Barriers kBarriers>
__global__ void tiled_matmul(const float* a, const float* b, float* c, int m, int k, int n) {
  __shared__ float a_tile[kTile][kTile];
  __shared__ float b_tile[kTile][kTile];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int row = blockIdx.y * kTile + ty, col = blockIdx.x * kTile + tx;
  float acc = 0.0f;
  for (int k0 = 0; k0 < k; k0 += kTile) {
    a_tile[ty][tx] = row < m && k0 + tx < k ? a[row * k + k0 + tx] : 0.0f;
    b_tile[ty][tx] = k0 + ty < k && col < n ? b[(k0 + ty) * n + col] : 0.0f;
    if (kBarriers != Barriers::no_sync_after_load) __syncthreads();
    for (int kk = 0; kk < kTile; ++kk) acc += a_tile[ty][kk] * b_tile[kk][tx];
    if (kBarriers != Barriers::no_sync_after_use) __syncthreads();
  }
  if (row < m && col < n) c[row * n + col] = acc;
}

constexpr int kTile = 8, kM = 19, kK = 37, kN = 21;  // several tiles along K, ragged edges

// Integers in [-8, 8]: every product and sum is exact in float, whatever the order.
std::vector<float> small_ints(size_t n, unsigned seed) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = float(int((i * 2654435761u + seed * 40503u) >> 7) % 17 - 8);
  return v;
}

// Runs one kernel under schedule `s`; true when every element equals the reference's.
template <Barriers kBarriers> bool matches_reference(const Schedule& s) {
  const auto av = small_ints(kM * kK, 1), bv = small_ints(kK * kN, 2);
  const auto ref = hk_ref::matmul(av, bv, kM, kK, kN);  // exact: small integers
  std::vector<float> c(size_t(kM * kN), -1.0f);
  ScheduleScope scope(s);
  const dim3 grid((kN + kTile - 1) / kTile, (kM + kTile - 1) / kTile), block(kTile, kTile);
  launch(on_threads(1), tiled_matmul<kTile, kBarriers>, grid, block)(av.data(), bv.data(), c.data(), kM, kK, kN);
  for (size_t i = 0; i < c.size(); ++i)
    if (double(c[i]) != ref[i]) return false;
  return true;
}

// The schedules CI runs the equivalence rows under (HK_SIM_SCHEDULE=random uses seed 1).
std::vector<Schedule> ci_schedules() {
  return {{Schedule::Order::forward, 1}, {Schedule::Order::reverse, 1}, {Schedule::Order::random, 1}};
}

TEST(SimRaceDetection, CorrectTiledMatmulPassesUnderEverySchedule) {
  for (const Schedule& s : all_schedules()) EXPECT_TRUE(matches_reference<Barriers::both>(s)) << hk::sim::to_string(s);
}

TEST(SimRaceDetection, MissingBarrierAfterTheLoadsFailsUnderSomeCiSchedule) {
  int failing = 0;
  for (const Schedule& s : ci_schedules()) failing += !matches_reference<Barriers::no_sync_after_load>(s);
  EXPECT_GT(failing, 0) << "reading shared tiles before every thread stored its element went unnoticed";
}

TEST(SimRaceDetection, MissingBarrierBeforeTheNextLoadsFailsUnderSomeCiSchedule) {
  int failing = 0;
  for (const Schedule& s : ci_schedules()) failing += !matches_reference<Barriers::no_sync_after_use>(s);
  EXPECT_GT(failing, 0) << "overwriting shared tiles other threads still read went unnoticed";
}

// CI's HK_SIM_SCHEDULE=random run uses the seed checked above.
TEST(SimRaceDetection, RandomScheduleWithoutASeedIsSeedOne) {
  EXPECT_EQ(hk::sim::parse_schedule("random").seed, 1u);
}

}  // namespace
