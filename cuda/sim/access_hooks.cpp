// The other end of cuda/register_cuda_sim_checked.cpp's instrumentation: g++'s
// -fsanitize=thread turns each load and store into a call of __tsan_readN / __tsan_writeN
// (and each atomic into __tsan_atomicN_op), which hk answers here instead of
// ThreadSanitizer's runtime (not linked; a build with a sanitizer leaves this file out).
// Each hook forwards the access, with the instruction's address, to the checker of the
// block running on this OS thread; outside a checked block it does nothing. Atomics are
// performed here, then reported as a read and a write.
// Hidden visibility: libhk's instrumented code binds to these, and nothing outside sees them.
#include <cstddef>
#include <cstdint>

#include "cuda/sim/checker.hpp"

namespace {

inline void report(const void* addr, unsigned size, bool write, void* ret) {
  hk::sim::report_access(addr, size, write, reinterpret_cast<uintptr_t>(ret));
}

// The instrumentation's memory-order argument (0 relaxed … 5 seq_cst): relaxed stays relaxed,
// any other order is performed as seq_cst, which is at least as strong.
constexpr int order(int mo) { return mo == 0 ? __ATOMIC_RELAXED : __ATOMIC_SEQ_CST; }

}  // namespace

#define HK_HOOK extern "C" __attribute__((visibility("hidden"), noinline))
#define HK_RET __builtin_return_address(0)

HK_HOOK void __tsan_init() {}
HK_HOOK void __tsan_func_entry(void*) {}
HK_HOOK void __tsan_func_exit() {}
HK_HOOK void __tsan_vptr_update(void**, void*) {}
HK_HOOK void __tsan_vptr_read(void**) {}

#define HK_ACCESS(n)                                                                               \
  HK_HOOK void __tsan_read##n(void* p) { report(p, n, false, HK_RET); }                            \
  HK_HOOK void __tsan_write##n(void* p) { report(p, n, true, HK_RET); }                            \
  HK_HOOK void __tsan_unaligned_read##n(void* p) { report(p, n, false, HK_RET); }                  \
  HK_HOOK void __tsan_unaligned_write##n(void* p) { report(p, n, true, HK_RET); }                  \
  HK_HOOK void __tsan_volatile_read##n(void* p) { report(p, n, false, HK_RET); }                   \
  HK_HOOK void __tsan_volatile_write##n(void* p) { report(p, n, true, HK_RET); }
HK_ACCESS(1)
HK_ACCESS(2)
HK_ACCESS(4)
HK_ACCESS(8)
HK_ACCESS(16)
#undef HK_ACCESS

HK_HOOK void __tsan_read_range(void* p, unsigned long size) {
  report(p, static_cast<unsigned>(size), false, HK_RET);
}
HK_HOOK void __tsan_write_range(void* p, unsigned long size) {
  report(p, static_cast<unsigned>(size), true, HK_RET);
}

// Atomics: performed with the same memory order, reported as what they touch.
#define HK_ATOMIC(bits, T)                                                                              \
  HK_HOOK T __tsan_atomic##bits##_load(const volatile T* p, int mo) {                                   \
    report(const_cast<const T*>(p), sizeof(T), false, HK_RET);                                          \
    return __atomic_load_n(p, order(mo));                                                               \
  }                                                                                                     \
  HK_HOOK void __tsan_atomic##bits##_store(volatile T* p, T v, int mo) {                                \
    report(const_cast<T*>(p), sizeof(T), true, HK_RET);                                                 \
    __atomic_store_n(p, v, order(mo));                                                                  \
  }                                                                                                     \
  HK_HOOK T __tsan_atomic##bits##_exchange(volatile T* p, T v, int mo) {                                \
    report(const_cast<T*>(p), sizeof(T), true, HK_RET);                                                 \
    return __atomic_exchange_n(p, v, order(mo));                                                        \
  }                                                                                                     \
  HK_HOOK T __tsan_atomic##bits##_fetch_add(volatile T* p, T v, int mo) {                               \
    report(const_cast<T*>(p), sizeof(T), true, HK_RET);                                                 \
    return __atomic_fetch_add(p, v, order(mo));                                                         \
  }                                                                                                     \
  HK_HOOK T __tsan_atomic##bits##_fetch_sub(volatile T* p, T v, int mo) {                               \
    report(const_cast<T*>(p), sizeof(T), true, HK_RET);                                                 \
    return __atomic_fetch_sub(p, v, order(mo));                                                         \
  }                                                                                                     \
  HK_HOOK T __tsan_atomic##bits##_fetch_and(volatile T* p, T v, int mo) {                               \
    report(const_cast<T*>(p), sizeof(T), true, HK_RET);                                                 \
    return __atomic_fetch_and(p, v, order(mo));                                                         \
  }                                                                                                     \
  HK_HOOK T __tsan_atomic##bits##_fetch_or(volatile T* p, T v, int mo) {                                \
    report(const_cast<T*>(p), sizeof(T), true, HK_RET);                                                 \
    return __atomic_fetch_or(p, v, order(mo));                                                          \
  }                                                                                                     \
  HK_HOOK T __tsan_atomic##bits##_fetch_xor(volatile T* p, T v, int mo) {                               \
    report(const_cast<T*>(p), sizeof(T), true, HK_RET);                                                 \
    return __atomic_fetch_xor(p, v, order(mo));                                                         \
  }                                                                                                     \
  HK_HOOK int __tsan_atomic##bits##_compare_exchange_strong(volatile T* p, T* expected, T desired, int mo, \
                                                           int fail_mo) {                               \
    report(const_cast<T*>(p), sizeof(T), true, HK_RET);                                                 \
    (void)fail_mo;                                                                                      \
    return __atomic_compare_exchange_n(p, expected, desired, false, order(mo), __ATOMIC_RELAXED);       \
  }                                                                                                     \
  HK_HOOK int __tsan_atomic##bits##_compare_exchange_weak(volatile T* p, T* expected, T desired, int mo,   \
                                                         int fail_mo) {                                 \
    report(const_cast<T*>(p), sizeof(T), true, HK_RET);                                                 \
    (void)fail_mo;                                                                                      \
    return __atomic_compare_exchange_n(p, expected, desired, true, order(mo), __ATOMIC_RELAXED);        \
  }                                                                                                     \
  HK_HOOK T __tsan_atomic##bits##_compare_exchange_val(volatile T* p, T expected, T desired, int mo,    \
                                                       int fail_mo) {                                   \
    report(const_cast<T*>(p), sizeof(T), true, HK_RET);                                                 \
    (void)fail_mo;                                                                                      \
    __atomic_compare_exchange_n(p, &expected, desired, false, order(mo), __ATOMIC_RELAXED);             \
    return expected;                                                                                    \
  }
HK_ATOMIC(8, uint8_t)
HK_ATOMIC(16, uint16_t)
HK_ATOMIC(32, uint32_t)
HK_ATOMIC(64, uint64_t)
#undef HK_ATOMIC

HK_HOOK void __tsan_atomic_thread_fence(int mo) { __atomic_thread_fence(order(mo)); }
HK_HOOK void __tsan_atomic_signal_fence(int mo) { __atomic_signal_fence(order(mo)); }
