// Kernel bugs the simulator must report — with the kernel, the source line and the threads —
// instead of hanging or crashing: divergent barriers, barriers after exits, warp intrinsics
// whose masks name absent lanes, deadlocks, bad launch configurations, stack overflow.
#include "sim_test_util.hpp"

namespace {

using namespace sim_test;
constexpr unsigned kFull = 0xffffffffu;

// ---- kernels (each with a bug) ----------------------------------------------------------------

__global__ void divergent_barrier(int* out) {
  if (threadIdx.x % 2 == 0) {
    __syncthreads();
  } else {
    __syncthreads();
  }
  out[threadIdx.x] = 1;
}
constexpr int kEvenLine = __LINE__ - 6, kOddLine = __LINE__ - 4;

__global__ void barrier_after_exit(const int* n, int* out) {
  if (int(threadIdx.x) >= *n) return;  // the classic: bounds check by returning early
  __syncthreads();
  out[threadIdx.x] = 1;
}
constexpr int kAfterExitLine = __LINE__ - 3;

// Thread 0 would wait at the barrier forever on a GPU.
__global__ void lonely_barrier_loop(int* out) {
  if (threadIdx.x == 0)
    for (;;) __syncthreads();
  out[threadIdx.x] = 1;
}

__global__ void shuffle_after_exit(int* out) {
  const int lane = threadIdx.x % 32;
  if (lane >= 16) return;
  out[threadIdx.x] = __shfl_sync(kFull, lane, 0);
}
constexpr int kShuffleLine = __LINE__ - 2;

__global__ void mask_beyond_block(int* out) {  // launched with 40 threads: warp 1 has 8 lanes
  out[threadIdx.x] = __shfl_sync(kFull, int(threadIdx.x), 0);
}

__global__ void mask_without_caller(unsigned* out) {
  const int lane = threadIdx.x % 32;
  out[threadIdx.x] = __ballot_sync(1u << ((lane + 1) % 32), 1);
}

__global__ void shuffle_versus_barrier(int* out) {
  const int lane = threadIdx.x % 32;
  if (lane < 16)
    out[threadIdx.x] = __shfl_sync(kFull, lane, 0);
  else
    __syncthreads();
}

__global__ void mismatched_intrinsics(int* out) {
  const int lane = threadIdx.x % 32;
  if (lane < 16)
    out[threadIdx.x] = __shfl_sync(kFull, lane, 0);
  else
    out[threadIdx.x] = int(__ballot_sync(kFull, 1));
}

__global__ void fine(int* out) { out[blockIdx.x * blockDim.x + threadIdx.x] = int(threadIdx.x); }

__device__ int deep(int depth, volatile int* sink) {
  volatile char frame[512];
  frame[depth % 512] = char(depth);
  if (depth == 0) return frame[0];
  const int r = deep(depth - 1, sink) + frame[depth % 512];
  *sink = r;
  return r;
}

__global__ void recurse_deeply(int depth, int* out) { out[threadIdx.x] = deep(depth, out + 32); }

// ---- tests ------------------------------------------------------------------------------------

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(SimDiagnostics, DivergentBarrierIsReportedNotAHang) {
  std::vector<int> out(64, 0);
  const std::string msg = cuda_error_of([&] { launch(on_threads(1), divergent_barrier, dim3(2), dim3(64))(out.data()); });
  EXPECT_TRUE(has(msg, "divergent barrier")) << msg;
  EXPECT_TRUE(has(msg, "test_sim_diagnostics.cpp:" + std::to_string(kEvenLine))) << msg;
  EXPECT_TRUE(has(msg, "test_sim_diagnostics.cpp:" + std::to_string(kOddLine))) << msg;
  EXPECT_TRUE(has(msg, "divergent_barrier")) << msg;  // the kernel's name
  EXPECT_TRUE(has(msg, "32 threads (linear id 0, 2, 4")) << msg;
  EXPECT_TRUE(has(msg, "kernel fault in block (")) << msg;
}

TEST(SimDiagnostics, BarrierAfterSomeThreadsExited) {
  std::vector<int> out(64, 0);
  const int n = 50;
  const std::string msg = cuda_error_of([&] { launch(on_threads(1), barrier_after_exit, dim3(1), dim3(64))(&n, out.data()); });
  EXPECT_TRUE(has(msg, "had exited")) << msg;
  EXPECT_TRUE(has(msg, "test_sim_diagnostics.cpp:" + std::to_string(kAfterExitLine))) << msg;
  EXPECT_TRUE(has(msg, "50 threads (linear id 0-49")) << msg;
  EXPECT_TRUE(has(msg, "14 threads (linear id 50-63")) << msg;
  // Every thread in range: no fault.
  const int all = 64;
  launch(on_threads(1), barrier_after_exit, dim3(1), dim3(64))(&all, out.data());
  EXPECT_EQ(out[63], 1);
}

TEST(SimDiagnostics, ABarrierOnlyOneThreadReachesEndsInsteadOfHanging) {
  std::vector<int> out(32, 0);
  const std::string msg = cuda_error_of([&] { launch(on_threads(1), lonely_barrier_loop, dim3(1), dim3(32))(out.data()); });
  EXPECT_TRUE(has(msg, "had exited")) << msg;
}

TEST(SimDiagnostics, ShuffleMaskNamingExitedLanes) {
  std::vector<int> out(32, 0);
  const std::string msg = cuda_error_of([&] { launch(on_threads(1), shuffle_after_exit, dim3(1), dim3(32))(out.data()); });
  EXPECT_TRUE(has(msg, "__shfl_sync()")) << msg;
  EXPECT_TRUE(has(msg, "test_sim_diagnostics.cpp:" + std::to_string(kShuffleLine))) << msg;
  EXPECT_TRUE(has(msg, "0xffffffff")) << msg;
  EXPECT_TRUE(has(msg, "exited: 16 threads (linear id 16-31")) << msg;
}

TEST(SimDiagnostics, ShuffleMaskNamingLanesTheBlockDoesNotHave) {
  std::vector<int> out(40, 0);
  const std::string msg = cuda_error_of([&] { launch(on_threads(1), mask_beyond_block, dim3(1), dim3(40))(out.data()); });
  EXPECT_TRUE(has(msg, "this warp has only 8 lanes")) << msg;
}

TEST(SimDiagnostics, MaskThatLeavesOutTheCaller) {
  std::vector<unsigned> out(32, 0);
  const std::string msg = cuda_error_of([&] { launch(on_threads(1), mask_without_caller, dim3(1), dim3(32))(out.data()); });
  EXPECT_TRUE(has(msg, "does not name the calling lane")) << msg;
}

TEST(SimDiagnostics, ShuffleWaitingForLanesAtABarrier) {
  std::vector<int> out(32, 0);
  const std::string msg = cuda_error_of([&] { launch(on_threads(1), shuffle_versus_barrier, dim3(1), dim3(32))(out.data()); });
  EXPECT_TRUE(has(msg, "deadlock")) << msg;
  EXPECT_TRUE(has(msg, "__syncthreads()")) << msg;
}

TEST(SimDiagnostics, MismatchedWarpIntrinsics) {
  std::vector<int> out(32, 0);
  const std::string msg = cuda_error_of([&] { launch(on_threads(1), mismatched_intrinsics, dim3(1), dim3(32))(out.data()); });
  EXPECT_TRUE(has(msg, "deadlock in warp 0")) << msg;
  EXPECT_TRUE(has(msg, "__ballot_sync()")) << msg;
  EXPECT_TRUE(has(msg, "__shfl_sync()")) << msg;
}

TEST(SimDiagnostics, FaultsOnSeveralThreadsAndTheSimulatorStaysUsable) {
  std::vector<int> out(4096, 0);
  // Many blocks on two OS threads: the first fault stops the launch and is reported once.
  const std::string msg = cuda_error_of([&] { launch(on_threads(2), divergent_barrier, dim3(64), dim3(64))(out.data()); });
  EXPECT_TRUE(has(msg, "divergent barrier")) << msg;
  for (int i = 0; i < 3; ++i) {
    std::fill(out.begin(), out.end(), -1);
    launch(on_threads(2), fine, dim3(64), dim3(64))(out.data());
    for (int g = 0; g < 4096; ++g) ASSERT_EQ(out[size_t(g)], g % 64);
  }
}

TEST(SimDiagnostics, InvalidLaunchConfigurations) {
  std::vector<int> out(8, 0);
  auto config_error = [&](dim3 grid, dim3 block, size_t shared) {
    return cuda_error_of([&] { launch(on_threads(1), fine, grid, block, shared)(out.data()); });
  };
  EXPECT_TRUE(has(config_error(dim3(1), dim3(2048), 0), "has 2048 threads; the limit is 1024"));
  EXPECT_TRUE(has(config_error(dim3(1), dim3(32, 32, 2), 0), "the limit is 1024"));
  EXPECT_TRUE(has(config_error(dim3(1), dim3(1, 1, 65), 0), "exceeds (1024,1024,64)"));
  EXPECT_TRUE(has(config_error(dim3(0), dim3(32), 0), "zero dimension"));
  EXPECT_TRUE(has(config_error(dim3(1, 70000), dim3(32), 0), "exceeds (2147483647,65535,65535)"));
  EXPECT_TRUE(has(config_error(dim3(1), dim3(32), 64 * 1024), "48 KiB"));
  EXPECT_TRUE(has(config_error(dim3(1), dim3(2048), 0), "invalid configuration argument"));
}

TEST(SimDiagnosticsDeathTest, FiberStackOverflowIsReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::vector<int> out(64, 0);
  // 512-byte frames, 100000 deep: ~50 MiB, far beyond a fiber's stack.
  EXPECT_DEATH(launch(on_threads(1), recurse_deeply, dim3(1), dim3(32))(100000, out.data()),
               "fiber stack overflow in the kernel launched at .*test_sim_diagnostics.cpp.*block \\(0,0,0\\), "
               "thread \\([0-9]+,0,0\\).*HK_SIM_STACK_KB");
  // Shallow recursion fits.
  launch(on_threads(1), recurse_deeply, dim3(1), dim3(32))(20, out.data());
}

}  // namespace
