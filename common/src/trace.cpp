// The observers behind hk/experimental/trace.hpp.
#include "common/src/trace_hooks.hpp"

#include <atomic>
#include <mutex>

namespace hk::trace {

namespace {
std::atomic<ChunkObserver*> observer{nullptr};
std::atomic<SimObserver*> sim{nullptr};
std::atomic<int> jobs{0};
std::atomic<int> launches{0};
std::mutex serial;
}  // namespace

void set_chunk_observer(ChunkObserver* o) {
  jobs.store(0, std::memory_order_relaxed);
  observer.store(o, std::memory_order_release);
}
ChunkObserver* chunk_observer() { return observer.load(std::memory_order_acquire); }
int next_job() { return jobs.fetch_add(1, std::memory_order_relaxed); }
void lock_serial() { serial.lock(); }
void unlock_serial() { serial.unlock(); }
void set_sim_observer(SimObserver* o) {
  launches.store(0, std::memory_order_relaxed);
  sim.store(o, std::memory_order_release);
}
int next_sim_launch() { return launches.fetch_add(1, std::memory_order_relaxed); }
SimObserver* sim_observer() { return sim.load(std::memory_order_acquire); }

}  // namespace hk::trace
