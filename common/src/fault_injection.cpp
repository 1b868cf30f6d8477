#include "common/src/fault_injection.hpp"

#include <atomic>
#include <string>

#include "hk/error.hpp"

namespace hk::detail::fault_injection {

namespace {
std::atomic<bool> armed{false};
std::atomic<int64_t> fail_at{0};
std::atomic<int64_t> count{0};
std::atomic<int64_t> injected{0};
}  // namespace

void arm(int64_t k) {
  fail_at.store(k, std::memory_order_relaxed);
  count.store(0, std::memory_order_relaxed);
  armed.store(true, std::memory_order_release);
}

void disarm() { armed.store(false, std::memory_order_release); }

int64_t allocations() { return count.load(std::memory_order_relaxed); }
int64_t failures() { return injected.load(std::memory_order_relaxed); }

void on_host_allocate(std::size_t bytes) {
  if (!armed.load(std::memory_order_relaxed)) return;
  const int64_t k = count.fetch_add(1, std::memory_order_relaxed) + 1;
  if (k != fail_at.load(std::memory_order_relaxed)) return;
  injected.fetch_add(1, std::memory_order_relaxed);
  // The same words as a real failure, so callers can't tell the difference.
  throw OutOfMemory("hk: out of host memory allocating " + std::to_string(bytes) + " bytes (injected failure #" +
                        std::to_string(k) + ")",
                    bytes);
}

}  // namespace hk::detail::fault_injection
