// Microbenchmarks of the SIMT simulator (backend cuda_sim): what one context switch costs
// (Boost.Context's and hk's own, cuda/sim/switch.hpp), what a simulated __syncthreads
// costs per thread, and the issue-4 yardstick — a 256³ tiled matmul on one OS thread
// (goal: ≤ 50 ms).
//
// These measure the simulator, not a GPU: cuda_sim times are never comparable with the
// cpu or cuda backends' (hk-bench does not put them side by side).
//
//   build/<preset>/bench/hk-micro-sim --benchmark_filter=Matmul
#include <benchmark/benchmark.h>

#include <boost/context/detail/fcontext.hpp>

#include <cstdint>
#include <vector>

#include "cuda/launch.cuh"
#include "hk/hk.hpp"

namespace {

namespace ctx = boost::context::detail;

// ---- the raw switch ---------------------------------------------------------------------------
// Boost.Context's fcontext, which the simulator uses off x86-64, in a ping-pong between two
// fibers (the best case), and both it and hk's own x86-64 switch (cuda/sim/switch.hpp) in a
// chain of 256 fibers that each hand over to the next, as a block's threads do at a barrier.

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

constexpr int kChain = 256;
constexpr std::size_t kChainStack = 64 * 1024, kChainColour = 9 * 64;  // colour: see cuda/sim/fiber.cpp

struct ChainStacks {
  std::vector<char> memory = std::vector<char>(kChain * kChainStack);
  char* top(int i) {  // 16-byte aligned, staggered across cache sets like the simulator's
    auto p = reinterpret_cast<std::uintptr_t>(memory.data()) + (i + 1) * kChainStack - i * kChainColour % kChainStack;
    return reinterpret_cast<char*>(p & ~std::uintptr_t{15});
  }
};

ctx::fcontext_t fc_chain[kChain + 1];  // [kChain]: the benchmark's own
int fc_at = 0;                          // who runs (until the next one has noted who switched to it)

// The switch inside a function that returns to its caller, like a barrier that parks: the
// return after the switch is where a switch that resumes by jump costs most (switch.hpp).
[[gnu::noinline]] void fc_park(int me) {
  const ctx::transfer_t t = ctx::jump_fcontext(fc_chain[me + 1], nullptr);
  fc_chain[fc_at] = t.fctx;  // whoever switched back here
  fc_at = me;
}

void fc_link(ctx::transfer_t t) {
  const int me = fc_at == kChain ? 0 : fc_at + 1;
  fc_chain[fc_at] = t.fctx;
  fc_at = me;
  for (;;) fc_park(me);
}

void BM_FcontextChain(benchmark::State& state) {
  ChainStacks stacks;
  for (int i = 0; i < kChain; ++i) fc_chain[i] = ctx::make_fcontext(stacks.top(i), kChainStack / 2, fc_link);
  for (auto _ : state) {
    fc_at = kChain;
    const ctx::transfer_t t = ctx::jump_fcontext(fc_chain[0], nullptr);
    fc_chain[fc_at] = t.fctx;
    fc_at = kChain;
  }
  state.SetItemsProcessed(state.iterations() * (kChain + 1));
  state.SetLabel("items = switches");
}
BENCHMARK(BM_FcontextChain);

#if HK_SIM_OWN_SWITCH
void* hk_chain[kChain + 1];  // saved contexts; [kChain]: the benchmark's own
int hk_at = 0;

void hk_link() {  // entered by the first switch to it
  for (;;) {
    const int me = hk_at++;
    hk::sim::detail::park_and_switch(&hk_chain[me], hk_chain[me + 1]);
  }
}

void BM_HkSwitchChain(benchmark::State& state) {
  ChainStacks stacks;
  for (int i = 0; i < kChain; ++i) {  // a new fiber's context: its entry, as if called (switch.hpp)
    auto** sp = reinterpret_cast<void**>(stacks.top(i)) - 2;
    sp[0] = reinterpret_cast<void*>(&hk_link);
    sp[1] = nullptr;
    hk_chain[i] = sp;
  }
  for (auto _ : state) {
    hk_at = 0;
    hk::sim::detail::park_and_switch(&hk_chain[kChain], hk_chain[0]);
  }
  state.SetItemsProcessed(state.iterations() * (kChain + 1));
  state.SetLabel("items = switches");
}
BENCHMARK(BM_HkSwitchChain);
#endif

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
  for (auto _ : state) hk::relu(x, out, {hk::Backend::cuda_sim, "naive", 1});
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_SimReluElementwise)->Arg(1 << 22)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
