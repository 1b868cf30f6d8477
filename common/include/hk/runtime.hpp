// hk/runtime.hpp — what hk can run here and how: backends, variants, defaults, threads,
// and timing.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "hk/types.hpp"

namespace hk {

struct BackendInfo {
  Backend backend;
  std::string name;
  bool available;
  std::string reason;                // why it is unavailable, or a note ("functional simulation")
  std::vector<std::string> devices;  // "cpu: AMD EPYC (avx512, 2 threads)", "cuda:0: ..."
};

struct VariantInfo {
  std::string op;
  Backend backend;
  std::string variant;
  bool supported;           // the requirement is met on this machine (and backend available)
  std::string requirement;  // "none", "AVX512-VNNI or AVX-VNNI", "sm_61", ...
  std::string summary;
  std::vector<DType> dtypes;  // input dtypes the variant accepts
};

// Every backend hk knows, available or not, with the reason.
std::vector<BackendInfo> backends();
// Every registered variant (of `op`, or of every op when empty), supported or not.
std::vector<VariantInfo> variants(std::string_view op = {});
// The ops hk registers kernels for, in a stable order.
std::vector<std::string> ops();

// Process default backend; initially HK_BACKEND (cpu|cuda|cuda_sim|auto), else automatic.
// A bad HK_BACKEND (or HK_NUM_THREADS) is reported once on stderr and the default used.
void set_default_backend(Backend);
Backend default_backend();
// The GPU backend `automatic` may use on this machine (cuda when a device is usable, else
// cpu); whether a call of host data uses it is decided per call by cost (hk/choice.hpp).
Backend resolve_backend(Backend);

// Size of the thread pool; initially HK_NUM_THREADS, else the number of hardware threads.
// set_num_threads waits for work other threads run on the pool; called from inside an op
// given to parallel_map (work the pool itself runs) it throws InvalidArgument.
void set_num_threads(int);
int num_threads();

// Waits until every kernel queued on the current device has finished (no-op on the CPU).
// hk's own ops return only when their result is ready, so this matters for work queued
// outside hk on the same device.
void synchronize();

// Where the calling thread's most recent op spent its time — hk-bench reads it after each
// timed call to show kernel-only and end-to-end figures side by side.
struct CallTiming {
  std::string_view op, variant;  // the row that ran (strings owned by the registry)
  Backend backend = Backend::cpu;
  // The kernel alone: CUDA events around it on the device (cuda), the CPU's clock around
  // the kernel function (cpu, cuda_sim; only while call timing is on).
  double kernel_ms = 0;
  // Copies hk made because an op ran on cuda with host tensors: inputs to the device and
  // the result back (0 when the tensors already lived on the device).
  double transfer_ms = 0;
  // The whole call from the choice of variant to its return: kernel, copies, staging
  // allocations and synchronisation.
  double total_ms = 0;
  std::size_t bytes_to_device = 0, bytes_to_host = 0;
  std::string note;  // what the variant had to do differently, e.g. pad an unaligned shape
  // Whether the times above come from a clock: always on cuda; on the host backends (cpu,
  // cuda_sim) while call timing is on (set_call_timing); otherwise they stay zero.
  bool timed = false;
};
// The calling thread's most recent op that got as far as choosing a variant (an op that
// failed validation leaves it unchanged). Zero-size calls record zero times.
const CallTiming& last_call_timing();

// Whether calls on the host backends (cpu, cuda_sim) time themselves for last_call_timing();
// initially HK_CALL_TIMING (1 on, 0 off), else off. Off by default, as in oneDNN and
// PyTorch, because the two reads of the CPU's clock cost a small call (a 16³ matmul) as
// much as all of its checks; the rest of the record (op, variant, backend, note) is kept
// either way, and cuda calls are always timed. For the whole process.
void set_call_timing(bool on);
bool call_timing();

struct TimingOptions {
  int warmup = 3;
  int repeats = 10;
};
struct Stats {
  double median_ms, min_ms, max_ms;
  int repeats;
};
// Runs fn `warmup` times untimed, then `repeats` times, each timed with a steady clock and
// followed by hk::synchronize(); reports the median, min and max.
Stats time_kernel(const std::function<void()>& fn, const TimingOptions& = {});

}  // namespace hk
