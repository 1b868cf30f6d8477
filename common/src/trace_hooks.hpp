// What the pool and the simulator need from the tracing observers
// (hk/experimental/trace.hpp) besides the observers themselves.
#pragma once

#include "hk/experimental/trace.hpp"

namespace hk::trace {

// For the pool: the job number of a new parallel_for, and the lock that serializes chunks.
int next_job();
void lock_serial();
void unlock_serial();
// For the simulator: the number of a new launch while an observer is installed.
int next_sim_launch();

}  // namespace hk::trace
