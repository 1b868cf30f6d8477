// The one file that knows which backends this build of hk contains. Everything else asks
// here: the registry is filled from each compiled-in backend's table, and the device
// runtimes (memory, copies, synchronisation) are looked up here.
#include <cstdio>
#include <cstdlib>
#include <atomic>
#include <memory>
#include <mutex>

#include "common/src/memory.hpp"
#include "hk/cpu_features.hpp"
#include "hk/error.hpp"
#include "hk/registry.hpp"
#include "hk/runtime.hpp"

#if HK_HAVE_CUDA
#include "cuda/cuda_runtime.hpp"
#endif

namespace hk {

namespace {
// cuda_sim runs the CUDA kernels thread by thread on the CPU: its times say nothing about a
// GPU (or about the CPU kernels), and every tool that shows it must say so.
constexpr const char* kCudaSimNote = "functional simulation — not a performance number";
[[maybe_unused]] constexpr const char* kCudaNotCompiled =
    "not compiled in: hk was built without the cuda backend (-DHK_ENABLE_CUDA=OFF or no CUDA toolkit found)";
}  // namespace

const Registry& Registry::get() {
  // Never destroyed: ops may run from static objects' destructors after main returned.
  static const Registry* registry = [] {
    auto r = std::make_unique<Registry>();
    register_cpu(*r);
#if HK_HAVE_CUDA
    register_cuda(*r);
#endif
    register_cuda_sim(*r);  // the simulator is part of every build
    r->finalize();
    return r.release();
  }();
  return *registry;
}

namespace detail {

DeviceRuntime* device_runtime(Device::Kind kind) {
#if HK_HAVE_CUDA
  if (kind == Device::Kind::cuda) return &cuda::runtime();
#endif
  (void)kind;
  return nullptr;
}

DeviceRuntime& usable_device_runtime(Device device) {
  DeviceRuntime* rt = device_runtime(device.kind());
  if (!rt)
    throw BackendUnavailable("device " + device.to_string() + " is unavailable: " + kCudaNotCompiled);
  const BackendInfo& info = rt->info();
  if (!info.available)
    throw BackendUnavailable("device " + device.to_string() + " is unavailable: " + info.reason);
  const std::vector<CudaDeviceInfo>& devices = rt->devices();
  if (device.index() >= static_cast<int>(devices.size()))
    throw BackendUnavailable("device " + device.to_string() + " does not exist: " +
                             std::to_string(devices.size()) + " CUDA device(s) found");
  const CudaDeviceInfo& d = devices[static_cast<std::size_t>(device.index())];
  if (!d.usable)
    throw BackendUnavailable("device " + d.summary() + " is too old: hk needs compute capability 7.5 or newer");
  return *rt;
}

}  // namespace detail

std::vector<BackendInfo> backends() {
  std::vector<BackendInfo> out;
  const CpuFeatures& f = cpu_features();
  out.push_back({Backend::cpu, "cpu", true, "",
                 {"cpu: " + (f.model.empty() ? std::string("unknown CPU") : f.model) + " (" +
                  cpu_isa_name() + ", " + std::to_string(num_threads()) + " threads)"}});
#if HK_HAVE_CUDA
  BackendInfo cuda_info = cuda::runtime().info();
  out.push_back(cuda_info);
#else
  out.push_back({Backend::cuda, "cuda", false, kCudaNotCompiled, {}});
#endif
  out.push_back({Backend::cuda_sim, "cuda_sim", true, kCudaSimNote,
                 {"cuda_sim: hk's SIMT simulator running the CUDA kernels on " + std::to_string(num_threads()) +
                  " CPU threads (warp size 32)"}});
  return out;
}

namespace {

bool available(Backend b) {
  switch (b) {
    case Backend::cpu: return true;
    case Backend::cuda: {
      detail::DeviceRuntime* rt = detail::device_runtime(Device::Kind::cuda);
      return rt && rt->info().available;
    }
    case Backend::cuda_sim: return true;
    case Backend::automatic: return false;
  }
  return false;
}

// The process default; −1 until HK_BACKEND has been read. Atomic rather than locked: every
// op without an explicit backend reads it.
std::atomic<int> default_value{-1};

// HK_BACKEND, read once. A bad value is reported rather than thrown, so that ops still run
// and set_default_backend can still choose.
Backend backend_from_env() {
  static const Backend b = [] {
    const char* env = std::getenv("HK_BACKEND");
    if (!env || !*env) return Backend::automatic;
    try {
      return parse_backend(env);
    } catch (const InvalidArgument&) {
      std::fprintf(stderr, "hk: warning: HK_BACKEND='%s' is not one of cpu, cuda, cuda_sim, auto; using auto\n", env);
      return Backend::automatic;
    }
  }();
  return b;
}

}  // namespace

void set_default_backend(Backend b) { default_value.store(static_cast<int>(b), std::memory_order_release); }

Backend default_backend() {
  int v = default_value.load(std::memory_order_acquire);
  if (v >= 0) return static_cast<Backend>(v);
  int unset = -1;
  default_value.compare_exchange_strong(unset, static_cast<int>(backend_from_env()), std::memory_order_acq_rel);
  return static_cast<Backend>(default_value.load(std::memory_order_acquire));
}

Backend resolve_backend(Backend b) {
  if (b != Backend::automatic) return b;
  return available(Backend::cuda) ? Backend::cuda : Backend::cpu;
}

void synchronize() {
  if (available(Backend::cuda)) detail::device_runtime(Device::Kind::cuda)->synchronize();
}

namespace detail {
// Why `backend` cannot run here, or "" when it can.
std::string unavailable_reason(Backend backend) {
  if (available(backend)) return "";
  for (const BackendInfo& info : backends())
    if (info.backend == backend) return info.reason;
  return "unknown backend";
}
}  // namespace detail

}  // namespace hk
