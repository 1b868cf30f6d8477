#include "cpu/cpu_budget.hpp"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace hk::cpu {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// cpu.max: "max 100000" (no limit) or "QUOTA PERIOD" in µs.
double cpu_max_limit(const std::string& text) {
  std::istringstream in(text);
  std::string quota;
  double period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) return 0;
  const double q = std::strtod(quota.c_str(), nullptr);
  return q > 0 ? q / period : 0;
}

}  // namespace

double cgroup_cpu_limit(const std::string& sysfs, const std::string& self_cgroup) {
  const std::string cgroups = self_cgroup.empty() ? read_file("/proc/self/cgroup") : self_cgroup;
  double limit = 0;
  auto tighter = [&](double l) {
    if (l > 0 && (limit == 0 || l < limit)) limit = l;
  };
  std::istringstream lines(cgroups);
  for (std::string line; std::getline(lines, line);) {
    // "0::/path" (v2), or "N:cpu,cpuacct:/path" (v1).
    const auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    if (controllers.empty()) {
      // v2: every cgroup from this one up to the root may set a limit.
      for (;;) {
        tighter(cpu_max_limit(read_file(sysfs + (path == "/" ? "" : path) + "/cpu.max")));
        if (path.empty() || path == "/") break;
        path = path.substr(0, std::max<std::size_t>(path.rfind('/'), 1));
      }
    } else if (("," + controllers + ",").find(",cpu,") != std::string::npos) {
      for (const std::string& dir : {sysfs + "/" + controllers + path, sysfs + "/cpu" + path, sysfs + "/" + controllers,
                                    sysfs + "/cpu"}) {
        const std::string quota = read_file(dir + "/cpu.cfs_quota_us"), period = read_file(dir + "/cpu.cfs_period_us");
        const double q = std::strtod(quota.c_str(), nullptr), p = std::strtod(period.c_str(), nullptr);
        if (!quota.empty() && !period.empty()) {
          if (q > 0 && p > 0) tighter(q / p);
          break;
        }
      }
    }
  }
  return limit;
}

int usable_cpus() {
  static const int cpus = [] {
    int n = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) n = std::max(1, CPU_COUNT(&set));
    if (const double limit = cgroup_cpu_limit(); limit > 0)
      n = std::min(n, std::max(1, static_cast<int>(std::ceil(limit - 1e-9))));
    return n;
  }();
  return cpus;
}

bool cpus_oversubscribed(int own_spinning) {
  using Clock = std::chrono::steady_clock;
  static std::atomic<int64_t> next_sample{0};
  static std::atomic<bool> over{false};
  const int64_t now = Clock::now().time_since_epoch().count();
  int64_t due = next_sample.load(std::memory_order_relaxed);
  if (now >= due && next_sample.compare_exchange_strong(due, now + std::chrono::nanoseconds(std::chrono::milliseconds(5)).count(),
                                                          std::memory_order_relaxed)) {
    // /proc/loadavg: "0.20 0.18 0.12 RUNNABLE/TOTAL LASTPID"; RUNNABLE counts this thread.
    int runnable = 0;
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
      double a, b, c;
      if (std::fscanf(f, "%lf %lf %lf %d/", &a, &b, &c, &runnable) != 4) runnable = 0;
      std::fclose(f);
    }
    over.store(runnable - own_spinning > usable_cpus(), std::memory_order_relaxed);
  }
  return over.load(std::memory_order_relaxed);
}

}  // namespace hk::cpu
