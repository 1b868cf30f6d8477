// cuda_sim's sanitizer and profiler (hk/experimental/sim_check.hpp): what the instrumented
// kernels' memory accesses go through. cuda/sim/access_hooks.cpp receives each access from
// the instrumentation and hands it to this OS thread's BlockChecker while a checked launch
// runs a block here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cuda/sim/device.hpp"
#include "hk/experimental/sim_check.hpp"

namespace hk::sim {

struct KernelLaunch;
class BlockRunner;

// A range a kernel may read and write as global memory: a tensor of the call, or scratch.
struct Allocation {
  uintptr_t begin = 0, end = 0;
  std::string name;
};

// One profiled launch: counters per launch and per instrumented instruction.
struct LaunchProfile {
  std::mutex mutex;
  SimCounters total;
  std::unordered_map<uintptr_t, SimCounters> by_pc;
};

// What one cuda_sim call checks and counts: made by the dispatcher for the call (its
// tensors are the allocations), found by each launch on the calling thread.
struct CallChecks {
  unsigned checks = 0;
  bool profile = false;
  std::vector<Allocation> allocations;
  std::vector<SimKernelProfile>* profiles = nullptr;  // profile: one per launch, appended
};
// The calling thread's: set for the duration of a call (dispatch), read by sim::launch.
CallChecks* current_call_checks();
void set_current_call_checks(CallChecks*);
// Scratch buffers (cuda/scratch.cuh) join the running call's allocations while they live.
void register_scratch(const void* data, std::size_t bytes);
void unregister_scratch(const void* data);

class __attribute__((visibility("hidden"))) BlockChecker {  // internal, like BlockRunner
 public:
  static BlockChecker& here();  // this OS thread's
  void begin(BlockRunner&, const KernelLaunch&, uint3 block_idx, int threads, void* dynamic_shared,
             std::size_t dynamic_bytes, LaunchProfile* profile);
  void announce_shared(const char* name, void* data, std::size_t bytes);
  void access(const void* addr, unsigned size, bool write, uintptr_t pc);
  void barrier_released();
  void end();      // the block finished: its counters join the launch's
  void abandon();  // the block faulted: drop what it logged

 private:
  struct ByteState;
  struct SharedArray {
    uintptr_t begin, end;
    std::string name;
    ByteState* states;  // per byte, in states_
  };
  // Per byte of a shared array: who last wrote it and read it, in which barrier interval of
  // which block (block_serial: a new block needs no reset).
  struct ByteState {  // NOLINT: declared above
    uint64_t write_serial = 0, read_serial = 0;
    uint32_t write_epoch = 0, read_epoch = 0;
    int32_t writer = -1, reader = -1;  // reader −2: several threads
    uintptr_t write_pc = 0, read_pc = 0;
  };
  struct Record {
    uintptr_t pc, addr;
    uint8_t size;
    bool write, shared;
  };
  [[noreturn]] void fail(const std::string& check, const std::string& what);
  void check_shared(const SharedArray&, uintptr_t addr, unsigned size, bool write, uintptr_t pc, int tid);
  std::string thread_name(int tid) const;
  std::string access_text(bool write, unsigned size, uintptr_t pc, int tid) const;
  void flush();

  BlockRunner* runner_ = nullptr;
  const KernelLaunch* launch_ = nullptr;
  uint3 block_{};
  int threads_ = 0;
  unsigned checks_ = 0;
  LaunchProfile* profile_ = nullptr;
  std::vector<SharedArray> shared_;
  std::unordered_map<uintptr_t, std::vector<ByteState>> states_;  // by array start; TLS arrays stay put
  uint64_t serial_ = 0;
  uint32_t epoch_ = 0;
  uintptr_t coords_[4] = {};  // &threadIdx, &blockIdx, &blockDim, &gridDim of this OS thread
  std::vector<std::vector<Record>> log_;  // per thread, since the last barrier
  SimCounters block_total_;
  std::unordered_map<uintptr_t, SimCounters> block_by_pc_;
};

// The checker of the block this OS thread runs, while a checked launch runs it.
void set_active_checker(BlockChecker*);
// What cuda/sim/access_hooks.cpp calls for each instrumented access: hands it to that
// checker, or does nothing outside a checked block. Exported (BlockChecker is internal),
// so a test binary's own copy of the hooks reaches libhk.so's checker.
void report_access(const void* addr, unsigned size, bool write, uintptr_t pc);

// "file:line (function)" for an instrumented instruction; "kernel+0x…" without line tables.
std::string describe_pc(uintptr_t pc);

}  // namespace hk::sim
