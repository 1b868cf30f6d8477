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
#include "hk/experimental/trace.hpp"
#include "run/cli.hpp"

namespace hk_bench {

struct ExplainRequest {
  std::string op;       // "matmul", "relu", ...
  hk::DType dtype = hk::DType::f32;
  std::string backend;  // "cpu" or "cuda_sim"
  std::string variant;
  hk::Shape dims;       // matmul {M, K, N}; others {n}
  int threads = 0;      // 0 = hk's pool size (cpu); cuda_sim runs on one OS thread
  int block_size = 0;   // Options::block_size (tile edge, cache block); 0 = the variant's default
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

// ---- cuda_sim ---------------------------------------------------------------------------

// Who wrote each output element on the simulated GPU, and what block (0, 0, 0) held in its
// registered shared arrays at each step.
struct SimAttribution {
  hk::trace::Dim3 grid, block;
  int launches = 0;
  int steps = 0;  // of launch 0: __syncthreads + 1
  std::vector<int> block_of, thread_of;  // per element: linear block / thread id; -1 never, -2 several
  struct Snapshot {
    int step = 0;            // the segment's step: __syncthreads passed before it
    std::string array;
    std::size_t element_bytes = 4;
    std::vector<double> values;  // the whole array after the step's segments
    std::vector<int> writer;     // linear thread id that stored each slot in this step; -1 none
  };
  std::vector<Snapshot> snapshots;  // only steps that stored into the array
};

// Runs fn with a recorder installed as the simulator's observer; `out` as for attribute_cpu.
SimAttribution attribute_simulated(const std::function<void()>& fn, const void* out, int64_t count, int element_bytes);

// "A rows 0..3, cols 4..7" for the values of a snapshot of a matmul with value-encoded
// inputs (A[i][k] = i·K + k + 1, B[k][j] = −(k·N + j + 1), 0 = padding).
std::string describe_tile(const std::vector<double>& values, int64_t k, int64_t n);
// The block and thread grids over a rows × cols output (matrix = false: a 1-D output laid
// out cols per line).
std::string render_sim(const SimAttribution& a, int64_t rows, int64_t cols, bool matrix);

// ---- one explanation, computed once: printed as text or JSON ----------------------------

// What explaining one case found. The text (`hk-bench explain`) and the JSON (`--format json`,
// Python's hk.explain) are both made from it.
struct Explanation {
  ExplainRequest request;
  std::string label;    // the workload, "8x8x8"
  std::string summary;  // the registry row's one-liner
  std::string check;    // "" when the result matched fp64, else what was wrong
  int threads = 0;      // pool threads requested (cpu)
  hk::Shape output;     // the output's shape: {M, N} for matmul, {n} otherwise
  Attribution cpu;      // backend "cpu"
  SimAttribution sim;   // backend "cuda_sim"
};

// The request `hk-bench explain` makes of its arguments; InvalidArgument for an op without an
// output grid, an unknown variant or backend.
ExplainRequest explain_request(const Args& args);
// Runs the case under the pool's observer (cpu) or the simulator's (cuda_sim, explain_gpu.cpp);
// throws hk::Error subclasses with what was wrong. A wrong result is reported in `check`.
Explanation explain(const ExplainRequest& request);
Explanation explain_cpu(const ExplainRequest& request);
Explanation explain_simulated(const ExplainRequest& request);
// What both fill in once the variant ran on w's host operands: the check against fp64, the
// label, the output's shape and the registry row's summary.
struct Operands;
class Workload;
void describe_run(Explanation& e, hk::Backend backend, const Workload& w, const Operands& ops);
// The text hk-bench explain prints (the GPU part in explain_gpu.cpp).
std::string render_explanation(const Explanation& e);
std::string render_simulated(const Explanation& e);
// The same as JSON (of a correct result: a wrong one is an error, see explain_output): the
// fields above, the grids as flat row-major lists over `output` (-1 never written, -2
// written by several), and the text.
std::string explanation_json(const Explanation& e);
// What `hk-bench explain` prints for args (--format table or json); a wrong result is an
// hk::Error carrying the explanation.
std::string explain_output(const Args& args);

}  // namespace hk_bench
