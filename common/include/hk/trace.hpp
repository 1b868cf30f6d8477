// hk/trace.hpp — watching how the CPU thread pool splits a kernel's work.
//
// For teaching and testing, not for production: `hk-bench explain` installs an observer to
// show which thread computed which output element, and hk-bench uses one to tell whether a
// variant actually ran on more than one thread. While no observer is installed the pool pays
// one relaxed atomic load per parallel_for.
#pragma once

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

// For the pool: the job number of a new parallel_for, and the lock that serializes chunks.
int next_job();
void lock_serial();
void unlock_serial();

}  // namespace hk::trace
