// The block scheduler: runs the threads of one CUDA block as fibers on one OS thread.
//
// A block runs in rounds. In each round the warps are visited one at a time (in the
// schedule's order); each lane of the warp runs until it reaches a sync point or exits,
// then the warp's shuffles and votes are settled — a group settles once every lane its
// mask names is parked at the same intrinsic with the same mask — and the released lanes
// run on, until every lane of the warp waits at __syncthreads or has exited. A round ends
// with every live thread of the block at one barrier, which is then released.
//
// The no-barrier fast path: a fiber that finishes its thread starts the next unstarted
// thread of the warp on the same stack, so threads that never synchronise cost a function
// call each, not two context switches; only threads that park hold a fiber of their own.
// And a thread that parks switches straight to the next thread to run (one jump), not
// through the scheduler (two); the scheduler only runs between these chains. The
// intrinsics ask the runner which thread is next (barrier_park / warp_park) and make that
// jump themselves, inline at their call site (cuda/sim/switch.hpp says why).
//
// Anything that can never settle is a kernel fault, reported with the kernel, the source
// line and the threads involved: threads at different barriers (divergence), a barrier
// some threads exited before, a mask naming lanes that exited / don't exist / wait at a
// barrier, lanes waiting at intrinsics that don't match.
#pragma once

#include <cstdint>
#include <source_location>
#include <string>
#include <vector>

#include "cuda/sim/fiber.hpp"
#include "cuda/sim/launch.hpp"
#include "hk/experimental/trace.hpp"

namespace hk::sim {

enum class LaneState : uint8_t { unstarted, ready, running, at_barrier, at_warp_op, exited };

// One simulated CUDA thread: one cache line, since a barrier round touches every one.
struct alignas(64) Lane {
  Fiber* fiber = nullptr;   // set when it starts
  uint64_t value = 0;       // what this lane contributes (shuffled bits, predicate)
  uint64_t result = 0;      // what it gets back
  std::source_location where;
  uint3 idx{};
  int tid = 0;              // linear index in the block
  uint32_t mask = 0;        // warp intrinsics: the lanes named
  int arg = 0;              // shuffles: source lane / delta / lane mask
  int8_t width = 32;        // shuffles: segment width (checked: a power of two ≤ 32)
  LaneState state = LaneState::unstarted;
  detail::BarrierOp barrier_op{};
  detail::WarpOp warp_op{};
};
static_assert(sizeof(Lane) == 64);

// Internal to libhk (hidden): calls between the scheduler and the intrinsics stay direct.
class __attribute__((visibility("hidden"))) BlockRunner {
 public:
  // This OS thread's runner.
  static BlockRunner& here();
  BlockRunner();

  // Runs one block to completion; throws hk::CudaError on a kernel fault. trace_launch
  // numbers the launch for an hk/experimental/trace.hpp observer (hk-bench explain).
  void run(const KernelLaunch&, uint3 block_idx, const Schedule&, int trace_launch = 0);

  // Called on a simulated thread (through cuda/sim/device.hpp).
  int barrier(detail::BarrierOp, int predicate, const std::source_location&);
#if HK_SIM_INLINE_PARK
  detail::ParkPlan park_at_barrier(detail::BarrierOp, int predicate, const std::source_location&);
  int resume_from_barrier() {
    host_.landed();
    return static_cast<int>(barrier_result_);
  }
#endif
  int barrier_result() const { return static_cast<int>(barrier_result_); }
#if HK_SIM_INLINE_PARK
  detail::ParkPlan park_at_warp_op(detail::WarpOp, unsigned mask, uint64_t value, int arg, int width,
                                   const std::source_location&);
  uint64_t resume_from_warp_op() {
    host_.landed();
    return current_->result;
  }
#endif
  uint64_t warp_result() const { return current_->result; }
  uint64_t warp_op(detail::WarpOp, unsigned mask, uint64_t value, int arg, int width, const std::source_location&);
  void* dynamic_shared() { return shared_.data(); }
  // cuda_sim's checks (cuda/sim/checker.hpp): the running thread, and a failed check, which
  // ends the block like any kernel fault.
  int current_tid() const { return current_ ? current_->tid : 0; }
  [[noreturn]] void check_failed(const std::string& what) {
    fault_ = what;
    fault_on_thread();
  }
  // HK_TRACE_SHARED: shows a __shared__ array to the observer (nothing without one).
  void trace_shared(const char* name, void* data, std::size_t bytes, std::size_t element_bytes);

 private:
  static Fiber* thread_main(void* self);
  void arrive(detail::BarrierOp, int predicate, const std::source_location&);
  void arrive_at_warp_op(detail::WarpOp, unsigned mask, uint64_t value, int arg, int width, const std::source_location&);
  Fiber* after_park();
  Fiber* next_in_run_list();
  void run_lanes(const int* list, int count);
  void dispatch(Fiber* first);
  void run_warp(int warp, bool start);
  bool settle(int warp);
  void settle_group(int base, uint32_t mask, detail::WarpOp);
  void release_barrier();
  const int* order_lanes(int warp);
  void order_warps();
  void fix_orders();
  [[noreturn]] void fault_in_block(const std::string& what);
  [[noreturn]] void fault_on_thread();  // on a simulated thread, with fault_ set
  void abandon();
  static void describe(const void* self, int fd);
  trace::SimSegment segment() const;
  void report_segment();  // on a simulated thread: tell observer_ what it just ran

  FiberHost& host_;
  const KernelLaunch* launch_ = nullptr;
  Schedule schedule_;
  uint64_t rng_ = 0;
  uint3 block_idx_{};
  int threads_ = 0, warps_ = 0;
  int exited_ = 0, at_warp_op_ = 0;  // threads that exited / wait at a warp intrinsic
  std::vector<Lane> lanes_;
  dim3 lanes_dim_{0, 0, 0};  // the block shape lanes_ was laid out for
  // The schedule's order of lanes within each warp (block-wide indices, warp w's at
  // [32w, 32w + its lane count)) and of warps. Forward and reverse never change, so they
  // are laid out once per block shape (orders_for_ says for which order); random deals a
  // new order to every warp in every round.
  std::vector<int> lane_order_;
  std::vector<int> warp_order_;
  int orders_for_ = -1;
  // Unstarted lanes of the warp being started: fibers take the next one from here.
  const int* start_queue_ = nullptr;
  int start_next_ = 0, start_end_ = 0;
  // Parked lanes to resume, in order: each hands the OS thread to the next when it parks.
  // Points into lane_order_ (a warp released from a barrier) or ready_ (lanes released
  // from a warp intrinsic).
  const int* run_list_ = nullptr;
  int run_next_ = 0, run_end_ = 0;
  std::vector<int> ready_;
  // The barrier being gathered, checked as each thread arrives so that releasing it costs
  // the same for 32 threads as for 1024: the first arrival's barrier and source line,
  // whether any later one differs, and the predicate count. barrier_result_ is the
  // released barrier's count / and / or, read by each thread as it resumes.
  int arrived_ = 0, votes_ = 0;
  bool diverged_ = false;
  detail::BarrierOp gathering_op_{};
  std::source_location gathering_where_;
  uint64_t barrier_result_ = 0;
  Lane* current_ = nullptr;
  uint3* thread_idx_ = nullptr;  // &threadIdx of this OS thread
  std::string fault_;  // set by a simulated thread that misused an intrinsic
  // The simulator's own resources ran out (a fiber stack could not be mapped): not the
  // kernel's fault, so the OutOfMemory itself reaches the caller.
  std::string out_of_memory_;
  std::size_t out_of_memory_bytes_ = 0;
  std::vector<uint4> shared_;  // dynamic shared memory, 16-byte aligned
  // hk/experimental/trace.hpp (hk-bench explain): the observer of this block, if one is installed, the
  // barriers released so far, and the shared arrays the kernel showed it.
  trace::SimObserver* observer_ = nullptr;
  int round_ = 0, trace_launch_ = 0;
  std::vector<trace::SharedArray> traced_shared_;
  class BlockChecker* checker_ = nullptr;  // while a checked launch runs a block here
};

}  // namespace hk::sim
