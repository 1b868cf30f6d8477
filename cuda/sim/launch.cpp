// Grid launch: checks the configuration like the CUDA runtime does, then hands blocks to
// OS threads (hk's thread pool) one at a time, in the schedule's order.
#include "cuda/sim/launch.hpp"
#include "common/src/trace_hooks.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <numeric>

#include "common/src/round_to_nearest.hpp"
#include "cpu/thread_pool.hpp"
#include "cuda/sim/block.hpp"
#include "cuda/sim/diagnostics.hpp"
#include "hk/error.hpp"

namespace hk::sim {

namespace {

// The limits every CUDA 13 target (sm_75+) shares; a launch beyond them fails on the GPU
// with cudaErrorInvalidConfiguration, so it fails here too.
constexpr unsigned kMaxBlockThreads = 1024, kMaxBlockXY = 1024, kMaxBlockZ = 64;
constexpr unsigned kMaxGridX = 2147483647u, kMaxGridYZ = 65535;
constexpr std::size_t kMaxDynamicShared = 48 * 1024;  // without cudaFuncSetAttribute opt-in

void validate(const KernelLaunch& k) {
  auto fail = [&](const std::string& why) {
    throw CudaError("hk cuda_sim: invalid configuration argument (cudaErrorInvalidConfiguration) launching " +
                    describe_launch(k) + ": " + why);
  };
  const dim3 g = k.grid, b = k.block;
  auto dims = [](dim3 d) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "(%u,%u,%u)", d.x, d.y, d.z);
    return std::string(buf);
  };
  if (g.x == 0 || g.y == 0 || g.z == 0) fail("grid " + dims(g) + " has a zero dimension");
  if (b.x == 0 || b.y == 0 || b.z == 0) fail("block " + dims(b) + " has a zero dimension");
  if (g.x > kMaxGridX || g.y > kMaxGridYZ || g.z > kMaxGridYZ)
    fail("grid " + dims(g) + " exceeds (2147483647,65535,65535)");
  if (uint64_t(b.x) * b.y * b.z > kMaxBlockThreads)
    fail("block " + dims(b) + " has " + std::to_string(uint64_t(b.x) * b.y * b.z) + " threads; the limit is 1024");
  if (b.x > kMaxBlockXY || b.y > kMaxBlockXY || b.z > kMaxBlockZ) fail("block " + dims(b) + " exceeds (1024,1024,64)");
  if (k.shared_bytes > kMaxDynamicShared)
    fail(std::to_string(k.shared_bytes) + " bytes of dynamic shared memory exceed the default 48 KiB limit");
  if (!k.run) fail("no kernel");
}

std::mutex schedule_mutex;
bool schedule_chosen = false;
Schedule chosen;

}  // namespace

Schedule parse_schedule(const std::string& text) {
  Schedule s;
  if (text == "forward") {
    s.order = Schedule::Order::forward;
  } else if (text == "reverse") {
    s.order = Schedule::Order::reverse;
  } else if (text == "random" || text.rfind("random:", 0) == 0) {
    s.order = Schedule::Order::random;
    if (text != "random") {
      const std::string digits = text.substr(7);
      char* end = nullptr;
      s.seed = std::strtoull(digits.c_str(), &end, 10);
      if (digits.empty() || *end != '\0' || digits[0] == '-')
        throw InvalidArgument("HK_SIM_SCHEDULE='" + text + "': the seed after 'random:' must be a decimal number");
    }
  } else {
    throw InvalidArgument("HK_SIM_SCHEDULE='" + text + "' is not a schedule; expected forward, reverse, random or random:SEED");
  }
  return s;
}

std::string to_string(const Schedule& s) {
  switch (s.order) {
    case Schedule::Order::forward: return "forward";
    case Schedule::Order::reverse: return "reverse";
    case Schedule::Order::random: return "random:" + std::to_string(s.seed);
  }
  return "?";
}

Schedule schedule() {
  std::lock_guard lock(schedule_mutex);
  if (!schedule_chosen) {
    const char* env = std::getenv("HK_SIM_SCHEDULE");
    chosen = env && *env ? parse_schedule(env) : Schedule{};
    schedule_chosen = true;
  }
  return chosen;
}

void set_schedule(Schedule s) {
  std::lock_guard lock(schedule_mutex);
  chosen = s;
  schedule_chosen = true;
}

std::size_t stack_bytes() {
  static const std::size_t bytes = [] {
#if defined(__SANITIZE_ADDRESS__)
    std::size_t kib = 256;  // ASan's redzones make frames several times larger
#else
    std::size_t kib = 64;
#endif
    if (const char* env = std::getenv("HK_SIM_STACK_KB"); env && *env) {
      char* end = nullptr;
      long v = std::strtol(env, &end, 10);
      if (*end != '\0' || v < 16 || v > 1024 * 1024)
        throw InvalidArgument("HK_SIM_STACK_KB='" + std::string(env) + "' is not a size in KiB in 16..1048576");
      kib = static_cast<std::size_t>(v);
    }
    return kib * 1024;
  }();
  return bytes;
}

int64_t blocks_at_once(int threads, uint64_t blocks, uint64_t threads_per_block) {
  const uint64_t by_stacks = std::max<uint64_t>(1, fiber_stack_budget() / 2 / std::max<uint64_t>(threads_per_block, 1));
  return std::clamp<int64_t>(threads, 1, static_cast<int64_t>(std::min({blocks, uint64_t(1024), by_stacks})));
}

void launch(const KernelLaunch& k) {
  validate(k);
  const Schedule s = schedule();
  const uint64_t gx = k.grid.x, gy = k.grid.y, blocks = gx * gy * k.grid.z;

  // Block order: i-th block handed out → linear block id. Random uses i ↦ (a·i + c) mod n
  // with a coprime to n: a permutation that needs no memory however large the grid.
  uint64_t a = 1, c = 0;
  if (s.order == Schedule::Order::random && blocks > 1) {
    uint64_t state = s.seed * 0x9e3779b97f4a7c15ull + blocks;
    auto next = [&] { return (state = state * 6364136223846793005ull + 1442695040888963407ull) >> 11; };
    do a = next() % blocks; while (std::gcd(a, blocks) != 1);
    c = next() % blocks;
  }
  auto block_at = [&](uint64_t i) -> uint64_t {
    if (s.order == Schedule::Order::reverse) return blocks - 1 - i;
    return static_cast<uint64_t>((static_cast<unsigned __int128>(a) * i + c) % blocks);
  };

  const int trace_launch = trace::sim_observer() ? trace::next_sim_launch() : 0;  // hk-bench explain
  std::atomic<uint64_t> next_block{0};
  std::atomic<bool> failed{false};
  auto run_blocks = [&](int64_t, int64_t) {
    // A GPU rounds to nearest whatever the host thread's mode. Set before the block's fibers
    // are made: Boost.Context's switch gives each fiber the mode current at its creation.
    hk::detail::RoundToNearest nearest;
    BlockRunner& runner = BlockRunner::here();
    for (uint64_t i; !failed.load(std::memory_order_relaxed) && (i = next_block.fetch_add(1)) < blocks;) {
      const uint64_t b = block_at(i);
      const uint3 idx{static_cast<unsigned>(b % gx), static_cast<unsigned>(b / gx % gy),
                      static_cast<unsigned>(b / (gx * gy))};
      try {
        runner.run(k, idx, s, trace_launch);
      } catch (...) {
        failed.store(true, std::memory_order_relaxed);  // the other OS threads stop taking blocks
        throw;
      }
    }
    // Idle stacks count against every thread's budget (fiber.hpp): give them back when
    // more than half of it is mapped.
    if (fiber_stacks_mapped() > fiber_stack_budget() / 2) fiber_host().release_idle_stacks();
  };
  const int64_t tasks = blocks_at_once(k.threads, blocks, uint64_t(k.block.x) * k.block.y * k.block.z);
  if (tasks == 1)
    run_blocks(0, 1);
  else
    cpu::ThreadPool::global().parallel_for(tasks, 1, static_cast<int>(tasks), run_blocks);
}

}  // namespace hk::sim
