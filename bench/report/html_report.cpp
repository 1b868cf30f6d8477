// The HTML report: one self-contained file (inline CSS and SVG, no scripts, nothing fetched)
// with the environment, the machine's peaks, and per op the ladder as bars (% of peak), the
// thread sweep and the size sweep (crossover marked) as lines, and the table.
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "report/format.hpp"
#include "report/svg_charts.hpp"
#include "run/sweep.hpp"
#include "run/suite.hpp"

namespace hk_bench {

namespace {

const char* kStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1040px; color: #222; padding: 0 16px; }
h1 { font-size: 24px; margin-bottom: 4px; } h2 { font-size: 19px; margin-top: 36px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; color: #444; }
.sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { padding: 3px 9px; border-bottom: 1px solid #eee; text-align: left; white-space: nowrap; }
th { background: #f6f6f6; } td.r, th.r { text-align: right; font-variant-numeric: tabular-nums; }
tr.peer td { color: #666; } td.failed { color: #c00; font-weight: bold; }
.note { background: #fff8e5; border-left: 4px solid #e0b000; padding: 6px 10px; margin: 6px 0; font-size: 13px; }
.foot { font-size: 12px; color: #555; margin: 2px 0; }
.charts svg { display: block; margin: 10px 0 18px; max-width: 100%; height: auto; }
details { margin-top: 28px; } summary { cursor: pointer; font-weight: bold; }
code { background: #f3f3f3; padding: 1px 4px; border-radius: 3px; }
)";

std::string esc(const std::string& s) { return escape_xml(s); }

std::string slug(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  return s;
}

std::string implementation(const Result& r) {
  return r.backend == "peer" ? r.variant + " (peer)" : r.backend + "/" + r.variant;
}

std::string html_table(const Table& t) {
  TableCells c = table_cells(t);
  std::ostringstream s;
  s << "<table>\n<tr>";
  for (size_t i = 0; i < c.header.size(); ++i) s << "<th" << (c.right[i] ? " class=\"r\"" : "") << ">" << esc(c.header[i]) << "</th>";
  s << "</tr>\n";
  for (const auto& row : c.rows) {
    s << "<tr" << (row[1] == "peer" ? " class=\"peer\"" : "") << ">";
    for (size_t i = 0; i < row.size(); ++i) {
      bool failed = row[i] == "FAILED";
      s << "<td" << (failed ? " class=\"failed\"" : c.right[i] ? " class=\"r\"" : "") << ">" << esc(row[i]) << "</td>";
    }
    s << "</tr>\n";
  }
  s << "</table>\n";
  for (const std::string& f : table_footnotes(t)) s << "<p class=\"foot\">" << esc(f) << "</p>\n";
  return s.str();
}

// The ladder at one shape: every row as a bar of % of peak.
std::string ladder_chart(const Table& t, const std::string& shape, int index) {
  std::vector<Bar> bars;
  for (const Result& r : t.rows) {
    if (r.shape != shape || r.status == Status::validated || r.status == Status::skipped) continue;
    Bar b;
    b.label = implementation(r) + (r.threads > 0 ? " · " + std::to_string(r.threads) + "t" : "");
    b.peer = r.is_peer;
    b.failed = r.status == Status::failed;
    b.value = r.percent_of_peak;
    if (!b.failed)
      b.text = fmt_rate(r.rate()) + " " + r.rate_unit() + (r.percent_of_peak > 0 ? " · " + fmt_percent(r.percent_of_peak) : "") +
               (r.cache_resident ? " (cache)" : "");
    bars.push_back(b);
  }
  if (bars.empty()) return "";
  return bar_chart("ladder-" + slug(t.title) + "-" + std::to_string(index),
                   t.title + " " + shape + ": % of this machine's measured peak", bars);
}

// Rate against thread count for every implementation timed at more than one thread count.
std::string thread_chart(const Table& t, const std::string& shape, int index) {
  std::map<std::string, Series> by_name;
  std::vector<std::string> order;
  std::string unit;
  for (const Result& r : t.rows) {
    if (r.shape != shape || r.status != Status::ok || r.threads <= 0) continue;
    std::string name = implementation(r);
    if (!by_name.count(name)) order.push_back(name);
    Series& se = by_name[name];
    se.name = name;
    se.peer = r.is_peer;
    se.points.emplace_back(r.threads, r.rate());
    if (unit.empty()) unit = r.rate_unit();
  }
  std::vector<Series> series;
  std::set<double> xs;
  for (const std::string& n : order)
    if (by_name[n].points.size() > 1) {
      std::sort(by_name[n].points.begin(), by_name[n].points.end());
      for (auto p : by_name[n].points) xs.insert(p.first);
      series.push_back(by_name[n]);
    }
  if (series.empty()) return "";
  return line_chart("threads-" + slug(t.title) + "-" + std::to_string(index), t.title + " " + shape + ": thread sweep",
                    series, "threads", unit, false, std::nullopt, "");
}

// Rate against size for every implementation (at its largest thread count), with the
// crossover when there is one.
std::string size_chart(const Report& rep, const Table& t) {
  // A zero size does no work, so it has no rate, and has no place on the log axis: the table
  // shows it, the chart leaves it out.
  auto drawn = [](const Result& r) { return r.status == Status::ok && scalar_size(r) > 0; };
  std::set<std::string> shapes;
  for (const Result& r : t.rows)
    if (drawn(r)) shapes.insert(r.shape);  // not the cuda_sim checks' own shape
  if (shapes.size() < 2) return "";
  std::map<std::string, int> max_threads;
  for (const Result& r : t.rows)
    if (r.status == Status::ok) max_threads[implementation(r)] = std::max(max_threads[implementation(r)], r.threads);
  std::map<std::string, Series> by_name;
  std::vector<std::string> order;
  std::string unit;
  for (const Result& r : t.rows) {
    if (!drawn(r) || r.threads != max_threads[implementation(r)]) continue;
    std::string name = implementation(r);
    if (!by_name.count(name)) order.push_back(name);
    by_name[name].name = name + (r.threads > 0 ? " · " + std::to_string(r.threads) + "t" : "");
    by_name[name].peer = r.is_peer;
    by_name[name].points.emplace_back(scalar_size(r), r.rate());
    if (unit.empty() && !r.is_peer) unit = r.rate_unit();
  }
  std::vector<Series> series;
  for (const std::string& n : order) {
    std::sort(by_name[n].points.begin(), by_name[n].points.end());
    series.push_back(by_name[n]);
  }
  std::optional<std::pair<double, std::string>> marker;
  std::string note;
  bool gpu_rows = false;
  for (const Result& r : t.rows) gpu_rows |= r.backend == "cuda" && r.status == Status::ok;
  for (const Crossover& x : rep.crossovers) {
    if (x.op != t.op || x.dtype != t.dtype) continue;
    if (x.found && !marker) marker = std::make_pair(x.size, "GPU overtakes CPU (" + x.measure + ")");
  }
  if (!gpu_rows) note = "no GPU in this run: no CPU/GPU crossover to mark";
  else if (!marker) note = "the GPU does not overtake the best CPU variant in this range";
  return line_chart("sizes-" + slug(t.title), t.title + ": size sweep", series, is_matmul(t.op) ? "N (cube root of M·K·N)" : "n",
                    unit.empty() ? "rate" : unit, true, marker, note);
}

}  // namespace

std::string format_html(const Report& rep) {
  std::ostringstream s;
  const Environment& env = rep.env;
  s << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<title>hk-bench " << esc(rep.command) << " — " << esc(env.value("cpu model")) << "</title>\n<style>" << kStyle
    << "</style>\n</head>\n<body>\n";
  s << "<h1>hk-bench " << esc(rep.command) << "</h1>\n<p class=\"sub\">" << esc(env.value("cpu model")) << " · "
    << esc(env.value("hk threads")) << " threads · SIMD " << esc(env.value("cpu isa in use")) << " (Highway "
    << esc(env.value("highway target")) << ") · " << esc(env.value("date")) << " · load " << esc(env.value("load average"))
    << "</p>\n";
  s << "<p class=\"foot\">Every number below was validated against fp64 before it was timed; FAILED rows have no number. "
       "Medians of repeated calls after warm-up; % of peak is against this machine's peaks measured at the start and end of "
       "this run (the higher counts), at the row's thread count.</p>\n";
  for (const std::string& n : rep.notes) s << "<p class=\"note\">" << esc(n) << "</p>\n";
  if (rep.failures) s << "<p class=\"note\">" << esc(failures_line(rep)) << ".</p>\n";

  s << "<h2>Machine peaks (measured in this run)</h2>\n<table>\n<tr><th class=\"r\">threads</th><th class=\"r\">fp32 GFLOP/s</th>"
       "<th class=\"r\">int8 GOP/s</th><th class=\"r\">int8 tiles GOP/s</th><th class=\"r\">memory read GB/s</th>"
       "<th class=\"r\">memory copy GB/s</th></tr>\n";
  for (const Peaks& p : rep.roofline.cpu)
    s << "<tr><td class=\"r\">" << p.threads << "</td><td class=\"r\">" << fmt_rate(p.fp32_gflops) << "</td><td class=\"r\">"
      << (p.int8_gops > 0 ? fmt_rate(p.int8_gops) : "n/a") << "</td><td class=\"r\">"
      << (p.int8_tile_gops > 0 ? fmt_rate(p.int8_tile_gops) : "n/a") << "</td><td class=\"r\">" << fmt_rate(p.read_gbps)
      << "</td><td class=\"r\">" << fmt_rate(p.copy_gbps) << "</td></tr>\n";
  s << "</table>\n<p class=\"foot\">fp32: " << esc(rep.roofline.fp32_how) << "; int8: " << esc(rep.roofline.int8_how)
    << "; int8 tiles: " << esc(rep.roofline.int8_tile_how)
    << "; memory: " << esc(rep.roofline.memory_how) << "</p>\n";
  for (const GpuInfo& g : env.gpus)
    s << "<p class=\"foot\">GPU " << esc(g.name) << " " << esc(g.capability) << ": " << fmt_rate(g.fp32_gflops)
      << " GFLOP/s fp32, " << fmt_rate(g.int8_gops) << " GOP/s int8, " << fmt_rate(g.mem_gbps)
      << " GB/s (from device properties)</p>\n";

  for (const Table& t : rep.tables) {
    s << "<h2 id=\"" << slug(t.title) << "\">" << esc(t.title) << "</h2>\n<div class=\"charts\">\n";
    std::vector<std::string> shapes;  // of the timed and failed rows (cuda_sim checks have their own)
    for (const Result& r : t.rows)
      if (r.status != Status::validated && std::find(shapes.begin(), shapes.end(), r.shape) == shapes.end())
        shapes.push_back(r.shape);
    std::string sizes = size_chart(rep, t);
    for (size_t i = 0; i < shapes.size(); ++i) {
      if (shapes.size() > 1 && i + 1 != shapes.size() && rep.command == "sweep") continue;  // sweep: the largest size only
      s << ladder_chart(t, shapes[i], int(i)) << thread_chart(t, shapes[i], int(i));
    }
    if (!sizes.empty()) s << sizes;
    else s << "<p class=\"foot\">One size in this run: <code>hk-bench sweep --op " << esc(t.op) << " --html FILE</code> draws the size sweep.</p>\n";
    s << "</div>\n" << html_table(t);
  }
  for (const std::string& section : rep.gpu_counters_html) s << section;  // the GPU kernels' memory counters
  for (const Crossover& x : rep.crossovers)
    s << "<p class=\"note\">Crossover " << esc(x.op) << " " << esc(hk::to_string(x.dtype)) << ": " << esc(x.text) << "</p>\n";

  s << "<details>\n<summary>Environment</summary>\n<table>\n";
  for (const auto& [k, v] : env.fields) s << "<tr><th>" << esc(k) << "</th><td>" << esc(v) << "</td></tr>\n";
  for (const auto& [k, v] : env.variables) s << "<tr><th><code>" << esc(k) << "</code></th><td>" << esc(v) << "</td></tr>\n";
  for (const auto& [k, v] : rep.settings) s << "<tr><th>" << esc(k) << "</th><td>" << esc(v) << "</td></tr>\n";
  s << "<tr><th>command</th><td>";
  for (const std::string& a : rep.argv) s << esc(a) << " ";
  s << "</td></tr>\n</table>\n</details>\n</body>\n</html>\n";
  return s.str();
}

}  // namespace hk_bench
