// `automatic` by cost (hk/choice.hpp): the estimate, the decision, and this machine's rates.
#include "hk/choice.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "hk/cpu_features.hpp"
#include "hk/cuda.hpp"
#include "hk/error.hpp"
#include "hk/hk.hpp"
#include "hk/op_table.hpp"

namespace hk {

namespace {

std::string micros(double s) {
  char buf[32];
  if (s < 1e-3) std::snprintf(buf, sizeof buf, "%.1f µs", s * 1e6);
  else if (s < 1) std::snprintf(buf, sizeof buf, "%.2f ms", s * 1e3);
  else std::snprintf(buf, sizeof buf, "%.2f s", s);
  return buf;
}

}  // namespace

BackendChoice choose_backend(std::string_view op, const std::vector<Shape>& shapes, DType dtype, Device data,
                             const MachineProfile& p) {
  const OpDef& def = op_def(op);
  if (int(shapes.size()) != def.operands && !(def.operands == 2 && def.shape != OpShape::matmul && shapes.size() == 1))
    throw InvalidArgument("choose_backend: " + std::string(op) + " takes " + std::to_string(def.operands) +
                          " operand shape" + (def.operands > 1 ? "s" : "") + ", got " + std::to_string(shapes.size()));
  const Shape& a = shapes[0];
  const Shape b = shapes.size() > 1 ? shapes[1] : def.operands == 2 ? a : Shape{};
  const Work w = def.work(a, b, dtype);
  const bool integer = dtype != DType::f32;

  BackendChoice c;
  c.cpu.backend = Backend::cpu;
  c.cpu.possible = true;
  const double cpu_rate = integer ? p.cpu_int8_ops : p.cpu_fp32_flops;
  c.cpu.compute_s = std::max(cpu_rate > 0 ? w.flops / cpu_rate : 0.0, p.cpu_bytes_per_s > 0 ? w.bytes / p.cpu_bytes_per_s : 0.0);
  c.cpu.overhead_s = p.cpu_call_s;
  c.cpu.total_s = c.cpu.compute_s + c.cpu.overhead_s;

  c.cuda.backend = Backend::cuda;
  c.cuda.possible = !p.gpu_name.empty();
  if (c.cuda.possible) {
    const double gpu_rate = integer ? p.gpu_int8_ops : p.gpu_fp32_flops;
    c.cuda.compute_s = std::max(gpu_rate > 0 ? w.flops / gpu_rate : 0.0, p.gpu_bytes_per_s > 0 ? w.bytes / p.gpu_bytes_per_s : 0.0);
    c.cuda.overhead_s = p.gpu_launch_s;
    if (data.is_cpu()) {
      // Every operand copied over and the result back: the compulsory bytes cross the link
      // once, each copy with its latency.
      c.cuda.transfer_s = (p.link_bytes_per_s > 0 ? w.bytes / p.link_bytes_per_s : 0.0) +
                          p.link_latency_s * double(def.operands + (def.has_output() ? 1 : 0));
    }
    c.cuda.total_s = c.cuda.compute_s + c.cuda.transfer_s + c.cuda.overhead_s;
  }

  std::ostringstream why;
  if (data.is_cuda()) {
    c.backend = Backend::cuda;
    why << "cuda: the data is on " << data.to_string() << ", and stays there";
  } else if (!c.cuda.possible) {
    c.backend = Backend::cpu;
    why << "cpu: no usable GPU";
  } else {
    c.backend = c.cuda.total_s < c.cpu.total_s ? Backend::cuda : Backend::cpu;
    const CostEstimate& won = c.backend == Backend::cuda ? c.cuda : c.cpu;
    const CostEstimate& lost = c.backend == Backend::cuda ? c.cpu : c.cuda;
    why << to_string(c.backend) << ": est. " << micros(won.total_s) << " against " << to_string(lost.backend) << "'s "
        << micros(lost.total_s) << " (cuda: " << micros(c.cuda.transfer_s) << " copies, " << micros(c.cuda.compute_s)
        << " kernel, " << micros(c.cuda.overhead_s) << " launch; cpu: " << micros(c.cpu.compute_s) << " compute, "
        << micros(c.cpu.overhead_s) << " call)";
  }
  c.reason = why.str();
  return c;
}

// ---- this machine's profile ------------------------------------------------------------------

namespace {

using Clock = std::chrono::steady_clock;

template <class F> double best_seconds(int repeats, F&& f) {
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = Clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

std::filesystem::path cache_path() {
  if (const char* off = std::getenv("HK_PROFILE_CACHE"); off && std::string(off) == "0") return {};
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::filesystem::path(x) / "hk" / "machine-profile";
  if (const char* h = std::getenv("HOME"); h && *h) return std::filesystem::path(h) / ".cache" / "hk" / "machine-profile";
  return {};
}

std::string profile_key(const std::string& gpu) {
  // The first field versions the probes below: files written by older probes are not reused.
  return "hk-profile-2 | " + cpu_features().model + " | " + std::to_string(num_threads()) + " threads | " + gpu;
}

// The cache: "key=<key>" then "name=value" lines of one profile.
bool read_cached(const std::string& key, MachineProfile& p) {
  const std::filesystem::path path = cache_path();
  if (path.empty()) return false;
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line) || line != "key=" + key) return false;
  std::map<std::string, double> v;
  while (std::getline(in, line))
    if (auto eq = line.find('='); eq != std::string::npos) v[line.substr(0, eq)] = std::atof(line.c_str() + eq + 1);
  for (const char* k : {"cpu_fp32_flops", "cpu_int8_ops", "cpu_bytes_per_s", "cpu_call_s", "link_bytes_per_s",
                        "link_latency_s", "gpu_launch_s"})
    if (!v.count(k) || !(v[k] > 0)) return false;
  p.cpu_fp32_flops = v["cpu_fp32_flops"], p.cpu_int8_ops = v["cpu_int8_ops"], p.cpu_bytes_per_s = v["cpu_bytes_per_s"];
  p.cpu_call_s = v["cpu_call_s"], p.link_bytes_per_s = v["link_bytes_per_s"], p.link_latency_s = v["link_latency_s"];
  p.gpu_launch_s = v["gpu_launch_s"];
  p.source = "measured earlier, cached in " + path.string();
  return true;
}

void write_cached(const std::string& key, const MachineProfile& p) {
  const std::filesystem::path path = cache_path();
  if (path.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path);  // a failure to cache only means measuring again next time
  out << "key=" << key << "\ncpu_fp32_flops=" << p.cpu_fp32_flops << "\ncpu_int8_ops=" << p.cpu_int8_ops
      << "\ncpu_bytes_per_s=" << p.cpu_bytes_per_s << "\ncpu_call_s=" << p.cpu_call_s
      << "\nlink_bytes_per_s=" << p.link_bytes_per_s << "\nlink_latency_s=" << p.link_latency_s
      << "\ngpu_launch_s=" << p.gpu_launch_s << "\n";
}

// Some milliseconds of hk's own kernels: its best CPU matmul (f32 and int8) at 512³, a
// streaming add over 3 × 64 MiB, a 16-element relu for the fixed cost of a call; on the GPU,
// a 64 MiB copy each way, a 4-byte copy for the latency, a 16-element relu for a launch.
void measure(MachineProfile& p, Device gpu) {
  const Options cpu{Backend::cpu};
  // 512³: near the crossover the CPU runs at its large-problem rate, which a smaller probe
  // underestimates (docs/gpu-h200.md).
  const int64_t n = 512;
  Tensor af = Tensor::from_vector(std::vector<float>(size_t(n * n), 1.0f), {n, n});
  Tensor ai = Tensor::from_vector(std::vector<int8_t>(size_t(n * n), 1), {n, n});
  matmul(af, af, cpu), matmul(ai, ai, cpu);  // warm: threads awake, buffers allocated
  p.cpu_fp32_flops = 2.0 * double(n * n * n) / best_seconds(3, [&] { matmul(af, af, cpu); });
  p.cpu_int8_ops = 2.0 * double(n * n * n) / best_seconds(3, [&] { matmul(ai, ai, cpu); });
  // 64 MiB operands: past the last-level cache, or the rate is the cache's.
  const int64_t big = int64_t(16) << 20;
  Tensor x = Tensor::from_vector(std::vector<float>(size_t(big), 1.0f), {big});
  Tensor out = Tensor::empty({big}, DType::f32);
  add(x, x, out, cpu);
  p.cpu_bytes_per_s = 3.0 * 4.0 * double(big) / best_seconds(3, [&] { add(x, x, out, cpu); });
  Tensor tiny = Tensor::from_vector(std::vector<float>(16, 1.0f), {16});
  p.cpu_call_s = best_seconds(20, [&] { relu(tiny, cpu); });

  Tensor on_gpu = x.to(gpu);  // warm: context, allocator
  p.link_bytes_per_s = 2.0 * 4.0 * double(big) / best_seconds(3, [&] { Tensor d = x.to(gpu); Tensor h = d.to(Device::cpu()); });
  Tensor four = Tensor::from_vector(std::vector<float>(1, 1.0f), {1});
  p.link_latency_s = best_seconds(5, [&] { Tensor d = four.to(gpu); });
  Tensor tiny_gpu = tiny.to(gpu);
  const Options cuda{Backend::cuda};
  relu(tiny_gpu, cuda);
  p.gpu_launch_s = best_seconds(10, [&] { relu(tiny_gpu, cuda); });
}

}  // namespace

namespace {

MachineProfile build_profile() {
  MachineProfile p;
  p.cpu_name = cpu_features().model;
  const CudaDeviceInfo* gpu = nullptr;
  const std::vector<CudaDeviceInfo> devices = cuda_devices();
  for (const CudaDeviceInfo& d : devices)
    if (d.index == default_cuda_device() && d.usable) gpu = &d;
  if (!gpu) {
    p.source = "no usable GPU: nothing to measure, every host call runs on the CPU";
  } else {
    // Compute and memory from the device's properties: hk's GPU kernels reach a large part
    // of these peaks on large problems, which is where the choice matters.
    p.gpu_name = gpu->name;
    p.gpu_fp32_flops = gpu->peak_fp32_flops;
    p.gpu_int8_ops = gpu->peak_int8_dp4a_ops;
    p.gpu_bytes_per_s = gpu->peak_bandwidth_bytes;
    const std::string key = profile_key(gpu->name);
    if (!read_cached(key, p)) {
      try {
        measure(p, Device::cuda(gpu->index));
        p.source = "measured on first use";
        write_cached(key, p);
        if (!cache_path().empty()) p.source += ", cached in " + cache_path().string();
      } catch (const Error& e) {
        // Without the measurements the old rule holds: a usable GPU takes host data too.
        p.cpu_fp32_flops = p.cpu_int8_ops = p.cpu_bytes_per_s = 0;
        p.link_bytes_per_s = p.link_latency_s = p.gpu_launch_s = p.cpu_call_s = 0;
        p.source = std::string("measuring failed (") + e.what() + "): the GPU wins every estimate";
      }
    }
  }
  return p;
}

// Built once per process (a thread-safe static, not a lock per call): every `auto` call with
// host data and a usable GPU reads it.
const MachineProfile& this_machine() {
  static const MachineProfile* profile = new MachineProfile(build_profile());  // leaked: usable after main
  return *profile;
}

}  // namespace

MachineProfile machine_profile() { return this_machine(); }

BackendChoice explain_choice(std::string_view op, const std::vector<Shape>& shapes, DType dtype, Device data) {
  return choose_backend(op, shapes, dtype, data, this_machine());
}

}  // namespace hk
