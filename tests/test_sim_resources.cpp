// The simulator's own resources. Each fiber stack costs the process two memory maps, and
// a process has vm.max_map_count of them for everything: the simulator counts its stacks
// against a budget (fiber.hpp), runs fewer blocks at once when a block's threads would
// overrun it, and reports a stack past it as OutOfMemory, leaving the process able to map,
// allocate and start threads.
#include <fstream>
#include <string>
#include <thread>

#include "cuda/sim/fiber.hpp"
#include "sim_test_util.hpp"

namespace {

std::size_t max_map_count() {
  std::ifstream f("/proc/sys/vm/max_map_count");
  std::size_t n = 65530;
  f >> n;
  return n;
}

// Enough pool threads for one 1024-thread block each would need far more stacks than the
// budget: only as many blocks run at once as half the budget holds.
TEST(SimResources, BlocksAtOnceFitTheStackBudget) {
  const std::size_t budget = hk::sim::fiber_stack_budget();
  EXPECT_LE(budget, max_map_count() / 8 + 1024) << "the budget is a share of vm.max_map_count";
  EXPECT_EQ(hk::sim::blocks_at_once(1024, 1 << 20, 1024), int64_t(budget / 2 / 1024));
  EXPECT_LE(hk::sim::blocks_at_once(256, 4096, 256) * 256, int64_t(budget / 2));
  EXPECT_EQ(hk::sim::blocks_at_once(4, 1 << 20, 32), 4) << "small blocks: the threads asked for";
  EXPECT_EQ(hk::sim::blocks_at_once(64, 3, 32), 3) << "never more than the blocks there are";
  EXPECT_EQ(hk::sim::blocks_at_once(0, 10, 1 << 20), 1) << "at least one";
}

// Past the budget a new stack is an OutOfMemory naming the budget, the launch stops
// cleanly, and the simulator works again once the budget allows.
TEST(SimResources, StacksPastTheBudgetAreOutOfMemoryAndHarmless) {
  struct Restore {
    ~Restore() { hk::sim::set_fiber_stack_budget(0); }
  } restore;
  hk::Tensor a = hk::Tensor::full({64, 64}, 1.0), b = hk::Tensor::full({64, 64}, 2.0);
  // One OS thread, new, so its fibers need stacks of their own: 1024-thread blocks whose
  // threads all park at barriers.
  const hk::Options o{hk::Backend::cuda_sim, "tiled", 1, 32};
  hk::sim::set_fiber_stack_budget(hk::sim::fiber_stacks_mapped() + 500);
  std::string message;
  std::thread([&] {
    try {
      (void)hk::matmul(a, b, o);
      message = "no error";
    } catch (const hk::OutOfMemory& e) {
      message = e.what();
    } catch (const std::exception& e) {
      message = std::string("not OutOfMemory: ") + e.what();
    }
  }).join();
  EXPECT_NE(message.find("vm.max_map_count"), std::string::npos) << message;
  EXPECT_NO_THROW(hk::Tensor::zeros({1 << 18}));  // the rest of the process is unharmed
  hk::sim::set_fiber_stack_budget(0);
  for (float x : hk::matmul(a, b, o).to_vector<float>()) ASSERT_EQ(x, 128.0f);
  EXPECT_LE(hk::sim::fiber_stacks_mapped(), hk::sim::fiber_stack_budget());
}

}  // namespace
