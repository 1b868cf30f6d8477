// hk/cuda.hpp — what hk knows about the machine's NVIDIA GPUs and its own CUDA kernels:
// devices and their peak rates (for "% of peak"), device memory held by hk's caching
// allocator, and the static resource report (registers, shared memory, spills) of every
// CUDA kernel compiled into this build.
//
// Every function here exists in every build of hk: without the cuda backend, or without a
// usable device, the lists are empty and the stats are zero (hk::backends() says why).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hk {

// One CUDA device as the runtime reports it, with the peak rates derived from it.
struct CudaDeviceInfo {
  int index = 0;            // the N of Device::cuda(N)
  std::string name;         // "NVIDIA A100-SXM4-80GB"
  int cc_major = 0, cc_minor = 0;  // compute capability
  bool usable = false;      // hk runs on it (compute capability ≥ 7.5)
  int sm_count = 0;
  std::size_t memory_bytes = 0;
  int sm_clock_khz = 0;     // peak (boost) SM clock
  int memory_clock_khz = 0; // peak memory clock
  int memory_bus_bits = 0;
  int l2_bytes = 0;
  std::size_t shared_memory_per_sm = 0, shared_memory_per_block_optin = 0;
  int registers_per_sm = 0, max_threads_per_sm = 0;
  int fp32_lanes_per_sm = 0;  // FP32 FMA units per SM for this architecture

  // Peak rates, from the figures above (no measurement):
  //   fp32  = SMs · FP32 lanes/SM · 2 (an FMA is two operations) · SM clock
  //   int8  = SMs · 64 dp4a/clock/SM (the integer multiply-add pipe on sm_75…sm_90) · 8
  //           (four multiplies and four adds per dp4a) · SM clock — the rate hk's dp4a
  //           kernels can reach; tensor-core int8 (used by cuBLAS) is far higher
  //   bandwidth = 2 (double data rate) · memory clock · bus width / 8
  double peak_fp32_flops = 0;
  double peak_int8_dp4a_ops = 0;
  double peak_bandwidth_bytes = 0;  // bytes per second
  std::string summary() const;      // "cuda:0: NVIDIA A100 (sm_80, 108 SMs, 80 GiB, ...)"
};

// Every CUDA device the runtime sees (usable or not); empty without a driver or device.
std::vector<CudaDeviceInfo> cuda_devices();

// Driver and runtime versions as CUDA encodes them (12040 = 12.4); 0 when unknown (no
// driver, or hk built without CUDA). cublas: major·10000 + minor·100 + patch, read only
// when a usable device exists (reading it loads cuBLAS), 0 otherwise.
struct CudaVersions {
  int driver = 0, runtime = 0, cublas = 0;
};
CudaVersions cuda_versions();

// The device that host tensors are staged to when an op runs with backend cuda, and that
// `automatic` uses: initially HK_CUDA_DEVICE (an index), else 0. Tensors already on
// cuda:N always compute on cuda:N. InvalidArgument for a negative index.
void set_default_cuda_device(int index);
int default_cuda_device();

// hk's caching device allocator: freed blocks are kept and reused instead of returned to
// cudaFree (cudaMalloc/cudaFree synchronise the device and cost tens of microseconds).
// HK_CUDA_CACHE=0 turns the cache off (every block goes straight to cudaMalloc/cudaFree),
// e.g. to let compute-sanitizer see each allocation.
struct CudaMemoryStats {
  std::size_t in_use_bytes = 0;       // held by live tensors and temporaries
  std::size_t cached_bytes = 0;       // freed, kept for reuse
  std::size_t peak_in_use_bytes = 0;
  int64_t device_allocations = 0;     // cudaMalloc calls made
  int64_t cache_hits = 0;             // allocations served from the cache
};
CudaMemoryStats cuda_memory_stats(int device = 0);
// Returns every cached (free) block of every device to the driver.
void cuda_empty_cache();

// Evicts the device's L2 cache by writing a buffer larger than it, so that the next
// kernel reads its inputs from DRAM (benchmarks call it between repeats). BackendUnavailable
// without a usable device.
void cuda_flush_l2(int device = 0);

// ---- static resource report ----------------------------------------------------------
// What ptxas reported for every kernel compiled into this build, per architecture. Filled
// at build time (see cuda/CMakeLists.txt); no device needed.
struct CudaKernelResources {
  std::string kernel;        // demangled name
  std::string mangled;
  std::string source;        // the .cu file it was compiled from
  int arch = 0;              // 75, 80, 86, 89, 90
  int registers = 0;         // per thread
  int shared_bytes = 0;      // static shared memory per block
  int stack_bytes = 0;       // per-thread stack frame (local memory)
  int spill_store_bytes = 0, spill_load_bytes = 0;
  int constant_bytes = 0;    // cmem[0]: kernel parameters and constants
  int block_threads = 0;     // threads per block its __launch_bounds__ promise (hk's own
                             // kernels); 0 when unknown (library kernels)
};
std::vector<CudaKernelResources> cuda_kernel_resources();

// Theoretical occupancy of a kernel on an architecture, by the rules of NVIDIA's
// occupancy calculator: resident blocks per SM limited by threads, blocks, registers
// (allocated per warp in units of 256) and shared memory (in units of 128 bytes, plus
// 1 KiB reserved per block from sm_80 on).
struct CudaOccupancy {
  int blocks_per_sm = 0;
  int warps_per_sm = 0;
  double fraction = 0;    // resident warps / the SM's maximum
  std::string limiter;    // "threads", "blocks", "registers", "shared memory" or why 0
};
CudaOccupancy cuda_occupancy(int arch, int registers, int shared_bytes, int block_threads);

}  // namespace hk
