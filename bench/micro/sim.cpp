// Microbenchmarks of the SIMT simulator (backend cuda_sim): what one context switch costs,
// what a simulated __syncthreads costs per thread, and the issue-4 yardstick — a 256³
// tiled matmul on one OS thread (goal: ≤ 50 ms).
//
// These measure the simulator, not a GPU: cuda_sim times are never comparable with the
// cpu or cuda backends' (hk-bench does not put them side by side).
//
//   build/<preset>/bench/hk-micro-sim --benchmark_filter=Matmul
#include <benchmark/benchmark.h>

#include <boost/context/detail/fcontext.hpp>

#include <vector>

#include "cuda/launch.cuh"
#include "hk/hk.hpp"

namespace {

namespace ctx = boost::context::detail;

// ---- the raw switch: Boost.Context fcontext ping-pong -------------------------------------------

void bounce(ctx::transfer_t t) {
  for (;;) t = ctx::jump_fcontext(t.fctx, nullptr);
}

void BM_FcontextRoundTrip(benchmark::State& state) {
  std::vector<char> stack(64 * 1024);
  ctx::fcontext_t other = ctx::make_fcontext(stack.data() + stack.size(), stack.size(), bounce);
  for (auto _ : state) other = ctx::jump_fcontext(other, nullptr).fctx;  // there and back: two switches
  state.SetLabel("two switches per iteration");
}
BENCHMARK(BM_FcontextRoundTrip);

// ---- a simulated barrier ----------------------------------------------------------------------

__global__ void barrier_loop(int iterations) {
  for (int i = 0; i < iterations; ++i) __syncthreads();
}

// Cost per thread per __syncthreads: one switch to the next thread, the bookkeeping, and
// a share of the release.
void BM_SimBarrierPerThread(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0)), iterations = 100;
  hk::KernelContext one;
  one.threads = 1;
  for (auto _ : state) hk::cuda::launch(one, barrier_loop, dim3(1), dim3(threads))(iterations);
  state.SetItemsProcessed(state.iterations() * threads * iterations);
  state.SetLabel("items = thread-barriers");
}
BENCHMARK(BM_SimBarrierPerThread)->Arg(32)->Arg(256)->Arg(1024);

// ---- hk ops on cuda_sim ------------------------------------------------------------------------

void BM_SimMatmulTiled(benchmark::State& state) {
  const int64_t n = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  hk::Tensor a = hk::Tensor::randn({n, n}, 1), b = hk::Tensor::randn({n, n}, 2);
  hk::Tensor c = hk::Tensor::empty({n, n});
  for (auto _ : state) hk::matmul(a, b, c, {hk::Backend::cuda_sim, "tiled", threads});
  state.counters["OS threads"] = threads;
}
BENCHMARK(BM_SimMatmulTiled)->Args({256, 1})->Args({256, 2})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SimReluElementwise(benchmark::State& state) {
  const int64_t n = state.range(0);
  hk::Tensor x = hk::Tensor::randn({n}, 3), out = hk::Tensor::empty({n});
  for (auto _ : state) hk::relu(x, out, {hk::Backend::cuda_sim, "elementwise", 1});
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_SimReluElementwise)->Arg(1 << 22)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
