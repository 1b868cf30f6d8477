#include "run/session.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

#include "machine/cpu_distance.hpp"
#include "machine/environment.hpp"
#include "peers/peers.hpp"
#include "report/format.hpp"
#include "report/roofline.hpp"

namespace hk_bench {

std::vector<int> thread_counts(const Args& args) {
  std::vector<int> t = args.threads;
  if (t.empty()) t = {1, hk::num_threads()};
  std::sort(t.begin(), t.end());
  t.erase(std::unique(t.begin(), t.end()), t.end());
  return t;
}

Session::Session(const Args& args, const std::string& command, double default_max_call) {
  report.command = command;
  report.argv = args.argv;
  report.env = gather_environment();
  std::vector<int> threads = thread_counts(args);
  const int hw = std::max<int>(1, int(std::thread::hardware_concurrency()));
  team = std::make_unique<Team>(std::max(threads.back(), hw));
  probe_threads = threads;
  if (probe_threads.front() != 1) probe_threads.insert(probe_threads.begin(), 1);
  quiet = args.quiet;
  if (!quiet)
    std::fprintf(stderr, "hk-bench: measuring this machine's peaks (%zu thread count%s)...\n", probe_threads.size(),
                 probe_threads.size() > 1 ? "s" : "");
  report.roofline = measure_roofline(*team, probe_threads);
  if (const auto d = measure_cpu_distance()) {
    const std::string trip = std::to_string(std::lround(d->round_trip_ns)) + " ns at start (a cache line from CPU " +
                             std::to_string(d->cpu_a) + " to CPU " + std::to_string(d->cpu_b) + " and back)";
    report.env.fields.emplace_back("CPU round trip", trip);
  }
  RunOptions o;
  o.backends = args.backends;
  o.variants = args.variants;
  o.threads = threads;
  o.repeats = args.repeats;
  o.min_time = args.min_time;
  o.warmup = args.warmup;
  o.max_call = args.max_call > 0 ? args.max_call : default_max_call;
  o.peers = args.peers;
  runner = std::make_unique<Runner>(o, *team, report.roofline, report.env.gpus);
  std::string list;
  for (int t : threads) {
    if (!list.empty()) list += ',';
    list += std::to_string(t);
  }
  report.settings = {{"threads", list},
                     {"warmup", std::to_string(o.warmup)},
                     {"repeats", o.repeats > 0 ? std::to_string(o.repeats) : "auto (fill --min-time, at least 5)"},
                     {"min time s", fmt_seconds(o.min_time, 6)},
                     {"max call s", fmt_seconds(o.max_call, 6)},
                     {"timing", "CPU: steady clock, median of repeats after warm-up; GPU kernel-only: CUDA events "
                                "with the L2 flushed before each repeat; end-to-end: steady clock incl. copies"}};
}

void Session::run_case(const Case& c, const std::string& size, Table& table, Progress& progress) {
  try {
    runner->run(c, size, table, progress);
  } catch (const hk::Error& e) {
    ++report.errors;
    report.notes.push_back(c.title() + " " + size + " not run: " + e.what());
    if (!quiet) std::fprintf(stderr, "hk-bench: %s %s not run: %s\n", c.title().c_str(), size.c_str(), e.what());
  }
}

std::string cpu_distance_note(std::vector<Table>& tables) {
  std::vector<Result*> measured;
  for (Table& t : tables)
    for (Result& r : t.rows)
      if (r.status == Status::ok && r.cpu_round_trip_ns > 0) measured.push_back(&r);
  if (measured.empty()) return "";
  double closest = measured.front()->cpu_round_trip_ns, farthest = closest;
  for (const Result* r : measured) {
    closest = std::min(closest, r->cpu_round_trip_ns);
    farthest = std::max(farthest, r->cpu_round_trip_ns);
  }
  int far = 0;
  for (Result* r : measured) {
    r->cpus_far = cpus_far_apart(r->cpu_round_trip_ns, closest);
    far += r->cpus_far;
  }
  return far == 0 ? "" : cpus_far_note(far, static_cast<int>(measured.size()), farthest, closest);
}

void Session::finish() {
  Roofline end = measure_roofline(*team, probe_threads);
  for (size_t i = 0; i < end.cpu.size() && i < report.roofline.cpu.size(); ++i) {
    Peaks& p = report.roofline.cpu[i];
    p.fp32_gflops = std::max(p.fp32_gflops, end.cpu[i].fp32_gflops);
    p.int8_gops = std::max(p.int8_gops, end.cpu[i].int8_gops);
    p.int8_tile_gops = std::max(p.int8_tile_gops, end.cpu[i].int8_tile_gops);
    p.read_gbps = std::max(p.read_gbps, end.cpu[i].read_gbps);
    p.copy_gbps = std::max(p.copy_gbps, end.cpu[i].copy_gbps);
  }
  bool above_peak = false;
  for (Table& t : report.tables)
    for (Result& r : t.rows) {
      apply_roofline(report.roofline, report.env.gpus, r.writes_output, r);
      report.failures += r.status == Status::failed;
      report.peer_failures += r.status == Status::failed && r.is_peer;
      above_peak |= r.percent_of_peak > 110 && !r.cache_resident;  // beyond run-to-run noise
    }
  if (above_peak)
    report.notes.push_back(
        "some rows exceed the measured peak by more than 10%: either part of their working set stayed in the "
        "last-level cache from one call to the next (the bandwidth probes use buffers of at least 4x its size, "
        "where nothing survives), or other load disturbed the peak probes (load average " +
        report.env.value("load average") + " at start; if it was high, re-run when the machine is quieter)");
  if (std::string note = cpu_distance_note(report.tables); !note.empty()) report.notes.push_back(note);
  const bool openblas_rows = std::any_of(report.tables.begin(), report.tables.end(), [](const Table& t) {
    return std::any_of(t.rows.begin(), t.rows.end(), [](const Result& r) { return r.variant == "openblas"; });
  });
  if (std::string advice = openblas_core_advice(); openblas_rows && !advice.empty()) report.notes.push_back(advice);
  for (const hk::BackendInfo& b : report.env.backends) {
    if (b.available) continue;
    if (b.backend == hk::Backend::cuda)
      report.notes.push_back("no GPU rows: cuda backend unavailable — " + b.reason);
    else if (b.backend == hk::Backend::cuda_sim)
      report.notes.push_back("no cuda_sim checks: " + b.reason);
  }
}

}  // namespace hk_bench
