// `hk-bench` / `hk-bench run`: the side-by-side tables; `hk-bench list`.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>

#include "run/commands.hpp"
#include "explain/profile.hpp"
#include "machine/environment.hpp"
#include "report/format.hpp"
#include "hk/registry.hpp"
#include "peers/peers.hpp"
#include "run/preflight.hpp"
#include "report/roofline.hpp"
#include "run/runner.hpp"
#include "run/session.hpp"
#include "run/sweep.hpp"
#include "run/workload.hpp"

namespace hk_bench {

void emit(const Report& report, const Args& args, const std::string& table_text) {
  Format format = parse_format(args.format);
  std::string text = format == Format::table ? table_text : format_report(report, format);
  if (args.output.empty()) {
    std::fputs(text.c_str(), stdout);
  } else {
    std::ofstream f(args.output, std::ios::binary);
    if (!(f << text)) throw hk::Error("cannot write --output '" + args.output + "': " + std::strerror(errno));
    std::fprintf(stderr, "hk-bench: wrote %s\n", args.output.c_str());
  }
  if (!args.html.empty()) {
    std::ofstream f(args.html, std::ios::binary);
    if (!(f << format_html(report))) throw hk::Error("cannot write --html '" + args.html + "': " + std::strerror(errno));
    std::fprintf(stderr, "hk-bench: wrote %s\n", args.html.c_str());
  }
}

namespace {
// Each table with rows on cuda or cuda_sim gets its GPU kernels' memory counters, at its
// smallest shape capped at a size the profiler runs in seconds (matmul 256, others 2^20).
void add_gpu_counters(Report& report) {
  if (!hk::sim::sim_checks_available()) return;
  for (const Table& t : report.tables) {
    bool gpu = false;
    for (const Result& r : t.rows) gpu |= r.backend == "cuda" || r.backend == "cuda_sim";
    if (!gpu || is_reduction(t.op)) continue;
    hk::Shape dims;
    for (const Result& r : t.rows) {
      hk::Shape d = parse_size(t.op, r.shape);
      if (dims.empty() || d[0] < dims[0]) dims = d;
    }
    if (dims.empty()) continue;
    const int64_t cap = is_matmul(t.op) ? 256 : int64_t(1) << 20;
    for (int64_t& d : dims) d = std::min(d, cap);
    const ProfileReport p = profile_ladder(t.op, t.dtype, dims, {}, 0);
    report.gpu_counters_json.push_back(render_profile_json(p));
    report.gpu_counters_html.push_back(render_profile_html(p));
  }
}
}  // namespace

Report run_report(const Args& args) {
  // Bad arguments fail before anything is measured.
  std::vector<Case> cases = select_cases(args.ops, expand_sizes(args.sizes));
  check_before_measuring(args, cases);
  Session s(args, "run", 10.0);
  int steps = 0;
  for (const Case& c : cases) steps += s.runner->planned_steps(c);
  Progress progress(steps, args.progress);
  for (const Case& c : cases) {
    Table t{c.op, c.dtype, c.title(), {}, {}};
    for (const std::string& size : c.sizes) s.run_case(c, size, t, progress);
    annotate(t);
    if (c.sizes.size() > 1)  // a size sweep of its own: where would a GPU overtake?
      for (Crossover& x : crossovers_of(t, s.report.env.backends)) s.report.crossovers.push_back(x);
    s.report.tables.push_back(std::move(t));
  }
  progress.finish();
  s.finish();
  add_gpu_counters(s.report);
  return std::move(s.report);
}

int exit_status(const Report& report) { return report.errors ? 2 : report.failures > report.peer_failures ? 1 : 0; }

int run_command(const Args& args) {
  Report report = run_report(args);
  emit(report, args, format_table(report));
  return exit_status(report);
}

int list_command() {
  std::printf("backends:\n");
  for (const hk::BackendInfo& b : hk::backends()) {
    std::printf("  %-9s %s%s%s\n", b.name.c_str(), b.available ? "available" : "unavailable",
                b.reason.empty() ? "" : ": ", b.reason.c_str());
    for (const std::string& d : b.devices) std::printf("            %s\n", d.c_str());
  }
  std::printf("\nvariants (op, backend, variant, dtypes, supported here, summary):\n");
  for (const hk::VariantInfo& v : hk::variants()) {
    std::string dtypes;
    for (hk::DType t : v.dtypes) {
      if (!dtypes.empty()) dtypes += ',';
      dtypes += hk::to_string(t);
    }
    std::string needs = v.requirement != "none" ? " [needs " + v.requirement + "]" : "";
    if (const hk::VariantRow* row = hk::Registry::get().find(v.op, v.backend, v.variant)) {
      if (row->origin == hk::Origin::library) needs += " [library baseline]";
      for (const std::string& alias : row->aliases) needs += " [also selected as '" + alias + "']";
    }
    std::printf("  %-19s %-8s %-15s %-8s %-3s %s%s\n", v.op.c_str(), hk::to_string(v.backend).c_str(), v.variant.c_str(),
                dtypes.c_str(), v.supported ? "yes" : "no", v.summary.c_str(), needs.c_str());
  }
  std::printf("\npeers:\n");
  for (const auto& [k, v] : peer_library_versions()) std::printf("  %-13s %s\n", k.c_str(), v.c_str());
  // What `auto` does with host data here (hk/choice.hpp), at a few sizes.
  const hk::MachineProfile mp = hk::machine_profile();
  std::printf("\nauto, for host data (%s):\n", mp.source.c_str());
  if (!mp.gpu_name.empty())
    std::printf("  rates: cpu %.0f GFLOP/s f32, %.0f GOP/s int8, %.0f GB/s, %.2f us a call; %s %.0f GFLOP/s, %.0f GB/s; "
                "link %.1f GB/s, %.1f us a copy; launch %.1f us\n",
                mp.cpu_fp32_flops / 1e9, mp.cpu_int8_ops / 1e9, mp.cpu_bytes_per_s / 1e9, mp.cpu_call_s * 1e6,
                mp.gpu_name.c_str(), mp.gpu_fp32_flops / 1e9, mp.gpu_bytes_per_s / 1e9, mp.link_bytes_per_s / 1e9,
                mp.link_latency_s * 1e6, mp.gpu_launch_s * 1e6);
  for (int64_t n : {64, 256, 1024, 4096}) {
    const hk::BackendChoice c = hk::explain_choice("matmul", {{n, n}, {n, n}});
    std::printf("  matmul %lldx%lldx%lld f32: %s\n", (long long)n, (long long)n, (long long)n, c.reason.c_str());
  }
  for (int64_t n : {int64_t(1) << 10, int64_t(1) << 20, int64_t(1) << 26}) {
    const hk::BackendChoice c = hk::explain_choice("relu", {{n}});
    std::printf("  relu %lld f32: %s\n", (long long)n, c.reason.c_str());
  }
  return 0;
}

}  // namespace hk_bench
