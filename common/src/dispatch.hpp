// Internal: choosing the variant that serves one call, and running it.
#pragma once

#include <atomic>
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

struct ThreadCalls;

struct Call {
  std::string_view op;
  ThreadCalls* calls = nullptr;  // the calling thread's (resolve looks it up once per call)
  bool sim_checked = false;  // cuda_sim: kernel is the instrumented copy (checks or profiler on)
  const VariantRow* row = nullptr;
  const KernelFn* kernel = nullptr;  // the row's function for the input dtype
  Backend backend = Backend::cpu;
  Device device = Device::cpu();     // where the kernel computes: cpu, or cuda:N
  bool staged = false;               // host tensors computed on a device: hk copies them
  KernelContext context;
};

// The variant of `op` that runs this call: Options.backend (else the process default;
// `automatic` follows the data: cuda tensors → cuda, else cuda when usable and it has a
// kernel for op, else cpu), Options.variant (else the best supported one) and the kernel
// for input dtype `dtype`. Throws BackendUnavailable (backend or variant can't run here:
// says why) or InvalidArgument (unknown variant, dtype it doesn't take, data on a device the
// backend can't read). Starts this thread's last_call_timing() record.
// `shapes`: the operands' (matmul a and b; others x), for `automatic`'s cost estimate —
// pointers, so that the calls that never need an estimate copy nothing. `op` must be a
// string literal (ops.cpp's names): the thread's reuse of its last choice keys on its address.
Call resolve(std::string_view op, const Options& options, DType dtype, Device data_device,
             std::initializer_list<const Shape*> shapes);

// What each thread keeps between calls (execute.cpp owns it): its last_call_timing() record,
// and the last cpu resolution, which a repeated call reuses (dispatch.cpp: resolve).
struct CpuChoice {
  const char* op = nullptr;  // the op's name as the caller passed it (its literal's address)
  std::size_t op_size = 0;
  DType dtype = DType::f32;
  Backend asked = Backend::cpu, default_backend = Backend::cpu;  // Options.backend, default_backend()
  std::string variant;  // Options.variant: "" for the best
  const VariantRow* row = nullptr;
  const KernelFn* kernel = nullptr;
};
struct ThreadCalls {
  CallTiming timing;  // op and variant filled from `row` when read (last_call_timing)
  const VariantRow* row = nullptr;  // the call's row: the record's names, read only when asked for
  uint64_t host_ticks = 0;  // a host call's time in FastClock ticks, converted when read
  bool ticks_pending = false;
  CpuChoice last_cpu;
};
ThreadCalls& thread_calls();

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
