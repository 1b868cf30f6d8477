// The bandwidth-bound ops against the machine's own memory speed, in one process:
// memcpy of the same bytes (the peer of relu/add/mul/squared_difference/quantize/
// dequantize) and a streaming read of the same bytes (the peer of dot and
// euclidean_distance), each on 1 and 2 threads. hk's ops run through their
// output-parameter forms, so no allocation is timed, except in relu_allocating: y =
// hk::relu(x) each call, the host allocator's job (compare with HK_HOST_CACHE=0).
//
//   hk-micro-bandwidth --benchmark_filter=n:16777216 --benchmark_repetitions=5
//                      --benchmark_enable_random_interleaving=true
//                      --benchmark_report_aggregates_only=true
//
// Each row reports bytes_per_second = bytes read + bytes written per call / time (relu over
// n floats moves 8n bytes, as memcpy of 4n bytes does), and ratio counters measured in
// pairs within the row: vs_memcpy / vs_stream_read (the peer moving the same bytes on the
// same thread count: > 1 means hk is faster), vs_stream_copy (a vector copy with
// non-temporal stores, the fastest copy we know here; both peers are hk-bench's, from
// bench/machine/memory_kernels.hpp) and, for `parallel`, vs_simd.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "hk/hk.hpp"
#include "hk/op_table.hpp"
#include "machine/memory_kernels.hpp"
#include "run/team.hpp"

namespace {

using hk::Tensor;

const std::vector<int64_t> kSizes = {1024, 1 << 14, 1 << 16, 1 << 17, 1 << 18, 1 << 20, 1 << 22, 1 << 24};  // floats: 4 KiB .. 64 MiB

// The peers run on hk-bench's own team of threads (bench/run/team.hpp), never on hk's pool, so
// a peer's time never depends on the thing it is compared with.
hk_bench::Team& team() {
  static hk_bench::Team t(2);
  return t;
}

void BM_Memcpy(benchmark::State& state) {
  const int64_t n = state.range(0);
  const int threads = int(state.range(1));
  Tensor src = Tensor::randn({n}, 1), dst = Tensor::zeros({n});
  for (auto _ : state) {
    hk_bench::parallel_copy(team(), threads, dst.data<float>(), src.data<float>(), std::size_t(n) * sizeof(float));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * n * 8);
}

// A vector copy with non-temporal stores: what a copy reaches when it skips the
// read-for-ownership of the destination, as hk's elementwise kernels do for large outputs.
void BM_StreamCopy(benchmark::State& state) {
  const int64_t n = state.range(0);
  const int threads = int(state.range(1));
  Tensor src = Tensor::randn({n}, 1), dst = Tensor::zeros({n});
  for (auto _ : state) {
    hk_bench::parallel_vector_copy(team(), threads, dst.data<float>(), src.data<float>(), n, /*nontemporal=*/true);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * n * 8);
}

// Reads two arrays of n floats in one pass: the bytes dot(x, y) reads, as it reads them.
void BM_StreamRead(benchmark::State& state) {
  const int64_t n = state.range(0);
  const int threads = int(state.range(1));
  Tensor x = Tensor::randn({n}, 1), y = Tensor::randn({n}, 2);
  for (auto _ : state) benchmark::DoNotOptimize(hk_bench::stream_sum(team(), threads, x.data<float>(), y.data<float>(), n));
  state.SetBytesProcessed(int64_t(state.iterations()) * n * 8);
}

struct OpCase {
  const char* op;
  int bytes_per_element;  // read + written
  bool reduction;         // peer: a streaming read of x and y (else memcpy of the same traffic)
};

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

// hk's op against its peer, timed in pairs: each iteration times the peer, then (for the
// parallel variant) the simd variant, then the op itself, all on the same bytes. The ratio
// counters are medians of per-iteration ratios, so load that drifts over seconds cancels
// out. Small sizes repeat each timed call `reps` times to stay well above clock resolution.
void BM_Op(benchmark::State& state, const OpCase& c, const std::string& variant) {
  const int64_t n = state.range(0);
  const int threads = int(state.range(1));
  const hk::Options o{hk::Backend::cpu, variant, threads}, simd{hk::Backend::cpu, "simd", 1};
  const std::string op = c.op;
  Tensor x = Tensor::randn({n}, 1), y = Tensor::randn({n}, 2);
  Tensor out = Tensor::zeros({n});
  Tensor q = Tensor::zeros({n}, hk::DType::i8), qi = Tensor::randn({n}, 3, hk::DType::i8);
  Tensor xi = Tensor::randn({n}, 4, hk::DType::i8), outi = Tensor::zeros({n}, hk::DType::i8);
  // relu_allocating: relu's allocating form; relu_i8: relu on int8. Every other case is an
  // op of the table, with operands and output of the dtypes it takes.
  const bool allocating = op == "relu_allocating", i8 = op == "relu_i8";
  const hk::OpDef& d = hk::op_def(allocating || i8 ? "relu" : op);
  const hk::DType in = i8 ? hk::DType::i8 : d.dtypes.front();
  const Tensor& first = in == hk::DType::i8 ? (i8 ? xi : qi) : x;
  Tensor* into = !d.has_output() || allocating ? nullptr
                 : d.result_dtype(in) == hk::DType::i8 ? (i8 ? &outi : &q) : &out;
  auto run = [&](const hk::Options& opt) {
    const hk::OpResult r = d.call({&first, d.operands == 2 ? &y : nullptr, 0.05f}, opt, into);
    benchmark::DoNotOptimize(r.value);
    benchmark::ClobberMemory();
  };
  const std::size_t traffic = std::size_t(n) * std::size_t(c.bytes_per_element);
  // The peer moves the same bytes: memcpy of traffic/2 (read + write), or a read of x and y.
  // hk tensors as buffers: the same allocator (and huge pages) as the op's operands.
  const int64_t half = c.reduction ? 0 : int64_t(traffic / 2);
  Tensor src = Tensor::full({half}, 1, hk::DType::i8), dst = Tensor::zeros({half}, hk::DType::i8);
  auto peer = [&] {
    if (c.reduction) {
      benchmark::DoNotOptimize(hk_bench::stream_sum(team(), threads, x.data<float>(), y.data<float>(), n));
    } else {
      hk_bench::parallel_copy(team(), threads, dst.data<int8_t>(), src.data<int8_t>(), std::size_t(half));
      benchmark::ClobberMemory();
    }
  };
  const int reps = int(std::max<std::size_t>(1, (std::size_t(1) << 20) / std::max<std::size_t>(traffic, 1)));
  auto time = [&](const auto& f) {  // seconds for `reps` calls
    auto t0 = Clock::now();
    for (int r = 0; r < reps; ++r) f();
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  auto copy_peer = [&] {  // whole floats: traffic/2 is a multiple of 4 for every op that copies
    hk_bench::parallel_vector_copy(team(), threads, reinterpret_cast<float*>(dst.data<int8_t>()),
                                   reinterpret_cast<const float*>(src.data<int8_t>()), half / 4, /*nontemporal=*/true);
    benchmark::ClobberMemory();
  };
  std::vector<double> vs_peer, vs_copy, vs_simd;
  for (auto _ : state) {
    const double t_peer = time(peer);
    const double t_copy = c.reduction ? 0.0 : time(copy_peer);
    const double t_simd = variant == "parallel" ? time([&] { run(simd); }) : 0.0;
    const double t = time([&] { run(o); });
    state.SetIterationTime(t);
    vs_peer.push_back(t_peer / t);
    if (!c.reduction) vs_copy.push_back(t_copy / t);
    if (variant == "parallel") vs_simd.push_back(t_simd / t);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * reps * int64_t(traffic));
  state.counters["calls_per_iteration"] = reps;
  state.counters[c.reduction ? "vs_stream_read" : "vs_memcpy"] = median(vs_peer);
  if (!c.reduction) state.counters["vs_stream_copy"] = median(vs_copy);
  if (variant == "parallel") state.counters["vs_simd"] = median(vs_simd);
}

const OpCase kOps[] = {{"relu", 8, false},     {"relu_allocating", 8, false},   {"relu_i8", 2, false},
                       {"add", 12, false},     {"mul", 12, false},              {"squared_difference", 12, false},
                       {"dot", 8, true},       {"euclidean_distance", 8, true}, {"quantize", 5, false},
                       {"dequantize", 5, false}};

void args(benchmark::internal::Benchmark* b, std::initializer_list<int> thread_counts) {
  b->ArgNames({"n", "threads"});
  for (int64_t n : kSizes)
    for (int threads : thread_counts) b->Args({n, threads});
}
void one_and_two_threads(benchmark::internal::Benchmark* b) { args(b, {1, 2}); }
void one_thread(benchmark::internal::Benchmark* b) { args(b, {1}); }

int register_all() {
  benchmark::RegisterBenchmark("memcpy", BM_Memcpy)->Apply(one_and_two_threads)->UseRealTime();
  benchmark::RegisterBenchmark("stream_read", BM_StreamRead)->Apply(one_and_two_threads)->UseRealTime();
  benchmark::RegisterBenchmark("stream_copy", BM_StreamCopy)->Apply(one_and_two_threads)->UseRealTime();
  for (const OpCase& c : kOps)
    for (const char* variant : {"simd", "parallel"})
      benchmark::RegisterBenchmark((std::string(c.op) + "/" + variant).c_str(),
                                   [&c, variant](benchmark::State& s) { BM_Op(s, c, variant); })
          ->Apply(std::string(variant) == "simd" ? one_thread : one_and_two_threads)
          ->UseManualTime();
  return 0;
}

const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
