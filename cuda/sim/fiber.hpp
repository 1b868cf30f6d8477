// Fibers for the simulator: one per simulated CUDA thread that is waiting at a sync point.
//
// Why Boost.Context's fcontext and not ucontext: swapcontext makes a signal-mask system call
// on every switch (~1.2 µs here), fcontext saves a handful of registers (~6 ns); a tiled
// matmul parks every thread at two barriers per tile, so the switch is the simulator's
// inner loop.
//
// Stacks are mmap()ed with a PROT_NONE guard region below them, pooled per OS thread (a
// block's fibers never leave the OS thread that runs the block), and reused block after
// block, so their pages stay mapped and warm. A SIGSEGV in a guard region is reported as a
// fiber stack overflow naming the kernel and thread, instead of a bare segfault.
#pragma once

#include <boost/context/detail/fcontext.hpp>

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

namespace hk::sim {

namespace ctx = boost::context::detail;

struct Stack {
  char* base = nullptr;  // start of the mapping: the guard region, then the usable stack
  std::size_t guard = 0, size = 0;
  char* lo() const { return base + guard; }
  char* hi() const { return base + guard + size; }
};

class Fiber;

// Owns this OS thread's stacks and fibers, its alternate signal stack, and the switches
// between the scheduler (running on the OS thread's own stack) and the fibers.
class FiberHost {
 public:
  explicit FiberHost(std::size_t stack_bytes);
  ~FiberHost();
  FiberHost(const FiberHost&) = delete;
  FiberHost& operator=(const FiberHost&) = delete;

  // A fiber that will call entry(arg) on its own stack when first resumed.
  Fiber* create(void (*entry)(void*), void* arg);
  // Returns a fiber to the pool: one that finished, or one abandoned mid-kernel after a
  // fault (its frames are dropped without unwinding).
  void recycle(Fiber*);

  // Scheduler side: runs `f` until it suspends or finishes.
  void resume(Fiber* f);
  // Fiber side: back to the scheduler; returns when resumed.
  void suspend();
  Fiber* current() const { return current_; }

  // For the SIGSEGV handler: is `addr` in the guard region of one of this host's stacks?
  bool in_guard(const void* addr) const;
  std::size_t stack_bytes() const { return stack_bytes_; }

  // Called (async-signal-safely) by the overflow handler to describe the faulting kernel
  // and thread on file descriptor fd.
  void (*describe)(const void* self, int fd) = nullptr;
  const void* describe_self = nullptr;

 private:
  friend class Fiber;
  static void trampoline(ctx::transfer_t);
  [[noreturn]] void exit_fiber();

  std::size_t stack_bytes_;
  std::vector<std::unique_ptr<Fiber>> all_;
  std::vector<Fiber*> free_;
  Fiber* current_ = nullptr;
  ctx::fcontext_t scheduler_ = nullptr;  // where suspend() jumps back to
  std::vector<char> signal_stack_;
#if HK_SIM_ASAN
  const void* scheduler_stack_lo_ = nullptr;
  std::size_t scheduler_stack_size_ = 0;
#endif
};

class Fiber {
 public:
  bool finished() const { return finished_; }
  void* user = nullptr;  // the scheduler's bookkeeping (the simulated thread)

 private:
  friend class FiberHost;
  ctx::fcontext_t context_ = nullptr;
  Stack stack_;
  void (*entry_)(void*) = nullptr;
  void* arg_ = nullptr;
  bool finished_ = false;
#if HK_SIM_ASAN
  void* fake_stack_ = nullptr;
#endif
};

// This OS thread's FiberHost (created on first use).
FiberHost& fiber_host();

// The two switches are the simulator's inner loop: inline, and nothing but the jump and
// ASan's bookkeeping of which stack is live.
inline void FiberHost::resume(Fiber* f) {
  current_ = f;
#if HK_SIM_ASAN
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, f->stack_.lo(), f->stack_.size);
#endif
  ctx::transfer_t back = ctx::jump_fcontext(f->context_, this);
#if HK_SIM_ASAN
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
  f->context_ = back.fctx;  // where the fiber continues next time
  current_ = nullptr;
}

inline void FiberHost::suspend() {
#if HK_SIM_ASAN
  Fiber* self = current_;
  __sanitizer_start_switch_fiber(&self->fake_stack_, scheduler_stack_lo_, scheduler_stack_size_);
#endif
  ctx::transfer_t back = ctx::jump_fcontext(scheduler_, nullptr);
#if HK_SIM_ASAN
  __sanitizer_finish_switch_fiber(self->fake_stack_, &scheduler_stack_lo_, &scheduler_stack_size_);
#endif
  scheduler_ = back.fctx;
}

}  // namespace hk::sim
