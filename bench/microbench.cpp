// hk-microbench: Google Benchmark microbenchmarks generated from the registry — every
// supported variant of every op on every available backend (cuda_sim excluded: it is not a
// performance number), at a few sizes and thread counts, plus the peers. Like hk-bench, each
// benchmark validates its variant against fp64 first and reports an error instead of a time
// when the result is wrong.
//
//   hk-microbench --benchmark_filter='matmul/f32/cpu/.*/512' --benchmark_format=json
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <thread>

#include "hk/registry.hpp"
#include "peers/peers.hpp"
#include "run/suite.hpp"
#include "run/team.hpp"
#include "run/workload.hpp"

namespace {

using namespace hk_bench;

// One live workload at a time: the 64 MiB operands of one op are freed before the next's.
Workload& workload(const std::string& op, hk::DType dtype, const std::string& size) {
  static std::unique_ptr<Workload> current;
  hk::Shape dims = parse_size(op, size);
  if (!current || current->op() != op || current->dtype() != dtype || current->dims() != dims)
    current = std::make_unique<Workload>(op, dtype, dims);
  return *current;
}

Team& team() {
  static Team t(std::max(1u, std::thread::hardware_concurrency()));
  return t;
}

void set_counters(benchmark::State& state, const hk::Work& work) {
  if (work.flops > 0)
    state.counters["FLOP/s"] = benchmark::Counter(work.flops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["bytes/s"] = benchmark::Counter(work.bytes, benchmark::Counter::kIsIterationInvariantRate);
}

void bench_variant(benchmark::State& state, std::string op, hk::DType dtype, hk::Backend backend, std::string variant,
                   std::string size, int threads) {
  Workload& w = workload(op, dtype, size);
  const hk::Options o{backend, variant, threads};
  Operands device = backend == hk::Backend::cpu ? Operands{} : w.on(hk::Device::cuda(0));
  Operands& ops = backend == hk::Backend::cpu ? w.host() : device;
  try {
    w.call(o, ops);
    hk::synchronize();
    Operands check = w.host();
    if (backend != hk::Backend::cpu) {
      check.out = ops.out.to(hk::Device::cpu());
      check.result = ops.result;
    }
    if (std::string why = w.check(check); !why.empty()) {
      state.SkipWithError(("FAILED validation: " + why).c_str());
      return;
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  for (auto _ : state) {
    w.call(o, ops);
    hk::synchronize();
  }
  set_counters(state, w.work());
}

void bench_peer(benchmark::State& state, std::string op, hk::DType dtype, std::string name, std::string size,
                int threads) {
  Workload& w = workload(op, dtype, size);
  for (PeerRun& p : peers_for(w, team())) {
    if (p.name != name) continue;
    p.run(threads);
    if (std::string why = p.check(); !why.empty()) {
      state.SkipWithError(("FAILED validation: " + why).c_str());
      return;
    }
    for (auto _ : state) p.run(threads);
    set_counters(state, p.work);
    return;
  }
  state.SkipWithError("peer not available");
}

std::vector<std::string> sizes_for(const std::string& op) {
  if (is_matmul(op)) return {"128", "512", "127x1031x513"};
  return {"4096", "1048576", "16777216"};
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::vector<int> thread_counts = {1};
  if (hk::num_threads() > 1) thread_counts.push_back(hk::num_threads());
  std::vector<hk::BackendInfo> backends = hk::backends();
  auto available = [&](hk::Backend b) {
    for (const hk::BackendInfo& i : backends)
      if (i.backend == b) return i.available;
    return false;
  };
  Team& t = team();
  for (const std::string& op : hk::ops())
    for (hk::DType dtype : registry_dtypes(op))
      for (const std::string& size : sizes_for(op)) {
        for (const hk::VariantRow& row : hk::Registry::get().rows()) {
          if (row.op != op || row.backend == hk::Backend::cuda_sim || !available(row.backend)) continue;
          if (!hk::Registry::kernel_for(row, dtype) || !hk::Registry::supported(row)) continue;
          for (int threads : thread_counts) {
            if (row.backend != hk::Backend::cpu && threads != thread_counts.front()) continue;
            std::string name = op + "/" + hk::to_string(dtype) + "/" + hk::to_string(row.backend) + "/" + row.variant + "/" +
                               size + (row.backend == hk::Backend::cpu ? "/threads:" + std::to_string(threads) : "");
            benchmark::RegisterBenchmark(name.c_str(), bench_variant, op, dtype, row.backend, row.variant, size, threads)
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime();
          }
        }
        Workload probe(op, dtype, parse_size(op, "16"));  // peer names only: tiny buffers
        for (const PeerRun& p : peers_for(probe, t))
          for (int threads : thread_counts) {
            std::string name = op + "/" + hk::to_string(dtype) + "/peer/" + p.name + "/" + size + "/threads:" +
                               std::to_string(threads);
            benchmark::RegisterBenchmark(name.c_str(), bench_peer, op, dtype, p.name, size, threads)
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime();
          }
      }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
