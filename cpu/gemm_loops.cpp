// Block sizes from the cache hierarchy, and the per-thread packing buffers.
#include "cpu/gemm_loops.hpp"

#include <array>
#include <cstdlib>
#include <memory>
#include <new>

#include "common/src/fault_injection.hpp"
#include "common/src/thread_object.hpp"
#include "hk/cpu_features.hpp"
#include "hk/error.hpp"

namespace hk::cpu {

namespace {

int64_t cache_or(int bytes, int64_t fallback) { return bytes > 0 ? bytes : fallback; }

}  // namespace

GemmBlocking gemm_blocking(int mr, int nr, int kgroup, std::size_t a_bytes, std::size_t b_bytes) {
  const CpuFeatures& f = cpu_features();
  const int64_t l2 = cache_or(f.l2_bytes, 256 << 10), l3 = cache_or(f.l3_bytes, 8 << 20);
  const auto a_size = static_cast<int64_t>(a_bytes), b_size = static_cast<int64_t>(b_bytes);
  GemmBlocking blk;
  // KC: long. Every k block costs one more pass over all of C (load, add, store), and for a
  // C larger than the caches that pass runs at DRAM speed. The limit is the B micro-panel
  // (KC × NR), which the micro-kernel streams once per A micro-panel: it should stay in L2,
  // at most an eighth of it, so the A block and C tiles fit beside it. (In L1 would be
  // faster still, but for NR = 32 floats that means KC ≈ 128 and many more passes over C.)
  // KC is also short enough that the A block (a quarter of L2, below) holds at least
  // kMinPanels micro-panels: each B micro-panel comes from L3 once per A block and serves
  // MC / MR tiles. (With a 2 MiB L2 the rule above alone gives f32 KC = 2048 and MC = 60:
  // five tiles per trip, and large squares slower than with a taller, shallower block.)
  // (Capped at 8192: the int8 column sums of one k block must stay far below 2³¹.)
  constexpr int64_t kMinPanels = 10;
  const int64_t unit = 16 * int64_t{kgroup};
  const int64_t kc_b = l2 / (8 * int64_t{nr} * b_size) / unit * unit;
  const int64_t kc_a = l2 / 4 / (kMinPanels * mr * a_size) / unit * unit;
  blk.kc = std::clamp<int64_t>(std::min(kc_b, kc_a), unit, 8192);
  // MC: the packed A block (MC × KC) takes a quarter of L2, so it survives the B
  // micro-panels and C tiles passing through while every B micro-panel sweeps it.
  blk.mc = std::max<int64_t>(l2 / 4 / (blk.kc * a_size) / mr * mr, mr);
  // NC: the packed B block (KC × NC) takes a quarter of L3 (shared with the other cores and
  // with A and C); capped so small-L3 guesses stay sane.
  blk.nc = std::clamp<int64_t>(l3 / 4 / (blk.kc * b_size) / nr * nr, nr, 8192);
  return blk;
}

void* pack_scratch(int slot, std::size_t bytes) {
  struct Buffer {
    std::unique_ptr<void, decltype(&std::free)> data{nullptr, &std::free};
    std::size_t size = 0;
  };
  // A thread_object, so matmul still works after main returned.
  Buffer& buf = hk::detail::thread_object<std::array<Buffer, 4>>([] { return new std::array<Buffer, 4>; })[slot];
  if (buf.size < bytes) {
    // Grow geometrically so that a sequence of slightly larger problems does not
    // reallocate (and first-touch fresh pages) every time.
    std::size_t want = std::max(bytes, buf.size * 2);
    want = (want + 63) / 64 * 64;
    buf.data.reset();
    buf.size = 0;
    hk::detail::fault_injection::on_host_allocate(want);  // tests make this fail like a tensor's
    void* p = std::aligned_alloc(64, want);
    if (!p) throw OutOfMemory("could not allocate " + std::to_string(want) + " bytes of a CPU kernel's scratch buffer", want);
    buf.data.reset(p);
    buf.size = want;
  }
  return buf.data.get();
}

}  // namespace hk::cpu
