// What run and sweep share: the environment, the thread team for peers and probes, the
// roofline measured once at start, the runner, and the run-wide notes.
#pragma once

#include <memory>
#include <string>

#include "run/cli.hpp"
#include "run/results.hpp"
#include "run/runner.hpp"
#include "run/team.hpp"

namespace hk_bench {

struct Session {
  // Gathers the environment and measures the roofline; default_max_call applies when
  // --max-call isn't given.
  Session(const Args& args, const std::string& command, double default_max_call);
  // Measures the peaks again (the higher of start and end counts: a probe disturbed by other
  // load must not make every row look closer to the roof), applies the roofline to every
  // row, counts failures and adds the run-wide notes.
  void finish();
  // Runs one case; an error that stops the whole case (e.g. its operands don't fit in
  // memory) becomes a run-wide note and counts in report.errors instead of ending the run.
  void run_case(const Case& c, const std::string& size, Table& table, Progress& progress);

  Report report;
  std::vector<int> probe_threads;
  std::unique_ptr<Team> team;
  std::unique_ptr<Runner> runner;
  bool quiet = false;  // Args::quiet
};

// Marks the multi-thread rows timed while their CPUs were far apart (Result::cpus_far): a
// round trip more than twice the closest of the run and 50 ns longer. Returns the run's
// note about them, empty when there are none.
std::string cpu_distance_note(std::vector<Table>& tables);

// The thread counts of a run: --threads, else 1 and hk's pool size.
std::vector<int> thread_counts(const Args& args);

}  // namespace hk_bench
