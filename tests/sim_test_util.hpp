// Shared by the simulator tests (test_sim_*.cpp): the kernels in those files are device
// code compiled by the host compiler through cuda/kernels/portability.cuh, exactly like
// hk's own kernels, and launched with hk's launch helper.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cuda/launch.cuh"
#include "cuda/sim/launch.hpp"
#include "hk/hk.hpp"
#include "hk/registry.hpp"

namespace sim_test {

using hk::cuda::launch;
using hk::sim::Schedule;

inline hk::KernelContext on_threads(int threads) {
  hk::KernelContext ctx;
  ctx.threads = threads;
  return ctx;
}

// Runs the test body under one schedule and restores the previous one.
class ScheduleScope {
 public:
  explicit ScheduleScope(Schedule s) : saved_(hk::sim::schedule()) { hk::sim::set_schedule(s); }
  ~ScheduleScope() { hk::sim::set_schedule(saved_); }
  ScheduleScope(const ScheduleScope&) = delete;
  ScheduleScope& operator=(const ScheduleScope&) = delete;

 private:
  Schedule saved_;
};

// Every order a correct kernel must not care about.
inline std::vector<Schedule> all_schedules() {
  return {{Schedule::Order::forward, 1}, {Schedule::Order::reverse, 1}, {Schedule::Order::random, 1},
          {Schedule::Order::random, 2}, {Schedule::Order::random, 12345}};
}

// The message of the hk::CudaError that fn throws ("" and a test failure if none).
template <class F> std::string cuda_error_of(F&& fn) {
  try {
    fn();
  } catch (const hk::CudaError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an hk::CudaError";
  return "";
}

}  // namespace sim_test
