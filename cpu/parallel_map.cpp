// hk::parallel_map — the course's parallel_batch_processing: one op over a batch, the batch
// spread over the thread pool. Ops called inside run inline (nested parallelism is
// flattened), so each item is computed by exactly one thread.
#include <exception>
#include <mutex>

#include "cpu/thread_pool.hpp"
#include "hk/error.hpp"
#include "hk/ops.hpp"
#include "hk/runtime.hpp"

namespace hk {

std::vector<Tensor> parallel_map(std::span<const Tensor> batch, const std::function<Tensor(const Tensor&)>& op,
                                 int threads) {
  if (!op) throw InvalidArgument("parallel_map: op is empty");
  if (threads < 0) throw InvalidArgument("parallel_map: threads must be ≥ 0, got " + std::to_string(threads));
  std::vector<Tensor> out(batch.size());
  // Each item's exception is caught here, so the pool never skips the items after it; the
  // one of the first failing item (in batch order) is rethrown once all have run.
  std::mutex error_mutex;
  std::size_t error_item = batch.size();
  std::exception_ptr error;
  cpu::ThreadPool::global().parallel_for(
      static_cast<int64_t>(batch.size()), 1, threads > 0 ? threads : num_threads(), [&](int64_t begin, int64_t end) {
        for (auto i = static_cast<std::size_t>(begin); i < static_cast<std::size_t>(end); ++i) {
          try {
            out[i] = op(batch[i]);
          } catch (...) {
            std::lock_guard lock(error_mutex);
            if (i < error_item) error_item = i, error = std::current_exception();
          }
        }
      });
  if (error) std::rethrow_exception(error);
  return out;
}

}  // namespace hk
