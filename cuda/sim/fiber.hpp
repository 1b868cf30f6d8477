// Fibers for the simulator: one per simulated CUDA thread that is waiting at a sync point.
// How they switch, and why not ucontext or (on x86-64) Boost.Context: cuda/sim/switch.hpp.
//
// Stacks are mmap()ed with a PROT_NONE guard region below them, pooled per OS thread (a
// block's fibers never leave the OS thread that runs the block), and reused block after
// block, so their pages stay mapped and warm. A SIGSEGV in a guard region is reported as a
// fiber stack overflow naming the kernel and thread, instead of a bare segfault.
//
// Each stack costs the process two memory maps, and a process has vm.max_map_count of
// them for everything (its heap, its threads, its libraries). The stacks of all OS threads
// together are counted against a budget of an eighth of that (a quarter of the maps):
// launches run fewer blocks at once when a block's threads would overrun it, a thread
// unmaps its idle stacks after a launch while more than half the budget is mapped, and a
// stack past the budget is an OutOfMemory, never a process out of maps.
#pragma once

#include <boost/context/detail/fcontext.hpp>

#include "cuda/sim/switch.hpp"

#include <cstddef>
#include <memory>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define HK_SIM_ASAN 1
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#else
#define HK_SIM_ASAN 0
#endif
// ThreadSanitizer keeps a shadow call stack per thread: each fiber needs its own, and every
// switch must say which one runs, or TSan's stack and the real one disagree and it crashes.
// The switches synchronise: a block's fibers take turns on one OS thread.
#if defined(__SANITIZE_THREAD__)
#define HK_SIM_TSAN 1
#include <sanitizer/tsan_interface.h>
#else
#define HK_SIM_TSAN 0
#endif

namespace hk::sim {

namespace ctx = boost::context::detail;

struct Stack {
  char* base = nullptr;  // start of the mapping: the guard region, then the usable stack
  std::size_t guard = 0, size = 0;
  std::size_t colour = 0;  // the fiber starts this far below hi() (see map_stack)
  char* lo() const { return base + guard; }
  char* hi() const { return base + guard + size; }
  char* top() const { return hi() - colour; }
};

class Fiber;

// Owns this OS thread's stacks and fibers, its alternate signal stack, and the switches.
// The OS thread's own stack is fiber main(): the scheduler runs there. Any fiber can
// switch directly to any other (a simulated thread parking at a barrier hands the OS
// thread straight to the next one, one jump instead of two through the scheduler).
class __attribute__((visibility("hidden"))) FiberHost {
 public:
  explicit FiberHost(std::size_t stack_bytes);
  ~FiberHost();
  FiberHost(const FiberHost&) = delete;
  FiberHost& operator=(const FiberHost&) = delete;

  // A fiber that runs entry(arg) on its own stack when first switched to; when entry
  // returns, the fiber finishes, switches to the fiber entry returned, and is recycled.
  Fiber* create(Fiber* (*entry)(void*), void* arg);
  // Returns a fiber abandoned mid-kernel after a fault to the pool (its frames are dropped
  // without unwinding). Finished fibers are recycled automatically.
  void abandon(Fiber*);

  // Suspends the running fiber and runs `to` (a new fiber, a suspended one, or main());
  // returns when something switches back.
  void switch_to(Fiber* to);
#if HK_SIM_INLINE_PARK
  // switch_to's bookkeeping, for a switch the caller makes itself (park_and_switch): where
  // to save the running fiber, and the context to resume. Then landed(), on arrival.
  struct Plan {
    void** save;
    void* to;
  };
  Plan plan_switch(Fiber* to);
#endif
  // Runs on the fiber that was just switched to; previous_ is the fiber that switched here.
  void landed();
  Fiber* current() const { return current_; }
  Fiber* main() { return main_.get(); }

  // Unmaps the stacks of this host's idle fibers (mapped again when next used).
  void release_idle_stacks();

  // For the SIGSEGV handler: is `addr` in the guard region of one of this host's stacks?
  bool in_guard(const void* addr) const;
  std::size_t stack_bytes() const { return stack_bytes_; }

  // Called (async-signal-safely) by the overflow handler to describe the faulting kernel
  // and thread on file descriptor fd.
  void (*describe)(const void* self, int fd) = nullptr;
  const void* describe_self = nullptr;

 private:
#if HK_SIM_OWN_SWITCH
  static void trampoline();
#else
  static void trampoline(ctx::transfer_t);
#endif
  // Runs the new fiber's entry, then leaves it for good. Not [[noreturn]]: ASan would
  // reset its idea of the stack before the call, while the switch to here is unfinished.
  void start_fiber();
  void recycle(Fiber*);

  std::size_t stack_bytes_;
  std::unique_ptr<Fiber> main_;
  // Fibers sit side by side, one cache line each, in chunks: a round over a block's threads
  // walks them in (or against) memory order, which the hardware prefetcher follows.
  static constexpr std::size_t kChunk = 64;
  std::vector<std::unique_ptr<Fiber[]>> chunks_;
  std::vector<Fiber*> all_;
  std::vector<Fiber*> free_;
  Fiber* current_ = nullptr;
  Fiber* previous_ = nullptr;  // the fiber that made the last switch: whom a landing fiber follows
  std::vector<char> signal_stack_;
};

class alignas(64) Fiber {
 public:
  static constexpr int kPrefetchLines = 6;
  // Starts loading the frames the next switch to this fiber will read: its resume address
  // and saved registers, then the frames of the intrinsic it parked in and of the kernel.
  void prefetch() const {
    const char* p = static_cast<const char*>(context_);
    for (int line = 0; line < kPrefetchLines; ++line) __builtin_prefetch(p + 64 * line);
  }

 private:
  friend class FiberHost;
  void* context_ = nullptr;  // its saved context (valid while suspended; switch.hpp)
  Stack stack_;                        // empty for main(), and while released (base == nullptr)
  Fiber* (*entry_)(void*) = nullptr;
  void* arg_ = nullptr;
#if HK_SIM_TSAN
  void* tsan_fiber_ = nullptr;  // owned, except main()'s: the OS thread's own
#endif
#if HK_SIM_ASAN
  void* fake_stack_ = nullptr;
  const void* asan_lo_ = nullptr;  // the stack's bounds as ASan knows them
  std::size_t asan_size_ = 0;
#endif
};

// This OS thread's FiberHost (created on first use).
FiberHost& fiber_host();

// The budget above, in stacks, and how many all OS threads have mapped now.
std::size_t fiber_stack_budget();
std::size_t fiber_stacks_mapped();
// Tests: a smaller budget (0 restores the default), to reach its limit on any machine.
void set_fiber_stack_budget(std::size_t stacks);

// The switch is the simulator's inner loop: inline, nothing but the jump, the bookkeeping
// of who was left where, and ASan's record of which stack is live.
inline void FiberHost::switch_to(Fiber* to) {
  Fiber* from = current_;
  current_ = to;
  previous_ = from;
#if HK_SIM_ASAN
  __sanitizer_start_switch_fiber(&from->fake_stack_, to->asan_lo_, to->asan_size_);
#endif
#if HK_SIM_TSAN
  __tsan_switch_to_fiber(to->tsan_fiber_, 0);
#endif
#if HK_SIM_OWN_SWITCH
  hk_sim_switch(&from->context_, to->context_);
#else
  previous_->context_ = ctx::jump_fcontext(to->context_, nullptr).fctx;  // whoever switched back here
#endif
  landed();
}

#if HK_SIM_INLINE_PARK
inline FiberHost::Plan FiberHost::plan_switch(Fiber* to) {
  Fiber* from = current_;
  current_ = to;
  previous_ = from;
  return {&from->context_, to->context_};
}
#endif

// Empty unless ASan is on: device.hpp's inline barriers rely on that (they skip it).
inline void FiberHost::landed() {
  Fiber* from = previous_;
#if HK_SIM_ASAN
  const void* lo = nullptr;
  std::size_t size = 0;
  __sanitizer_finish_switch_fiber(current_->fake_stack_, &lo, &size);
  if (from == main_.get()) {  // learn the OS thread's own stack the first time we leave it
    from->asan_lo_ = lo;
    from->asan_size_ = size;
  }
#endif
  (void)from;
}

}  // namespace hk::sim
