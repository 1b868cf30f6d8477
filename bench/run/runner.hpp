// Runs one case: every implementation of an op at one size — hk's registered variants on
// every available backend, then the peers — each validated against fp64 before it is timed.
// A variant that fails validation (or throws) becomes a FAILED row with no number.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "hk/registry.hpp"
#include "run/progress.hpp"
#include "run/results.hpp"
#include "run/suite.hpp"
#include "run/team.hpp"

namespace hk_bench {

struct RunOptions {
  std::vector<std::string> backends;  // only these ("cpu", "cuda", "cuda_sim", "peer"); empty = all
  std::vector<std::string> variants;  // only these variant or peer names; empty = all
  std::vector<int> threads;           // thread counts for variants that split their work
  int repeats = 0;                    // 0 = as many as --min-time allows (at least 5)
  double min_time = 1.0;              // seconds of timed calls per row
  int warmup = 2;                     // untimed calls before timing (after validation)
  double max_call = 10;               // a variant whose one call takes longer is not timed
  bool peers = true;
  bool simulator = true;              // validate cuda_sim variants (never timed)
};

class Runner {
 public:
  Runner(RunOptions options, Team& team, const Roofline& roofline, const std::vector<GpuInfo>& gpus);

  // Steps for the progress bar.
  int planned_steps(const Case& c) const;
  // Runs every implementation of c at `size`; appends the rows (in ladder order) and notes.
  void run(const Case& c, const std::string& size, Table& table, Progress& progress);
  // Optional (sweeps): a reason not to run an implementation at this size, e.g. its time
  // predicted from the previous size exceeds the budget; "" = run it.
  std::function<std::string(const std::string& backend, const std::string& variant, const hk::Work& work)> skip;

  const RunOptions& options() const { return options_; }

 private:
  struct CaseRun;
  void run_simulated(CaseRun& run, const hk::VariantRow& row, bool broken);
  void run_gpu(CaseRun& run, const hk::VariantRow& row, Result proto, bool broken);
  void run_cpu(CaseRun& run, const hk::VariantRow& row, const Result& proto, bool broken);
  void run_peers(CaseRun& run);
  Timing measure(const std::function<void()>& fn) const;
  bool wanted_backend(const std::string& b) const;
  bool wanted_variant(const std::string& v) const;

  RunOptions options_;
  std::set<std::string> simulated_;  // cuda_sim variants checked already
  Team& team_;
  const Roofline& roofline_;
  const std::vector<GpuInfo>& gpus_;
};

// Speedup over naive and ratio to the best peer for every row of the table.
void annotate(Table& table);
// The ratio of a's speed to b's (same case): rate ratio in a shared unit, else time ratio.
double speed_ratio(const Result& a, const Result& b);

}  // namespace hk_bench
