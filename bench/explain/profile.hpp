// `hk-bench profile`: the GPU ladder's memory behaviour, without a GPU. Runs each cuda_sim
// variant of one op at one shape under cuda_sim's profiler (hk/experimental/sim_check.hpp)
// and shows Nsight Compute's counters side by side — coalescing (sectors per request),
// shared-memory bank conflicts, reuse (arithmetic per global byte, per shared load) — and
// each kernel's hottest source lines. The HTML report of `hk-bench run` carries the same
// table for the matmul ladder when the run has GPU rows.
#pragma once

#include <string>
#include <vector>

#include "hk/experimental/sim_check.hpp"
#include "hk/hk.hpp"
#include "run/cli.hpp"

namespace hk_bench {

struct ProfiledVariant {
  std::string variant;
  std::vector<hk::sim::SimKernelProfile> launches;  // usually one
  hk::sim::SimCounters total;                       // over the launches
  std::string check;                                // "" when the result matched fp64
};

struct ProfileReport {
  std::string op;
  hk::DType dtype = hk::DType::f32;
  hk::Shape dims;
  std::string label;   // "256x256x256"
  double flops = 0;    // the op's work model (2·M·K·N for matmul)
  int block_size = 0;  // Options::block_size given (0: each variant's own)
  std::vector<ProfiledVariant> variants;  // rung order
  std::string error;   // set when the profiler is not in this build (the report is empty)
};

// Profiles `variants` of op (every cuda_sim variant taking dtype when empty, in rung order).
ProfileReport profile_ladder(const std::string& op, hk::DType dtype, const hk::Shape& dims,
                             const std::vector<std::string>& variants, int block_size);
std::string render_profile_text(const ProfileReport&);
std::string render_profile_json(const ProfileReport&);  // one JSON object
std::string render_profile_html(const ProfileReport&);  // one <section>
// The report `hk-bench profile ARGS` prints (op, dtype, size, variants, block size from args).
ProfileReport profile_from_args(const Args& args);
int profile_command(const Args& args);

}  // namespace hk_bench
