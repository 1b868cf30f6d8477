// Running one resolved call: staging host tensors through a device, timing the kernel
// apart from the copies, and keeping the record hk::last_call_timing() returns.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/src/dispatch.hpp"
#include "common/src/fast_clock.hpp"
#include "common/src/memory.hpp"
#include "common/src/thread_object.hpp"
#include "hk/runtime.hpp"

namespace hk {

namespace detail {
std::atomic<int> call_timing_flag{-1};
constinit thread_local ThreadCalls thread_calls;
}  // namespace detail

namespace {

// The record's strings and times; thread_calls holds the rest. A thread_object, so ops still
// work after main returned.
struct ThreadRecord {
  CallTiming timing;
};

int timing_from_env() {
  const char* env = std::getenv("HK_CALL_TIMING");
  if (!env || !*env || std::string_view(env) == "0") return 0;
  if (std::string_view(env) == "1") return 1;
  std::fprintf(stderr, "hk: warning: HK_CALL_TIMING='%s' is not 0 or 1; host calls stay untimed\n", env);
  return 0;
}

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

}  // namespace

void set_call_timing(bool on) { detail::call_timing_flag.store(on ? 1 : 0, std::memory_order_relaxed); }

bool call_timing() {
  const int v = detail::call_timing_flag.load(std::memory_order_relaxed);
  if (v >= 0) [[likely]]
    return v != 0;
  int unset = -1;
  detail::call_timing_flag.compare_exchange_strong(unset, timing_from_env(), std::memory_order_relaxed);
  return detail::call_timing_flag.load(std::memory_order_relaxed) != 0;
}

const CallTiming& last_call_timing() {
  CallTiming& t = detail::call_record();
  detail::ThreadCalls& r = detail::thread_calls;
  if (r.row) {
    t.op = r.row->op;
    t.variant = r.row->variant;
  }
  if (r.ticks_pending) {
    t.kernel_ms = t.total_ms = detail::FastClock::ms(r.host_ticks);
    t.timed = true;
    r.ticks_pending = false;
  }
  return t;
}

namespace detail {

CallTiming& call_record() {
  CallTiming& t = thread_object<ThreadRecord>([] { return new ThreadRecord; }).timing;
  ThreadCalls& r = thread_calls;
  if (r.fresh) {  // the first write or read since a call began (dispatch.hpp: begin_call_record)
    r.fresh = false;
    t.backend = r.backend;
    t.kernel_ms = t.transfer_ms = t.total_ms = 0;
    t.timed = false;
    t.bytes_to_device = t.bytes_to_host = 0;
    t.note.clear();
  }
  return t;
}

void note_call(const std::string& text) {
  CallTiming& t_last = call_record();
  if (!t_last.note.empty()) t_last.note += "; ";
  t_last.note += text;
}

void execute_recorded(const Call& call, std::initializer_list<const Tensor*> inputs, Tensor* output, KernelBody body) {
  // The list's own array lives until the caller's full expression ends, past this call.
  const std::span<const Tensor* const> in(inputs.begin(), inputs.size());
  const std::size_t count = in.size();
  const std::span<const Tensor* const> in_span = in;

  if (call.backend != Backend::cuda) {  // cpu, cuda_sim: host memory, host clock
    const auto run = [&] {
      if (call.sim_checked)
        sim::run_checked(in_span, output, [&] { body(in_span, output); });
      else
        body(in_span, output);
    };
    if (!host_calls_timed()) {
      run();
      return;
    }
    const uint64_t start = FastClock::now();
    run();
    ThreadCalls& r = thread_calls;
    r.host_ticks = FastClock::now() - start;
    r.ticks_pending = true;
    return;
  }

  const auto start = Clock::now();
  CallTiming& t_last = call_record();

  DeviceRuntime& rt = usable_device_runtime(call.device);
  const std::string what = std::string(call.op) + " (cuda/" + (call.row ? call.row->variant : std::string()) + ")";
  if (!call.staged) {
    t_last.kernel_ms = rt.run(call.device.index(), [&] { body(in_span, output); }, what);
    t_last.total_ms = ms_since(start);
    t_last.timed = true;
    return;
  }

  // Staging: device copies of the inputs, a device temporary for the result.
  constexpr std::size_t kMaxInputs = 4;  // linear's x, w, bias and scales
  if (count > kMaxInputs) throw Error("internal: " + what + " staged " + std::to_string(count) + " inputs, at most 4");
  std::array<Tensor, kMaxInputs> staged_in;
  std::array<const Tensor*, kMaxInputs> staged_ptr{};
  double transfer_ms = 0;
  for (std::size_t i = 0; i < count; ++i) {
    staged_ptr[i] = &staged_in[i];
    for (std::size_t j = 0; j < i; ++j)  // dot(x, x): one copy serves both operands
      if (in[j]->raw_data() == in[i]->raw_data() && in[j]->nbytes() == in[i]->nbytes()) staged_ptr[i] = staged_ptr[j];
    if (staged_ptr[i] != &staged_in[i]) continue;
    const auto t = Clock::now();
    staged_in[i] = in[i]->to(call.device);
    transfer_ms += ms_since(t);
    t_last.bytes_to_device += in[i]->nbytes();
  }
  Tensor staged_out;
  if (output) staged_out = Tensor::empty(output->shape(), output->dtype(), call.device);
  t_last.kernel_ms = rt.run(call.device.index(),
                            [&] { body({staged_ptr.data(), count}, output ? &staged_out : nullptr); }, what);
  if (output && output->nbytes() > 0) {
    const auto t = Clock::now();
    rt.copy(output->raw_data(), output->device(), staged_out.raw_data(), call.device, output->nbytes());
    transfer_ms += ms_since(t);
    t_last.bytes_to_host += output->nbytes();
  }
  t_last.transfer_ms = transfer_ms;
  t_last.total_ms = ms_since(start);
  t_last.timed = true;
}

}  // namespace detail

}  // namespace hk
