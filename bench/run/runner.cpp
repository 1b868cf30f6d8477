#include "run/runner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "report/format.hpp"
#include "machine/cpu_distance.hpp"
#include "machine/gpu.hpp"
#include "hk/registry.hpp"
#include "hk/experimental/trace.hpp"
#include "peers/peers.hpp"
#include "report/roofline.hpp"
#include "run/workload.hpp"

namespace hk_bench {

namespace {

using Clock = std::chrono::steady_clock;

// Whether a variant split its work over the pool: the most chunks any of its parallel_for
// calls was cut into. (Not the threads that happened to run them: the pool lets the caller
// take over chunks of a worker that wakes late, which on a loaded machine is often.)
class SplitCounter final : public hk::trace::ChunkObserver {
 public:
  void chunk_done(const hk::trace::Chunk& c) override {
    std::lock_guard lock(mutex_);
    int& n = chunks_[c.job];
    max_chunks_ = std::max(max_chunks_, ++n);
  }
  // The threads the variant worked with when allowed `requested`.
  int threads(int requested) const { return std::max(1, std::min(requested, max_chunks_)); }

 private:
  std::mutex mutex_;
  std::map<int, int> chunks_;
  int max_chunks_ = 0;
};

struct ObserverScope {
  explicit ObserverScope(hk::trace::ChunkObserver* o) { hk::trace::set_chunk_observer(o); }
  ~ObserverScope() { hk::trace::set_chunk_observer(nullptr); }
};

bool backend_available(hk::Backend b) {
  for (const hk::BackendInfo& info : hk::backends())
    if (info.backend == b) return info.available;
  return false;
}

Result base_row(const Workload& w, std::string backend, std::string variant, bool peer) {
  Result r;
  r.op = w.op();
  r.dtype = w.dtype();
  r.dims = w.dims();
  r.shape = w.label();
  r.backend = std::move(backend);
  r.variant = std::move(variant);
  r.is_peer = peer;
  r.writes_output = w.def().has_output();
  hk::Work work = w.work();
  r.flops = work.flops;
  r.bytes = work.bytes;
  return r;
}

// A multi-thread CPU row records how far apart its CPUs were when it was timed.
void note_cpu_distance(Result& r, int threads) {
  if (threads <= 1) return;
  if (const auto d = measure_cpu_distance()) r.cpu_round_trip_ns = d->round_trip_ns;
}

void set_time(Result& r, const Timing& t) {
  r.status = Status::ok;
  r.time = t;
  const double s = t.median_ms * 1e-3;
  if (s > 0) {
    r.gflops = r.flops / s * 1e-9;
    r.gbps = r.bytes / s * 1e-9;
  }
}

std::string label(const Workload& w, const std::string& backend, const std::string& variant, int threads) {
  return w.op() + " " + hk::to_string(w.dtype()) + " " + w.label() + " " + backend + "/" + variant +
         (threads > 0 ? " t=" + std::to_string(threads) : "");
}

}  // namespace

Runner::Runner(RunOptions options, Team& team, const Roofline& roofline, const std::vector<GpuInfo>& gpus)
    : options_(std::move(options)), team_(team), roofline_(roofline), gpus_(gpus) {
  if (options_.threads.empty()) options_.threads = {hk::num_threads()};
  std::sort(options_.threads.begin(), options_.threads.end());
  options_.threads.erase(std::unique(options_.threads.begin(), options_.threads.end()), options_.threads.end());
}

bool Runner::wanted_backend(const std::string& b) const {
  return options_.backends.empty() ||
         std::find(options_.backends.begin(), options_.backends.end(), b) != options_.backends.end();
}

bool Runner::wanted_variant(const std::string& v) const {
  return options_.variants.empty() ||
         std::find(options_.variants.begin(), options_.variants.end(), v) != options_.variants.end();
}

int Runner::planned_steps(const Case& c) const {
  int steps = 0;
  for (const hk::VariantRow& r : hk::Registry::get().rows())
    if (r.op == c.op && hk::Registry::kernel_for(r, c.dtype) && wanted_backend(hk::to_string(r.backend)) &&
        wanted_variant(r.variant) && backend_available(r.backend) && hk::Registry::supported(r))
      steps += r.backend == hk::Backend::cpu ? int(options_.threads.size()) : 1;
  if (options_.peers && wanted_backend("peer")) steps += int(options_.threads.size());
  return steps * int(c.sizes.size());
}

Timing Runner::measure(const std::function<void()>& fn) const {
  for (int i = 0; i < options_.warmup; ++i) fn();
  auto t = Clock::now();
  fn();
  hk::synchronize();
  double once = std::chrono::duration<double>(Clock::now() - t).count();
  int repeats = options_.repeats;
  if (repeats <= 0) repeats = once > 1.0 ? 3 : std::clamp(int(std::ceil(options_.min_time / std::max(once, 1e-7))), 5, 500);
  hk::Stats s = hk::time_kernel(fn, {0, repeats});
  return {s.median_ms, s.min_ms, s.max_ms, s.repeats};
}

// One case in progress: the workload, the rows so far, and where notes and progress go.
struct Runner::CaseRun {
  Workload w;
  Table& table;
  Progress& progress;
  std::vector<Result> rows;

  void note(const std::string& text) {
    if (std::find(table.notes.begin(), table.notes.end(), text) == table.notes.end()) table.notes.push_back(text);
  }
  void fail(Result r, std::string why) {
    r.status = Status::failed;
    r.failure = std::move(why);
    rows.push_back(std::move(r));
  }
  void not_timed(Result r, int threads, std::string why) {
    r.threads = threads;
    r.status = Status::skipped;
    r.failure = std::move(why);
    rows.push_back(std::move(r));
  }
};

void Runner::run(const Case& c, const std::string& size, Table& table, Progress& progress) {
  CaseRun run{Workload(c.op, c.dtype, parse_size(c.op, size)), table, progress, {}};
  for (const hk::VariantRow& row : hk::Registry::get().rows()) {
    if (row.op != c.op || !hk::Registry::kernel_for(row, c.dtype)) continue;
    const std::string backend = hk::to_string(row.backend);
    if (!wanted_backend(backend) || !wanted_variant(row.variant)) continue;
    if (!backend_available(row.backend)) continue;  // said once for the whole run
    if (!hk::Registry::supported(row)) {
      run.note(row.variant + " (" + backend + ") not run: needs " + row.requirement.text + ", which this machine lacks");
      continue;
    }
    const bool broken = broken_by_env(c.op, c.dtype, backend, row.variant);
    if (row.backend == hk::Backend::cuda_sim) {
      if (options_.simulator) run_simulated(run, row, broken);
      continue;
    }
    Result proto = base_row(run.w, backend, row.variant, false);
    proto.summary = row.summary;
    proto.on_tiles = row.unit && row.unit(run.w.a_shape(), run.w.b_shape(), run.w.dtype()) == hk::ComputeUnit::amx_tiles;
    if (std::string why = skip ? skip(backend, row.variant, run.w.work()) : ""; !why.empty()) {
      run.not_timed(proto, row.backend == hk::Backend::cuda ? 0 : options_.threads.back(), why);
      continue;
    }
    if (row.backend == hk::Backend::cuda) run_gpu(run, row, proto, broken);
    else run_cpu(run, row, proto, broken);
  }
  if (options_.peers && wanted_backend("peer")) run_peers(run);

  for (Result& r : run.rows) apply_roofline(roofline_, gpus_, r.writes_output, r);
  std::stable_sort(run.rows.begin(), run.rows.end(), [](const Result& a, const Result& b) {
    int ba = backend_rank(a.backend), bb = backend_rank(b.backend);
    if (ba != bb) return ba < bb;
    int la = ladder_rank(a.op, a.backend, a.variant), lb = ladder_rank(b.op, b.backend, b.variant);
    if (la != lb) return la < lb;
    return a.threads < b.threads;
  });
  for (Result& r : run.rows) table.rows.push_back(std::move(r));
}

// cuda_sim: a functional simulation, checked at a small shape and never timed.
void Runner::run_simulated(CaseRun& run, const hk::VariantRow& row, bool broken) {
  const std::string backend = hk::to_string(row.backend);
  // Once per op, dtype and variant: the check's shape doesn't follow the run's sizes.
  if (!simulated_.insert(run.w.op() + "/" + hk::to_string(run.w.dtype()) + "/" + row.variant).second) return;
  run.progress.step(label(run.w, backend, row.variant, 0));
  Workload small(run.w.op(), run.w.dtype(), simulator_check_shape(run.w.def()));
  Result r = base_row(small, backend, row.variant, false);
  r.summary = row.summary;
  r.threads = 0;
  std::string why;
  try {
    small.call({row.backend, row.variant, 0}, small.host());
    if (broken) corrupt(small.host());
    why = small.check(small.host());
  } catch (const std::exception& e) {
    why = std::string("threw: ") + e.what();
  }
  if (!why.empty()) return run.fail(r, why);
  r.status = Status::validated;
  run.rows.push_back(r);
}

// cuda: validated with the operands on the device; kernel-only time (CUDA events around the
// kernel, L2 flushed before each repeat) and end-to-end time (host tensors: hk stages the
// inputs to the device and the result back, as a program that keeps its data on the host
// sees it).
void Runner::run_gpu(CaseRun& run, const hk::VariantRow& row, Result r, bool broken) {
  Workload& w = run.w;
  run.progress.step(label(w, r.backend, row.variant, 0));
  r.threads = 0;
  const hk::Device gpu = hk::Device::cuda(hk::default_cuda_device());
  const hk::Options o{row.backend, row.variant, 0};
  try {
    Operands dev = w.on(gpu);
    w.call(o, dev);
    hk::synchronize();
    Operands h = w.host();
    h.out = dev.out.to(hk::Device::cpu());
    h.result = dev.result;
    if (broken) corrupt(h);
    if (std::string why = w.check(h); !why.empty()) return run.fail(r, why);
    const int repeats = options_.repeats > 0 ? options_.repeats : 20;
    const hk::OpArgs dev_args = w.args(dev);
    set_time(r, time_gpu_kernel([&] { w.call(o, dev_args, dev); }, options_.warmup, repeats));
    Operands& host = w.host();
    w.call(o, host);  // the staged path is checked too before it is timed
    if (std::string why = broken ? std::string() : w.check(host); !why.empty())
      return run.fail(r, "end-to-end (staged from host tensors): " + why);
    const hk::OpArgs host_args = w.args(host);
    r.end_to_end = measure([&] { w.call(o, host_args, host); });
    run.rows.push_back(r);
  } catch (const std::exception& e) {
    run.fail(r, std::string("threw: ") + e.what());
  }
}

// cpu: validated at the largest thread count, noting whether the variant split its work; a
// variant that never does is timed once, as the single-threaded row it is; one that does is
// validated and timed at every thread count.
void Runner::run_cpu(CaseRun& run, const hk::VariantRow& row, const Result& proto, bool broken) {
  Workload& w = run.w;
  Operands& ops = w.host();
  const int tmax = options_.threads.back();
  auto validate = [&](int threads, int& used) -> std::string {
    SplitCounter counter;
    try {
      ObserverScope scope(&counter);
      w.call({row.backend, row.variant, threads}, ops);
    } catch (const std::exception& e) {
      return std::string("threw: ") + e.what();
    }
    used = counter.threads(threads);
    if (broken) corrupt(ops);
    return w.check(ops);
  };
  run.progress.step(label(w, proto.backend, row.variant, tmax));
  int used_at_tmax = 1;
  auto t0 = Clock::now();
  if (std::string why = validate(tmax, used_at_tmax); !why.empty()) {
    Result r = proto;
    r.threads = used_at_tmax;  // how far it split its work before the check failed
    return run.fail(r, why);
  }
  const double once = std::chrono::duration<double>(Clock::now() - t0).count();
  if (once > options_.max_call)
    return run.not_timed(proto, used_at_tmax,
                         "one call took " + fmt_seconds(once) + " s (> --max-call " + fmt_seconds(options_.max_call, 6) +
                             " s); validated, not timed");
  std::vector<int> configs = used_at_tmax <= 1 ? std::vector<int>{tmax} : options_.threads;
  run.progress.add_total(int(configs.size()) - int(options_.threads.size()));  // planned one step per count
  for (int t : configs) {
    Result r = proto;
    r.threads = used_at_tmax;
    if (t != tmax) {
      run.progress.step(label(w, proto.backend, row.variant, t));
      int used_at_t = 1;
      if (std::string why = validate(t, used_at_t); !why.empty()) {
        r.threads = used_at_t;
        run.fail(r, why);
        continue;
      }
      r.threads = used_at_t;
    }
    note_cpu_distance(r, r.threads);
    const hk::Options call_options{row.backend, row.variant, t};  // built once, not in the timed call
    const hk::OpArgs args = w.args(ops);
    set_time(r, measure([&] { w.call(call_options, args, ops); }));
    run.rows.push_back(r);
  }
}

// The peers, in the same process, validated like everything else.
void Runner::run_peers(CaseRun& run) {
  Workload& w = run.w;
  if (std::string why = missing_peer_note(w.op(), w.dtype()); !why.empty()) run.note(why);
  bool library = false;
  for (PeerRun& p : peers_for(w, team_)) {
    if (!wanted_variant(p.name)) continue;
    library |= p.name == "openblas" || p.name.rfind("onednn", 0) == 0;
    Result proto = base_row(w, "peer", p.name, true);
    proto.summary = p.summary;
    proto.flops = p.work.flops;
    proto.bytes = p.work.bytes;
    proto.writes_output = p.writes;
    if (std::string why = skip ? skip("peer", p.name, w.work()) : ""; !why.empty()) {
      run.not_timed(proto, options_.threads.back(), why);
      continue;
    }
    for (int t : options_.threads) {
      if (p.max_threads > 0 && t > p.max_threads) continue;
      run.progress.step(label(w, "peer", p.name, t));
      Result r = proto;
      r.threads = t;
      std::string why;
      try {
        p.run(t);
        why = p.check();
      } catch (const std::exception& e) {
        why = std::string("threw: ") + e.what();
      }
      if (!why.empty()) {
        run.fail(r, why);
        continue;
      }
      note_cpu_distance(r, t);
      set_time(r, measure([&] { p.run(t); }));
      run.rows.push_back(r);
    }
  }
  if (library) let_peer_threads_sleep();
}

double speed_ratio(const Result& a, const Result& b) {
  if (a.status != Status::ok || b.status != Status::ok) return 0;
  if (a.counts_flops() == b.counts_flops() && b.rate() > 0) return a.rate() / b.rate();
  return a.time.median_ms > 0 ? b.time.median_ms / a.time.median_ms : 0;
}

void annotate(Table& table) {
  for (Result& r : table.rows) {
    if (r.status != Status::ok) continue;
    // Speedup over naive: the naive row of the same case on the same backend (peers and
    // GPU library rows against their backend's naive: CPU for peers).
    const std::string naive_backend = r.is_peer ? "cpu" : r.backend;
    const Result* naive = nullptr;
    for (const Result& o : table.rows)
      if (o.status == Status::ok && o.case_key() == r.case_key() && o.backend == naive_backend && o.variant == "naive" &&
          (!naive || o.threads == r.threads))
        naive = &o;
    r.speedup_vs_naive = naive ? speed_ratio(r, *naive) : 0;
    if (r.is_peer) continue;
    // Ratio to the best peer of the same shape and thread count, else of any thread count
    // (the peer's threads are named with it); GPU rows: the best GPU library variant.
    const Result* best = nullptr;
    for (bool same_threads : {true, false}) {
      for (const Result& o : table.rows) {
        if (o.status != Status::ok || o.case_key() != r.case_key()) continue;
        bool peer = r.backend == "cuda" ? o.backend == "cuda" && is_library_variant(o.op, o.backend, o.variant)
                                        : o.is_peer && (!same_threads || o.threads == r.threads);
        if (peer && (!best || speed_ratio(o, *best) > 1)) best = &o;
      }
      if (best) break;
    }
    if (best) {
      r.vs_best_peer = speed_ratio(r, *best);
      r.best_peer = best->variant + (best->threads > 0 ? " t=" + std::to_string(best->threads) : "");
    }
  }
}

}  // namespace hk_bench
