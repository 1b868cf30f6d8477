// Variant selection: the rules of docs/design.md "Dispatch" in one place.
#include "common/src/dispatch.hpp"

#include <algorithm>

#include "common/src/memory.hpp"
#include "hk/choice.hpp"
#include "hk/cpu_features.hpp"
#include "hk/cuda.hpp"
#include "hk/error.hpp"
#include "hk/runtime.hpp"

namespace hk::detail {

namespace {

std::string list_variants(std::string_view op, Backend backend) {
  std::string names;
  for (const VariantRow& r : Registry::get().rows()) {
    if (r.op != op || r.backend != backend) continue;
    names += names.empty() ? "" : ", ";
    names += r.variant;
  }
  return names.empty() ? "none" : names;
}

std::string dtype_list(const VariantRow& row) {
  std::string s;
  for (DType t : Registry::dtypes(row)) {
    s += s.empty() ? "" : " or ";
    s += to_string(t);
  }
  return s;
}

std::string where(std::string_view op, Backend backend) {
  return std::string(op) + " (" + to_string(backend) + ")";
}

// `automatic` (hk/choice.hpp): data on a device stays there; host data goes to a usable GPU
// with a kernel for the op only when the cost estimate says so (`reason` says why).
Backend pick_backend(std::string_view op, const Options& options, DType dtype, Device data_device,
                     std::initializer_list<const Shape*> shapes, std::string& reason) {
  Backend b = options.backend != Backend::automatic ? options.backend : default_backend();
  if (b != Backend::automatic) return b;
  if (data_device.is_cuda()) return Backend::cuda;
  Backend preferred = resolve_backend(Backend::automatic);
  if (preferred == Backend::cpu || !Registry::get().best(op, preferred, dtype)) return Backend::cpu;
  std::vector<Shape> copies;
  for (const Shape* s : shapes) copies.push_back(*s);
  const BackendChoice choice = explain_choice(op, copies, dtype, data_device);
  reason = "auto chose " + choice.reason;
  return choice.backend;
}

}  // namespace

void bad_options(std::string_view op, const Options& options) {
  if (options.threads < 0)
    throw InvalidArgument(std::string(op) + ": threads must be ≥ 0 (0 = the pool size), got " +
                          std::to_string(options.threads));
  throw InvalidArgument(std::string(op) + ": block_size must be ≥ 0 (0 = default), got " +
                        std::to_string(options.block_size));
}

Call resolve_fully(std::string_view op, const Options& options, DType dtype, Device data_device,
                   std::initializer_list<const Shape*> shapes, Backend default_now) {
  Call call;
  call.op = op;
  call.context.threads = options.threads > 0 ? options.threads : num_threads();
  call.context.block_size = options.block_size;
  ThreadCalls& memo = thread_calls;
  const bool named = !options.variant.empty();
  std::string auto_reason;
  // Kept for resolve's reuse: a cpu choice that no estimate decided, under a name that fits.
  const auto remember = [&] {
    if (call.backend != Backend::cpu || !auto_reason.empty() || options.variant.size() > ThreadCalls::kNameBytes)
      return;
    memo.op = op.data();
    memo.op_size = static_cast<uint32_t>(op.size());
    memo.dtype = dtype;
    memo.asked = options.backend;
    memo.default_backend = default_now;
    memo.named = named;
    memo.name_size = static_cast<uint8_t>(options.variant.size());
    std::copy(options.variant.begin(), options.variant.end(), memo.name);
    memo.chosen = call.row;
    memo.chosen_kernel = call.kernel;
  };

  call.backend = pick_backend(op, options, dtype, data_device, shapes, auto_reason);
  if (std::string why = call.backend == Backend::cpu ? std::string() : unavailable_reason(call.backend); !why.empty())
    throw BackendUnavailable(std::string(op) + ": backend " + to_string(call.backend) +
                             " is unavailable: " + why);
  bool host_backend = call.backend == Backend::cpu || call.backend == Backend::cuda_sim;
  if (host_backend && !data_device.is_cpu())
    throw InvalidArgument(std::string(op) + ": the tensors are on " + data_device.to_string() +
                          " but backend " + to_string(call.backend) +
                          " computes on host memory; move them with .to(hk::Device::cpu())");
  if (call.backend == Backend::cuda) {
    // Host tensors are staged to the default CUDA device; device tensors compute where they are.
    call.staged = data_device.is_cpu();
    call.device = call.staged ? Device::cuda(default_cuda_device()) : data_device;
    usable_device_runtime(call.device);  // BackendUnavailable when that device doesn't exist
  }

  const Registry& reg = Registry::get();
  if (!options.variant.empty()) {
    call.row = reg.find(op, call.backend, options.variant);
    if (!call.row)
      throw InvalidArgument("unknown variant '" + options.variant + "' of " + where(op, call.backend) +
                            "; registered: " + list_variants(op, call.backend));
    if (!Registry::supported(*call.row))
      throw BackendUnavailable("variant '" + options.variant + "' of " + where(op, call.backend) +
                               " needs " + call.row->requirement.text +
                               ", which this machine lacks (CPU features in use: " +
                               cpu_feature_list() + ")");
    const KernelFn* kernel = Registry::kernel_for(*call.row, dtype);
    if (!kernel)
      throw InvalidArgument("variant '" + options.variant + "' of " + where(op, call.backend) +
                            " takes " + dtype_list(*call.row) + ", got " + to_string(dtype));
    call.kernel = *kernel;
    remember();
  } else {
    call.row = reg.best(op, call.backend, dtype);
    if (!call.row)
      throw BackendUnavailable("no supported variant of " + where(op, call.backend) + " takes " +
                               to_string(dtype) + "; registered: " + list_variants(op, call.backend));
    call.kernel = *Registry::kernel_for(*call.row, dtype);  // best() chose it for taking dtype
    remember();
  }
  if (call.backend == Backend::cuda_sim)
    if (const KernelFn* k = sim::instrumented_kernel(*call.row, dtype)) call.kernel = *k, call.sim_checked = true;
  begin_call_record(call);
  if (!auto_reason.empty()) note_call(auto_reason);
  return call;
}

}  // namespace hk::detail
