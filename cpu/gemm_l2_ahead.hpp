// What a GEMM micro-kernel asks into L2 while it runs: its share of the next B micro-panel
// (gemm_loops.hpp's macro_kernel hands the shares out). Only a struct and a macro, so that the
// VNNI files, built with ISA flags, can include it without compiling shared code
// (gemm_i8_vnni.hpp says why).
//
// Why: the macro-kernel runs every A micro-panel of a block against one B micro-panel, then
// moves to the next. The next one (KC × NR, 128 KiB for f32 at KC = 1024) comes from L3, since
// the packed B block is far larger than L2, and the first tile against it would wait on L3
// for its whole k loop: the tile's own prefetch, a few k steps ahead, covers L2's latency, not
// L3's. Spread over the tiles of the current panel, one line per k step, the next panel is in
// L2 before it is needed.
#pragma once

#include <cstdint>

namespace hk::cpu {

// `lines` 64-byte lines from `at`, asked into L2 one per k step of the tile. A tile of fewer
// k steps than lines asks for the first kgroups only.
struct L2Ahead {
  const char* at = nullptr;
  int64_t lines = 0;
};

}  // namespace hk::cpu

// One k step's ask of an L2Ahead (a macro, not an inline function: see the top of the file).
// prefetcht1: into L2, not L1, where the current tile's panels are.
#define HK_L2_AHEAD_STEP(ahead)                 \
  do {                                          \
    if ((ahead).lines > 0) {                    \
      __builtin_prefetch((ahead).at, 0, 2);     \
      (ahead).at += 64;                         \
      --(ahead).lines;                          \
    }                                           \
  } while (0)
