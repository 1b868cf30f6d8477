// GPU properties and event timing through the CUDA runtime API. No GPU exists on the
// machine hk is developed on: every call here degrades to "no device" when cudart reports
// no driver, and the timing path has not run on real hardware yet (see the README).
#include <cuda_runtime_api.h>

#include <algorithm>
#include <string>

#include "gpu.hpp"

namespace hk_bench {

namespace {

std::string version(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) {
    cudaGetLastError();
    throw hk::CudaError(std::string("hk-bench: ") + what + ": " + cudaGetErrorString(err));
  }
}

// FP32 lanes per SM (the "CUDA cores") by architecture; the int8 dp4a rate counted as 4 ×
// the fp32 FMA rate (one dp4a = 4 multiply-adds at the FMA issue rate; tensor cores not
// counted, since no hk kernel uses them).
int fp32_lanes_per_sm(int major, int minor) {
  if (major == 7) return 64;                 // Volta, Turing
  if (major == 8 && minor == 0) return 64;   // A100
  return 128;                                // GA10x, Ada, Hopper, Blackwell
}

int attribute(cudaDeviceAttr a, int device) {
  int v = 0;
  if (cudaDeviceGetAttribute(&v, a, device) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return v;
}

}  // namespace

std::vector<GpuInfo> gpu_infos() {
  std::vector<GpuInfo> out;
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();
    return out;
  }
  int driver = 0, runtime = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  for (int d = 0; d < count; ++d) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, d) != cudaSuccess) {
      cudaGetLastError();
      continue;
    }
    GpuInfo g;
    g.name = "cuda:" + std::to_string(d) + " " + p.name;
    g.capability = "sm_" + std::to_string(p.major * 10 + p.minor);
    g.driver = version(driver);
    g.runtime = version(runtime);
    double clock_ghz = attribute(cudaDevAttrClockRate, d) * 1e-6;           // kHz → GHz
    double mem_clock_ghz = attribute(cudaDevAttrMemoryClockRate, d) * 1e-6;  // kHz → GHz
    double bus_bytes = attribute(cudaDevAttrGlobalMemoryBusWidth, d) / 8.0;
    g.fp32_gflops = p.multiProcessorCount * fp32_lanes_per_sm(p.major, p.minor) * 2.0 * clock_ghz;
    g.int8_gops = 4 * g.fp32_gflops;
    g.mem_gbps = 2.0 * mem_clock_ghz * bus_bytes;  // double data rate
    out.push_back(g);
  }
  return out;
}

Fields gpu_library_versions() {
  int driver = 0, runtime = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  return {{"cuda runtime", version(runtime)},
          {"cuda driver", driver ? version(driver) : std::string("none (no NVIDIA driver)")}};
}

Timing time_gpu_kernel(const std::function<void()>& fn, int warmup, int repeats) {
  int l2 = attribute(cudaDevAttrL2CacheSize, 0);
  size_t flush_bytes = std::max<size_t>(size_t(l2) * 2, size_t(8) << 20);
  void* flush = nullptr;
  check(cudaMalloc(&flush, flush_bytes), "cudaMalloc (L2 flush buffer)");
  cudaEvent_t start, stop;
  check(cudaEventCreate(&start), "cudaEventCreate");
  check(cudaEventCreate(&stop), "cudaEventCreate");
  std::vector<double> ms;
  try {
    for (int i = 0; i < warmup; ++i) fn();
    check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
    for (int r = 0; r < repeats; ++r) {
      check(cudaMemset(flush, r & 0xff, flush_bytes), "cudaMemset (L2 flush)");
      check(cudaEventRecord(start, nullptr), "cudaEventRecord");
      fn();
      check(cudaEventRecord(stop, nullptr), "cudaEventRecord");
      check(cudaEventSynchronize(stop), "cudaEventSynchronize");
      float t = 0;
      check(cudaEventElapsedTime(&t, start, stop), "cudaEventElapsedTime");
      ms.push_back(t);
    }
  } catch (...) {
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    cudaFree(flush);
    throw;
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  cudaFree(flush);
  std::sort(ms.begin(), ms.end());
  size_t n = ms.size();
  double median = n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
  return {median, ms.front(), ms.back(), repeats};
}

}  // namespace hk_bench
