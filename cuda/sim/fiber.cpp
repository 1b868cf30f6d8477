// Fiber stacks, the fiber entry trampoline, and the stack-overflow report.
#include "cuda/sim/fiber.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "common/src/thread_object.hpp"
#include "cuda/sim/diagnostics.hpp"
#include "cuda/sim/launch.hpp"
#include "hk/error.hpp"

#if HK_SIM_OWN_SWITCH
// The out-of-line x86-64 switch (see switch.hpp): saves the callee-saved registers and the
// address of its second half, switches stacks, and jumps to the resume address it finds.
asm(R"(
  .text
  .globl hk_sim_switch
  .hidden hk_sim_switch
  .type hk_sim_switch, @function
  .p2align 4
hk_sim_switch:
  .cfi_startproc
  endbr64
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  leaq 1f(%rip), %rax
  pushq %rax
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  popq %rax
  jmpq *%rax
1:
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .cfi_endproc
  .size hk_sim_switch, .-hk_sim_switch

  .globl hk_sim_fiber_start
  .hidden hk_sim_fiber_start
  .type hk_sim_fiber_start, @function
  .p2align 4
hk_sim_fiber_start:
  endbr64
  xorl %ebp, %ebp
  popq %rax
  pushq $0
  jmpq *%rax
  .size hk_sim_fiber_start, .-hk_sim_fiber_start
)");
// A new fiber's first resume address: clears rbp (backtraces end at the fiber's first
// frame, not in the stack of whoever switched to it), then enters the function whose
// address lies above, as if called from a null return address.
extern "C" __attribute__((visibility("hidden"))) void hk_sim_fiber_start();
#endif

namespace hk::sim {

namespace {

// Below every stack. With -fstack-clash-protection (set on the files that compile kernels
// for the simulator) frames are probed page by page, so one page would do; the larger
// region also catches code built without it, at no cost (it is never committed).
constexpr std::size_t kGuardBytes = 64 * 1024;
constexpr std::size_t kSignalStackBytes = 64 * 1024;

thread_local FiberHost* tls_host = nullptr;
struct sigaction previous_segv;
std::once_flag handler_once;

void on_segv(int sig, siginfo_t* info, void* context) {
  FiberHost* host = tls_host;
  if (host && host->in_guard(info->si_addr)) {
    put(2, "\nhk cuda_sim: fiber stack overflow");
    if (host->describe) host->describe(host->describe_self, 2);
    put(2, "\n  every simulated CUDA thread runs on a ");
    put_uint(2, host->stack_bytes() / 1024);
    put(2, " KiB stack: set HK_SIM_STACK_KB higher, or shrink the kernel's local arrays or recursion\n");
    ::signal(SIGABRT, SIG_DFL);
    std::abort();
  }
  // Not an overflow of ours: hand the fault to whoever handled SIGSEGV before us.
  if (previous_segv.sa_flags & SA_SIGINFO) {
    if (previous_segv.sa_sigaction) return previous_segv.sa_sigaction(sig, info, context);
  } else if (previous_segv.sa_handler != SIG_DFL && previous_segv.sa_handler != SIG_IGN) {
    return previous_segv.sa_handler(sig);
  }
  // Default action: reinstall it and return; the faulting instruction faults again.
  ::sigaction(SIGSEGV, &previous_segv, nullptr);
}

void install_segv_handler() {
  struct sigaction sa {};
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;  // the faulting stack is unusable: use the alternate one
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGSEGV, &sa, &previous_segv);
}

// Stacks are mapped at the same alignment, so without care the top of every stack — the
// few cache lines a parked fiber touches — would fall into the same L1/L2 cache sets, and
// a block of 256 fibers would thrash one set. Each stack starts below its top by a
// different multiple of 9 cache lines ("colouring"), spreading them over a 64 KiB window.
constexpr std::size_t kColourBytes = 64 * 1024, kColourStep = 9 * 64;

std::atomic<std::size_t> stacks_mapped{0};

std::size_t read_max_map_count() {
  std::size_t n = 65530;  // Linux's default
  if (FILE* f = std::fopen("/proc/sys/vm/max_map_count", "r")) {
    unsigned long long v = 0;
    if (std::fscanf(f, "%llu", &v) == 1 && v > 0) n = static_cast<std::size_t>(v);
    std::fclose(f);
  }
  return n;
}

[[noreturn]] void out_of_maps(const char* what, std::size_t bytes, int err) {
  throw OutOfMemory(std::string("hk cuda_sim: cannot ") + what + " a fiber stack (" + std::to_string(bytes) +
                        " bytes): " + std::strerror(err) + "; " + std::to_string(stacks_mapped.load()) +
                        " stacks are mapped, the simulator's budget is " + std::to_string(fiber_stack_budget()) +
                        " (an eighth of vm.max_map_count)",
                    bytes);
}

std::size_t colour_of(std::size_t index) { return index * kColourStep % kColourBytes; }

Stack map_stack(std::size_t bytes, std::size_t colour) {
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  Stack s;
  s.colour = colour;
  s.size = (bytes + kColourBytes + page - 1) / page * page;
  s.guard = (kGuardBytes + page - 1) / page * page;
  if (stacks_mapped.fetch_add(1) >= fiber_stack_budget()) {
    stacks_mapped.fetch_sub(1);
    throw OutOfMemory("hk cuda_sim: a simulated block needs more fiber stacks than the simulator may map (" +
                          std::to_string(fiber_stack_budget()) +
                          ", an eighth of vm.max_map_count, for all threads together); run fewer simulating "
                          "threads at once (Options::threads, HK_NUM_THREADS)",
                      s.guard + s.size);
  }
  void* p = ::mmap(nullptr, s.guard + s.size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (p == MAP_FAILED) {
    const int err = errno;
    stacks_mapped.fetch_sub(1);
    out_of_maps("map", s.guard + s.size, err);
  }
  s.base = static_cast<char*>(p);
#if HK_SIM_ASAN
  // ASan doesn't clear its shadow on munmap: a stack mapped where an earlier one (of a pool
  // thread since ended) had poisoned frames would inherit them and fail the first write.
  ASAN_UNPOISON_MEMORY_REGION(s.base + s.guard, s.size);
#endif
  if (::mprotect(s.base, s.guard, PROT_NONE) != 0) {  // ENOMEM when the split needs a map the process lacks
    const int err = errno;
    ::munmap(p, s.guard + s.size);
    stacks_mapped.fetch_sub(1);
    out_of_maps("guard", s.guard + s.size, err);
  }
  return s;
}

void unmap_stack(Stack& s) {
#if HK_SIM_ASAN
  ASAN_UNPOISON_MEMORY_REGION(s.lo(), s.size);  // finished fibers' frames
#endif
  ::munmap(s.base, s.guard + s.size);
  s.base = nullptr;
  stacks_mapped.fetch_sub(1);
}

}  // namespace

FiberHost::FiberHost(std::size_t stack_bytes) : stack_bytes_(stack_bytes), main_(std::make_unique<Fiber>()) {
  current_ = main_.get();
#if HK_SIM_TSAN
  main_->tsan_fiber_ = __tsan_get_current_fiber();
#endif
  std::call_once(handler_once, install_segv_handler);
  stack_t current{};
  ::sigaltstack(nullptr, &current);
  if (current.ss_flags & SS_DISABLE) {  // keep one somebody else (ASan, the program) set up
    signal_stack_.resize(kSignalStackBytes);
    stack_t ours{};
    ours.ss_sp = signal_stack_.data();
    ours.ss_size = signal_stack_.size();
    if (::sigaltstack(&ours, nullptr) != 0) signal_stack_.clear();
  }
  tls_host = this;
}

FiberHost::~FiberHost() {
  if (tls_host == this) tls_host = nullptr;
  if (!signal_stack_.empty()) {
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    ::sigaltstack(&off, nullptr);
  }
  for (auto& f : all_) {
#if HK_SIM_TSAN
    if (f->tsan_fiber_) __tsan_destroy_fiber(f->tsan_fiber_);
#endif
    if (f->stack_.base) unmap_stack(f->stack_);
  }
}

void FiberHost::release_idle_stacks() {
  for (Fiber* f : free_)
    if (f->stack_.base) unmap_stack(f->stack_);
}

namespace {
std::atomic<std::size_t> budget_override{0};
}  // namespace

std::size_t fiber_stack_budget() {
  static const std::size_t budget = std::max<std::size_t>(read_max_map_count() / 8, 1024);
  const std::size_t override = budget_override.load(std::memory_order_relaxed);
  return override ? override : budget;
}

void set_fiber_stack_budget(std::size_t stacks) { budget_override.store(stacks); }

std::size_t fiber_stacks_mapped() { return stacks_mapped.load(std::memory_order_relaxed); }

Fiber* FiberHost::create(Fiber* (*entry)(void*), void* arg) {
  Fiber* f;
  if (!free_.empty()) {
    f = free_.back();
    if (!f->stack_.base) {  // released while idle
      f->stack_ = map_stack(stack_bytes_, f->stack_.colour);
#if HK_SIM_ASAN
      f->asan_lo_ = f->stack_.lo();
      f->asan_size_ = f->stack_.size;
#endif
    }
    free_.pop_back();
  } else {
    if (all_.size() == chunks_.size() * kChunk) chunks_.push_back(std::make_unique<Fiber[]>(kChunk));
    f = &chunks_.back()[all_.size() % kChunk];
    all_.reserve(all_.size() + 1);  // before mapping: a failed push_back would leak the stack
    f->stack_ = map_stack(stack_bytes_, colour_of(all_.size()));
#if HK_SIM_ASAN
    f->asan_lo_ = f->stack_.lo();
    f->asan_size_ = f->stack_.size;
#endif
    all_.push_back(f);
  }
  f->entry_ = entry;
  f->arg_ = arg;
#if HK_SIM_ASAN
  f->fake_stack_ = nullptr;
#endif
#if HK_SIM_TSAN
  // A fresh shadow stack each time: a finished fiber left its trampoline's frame on the old one.
  if (f->tsan_fiber_) __tsan_destroy_fiber(f->tsan_fiber_);
  f->tsan_fiber_ = __tsan_create_fiber(0);
#endif
#if HK_SIM_OWN_SWITCH
  // Resumes at hk_sim_fiber_start, which enters trampoline with the stack aligned as after
  // a call (rsp + 8 a multiple of 16: the top is).
  auto* top = reinterpret_cast<void**>(reinterpret_cast<uintptr_t>(f->stack_.top()) & ~uintptr_t{15});
  void** sp = top - 2;
  sp[0] = reinterpret_cast<void*>(&hk_sim_fiber_start);
  sp[1] = reinterpret_cast<void*>(&FiberHost::trampoline);
  f->context_ = sp;
#else
  f->context_ = ctx::make_fcontext(f->stack_.top(), f->stack_.size - f->stack_.colour, &FiberHost::trampoline);
#endif
  return f;
}

void FiberHost::recycle(Fiber* f) { free_.push_back(f); }

void FiberHost::abandon(Fiber* f) {
#if HK_SIM_ASAN
  // Its frames never returned: clear their redzones before the stack is reused.
  ASAN_UNPOISON_MEMORY_REGION(f->stack_.lo(), f->stack_.size);
#endif
  recycle(f);
}

bool FiberHost::in_guard(const void* addr) const {
  const char* a = static_cast<const char*>(addr);
  for (const auto& f : all_)
    if (f->stack_.base && a >= f->stack_.base && a < f->stack_.lo()) return true;
  return false;
}

#if HK_SIM_OWN_SWITCH
void FiberHost::trampoline() {
  FiberHost& host = *tls_host;
  host.landed();  // first: under ASan the switch must be finished before anything else
  host.start_fiber();
}
#else
void FiberHost::trampoline(ctx::transfer_t t) {
  FiberHost& host = *tls_host;
  host.previous_->context_ = t.fctx;
  host.landed();
  host.start_fiber();
}
#endif

void FiberHost::start_fiber() {
  Fiber* self = current_;
  Fiber* to = self->entry_(self->arg_);
  // Finished: back to the pool, and away for good. Nothing can take it from the pool before
  // the switch below has left its stack (the next create() runs on another fiber), so
  // the landing side has nothing to check.
  recycle(self);
  current_ = to;
  previous_ = self;
#if HK_SIM_ASAN
  __sanitizer_start_switch_fiber(nullptr, to->asan_lo_, to->asan_size_);  // this stack is done
#endif
#if HK_SIM_TSAN
  __tsan_switch_to_fiber(to->tsan_fiber_, 0);
#endif
#if HK_SIM_OWN_SWITCH
  hk_sim_switch(&self->context_, to->context_);
#else
  ctx::jump_fcontext(to->context_, nullptr);
#endif
  __builtin_unreachable();  // a finished fiber is never resumed
}

FiberHost& fiber_host() {
  return hk::detail::thread_object<FiberHost>([] { return new FiberHost(stack_bytes()); });  // usable after main returned
}

}  // namespace hk::sim
