// Grid launch: checks the configuration like the CUDA runtime does, then hands blocks to
// OS threads (hk's thread pool) one at a time, in the schedule's order.
#include "cuda/sim/launch.hpp"
#include "common/src/trace_hooks.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <numeric>

#include "common/src/round_to_nearest.hpp"
#include "cpu/thread_pool.hpp"
#include "cuda/sim/block.hpp"
#include "cuda/sim/checker.hpp"
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

namespace {
void run_grid(const KernelLaunch& k);

// A profiled launch's counters, with each instruction's source line: lines are merged
// (several instructions share one), heaviest first.
SimKernelProfile finish_profile(const KernelLaunch& k, LaunchProfile& p) {
  SimKernelProfile out;
  out.kernel = k.where.function_name();
  out.grid[0] = k.grid.x, out.grid[1] = k.grid.y, out.grid[2] = k.grid.z;
  out.block[0] = k.block.x, out.block[1] = k.block.y, out.block[2] = k.block.z;
  out.total = p.total;
  std::map<std::string, SimLineCounters> lines;
  for (const auto& [pc, c] : p.by_pc) {
    const std::string where = describe_pc(pc);
    SimLineCounters& l = lines[where];
    if (l.file.empty()) {
      const std::size_t paren = where.find(" (");
      const std::string file_line = where.substr(0, paren);
      const std::size_t colon = file_line.rfind(':');
      l.file = colon == std::string::npos ? file_line : file_line.substr(0, colon);
      l.line = colon == std::string::npos ? 0 : std::atoi(file_line.c_str() + colon + 1);
      if (paren != std::string::npos) l.function = where.substr(paren + 2, where.size() - paren - 3);
    }
    l.counters += c;
  }
  for (auto& [where, l] : lines) out.lines.push_back(std::move(l));
  auto weight = [](const SimLineCounters& l) {
    const SimCounters& c = l.counters;
    return c.global_ld_sectors + c.global_st_sectors + c.shared_ld_wavefronts + c.shared_st_wavefronts;
  };
  std::stable_sort(out.lines.begin(), out.lines.end(),
                   [&](const SimLineCounters& a, const SimLineCounters& b) { return weight(a) > weight(b); });
  return out;
}
}  // namespace

void launch(const KernelLaunch& launch_in) {
  CallChecks* call = current_call_checks();
  if (!call || launch_in.checks) return run_grid(launch_in);
  KernelLaunch k = launch_in;
  k.checks = call;
  if (!call->profile) return run_grid(k);
  LaunchProfile profile;
  k.profile = &profile;
  run_grid(k);
  if (call->profiles) call->profiles->push_back(finish_profile(k, profile));
}

namespace {
void run_grid(const KernelLaunch& k) {
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

}  // namespace

}  // namespace hk::sim
