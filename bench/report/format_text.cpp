// The terminal table (the default) and markdown: one table per op and dtype.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "report/format.hpp"

namespace hk_bench {

namespace {

std::string printf_string(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// Display width of a UTF-8 string (counts code points; hk-bench uses no wide characters).
size_t width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool any_gpu(const Table& t) {
  return std::any_of(t.rows.begin(), t.rows.end(), [](const Result& r) { return r.backend == "cuda"; });
}

std::string table_unit(const Table& t) {
  std::string unit;
  for (const Result& r : t.rows) {
    if (r.status != Status::ok || r.is_peer) continue;
    if (unit.empty()) unit = r.rate_unit();
    else if (unit != r.rate_unit()) return "rate";
  }
  return unit.empty() ? "rate" : unit;
}

}  // namespace

TableCells table_cells(const Table& t) {
  TableCells c;
  const bool gpu = any_gpu(t);
  const std::string unit = table_unit(t);
  c.header = {"variant", "backend", "threads", "shape", "median ms (min–max)"};
  if (gpu) c.header.push_back("end-to-end ms");
  c.header.push_back(unit);
  for (const char* h : {"% peak", "bound", "vs naive", "vs best peer"}) c.header.push_back(h);
  for (const std::string& h : c.header)
    c.right.push_back(h == "threads" || h == unit || h == "% peak" || h == "vs naive" || h == "vs best peer" ||
                      h.rfind("median", 0) == 0 || h.rfind("end-to-end", 0) == 0);
  for (const Result& r : t.rows) {
    if (r.status == Status::validated) continue;  // listed separately: never timed
    std::vector<std::string> row = {r.variant, r.backend,
                                    r.threads > 0 ? std::to_string(r.threads) + (r.cpus_far ? "†" : "") : "-", r.shape};
    if (r.status != Status::ok) {
      row.push_back(r.status == Status::failed ? "FAILED" : "not timed");
      while (row.size() < c.header.size()) row.push_back("");
      c.rows.push_back(row);
      continue;
    }
    row.push_back(fmt_time_range(r.time));
    if (gpu) row.push_back(r.end_to_end ? fmt_time_range(*r.end_to_end) : "-");
    double rate = unit == "rate" ? r.rate() : (unit == "GB/s" ? r.gbps : r.gflops);
    std::string rate_text = fmt_rate(rate);
    if (unit == "rate" || (r.is_peer && r.rate_unit() != unit)) rate_text = fmt_rate(r.rate()) + " " + r.rate_unit();
    row.push_back(rate_text);
    row.push_back(r.percent_of_peak > 0 ? fmt_percent(r.percent_of_peak) + (r.cache_resident ? "*" : "") : "-");
    row.push_back(r.bound.empty() ? "-" : r.bound);
    row.push_back(r.speedup_vs_naive > 0 ? fmt_ratio(r.speedup_vs_naive) : "-");
    row.push_back(r.vs_best_peer > 0 ? fmt_ratio(r.vs_best_peer) : "-");
    c.rows.push_back(row);
  }
  return c;
}

std::vector<std::string> table_footnotes(const Table& t) {
  std::vector<std::string> out;
  bool cache = false;
  std::vector<std::pair<std::string, std::string>> simulated;  // shape → variants checked
  bool far = false;
  for (const Result& r : t.rows) {
    cache |= r.cache_resident;
    far |= r.cpus_far;
    if (r.status == Status::failed)
      out.push_back("FAILED " + r.backend + "/" + r.variant + " at " + r.shape + ": " + r.failure);
    else if (r.status == Status::skipped)
      out.push_back("not timed " + r.backend + "/" + r.variant + " at " + r.shape + ": " + r.failure);
    else if (r.status == Status::validated) {
      auto it = std::find_if(simulated.begin(), simulated.end(), [&](const auto& p) { return p.first == r.shape; });
      if (it == simulated.end()) simulated.emplace_back(r.shape, r.variant);
      else it->second += ", " + r.variant;
    }
  }
  for (const auto& [shape, variants] : simulated)
    out.push_back("cuda_sim " + variants + ": correct at " + shape +
                  " (a functional simulation on the CPU: checked against fp64, never timed)");
  if (cache) out.push_back("* working set fits in the last-level cache: the DRAM roof doesn't bind");
  if (far) out.push_back("† timed while its CPUs were far apart (cores that share no cache): see the notes");
  for (const std::string& n : t.notes) out.push_back(n);
  return out;
}

namespace {

std::string peaks_line(const Report& rep, const char* what) {
  std::string s;
  for (const Peaks& p : rep.roofline.cpu) {
    double v = std::string(what) == "fp32" ? p.fp32_gflops
               : std::string(what) == "int8" ? p.int8_gops
               : std::string(what) == "tiles" ? p.int8_tile_gops
               : std::string(what) == "read" ? p.read_gbps
                                             : p.copy_gbps;
    s += (s.empty() ? "" : " | ") + (v > 0 ? fmt_rate(v) : std::string("n/a")) + " @" + std::to_string(p.threads) + "t";
  }
  return s;
}

}  // namespace

std::string fmt_ms(double ms) {
  if (ms >= 100) return printf_string("%.1f", ms);
  if (ms >= 10) return printf_string("%.2f", ms);
  if (ms >= 1) return printf_string("%.3f", ms);
  return printf_string("%.4f", ms);
}
std::string fmt_seconds(double s, int significant) {
  // Enough digits for the whole seconds too, so that 3600 never becomes 3.6e+03.
  const int digits = s >= 1 ? std::max(significant, int(std::floor(std::log10(s))) + 1) : significant;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, s);
  return buf;
}
std::string fmt_rate(double v) { return printf_string(v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v); }
std::string fmt_percent(double p) { return printf_string(p >= 10 ? "%.0f%%" : "%.1f%%", p); }
std::string fmt_ratio(double r) { return printf_string(r >= 10 ? "%.1fx" : "%.2fx", r); }
std::string fmt_time_range(const Timing& t) {
  return fmt_ms(t.median_ms) + " (" + fmt_ms(t.min_ms) + "–" + fmt_ms(t.max_ms) + ")";
}

std::string format_table(const Report& rep) {
  std::ostringstream out;
  const Environment& env = rep.env;
  out << "hk-bench " << env.value("hk version") << " — " << env.value("cpu model") << ", " << env.value("hk threads")
      << " threads, SIMD " << env.value("cpu isa in use") << " (Highway " << env.value("highway target") << ")\n";
  out << "load average " << env.value("load average") << "; OPENBLAS_CORETYPE=" << env.value("OPENBLAS_CORETYPE")
      << ", OPENBLAS_L2_SIZE=" << env.value("OPENBLAS_L2_SIZE") << "\n";
  if (!rep.roofline.cpu.empty()) {
    out << "machine peaks, measured at the start and end of this run (the higher counts):\n"
        << "  fp32 FMA     " << peaks_line(rep, "fp32") << " GFLOP/s  (" << rep.roofline.fp32_how << ")\n"
        << "  int8 dot     " << peaks_line(rep, "int8") << " GOP/s  (" << rep.roofline.int8_how << ")\n"
        << "  int8 tiles   " << peaks_line(rep, "tiles") << " GOP/s  (" << rep.roofline.int8_tile_how << ")\n"
        << "  memory read  " << peaks_line(rep, "read") << " GB/s\n"
        << "  memory copy  " << peaks_line(rep, "copy") << " GB/s  (" << rep.roofline.memory_how << ")\n";
  }
  for (const GpuInfo& g : env.gpus)
    out << "  GPU " << g.name << " " << g.capability << ": " << fmt_rate(g.fp32_gflops) << " GFLOP/s fp32, "
        << fmt_rate(g.mem_gbps) << " GB/s (device properties)\n";
  for (const std::string& n : rep.notes) out << "note: " << n << "\n";

  for (const Table& t : rep.tables) {
    TableCells c = table_cells(t);
    out << "\n" << t.title << "\n";
    std::vector<size_t> w(c.header.size(), 0);
    for (size_t i = 0; i < c.header.size(); ++i) w[i] = width(c.header[i]);
    for (const auto& row : c.rows)
      for (size_t i = 0; i < row.size(); ++i) w[i] = std::max(w[i], width(row[i]));
    auto line = [&](const std::vector<std::string>& row) {
      std::string s = " ";
      for (size_t i = 0; i < row.size(); ++i) {
        std::string pad(w[i] - width(row[i]), ' ');
        bool right = c.right[i] && row[i] != "FAILED" && row[i] != "not timed";
        s += (i ? "  " : " ") + (right ? pad + row[i] : row[i] + pad);
      }
      while (!s.empty() && s.back() == ' ') s.pop_back();
      out << s << "\n";
    };
    line(c.header);
    size_t total = 0;
    for (size_t x : w) total += x + 2;
    // Shapes are separated by a blank line, hk's rows from the peers by a rule.
    for (size_t i = 0; i < c.rows.size(); ++i) {
      bool new_shape = i > 0 && c.rows[i][3] != c.rows[i - 1][3];
      if (new_shape) out << "\n";
      if (c.rows[i][1] == "peer" && i > 0 && !new_shape && c.rows[i - 1][1] != "peer")
        out << "  " << std::string(total - 2, '-') << "\n";
      line(c.rows[i]);
    }
    for (const std::string& f : table_footnotes(t)) out << "  " << f << "\n";
  }
  for (const Crossover& x : rep.crossovers) out << "\ncrossover " << x.op << " " << hk::to_string(x.dtype) << ": " << x.text << "\n";
  if (rep.failures) out << "\n" << failures_line(rep) << "\n";
  return out.str();
}

std::string format_markdown(const Report& rep) {
  std::ostringstream out;
  out << "# hk-bench " << (rep.command == "sweep" ? "sweep" : "run") << "\n\n## Environment\n\n| key | value |\n|---|---|\n";
  auto esc = [](std::string s) {
    std::string o;
    for (char ch : s) o += ch == '|' ? std::string("\\|") : std::string(1, ch);
    return o;
  };
  for (const auto& [k, v] : rep.env.fields) out << "| " << esc(k) << " | " << esc(v) << " |\n";
  for (const auto& [k, v] : rep.env.variables) out << "| `" << k << "` | " << esc(v) << " |\n";
  for (const auto& [k, v] : rep.settings) out << "| " << esc(k) << " | " << esc(v) << " |\n";
  // The command that made this report, so a saved copy says how to make it again (the
  // program's own path left out: it differs between checkouts).
  std::string command = "hk-bench";
  for (size_t i = 1; i < rep.argv.size(); ++i) command += " " + rep.argv[i];
  if (!rep.argv.empty()) out << "| command | `" << esc(command) << "` |\n";
  out << "\n## Machine peaks (measured)\n\n| threads | fp32 GFLOP/s | int8 GOP/s | int8 tiles GOP/s | read GB/s | copy GB/s |\n"
         "|---:|---:|---:|---:|---:|---:|\n";
  for (const Peaks& p : rep.roofline.cpu)
    out << "| " << p.threads << " | " << fmt_rate(p.fp32_gflops) << " | " << (p.int8_gops > 0 ? fmt_rate(p.int8_gops) : "n/a")
        << " | " << (p.int8_tile_gops > 0 ? fmt_rate(p.int8_tile_gops) : "n/a") << " | " << fmt_rate(p.read_gbps) << " | "
        << fmt_rate(p.copy_gbps) << " |\n";
  out << "\nfp32: " << rep.roofline.fp32_how << "; int8: " << rep.roofline.int8_how << "; int8 tiles: "
      << rep.roofline.int8_tile_how << "; memory: " << rep.roofline.memory_how << "\n";
  for (const std::string& n : rep.notes) out << "\n> " << esc(n) << "\n";
  for (const Table& t : rep.tables) {
    TableCells c = table_cells(t);
    out << "\n## " << t.title << "\n\n|";
    for (const std::string& h : c.header) out << " " << esc(h) << " |";
    out << "\n|";
    for (size_t i = 0; i < c.header.size(); ++i) out << (c.right[i] ? "---:|" : "---|");
    out << "\n";
    for (const auto& row : c.rows) {
      out << "|";
      for (const std::string& cell : row) out << " " << (cell == "FAILED" ? "**FAILED**" : esc(cell)) << " |";
      out << "\n";
    }
    std::vector<std::string> f = table_footnotes(t);
    if (!f.empty()) out << "\n";
    for (const std::string& line : f) out << "- " << esc(line) << "\n";
  }
  for (const Crossover& x : rep.crossovers) out << "\n**Crossover " << x.op << " " << hk::to_string(x.dtype) << "**: " << esc(x.text) << "\n";
  return out.str();
}

Format parse_format(const std::string& name) {
  if (name == "table") return Format::table;
  if (name == "markdown" || name == "md") return Format::markdown;
  if (name == "csv") return Format::csv;
  if (name == "json") return Format::json;
  throw hk::InvalidArgument("unknown format '" + name + "': use table, markdown, csv or json");
}

std::string format_report(const Report& report, Format format) {
  switch (format) {
    case Format::table: return format_table(report);
    case Format::markdown: return format_markdown(report);
    case Format::csv: return format_csv(report);
    case Format::json: return format_json(report);
  }
  return "";
}

}  // namespace hk_bench
