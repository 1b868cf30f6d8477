// Internal: choosing the variant that serves one call, and running it.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/src/function_ref.hpp"
#include "hk/registry.hpp"
#include "hk/runtime.hpp"
#include "hk/tensor.hpp"
#include "hk/types.hpp"

namespace hk::sim {  // cuda/sim/checker.cpp: cuda_sim's checks and profiler
// The instrumented twin of a cuda_sim row's kernel while checks or the profiler are on, else null.
const KernelFn* instrumented_kernel(const VariantRow&, DType);
// Runs body with the call's tensors as the allocations its kernels may touch.
void run_checked(std::span<const Tensor* const> inputs, const Tensor* output, detail::FunctionRef<void()> body);
}  // namespace hk::sim

namespace hk::detail {

struct Call {
  std::string_view op;
  bool sim_checked = false;  // cuda_sim: kernel is the instrumented copy (checks or profiler on)
  const VariantRow* row = nullptr;
  KernelFn kernel;  // the row's function for the input dtype (a copy: the registry's is a load further)
  Backend backend = Backend::cpu;
  Device device = Device::cpu();     // where the kernel computes: cpu, or cuda:N
  bool staged = false;               // host tensors computed on a device: hk copies them
  KernelContext context;
};

// What each thread keeps between calls (execute.cpp owns it): its last cpu resolution, which
// a repeated call reuses (resolve, below), and the part of its last_call_timing() record
// that every call writes. In the thread's static TLS block, reached without a pointer, and
// in one cache line unless the call names its variant: a call that follows a kernel
// streaming through L1 finds it all in one miss. Trivially destructible, so never
// destroyed: ops still work from static destructors. The record's strings and times live
// apart (ThreadRecord in execute.cpp), brought up to date only when something writes or
// reads them (`fresh`).
struct alignas(64) ThreadCalls {
  // The reuse key: the op's name as the caller passed it (its literal's address), the input
  // dtype, Options.backend, default_backend() and whether Options.variant named the row
  // (then `name` below).
  const char* op = nullptr;
  uint32_t op_size = 0;
  DType dtype : 8 = DType::f32;
  Backend asked : 8 = Backend::cpu;
  Backend default_backend : 8 = Backend::cpu;
  bool named : 8 = false;
  const VariantRow* chosen = nullptr;  // null until a cpu call has been resolved
  KernelFn chosen_kernel;
  // The last call's record: its row (op and variant are read from it when asked for), its
  // backend, and a host call's time in FastClock ticks, converted when read.
  const VariantRow* row = nullptr;
  uint64_t host_ticks = 0;
  Backend backend : 8 = Backend::cpu;
  bool fresh : 8 = false;  // the rest of the record is an earlier call's: reset it before use
  bool ticks_pending : 8 = false;
  // The second line: Options.variant of the reused choice when it named one, so that a named
  // call compares it here, not with the registry's copy a few loads away. Only names that
  // fit are reused (every registered one does).
  static constexpr std::size_t kNameBytes = 63;
  uint8_t name_size = 0;
  char name[kNameBytes] = {};
  bool same_name(std::string_view variant) const {
    return variant.size() == name_size && std::string_view(name, name_size) == variant;
  }
};
extern constinit thread_local ThreadCalls thread_calls;
// The calling thread's whole record, brought up to date with thread_calls (execute.cpp).
CallTiming& call_record();

// The variant of `op` that runs this call: Options.backend (else the process default;
// `automatic` follows the data: cuda tensors → cuda, else cuda when usable and it has a
// kernel for op, else cpu), Options.variant (else the best supported one) and the kernel
// for input dtype `dtype`. Throws BackendUnavailable (backend or variant can't run here:
// says why) or InvalidArgument (unknown variant, dtype it doesn't take, data on a device the
// backend can't read). Starts this thread's last_call_timing() record.
// `shapes`: the operands' (matmul a and b; others x), for `automatic`'s cost estimate —
// pointers, so that the calls that never need an estimate copy nothing. `op` must be a
// string literal (ops.cpp's names): the thread's reuse of its last choice keys on its address.
//
// Inline, the reuse: a cpu call like this thread's last one (the same op, as the same
// literal, dtype and variant asked for, the same backend asked for and the same default)
// resolves as that one did, since the rows, their requirements and `automatic`'s answer
// without an estimate are fixed for the process. The rest is resolve_fully (dispatch.cpp).
Call resolve_fully(std::string_view op, const Options& options, DType dtype, Device data_device,
                   std::initializer_list<const Shape*> shapes, Backend default_now);
[[noreturn]] void bad_options(std::string_view op, const Options& options);

// Starts the thread's record of a resolved call: only thread_calls' line is written, the
// rest of the record is reset when next written or read (call_record), and the names are
// the row's, read when asked for.
inline void begin_call_record(const Call& call) {
  ThreadCalls& r = thread_calls;
  r.row = call.row;
  r.backend = call.backend;
  r.fresh = true;
  r.ticks_pending = false;
}

inline Call resolve(std::string_view op, const Options& options, DType dtype, Device data_device,
                    std::initializer_list<const Shape*> shapes) {
  if (options.threads < 0 || options.block_size < 0) [[unlikely]]
    bad_options(op, options);
  const ThreadCalls& memo = thread_calls;
  const Backend default_now = options.backend == Backend::automatic ? default_backend() : Backend::cpu;
  const bool named = !options.variant.empty();
  if (memo.op == op.data() && memo.op_size == op.size() && memo.dtype == dtype && memo.asked == options.backend &&
      memo.default_backend == default_now && data_device.is_cpu() && memo.named == named &&
      (!named || memo.same_name(options.variant))) [[likely]] {
    Call call;
    call.op = op;
    call.row = memo.chosen;
    call.kernel = memo.chosen_kernel;
    call.context.threads = options.threads > 0 ? options.threads : num_threads();
    call.context.block_size = options.block_size;
    begin_call_record(call);
    return call;
  }
  return resolve_fully(op, options, dtype, data_device, shapes, default_now);
}

// set_call_timing's flag (execute.cpp): −1 until HK_CALL_TIMING is read, then 0 or 1.
extern std::atomic<int> call_timing_flag;
inline bool host_calls_timed() {
  const int v = call_timing_flag.load(std::memory_order_relaxed);
  return v > 0 || (v < 0 && call_timing());
}

// Runs the kernel of a resolved call and fills this thread's last_call_timing(). `inputs`
// are the tensors the kernel reads, `output` the one it writes (null for reductions).
// With backend cuda and host tensors, this is where staging happens, for every op alike:
// the inputs are copied to the call's device, the kernel writes a device temporary, and
// the result is copied back into `output` — timed apart from the kernel. The body always
// receives tensors that live where the kernel computes.
using KernelBody = FunctionRef<void(std::span<const Tensor* const> inputs, Tensor* output)>;
void execute_recorded(const Call& call, std::initializer_list<const Tensor*> inputs, Tensor* output, KernelBody body);
// An untimed cpu call, the common case, runs its body here, inline; the rest go to
// execute_recorded.
template <class Body>
void execute(const Call& call, std::initializer_list<const Tensor*> inputs, Tensor* output, const Body& body) {
  if (call.backend == Backend::cpu && !host_calls_timed()) [[likely]] {
    body(std::span<const Tensor* const>(inputs.begin(), inputs.size()), output);
    return;
  }
  execute_recorded(call, inputs, output, body);
}

// Adds a line to the running call's last_call_timing().note (kernels use it to say what
// they had to do differently, e.g. pad an unaligned shape).
void note_call(const std::string& text);

// "" when backend can run here, else why not (backends.cpp).
std::string unavailable_reason(Backend backend);

}  // namespace hk::detail
