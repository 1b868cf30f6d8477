#include "run/cli.hpp"

#include <algorithm>
#include <limits>
#include <sstream>
#include <thread>

#include "hk/error.hpp"

namespace hk_bench {

std::vector<std::string> split_list(const std::string& option, const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(item);
  if (!s.empty() && s.back() == ',') out.emplace_back();  // getline drops a trailing empty item
  if (out.empty() || std::find(out.begin(), out.end(), "") != out.end())
    throw hk::InvalidArgument(option + " takes a comma list with no empty items, got '" + s + "'");
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

namespace {

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

int max_thread_count() {
  // More threads than this only oversubscribe the cores, and the peak probes at every count
  // asked would run for minutes before the first row; hk's pool takes at most 1024.
  const int cpus = std::max(1, int(std::thread::hardware_concurrency()));
  return std::min(4 * cpus, 1024);
}

std::string usage(const std::string& command) {
  if (command == "profile")
    return R"(hk-bench profile: the GPU kernels of one op side by side under cuda_sim's profiler: Nsight
Compute's memory counters (global requests and sectors, shared wavefronts and bank conflicts),
arithmetic per byte and per shared load, and each kernel's hottest source lines. No GPU needed.

usage:
  hk-bench profile [OP] [--variant LIST] [--size S] [--block-size B] [--format table|json]
                   [--output FILE] [--html FILE]

  OP                matmul (default; matmul:i8 for the int8 kernels), relu, add, ... (op:dtype)
  --variant LIST    cuda_sim variants to profile (default: every one that takes the dtype, in
                    rung order)
  --size S          N or MxKxN for matmul (default 256), n for the others (default 1048576)
  --block-size B    Options::block_size for the variants that take one (tiled's tile edge)
  --format F        table (default) or json (every counter, per launch and per source line)
  --output FILE     write there instead of stdout
  --html FILE       also write the table as an HTML page
  -h, --help        this text

Counts are per source-level access (nvcc may merge adjacent scalar accesses into wider ones);
tests/data/h200_ncu_matmul_256.csv holds what an H200 measured for the matmul ladder at 256^3.
exit status: 0 when every variant's result is correct, 1 when one is wrong, 2 for bad arguments,
an error, or a build without the profiler (a sanitizer build).
)";
  if (command == "explain")
    return R"(hk-bench explain: which thread (pool chunk, or CUDA block and thread) computed each output
element of one small case, and a GPU block's shared-memory tiles per step; for a projector.

usage:
  hk-bench explain OP --variant V [--backend cpu|cuda_sim] [--size S] [--threads N] [--block-size B]
                   [--format table|json]

  OP                an op with an output grid: matmul, relu, add, mul, squared_difference,
                    quantize or dequantize (not the reductions dot, euclidean_distance);
                    op:dtype picks one dtype (matmul:i8)
  --variant V       the registered variant to explain (hk-bench list shows them)
  --backend B       cpu, or cuda_sim for a GPU variant (default: cpu when the op has a cpu
                    variant V, else cuda_sim; cuda means cuda_sim here)
  --size S          N or MxKxN for matmul (default 8), n for the others (default 64)
  --threads N       pool threads for a cpu variant (default hk's pool size; at most 4x the
                    CPUs)
  --block-size B    the variant's tile edge or cache block (default: the variant's own)
  --format F        table (default: the text below) or json: the grids as lists over the
                    output, -1 never written, -2 several writers (what Python's hk.explain
                    returns as arrays)
  -h, --help        this text

environment: HK_SIM_SCHEDULE=forward|reverse|random|random:SEED orders the simulator's threads.
exit status: 0 when the variant's result is correct, 2 for bad arguments or an error.
)";
  return usage();
}

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
  hk-bench profile [OP] [--variant V] [--size S]
                                     the GPU kernels side by side under cuda_sim's profiler:
                                     coalescing, bank conflicts, reuse, hottest lines
  hk-bench model [--sizes 1,32,256] [--threads LIST] [--backend LIST] [--no-peers]
                                     the course's MLP (784 → 128 → ReLU → 10) end to end:
                                     baseline, optimized and int8 ways per backend against
                                     oneDNN's fused matmul primitive; latency, throughput,
                                     % of peak, int8 accuracy, auto's choice per layer
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
                    A variant that never splits its work is shown once, with 1 thread.
                    At most 4x the CPUs hk sees (hardware threads): more only oversubscribes
                    the cores, and the peaks are probed at every count before the first row
  --repeats N       timed calls per row (default: enough to fill --min-time, at least 5)
  --min-time S      seconds of timed calls per row (default 1)
  --warmup N        untimed calls after validation, before timing (default 2)
  --max-call S      don't time an implementation whose one call takes longer than S seconds
                    (> 0, e.g. 0.5; default 10; sweep 2, predicted from the previous size)
  --no-peers        leave out OpenBLAS, oneDNN, the copies and the streaming read
  --format F        table (default), markdown, csv or json (schema: bench/hk-bench.schema.json)
  --output FILE     write the report to FILE instead of stdout
  --html FILE       also write one self-contained HTML report with SVG charts
                    (both are checked for writing before anything is measured)
  --progress MODE   auto (default: on a terminal), always, never
  -h, --help        this text (hk-bench explain --help: explain's)

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
                    unless OpenBLAS does not know the CPU's model: hk-bench list then names
                    the OPENBLAS_CORETYPE that selects its kernels for the CPU's ISA
  HK_NUM_THREADS, HK_CPU_ISA, HK_BACKEND   as for every hk program (README)
  HK_SIM_SCHEDULE   forward, reverse, random or random:SEED: the cuda_sim simulator's thread order
  HK_BENCH_BREAK=op[:dtype]/backend/variant[,...]   corrupt that variant's output after each
                    call (to see a FAILED row), e.g. HK_BENCH_BREAK=matmul:f32/cpu/blocked;
                    each item must name a registered variant (hk-bench list)

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
    if (c != "run" && c != "list" && c != "sweep" && c != "explain" && c != "profile" && c != "resources" && c != "model")
      throw hk::InvalidArgument("unknown command '" + c +
                                "': use run, list, sweep, explain, profile, resources or model (see --help)");
    a.command = c;
    if ((c == "explain" || c == "profile") && i < argc && argv[i][0] != '-') a.explain_op = argv[i++];
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
    // An empty value ("--op=", "--output ''") would silently mean the default.
    auto nonempty_value = [&]() -> std::string {
      std::string v = value();
      if (v.empty()) throw hk::InvalidArgument(s + " needs a value, got an empty one (see hk-bench --help)");
      return v;
    };
    if (s == "--op" || s == "--ops") a.ops = split_list(s, nonempty_value());
    else if (s == "--backend" || s == "--backends") a.backends = split_list(s, nonempty_value());
    else if (s == "--variant" || s == "--variants") a.variants = split_list(s, nonempty_value());
    else if (s == "--sizes" || s == "--size") {
      std::string v = nonempty_value();
      a.sizes = split_list(s, v);
      a.size = v;
    } else if (s == "--threads") {
      for (const std::string& t : split_list(s, nonempty_value())) {
        long long n = 0;
        try {
          n = to_integer("--threads", t, 1, std::numeric_limits<int>::max());
        } catch (const hk::InvalidArgument&) {
          n = 0;  // reported below, with the limit and its reason
        }
        if (n < 1 || n > max_thread_count())
          throw hk::InvalidArgument("--threads takes counts in 1.." + std::to_string(max_thread_count()) + " (at most 4x the " +
                                    std::to_string(std::max(1u, std::thread::hardware_concurrency())) +
                                    " CPUs hk sees: more only oversubscribes them), got '" + t + "'");
        a.threads.push_back(int(n));
      }
    } else if (s == "--repeats") a.repeats = int(to_integer("--repeats", value(), 1, 1000000));
    else if (s == "--min-time") a.min_time = to_seconds("--min-time", value());
    else if (s == "--warmup") a.warmup = int(to_integer("--warmup", value(), 0, 1000));
    else if (s == "--max-call") a.max_call = to_seconds("--max-call", value());
    else if (s == "--no-peers") a.peers = false;
    else if (s == "--block-size") a.block_size = int(to_integer("--block-size", value(), 1, 4096));
    else if (s == "--format") a.format = nonempty_value();
    else if (s == "--output" || s == "-o") a.output = nonempty_value();
    else if (s == "--html") a.html = nonempty_value();
    else if (s == "--progress") {
      std::string m = value();
      if (m == "auto") a.progress = Progress::Mode::automatic;
      else if (m == "always") a.progress = Progress::Mode::always;
      else if (m == "never") a.progress = Progress::Mode::never;
      else throw hk::InvalidArgument("--progress takes auto, always or never, got '" + m + "'");
    } else if (s == "-h" || s == "--help") a.help = true;
    else throw hk::InvalidArgument("unknown argument '" + std::string(argv[i]) + "' (see hk-bench --help)");
  }
  if (a.command == "explain" && a.explain_op.empty() && !a.help)
    throw hk::InvalidArgument("explain needs an op: hk-bench explain matmul --variant parallel (see hk-bench explain --help)");
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
