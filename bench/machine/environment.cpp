#include "machine/environment.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <thread>

#include "machine/gpu.hpp"
#include "hk/cpu_features.hpp"
#include "peers/peers.hpp"

namespace hk_bench {

std::string Environment::value(const std::string& key) const {
  for (const auto& [k, v] : fields)
    if (k == key) return v;
  for (const auto& [k, v] : variables)
    if (k == key) return v;
  return "";
}

const std::vector<std::string>& relevant_variables() {
  static const std::vector<std::string> names = {
      "HK_BACKEND",        "HK_NUM_THREADS",  "HK_CPU_ISA",      "HK_BENCH_BREAK",
      "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
      "OMP_WAIT_POLICY",   "GOMP_SPINCOUNT",  "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA",
      "CUDA_VISIBLE_DEVICES"};
  return names;
}

namespace {

std::string kib(int bytes) { return bytes > 0 ? std::to_string(bytes / 1024) + " KiB" : "unknown"; }

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  double a = 0, b = 0, c = 0;
  if (!(f >> a >> b >> c)) return "unknown";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %.2f %.2f", a, b, c);
  return buf;
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

Environment gather_environment() {
  Environment env;
  const hk::CpuFeatures& detected = hk::detected_cpu_features();
  auto add = [&](std::string k, std::string v) { env.fields.emplace_back(std::move(k), std::move(v)); };
  add("hk version", HK_BENCH_HK_VERSION);
#if defined(__clang__)
  add("build", std::string(HK_BENCH_BUILD_TYPE) + ", clang " + __clang_version__);
#else
  add("build", std::string(HK_BENCH_BUILD_TYPE) + ", g++ " + __VERSION__);
#endif
  add("date", utc_now());
  add("load average", load_average());
  add("cpu model", detected.model.empty() ? "unknown" : detected.model);
  add("hardware threads", std::to_string(std::thread::hardware_concurrency()));
  add("hk threads", std::to_string(hk::num_threads()));
  add("cpu isa in use", hk::cpu_isa_name());
  add("highway target", hk::simd_target());
  add("cpu features in use", hk::cpu_feature_list());
  add("caches", "L1d " + kib(detected.l1d_bytes) + ", L2 " + kib(detected.l2_bytes) + ", L3 " + kib(detected.l3_bytes));
  add("highway", HK_BENCH_HWY_VERSION);
  for (auto& [k, v] : peer_library_versions()) add(k, v);
  env.backends = hk::backends();
  for (const hk::BackendInfo& b : env.backends) {
    std::string v = b.available ? "available" : "unavailable: " + b.reason;
    for (const std::string& d : b.devices) v += "; " + d;
    add("backend " + b.name, v);
  }
  env.gpus = gpu_infos();
  for (auto& [k, v] : gpu_library_versions()) add(k, v);
  for (const std::string& name : relevant_variables()) {
    const char* v = std::getenv(name.c_str());
    env.variables.emplace_back(name, v ? std::string(v) : "(unset)");
  }
  return env;
}

}  // namespace hk_bench
