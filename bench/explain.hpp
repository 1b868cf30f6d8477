// `hk-bench explain`: the lecture view of parallelism. Runs one small case of a variant and
// shows, as a grid over the output, who computed each element:
//  - CPU variants: which chunk of which parallel_for of hk's thread pool, on which thread
//    (the pool runs the chunks one at a time under an observer, each on the thread it was
//    given, and the output is compared after each chunk);
//  - GPU variants (explain_gpu.cpp): the kernel under the cuda_sim simulator — which block
//    and which thread wrote each element, and the shared-memory tile loads per step.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hk/hk.hpp"

namespace hk_bench {

struct ExplainRequest {
  std::string op;       // "matmul", "relu", ...
  hk::DType dtype = hk::DType::f32;
  std::string backend;  // "cpu" or "cuda_sim"
  std::string variant;
  hk::Shape dims;       // matmul {M, K, N}; others {n}
  int threads = 0;      // 0 = hk's pool size
};

// One chunk the pool ran.
struct ChunkRecord {
  int job = 0;
  int64_t begin = 0, end = 0, n = 0;
  int thread = 0;  // 0 = the calling thread, 1.. = pool workers in order of first appearance
};

// Who wrote each output element.
struct Attribution {
  std::vector<ChunkRecord> chunks;
  std::vector<int> owner;  // per element: index into chunks; -1 never written; -2 several chunks
  int threads = 0;         // distinct threads that ran chunks
  bool pool_used = false;  // some parallel_for split its work
};

// Runs fn with the pool observed chunk by chunk; after each chunk compares the `count`
// elements of `element_bytes` each at `out` with a snapshot. `out` should be filled with a
// sentinel the kernel never writes before fn runs.
Attribution attribute_cpu(const std::function<void()>& fn, const void* out, int64_t count, int element_bytes);

// The letter of chunk i (A..Z, then a..z, then digits) and the grid of an attribution over a
// rows × cols output (large outputs are shown in blocks: a cell shows a letter when one chunk
// wrote the whole block, '*' when several did).
char chunk_letter(int i);
std::string render_grid(const Attribution& a, int64_t rows, int64_t cols);

// The whole explanation for a CPU variant; throws hk::Error subclasses with what was wrong.
std::string explain_cpu(const ExplainRequest& request);
// The same for a GPU variant under cuda_sim (explain_gpu.cpp).
std::string explain_simulated(const ExplainRequest& request);

}  // namespace hk_bench
