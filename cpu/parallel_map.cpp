// hk::parallel_map — the course's parallel_batch_processing: one op over a batch, the batch
// spread over the thread pool. Ops called inside run inline (nested parallelism is
// flattened), so each item is computed by exactly one thread.
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
  cpu::ThreadPool::global().parallel_for(
      static_cast<int64_t>(batch.size()), 1, threads > 0 ? threads : num_threads(), [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) out[static_cast<std::size_t>(i)] = op(batch[static_cast<std::size_t>(i)]);
      });
  return out;
}

}  // namespace hk
