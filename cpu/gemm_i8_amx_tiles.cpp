// int8 GEMM on AMX tiles: the only file built with -mamx-tile -mamx-int8 (cpu/CMakeLists.txt).
//
// One tdpbssd multiplies a tile of A (16 rows × 64 k, signed bytes) by a tile of B (16 rows
// of 4-k quads × 16 columns, signed bytes) into a tile of 16 × 16 int32 sums: 16,384
// multiply-adds in one instruction, s8 × s8 as they are, so none of vnni's +128 shift and
// column-sum correction. A block of C is 2 × 2 such tiles (32 × 32), so each k step loads two
// tiles of A and two of B for four multiplies: each loaded tile feeds two.
//
// Tiles: tmm0–3 the four sums, tmm4–5 A's two row halves, tmm6–7 B's two column halves.
#include <immintrin.h>

#include "cpu/gemm_i8_amx.hpp"

namespace hk::cpu {

namespace {

// The 64-byte operand of ldtilecfg: palette 1, then each tile's bytes per row and rows.
struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

constexpr TileConfig tile_config() {
  TileConfig cfg;
  for (int t = 0; t < 8; ++t) cfg.colsb[t] = 64, cfg.rows[t] = 16;
  return cfg;
}
// A constant in memory: g++ does not count ldtilecfg as reading a local's 64 bytes, and
// dropped the stores of a stack copy's rows and columns as dead.
constexpr TileConfig kTileConfig = tile_config();

}  // namespace

void amx_begin() { _tile_loadconfig(&kTileConfig); }

void amx_end() { _tile_release(); }

namespace {

// One k step of a 32 × 32 block: A's two 16-row halves (row stride lda) times B's quad rows
// bq (32 columns × 4 bytes a row, 128 bytes), into the four sums tmm0–3.
inline void tile_step(const int8_t* a, int64_t lda, const int8_t* bq) {
  _tile_loadd(4, a, lda);
  _tile_loadd(5, a + 16 * lda, lda);
  _tile_loadd(6, bq, 128);       // columns 0–15
  _tile_loadd(7, bq + 64, 128);  // columns 16–31
  _tile_dpbssd(0, 4, 6);
  _tile_dpbssd(1, 4, 7);
  _tile_dpbssd(2, 5, 6);
  _tile_dpbssd(3, 5, 7);
}

}  // namespace

void amx_block(int64_t steps, const int8_t* a, int64_t lda, const int8_t* a_last, int64_t lda_last, const int8_t* b,
               int32_t* c, int64_t ldc) {
  constexpr int64_t kStepBytes = kAmxK / 4 * 128;  // B's quad rows of one k step
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  for (int64_t s = 0; s < steps; ++s) tile_step(a + s * kAmxK, lda, b + s * kStepBytes);
  if (a_last) tile_step(a_last, lda_last, b + steps * kStepBytes);  // the last k step, from its padded copy
  const int64_t stride = ldc * static_cast<int64_t>(sizeof(int32_t));
  _tile_stored(0, c, stride);
  _tile_stored(1, c + 16, stride);
  _tile_stored(2, c + 16 * ldc, stride);
  _tile_stored(3, c + 16 * ldc + 16, stride);
}

}  // namespace hk::cpu
