#include "explain/profile.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "hk/registry.hpp"
#include "report/format.hpp"
#include "run/commands.hpp"
#include "run/preflight.hpp"
#include "run/suite.hpp"
#include "run/workload.hpp"

namespace hk_bench {

namespace {

using hk::sim::SimCounters;

std::string grouped(uint64_t v) {  // 1048576 → "1,048,576"
  const std::string digits = std::to_string(v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string fixed(double v, int digits = 2) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

double ratio(double a, double b) { return b > 0 ? a / b : 0; }

// One line of the side-by-side table: a label, the Nsight Compute metric it reproduces (or
// how it is derived), and one cell per variant.
struct Line {
  std::string label, metric;
  std::vector<std::string> cells;
};

std::vector<Line> table_lines(const ProfileReport& r) {
  std::vector<Line> lines;
  auto add = [&](std::string label, std::string metric, auto cell) {
    Line l{std::move(label), std::move(metric), {}};
    for (const ProfiledVariant& v : r.variants) l.cells.push_back(cell(v));
    lines.push_back(std::move(l));
  };
  auto count = [&](std::string label, std::string metric, uint64_t SimCounters::*field) {
    add(std::move(label), std::move(metric), [&](const ProfiledVariant& v) { return grouped(v.total.*field); });
  };
  add("grid x block", "launch configuration", [](const ProfiledVariant& v) {
    if (v.launches.empty()) return std::string("-");
    const auto& k = v.launches[0];
    return std::to_string(k.grid[0]) + "x" + std::to_string(k.grid[1]) + " x " + std::to_string(k.block[0]) + "x" +
           std::to_string(k.block[1]) + (v.launches.size() > 1 ? " (+" + std::to_string(v.launches.size() - 1) + ")" : "");
  });
  count("global load requests", "l1tex__t_requests_pipe_lsu_mem_global_op_ld.sum", &SimCounters::global_ld_requests);
  count("global load sectors", "l1tex__t_sectors_pipe_lsu_mem_global_op_ld.sum", &SimCounters::global_ld_sectors);
  add("  sectors per request", "4 = a warp's 32 floats, coalesced", [](const ProfiledVariant& v) {
    return fixed(ratio(double(v.total.global_ld_sectors), double(v.total.global_ld_requests)));
  });
  count("global store requests", "l1tex__t_requests_pipe_lsu_mem_global_op_st.sum", &SimCounters::global_st_requests);
  count("global store sectors", "l1tex__t_sectors_pipe_lsu_mem_global_op_st.sum", &SimCounters::global_st_sectors);
  count("shared load requests", "smsp__sass_inst_executed_op_shared_ld.sum", &SimCounters::shared_ld_requests);
  count("shared load wavefronts", "l1tex__data_pipe_lsu_wavefronts_mem_shared_op_ld.sum", &SimCounters::shared_ld_wavefronts);
  count("shared load bank conflicts", "l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum",
        &SimCounters::shared_ld_bank_conflicts);
  count("shared store requests", "smsp__sass_inst_executed_op_shared_st.sum", &SimCounters::shared_st_requests);
  count("shared store wavefronts", "l1tex__data_pipe_lsu_wavefronts_mem_shared_op_st.sum", &SimCounters::shared_st_wavefronts);
  count("shared store bank conflicts", "l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_st.sum",
        &SimCounters::shared_st_bank_conflicts);
  count("barriers (per warp)", "__syncthreads executed, warp-level", &SimCounters::barriers);
  const std::string unit = r.dtype == hk::DType::f32 ? "flops" : "ops";
  add(unit + " per global byte", "work model / (sectors x 32 B)", [&](const ProfiledVariant& v) {
    return fixed(ratio(r.flops, 32.0 * double(v.total.global_ld_sectors + v.total.global_st_sectors)));
  });
  add(unit + " per shared load", "work model / one thread's shared loads", [&](const ProfiledVariant& v) {
    return v.total.shared_ld_accesses ? fixed(ratio(r.flops, double(v.total.shared_ld_accesses))) : std::string("-");
  });
  add("result against fp64", "checked after the profiled call", [](const ProfiledVariant& v) {
    return v.check.empty() ? std::string("correct") : std::string("WRONG");
  });
  return lines;
}

uint64_t weight(const hk::sim::SimLineCounters& l) {
  const SimCounters& c = l.counters;
  return c.global_ld_sectors + c.global_st_sectors + c.shared_ld_wavefronts + c.shared_st_wavefronts;
}

std::string line_text(const hk::sim::SimLineCounters& l) {
  const SimCounters& c = l.counters;
  std::ostringstream s;
  if (c.global_ld_requests) s << "  global ld " << grouped(c.global_ld_requests) << " req / " << grouped(c.global_ld_sectors) << " sectors";
  if (c.global_st_requests) s << "  global st " << grouped(c.global_st_requests) << " req / " << grouped(c.global_st_sectors) << " sectors";
  if (c.shared_ld_requests)
    s << "  shared ld " << grouped(c.shared_ld_requests) << " req / " << grouped(c.shared_ld_wavefronts) << " wavefronts"
      << (c.shared_ld_bank_conflicts ? " (" + grouped(c.shared_ld_bank_conflicts) + " conflicts)" : "");
  if (c.shared_st_requests)
    s << "  shared st " << grouped(c.shared_st_requests) << " req / " << grouped(c.shared_st_wavefronts) << " wavefronts"
      << (c.shared_st_bank_conflicts ? " (" + grouped(c.shared_st_bank_conflicts) + " conflicts)" : "");
  return s.str();
}

constexpr std::size_t kHotLines = 5;

std::string counters_json(const SimCounters& c) {
  std::ostringstream s;
  s << "{\"global_ld_requests\": " << c.global_ld_requests << ", \"global_ld_sectors\": " << c.global_ld_sectors
    << ", \"global_st_requests\": " << c.global_st_requests << ", \"global_st_sectors\": " << c.global_st_sectors
    << ", \"shared_ld_requests\": " << c.shared_ld_requests << ", \"shared_ld_wavefronts\": " << c.shared_ld_wavefronts
    << ", \"shared_ld_bank_conflicts\": " << c.shared_ld_bank_conflicts << ", \"shared_st_requests\": " << c.shared_st_requests
    << ", \"shared_st_wavefronts\": " << c.shared_st_wavefronts << ", \"shared_st_bank_conflicts\": " << c.shared_st_bank_conflicts
    << ", \"global_ld_bytes\": " << c.global_ld_bytes << ", \"global_st_bytes\": " << c.global_st_bytes
    << ", \"shared_ld_accesses\": " << c.shared_ld_accesses << ", \"barriers\": " << c.barriers << "}";
  return s.str();
}

std::string html_escape(const std::string& t) {
  std::string o;
  for (char ch : t) o += ch == '<' ? "&lt;" : ch == '>' ? "&gt;" : ch == '&' ? "&amp;" : std::string(1, ch);
  return o;
}

}  // namespace

ProfileReport profile_ladder(const std::string& op, hk::DType dtype, const hk::Shape& dims,
                             const std::vector<std::string>& variants, int block_size) {
  ProfileReport r;
  r.op = op;
  r.dtype = dtype;
  r.dims = dims;
  r.block_size = block_size;
  Workload w(op, dtype, dims);
  r.label = w.label();
  r.flops = w.work().flops;
  if (!hk::sim::sim_checks_available()) {
    r.error = "this hk-bench was built with a sanitizer, so cuda_sim's profiler (instrumented kernels) is not in it";
    return r;
  }
  std::vector<const hk::VariantRow*> rows;
  for (const hk::VariantRow& row : hk::Registry::get().rows())
    if (row.op == op && row.backend == hk::Backend::cuda_sim && hk::Registry::kernel_for(row, dtype)) rows.push_back(&row);
  std::stable_sort(rows.begin(), rows.end(), [](const hk::VariantRow* a, const hk::VariantRow* b) { return a->rung < b->rung; });
  if (!variants.empty()) {
    std::vector<const hk::VariantRow*> chosen;
    for (const std::string& name : variants) {
      const hk::VariantRow* row = hk::Registry::get().find(op, hk::Backend::cuda_sim, name);
      if (!row || !hk::Registry::kernel_for(*row, dtype)) {
        std::string list;
        for (const hk::VariantRow* x : rows) list += (list.empty() ? "" : ", ") + x->variant;
        throw hk::InvalidArgument("profile: " + op + " " + hk::to_string(dtype) + " has no cuda_sim variant '" + name +
                                  "'; it has " + (list.empty() ? "none" : list));
      }
      chosen.push_back(row);
    }
    rows = chosen;
  }
  if (rows.empty())
    throw hk::InvalidArgument("profile: " + op + " " + hk::to_string(dtype) + " has no GPU kernel to profile (hk-bench list)");
  for (const hk::VariantRow* row : rows) {
    Operands& ops = w.host();
    hk::Options o{hk::Backend::cuda_sim, row->variant};
    o.block_size = block_size;
    ProfiledVariant v;
    v.variant = row->variant;
    v.launches = hk::sim::sim_profile([&] { w.call(o, ops); });
    for (const auto& k : v.launches) v.total += k.total;
    v.check = w.check(ops);
    r.variants.push_back(std::move(v));
  }
  return r;
}

std::string render_profile_text(const ProfileReport& r) {
  std::ostringstream s;
  s << "profile " << r.op << " " << hk::to_string(r.dtype) << " " << r.label
    << " on cuda_sim: every simulated access counted, as Nsight Compute counts on a GPU\n";
  if (!r.error.empty()) return s.str() + "  " + r.error + "\n";
  const std::vector<Line> lines = table_lines(r);
  std::size_t label_w = 0, metric_w = 0;
  std::vector<std::size_t> cell_w(r.variants.size(), 0);
  for (std::size_t i = 0; i < r.variants.size(); ++i) cell_w[i] = r.variants[i].variant.size();
  for (const Line& l : lines) {
    label_w = std::max(label_w, l.label.size());
    metric_w = std::max(metric_w, l.metric.size());
    for (std::size_t i = 0; i < l.cells.size(); ++i) cell_w[i] = std::max(cell_w[i], l.cells[i].size());
  }
  auto row = [&](const std::string& label, const std::vector<std::string>& cells, const std::string& metric) {
    s << "  " << label << std::string(label_w - label.size(), ' ');
    for (std::size_t i = 0; i < cells.size(); ++i) s << "  " << std::string(cell_w[i] - cells[i].size(), ' ') << cells[i];
    s << "   " << metric << "\n";
  };
  std::vector<std::string> names;
  for (const ProfiledVariant& v : r.variants) names.push_back(v.variant);
  row("", names, "Nsight Compute metric / how");
  for (const Line& l : lines) row(l.label, l.cells, l.metric);
  for (const ProfiledVariant& v : r.variants)
    if (!v.check.empty()) s << "  " << v.variant << " is WRONG: " << v.check << "\n";
  s << "\nhottest lines (global sectors + shared wavefronts):\n";
  for (const ProfiledVariant& v : r.variants) {
    s << "  " << v.variant << ":\n";
    for (const auto& k : v.launches) {
      std::vector<hk::sim::SimLineCounters> lines_by_weight = k.lines;
      std::size_t shown = 0;
      for (const auto& l : lines_by_weight) {
        if (shown == kHotLines || weight(l) == 0) break;
        s << "    " << l.file << ":" << l.line << line_text(l) << "\n";
        ++shown;
      }
    }
  }
  s << "\nCounts are per source-level access; nvcc may merge adjacent scalar accesses into 64- or 128-bit ones.\n"
       "tests/data/h200_ncu_matmul_256.csv holds what an H200 measured for hk's matmul ladder at 256^3.\n";
  return s.str();
}

std::string render_profile_json(const ProfileReport& r) {
  std::ostringstream s;
  s << "{\"op\": " << json_string(r.op) << ", \"dtype\": " << json_string(hk::to_string(r.dtype)) << ", \"shape\": [";
  for (std::size_t i = 0; i < r.dims.size(); ++i) s << (i ? ", " : "") << r.dims[i];
  s << "], \"backend\": \"cuda_sim\", \"work_flops\": " << r.flops << ", \"block_size\": " << r.block_size
    << ", \"error\": " << (r.error.empty() ? "null" : json_string(r.error)) << ", \"variants\": [";
  for (std::size_t i = 0; i < r.variants.size(); ++i) {
    const ProfiledVariant& v = r.variants[i];
    s << (i ? ", " : "") << "{\"variant\": " << json_string(v.variant) << ", \"correct\": " << (v.check.empty() ? "true" : "false")
      << ", \"counters\": " << counters_json(v.total) << ", \"launches\": [";
    for (std::size_t j = 0; j < v.launches.size(); ++j) {
      const auto& k = v.launches[j];
      s << (j ? ", " : "") << "{\"kernel\": " << json_string(k.kernel) << ", \"grid\": [" << k.grid[0] << ", " << k.grid[1]
        << ", " << k.grid[2] << "], \"block\": [" << k.block[0] << ", " << k.block[1] << ", " << k.block[2]
        << "], \"counters\": " << counters_json(k.total) << ", \"lines\": [";
      for (std::size_t n = 0; n < k.lines.size(); ++n) {
        const auto& l = k.lines[n];
        s << (n ? ", " : "") << "{\"file\": " << json_string(l.file) << ", \"line\": " << l.line
          << ", \"function\": " << json_string(l.function) << ", \"counters\": " << counters_json(l.counters) << "}";
      }
      s << "]}";
    }
    s << "]}";
  }
  s << "]}";
  return s.str();
}

std::string render_profile_html(const ProfileReport& r) {
  std::ostringstream s;
  s << "<h2 id=\"gpu-counters\">GPU memory counters: " << html_escape(r.op + " " + hk::to_string(r.dtype) + " " + r.label)
    << " on cuda_sim</h2>\n";
  if (!r.error.empty()) return s.str() + "<p class=\"note\">" + html_escape(r.error) + "</p>\n";
  s << "<p class=\"foot\">Every access of every simulated thread, counted as Nsight Compute counts on a GPU "
       "(<code>hk-bench profile</code>): coalescing as sectors per request, bank conflicts, reuse as arithmetic per "
       "byte.</p>\n<table>\n<tr><th></th>";
  for (const ProfiledVariant& v : r.variants) s << "<th class=\"r\">" << html_escape(v.variant) << "</th>";
  s << "<th>Nsight Compute metric / how</th></tr>\n";
  for (const Line& l : table_lines(r)) {
    s << "<tr><th>" << html_escape(l.label) << "</th>";
    for (const std::string& c : l.cells) s << "<td class=\"r\">" << html_escape(c) << "</td>";
    s << "<td><code>" << html_escape(l.metric) << "</code></td></tr>\n";
  }
  s << "</table>\n";
  return s.str();
}

ProfileReport profile_from_args(const Args& args) {
  const std::string spec = args.explain_op.empty() ? "matmul" : args.explain_op;
  const std::string op = spec.substr(0, spec.find(':'));
  hk::DType dtype = hk::DType::f32;
  if (spec.find(':') != std::string::npos) {
    const std::string d = spec.substr(spec.find(':') + 1);
    dtype = d == "i8" ? hk::DType::i8 : d == "i32" ? hk::DType::i32 : d == "f32" ? hk::DType::f32
                                                                        : throw hk::InvalidArgument("unknown dtype '" + d + "'");
  }
  for (const std::string& b : args.backends)
    if (b != "cuda_sim" && b != "cuda")
      throw hk::InvalidArgument("profile runs the GPU kernels under cuda_sim; --backend " + b + " has none to profile");
  check_environment();
  const hk::Shape dims = parse_size(op, args.size.empty() ? (is_matmul(op) ? "256" : "1048576") : args.size);
  return profile_ladder(op, dtype, dims, args.variants, args.block_size);
}

int profile_command(const Args& args) {
  if (args.format != "table" && args.format != "json")
    throw hk::InvalidArgument("profile --format takes table or json, got '" + args.format + "'");
  if (args.html.size()) {
    std::ofstream probe(args.html, std::ios::app);
    if (!probe) throw hk::InvalidArgument("cannot write --html " + args.html);
  }
  const ProfileReport r = profile_from_args(args);
  const std::string text = args.format == "json" ? render_profile_json(r) + "\n" : render_profile_text(r);
  if (args.output.empty()) {
    std::fputs(text.c_str(), stdout);
  } else {
    std::ofstream out(args.output);
    if (!(out << text)) throw hk::InvalidArgument("cannot write --output " + args.output);
  }
  if (!args.html.empty()) {
    std::ofstream html(args.html);
    html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>hk-bench profile</title>\n"
            "<style>body{font-family:sans-serif;max-width:70em;margin:1em auto}td.r,th.r{text-align:right}"
            "td,th{padding:2px 8px}</style>\n</head>\n<body>\n"
         << render_profile_html(r) << "</body>\n</html>\n";
    if (!html) throw hk::InvalidArgument("cannot write --html " + args.html);
  }
  for (const ProfiledVariant& v : r.variants)
    if (!v.check.empty()) return 1;
  return r.error.empty() ? 0 : 2;
}

}  // namespace hk_bench
