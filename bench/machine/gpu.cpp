#include "machine/gpu.hpp"

#include <algorithm>

#include "hk/cuda.hpp"

namespace hk_bench {

namespace {
std::string version(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }
}  // namespace

std::vector<GpuInfo> gpu_infos() {
  std::vector<GpuInfo> out;
  const hk::CudaVersions v = hk::cuda_versions();
  for (const hk::CudaDeviceInfo& d : hk::cuda_devices()) {
    if (!d.usable) continue;
    GpuInfo g;
    g.name = "cuda:" + std::to_string(d.index) + " " + d.name;
    g.capability = "sm_" + std::to_string(d.cc_major * 10 + d.cc_minor);
    g.driver = version(v.driver);
    g.runtime = version(v.runtime);
    g.fp32_gflops = d.peak_fp32_flops * 1e-9;
    g.int8_gops = d.peak_int8_dp4a_ops * 1e-9;
    g.mem_gbps = d.peak_bandwidth_bytes * 1e-9;
    out.push_back(g);
  }
  return out;
}

Fields gpu_library_versions() {
  const hk::CudaVersions v = hk::cuda_versions();
  if (!v.runtime && !v.driver) return {};
  return {{"cuda runtime", v.runtime ? version(v.runtime) : "unknown"},
          {"cuda driver", v.driver ? version(v.driver) : "none (no NVIDIA driver)"},
          {"cublas", v.cublas ? std::to_string(v.cublas / 10000) + "." + std::to_string(v.cublas / 100 % 100) + "." +
                                    std::to_string(v.cublas % 100)
                              : "unknown"}};
}

Timing time_gpu_kernel(const std::function<void()>& fn, int warmup, int repeats) {
  const int device = hk::default_cuda_device();
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> ms;
  for (int r = 0; r < repeats; ++r) {
    hk::cuda_flush_l2(device);
    fn();
    ms.push_back(hk::last_call_timing().kernel_ms);
  }
  std::sort(ms.begin(), ms.end());
  const size_t n = ms.size();
  const double median = n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
  return {median, ms.front(), ms.back(), repeats};
}

}  // namespace hk_bench
