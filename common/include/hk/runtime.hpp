// hk/runtime.hpp — what hk can run here and how: backends, variants, defaults, threads,
// and timing.
#pragma once

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
void set_default_backend(Backend);
Backend default_backend();
// What `automatic` resolves to on this machine (cuda when a device is usable, else cpu).
Backend resolve_backend(Backend);

// Size of the thread pool; initially HK_NUM_THREADS, else the number of hardware threads.
void set_num_threads(int);
int num_threads();

// Waits until every kernel queued on the current device has finished (no-op on the CPU).
void synchronize();

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
