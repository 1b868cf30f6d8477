// hk-bench model: the course's MLP (mlp.hpp) at batch 1, 32 and 256, each way on each
// available backend and oneDNN's fused matmul primitive, validated against fp64 (int8 bit
// for bit against its own exact reference) before it is timed. Reports latency per batch,
// throughput, % of the CPU's measured peak, the int8 way's accuracy against f32, and which
// backend `automatic` picks for each layer and why.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include "hk/choice.hpp"
#include "machine/cpu_distance.hpp"
#include "model/mlp.hpp"
#include "peers/peers.hpp"
#include "report/format.hpp"
#include "report/roofline.hpp"
#include "run/commands.hpp"
#include "run/in_turns.hpp"
#include "run/session.hpp"

namespace hk_bench {

namespace {

struct Row {
  int64_t batch = 0;
  std::string way, backend, summary;
  int threads = 1;
  bool int8 = false;
  std::string failure;  // not empty: validation failed, no number
  Timing time;
  double gflops = 0, percent_of_peak = 0, vs_onednn = 0;
  double max_error = 0;    // quantized: max |int8 − f32| over max |f32| logit
  double top1_agree = -1;  // quantized: share of rows whose argmax matches f32's
  double cpu_round_trip_ns = 0;  // multi-thread CPU rows: measured before timing (machine/cpu_distance.hpp)
  bool cpus_far = false;         // timed while the CPUs were far apart (marked †)
};

using Clock = std::chrono::steady_clock;

// A row's forward pass, kept to be timed again in turns against oneDNN's.
struct Turn {
  std::size_t row = 0;
  int threads = 1;
  bool peer = false;  // oneDNN's
  std::function<void()> forward;
};
// Rounds and block length of those turns (run/in_turns.hpp).
constexpr int kTurnRounds = 15;
constexpr double kTurnBlockMs = 5;

// Median, min and max of timed forward passes after `warmup` untimed ones: as many as
// fill min_time seconds, at least 5 (or exactly `repeats`).
Timing time_forward(const std::function<void()>& f, const Args& args) {
  for (int i = 0; i < args.warmup; ++i) f();
  std::vector<double> ms;
  const auto start = Clock::now();
  while (true) {
    const auto t = Clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    const double spent = std::chrono::duration<double>(Clock::now() - start).count();
    if (args.repeats > 0 ? int(ms.size()) >= args.repeats : ms.size() >= 5 && spent >= args.min_time) break;
  }
  std::sort(ms.begin(), ms.end());
  Timing r;
  r.median_ms = ms[ms.size() / 2];
  r.min_ms = ms.front();
  r.max_ms = ms.back();
  r.repeats = int(ms.size());
  return r;
}

int argmax(const float* v, int64_t n) { return int(std::max_element(v, v + n) - v); }

std::string choice_line(int64_t batch, int layer, int64_t k, int64_t n, hk::DType t) {
  const hk::BackendChoice c = hk::explain_choice("linear", {{batch, k}, {k, n}}, t);
  return "batch " + std::to_string(batch) + ", layer " + std::to_string(layer) + " (" + std::to_string(batch) + "x" +
         std::to_string(k) + "x" + std::to_string(n) + " " + hk::to_string(t) + "): " + c.reason;
}

std::string row_json(const Row& r) {
  std::ostringstream s;
  s << "{\"batch\": " << r.batch << ", \"way\": " << json_string(r.way) << ", \"backend\": " << json_string(r.backend)
    << ", \"threads\": " << r.threads << ", \"dtype\": \"" << (r.int8 ? "i8" : "f32") << "\"";
  if (!r.failure.empty()) return s.str() + ", \"status\": \"failed\", \"failure\": " + json_string(r.failure) + "}";
  s << ", \"status\": \"ok\", \"median_ms\": " << r.time.median_ms << ", \"min_ms\": " << r.time.min_ms
    << ", \"max_ms\": " << r.time.max_ms << ", \"repeats\": " << r.time.repeats
    << ", \"samples_per_s\": " << double(r.batch) / (r.time.median_ms / 1e3) << ", \"gflops\": " << r.gflops
    << ", \"percent_of_peak\": " << r.percent_of_peak << ", \"vs_onednn\": " << r.vs_onednn;
  if (r.cpu_round_trip_ns > 0) s << ", \"cpu_round_trip_ns\": " << r.cpu_round_trip_ns;
  if (r.top1_agree >= 0) s << ", \"int8_max_error\": " << r.max_error << ", \"int8_top1_agreement\": " << r.top1_agree;
  return s.str() + "}";
}

}  // namespace

int model_command(const Args& args) {
  Session session(args, "model", 10);
  const std::vector<int> threads = thread_counts(args);
  std::vector<int64_t> batches = {1, 32, 256};
  if (!args.sizes.empty()) {
    batches.clear();
    for (const std::string& s : args.sizes) {
      char* end = nullptr;
      const long long b = std::strtoll(s.c_str(), &end, 10);
      if (s.empty() || *end || b < 1 || b > (1 << 20))
        throw hk::InvalidArgument("hk-bench model --sizes takes batch sizes in 1..1048576, got '" + s + "'");
      batches.push_back(b);
    }
  }
  auto wanted = [&](const std::string& backend) {
    return args.backends.empty() || std::count(args.backends.begin(), args.backends.end(), backend) > 0;
  };
  const Mlp host = Mlp::make(42);
  std::vector<std::string> backends;
  for (const hk::BackendInfo& b : hk::backends())
    if (b.available && b.backend != hk::Backend::cuda_sim && wanted(b.name)) backends.push_back(b.name);
  std::vector<Row> rows;
  std::vector<std::string> notes;
  int failures = 0;
  int omp_threads = 1;
  int turn_sets = 0;
  for (int64_t batch : batches) {
    const std::vector<float> xv = hk::Tensor::randn({batch, Mlp::kIn}, 7).to_vector<float>();
    const MlpReference ref = mlp_reference(host, xv, batch);
    const MlpInt8Reference ref8 = mlp_int8_reference(host, xv, batch);
    std::vector<Turn> turns;  // this batch's CPU rows and oneDNN's, to time again in turns
    const double flops = Mlp::flops(batch);
    for (int layer = 1; layer <= 2; ++layer)
      for (hk::DType t : {hk::DType::f32, hk::DType::i8})
        notes.push_back("auto: " + choice_line(batch, layer, layer == 1 ? Mlp::kIn : Mlp::kHidden,
                                                layer == 1 ? Mlp::kHidden : Mlp::kOut, t));
    auto run_way = [&](const MlpWay& way, const std::string& backend, int t, const hk::Tensor& x, hk::Tensor& out) {
      Row r;
      r.batch = batch, r.way = way.name, r.backend = backend, r.threads = t, r.int8 = way.int8, r.summary = way.summary;
      try {
        way.forward(x, out);
        const std::vector<float> got = out.to_vector<float>();
        r.failure = way.int8 ? check_mlp_int8(got, ref8.logits) : check_mlp_f32(got, ref);
        if (way.int8 && r.failure.empty()) {  // accuracy against the exact f32 model
          double worst = 0, scale = 0;
          int agree = 0;
          for (int64_t i = 0; i < batch; ++i) {
            std::vector<float> f(size_t(Mlp::kOut));
            for (int64_t j = 0; j < Mlp::kOut; ++j) {
              const size_t e = size_t(i * Mlp::kOut + j);
              f[size_t(j)] = float(ref.logits[e]);
              worst = std::max(worst, std::fabs(double(got[e]) - ref.logits[e]));
              scale = std::max(scale, std::fabs(ref.logits[e]));
            }
            agree += argmax(f.data(), Mlp::kOut) == argmax(got.data() + i * Mlp::kOut, Mlp::kOut);
          }
          r.max_error = scale > 0 ? worst / scale : worst;
          r.top1_agree = double(agree) / double(batch);
        }
        if (r.failure.empty() && t > 1 && backend != "cuda")
          if (const auto d = measure_cpu_distance()) r.cpu_round_trip_ns = d->round_trip_ns;
        if (r.failure.empty()) r.time = time_forward([&] { way.forward(x, out); }, args);
      } catch (const std::exception& e) {
        r.failure = e.what();
      }
      if (!r.failure.empty()) {
        ++failures;
      } else {
        r.gflops = flops / (r.time.median_ms / 1e3) / 1e9;
        if (backend == "cpu" || backend == "peer")
          if (const Peaks* p = session.report.roofline.at(t)) {
            // int8: the roof of the fastest int8 instruction the CPU has (the tiles where it
            // has AMX), which the int8 way may or may not reach for at this batch.
            const double peak = way.int8 ? std::max(p->int8_gops, p->int8_tile_gops) : p->fp32_gflops;
            if (peak > 0) r.percent_of_peak = 100.0 * r.gflops / peak;
          }
      }
      if (r.failure.empty() && (backend == "cpu" || backend == "peer"))
        turns.push_back({rows.size(), t, backend == "peer", [f = way.forward, x, out]() mutable { f(x, out); }});
      rows.push_back(r);
    };
    for (const std::string& backend : backends) {
      const hk::Backend b = backend == "cuda" ? hk::Backend::cuda : hk::Backend::cpu;
      const hk::Device d = b == hk::Backend::cuda ? hk::Device::cuda(0) : hk::Device::cpu();
      const Mlp m = b == hk::Backend::cuda ? host.on(d) : host;
      const hk::Tensor x = hk::Tensor::from_vector(xv, {batch, Mlp::kIn}).to(d);
      hk::Tensor out = hk::Tensor::empty({batch, Mlp::kOut}, hk::DType::f32, d);
      for (int t : b == hk::Backend::cuda ? std::vector<int>{1} : threads) {
        hk::Options o{b, "", t};
        // On a GPU the activations' scales come from the host reference (the same values
        // symmetric_scale would give), since reading them back would be a copy per layer.
        const bool gpu = b == hk::Backend::cuda;
        for (const MlpWay& way : hk_ways(m, batch, o, gpu ? ref8.scale1 : 0, gpu ? ref8.scale2 : 0))
          run_way(way, backend, t, x, out);
      }
    }
    if (args.peers && wanted("peer")) {
      const hk::Tensor x = hk::Tensor::from_vector(xv, {batch, Mlp::kIn});
      hk::Tensor out = hk::Tensor::empty({batch, Mlp::kOut});
      for (int t : threads) {
        omp_threads = t;
        for (const MlpWay& way : onednn_mlp_ways(host, batch, &omp_threads)) run_way(way, "peer", t, x, out);
      }
      // libgomp's idle workers spin for milliseconds after oneDNN's last call, on the cores
      // the turns below (and the next batch's hk rows) are about to use.
      let_peer_threads_sleep();
    }
    // vs oneDNN: each CPU way against oneDNN's fused primitive at the same thread count,
    // timed in turns (run/in_turns.hpp), not the ratio of two rows' medians taken seconds
    // apart, which a drifting machine's speed moves more than the kernels differ.
    for (int t : threads) {
      const auto peer = std::find_if(turns.begin(), turns.end(), [t](const Turn& u) { return u.peer && u.threads == t; });
      if (peer == turns.end()) continue;
      std::vector<const Turn*> ours;
      std::vector<std::function<void()>> sides;
      for (const Turn& u : turns)
        if (!u.peer && u.threads == t) {
          ours.push_back(&u);
          sides.push_back(u.forward);
        }
      if (ours.empty()) continue;
      sides.push_back(peer->forward);
      omp_threads = t;  // the peer's forward sets OpenMP's thread count from it
      const auto s = in_turns(sides, t, kTurnRounds, kTurnBlockMs);
      for (std::size_t i = 0; i < ours.size(); ++i) rows[ours[i]->row].vs_onednn = ratio(s.back(), s[i]).median;
      ++turn_sets;
    }
  }
  // The rows timed while their CPUs were far apart, against the closest of the run.
  double closest = 0, farthest = 0;
  int measured = 0, far = 0;
  for (const Row& r : rows)
    if (r.failure.empty() && r.cpu_round_trip_ns > 0) {
      closest = measured++ == 0 ? r.cpu_round_trip_ns : std::min(closest, r.cpu_round_trip_ns);
      farthest = std::max(farthest, r.cpu_round_trip_ns);
    }
  for (Row& r : rows) {
    r.cpus_far = r.failure.empty() && r.cpu_round_trip_ns > 0 && cpus_far_apart(r.cpu_round_trip_ns, closest);
    far += r.cpus_far;
  }
  if (far > 0) notes.push_back(cpus_far_note(far, measured, farthest, closest));
  const bool int8_percent =
      std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.int8 && r.percent_of_peak > 0; });
  if (const Peaks* p = session.report.roofline.at(1); p && int8_percent)
    notes.push_back(std::string("% peak of an int8 way: of the ") +
                    (p->int8_tile_gops > p->int8_gops ? "AMX tiles' peak" : "vpdpbusd peak") +
                    ", the fastest int8 instruction this CPU has");
  if (std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.percent_of_peak > 100; }))
    notes.push_back("a % peak above 100%: the peaks are probed once, at the start of the run, and the CPU ran that "
                    "row faster than it ran the probe (a shared host's speed drifts)");
  if (turn_sets > 0)
    notes.push_back("vs oneDNN: each way and oneDNN timed again after the rows, in turns, in blocks of about " +
                    std::to_string(static_cast<int>(kTurnBlockMs)) + " ms; the median over " +
                    std::to_string(kTurnRounds) + " rounds (" + std::to_string(rounds_on(2, kTurnRounds)) +
                    " on more than one thread) of oneDNN's block time / the way's (> 1: hk faster)");
  if (std::none_of(rows.begin(), rows.end(), [](const Row& r) { return r.way == "onednn"; }))
    notes.push_back(onednn_mlp_ways(host, 1, &omp_threads).empty()
                        ? "no oneDNN peer: hk-bench was built without oneDNN"
                        : "oneDNN peer left out (--no-peers or --backend)");

  std::ostringstream text;
  if (args.format == "json") {
    text << "{\"command\": \"model\", \"model\": \"784-128-relu-10, weights (in, out), fixed random\", \"rows\": [";
    for (size_t i = 0; i < rows.size(); ++i) text << (i ? ",\n  " : "\n  ") << row_json(rows[i]);
    text << "],\n \"notes\": [";
    for (size_t i = 0; i < notes.size(); ++i) text << (i ? ", " : "") << json_string(notes[i]);
    text << "]}\n";
  } else {
    const bool md = args.format == "markdown";
    text << (md ? "## " : "") << "MLP 784 → 128 → ReLU → 10 (weights (in, out), fixed random), forward pass per batch\n\n";
    text << "| batch | way | backend | threads | median ms (min–max) | samples/s | GFLOP/s | % peak | vs oneDNN | int8 vs f32 |\n"
         << "|---:|---|---|---:|---:|---:|---:|---:|---:|---|\n";
    for (const Row& r : rows) {
      text << "| " << r.batch << " | " << r.way << (r.int8 ? " (int8)" : "") << " | " << r.backend << " | " << r.threads
           << (r.cpus_far ? "†" : "") << " | ";
      if (!r.failure.empty()) {
        text << "FAILED: " << r.failure << " | | | | | |\n";
        continue;
      }
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.0f", double(r.batch) / (r.time.median_ms / 1e3));
      text << fmt_time_range(r.time) << " | " << buf << " | " << fmt_rate(r.gflops) << " | "
           << (r.percent_of_peak > 0 ? fmt_percent(r.percent_of_peak) : "-") << " | "
           << (r.vs_onednn > 0 ? fmt_ratio(r.vs_onednn) : "-") << " | ";
      if (r.top1_agree >= 0) {
        std::snprintf(buf, sizeof buf, "max err %.2g, top-1 %.1f%%", r.max_error, 100 * r.top1_agree);
        text << buf;
      }
      text << " |\n";
    }
    text << "\n";
    for (const std::string& n : notes) text << "- " << n << "\n";
  }
  if (args.output.empty()) {
    std::fputs(text.str().c_str(), stdout);
  } else {
    std::ofstream f(args.output);
    f << text.str();
    if (!f) throw hk::Error("hk-bench model: could not write " + args.output);
  }
  return failures > 0 ? 1 : 0;
}

}  // namespace hk_bench
