// Block sizes from the cache hierarchy, and the per-thread packing buffers.
#include "cpu/gemm_loops.hpp"

#include <cstdlib>
#include <memory>
#include <new>

#include "hk/cpu_features.hpp"
#include "hk/error.hpp"

namespace hk::cpu {

namespace {

int64_t cache_or(int bytes, int64_t fallback) { return bytes > 0 ? bytes : fallback; }

}  // namespace

GemmBlocking gemm_blocking(int mr, int nr, int kgroup, std::size_t a_bytes, std::size_t b_bytes) {
  const CpuFeatures& f = cpu_features();
  const int64_t l1 = cache_or(f.l1d_bytes, 32 << 10), l2 = cache_or(f.l2_bytes, 256 << 10);
  const int64_t l3 = cache_or(f.l3_bytes, 8 << 20);
  GemmBlocking blk;
  // KC: one B micro-panel (KC × NR) takes about half of L1, leaving the other half for the
  // A micro-panel streaming past it and the C tile. A longer KC would also mean fewer
  // passes over C (each k block reloads and stores the C tile once).
  blk.kc = std::max<int64_t>(l1 / 2 / (int64_t{nr} * static_cast<int64_t>(b_bytes)), 16);
  blk.kc = std::max<int64_t>(blk.kc / (4 * kgroup) * (4 * kgroup), 4 * kgroup);
  // MC: the packed A block (MC × KC) takes about half of L2, so it survives the B
  // micro-panels and C tiles passing through.
  blk.mc = std::max<int64_t>(l2 / 2 / (blk.kc * static_cast<int64_t>(a_bytes)) / mr * mr, mr);
  // NC: the packed B block (KC × NC) takes a quarter of L3 (shared with the other cores and
  // with A, C); capped so small-L3 guesses stay sane.
  blk.nc = std::clamp<int64_t>(l3 / 4 / (blk.kc * static_cast<int64_t>(b_bytes)) / nr * nr, nr, 8192);
  return blk;
}

void* pack_scratch(int slot, std::size_t bytes) {
  struct Buffer {
    std::unique_ptr<void, decltype(&std::free)> data{nullptr, &std::free};
    std::size_t size = 0;
  };
  thread_local Buffer buffers[3];
  Buffer& buf = buffers[slot];
  if (buf.size < bytes) {
    // Grow geometrically so that a sequence of slightly larger problems does not
    // reallocate (and first-touch fresh pages) every time.
    std::size_t want = std::max(bytes, buf.size * 2);
    want = (want + 63) / 64 * 64;
    buf.data.reset();
    buf.size = 0;
    void* p = std::aligned_alloc(64, want);
    if (!p) throw OutOfMemory("matmul: could not allocate " + std::to_string(want) + " bytes of packing buffer", want);
    buf.data.reset(p);
    buf.size = want;
  }
  return buf.data.get();
}

}  // namespace hk::cpu
