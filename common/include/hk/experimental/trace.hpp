// hk/experimental/trace.hpp — watching how a kernel's work is split: over the CPU thread
// pool, and over the blocks and threads of a simulated GPU launch (cuda_sim).
//
// Experimental and not installed: the interface may change with the pool and the
// simulator. For teaching and testing, not for production: `hk-bench explain` installs an observer to
// show which thread computed which output element, and hk-bench uses one to tell whether a
// variant actually ran on more than one thread. While no observer is installed the pool pays
// one atomic load per parallel_for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <thread>

namespace hk::trace {

// One chunk of one parallel_for: body(begin, end) over the job's range [0, n).
struct Chunk {
  int64_t begin = 0, end = 0;
  int64_t n = 0;
  int job = 0;             // which parallel_for since the observer was installed (0, 1, ...)
  bool on_caller = false;  // ran on the thread that called parallel_for
  std::thread::id thread;  // the thread that ran it
};

class ChunkObserver {
 public:
  virtual ~ChunkObserver() = default;
  // Called right after each chunk finishes, on the thread that ran it. Calls may be
  // concurrent unless serialize() is true.
  virtual void chunk_done(const Chunk&) = 0;
  // true: chunks run one at a time (each still on the thread the pool gave it to), so an
  // observer can diff the output after each chunk and see exactly what that chunk wrote.
  virtual bool serialize() const { return false; }
};

// Installs `observer` (nullptr removes it). One at a time; the caller keeps it alive while it
// is installed and must not install or remove it while a kernel runs.
void set_chunk_observer(ChunkObserver* observer);
ChunkObserver* chunk_observer();

// ---- cuda_sim: who computed what on a simulated GPU ---------------------------------------
// The simulator runs each CUDA thread as a fiber, one at a time per OS thread; with an
// observer installed it reports every segment a thread ran (from its start or a
// __syncthreads to the next __syncthreads or its end), so `hk-bench explain` can diff the
// output and the block's shared memory after each segment and show which block and thread
// wrote each element and which tile each thread loaded at each step. Launches must run on
// one OS thread (Options::threads = 1) while an observer is installed.

struct Dim3 {
  unsigned x = 0, y = 0, z = 0;
};

// A __shared__ array a kernel registered for tracing (HK_TRACE_SHARED in the kernel source;
// nothing under nvcc).
struct SharedArray {
  const char* name = "";
  void* data = nullptr;
  std::size_t bytes = 0;
  std::size_t element_bytes = 0;
};

struct SimSegment {
  Dim3 grid, block;              // gridDim, blockDim of the launch
  Dim3 block_idx, thread_idx;    // blockIdx, threadIdx of the thread that ran
  int step = 0;                  // __syncthreads the thread had passed when the segment began
  int launch = 0;                // which launch since the observer was installed (0, 1, ...)
  const SharedArray* shared = nullptr;  // the block's registered shared arrays
  std::size_t shared_count = 0;
};

class SimObserver {
 public:
  virtual ~SimObserver() = default;
  // A thread of the block reached HK_TRACE_SHARED(array) for the first time in this block,
  // before storing into it: e.g. fill the array with a sentinel so that every store shows.
  virtual void shared_declared(const SimSegment&, const SharedArray&) {}
  // Called on the simulated thread right after its segment, before it parks or exits.
  virtual void segment_done(const SimSegment&) = 0;
};

// Installs `observer` for cuda_sim launches (nullptr removes it); same rules as above.
void set_sim_observer(SimObserver* observer);
SimObserver* sim_observer();

}  // namespace hk::trace
