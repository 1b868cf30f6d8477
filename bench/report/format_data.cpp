// The machine-readable outputs: CSV (environment as leading "# key: value" lines, then one
// row per result) and JSON (bench/hk-bench.schema.json). Both carry the environment.
#include <cmath>
#include <cstdio>
#include <sstream>

#include "report/format.hpp"

namespace hk_bench {

namespace {

std::string num(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

}  // namespace

std::string json_string(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\t': o += "\\t"; break;
      case '\r': o += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          o += buf;
        } else {
          o += static_cast<char>(c);
        }
    }
  }
  return o + "\"";
}

namespace {

std::string json_fields(const Fields& f, const std::string& indent) {
  std::string o = "{";
  for (size_t i = 0; i < f.size(); ++i)
    o += (i ? ",\n" : "\n") + indent + "  " + json_string(f[i].first) + ": " + json_string(f[i].second);
  return o + "\n" + indent + "}";
}

std::string json_timing(const Timing& t) {
  return "{\"median\": " + num(t.median_ms) + ", \"min\": " + num(t.min_ms) + ", \"max\": " + num(t.max_ms) +
         ", \"repeats\": " + std::to_string(t.repeats) + "}";
}

std::string optional_num(double v) { return v > 0 ? num(v) : "null"; }

}  // namespace

std::string format_csv(const Report& rep) {
  std::ostringstream out;
  out << "# hk-bench " << rep.command << "\n";
  for (const auto& [k, v] : rep.env.fields) out << "# " << k << ": " << v << "\n";
  for (const auto& [k, v] : rep.env.variables) out << "# env " << k << ": " << v << "\n";
  for (const Peaks& p : rep.roofline.cpu)
    out << "# peak " << p.threads << " threads: fp32 " << num(p.fp32_gflops) << " GFLOP/s, int8 " << num(p.int8_gops)
        << " GOP/s, int8 tiles " << num(p.int8_tile_gops) << " GOP/s, read " << num(p.read_gbps) << " GB/s, copy " << num(p.copy_gbps) << " GB/s\n";
  for (const std::string& n : rep.notes) out << "# note: " << n << "\n";
  out << "op,dtype,shape,backend,variant,kind,threads,status,median_ms,min_ms,max_ms,repeats,end_to_end_median_ms,"
         "gflops,gbps,bound,percent_of_peak,cache_resident,speedup_vs_naive,vs_best_peer,best_peer,cpu_round_trip_ns,"
         "failure\n";
  for (const Table& t : rep.tables)
    for (const Result& r : t.rows) {
      bool ok = r.status == Status::ok;
      auto n = [&](double v) { return ok ? num(v) : std::string(); };
      out << r.op << "," << hk::to_string(r.dtype) << "," << r.shape << "," << r.backend << "," << csv_field(r.variant)
          << "," << (r.is_peer ? "peer" : "hk") << "," << r.threads << "," << to_string(r.status) << ","
          << n(r.time.median_ms) << "," << n(r.time.min_ms) << "," << n(r.time.max_ms) << ","
          << (ok ? std::to_string(r.time.repeats) : "") << "," << (ok && r.end_to_end ? num(r.end_to_end->median_ms) : "")
          << "," << n(r.gflops) << "," << n(r.gbps) << "," << (ok ? r.bound : "") << ","
          << (ok && r.percent_of_peak > 0 ? num(r.percent_of_peak) : "") << "," << (ok ? (r.cache_resident ? "1" : "0") : "")
          << "," << (ok && r.speedup_vs_naive > 0 ? num(r.speedup_vs_naive) : "") << ","
          << (ok && r.vs_best_peer > 0 ? num(r.vs_best_peer) : "") << "," << csv_field(ok ? r.best_peer : "") << ","
          << (ok && r.cpu_round_trip_ns > 0 ? num(r.cpu_round_trip_ns) : "") << "," << csv_field(r.failure) << "\n";
    }
  return out.str();
}

std::string format_json(const Report& rep) {
  std::ostringstream out;
  out << "{\n  \"schema\": \"hk-bench/1\",\n  \"command\": " << json_string(rep.command) << ",\n  \"argv\": [";
  for (size_t i = 0; i < rep.argv.size(); ++i) out << (i ? ", " : "") << json_string(rep.argv[i]);
  out << "],\n  \"environment\": {\n    \"fields\": " << json_fields(rep.env.fields, "    ")
      << ",\n    \"variables\": " << json_fields(rep.env.variables, "    ") << ",\n    \"backends\": [";
  for (size_t i = 0; i < rep.env.backends.size(); ++i) {
    const hk::BackendInfo& b = rep.env.backends[i];
    out << (i ? ",\n" : "\n") << "      {\"name\": " << json_string(b.name) << ", \"available\": " << (b.available ? "true" : "false")
        << ", \"reason\": " << json_string(b.reason) << ", \"devices\": [";
    for (size_t d = 0; d < b.devices.size(); ++d) out << (d ? ", " : "") << json_string(b.devices[d]);
    out << "]}";
  }
  out << "\n    ],\n    \"gpus\": [";
  for (size_t i = 0; i < rep.env.gpus.size(); ++i) {
    const GpuInfo& g = rep.env.gpus[i];
    out << (i ? ",\n" : "\n") << "      {\"name\": " << json_string(g.name) << ", \"capability\": " << json_string(g.capability)
        << ", \"driver\": " << json_string(g.driver) << ", \"runtime\": " << json_string(g.runtime)
        << ", \"fp32_gflops\": " << num(g.fp32_gflops) << ", \"int8_gops\": " << num(g.int8_gops)
        << ", \"mem_gbps\": " << num(g.mem_gbps) << "}";
  }
  out << "]\n  },\n  \"settings\": " << json_fields(rep.settings, "  ") << ",\n  \"roofline\": {\n    \"fp32\": "
      << json_string(rep.roofline.fp32_how) << ",\n    \"int8\": " << json_string(rep.roofline.int8_how)
      << ",\n    \"int8_tiles\": " << json_string(rep.roofline.int8_tile_how)
      << ",\n    \"memory\": " << json_string(rep.roofline.memory_how) << ",\n    \"cpu\": [";
  for (size_t i = 0; i < rep.roofline.cpu.size(); ++i) {
    const Peaks& p = rep.roofline.cpu[i];
    out << (i ? ",\n" : "\n") << "      {\"threads\": " << p.threads << ", \"fp32_gflops\": " << num(p.fp32_gflops)
        << ", \"int8_gops\": " << num(p.int8_gops) << ", \"int8_tile_gops\": " << num(p.int8_tile_gops)
        << ", \"read_gbps\": " << num(p.read_gbps)
        << ", \"copy_gbps\": " << num(p.copy_gbps) << "}";
  }
  out << "\n    ]\n  },\n  \"results\": [";
  bool first = true;
  for (const Table& t : rep.tables)
    for (const Result& r : t.rows) {
      bool ok = r.status == Status::ok;
      out << (first ? "\n" : ",\n") << "    {\"op\": " << json_string(r.op) << ", \"dtype\": " << json_string(hk::to_string(r.dtype))
          << ", \"shape\": [";
      first = false;
      for (size_t d = 0; d < r.dims.size(); ++d) out << (d ? ", " : "") << r.dims[d];
      out << "], \"backend\": " << json_string(r.backend) << ", \"variant\": " << json_string(r.variant)
          << ", \"kind\": " << json_string(r.is_peer ? "peer" : "hk") << ", \"threads\": " << r.threads
          << ", \"summary\": " << json_string(r.summary) << ", \"status\": " << json_string(to_string(r.status))
          << ", \"failure\": " << (r.failure.empty() ? "null" : json_string(r.failure))
          << ",\n     \"time_ms\": " << (ok ? json_timing(r.time) : "null")
          << ", \"end_to_end_ms\": " << (ok && r.end_to_end ? json_timing(*r.end_to_end) : "null")
          << ",\n     \"work\": {\"flops\": " << num(r.flops) << ", \"bytes\": " << num(r.bytes) << "}"
          << ", \"gflops\": " << (ok ? num(r.gflops) : "null") << ", \"gbps\": " << (ok ? num(r.gbps) : "null")
          << ", \"bound\": " << (ok && !r.bound.empty() ? json_string(r.bound) : "null")
          << ", \"percent_of_peak\": " << (ok ? optional_num(r.percent_of_peak) : "null")
          << ", \"cache_resident\": " << (r.cache_resident ? "true" : "false")
          << ",\n     \"speedup_vs_naive\": " << (ok ? optional_num(r.speedup_vs_naive) : "null")
          << ", \"vs_best_peer\": " << (ok ? optional_num(r.vs_best_peer) : "null")
          << ", \"best_peer\": " << (ok && !r.best_peer.empty() ? json_string(r.best_peer) : "null")
          << ", \"cpu_round_trip_ns\": " << (ok && r.cpu_round_trip_ns > 0 ? num(r.cpu_round_trip_ns) : "null") << "}";
    }
  out << "\n  ],\n  \"crossovers\": [";
  for (size_t i = 0; i < rep.crossovers.size(); ++i) {
    const Crossover& x = rep.crossovers[i];
    out << (i ? ",\n" : "\n") << "    {\"op\": " << json_string(x.op) << ", \"dtype\": " << json_string(hk::to_string(x.dtype))
        << ", \"found\": " << (x.found ? "true" : "false") << ", \"size\": " << (x.found ? num(x.size) : "null")
        << ", \"measure\": " << (x.measure.empty() ? "null" : json_string(x.measure)) << ", \"text\": " << json_string(x.text) << "}";
  }
  out << "],\n  \"notes\": [";
  for (size_t i = 0; i < rep.notes.size(); ++i) out << (i ? ", " : "") << json_string(rep.notes[i]);
  std::vector<std::string> table_notes;
  for (const Table& t : rep.tables)
    for (const std::string& n : t.notes) table_notes.push_back(t.title + ": " + n);
  for (size_t i = 0; i < table_notes.size(); ++i) out << (i || !rep.notes.empty() ? ", " : "") << json_string(table_notes[i]);
  out << "],\n  \"gpu_counters\": [";
  for (size_t i = 0; i < rep.gpu_counters_json.size(); ++i) out << (i ? ",\n    " : "\n    ") << rep.gpu_counters_json[i];
  out << "],\n  \"failures\": " << rep.failures << "\n}\n";
  return out.str();
}

}  // namespace hk_bench
