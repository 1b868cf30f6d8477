#include "cli.hpp"

#include <sstream>

#include "hk/error.hpp"

namespace hk_bench {

namespace {

std::vector<std::string> split(const std::string& s, char sep = ',') {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, sep);)
    if (!item.empty()) out.push_back(item);
  return out;
}

long long to_integer(const std::string& option, const std::string& v, long long lo, long long hi) {
  size_t used = 0;
  long long x = 0;
  try {
    x = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || v.empty() || x < lo || x > hi)
    throw hk::InvalidArgument(option + " takes an integer in " + std::to_string(lo) + ".." + std::to_string(hi) +
                              ", got '" + v + "'");
  return x;
}

double to_seconds(const std::string& option, const std::string& v) {
  size_t used = 0;
  double x = -1;
  try {
    x = std::stod(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || !(x > 0) || x > 3600)
    throw hk::InvalidArgument(option + " takes seconds (> 0, ≤ 3600), got '" + v + "'");
  return x;
}

}  // namespace

std::string usage() {
  return R"(hk-bench: every implementation of hk's kernels, checked against fp64, timed, side by side.

usage:
  hk-bench [run] [OPTIONS]           the lecture suite (no options): the matmul ladder (f32 and
                                     int8), relu and dot on every available backend, with peers
  hk-bench list                      backends, registered variants and peers
  hk-bench sweep [OPTIONS]           each variant across sizes (default --op matmul
                                     --sizes 64..1024) and the size where a GPU overtakes the CPU
  hk-bench explain OP --variant V [--backend cpu|cuda_sim] [--size S] [--threads N]
                   [--block-size B]  which thread (pool chunk, or CUDA block and thread)
                                     computed each output element, and a GPU block's
                                     shared-memory tiles per step; a small case for a projector
  hk-bench resources                 registers, shared memory, spills (ptxas) and theoretical
                                     occupancy of each CUDA kernel per compiled architecture

options:
  --op OPS          comma list of ops (matmul, relu, add, mul, squared_difference, dot,
                    euclidean_distance, quantize, dequantize, or all); op:dtype picks one
                    dtype (matmul:i8). Default: the lecture suite
  --backend LIST    cpu, cuda, cuda_sim, peer (default: every available one)
  --variant LIST    registry variants and peer names (openblas, onednn, memcpy, stream_copy,
                    stream_read)
  --sizes LIST      n for elementwise ops and reductions; N (= NxNxN) or MxKxN for matmul;
                    A..B for a doubling range (A..B*4: ×4 steps)
  --threads LIST    thread counts, e.g. 1,2: a thread sweep (default 1 and hk's pool size).
                    A variant that never splits its work is shown once, with 1 thread
  --repeats N       timed calls per row (default: enough to fill --min-time, at least 5)
  --min-time S      seconds of timed calls per row (default 1)
  --warmup N        untimed calls after validation, before timing (default 2)
  --max-call S      don't time an implementation whose one call takes longer than S seconds
                    (default 10; sweep 2, predicted from the previous size)
  --no-peers        leave out OpenBLAS, oneDNN, the copies and the streaming read
  --format F        table (default), markdown, csv or json (schema: bench/hk-bench.schema.json)
  --output FILE     write the report to FILE instead of stdout
  --html FILE       also write one self-contained HTML report with SVG charts
  --progress MODE   auto (default: on a terminal), always, never
  -h, --help        this text

What a row shows: median time of the timed calls (min–max), GFLOP/s (GOP/s for int8) or GB/s,
% of this machine's peak measured at start (fp32 FMA, int8 vpdpbusd, memory read and copy
bandwidth, at the row's thread count), the roof that applies (from the registry's work model),
speedup over naive, and ratio to the best peer at the same shape and thread count. GPU rows
show kernel-only (CUDA events, L2 flushed) and end-to-end (with copies) times. A row whose
result differs from fp64 shows FAILED and no number. cuda_sim variants are checked, never
timed: the simulator is not a performance number.

environment:
  OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE   read by OpenBLAS; hk-bench never sets or unsets them and
                    prints their values. The OpenBLAS peer is fairest with both unset:
                      env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE hk-bench
  HK_NUM_THREADS, HK_CPU_ISA, HK_BACKEND   as for every hk program (README)
  HK_BENCH_BREAK=op[:dtype]/backend/variant[,...]   corrupt that variant's output after each
                    call (to see a FAILED row), e.g. HK_BENCH_BREAK=matmul:f32/cpu/blocked

exit status: 0 when everything run was correct, 1 when something FAILED validation, 2 for
bad arguments or an error.
)";
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 0; i < argc; ++i) a.argv.push_back(argv[i]);
  int i = 1;
  if (i < argc && argv[i][0] != '-') {
    std::string c = argv[i++];
    if (c != "run" && c != "list" && c != "sweep" && c != "explain" && c != "resources")
      throw hk::InvalidArgument("unknown command '" + c + "': use run, list, sweep, explain or resources (see --help)");
    a.command = c;
    if (c == "explain") {
      if (i >= argc || argv[i][0] == '-')
        throw hk::InvalidArgument("explain needs an op: hk-bench explain matmul --variant parallel");
      a.explain_op = argv[i++];
    }
  }
  for (; i < argc; ++i) {
    std::string s = argv[i];
    std::string inline_value;
    bool has_inline = false;
    if (s.rfind("--", 0) == 0 && s.find('=') != std::string::npos) {
      inline_value = s.substr(s.find('=') + 1);
      s = s.substr(0, s.find('='));
      has_inline = true;
    }
    auto value = [&]() -> std::string {
      if (has_inline) return inline_value;
      if (i + 1 >= argc) throw hk::InvalidArgument("missing value after " + s);
      return argv[++i];
    };
    if (s == "--op" || s == "--ops") a.ops = split(value());
    else if (s == "--backend" || s == "--backends") a.backends = split(value());
    else if (s == "--variant" || s == "--variants") a.variants = split(value());
    else if (s == "--sizes" || s == "--size") {
      std::string v = value();
      a.sizes = split(v);
      a.size = v;
    } else if (s == "--threads") {
      for (const std::string& t : split(value())) a.threads.push_back(int(to_integer("--threads", t, 1, 1024)));
    } else if (s == "--repeats") a.repeats = int(to_integer("--repeats", value(), 1, 1000000));
    else if (s == "--min-time") a.min_time = to_seconds("--min-time", value());
    else if (s == "--warmup") a.warmup = int(to_integer("--warmup", value(), 0, 1000));
    else if (s == "--max-call") a.max_call = to_seconds("--max-call", value());
    else if (s == "--no-peers") a.peers = false;
    else if (s == "--block-size") a.block_size = int(to_integer("--block-size", value(), 1, 4096));
    else if (s == "--format") a.format = value();
    else if (s == "--output" || s == "-o") a.output = value();
    else if (s == "--html") a.html = value();
    else if (s == "--progress") {
      std::string m = value();
      if (m == "auto") a.progress = Progress::Mode::automatic;
      else if (m == "always") a.progress = Progress::Mode::always;
      else if (m == "never") a.progress = Progress::Mode::never;
      else throw hk::InvalidArgument("--progress takes auto, always or never, got '" + m + "'");
    } else if (s == "-h" || s == "--help") a.help = true;
    else throw hk::InvalidArgument("unknown argument '" + std::string(argv[i]) + "' (see hk-bench --help)");
  }
  for (const std::string& b : a.backends)
    if (b != "cpu" && b != "cuda" && b != "cuda_sim" && b != "peer")
      throw hk::InvalidArgument("unknown backend '" + b + "' in --backend: use cpu, cuda, cuda_sim or peer");
  return a;
}

std::vector<std::string> expand_sizes(const std::vector<std::string>& specs) {
  std::vector<std::string> out;
  for (const std::string& spec : specs) {
    auto dots = spec.find("..");
    if (dots == std::string::npos) {
      out.push_back(spec);
      continue;
    }
    std::string from = spec.substr(0, dots), to = spec.substr(dots + 2);
    long long factor = 2;
    if (auto star = to.find('*'); star != std::string::npos) {
      factor = to_integer("--sizes step", to.substr(star + 1), 2, 1024);
      to = to.substr(0, star);
    }
    long long a = to_integer("--sizes", from, 1, 1LL << 40), b = to_integer("--sizes", to, 1, 1LL << 40);
    if (a > b) throw hk::InvalidArgument("--sizes range '" + spec + "' runs backwards");
    for (long long v = a; v <= b; v *= factor) out.push_back(std::to_string(v));
  }
  return out;
}

}  // namespace hk_bench
