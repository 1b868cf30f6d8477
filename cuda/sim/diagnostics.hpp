// The words of the simulator's diagnostics: names of intrinsics, thread sets, source
// locations, and the messages of the block-level faults. Kept apart from the scheduler so
// block.cpp reads as the scheduling algorithm alone.
#pragma once

#include <cstdint>
#include <source_location>
#include <string>
#include <vector>

#include "cuda/sim/block.hpp"

namespace hk::sim {

const char* barrier_name(detail::BarrierOp);
const char* warp_op_name(detail::WarpOp);
inline bool is_shuffle(detail::WarpOp op) {
  return op == detail::WarpOp::shfl || op == detail::WarpOp::shfl_up || op == detail::WarpOp::shfl_down ||
         op == detail::WarpOp::shfl_xor;
}
std::string hex(uint32_t);
std::string xyz(uint3);
// "file:line in `function`"
std::string describe_location(const std::source_location&);
// "the kernel launched at file:line in `launcher`"
std::string describe_launch(const KernelLaunch&);
// "16 threads (linear id 0-15; first threadIdx (0,0,0))"
std::string describe_threads(const std::vector<const Lane*>&);
// "__shfl_sync() at file:line in `fn` in warp 1 with mask 0xffffffff: "
std::string warp_group_head(const Lane&, int warp);

// Block faults, each explaining what every thread of the block (or warp) is doing.
std::string barrier_after_exit_message(const std::vector<Lane>& lanes);
std::string divergent_barrier_message(const std::vector<Lane>& lanes);
std::string warp_deadlock_message(const Lane* warp_lanes, int count, int warp);

// Async-signal-safe output for the stack-overflow report.
void put(int fd, const char* text);
void put_uint(int fd, unsigned long value);
void put_xyz(int fd, uint3 value);

}  // namespace hk::sim
