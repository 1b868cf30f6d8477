// The ctest entries that rerun tests under HK_SIM_SCHEDULE=forward|reverse|random prove
// something only if the simulator runs that schedule: this checks the order it actually
// uses, from a racy kernel whose winner depends on it. Compiled into hk_sim_tests and
// hk_tests, and included in every schedule entry's filter.
#include <cstdlib>

#include "sim_test_util.hpp"

namespace {

using namespace sim_test;

// A race on purpose: every thread writes `last`; thread 0 reports who wrote last.
__global__ void schedule_probe_last_writer(int* out) {
  __shared__ int last;
  last = threadIdx.x;
  __syncthreads();
  if (threadIdx.x == 0) out[0] = last;
}

int winner() {
  std::vector<int> out(1, -1);
  launch(on_threads(1), schedule_probe_last_writer, dim3(1), dim3(256))(out.data());
  return out[0];
}

TEST(SimScheduleInForce, IsTheOneTheEnvironmentRequests) {
  const char* env = std::getenv("HK_SIM_SCHEDULE");
  const std::string requested = env && *env ? env : "forward";
  const Schedule expected = hk::sim::parse_schedule(requested);
  EXPECT_EQ(hk::sim::to_string(hk::sim::schedule()), hk::sim::to_string(expected));
  const int in_force = winner();
  switch (expected.order) {
    case Schedule::Order::forward: EXPECT_EQ(in_force, 255) << "lanes and warps in order: thread 255 writes last"; break;
    case Schedule::Order::reverse: EXPECT_EQ(in_force, 0) << "lanes and warps reversed: thread 0 writes last"; break;
    case Schedule::Order::random: {
      ScheduleScope scope(expected);
      EXPECT_EQ(in_force, winner()) << "the environment's random seed must give the same order as set_schedule";
      EXPECT_NE(in_force, 255) << "a random order that lets the last thread win is the forward order";
      break;
    }
  }
}

}  // namespace
