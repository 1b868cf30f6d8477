// hk/cuda.hpp: the GPU facts hk exposes, in every build. They go through the cuda
// DeviceRuntime when it is compiled in (backends.cpp knows whether it is) and are empty
// otherwise. The occupancy rules are plain arithmetic and need no GPU at all.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/src/memory.hpp"
#include "hk/cuda.hpp"
#include "hk/error.hpp"

namespace hk {

namespace {

detail::DeviceRuntime* cuda_runtime() { return detail::device_runtime(Device::Kind::cuda); }

bool cuda_available() {
  detail::DeviceRuntime* rt = cuda_runtime();
  return rt && rt->info().available;
}

int default_device_from_environment() {
  const char* env = std::getenv("HK_CUDA_DEVICE");
  if (!env || !*env) return 0;
  char* end = nullptr;
  long v = std::strtol(env, &end, 10);
  if (*end != '\0' || v < 0 || v > 1024)
    throw InvalidArgument(std::string("HK_CUDA_DEVICE must be a device index ≥ 0, got '") + env + "'");
  return static_cast<int>(v);
}

std::atomic<int> g_default_device{-1};  // -1: not read from the environment yet

}  // namespace

std::string CudaDeviceInfo::summary() const {
  char buf[256];
  std::snprintf(buf, sizeof buf, "sm_%d%d, %d SMs @ %.2f GHz, %.1f GiB, %.1f TFLOP/s fp32, %.0f GB/s%s", cc_major,
                cc_minor, sm_count, sm_clock_khz / 1e6, double(memory_bytes) / double(1ull << 30),
                peak_fp32_flops / 1e12, peak_bandwidth_bytes / 1e9, usable ? "" : ", too old for hk");
  return "cuda:" + std::to_string(index) + ": " + name + " (" + buf + ")";
}

std::vector<CudaDeviceInfo> cuda_devices() {
  detail::DeviceRuntime* rt = cuda_runtime();
  return rt ? rt->devices() : std::vector<CudaDeviceInfo>{};
}

CudaVersions cuda_versions() {
  detail::DeviceRuntime* rt = cuda_runtime();
  return rt ? rt->versions() : CudaVersions{};
}

void set_default_cuda_device(int index) {
  if (index < 0) throw InvalidArgument("set_default_cuda_device: index must be ≥ 0, got " + std::to_string(index));
  g_default_device.store(index);
}

int default_cuda_device() {
  int d = g_default_device.load();
  if (d < 0) {
    d = default_device_from_environment();
    int unset = -1;
    if (!g_default_device.compare_exchange_strong(unset, d)) d = g_default_device.load();
  }
  return d;
}

CudaMemoryStats cuda_memory_stats(int device) {
  if (device < 0) throw InvalidArgument("cuda_memory_stats: device must be ≥ 0, got " + std::to_string(device));
  return cuda_available() ? cuda_runtime()->memory_stats(device) : CudaMemoryStats{};
}

void cuda_empty_cache() {
  if (cuda_available()) cuda_runtime()->empty_cache();
}

void cuda_flush_l2(int device) { detail::usable_device_runtime(Device::cuda(device)).flush_l2(device); }

std::vector<CudaKernelResources> cuda_kernel_resources() {
  detail::DeviceRuntime* rt = cuda_runtime();
  return rt ? rt->kernel_resources() : std::vector<CudaKernelResources>{};
}

namespace {

// Per-architecture limits (CUDA C++ Programming Guide, "Technical Specifications per
// Compute Capability", and the occupancy calculator's allocation rules).
struct ArchLimits {
  int arch;
  int max_threads_per_sm, max_blocks_per_sm, registers_per_sm, max_registers_per_thread;
  int shared_per_sm, shared_per_block, reserved_shared_per_block;
};
constexpr ArchLimits kArchs[] = {
    {75, 1024, 16, 65536, 255, 64 * 1024, 64 * 1024, 0},
    {80, 2048, 32, 65536, 255, 164 * 1024, 163 * 1024, 1024},
    {86, 1536, 16, 65536, 255, 100 * 1024, 99 * 1024, 1024},
    {87, 1536, 16, 65536, 255, 164 * 1024, 163 * 1024, 1024},
    {89, 1536, 24, 65536, 255, 100 * 1024, 99 * 1024, 1024},
    {90, 2048, 32, 65536, 255, 228 * 1024, 227 * 1024, 1024},
};

}  // namespace

CudaOccupancy cuda_occupancy(int arch, int registers, int shared_bytes, int block_threads) {
  const ArchLimits* lim = nullptr;
  for (const ArchLimits& a : kArchs)
    if (a.arch == arch) lim = &a;
  CudaOccupancy o;
  if (!lim) {
    o.limiter = "unknown architecture sm_" + std::to_string(arch);
    return o;
  }
  // Names the argument at fault (the first one, when several are).
  if (block_threads <= 0 || block_threads > 1024) {
    o.limiter = "invalid launch: block_threads = " + std::to_string(block_threads) + ", must be in 1..1024";
    return o;
  }
  if (registers < 0) {
    o.limiter = "invalid launch: registers = " + std::to_string(registers) + ", must be ≥ 0";
    return o;
  }
  if (shared_bytes < 0) {
    o.limiter = "invalid launch: shared_bytes = " + std::to_string(shared_bytes) + ", must be ≥ 0";
    return o;
  }
  if (registers > lim->max_registers_per_thread || shared_bytes > lim->shared_per_block) {
    o.limiter = "does not fit on sm_" + std::to_string(arch);
    return o;
  }
  const int warp = 32, max_warps = lim->max_threads_per_sm / warp;
  const int warps_per_block = (block_threads + warp - 1) / warp;
  // Registers are allocated per warp in units of 256.
  const int regs_per_warp = (std::max(registers, 1) * warp + 255) / 256 * 256;
  const int by_registers = lim->registers_per_sm / regs_per_warp / warps_per_block;
  // Shared memory in units of 128 bytes, plus what the system reserves per block.
  const int smem_per_block = (shared_bytes + lim->reserved_shared_per_block + 127) / 128 * 128;
  const int by_shared = smem_per_block > 0 ? lim->shared_per_sm / smem_per_block : lim->max_blocks_per_sm;
  const int by_threads = max_warps / warps_per_block;
  const int by_blocks = lim->max_blocks_per_sm;
  o.blocks_per_sm = std::min({by_threads, by_blocks, by_registers, by_shared});
  o.limiter = o.blocks_per_sm == by_threads     ? "threads"
              : o.blocks_per_sm == by_blocks    ? "blocks"
              : o.blocks_per_sm == by_registers ? "registers"
                                                : "shared memory";
  o.warps_per_sm = o.blocks_per_sm * warps_per_block;
  o.fraction = double(o.warps_per_sm) / double(max_warps);
  return o;
}

}  // namespace hk
