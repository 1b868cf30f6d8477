// hk-bench: runs every available variant of each op, checks it against fp64, times it
// (median of repeats after warm-up) and prints one side-by-side table per op.
//
//   hk-bench                       the default suite on every available backend
//   hk-bench list                  backends and registered variants
//   hk-bench --op matmul --sizes 256,127x1031x513 --threads 1,2 --repeats 10
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "hk/cpu_features.hpp"
#include "hk/hk.hpp"
#include "hk/registry.hpp"
#include "workload.hpp"

namespace {

struct Args {
  std::vector<std::string> ops;
  std::vector<std::string> backends;
  std::vector<std::string> variants;
  std::vector<std::string> sizes;
  std::vector<int> threads;
  int repeats = 0;         // 0 = adapt to --min-time
  double min_time = 0.3;   // seconds of timed runs per row
  bool list = false;
};

std::vector<std::string> split(const std::string& s, char sep = ',') {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, sep);)
    if (!item.empty()) out.push_back(item);
  return out;
}

[[noreturn]] void usage(const std::string& error) {
  std::fprintf(stderr,
               "%s%s"
               "usage: hk-bench [list] [--op OPS] [--backend BACKENDS] [--variant VARIANTS]\n"
               "                [--sizes SIZES] [--threads N,M] [--repeats N] [--min-time SECONDS]\n"
               "  OPS       comma list of: matmul, matmul_i8, relu, relu_i8, add, mul, squared_difference,\n"
               "            dot, euclidean_distance, quantize, dequantize\n"
               "  SIZES     n for elementwise ops and reductions, N (=NxNxN) or MxKxN for matmul\n",
               error.c_str(), error.empty() ? "" : "\n\n");
  std::exit(error.empty() ? 0 : 2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage("missing value after " + s);
      return argv[++i];
    };
    if (s == "list") a.list = true;
    else if (s == "--op") a.ops = split(value());
    else if (s == "--backend") a.backends = split(value());
    else if (s == "--variant") a.variants = split(value());
    else if (s == "--sizes") a.sizes = split(value());
    else if (s == "--threads") for (auto& t : split(value())) a.threads.push_back(std::stoi(t));
    else if (s == "--repeats") a.repeats = std::stoi(value());
    else if (s == "--min-time") a.min_time = std::stod(value());
    else if (s == "-h" || s == "--help") usage("");
    else usage("unknown argument '" + s + "'");
  }
  return a;
}

// A suite entry: registry op, input dtype, default sizes.
struct Suite {
  std::string name, op;
  hk::DType dtype;
  std::vector<std::string> sizes;
};

const std::vector<Suite> kSuite = {
    {"matmul", "matmul", hk::DType::f32, {"256", "512"}},
    {"matmul_i8", "matmul", hk::DType::i8, {"512"}},
    {"relu", "relu", hk::DType::f32, {"16777216"}},
    {"relu_i8", "relu", hk::DType::i8, {"16777216"}},
    {"add", "add", hk::DType::f32, {"16777216"}},
    {"mul", "mul", hk::DType::f32, {"16777216"}},
    {"squared_difference", "squared_difference", hk::DType::f32, {"16777216"}},
    {"dot", "dot", hk::DType::f32, {"16777216"}},
    {"euclidean_distance", "euclidean_distance", hk::DType::f32, {"16777216"}},
    {"quantize", "quantize", hk::DType::f32, {"16777216"}},
    {"dequantize", "dequantize", hk::DType::i8, {"16777216"}},
};

hk::Shape parse_size(const std::string& op, const std::string& s) {
  std::vector<int64_t> dims;
  for (const std::string& d : split(s, 'x')) dims.push_back(std::stoll(d));
  if (op == "matmul" && dims.size() == 1) dims = {dims[0], dims[0], dims[0]};
  if ((op == "matmul" && dims.size() != 3) || (op != "matmul" && dims.size() != 1))
    throw hk::InvalidArgument("size '" + s + "' does not fit op " + op);
  return dims;
}

struct Row {
  std::string backend, variant, shape;
  int threads;
  bool failed = false;
  std::string failure;
  hk::Stats stats{};
  double rate = 0;  // GFLOP/s (matmul) or GB/s
  double speedup = 0;
};

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

void print_table(const Suite& suite, const std::vector<Row>& rows) {
  bool compute = suite.op == "matmul";
  std::string unit = compute ? (suite.dtype == hk::DType::i8 ? "GOP/s" : "GFLOP/s") : "GB/s";
  std::vector<std::vector<std::string>> cells = {
      {"backend", "variant", "threads", "shape", "median ms", "min-max ms", unit, "vs naive"}};
  for (const Row& r : rows) {
    if (r.failed) {
      cells.push_back({r.backend, r.variant, std::to_string(r.threads), r.shape, "FAILED", r.failure, "", ""});
      continue;
    }
    cells.push_back({r.backend, r.variant, std::to_string(r.threads), r.shape, fixed(r.stats.median_ms, 3),
                     fixed(r.stats.min_ms, 3) + "-" + fixed(r.stats.max_ms, 3), fixed(r.rate, 1),
                     r.speedup > 0 ? fixed(r.speedup, 1) + "x" : "-"});
  }
  std::vector<size_t> width(cells[0].size(), 0);
  for (auto& line : cells)
    for (size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  std::printf("\n%s (%s)\n", suite.name.c_str(), hk::to_string(suite.dtype).c_str());
  for (size_t l = 0; l < cells.size(); ++l) {
    std::string out;
    for (size_t c = 0; c < cells[l].size(); ++c) {
      std::string cell = cells[l][c];
      bool right = c >= 4 && cell != "FAILED" && l > 0;
      std::string pad(width[c] - cell.size(), ' ');
      out += (right ? pad + cell : cell + pad) + "  ";
    }
    std::printf("%s\n", out.c_str());
  }
}

int list() {
  std::printf("backends:\n");
  for (const hk::BackendInfo& b : hk::backends()) {
    std::printf("  %-9s %s%s%s\n", b.name.c_str(), b.available ? "available" : "unavailable",
                b.reason.empty() ? "" : ": ", b.reason.c_str());
    for (const std::string& d : b.devices) std::printf("            %s\n", d.c_str());
  }
  std::printf("\nvariants:\n");
  for (const hk::VariantInfo& v : hk::variants()) {
    std::string dtypes;
    for (hk::DType t : v.dtypes) {
      if (!dtypes.empty()) dtypes += ',';
      dtypes += hk::to_string(t);
    }
    std::string needs;
    if (v.requirement != "none") needs.append(" [needs ").append(v.requirement).append("]");
    std::printf("  %-19s %-8s %-15s %-8s %-3s %s%s\n", v.op.c_str(), hk::to_string(v.backend).c_str(),
                v.variant.c_str(), dtypes.c_str(), v.supported ? "yes" : "no", v.summary.c_str(), needs.c_str());
  }
  return 0;
}

bool wanted(const std::vector<std::string>& filter, const std::string& v) {
  return filter.empty() || std::find(filter.begin(), filter.end(), v) != filter.end();
}

}  // namespace

int main(int argc, char** argv) try {
  Args args = parse(argc, argv);
  if (args.list) return list();
  if (args.threads.empty()) args.threads = {hk::num_threads()};

  const hk::CpuFeatures& cpu = hk::cpu_features();
  std::printf("hk-bench: %s, SIMD level %s, %d threads\n", cpu.model.c_str(), hk::cpu_isa_name().c_str(),
              hk::num_threads());
  for (const hk::BackendInfo& b : hk::backends())
    if (!b.available) std::printf("  %s backend unavailable: %s\n", b.name.c_str(), b.reason.c_str());
  if (std::find(args.backends.begin(), args.backends.end(), "cuda_sim") != args.backends.end())
    std::printf("  cuda_sim rows: functional simulation — not a performance number\n");

  int failures = 0;
  for (const Suite& suite : kSuite) {
    if (!wanted(args.ops, suite.name) && !(args.ops.size() && wanted(args.ops, suite.op) && suite.name == suite.op))
      continue;
    std::vector<Row> rows;
    for (const std::string& size : args.sizes.empty() ? suite.sizes : args.sizes) {
      auto work = hk_bench::make_workload(suite.op, suite.dtype, parse_size(suite.op, size));
      hk::Work model = hk::work_model(suite.op)(work->a, work->b, suite.dtype);
      std::map<int, double> naive_ms;  // per thread count
      for (const hk::VariantRow& row : hk::Registry::get().rows()) {
        if (row.op != suite.op || !hk::Registry::kernel_for(row, suite.dtype)) continue;
        if (!wanted(args.backends, hk::to_string(row.backend)) || !wanted(args.variants, row.variant)) continue;
        // cuda_sim is a functional simulation: its times say nothing about a GPU and must not
        // sit next to real backends' numbers. It runs only when asked for by name.
        if (row.backend == hk::Backend::cuda_sim &&
            std::find(args.backends.begin(), args.backends.end(), "cuda_sim") == args.backends.end())
          continue;
        if (!hk::Registry::supported(row)) continue;
        bool available = false;
        for (const hk::BackendInfo& b : hk::backends()) available |= b.backend == row.backend && b.available;
        if (!available) continue;
        for (int threads : args.threads) {
          Row r{hk::to_string(row.backend), row.variant, work->shape_label, threads};
          hk::Options o{row.backend, row.variant, threads};
          std::fprintf(stderr, "  %s %s/%s %s threads=%d ...\r", suite.name.c_str(), r.backend.c_str(),
                       r.variant.c_str(), r.shape.c_str(), threads);
          std::fflush(stderr);
          try {
            work->run(o);  // validate before timing: a wrong kernel gets no number
            r.failure = work->validate();
          } catch (const std::exception& e) {
            r.failure = e.what();
          }
          if (!r.failure.empty()) {
            r.failed = true;
            ++failures;
            rows.push_back(r);
            continue;
          }
          auto start = std::chrono::steady_clock::now();
          work->run(o);
          double once = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          int repeats = args.repeats > 0 ? args.repeats
                                         : std::clamp(int(args.min_time / std::max(once, 1e-7)), 3, 1000);
          r.stats = hk::time_kernel([&] { work->run(o); }, {1, repeats});
          double seconds = r.stats.median_ms * 1e-3;
          r.rate = (suite.op == "matmul" ? model.flops : model.bytes) / seconds * 1e-9;
          if (row.variant == "naive") naive_ms[threads] = r.stats.median_ms;
          if (naive_ms.count(threads)) r.speedup = naive_ms[threads] / r.stats.median_ms;
          rows.push_back(r);
        }
      }
    }
    std::fprintf(stderr, "%80s\r", "");
    print_table(suite, rows);
  }
  if (failures) std::printf("\n%d variant(s) FAILED validation; no timings were reported for them\n", failures);
  return failures ? 1 : 0;
} catch (const hk::Error& e) {
  std::fprintf(stderr, "hk-bench: %s\n", e.what());
  return 2;
}
