// The bandwidth-bound ops against the machine's own memory speed, in one process:
// memcpy of the same bytes (the peer of relu/add/mul/squared_difference/quantize/
// dequantize) and an AVX-512 streaming read of the same bytes (the peer of dot and
// euclidean_distance), each on 1 and 2 threads over hk's pool. hk's ops run through their
// output-parameter forms, so no allocation is timed, except in relu_allocating: y =
// hk::relu(x) each call, the host allocator's job (compare with HK_HOST_CACHE=0).
//
//   hk-micro-bandwidth --benchmark_filter=n:16777216 --benchmark_repetitions=5
//                      --benchmark_enable_random_interleaving=true
//                      --benchmark_report_aggregates_only=true
//
// Each row reports bytes_per_second = bytes read + bytes written per call / time, so a row
// and its peer compare directly: relu over n floats moves 8n bytes, memcpy of 4n bytes too.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "cpu/thread_pool.hpp"
#include "hk/hk.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

using hk::Tensor;

const std::vector<int64_t> kSizes = {1024, 1 << 16, 1 << 20, 1 << 24};  // floats: 4 KiB .. 64 MiB

// Splits [0, bytes) over `threads` threads of hk's pool in 4 KiB-aligned pieces.
template <class F> void split(std::size_t bytes, int threads, const F& f) {
  const int64_t pages = static_cast<int64_t>((bytes + 4095) / 4096);
  hk::cpu::ThreadPool::global().parallel_for(pages, 1, threads, [&](int64_t b, int64_t e) {
    std::size_t begin = std::size_t(b) * 4096, end = std::min(bytes, std::size_t(e) * 4096);
    f(begin, end);
  });
}

void BM_Memcpy(benchmark::State& state) {
  const std::size_t bytes = std::size_t(state.range(0)) * sizeof(float);
  const int threads = int(state.range(1));
  Tensor src = Tensor::randn({state.range(0)}, 1), dst = Tensor::zeros({state.range(0)});
  auto* s = static_cast<const char*>(static_cast<const void*>(src.data<float>()));
  auto* d = static_cast<char*>(static_cast<void*>(dst.data<float>()));
  for (auto _ : state) {
    split(bytes, threads, [&](std::size_t b, std::size_t e) { std::memcpy(d + b, s + b, e - b); });
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(2 * bytes));
}

#if defined(__x86_64__)
// The fastest way to read memory: zmm loads into eight independent float sums.
__attribute__((target("avx512f"))) float stream_read(const float* a, std::size_t n) {
  __m512 s[8];
  for (auto& v : s) v = _mm512_setzero_ps();
  std::size_t i = 0;
  for (; i + 128 <= n; i += 128)
    for (int k = 0; k < 8; ++k) s[k] = _mm512_add_ps(s[k], _mm512_loadu_ps(a + i + 16 * k));
  for (int k = 1; k < 8; ++k) s[0] = _mm512_add_ps(s[0], s[k]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, s[0]);
  float r = 0;
  for (float v : lanes) r += v;
  for (; i < n; ++i) r += a[i];
  return r;
}

// Reads two arrays of n floats: the bytes dot(x, y) reads.
void BM_StreamRead(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx512f")) {
    state.SkipWithError("needs AVX-512");
    return;
  }
  const int64_t n = state.range(0);
  const int threads = int(state.range(1));
  Tensor x = Tensor::randn({n}, 1), y = Tensor::randn({n}, 2);
  for (auto _ : state) {
    float sums[2] = {0, 0};
    split(std::size_t(n) * sizeof(float), threads, [&](std::size_t b, std::size_t e) {
      float r = stream_read(x.data<float>() + b / 4, (e - b) / 4) + stream_read(y.data<float>() + b / 4, (e - b) / 4);
      benchmark::DoNotOptimize(r);
      sums[b == 0 ? 0 : 1] += r;
    });
    benchmark::DoNotOptimize(sums);
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * n * 8);
}
#endif

struct OpCase {
  const char* op;
  int bytes_per_element;  // read + written
};

void BM_Op(benchmark::State& state, const OpCase& c, const std::string& variant) {
  const int64_t n = state.range(0);
  hk::Options o{hk::Backend::cpu, variant, int(state.range(1))};
  const std::string op = c.op;
  Tensor x = Tensor::randn({n}, 1), y = Tensor::randn({n}, 2);
  Tensor out = Tensor::zeros({n});
  Tensor q = Tensor::zeros({n}, hk::DType::i8), qi = Tensor::randn({n}, 3, hk::DType::i8);
  Tensor xi = Tensor::randn({n}, 4, hk::DType::i8), outi = Tensor::zeros({n}, hk::DType::i8);
  for (auto _ : state) {
    if (op == "relu") hk::relu(x, out, o);
    else if (op == "relu_allocating") benchmark::DoNotOptimize(hk::relu(x, o).data<float>());
    else if (op == "relu_i8") hk::relu(xi, outi, o);
    else if (op == "add") hk::add(x, y, out, o);
    else if (op == "mul") hk::mul(x, y, out, o);
    else if (op == "squared_difference") hk::squared_difference(x, y, out, o);
    else if (op == "dot") benchmark::DoNotOptimize(hk::dot(x, y, o));
    else if (op == "euclidean_distance") benchmark::DoNotOptimize(hk::euclidean_distance(x, y, o));
    else if (op == "quantize") hk::quantize(x, 0.05f, q, o);
    else if (op == "dequantize") hk::dequantize(qi, 0.05f, out, o);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * n * c.bytes_per_element);
}

const OpCase kOps[] = {{"relu", 8},  {"relu_allocating", 8}, {"relu_i8", 2},   {"add", 12},       {"mul", 12},
                       {"squared_difference", 12}, {"dot", 8}, {"euclidean_distance", 8},
                       {"quantize", 5}, {"dequantize", 5}};

void args(benchmark::internal::Benchmark* b, std::initializer_list<int> thread_counts) {
  b->ArgNames({"n", "threads"});
  for (int64_t n : kSizes)
    for (int threads : thread_counts) b->Args({n, threads});
  b->UseRealTime();
}
void one_and_two_threads(benchmark::internal::Benchmark* b) { args(b, {1, 2}); }
void one_thread(benchmark::internal::Benchmark* b) { args(b, {1}); }

int register_all() {
  benchmark::RegisterBenchmark("memcpy", BM_Memcpy)->Apply(one_and_two_threads);
#if defined(__x86_64__)
  benchmark::RegisterBenchmark("stream_read", BM_StreamRead)->Apply(one_and_two_threads);
#endif
  for (const OpCase& c : kOps)
    for (const char* variant : {"simd", "parallel"})
      benchmark::RegisterBenchmark((std::string(c.op) + "/" + variant).c_str(),
                                   [&c, variant](benchmark::State& s) { BM_Op(s, c, variant); })
          ->Apply(std::string(variant) == "simd" ? one_thread : one_and_two_threads);
  return 0;
}

const int registered = register_all();

}  // namespace

BENCHMARK_MAIN();
