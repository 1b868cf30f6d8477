// The CUDA device API for the host compiler: what cuda/kernels/*.cuh see when g++ compiles
// them for the cuda_sim backend (under nvcc, cuda/kernels/portability.cuh uses the real
// CUDA headers instead and this file is never included).
//
// How it maps CUDA onto the CPU:
// - Each CUDA thread of a block is a fiber; the block's fibers all run on one OS thread,
//   so `__shared__` is function-local `static thread_local` storage (one copy per template
//   instantiation and OS thread) and threadIdx & co. are thread_locals that the scheduler
//   sets before it resumes a fiber.
// - Every synchronising intrinsic (__syncthreads*, __syncwarp, shuffles, votes,
//   __activemask) parks the calling fiber in the scheduler (cuda/sim/block.cpp), which
//   settles it once every thread it names has arrived, and diagnoses the ones that can
//   never settle.
// - Everything else (atomics, __dp4a, conversions, math) is an inline function with the
//   GPU's result.
#pragma once

#ifdef __CUDACC__
#error "cuda/sim/device.hpp is the host compiler's CUDA device API; nvcc uses the real one"
#endif

#include <math.h>  // the global ::sqrtf, ::expf, ::fmaxf, ... that device code calls

#include <atomic>
#include <bit>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <source_location>
#include <type_traits>

#include "cuda/sim/switch.hpp"

// ---- qualifiers ----------------------------------------------------------------------------
#define __global__
#define __device__
#define __host__
#define __constant__
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
// One copy per OS thread: a block's threads are fibers on one OS thread, blocks on different
// OS threads get different copies, exactly like one block per SM slot.
#define __shared__ static thread_local
#define HK_CUDA_SIM 1

// ---- vector types and dimensions -------------------------------------------------------------
struct __align__(4) char4 { signed char x, y, z, w; };
struct __align__(4) uchar4 { unsigned char x, y, z, w; };
struct __align__(8) int2 { int x, y; };
struct __align__(16) int4 { int x, y, z, w; };
struct __align__(8) uint2 { unsigned x, y; };
struct uint3 { unsigned x, y, z; };
struct __align__(16) uint4 { unsigned x, y, z, w; };
struct __align__(8) float2 { float x, y; };
struct float3 { float x, y, z; };
struct __align__(16) float4 { float x, y, z, w; };
struct __align__(16) double2 { double x, y; };

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  constexpr dim3(unsigned vx = 1, unsigned vy = 1, unsigned vz = 1) : x(vx), y(vy), z(vz) {}
  constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}  // NOLINT: implicit, as in CUDA
  constexpr operator uint3() const { return {x, y, z}; }
};

// Always inlined, like every function in cuda/ that returns a vector type: g++'s
// -fsanitize=thread does not instrument the store of a small aggregate a call returns
// (`p[i] = make_int4(…)` as a call), which the checked twin would then miss; inlined, the
// store is the kernel's own (test: sim_inlined_vector_returns).
__forceinline__ char4 make_char4(signed char x, signed char y, signed char z, signed char w) { return {x, y, z, w}; }
__forceinline__ uchar4 make_uchar4(unsigned char x, unsigned char y, unsigned char z, unsigned char w) { return {x, y, z, w}; }
__forceinline__ int2 make_int2(int x, int y) { return {x, y}; }
__forceinline__ int4 make_int4(int x, int y, int z, int w) { return {x, y, z, w}; }
__forceinline__ uint2 make_uint2(unsigned x, unsigned y) { return {x, y}; }
__forceinline__ uint3 make_uint3(unsigned x, unsigned y, unsigned z) { return {x, y, z}; }
__forceinline__ uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return {x, y, z, w}; }
__forceinline__ float2 make_float2(float x, float y) { return {x, y}; }
__forceinline__ float3 make_float3(float x, float y, float z) { return {x, y, z}; }
__forceinline__ float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
__forceinline__ double2 make_double2(double x, double y) { return {x, y}; }

// Same declaration as CUDA's, so a stream handle means the same thing to both compilers.
typedef struct CUstream_st* cudaStream_t;

// ---- the simulator's side: thread coordinates and synchronisation -----------------------------
// constinit: no dynamic initialisation, so reading them needs no TLS-init guard call. Not
// initial-exec: any initial-exec access would force libhk's whole TLS block (the kernels'
// __shared__ arrays included) into the static TLS reserve, and dlopen() of libhk (Python
// bindings, plugins) would fail. The simulator's files use TLS descriptors instead
// (-mtls-dialect=gnu2, cuda/CMakeLists.txt), nearly as fast.
namespace hk::sim {

extern thread_local constinit uint3 threadIdx;
extern thread_local constinit uint3 blockIdx;
extern thread_local constinit dim3 blockDim;
extern thread_local constinit dim3 gridDim;
constexpr int warpSize = 32;

namespace detail {

enum class BarrierOp : uint8_t { sync, count, all, any };  // __syncthreads, _count, _and, _or
enum class WarpOp : uint8_t { syncwarp, shfl, shfl_up, shfl_down, shfl_xor, ballot, all, any, activemask };

// Parks the calling simulated thread until the whole block reaches the barrier; returns
// the predicate count (count), all-true (all) or any-true (any).
int barrier(BarrierOp, int predicate, const std::source_location&);
// The same in three steps, so that the switch is made inline at the barrier's call site
// (see cuda/sim/switch.hpp): barrier_park records the arrival and says which fiber runs
// next (or, from a libhk that must announce switches to a sanitizer, does the whole
// barrier and returns no switch); barrier_resume runs after the switch back and returns
// the result. (It looks the scheduler up again, a hot thread-local, rather than reading it
// back from the parked frame: that frame is cold in the cache on resume.)
struct ParkPlan {
  void** save;
  void* to;
};
ParkPlan barrier_park(BarrierOp, int predicate, const std::source_location&);
int barrier_resume();
__attribute__((always_inline)) inline int sync_block(BarrierOp op, int predicate, const std::source_location& where) {
#if HK_SIM_INLINE_PARK
  const ParkPlan plan = barrier_park(op, predicate, where);
  if (plan.save) park_and_switch(plan.save, plan.to);
  // A plain __syncthreads() has no result, and landing after an inline switch needs no
  // bookkeeping (FiberHost::landed only informs ASan, which never parks inline).
  return op == BarrierOp::sync ? 0 : barrier_resume();
#else
  return barrier(op, predicate, where);
#endif
}
// Parks the calling thread until every lane named in `mask` reaches the same warp
// intrinsic; returns this lane's result (shuffles: the source lane's bits; votes: the vote).
uint64_t warp_op(WarpOp, unsigned mask, uint64_t value, int arg, int width, const std::source_location&);
// The same in three steps, like barrier_park / barrier_resume below.
ParkPlan warp_park(WarpOp, unsigned mask, uint64_t value, int arg, int width, const std::source_location&);
uint64_t warp_resume();
__attribute__((always_inline)) inline uint64_t sync_warp(WarpOp op, unsigned mask, uint64_t value, int arg, int width,
                                                         const std::source_location& where) {
#if HK_SIM_INLINE_PARK
  const ParkPlan plan = warp_park(op, mask, value, arg, width, where);
  if (plan.save) park_and_switch(plan.save, plan.to);
  return warp_resume();
#else
  return warp_op(op, mask, value, arg, width, where);
#endif
}
// The block's dynamic shared memory (the launch's shared_bytes), 16-byte aligned.
void* dynamic_shared_memory();
// HK_TRACE_SHARED: shows a __shared__ array to an hk/experimental/trace.hpp observer, if one is installed.
void trace_shared(const char* name, void* data, std::size_t bytes, std::size_t element_bytes);

template <class T> uint64_t to_bits(T v) {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= 8, "shuffles move 4- or 8-byte values");
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  return bits;
}
template <class T> __forceinline__ T from_bits(uint64_t bits) {
  T v;
  std::memcpy(&v, &bits, sizeof(T));
  return v;
}

}  // namespace detail
}  // namespace hk::sim

using hk::sim::blockDim;
using hk::sim::blockIdx;
using hk::sim::gridDim;
using hk::sim::threadIdx;
using hk::sim::warpSize;

// The kernel's dynamic shared memory as a T* (portability.cuh gives the nvcc spelling).
#define HK_DYNAMIC_SHARED(T, name) T* name = static_cast<T*>(::hk::sim::detail::dynamic_shared_memory())
// Announces a __shared__ array to the simulator: its bounds for cuda_sim's checks
// (hk/experimental/sim_check.hpp: an access to an unannounced array is a memcheck error),
// and its contents step by step for `hk-bench explain` (a function call per thread when no
// one watches; nothing at all under nvcc). Every kernel announces each of its arrays.
#define HK_TRACE_SHARED(array) \
  ::hk::sim::detail::trace_shared(#array, &(array), sizeof(array), sizeof(std::remove_all_extents_t<decltype(array)>))

// ---- barriers and warp intrinsics ---------------------------------------------------------
// The source_location default arguments record where each thread waits, for diagnostics.
using hk_sim_where = std::source_location;
#define HK_SIM_HERE hk_sim_where where = hk_sim_where::current()

// always_inline: each __syncthreads(), shuffle or vote in a kernel is its own switch site
// (switch.hpp).
#define HK_SIM_SITE inline __attribute__((always_inline))
#define HK_SIM_BARRIER HK_SIM_SITE
HK_SIM_BARRIER void __syncthreads(HK_SIM_HERE) {
  hk::sim::detail::sync_block(hk::sim::detail::BarrierOp::sync, 0, where);
}
HK_SIM_BARRIER int __syncthreads_count(int pred, HK_SIM_HERE) {
  return hk::sim::detail::sync_block(hk::sim::detail::BarrierOp::count, pred != 0, where);
}
HK_SIM_BARRIER int __syncthreads_and(int pred, HK_SIM_HERE) {
  return hk::sim::detail::sync_block(hk::sim::detail::BarrierOp::all, pred != 0, where);
}
HK_SIM_BARRIER int __syncthreads_or(int pred, HK_SIM_HERE) {
  return hk::sim::detail::sync_block(hk::sim::detail::BarrierOp::any, pred != 0, where);
}


HK_SIM_SITE void __syncwarp(unsigned mask = 0xffffffffu, HK_SIM_HERE) {
  hk::sim::detail::sync_warp(hk::sim::detail::WarpOp::syncwarp, mask, 0, 0, 32, where);
}
// The lanes of this warp that execute this call together: under the simulator, the lanes
// that are parked at this same __activemask() once no other warp intrinsic can progress.
HK_SIM_SITE unsigned __activemask(HK_SIM_HERE) {
  return static_cast<unsigned>(hk::sim::detail::sync_warp(hk::sim::detail::WarpOp::activemask, 0, 0, 0, 32, where));
}

template <class T> HK_SIM_SITE T __shfl_sync(unsigned mask, T var, int src_lane, int width = warpSize, HK_SIM_HERE) {
  using namespace hk::sim::detail;
  return from_bits<T>(sync_warp(WarpOp::shfl, mask, to_bits(var), src_lane, width, where));
}
template <class T> HK_SIM_SITE T __shfl_up_sync(unsigned mask, T var, unsigned delta, int width = warpSize, HK_SIM_HERE) {
  using namespace hk::sim::detail;
  return from_bits<T>(sync_warp(WarpOp::shfl_up, mask, to_bits(var), static_cast<int>(delta), width, where));
}
template <class T> HK_SIM_SITE T __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = warpSize, HK_SIM_HERE) {
  using namespace hk::sim::detail;
  return from_bits<T>(sync_warp(WarpOp::shfl_down, mask, to_bits(var), static_cast<int>(delta), width, where));
}
template <class T> HK_SIM_SITE T __shfl_xor_sync(unsigned mask, T var, int lane_mask, int width = warpSize, HK_SIM_HERE) {
  using namespace hk::sim::detail;
  return from_bits<T>(sync_warp(WarpOp::shfl_xor, mask, to_bits(var), lane_mask, width, where));
}
HK_SIM_SITE unsigned __ballot_sync(unsigned mask, int pred, HK_SIM_HERE) {
  return static_cast<unsigned>(hk::sim::detail::sync_warp(hk::sim::detail::WarpOp::ballot, mask, pred != 0, 0, 32, where));
}
HK_SIM_SITE int __all_sync(unsigned mask, int pred, HK_SIM_HERE) {
  return static_cast<int>(hk::sim::detail::sync_warp(hk::sim::detail::WarpOp::all, mask, pred != 0, 0, 32, where));
}
HK_SIM_SITE int __any_sync(unsigned mask, int pred, HK_SIM_HERE) {
  return static_cast<int>(hk::sim::detail::sync_warp(hk::sim::detail::WarpOp::any, mask, pred != 0, 0, 32, where));
}

#undef HK_SIM_HERE
#undef HK_SIM_BARRIER
#undef HK_SIM_SITE

// Blocks of one launch run on several OS threads: fences are real fences.
inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __threadfence_block() { std::atomic_signal_fence(std::memory_order_seq_cst); }

// ---- atomics (relaxed, like CUDA's; blocks of one launch run concurrently) -------------------
namespace hk::sim::detail {
template <class T> std::atomic_ref<T> atomic(T* p) { return std::atomic_ref<T>(*p); }
template <class T, class F> T atomic_update(T* p, F f) {  // read-modify-write through CAS
  std::atomic_ref<T> a(*p);
  T old = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(old, f(old), std::memory_order_relaxed)) {
  }
  return old;
}
}  // namespace hk::sim::detail

#define HK_SIM_ATOMIC_ARITH(T)                                                                             \
  inline T atomicAdd(T* p, T v) { return hk::sim::detail::atomic(p).fetch_add(v, std::memory_order_relaxed); } \
  inline T atomicSub(T* p, T v) { return hk::sim::detail::atomic(p).fetch_sub(v, std::memory_order_relaxed); } \
  inline T atomicExch(T* p, T v) { return hk::sim::detail::atomic(p).exchange(v, std::memory_order_relaxed); } \
  inline T atomicCAS(T* p, T compare, T v) {                                                               \
    hk::sim::detail::atomic(p).compare_exchange_strong(compare, v, std::memory_order_relaxed);             \
    return compare;                                                                                        \
  }                                                                                                        \
  inline T atomicMax(T* p, T v) { return hk::sim::detail::atomic_update(p, [v](T o) { return o < v ? v : o; }); } \
  inline T atomicMin(T* p, T v) { return hk::sim::detail::atomic_update(p, [v](T o) { return v < o ? v : o; }); } \
  inline T atomicAnd(T* p, T v) { return hk::sim::detail::atomic(p).fetch_and(v, std::memory_order_relaxed); } \
  inline T atomicOr(T* p, T v) { return hk::sim::detail::atomic(p).fetch_or(v, std::memory_order_relaxed); }   \
  inline T atomicXor(T* p, T v) { return hk::sim::detail::atomic(p).fetch_xor(v, std::memory_order_relaxed); }
HK_SIM_ATOMIC_ARITH(int)
HK_SIM_ATOMIC_ARITH(unsigned)
HK_SIM_ATOMIC_ARITH(unsigned long long)
HK_SIM_ATOMIC_ARITH(long long)
#undef HK_SIM_ATOMIC_ARITH

inline float atomicAdd(float* p, float v) { return hk::sim::detail::atomic(p).fetch_add(v, std::memory_order_relaxed); }
inline double atomicAdd(double* p, double v) { return hk::sim::detail::atomic(p).fetch_add(v, std::memory_order_relaxed); }
inline float atomicExch(float* p, float v) { return hk::sim::detail::atomic(p).exchange(v, std::memory_order_relaxed); }

// ---- integer intrinsics ----------------------------------------------------------------------
namespace hk::sim::detail {
inline int wrap_to_int(int64_t v) { return static_cast<int>(static_cast<uint32_t>(v)); }  // two's complement
}

// Byte i of the result is byte (s >> 4i) & 7 of the 8 bytes {y:x} (x the low four); the
// default mode only (bit 3 of each selector nibble, the sign-replicate mode, is not used).
inline unsigned __byte_perm(unsigned x, unsigned y, unsigned s) {
  const uint64_t bytes = uint64_t(y) << 32 | x;
  unsigned r = 0;
  for (int i = 0; i < 4; ++i) r |= unsigned(bytes >> (8 * ((s >> (4 * i)) & 7)) & 0xff) << (8 * i);
  return r;
}
// Four 8-bit products summed into a 32-bit accumulator; the sum wraps like the hardware's.
inline int __dp4a(int a, int b, int c) {
  int64_t sum = c;
  for (int i = 0; i < 4; ++i)
    sum += int64_t(static_cast<int8_t>(uint32_t(a) >> (8 * i))) * static_cast<int8_t>(uint32_t(b) >> (8 * i));
  return hk::sim::detail::wrap_to_int(sum);
}
inline unsigned __dp4a(unsigned a, unsigned b, unsigned c) {
  uint32_t sum = c;
  for (int i = 0; i < 4; ++i) sum += ((a >> (8 * i)) & 0xffu) * ((b >> (8 * i)) & 0xffu);
  return sum;
}
inline int __dp4a(char4 a, char4 b, int c) { return __dp4a(std::bit_cast<int>(a), std::bit_cast<int>(b), c); }

inline int __popc(unsigned x) { return std::popcount(x); }
inline int __popcll(unsigned long long x) { return std::popcount(x); }
inline int __clz(int x) { return std::countl_zero(static_cast<unsigned>(x)); }
inline int __ffs(int x) { return x == 0 ? 0 : std::countr_zero(static_cast<unsigned>(x)) + 1; }
inline unsigned __brev(unsigned x) {
  unsigned r = 0;
  for (int i = 0; i < 32; ++i) r |= ((x >> i) & 1u) << (31 - i);
  return r;
}

// ---- conversions -----------------------------------------------------------------------------
namespace hk::sim::detail {
// The GPU's float→int conversions saturate and map NaN to 0.
template <class Round> int float_to_int(float x, Round round) {
  if (std::isnan(x)) return 0;
  double r = round(double(x));
  if (r <= double(INT_MIN)) return INT_MIN;
  if (r >= double(INT_MAX)) return INT_MAX;
  return static_cast<int>(r);
}
inline double round_half_even(double x) {  // independent of the FPU's rounding mode
  double f = std::floor(x), d = x - f;
  if (d > 0.5 || (d == 0.5 && std::fmod(f, 2.0) != 0.0)) f += 1.0;
  return f;
}
}  // namespace hk::sim::detail

inline int __float2int_rn(float x) { return hk::sim::detail::float_to_int(x, hk::sim::detail::round_half_even); }
inline int __float2int_rz(float x) { return hk::sim::detail::float_to_int(x, [](double v) { return std::trunc(v); }); }
inline int __float2int_rd(float x) { return hk::sim::detail::float_to_int(x, [](double v) { return std::floor(v); }); }
inline int __float2int_ru(float x) { return hk::sim::detail::float_to_int(x, [](double v) { return std::ceil(v); }); }
inline float __int2float_rn(int x) { return static_cast<float>(x); }
inline int __float_as_int(float x) { return std::bit_cast<int>(x); }
inline unsigned __float_as_uint(float x) { return std::bit_cast<unsigned>(x); }
inline float __int_as_float(int x) { return std::bit_cast<float>(x); }
inline float __uint_as_float(unsigned x) { return std::bit_cast<float>(x); }

// ---- loads and math ----------------------------------------------------------------------------
template <class T> __forceinline__ T __ldg(const T* p) { return *p; }
// A store with the default (write-back) cache policy; kernels use it to keep a 128-bit
// store one instruction (nvcc may otherwise split a plain vector store into scalar ones).
template <class T> void __stwb(T* p, T v) { *p = v; }

inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
inline float __sinf(float x) { return std::sin(x); }
inline float __cosf(float x) { return std::cos(x); }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline float __saturatef(float x) { return std::isnan(x) ? 0.0f : x < 0.0f ? 0.0f : x > 1.0f ? 1.0f : x; }

// CUDA's global min/max overloads for device code.
#define HK_SIM_MINMAX(T)                                  \
  inline T min(T a, T b) { return b < a ? b : a; }        \
  inline T max(T a, T b) { return a < b ? b : a; }
HK_SIM_MINMAX(int)
HK_SIM_MINMAX(unsigned)
HK_SIM_MINMAX(long)
HK_SIM_MINMAX(unsigned long)
HK_SIM_MINMAX(long long)
HK_SIM_MINMAX(unsigned long long)
#undef HK_SIM_MINMAX
inline float min(float a, float b) { return std::fmin(a, b); }
inline float max(float a, float b) { return std::fmax(a, b); }
inline double min(double a, double b) { return std::fmin(a, b); }
inline double max(double a, double b) { return std::fmax(a, b); }
