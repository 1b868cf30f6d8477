// hk/choice.hpp — how `automatic` picks a backend: by cost.
//
// Data already on a CUDA device stays there. Host data goes to the GPU only when copying it
// there and back plus the kernel is estimated to beat the CPU: each side's time is a
// roofline estimate from the op's work model (hk/op_table.hpp: flops and compulsory bytes)
// and the machine's rates, plus a fixed cost per call (a launch, a copy's latency). The
// rates are a MachineProfile: the CPU's measured once (hk's own best matmul and a streaming
// add, some milliseconds), the GPU's compute and memory from its properties
// (hk/cuda.hpp), the host↔device link measured once with a 64 MiB copy. The measured
// figures are kept in a per-user cache file ($XDG_CACHE_HOME/hk/machine-profile, else
// ~/.cache/hk/machine-profile; HK_PROFILE_CACHE=0 keeps nothing), keyed by the CPU model,
// its thread count and the GPU. Without a usable GPU there is nothing to decide: cpu.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hk/types.hpp"

namespace hk {

// Rates in operations, bytes and seconds. A profile with gpu_name empty has no GPU.
struct MachineProfile {
  std::string cpu_name;
  double cpu_fp32_flops = 0;    // attainable f32 arithmetic (hk's best matmul)
  double cpu_int8_ops = 0;      // attainable int8 arithmetic
  double cpu_bytes_per_s = 0;   // attainable streaming bandwidth (read + write)
  double cpu_call_s = 0;        // fixed cost of one call (dispatch, checks, waking threads)
  std::string gpu_name;
  double gpu_fp32_flops = 0;
  double gpu_int8_ops = 0;
  double gpu_bytes_per_s = 0;   // device memory
  double link_bytes_per_s = 0;  // host ↔ device copies
  double link_latency_s = 0;    // fixed cost of one copy
  double gpu_launch_s = 0;      // fixed cost of one kernel launch and its wait
  std::string source;           // where the figures came from ("measured 2026-12-04, cached in …")
};

// One backend's estimate for one call.
struct CostEstimate {
  Backend backend = Backend::cpu;
  bool possible = false;       // the backend can run the op here
  double compute_s = 0;        // max(flops / rate, bytes / bandwidth)
  double transfer_s = 0;       // host data copied to the device and the result back
  double overhead_s = 0;       // per call: dispatch, launch, copy latencies
  double total_s = 0;
};

struct BackendChoice {
  Backend backend = Backend::cpu;
  std::string reason;  // one line: the choice, with both estimates
  CostEstimate cpu, cuda;
};

// The decision for op on operands of `shapes` (matmul: {a, b}; others: {x}) of dtype,
// with the data on `data`, given `profile`. Pure: tests give it synthetic profiles.
// InvalidArgument for an unknown op or a wrong number of shapes.
BackendChoice choose_backend(std::string_view op, const std::vector<Shape>& shapes, DType dtype, Device data,
                             const MachineProfile& profile);
// The same with this machine's profile: what `automatic` does for such a call, and why.
BackendChoice explain_choice(std::string_view op, const std::vector<Shape>& shapes, DType dtype = DType::f32,
                             Device data = Device::cpu());
// This machine's profile (measured on first use when a GPU is usable, then cached).
MachineProfile machine_profile();

}  // namespace hk
