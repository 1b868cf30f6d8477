// The one way hk launches a CUDA kernel: `launch(ctx, kernel, grid, block, shared_bytes,
// stream)(args...)` reads like `kernel<<<grid, block, shared_bytes, stream>>>(args...)` and
// means exactly that under nvcc, followed by a check (a failed launch is otherwise silent:
// nothing reports it until a later call returns the sticky error). Under the host compiler
// it runs the grid in the SIMT simulator on ctx.threads OS threads.
//
// The launch site (file, line, function) is recorded for error messages: a CUDA error, or a
// kernel fault the simulator detects, names the launcher that started the kernel.
#pragma once

#include <cstddef>
#include <source_location>
#include <tuple>

#include "cuda/kernels/portability.cuh"
#include "hk/registry.hpp"

#ifdef __CUDACC__
#include "cuda/cuda_check.hpp"
#include "cuda/cuda_runtime.hpp"
#else
#include "cuda/sim/launch.hpp"
#endif

namespace hk::cuda {
inline namespace HK_KERNEL_TARGET {

template <class... Params>
class Launch {
 public:
  using Kernel = void (*)(Params...);
  Launch(Kernel kernel, dim3 grid, dim3 block, std::size_t shared_bytes, cudaStream_t stream, int threads,
         std::source_location where)
      : kernel_(kernel), grid_(grid), block_(block), shared_bytes_(shared_bytes), stream_(stream),
        threads_(threads), where_(where) {}

  // Takes the kernel's own parameter types, so arguments convert exactly as in <<<>>>.
  void operator()(Params... args) const {
#ifdef __CUDACC__
    // No stream given: the calling thread's hk stream, which DeviceRuntime::run times and
    // waits for (never the legacy default stream, which hk's non-blocking streams ignore).
    kernel_<<<grid_, block_, shared_bytes_, stream_ ? stream_ : current_stream()>>>(args...);
    if (cudaError_t err = cudaGetLastError(); err != cudaSuccess)
      throw_cuda_error(err, where_.function_name(), where_.file_name(), static_cast<int>(where_.line()));
#else
    // Every simulated thread calls the kernel with its own copy of the arguments, as each
    // GPU thread reads them from the launch's parameter buffer.
    struct Closure {
      Kernel kernel;
      std::tuple<Params...> args;
    };
    const Closure closure{kernel_, {args...}};
    sim::KernelLaunch launch;
    launch.grid = grid_;
    launch.block = block_;
    launch.shared_bytes = shared_bytes_;
    launch.threads = threads_;
    launch.run = [](const void* p) {
      const auto& c = *static_cast<const Closure*>(p);
      std::apply(c.kernel, c.args);
    };
    launch.closure = &closure;
    launch.closure_bytes = sizeof closure;
    launch.where = where_;
    sim::launch(launch);
#endif
  }

 private:
  Kernel kernel_;
  dim3 grid_, block_;
  std::size_t shared_bytes_;
  cudaStream_t stream_;
  int threads_;
  std::source_location where_;
};

// ctx: the registry's KernelContext (ctx.threads = OS threads for the simulator).
template <class... Params>
Launch<Params...> launch(const KernelContext& ctx, void (*kernel)(Params...), dim3 grid, dim3 block,
                         std::size_t shared_bytes = 0, cudaStream_t stream = nullptr,
                         std::source_location where = std::source_location::current()) {
  return Launch<Params...>(kernel, grid, block, shared_bytes, stream, ctx.threads, where);
}

// gridDim.y (and z) may not exceed 65,535 blocks, x may reach 2^31 - 1. hk's GEMMs put the
// columns of C on x and its rows on y, so a GEMM with more row blocks than y allows runs
// as consecutive launches over row ranges of at most that many blocks each:
// body(row0, rows) launches the kernel for rows [row0, row0 + rows) of A and C.
constexpr int64_t kMaxGridY = 65535;
template <class Body>
void for_each_row_range(int64_t m, int64_t rows_per_block, const Body& body) {
  const int64_t range = kMaxGridY * rows_per_block;
  for (int64_t row0 = 0; row0 < m; row0 += range) body(row0, m - row0 < range ? m - row0 : range);
}

}  // namespace HK_KERNEL_TARGET
}  // namespace hk::cuda
