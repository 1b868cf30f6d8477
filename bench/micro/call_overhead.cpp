// What a public call costs on top of its kernel: hk::matmul on a 16³ f32 product (the
// output-parameter form, so no allocation) next to the same kernel called straight through
// the registry's function pointer, and the int8 product the same way. The difference is
// the per-call overhead — operand checks, variant resolution, the call record and timing —
// which an inference loop of small layers pays on every layer.
//
//   hk-micro-call --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Other rows: the call with its timing record on (hk::set_call_timing: two reads of the
// CPU's clock), the allocating form (adds a tensor allocation), resolution with a named
// variant (a registry lookup by name instead of this thread's last choice), and OpenBLAS's
// cblas_sgemm on the same operands (when built with it), whose whole call is the bar.
// OpenBLAS picks its kernel from OPENBLAS_CORETYPE when set; run it with that unset.
#include <benchmark/benchmark.h>

#include <variant>

#include <hk/hk.hpp>
#include <hk/registry.hpp>

#if HK_BENCH_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace {

constexpr int64_t kN = 16;

template <class T, class Acc>
void public_call(benchmark::State& state, hk::DType in, hk::DType out_dtype, const hk::Options& o) {
  hk::Tensor a = in == hk::DType::f32 ? hk::Tensor::randn({kN, kN}, 1) : hk::Tensor::zeros({kN, kN}, in);
  hk::Tensor b = in == hk::DType::f32 ? hk::Tensor::randn({kN, kN}, 2) : hk::Tensor::zeros({kN, kN}, in);
  hk::Tensor c = hk::Tensor::zeros({kN, kN}, out_dtype);
  for (auto _ : state) {
    hk::matmul(a, b, c, o);
    benchmark::DoNotOptimize(c.data<Acc>());
  }
}

template <class T, class Acc>
void kernel_call(benchmark::State& state, hk::DType in, hk::DType out_dtype) {
  const hk::VariantRow* row = hk::Registry::get().best("matmul", hk::Backend::cpu, in);
  auto kernel = std::get<hk::kernel::Matmul<T, Acc>>(*hk::Registry::kernel_for(*row, in));
  hk::Tensor a = in == hk::DType::f32 ? hk::Tensor::randn({kN, kN}, 1) : hk::Tensor::zeros({kN, kN}, in);
  hk::Tensor b = in == hk::DType::f32 ? hk::Tensor::randn({kN, kN}, 2) : hk::Tensor::zeros({kN, kN}, in);
  hk::Tensor c = hk::Tensor::zeros({kN, kN}, out_dtype);
  const hk::KernelContext ctx{.threads = hk::num_threads()};
  state.SetLabel(row->variant);
  for (auto _ : state) {
    kernel(a.data<T>(), b.data<T>(), c.data<Acc>(), kN, kN, kN, ctx);
    benchmark::DoNotOptimize(c.data<Acc>());
  }
}

const hk::Options kCpu{.backend = hk::Backend::cpu};

void BM_f32_public(benchmark::State& s) { public_call<float, float>(s, hk::DType::f32, hk::DType::f32, kCpu); }
void BM_f32_kernel(benchmark::State& s) { kernel_call<float, float>(s, hk::DType::f32, hk::DType::f32); }
void BM_f32_public_named_variant(benchmark::State& s) {
  public_call<float, float>(s, hk::DType::f32, hk::DType::f32, {.backend = hk::Backend::cpu, .variant = "parallel"});
}
void BM_f32_public_timed(benchmark::State& s) {
  hk::set_call_timing(true);
  public_call<float, float>(s, hk::DType::f32, hk::DType::f32, kCpu);
  hk::set_call_timing(false);
}
void BM_f32_public_allocating(benchmark::State& s) {
  hk::Tensor a = hk::Tensor::randn({kN, kN}, 1), b = hk::Tensor::randn({kN, kN}, 2);
  for (auto _ : s) {
    hk::Tensor c = hk::matmul(a, b, kCpu);
    benchmark::DoNotOptimize(c.data<float>());
  }
}
void BM_i8_public(benchmark::State& s) { public_call<int8_t, int32_t>(s, hk::DType::i8, hk::DType::i32, kCpu); }
void BM_i8_kernel(benchmark::State& s) { kernel_call<int8_t, int32_t>(s, hk::DType::i8, hk::DType::i32); }

#if HK_BENCH_HAVE_OPENBLAS
void BM_f32_openblas(benchmark::State& s) {
  hk::Tensor a = hk::Tensor::randn({kN, kN}, 1), b = hk::Tensor::randn({kN, kN}, 2);
  hk::Tensor c = hk::Tensor::zeros({kN, kN}, hk::DType::f32);
  openblas_set_num_threads(1);
  for (auto _ : s) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, kN, kN, kN, 1.0f, a.data<float>(), kN, b.data<float>(), kN,
                0.0f, c.data<float>(), kN);
    benchmark::DoNotOptimize(c.data<float>());
  }
}
BENCHMARK(BM_f32_openblas);
#endif

}  // namespace

BENCHMARK(BM_f32_public);
BENCHMARK(BM_f32_kernel);
BENCHMARK(BM_f32_public_timed);
BENCHMARK(BM_f32_public_named_variant);
BENCHMARK(BM_f32_public_allocating);
BENCHMARK(BM_i8_public);
BENCHMARK(BM_i8_kernel);

BENCHMARK_MAIN();
