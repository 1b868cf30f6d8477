// hk/experimental/sim_check.hpp — cuda_sim as a GPU sanitizer and profiler: every global
// and shared-memory access of every simulated thread, checked and counted, with no GPU.
//
// Experimental and not installed (like trace.hpp). How it works: libhk holds the portable
// CUDA kernels twice for cuda_sim, once plain and once compiled with the host compiler's
// memory-access instrumentation (cuda/register_cuda_sim_checked.cpp). A cuda_sim call runs
// the instrumented copy only while a check or the profiler is on, so both cost nothing when
// off. Builds with -fsanitize=address/thread/undefined cannot carry the instrumentation
// (the two would clash): there sim_checks_available() is false, HK_SIM_CHECK warns once and
// is ignored, and sim_profile throws.
//
// What counts as what:
// - global: an access inside one of the call's tensors (or a kernel's scratch buffer);
// - shared: an access inside a __shared__ array the kernel announced with
//   HK_TRACE_SHARED (every kernel of hk announces each of its arrays), or inside the
//   launch's dynamic shared memory;
// - local (not checked, not counted): the simulated thread's own stack (registers and
//   local arrays on a GPU), the launch's arguments, static data.
// Counters are per source-level access: a warp-level request is the same access (same
// instruction of the instrumented kernel, same dynamic occurrence) by the warp's active
// lanes. nvcc may merge adjacent scalar accesses into 64- or 128-bit ones where the source
// does not; tests/data/h200_ncu_matmul_256.csv holds what an H200 measured for hk's ladder.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace hk::sim {

// The sanitizer checks, as HK_SIM_CHECK names them (comma list, or "all" / "none").
enum Check : unsigned {
  memcheck = 1u,   // a global access outside every tensor of the call, a shared one outside its array
  racecheck = 2u,  // two threads of a block, same shared byte, one writes, no barrier between
  initcheck = 4u,  // a read of a shared byte no thread of the block has written since the launch
  all_checks = 7u,
};
// The checks in force: set_sim_checks', else HK_SIM_CHECK, else none. A failed check throws
// hk::CudaError from the call that launched the kernel (the launch stops; the simulator
// stays usable), naming the check, the block, the thread, the kernel's source line, the
// address and the array or tensor.
unsigned sim_checks();
void set_sim_checks(unsigned checks);
// Parses HK_SIM_CHECK's syntax; throws hk::InvalidArgument naming the bad item.
unsigned parse_sim_checks(const std::string& text);
bool sim_checks_available();

// Nsight Compute's memory counters, computed from the simulated accesses. Each field names
// the metric it reproduces.
struct SimCounters {
  uint64_t global_ld_requests = 0;        // l1tex__t_requests_pipe_lsu_mem_global_op_ld.sum
  uint64_t global_ld_sectors = 0;         // l1tex__t_sectors_pipe_lsu_mem_global_op_ld.sum
  uint64_t global_st_requests = 0;        // l1tex__t_requests_pipe_lsu_mem_global_op_st.sum
  uint64_t global_st_sectors = 0;         // l1tex__t_sectors_pipe_lsu_mem_global_op_st.sum
  uint64_t shared_ld_requests = 0;        // smsp__sass_inst_executed_op_shared_ld.sum
  uint64_t shared_ld_wavefronts = 0;      // l1tex__data_pipe_lsu_wavefronts_mem_shared_op_ld.sum
  uint64_t shared_ld_bank_conflicts = 0;  // l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum
  uint64_t shared_st_requests = 0;        // smsp__sass_inst_executed_op_shared_st.sum
  uint64_t shared_st_wavefronts = 0;      // l1tex__data_pipe_lsu_wavefronts_mem_shared_op_st.sum
  uint64_t shared_st_bank_conflicts = 0;  // l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_st.sum
  uint64_t global_ld_bytes = 0;           // bytes the lanes asked for (not sectors × 32)
  uint64_t global_st_bytes = 0;
  uint64_t shared_ld_accesses = 0;        // shared loads by single threads (a request counts its lanes)
  uint64_t barriers = 0;                  // warp-level __syncthreads executed
  SimCounters& operator+=(const SimCounters&);
};

// One source line of a kernel (the innermost line outside the simulator's own headers).
struct SimLineCounters {
  std::string file;  // as the compiler saw it
  int line = 0;
  std::string function;
  SimCounters counters;
};

struct SimKernelProfile {
  std::string kernel;  // the launcher's function, as diagnostics name it
  unsigned grid[3] = {1, 1, 1}, block[3] = {1, 1, 1};
  SimCounters total;
  std::vector<SimLineCounters> lines;  // most global sectors + shared wavefronts first
};

// Runs `work` with the profiler on for the cuda_sim calls this thread makes, and returns one
// profile per kernel launch, in launch order. Checks in force stay in force.
// Throws hk::BackendUnavailable when !sim_checks_available().
std::vector<SimKernelProfile> sim_profile(const std::function<void()>& work);

}  // namespace hk::sim
