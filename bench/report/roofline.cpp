#include "report/roofline.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "machine/compute_probes.hpp"
#include "hk/cpu_features.hpp"
#include "machine/memory_kernels.hpp"
#include "run/suite.hpp"

namespace hk_bench {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The best ops/s over 30 timed runs of `probe` on `threads` threads, each ~0.5 ms: short
// runs, so that on a shared machine some of them fit between other processes' time slices.
double compute_peak(Team& team, int threads, const ComputeProbe& probe) {
  volatile double sink = 0;
  const int64_t iterations = iterations_lasting(probe, 0.0005);
  double best = 0;
  for (int rep = 0; rep < 30; ++rep) {
    auto t = Clock::now();
    team.run(threads, [&](int, int) { sink = sink + probe.run(iterations); });
    best = std::max(best, probe.ops_per_iteration * double(iterations) * threads / seconds_since(t));
  }
  return best;
}

}  // namespace

const Peaks* Roofline::at(int threads) const {
  const Peaks* best = nullptr;
  for (const Peaks& p : cpu)
    if (!best || std::abs(p.threads - threads) < std::abs(best->threads - threads)) best = &p;
  return best;
}

Roofline measure_roofline(Team& team, const std::vector<int>& thread_counts) {
  Roofline roof;
  ComputeProbe fp32 = fp32_probe();
  std::optional<ComputeProbe> int8 = int8_probe();
  roof.fp32_how = fp32.how;
  roof.int8_how = int8 ? int8->how : "none (no vpdpbusd on this CPU: int8 rows show no % of peak)";
  std::optional<ComputeProbe> tile = int8_tile_probe();
  roof.int8_tile_how = tile ? tile->how : "none (no AMX tiles here)";
  // Far larger than the last-level cache, so the probe sees DRAM.
  const hk::CpuFeatures& cpu = hk::detected_cpu_features();
  int64_t bytes = std::max<int64_t>(int64_t(64) << 20, int64_t(cpu.l3_bytes) * 4);
  const int64_t floats = bytes / 4;
  hk::Tensor a = hk::Tensor::full({floats}, 1.0), b = hk::Tensor::zeros({floats});
  roof.memory_how = "read: streaming sums (" + stream_isa() + ", one and two streams); copy: the best of memcpy and vector copies with " +
                    "ordinary and non-temporal stores; " + std::to_string(bytes >> 20) + " MiB buffers";
  // The best of about a GiB of passes over the buffers: 6 over buffers up to 170 MiB, fewer as
  // they grow (4 at 256 MiB; 2, the least, at the 1200 MiB of a VM that reports a host's
  // 300 MiB L3): a pass that long is timed well, and six of them would keep hk-bench probing
  // for seconds before its first row.
  const int passes = static_cast<int>(std::clamp<int64_t>((int64_t{1} << 30) / bytes, 2, 6));
  for (int threads : thread_counts) {
    Peaks p;
    p.threads = threads;
    p.fp32_gflops = compute_peak(team, threads, fp32) * 1e-9;
    if (int8) p.int8_gops = compute_peak(team, threads, *int8) * 1e-9;
    if (tile) p.int8_tile_gops = compute_peak(team, threads, *tile) * 1e-9;
    for (int rep = 0; rep < passes; ++rep) {
      // The read roof: the best of one stream over the buffer and two streams over its halves
      // (as a dot product reads x and y).
      auto t = Clock::now();
      volatile double s = stream_sum(team, threads, a.data<float>(), floats);
      p.read_gbps = std::max(p.read_gbps, double(bytes) / seconds_since(t) * 1e-9);
      t = Clock::now();
      s = stream_sum(team, threads, a.data<float>(), a.data<float>() + floats / 2, floats / 2);
      (void)s;
      p.read_gbps = std::max(p.read_gbps, double(bytes) / seconds_since(t) * 1e-9);
      // The copy roof: the best of glibc's memcpy and vector copies with ordinary and with
      // non-temporal stores (which one wins depends on the machine).
      for (int kind = 0; kind < 3; ++kind) {
        t = Clock::now();
        if (kind == 0) parallel_copy(team, threads, b.data<float>(), a.data<float>(), size_t(bytes));
        else parallel_vector_copy(team, threads, b.data<float>(), a.data<float>(), floats, kind == 2);
        p.copy_gbps = std::max(p.copy_gbps, 2.0 * double(bytes) / seconds_since(t) * 1e-9);
      }
    }
    roof.cpu.push_back(p);
  }
  return roof;
}

void apply_roofline(const Roofline& roof, const std::vector<GpuInfo>& gpus, bool writes, Result& r) {
  if (r.status != Status::ok || r.time.median_ms <= 0) return;
  r.bound.clear();
  r.percent_of_peak = 0;
  r.cache_resident = false;
  const double seconds = r.time.median_ms * 1e-3;
  double compute_peak = 0, memory_peak = 0;  // ops/s, bytes/s
  // A row on the AMX tiles has their roof, far above vpdpbusd's.
  const bool tiles = r.backend == "cpu" && r.on_tiles;
  std::string compute_name = r.dtype == hk::DType::i8 && is_matmul(r.op) ? (tiles ? "int8 tiles" : "int8 dot") : "fp32 FMA";
  std::string memory_name = writes ? "memory copy" : "memory read";
  if (r.backend == "cuda") {
    if (gpus.empty()) return;
    const GpuInfo& g = gpus.front();
    compute_peak = (compute_name == "int8 dot" ? g.int8_gops : g.fp32_gflops) * 1e9;
    memory_peak = g.mem_gbps * 1e9;
    memory_name = "GPU memory";
  } else {
    const Peaks* p = roof.at(r.threads);
    if (!p) return;
    compute_peak = (compute_name == "int8 tiles" ? p->int8_tile_gops
                    : compute_name == "int8 dot" ? p->int8_gops
                                                 : p->fp32_gflops) * 1e9;
    memory_peak = (writes ? p->copy_gbps : p->read_gbps) * 1e9;
  }
  if (compute_peak <= 0 && is_matmul(r.op)) {  // no int8 dot instruction (or tiles): no honest roof
    r.bound = compute_name;
    return;
  }
  const double t_compute = compute_peak > 0 ? r.flops / compute_peak : 0;
  const double t_memory = memory_peak > 0 ? r.bytes / memory_peak : 0;
  if (t_compute >= t_memory && r.flops > 0) {
    r.bound = compute_name;
    r.percent_of_peak = compute_peak > 0 ? 100.0 * t_compute / seconds : 0;
  } else {
    r.bound = memory_name;
    r.percent_of_peak = 100.0 * t_memory / seconds;
    // A working set that fits in the last-level cache is served from cache, not DRAM: the
    // DRAM roof doesn't bind and the percentage can pass 100.
    const hk::CpuFeatures& cpu = hk::detected_cpu_features();
    r.cache_resident = r.backend != "cuda" && cpu.l3_bytes > 0 && r.bytes <= double(cpu.l3_bytes);
  }
}

}  // namespace hk_bench
