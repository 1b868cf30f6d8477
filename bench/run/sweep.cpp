#include "run/sweep.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "run/commands.hpp"
#include "report/format.hpp"
#include "run/preflight.hpp"
#include "run/session.hpp"
#include "run/workload.hpp"
#include "run/suite.hpp"

namespace hk_bench {

double scalar_size(const Result& r) {
  if (r.dims.size() == 3) return std::cbrt(double(r.dims[0]) * double(r.dims[1]) * double(r.dims[2]));
  return r.dims.empty() ? 0 : double(r.dims[0]);
}

Crossover find_crossover(const std::vector<double>& sizes, const std::vector<double>& cpu_ms,
                         const std::vector<double>& gpu_ms) {
  Crossover x;
  std::vector<size_t> both;
  for (size_t i = 0; i < sizes.size(); ++i)
    if (cpu_ms[i] > 0 && gpu_ms[i] > 0) both.push_back(i);
  if (both.empty()) {
    x.text = "no size was measured on both the CPU and the GPU";
    return x;
  }
  // The first measured size from which the GPU is faster at every later measured size.
  size_t first = both.size();
  for (size_t j = both.size(); j-- > 0;) {
    if (gpu_ms[both[j]] < cpu_ms[both[j]]) first = j;
    else break;
  }
  auto fmt = [](double v) {
    std::ostringstream s;
    s << std::llround(v);
    return s.str();
  };
  if (first == both.size()) {
    x.text = "the GPU does not overtake the best CPU variant up to size " + fmt(sizes[both.back()]);
    return x;
  }
  x.found = true;
  size_t i = both[first];
  if (first == 0) {
    x.size = sizes[i];
    x.text = "the GPU is faster from the smallest size measured (" + fmt(sizes[i]) + ")";
    return x;
  }
  size_t h = both[first - 1];
  // log(gpu/cpu) goes from ≥ 0 at sizes[h] to < 0 at sizes[i]: interpolate its zero in log(size).
  double ra = std::log(gpu_ms[h] / cpu_ms[h]), rb = std::log(gpu_ms[i] / cpu_ms[i]);
  double f = ra / (ra - rb);
  x.size = std::exp(std::log(sizes[h]) + f * (std::log(sizes[i]) - std::log(sizes[h])));
  x.text = "the GPU overtakes the best CPU variant between " + fmt(sizes[h]) + " and " + fmt(sizes[i]) + " (≈" +
           fmt(x.size) + ")";
  return x;
}

std::vector<Crossover> crossovers_of(const Table& t, const std::vector<hk::BackendInfo>& backends) {
  std::vector<Crossover> out;
  for (const hk::BackendInfo& b : backends)
    if (b.backend == hk::Backend::cuda && !b.available) {
      Crossover x;
      x.op = t.op;
      x.dtype = t.dtype;
      x.text = "no GPU here, so no CPU/GPU crossover to report (cuda backend unavailable: " + b.reason + ")";
      return {x};
    }
  std::vector<double> sizes;
  for (const Result& r : t.rows)
    if (std::find(sizes.begin(), sizes.end(), scalar_size(r)) == sizes.end()) sizes.push_back(scalar_size(r));
  std::sort(sizes.begin(), sizes.end());
  for (const char* measure : {"end-to-end", "kernel-only"}) {
    std::vector<double> cpu(sizes.size(), 0), gpu(sizes.size(), 0);
    for (const Result& r : t.rows) {
      if (r.status != Status::ok || r.is_peer) continue;
      size_t i = size_t(std::find(sizes.begin(), sizes.end(), scalar_size(r)) - sizes.begin());
      double ms = r.time.median_ms;
      if (r.backend == "cuda") {
        if (std::string(measure) == "end-to-end" && r.end_to_end) ms = r.end_to_end->median_ms;
        if (gpu[i] == 0 || ms < gpu[i]) gpu[i] = ms;
      } else if (r.backend == "cpu") {
        if (cpu[i] == 0 || ms < cpu[i]) cpu[i] = ms;
      }
    }
    Crossover x = find_crossover(sizes, cpu, gpu);
    x.op = t.op;
    x.dtype = t.dtype;
    x.measure = measure;
    x.text = std::string(measure) + ": " + x.text;
    out.push_back(x);
  }
  return out;
}

std::string format_sweep_table(const Report& rep) {
  std::ostringstream out;
  Report header = rep;
  header.tables.clear();
  header.crossovers.clear();
  header.failures = 0;
  out << format_table(header);
  for (const Table& t : rep.tables) {
    std::vector<std::string> shapes;
    std::map<std::string, std::map<std::string, std::string>> cells;  // implementation → shape → text
    std::vector<std::string> order;
    std::string unit;
    for (const Result& r : t.rows) {
      if (r.status == Status::validated) continue;  // cuda_sim checks: a footnote, at their own shape
      if (std::find(shapes.begin(), shapes.end(), r.shape) == shapes.end()) shapes.push_back(r.shape);
      std::string name = r.backend + "/" + r.variant + (r.threads > 0 ? " t=" + std::to_string(r.threads) : "");
      if (std::find(order.begin(), order.end(), name) == order.end()) order.push_back(name);
      std::string cell = r.status == Status::ok ? fmt_rate(r.rate()) : r.status == Status::failed ? "FAILED" : "-";
      if (r.status == Status::ok && !r.is_peer && unit.empty()) unit = r.rate_unit();
      cells[name][r.shape] = cell;
    }
    out << "\n" << t.title << " — " << (unit.empty() ? "rate" : unit) << " by size (median)\n";
    size_t w0 = 8;
    for (const std::string& n : order) w0 = std::max(w0, n.size());
    std::vector<size_t> w;
    for (const std::string& s : shapes) w.push_back(std::max<size_t>(s.size(), 7));
    out << "  " << std::string(w0, ' ');
    for (size_t i = 0; i < shapes.size(); ++i) out << "  " << std::string(w[i] - shapes[i].size(), ' ') << shapes[i];
    out << "\n";
    for (const std::string& n : order) {
      out << "  " << n << std::string(w0 - n.size(), ' ');
      for (size_t i = 0; i < shapes.size(); ++i) {
        std::string c = cells[n].count(shapes[i]) ? cells[n][shapes[i]] : "";
        out << "  " << std::string(w[i] - std::min(w[i], c.size()), ' ') << c;
      }
      out << "\n";
    }
    for (const std::string& f : table_footnotes(t))
      if (f.rfind("*", 0) != 0) out << "  " << f << "\n";  // the cache footnote needs the % column
  }
  for (const Crossover& x : rep.crossovers)
    out << "\ncrossover " << x.op << " " << hk::to_string(x.dtype) << ": " << x.text << "\n";
  if (rep.failures) out << "\n" << failures_line(rep) << "\n";
  return out.str();
}

int sweep_command(const Args& in) {
  Args args = in;
  if (args.ops.empty()) args.ops = {"matmul:f32"};
  if (args.threads.empty()) args.threads = {hk::num_threads()};
  std::vector<Case> cases = select_cases(args.ops, expand_sizes(args.sizes));
  if (args.sizes.empty())
    for (Case& c : cases) c.sizes = is_matmul(c.op) ? expand_sizes({"64..1024"}) : expand_sizes({"4096..67108864*4"});
  check_before_measuring(args, cases);  // bad arguments fail before anything is measured
  Session s(args, "sweep", 2.0);
  // Skip an implementation at a size once its time predicted from the previous size (scaled
  // by the work model) passes --max-call.
  std::map<std::string, Result> last;
  const double budget = s.runner->options().max_call;
  Table* current = nullptr;
  s.runner->skip = [&](const std::string& backend, const std::string& variant, const hk::Work& work) -> std::string {
    if (!current) return "";
    for (auto it = current->rows.rbegin(); it != current->rows.rend(); ++it) {
      const Result& r = *it;
      if (r.backend != backend || r.variant != variant) continue;
      if (r.status == Status::skipped) return "skipped at a smaller size already";
      if (r.status != Status::ok) return "";
      double scale = r.flops > 0 && work.flops > 0 ? work.flops / r.flops : work.bytes / std::max(r.bytes, 1.0);
      double predicted = r.time.median_ms * 1e-3 * scale;
      if (predicted > budget)
        return "predicted " + fmt_ms(predicted * 1e3) + " ms per call from the previous size (> --max-call " +
               fmt_ms(budget * 1e3) + " ms)";
      return "";
    }
    return "";
  };
  int steps = 0;
  for (const Case& c : cases) steps += s.runner->planned_steps(c);
  Progress progress(steps, args.progress);
  for (const Case& c : cases) {
    s.report.tables.push_back(Table{c.op, c.dtype, c.title(), {}, {}});
    current = &s.report.tables.back();
    for (const std::string& size : c.sizes) s.run_case(c, size, *current, progress);
    annotate(*current);
    for (Crossover& x : crossovers_of(*current, s.report.env.backends)) s.report.crossovers.push_back(x);
  }
  current = nullptr;
  progress.finish();
  s.finish();
  emit(s.report, args, format_sweep_table(s.report));
  return s.report.errors ? 2 : s.report.failures > s.report.peer_failures ? 1 : 0;
}

}  // namespace hk_bench
