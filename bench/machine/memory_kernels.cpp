// Streaming read and copy. The vector loops carry their ISA in a target attribute, so this
// file needs no ISA flags and the rest of hk-bench stays baseline x86-64.
#include "machine/memory_kernels.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "hk/cpu_features.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace hk_bench {

namespace {

double sum_scalar(const float* x, int64_t n) {
  double s[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int j = 0; j < 4; ++j) s[j] += x[i + j];
  for (; i < n; ++i) s[0] += x[i];
  return s[0] + s[1] + s[2] + s[3];
}

#if defined(__x86_64__)
// Eight independent accumulators hide the add latency; the loads, not the adds, limit it.
__attribute__((target("avx512f"))) double sum_avx512(const float* x, int64_t n) {
  __m512 acc[8];
  for (__m512& a : acc) a = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 128 <= n; i += 128)
    for (int j = 0; j < 8; ++j) acc[j] = _mm512_add_ps(acc[j], _mm512_loadu_ps(x + i + 16 * j));
  for (int j = 1; j < 8; ++j) acc[0] = _mm512_add_ps(acc[0], acc[j]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, acc[0]);
  double s = 0;
  for (float v : lanes) s += v;
  return s + sum_scalar(x + i, n - i);
}

// Both arrays in the same loop, as a dot product reads them.
__attribute__((target("avx512f"))) double sum2_avx512(const float* x, const float* y, int64_t n) {
  __m512 acc[8];
  for (__m512& a : acc) a = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 64 <= n; i += 64)
    for (int j = 0; j < 4; ++j) {
      acc[j] = _mm512_add_ps(acc[j], _mm512_loadu_ps(x + i + 16 * j));
      acc[4 + j] = _mm512_add_ps(acc[4 + j], _mm512_loadu_ps(y + i + 16 * j));
    }
  for (int j = 1; j < 8; ++j) acc[0] = _mm512_add_ps(acc[0], acc[j]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, acc[0]);
  double s = 0;
  for (float v : lanes) s += v;
  return s + sum_scalar(x + i, n - i) + sum_scalar(y + i, n - i);
}

__attribute__((target("avx2"))) double sum_avx2(const float* x, int64_t n) {
  __m256 acc[8];
  for (__m256& a : acc) a = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 64 <= n; i += 64)
    for (int j = 0; j < 8; ++j) acc[j] = _mm256_add_ps(acc[j], _mm256_loadu_ps(x + i + 8 * j));
  for (int j = 1; j < 8; ++j) acc[0] = _mm256_add_ps(acc[0], acc[j]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc[0]);
  double s = 0;
  for (float v : lanes) s += v;
  return s + sum_scalar(x + i, n - i);
}

// dst and src 64-byte aligned (hk tensors are), n a multiple of 16 (callers split so).
__attribute__((target("avx512f"))) void copy_avx512(float* dst, const float* src, int64_t n, bool nt) {
  if (nt) {
    for (int64_t i = 0; i < n; i += 16) _mm512_stream_ps(dst + i, _mm512_load_ps(src + i));
    _mm_sfence();
  } else {
    for (int64_t i = 0; i < n; i += 16) _mm512_store_ps(dst + i, _mm512_load_ps(src + i));
  }
}

__attribute__((target("avx2"))) void copy_avx2(float* dst, const float* src, int64_t n, bool nt) {
  if (nt) {
    for (int64_t i = 0; i < n; i += 8) _mm256_stream_ps(dst + i, _mm256_load_ps(src + i));
    _mm_sfence();
  } else {
    for (int64_t i = 0; i < n; i += 8) _mm256_store_ps(dst + i, _mm256_load_ps(src + i));
  }
}
#endif

void copy_floats(float* dst, const float* src, int64_t n, bool nt) {
#if defined(__x86_64__)
  const hk::CpuFeatures& f = hk::detected_cpu_features();
  int64_t done = 0;
  if (f.avx512f) copy_avx512(dst, src, done = n / 16 * 16, nt);
  else if (f.avx2) copy_avx2(dst, src, done = n / 8 * 8, nt);
  std::memcpy(dst + done, src + done, size_t(n - done) * sizeof(float));
#else
  (void)nt;
  std::memcpy(dst, src, size_t(n) * sizeof(float));
#endif
}

}  // namespace

void parallel_vector_copy(Team& team, int threads, float* dst, const float* src, int64_t n, bool nontemporal) {
  team.run(threads, [&](int i, int count) {
    auto [b, e] = Team::part(n, i, count, 16);  // 64-byte boundaries
    if (e > b) copy_floats(dst + b, src + b, e - b, nontemporal);
  });
}

std::string stream_isa() {
  const hk::CpuFeatures& f = hk::detected_cpu_features();
  if (f.avx512f) return "AVX-512 (zmm loads)";
  if (f.avx2) return "AVX2 (ymm loads)";
  return "scalar loads";
}

double stream_sum(const float* x, int64_t n) {
#if defined(__x86_64__)
  const hk::CpuFeatures& f = hk::detected_cpu_features();
  if (f.avx512f) return sum_avx512(x, n);
  if (f.avx2) return sum_avx2(x, n);
#endif
  return sum_scalar(x, n);
}

double stream_sum(Team& team, int threads, const float* x, int64_t n) {
  std::vector<double> parts(static_cast<std::size_t>(threads) * 8, 0.0);  // 64 bytes apart
  team.run(threads, [&](int i, int count) {
    auto [b, e] = Team::part(n, i, count);
    parts[static_cast<std::size_t>(i) * 8] = stream_sum(x + b, e - b);
  });
  double s = 0;
  for (int i = 0; i < threads; ++i) s += parts[static_cast<std::size_t>(i) * 8];
  return s;
}

double stream_sum(Team& team, int threads, const float* x, const float* y, int64_t n) {
  std::vector<double> parts(static_cast<std::size_t>(threads) * 8, 0.0);
  team.run(threads, [&](int i, int count) {
    auto [b, e] = Team::part(n, i, count);
    double s = 0;
#if defined(__x86_64__)
    if (hk::detected_cpu_features().avx512f) s = sum2_avx512(x + b, y + b, e - b);
    else
#endif
      // Blocks of 64 KiB from each array in turn: both streams stay open, like dot's loads.
      for (int64_t at = b; at < e; at += 16384) {
        const int64_t len = std::min<int64_t>(16384, e - at);
        s += stream_sum(x + at, len) + stream_sum(y + at, len);
      }
    parts[static_cast<std::size_t>(i) * 8] = s;
  });
  double s = 0;
  for (int i = 0; i < threads; ++i) s += parts[static_cast<std::size_t>(i) * 8];
  return s;
}

void parallel_copy(Team& team, int threads, void* dst, const void* src, std::size_t bytes) {
  team.run(threads, [&](int i, int count) {
    auto [b, e] = Team::part(static_cast<int64_t>(bytes), i, count, 4096);
    if (e > b) std::memcpy(static_cast<char*>(dst) + b, static_cast<const char*>(src) + b, std::size_t(e - b));
  });
}

}  // namespace hk_bench
