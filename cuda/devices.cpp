// Device discovery: which CUDA devices exist, what they can do, and their peak rates.
// Without a driver every cudart call returns cudaErrorInsufficientDriver (35); discovery
// turns that, an old driver or an empty machine into an "unavailable" BackendInfo whose
// reason says which, instead of failing.
#include <cuda_runtime_api.h>

#include <string>

#include "cuda/cuda_runtime.hpp"
#include "hk/error.hpp"

namespace hk::cuda {

namespace {

std::string version_text(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

std::string error_text(cudaError_t err) {
  return std::string(cudaGetErrorString(err)) + " (" + cudaGetErrorName(err) + ", " + std::to_string(int(err)) + ")";
}

// FP32 FMA lanes per SM (CUDA C++ Programming Guide, arithmetic instruction throughput):
// Turing and GA100 have 64; GA10x, Ada, Hopper and later 128.
int fp32_lanes_per_sm(int major, int minor) {
  int cc = major * 10 + minor;
  if (cc == 75 || cc == 80 || cc == 70 || cc == 72 || cc == 60) return 64;
  return 128;
}

// dp4a instructions per clock per SM. On sm_75…sm_90 dp4a issues on the integer
// multiply-add pipe, 16 lanes per SM partition (64 per SM); Pascal's sm_61 issued it at
// the full FP32 rate. Later architectures: assumed the same as Hopper.
int dp4a_per_sm_clock(int major, int minor) { return major * 10 + minor == 61 ? 128 : 64; }

int attribute(cudaDeviceAttr attr, int device) {
  int v = 0;
  if (cudaDeviceGetAttribute(&v, attr, device) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return v;
}

}  // namespace

Discovery discover() {
  Discovery d;
  d.info = BackendInfo{Backend::cuda, "cuda", false, "", {}};
  cudaDriverGetVersion(&d.versions.driver);  // 0 when no driver is installed
  cudaRuntimeGetVersion(&d.versions.runtime);
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) cudaGetLastError();
  if (err == cudaErrorInsufficientDriver && d.versions.driver == 0) {
    d.info.reason = "no NVIDIA driver: libcuda could not be loaded (cudaGetDeviceCount: " + error_text(err) + ")";
    return d;
  }
  if (err == cudaErrorInsufficientDriver) {
    d.info.reason = "NVIDIA driver too old: it supports CUDA " + version_text(d.versions.driver) +
                    ", this build of hk uses the CUDA " + version_text(d.versions.runtime) +
                    " runtime; update the driver";
    return d;
  }
  if (err == cudaErrorNoDevice || (err == cudaSuccess && count == 0)) {
    d.info.reason = "no CUDA device found (driver " + version_text(d.versions.driver) + ")";
    return d;
  }
  if (err != cudaSuccess) {
    d.info.reason = "cudaGetDeviceCount failed: " + error_text(err);
    return d;
  }
  std::string too_old;
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp p{};
    if (cudaError_t e = cudaGetDeviceProperties(&p, i); e != cudaSuccess) {
      cudaGetLastError();
      too_old += (too_old.empty() ? "" : "; ") + std::string("cuda:") + std::to_string(i) + " could not be queried: " + error_text(e);
      continue;
    }
    CudaDeviceInfo x;
    x.index = i;
    x.name = p.name;
    x.cc_major = p.major;
    x.cc_minor = p.minor;
    x.usable = p.major * 10 + p.minor >= kMinComputeCapability;
    x.sm_count = p.multiProcessorCount;
    x.memory_bytes = p.totalGlobalMem;
    // CUDA 13 removed the clock fields from cudaDeviceProp; the attributes remain.
    x.sm_clock_khz = attribute(cudaDevAttrClockRate, i);
    x.memory_clock_khz = attribute(cudaDevAttrMemoryClockRate, i);
    x.memory_bus_bits = p.memoryBusWidth;
    x.l2_bytes = p.l2CacheSize;
    x.shared_memory_per_sm = p.sharedMemPerMultiprocessor;
    x.shared_memory_per_block_optin = p.sharedMemPerBlockOptin;
    x.registers_per_sm = p.regsPerMultiprocessor;
    x.max_threads_per_sm = p.maxThreadsPerMultiProcessor;
    x.fp32_lanes_per_sm = fp32_lanes_per_sm(p.major, p.minor);
    double hz = double(x.sm_clock_khz) * 1e3;
    x.peak_fp32_flops = double(x.sm_count) * x.fp32_lanes_per_sm * 2.0 * hz;
    x.peak_int8_dp4a_ops = double(x.sm_count) * dp4a_per_sm_clock(p.major, p.minor) * 8.0 * hz;
    x.peak_bandwidth_bytes = 2.0 * double(x.memory_clock_khz) * 1e3 * double(x.memory_bus_bits) / 8.0;
    if (!x.usable)
      too_old += (too_old.empty() ? "" : "; ") + x.name + " is sm_" + std::to_string(p.major * 10 + p.minor);
    d.info.devices.push_back(x.summary());
    d.devices.push_back(std::move(x));
  }
  bool any = false;
  for (const CudaDeviceInfo& x : d.devices) any |= x.usable;
  if (!any) {
    d.info.reason = "no usable CUDA device: " + too_old + "; hk needs sm_" + std::to_string(kMinComputeCapability) +
                    " or newer (CUDA 13 builds for nothing older)";
    return d;
  }
  d.info.available = true;
  if (!too_old.empty()) d.info.reason = "some devices are unusable: " + too_old;
  // Only with a usable device: asking opens cuBLAS (cublas_api.hpp), which nothing else needs.
  try {
    d.versions.cublas = cublas_version();
  } catch (const BackendUnavailable& e) {
    d.info.reason += (d.info.reason.empty() ? "" : "; ") + std::string("the cublas variants cannot run: ") + e.what();
  }
  return d;
}

}  // namespace hk::cuda
