// How the simulator switches from one fiber (simulated CUDA thread) to another on x86-64,
// and the inline form of that switch that parks a thread right at its __syncthreads().
//
// The switch is the simulator's inner loop (a tiled matmul parks every thread at two
// barriers per tile). Why not ucontext: swapcontext makes a signal-mask system call on
// every switch. Why not Boost.Context's fcontext on x86-64: it is quick in a ping-pong, but
// several times slower in a chain of 256 fibers that each park inside a function that then
// returns, as a barrier does (hk-micro-sim: BM_FcontextChain): it saves and reloads MXCSR
// and the x87 control word (ldmxcsr/fldcw stall the pipeline) and resumes with an indirect
// jump after a `call`, which leaves the return-stack predictor one entry off, so the next
// `ret` mispredicts. hk's switch saves what the ABI says a call preserves and nothing else
// (BM_HkSwitchChain: the same chain; docs/measurements.md has both). The FP control words are
// not switched: device code has no way to change them (the GPU has no rounding-mode
// register to set), so all fibers share the OS thread's.
//
// The saved context of a suspended fiber is a stack pointer; the word there is the address
// at which the fiber continues, and whatever else it must keep it pushed above that word
// itself. Resuming is `pop; jmp`: an indirect jump, which the branch predictor learns per
// jump site. That matters because a kernel has several barriers: in a round every thread
// resumes at one barrier and parks at the next, so a thread that parks at barrier 2 hands
// over to one that resumes at barrier 1. Were the resume a `ret` out of a shared switch
// function, the return predictor would expect barrier 2's return address and miss every
// time. Parking inline at the barrier's own call
// site (park_and_switch below, used by device.hpp) gives each barrier its own jump, whose
// target is always the same (the other barrier), so it is always predicted.
//
// Elsewhere (arm64; CET shadow stacks, which forbid switching stacks behind the processor's
// back; or a build with -DHK_SIM_BOOST_SWITCH=ON, as CI's tsan stage is, so that this path
// is tested too) fiber.cpp switches with Boost.Context's fcontext, and under ASan/TSan
// every switch goes through FiberHost::switch_to, which tells the sanitizer.
#pragma once

#if defined(__x86_64__) && !(defined(__CET__) && (__CET__ & 2)) && !defined(HK_SIM_FORCE_BOOST_SWITCH)
#define HK_SIM_OWN_SWITCH 1
#else
#define HK_SIM_OWN_SWITCH 0
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HK_SIM_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define HK_SIM_SANITIZED 1
#endif
#endif
#ifndef HK_SIM_SANITIZED
#define HK_SIM_SANITIZED 0
#endif

// Barriers park inline (device.hpp) unless the switch must be announced to a sanitizer.
#define HK_SIM_INLINE_PARK (HK_SIM_OWN_SWITCH && !HK_SIM_SANITIZED)

#if HK_SIM_OWN_SWITCH
// The out-of-line switch (fiber.cpp): pushes the callee-saved registers and its resume
// address, stores the stack pointer in *save, and resumes the fiber saved at `to`.
extern "C" __attribute__((visibility("hidden"))) void hk_sim_switch(void** save, void* to);

namespace hk::sim::detail {

// The same switch, inline at the caller: the compiler saves whatever it keeps in registers
// (everything is declared clobbered, as across a call that never returns the same
// registers), the asm saves rbp and the resume address. It steps over the red zone first.
__attribute__((always_inline)) inline void park_and_switch(void** save, void* to) {
  asm volatile(
      "leaq -128(%%rsp), %%rsp\n\t"
      "pushq %%rbp\n\t"
      "leaq 1f(%%rip), %%rax\n\t"
      "pushq %%rax\n\t"
      "movq %%rsp, (%%rdi)\n\t"
      "movq %%rsi, %%rsp\n\t"
      "popq %%rax\n\t"
      "jmpq *%%rax\n"
      "1:\n\t"
      "popq %%rbp\n\t"
      "leaq 128(%%rsp), %%rsp"
      : "+D"(save), "+S"(to)
      :
      : "rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",  //
        "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",                    //
        "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",              //
#ifdef __AVX512F__
        "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23",  //
        "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31",  //
        "k1", "k2", "k3", "k4", "k5", "k6", "k7",                                //
#endif
        "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)", "memory", "cc");
}

}  // namespace hk::sim::detail
#endif
