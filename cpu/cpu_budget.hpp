// How many CPUs this process may actually use, and whether they are oversubscribed now.
//
// std::thread::hardware_concurrency() counts the machine's CPUs; a process pinned with
// taskset, or in a container with a CPU quota, gets fewer. hk's pool is sized by what the
// process may use, a job never runs on more threads than that, and waiting threads stop
// spinning while more threads are runnable than there are CPUs (a spinning thread then
// takes the core from one that has work).
#pragma once

#include <string>

namespace hk::cpu {

// min(CPUs in the affinity mask, the cgroup CPU quota rounded up), at least 1. Read once.
int usable_cpus();

// The CPU limit of the cgroup this process is in (cgroup v2 cpu.max along the path, or
// v1's cfs quota / period), 0 when there is none. `sysfs` is where cgroupfs is mounted,
// `self_cgroup` the text of /proc/self/cgroup (parameters for tests).
double cgroup_cpu_limit(const std::string& sysfs = "/sys/fs/cgroup", const std::string& self_cgroup = "");

// True while more threads are runnable machine-wide than usable_cpus(), not counting
// `own_spinning` threads of the caller's that only poll for work (a pool's idle workers, which
// would give their CPU up at once): sampled from /proc/loadavg at most every few
// milliseconds, so a call costs a clock read.
bool cpus_oversubscribed(int own_spinning = 0);

}  // namespace hk::cpu
