// The block scheduler (see block.hpp for the model) and the device-side entry points of the
// synchronising intrinsics.
#include "cuda/sim/block.hpp"

#include "common/src/thread_object.hpp"
#include "cuda/sim/checker.hpp"
#include "cuda/sim/diagnostics.hpp"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <utility>
#include <type_traits>

#include "hk/error.hpp"

namespace hk::sim {

constinit thread_local uint3 threadIdx{};
constinit thread_local uint3 blockIdx{};
constinit thread_local dim3 blockDim{};
constinit thread_local dim3 gridDim{};

namespace {

// The runner whose block is running on this OS thread (null between blocks).
thread_local constinit BlockRunner* tls_runner = nullptr;

[[noreturn, gnu::cold]] void outside_a_kernel(const char* what) {
  throw Error(std::string("hk cuda_sim: ") + what + " called outside a kernel");
}

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

[[gnu::noinline]] bool same_place_slow(const std::source_location& a, const std::source_location& b) {
  return a.line() == b.line() && a.column() == b.column() &&
         (a.file_name() == b.file_name() || std::strcmp(a.file_name(), b.file_name()) == 0);
}

inline bool same_place(const std::source_location& a, const std::source_location& b) {
  // Fast path: one call site, one source_location object (equal bits), every thread.
  static_assert(std::is_trivially_copyable_v<std::source_location>);
  return std::memcmp(&a, &b, sizeof a) == 0 || same_place_slow(a, b);
}

}  // namespace

// ---- the device-side entry points ---------------------------------------------------------------

namespace detail {
int barrier(BarrierOp op, int predicate, const std::source_location& where) {
  if (!tls_runner) outside_a_kernel(barrier_name(op));
  return tls_runner->barrier(op, predicate, where);
}
ParkPlan barrier_park(BarrierOp op, int predicate, const std::source_location& where) {
  if (!tls_runner) outside_a_kernel(barrier_name(op));
#if HK_SIM_INLINE_PARK
  return tls_runner->park_at_barrier(op, predicate, where);
#else
  tls_runner->barrier(op, predicate, where);  // switches (and tells the sanitizer) itself
  return {nullptr, nullptr};
#endif
}
int barrier_resume() {
#if HK_SIM_INLINE_PARK
  return tls_runner->resume_from_barrier();
#else
  return tls_runner->barrier_result();
#endif
}
ParkPlan warp_park(WarpOp op, unsigned mask, uint64_t value, int arg, int width, const std::source_location& where) {
  if (!tls_runner) outside_a_kernel(warp_op_name(op));
#if HK_SIM_INLINE_PARK
  return tls_runner->park_at_warp_op(op, mask, value, arg, width, where);
#else
  tls_runner->warp_op(op, mask, value, arg, width, where);  // switches (and tells the sanitizer) itself
  return {nullptr, nullptr};
#endif
}
uint64_t warp_resume() {
#if HK_SIM_INLINE_PARK
  return tls_runner->resume_from_warp_op();
#else
  return tls_runner->warp_result();
#endif
}
uint64_t warp_op(WarpOp op, unsigned mask, uint64_t value, int arg, int width, const std::source_location& where) {
  if (!tls_runner) outside_a_kernel(warp_op_name(op));
  return tls_runner->warp_op(op, mask, value, arg, width, where);
}
void trace_shared(const char* name, void* data, std::size_t bytes, std::size_t element_bytes) {
  if (!tls_runner) outside_a_kernel("HK_TRACE_SHARED");
  tls_runner->trace_shared(name, data, bytes, element_bytes);
}
void* dynamic_shared_memory() {
  if (!tls_runner) outside_a_kernel("HK_DYNAMIC_SHARED");
  return tls_runner->dynamic_shared();
}
}  // namespace detail

// ---- the scheduler ------------------------------------------------------------------------------

BlockRunner& BlockRunner::here() {
  return hk::detail::thread_object<BlockRunner>([] { return new BlockRunner; });  // usable after main returned
}

BlockRunner::BlockRunner() : host_(fiber_host()) {}

void BlockRunner::run(const KernelLaunch& k, uint3 block_idx, const Schedule& s, int trace_launch) {
  launch_ = &k;
  observer_ = trace::sim_observer();
  trace_launch_ = trace_launch;
  traced_shared_.clear();
  schedule_ = s;
  block_idx_ = block_idx;
  const dim3 bd = k.block;
  threads_ = static_cast<int>(bd.x * bd.y * bd.z);
  warps_ = (threads_ + 31) / 32;
  if (bd.x != lanes_dim_.x || bd.y != lanes_dim_.y || bd.z != lanes_dim_.z) {  // else reuse the coordinates
    lanes_.assign(static_cast<size_t>(threads_), Lane{});
    for (int t = 0; t < threads_; ++t) {
      Lane& l = lanes_[static_cast<size_t>(t)];
      l.tid = t;
      const unsigned u = static_cast<unsigned>(t);
      l.idx = {u % bd.x, u / bd.x % bd.y, u / (bd.x * bd.y)};
    }
    lanes_dim_ = bd;
    orders_for_ = -1;
  }
  for (Lane& l : lanes_) l.state = LaneState::unstarted;
  exited_ = at_warp_op_ = 0;
  arrived_ = votes_ = 0;
  diverged_ = false;
  fault_.clear();
  out_of_memory_.clear();
  blockIdx = block_idx;
  blockDim = bd;
  gridDim = k.grid;
  // Uninitialised shared memory reads as NaN / -1 rather than as the previous block's data.
  shared_.resize((k.shared_bytes + sizeof(uint4) - 1) / sizeof(uint4));
  if (!shared_.empty()) std::memset(shared_.data(), 0xff, shared_.size() * sizeof(uint4));
  const uint64_t linear = block_idx.x + uint64_t(k.grid.x) * (block_idx.y + uint64_t(k.grid.y) * block_idx.z);
  rng_ = s.seed ^ (linear * 0x2545f4914f6cdd1dull);

  tls_runner = this;
  thread_idx_ = &threadIdx;  // this OS thread's; one TLS lookup per block, not per switch
  checker_ = nullptr;
  if (k.checks) {
    checker_ = &BlockChecker::here();
    checker_->begin(*this, k, block_idx, threads_, shared_.data(), k.shared_bytes, k.profile);
    set_active_checker(checker_);
  }
  host_.describe = &BlockRunner::describe;
  host_.describe_self = this;
  fix_orders();
  for (int round = 0;; ++round) {
    round_ = round;
    order_warps();
    for (int w : warp_order_) run_warp(w, round == 0);
    if (exited_ == threads_) break;
    release_barrier();
    if (checker_) checker_->barrier_released();
  }
  if (checker_) {
    set_active_checker(nullptr);
    checker_->end();
    checker_ = nullptr;
  }
  tls_runner = nullptr;
  host_.describe = nullptr;
}

// The body of every fiber: run unstarted threads of the warp being started, one after the
// other, until one parks (then this fiber stays with it and a new fiber takes the next) or
// none is left; then hand the OS thread to the next parked thread to resume.
Fiber* BlockRunner::thread_main(void* self) {
  auto* r = static_cast<BlockRunner*>(self);
  Fiber* fiber = r->host_.current();
  while (r->start_next_ < r->start_end_) {
    Lane& l = r->lanes_[static_cast<size_t>(r->start_queue_[r->start_next_++])];
    l.fiber = fiber;
    l.state = LaneState::running;
    *r->thread_idx_ = l.idx;
    r->current_ = &l;
    try {
      r->launch_->run(r->launch_->closure);
    } catch (const OutOfMemory& e) {
      r->out_of_memory_ = e.what();
      r->out_of_memory_bytes_ = e.bytes();
      r->fault_ = "out of memory";
    } catch (const std::exception& e) {
      r->fault_ = std::string("the kernel threw an exception: ") + e.what();
    } catch (...) {
      r->fault_ = "the kernel threw an exception";
    }
    if (!r->fault_.empty()) r->fault_on_thread();  // outside the handler: nothing left to destroy
    if (r->observer_) r->report_segment();
    l.state = LaneState::exited;
    ++r->exited_;
  }
  return r->next_in_run_list();
}

// What runs after the current thread parks: a new fiber for the next unstarted thread, else
// the next parked thread of the run list, else the scheduler.
Fiber* BlockRunner::after_park() {
  if (start_next_ < start_end_) return host_.create(&BlockRunner::thread_main, this);
  return next_in_run_list();
}

Fiber* BlockRunner::next_in_run_list() {
  if (run_next_ == run_end_) return host_.main();
  Lane& l = lanes_[static_cast<size_t>(run_list_[run_next_++])];
  // The thread after this one: its stack top is cold by now (255 others ran since), and
  // this one's kernel code gives the loads time to arrive. Its Fiber was fetched one step
  // earlier, with the one after it, so that neither load waits on the other.
  if (run_next_ < run_end_) {
    lanes_[static_cast<size_t>(run_list_[run_next_])].fiber->prefetch();
    if (run_next_ + 1 < run_end_) __builtin_prefetch(lanes_[static_cast<size_t>(run_list_[run_next_ + 1])].fiber);
  }
  l.state = LaneState::running;
  *thread_idx_ = l.idx;
  current_ = &l;
  return l.fiber;
}

// Scheduler side: runs a chain of simulated threads until it hands the OS thread back.
void BlockRunner::dispatch(Fiber* first) {
  if (first == host_.main()) return;
  host_.switch_to(first);
  if (!fault_.empty()) fault_in_block(fault_);
}

void BlockRunner::run_lanes(const int* list, int count) {
  run_list_ = list;
  run_next_ = 0;
  run_end_ = count;
  dispatch(next_in_run_list());
}

void BlockRunner::run_warp(int warp, bool start) {
  const int* order = order_lanes(warp);
  const int count = std::min(32, threads_ - warp * 32);
  if (start) {
    start_queue_ = order;
    start_next_ = 0;
    start_end_ = count;
    dispatch(host_.create(&BlockRunner::thread_main, this));
  } else {
    run_lanes(order, count);  // a released barrier: every lane (no thread of the block has exited)
  }
  while (at_warp_op_ > 0 && settle(warp)) {  // the lanes a warp intrinsic released, in order
    ready_.clear();
    for (int i = 0; i < count; ++i)
      if (lanes_[static_cast<size_t>(order[i])].state == LaneState::ready) ready_.push_back(order[i]);
    run_lanes(ready_.data(), static_cast<int>(ready_.size()));
  }
  if (at_warp_op_ > 0)
    fault_in_block(warp_deadlock_message(&lanes_[static_cast<size_t>(warp) * 32], std::min(32, threads_ - warp * 32), warp));
}

inline void BlockRunner::arrive(detail::BarrierOp op, int predicate, const std::source_location& where) {
  if (observer_) report_segment();
  Lane& l = *current_;
  l.state = LaneState::at_barrier;
  l.barrier_op = op;
  l.where = where;  // for the messages, should the block fault
  if (arrived_++ == 0) {
    gathering_op_ = op;
    gathering_where_ = where;
  } else if (op != gathering_op_ || !same_place(where, gathering_where_)) {
    diverged_ = true;
  }
  votes_ += predicate != 0;
}

int BlockRunner::barrier(detail::BarrierOp op, int predicate, const std::source_location& where) {
  arrive(op, predicate, where);
  host_.switch_to(after_park());
  return static_cast<int>(barrier_result_);  // set by release_barrier before this thread resumed
}

#if HK_SIM_INLINE_PARK
detail::ParkPlan BlockRunner::park_at_barrier(detail::BarrierOp op, int predicate, const std::source_location& where) {
  arrive(op, predicate, where);
  const FiberHost::Plan plan = host_.plan_switch(after_park());
  return {plan.save, plan.to};
}
#endif

uint64_t BlockRunner::warp_op(detail::WarpOp op, unsigned mask, uint64_t value, int arg, int width,
                              const std::source_location& where) {
  arrive_at_warp_op(op, mask, value, arg, width, where);
  host_.switch_to(after_park());
  return current_->result;  // this lane's again, since it was resumed
}

#if HK_SIM_INLINE_PARK
detail::ParkPlan BlockRunner::park_at_warp_op(detail::WarpOp op, unsigned mask, uint64_t value, int arg, int width,
                                              const std::source_location& where) {
  arrive_at_warp_op(op, mask, value, arg, width, where);
  const FiberHost::Plan plan = host_.plan_switch(after_park());
  return {plan.save, plan.to};
}
#endif

inline void BlockRunner::arrive_at_warp_op(detail::WarpOp op, unsigned mask, uint64_t value, int arg, int width,
                                           const std::source_location& where) {
  Lane& l = *current_;
  const int lane = l.tid & 31;
  // A fault message goes straight into fault_: temporaries on this fiber's stack would
  // never be destroyed, since the faulting fiber is abandoned, not unwound.
  if (op != detail::WarpOp::activemask && !((mask >> lane) & 1u)) {
    fault_ = std::string(warp_op_name(op)) + " at " + describe_location(where) + ": thread " + xyz(l.idx) +
             " (lane " + std::to_string(lane) + ") passed mask " + hex(mask) + ", which does not name the calling lane";
    fault_on_thread();
  }
  if (is_shuffle(op) && (width < 1 || width > 32 || (width & (width - 1)) != 0)) {
    fault_ = std::string(warp_op_name(op)) + " at " + describe_location(where) + ": width " + std::to_string(width) +
             " is not a power of two in 1..32";
    fault_on_thread();
  }
  l.state = LaneState::at_warp_op;
  l.warp_op = op;
  l.mask = mask;
  l.value = value;
  l.arg = arg;
  l.width = static_cast<int8_t>(width);
  l.where = where;
  ++at_warp_op_;
}

bool BlockRunner::settle(int warp) {
  const int base = warp * 32, count = std::min(32, threads_ - base);
  uint32_t examined = 0;
  bool progress = false;
  for (int i = 0; i < count; ++i) {
    const Lane& l = lanes_[static_cast<size_t>(base + i)];
    if (l.state != LaneState::at_warp_op || l.warp_op == detail::WarpOp::activemask || ((examined >> i) & 1u))
      continue;
    examined |= 1u << i;
    bool complete = true;
    uint32_t exited = 0;
    for (uint32_t m = l.mask; m; m &= m - 1) {
      const int j = std::countr_zero(m);
      if (j >= count)
        fault_in_block(warp_group_head(l, warp) + "the mask names lane " + std::to_string(j) +
                       ", but this warp has only " + std::to_string(count) + " lanes (the block has " +
                       std::to_string(threads_) + " threads)");
      const Lane& o = lanes_[static_cast<size_t>(base + j)];
      if (o.state == LaneState::exited) {
        exited |= m & -m;
      } else if (o.state == LaneState::at_barrier) {
        fault_in_block(warp_group_head(l, warp) + "deadlock: lane " + std::to_string(j) + " (thread " + xyz(o.idx) +
                       ") waits at " + barrier_name(o.barrier_op) + " at " + describe_location(o.where) +
                       " and can never reach the warp intrinsic");
      } else if (o.state != LaneState::at_warp_op || o.warp_op != l.warp_op || o.mask != l.mask) {
        complete = false;  // still elsewhere (maybe at another group that settles first)
      }
    }
    if (exited) {
      std::vector<const Lane*> gone;
      for (uint32_t m = exited; m; m &= m - 1) gone.push_back(&lanes_[static_cast<size_t>(base + std::countr_zero(m))]);
      fault_in_block(warp_group_head(l, warp) + "the mask names lanes that have exited: " + describe_threads(gone));
    }
    if (complete) {
      settle_group(base, l.mask, l.warp_op);
      examined |= l.mask;
      progress = true;
    }
  }
  if (progress) return true;
  // __activemask(): once nothing else can move, the lanes parked at the same call are the
  // ones that execute it together.
  for (int i = 0; i < count; ++i) {
    const Lane& l = lanes_[static_cast<size_t>(base + i)];
    if (l.state != LaneState::at_warp_op || l.warp_op != detail::WarpOp::activemask) continue;
    uint32_t group = 0;
    for (int j = i; j < count; ++j) {
      const Lane& o = lanes_[static_cast<size_t>(base + j)];
      if (o.state == LaneState::at_warp_op && o.warp_op == detail::WarpOp::activemask && same_place(o.where, l.where))
        group |= 1u << j;
    }
    for (uint32_t m = group; m; m &= m - 1) {
      Lane& o = lanes_[static_cast<size_t>(base + std::countr_zero(m))];
      o.result = group;
      o.state = LaneState::ready;
      --at_warp_op_;
    }
    return true;
  }
  return false;
}

void BlockRunner::settle_group(int base, uint32_t mask, detail::WarpOp op) {
  auto lane = [&](int j) -> Lane& { return lanes_[static_cast<size_t>(base + j)]; };
  uint32_t votes = 0;
  for (uint32_t m = mask; m; m &= m - 1)
    if (lane(std::countr_zero(m)).value != 0) votes |= m & -m;
  for (uint32_t m = mask; m; m &= m - 1) {
    const int j = std::countr_zero(m);
    Lane& d = lane(j);
    const int segment = j & ~(d.width - 1), end = segment + d.width;  // shuffles stay within `width` lanes
    int src = j;
    switch (op) {
      case detail::WarpOp::syncwarp: d.result = 0; break;
      case detail::WarpOp::ballot: d.result = votes; break;
      case detail::WarpOp::all: d.result = votes == mask; break;
      case detail::WarpOp::any: d.result = votes != 0; break;
      case detail::WarpOp::shfl: src = segment + (d.arg & (d.width - 1)); break;
      case detail::WarpOp::shfl_up: src = j - d.arg >= segment ? j - d.arg : j; break;
      case detail::WarpOp::shfl_down: src = j + d.arg < end ? j + d.arg : j; break;
      case detail::WarpOp::shfl_xor: src = (j ^ d.arg) >= 0 && (j ^ d.arg) < end ? j ^ d.arg : j; break;
      case detail::WarpOp::activemask: break;
    }
    // Reading a lane outside the mask is undefined on the GPU; here it reads the caller's value.
    if (is_shuffle(op)) d.result = ((mask >> src) & 1u) ? lane(src).value : d.value;
  }
  for (uint32_t m = mask; m; m &= m - 1) lane(std::countr_zero(m)).state = LaneState::ready;
  at_warp_op_ -= std::popcount(mask);
}

trace::SimSegment BlockRunner::segment() const {
  trace::SimSegment seg;
  seg.grid = {launch_->grid.x, launch_->grid.y, launch_->grid.z};
  seg.block = {launch_->block.x, launch_->block.y, launch_->block.z};
  seg.block_idx = {block_idx_.x, block_idx_.y, block_idx_.z};
  if (current_) seg.thread_idx = {current_->idx.x, current_->idx.y, current_->idx.z};
  seg.step = round_;
  seg.launch = trace_launch_;
  seg.shared = traced_shared_.data();
  seg.shared_count = traced_shared_.size();
  return seg;
}

void BlockRunner::report_segment() { observer_->segment_done(segment()); }

void BlockRunner::trace_shared(const char* name, void* data, std::size_t bytes, std::size_t element_bytes) {
  if (checker_) checker_->announce_shared(name, data, bytes);
  if (!observer_) return;
  for (const trace::SharedArray& a : traced_shared_)
    if (a.data == data) return;
  traced_shared_.push_back({name, data, bytes, element_bytes});
  observer_->shared_declared(segment(), traced_shared_.back());
}

void BlockRunner::release_barrier() {
  // Every thread that hasn't exited waits at a barrier here (run_warp saw to that).
  // The arrivals were checked as they came (barrier()): nothing here walks the block.
  if (exited_ > 0) fault_in_block(barrier_after_exit_message(lanes_));
  if (diverged_) fault_in_block(divergent_barrier_message(lanes_));
  // Released: every lane runs next round in lane order (run_warp), so the lanes' states
  // stay as they are.
  switch (gathering_op_) {
    case detail::BarrierOp::sync: barrier_result_ = 0; break;
    case detail::BarrierOp::count: barrier_result_ = static_cast<uint64_t>(votes_); break;
    case detail::BarrierOp::all: barrier_result_ = votes_ == threads_; break;
    case detail::BarrierOp::any: barrier_result_ = votes_ > 0; break;
  }
  arrived_ = votes_ = 0;
}

void BlockRunner::fix_orders() {
  const int order = static_cast<int>(schedule_.order);
  if (orders_for_ == order) return;
  const bool reverse = schedule_.order == Schedule::Order::reverse;
  lane_order_.resize(static_cast<size_t>(threads_));
  for (int base = 0; base < threads_; base += 32) {
    const int count = std::min(32, threads_ - base);
    for (int i = 0; i < count; ++i) lane_order_[static_cast<size_t>(base + i)] = reverse ? base + count - 1 - i : base + i;
  }
  warp_order_.resize(static_cast<size_t>(warps_));
  for (int i = 0; i < warps_; ++i) warp_order_[static_cast<size_t>(i)] = reverse ? warps_ - 1 - i : i;
  orders_for_ = order;
}

// Random: a fresh shuffle of the warp's lanes (the forward and reverse orders are fixed).
const int* BlockRunner::order_lanes(int warp) {
  const int base = warp * 32, count = std::min(32, threads_ - base);
  int* order = lane_order_.data() + base;
  if (schedule_.order == Schedule::Order::random) {
    for (int i = 0; i < count; ++i) order[i] = base + i;
    for (int i = count - 1; i > 0; --i) std::swap(order[i], order[splitmix64(rng_) % static_cast<uint64_t>(i + 1)]);
  }
  return order;
}

void BlockRunner::order_warps() {
  if (schedule_.order != Schedule::Order::random) return;
  for (int i = 0; i < warps_; ++i) warp_order_[static_cast<size_t>(i)] = i;
  for (int i = warps_ - 1; i > 0; --i)
    std::swap(warp_order_[static_cast<size_t>(i)], warp_order_[splitmix64(rng_) % static_cast<uint64_t>(i + 1)]);
}

void BlockRunner::fault_on_thread() {
  host_.switch_to(host_.main());  // the scheduler abandons the block and never resumes this fiber
  std::abort();
}

void BlockRunner::abandon() {
  for (Lane& l : lanes_)
    if (l.state != LaneState::unstarted && l.state != LaneState::exited) {
      host_.abandon(l.fiber);
      l.state = LaneState::exited;
    }
  start_next_ = start_end_ = run_next_ = run_end_ = 0;
  tls_runner = nullptr;
  if (checker_) {
    set_active_checker(nullptr);
    checker_->abandon();
    checker_ = nullptr;
  }
  host_.describe = nullptr;
}

void BlockRunner::fault_in_block(const std::string& what) {
  abandon();
  if (!out_of_memory_.empty()) {
    std::string message = std::exchange(out_of_memory_, {});
    throw OutOfMemory(message + " (in block " + xyz(block_idx_) + " of " + describe_launch(*launch_) + ")",
                      out_of_memory_bytes_);
  }
  throw CudaError("hk cuda_sim: kernel fault in block " + xyz(block_idx_) + " of " + describe_launch(*launch_) +
                  ":\n  " + what);
}

void BlockRunner::describe(const void* self, int fd) {
  const auto* r = static_cast<const BlockRunner*>(self);
  if (!r->launch_) return;
  put(fd, " in the kernel launched at ");
  put(fd, r->launch_->where.file_name());
  put(fd, ":");
  put_uint(fd, r->launch_->where.line());
  put(fd, " (");
  put(fd, r->launch_->where.function_name());
  put(fd, "), block ");
  put_xyz(fd, r->block_idx_);
  if (r->current_) {
    put(fd, ", thread ");
    put_xyz(fd, r->current_->idx);
  }
}

}  // namespace hk::sim
