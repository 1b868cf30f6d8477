#!/usr/bin/env python3
"""hk's mutation check (run it through scripts/mutants.sh).

Each mutant below is a plausible bug planted by one exact text replacement. For every
mutant chosen, the driver
  1. copies the checkout (tracked and untracked-not-ignored files) into build/mutants/src,
     rewriting only files whose content changed, so the build there stays incremental;
  2. configures build/mutants/build (CPU-only Release with the tests: the `cpu-only`
     preset) and, for mutants marked `asan`, build/mutants/build-asan (the `asan-ubsan` preset,
     run with its test preset's environment: HK_HOST_CACHE=0, ASAN_OPTIONS, ...), reading
     both from CMakePresets.json so they cannot drift from CI's;
  3. builds the targets the chosen tests need and runs every test selector once on the
     unmutated tree: a selector that fails, or runs no test, there is an error;
  4. per mutant: plants it, rebuilds those targets, runs its selectors (each under
     `timeout`; a timeout or crash counts as killed), restores the file;
  5. rebuilds once more, so that the scratch builds match their sources again;
and prints a table. Exit status: 0 when every mutant was killed, 1 when one survived or
could not be run (a search text not found exactly once is a stale mutant), 2 on bad usage.

Usage: mutants.py [--sample N [--with-asan]] [--list] [ID...]
"""
import argparse
import fcntl
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutants"
SRC = WORK / "src"
JOBS = os.environ.get("HK_JOBS") or str(os.cpu_count() or 2)

# Where each test executable lands in a build folder; also its CMake target's name.
BINARIES = {
    "hk_tests": "tests/hk_tests",
    "hk_sim_tests": "tests/hk_sim_tests",
    "hk_concurrency_tests": "tests/hk_concurrency_tests",
    "hk_bench_tests": "tests/hk_bench_tests",  # builds hk-bench too (add_dependencies)
    "hk_fuzz_replay": "fuzz/hk_fuzz_replay",
}


@dataclass(frozen=True)
class Tests:
    """One test selector: a gtest binary with a filter, or ctest's tests by name or label."""
    kind: str                 # "gtest" or "ctest"
    what: str                 # the binary, or ctest's -R regex ("" for all)
    filter: str = ""          # gtest: --gtest_filter; ctest: the -L label regex
    targets: tuple = ()       # what must be built to run it
    env: tuple = ()           # extra (name, value) pairs
    timeout: int = 600

    def __str__(self):
        env = "".join(f"{k}={v} " for k, v in self.env)
        if self.kind == "gtest":
            return f"{env}{self.what} --gtest_filter='{self.filter}'"
        return f"{env}ctest" + (f" -R '{self.what}'" if self.what else "") + (f" -L '{self.filter}'" if self.filter else "")


def gtest(binary, filter, env=None, timeout=300):
    return Tests("gtest", binary, filter, (binary,), tuple((env or {}).items()), timeout)


def ctest(regex, *targets, label="", timeout=600):
    return Tests("ctest", regex, label, tuple(targets), (), timeout)


@dataclass(frozen=True)
class Mutant:
    id: str
    file: str
    search: str
    replace: str
    tests: tuple
    what: str
    asan: bool = False
    needs: str = ""  # CPU flags (/proc/cpuinfo) its tests need: "a b|c" is (a and b) or c

    def missing(self):
        """Why this machine cannot run its tests, or ""."""
        if not self.needs:
            return ""
        have = cpu_flags()
        if any(set(alt.split()) <= have for alt in self.needs.split("|")):
            return ""
        return f"needs {self.needs.replace('|', ' or ')}"


def M(id, file, search, replace, tests, what, asan=False, needs=""):
    return Mutant(id, file, search, replace, tests if isinstance(tests, tuple) else (tests,), what, asan, needs)


@functools.cache
def cpu_flags():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


VNNI = "avx512f avx512_vnni"           # the zmm VNNI kernel's tests
VNNI_BW = "avx512f avx512bw avx512_vnni"  # ... and its AVX-512 packing's


EQ = "Registry/Equivalence.MatchesOracle/"

# ---- the mutants --------------------------------------------------------------------------
# One entry each: id, file, exact search text (found exactly once in the file), replacement,
# the tests that must catch it, and what was planted. Numbers in brackets are bugs that once
# slipped through the tests.
MUTANTS = [
    # GEMM edges and packing
    M("gemm-edge-n", "cpu/gemm_f32_microkernel.cpp",
      "if (rows == kMR && cols == NU) {",
      "if (rows == kMR) {",
      gtest("hk_tests", "GemmKernels.F32OnEveryTarget:" + EQ + "cpu_matmul_simd"),
      "f32 right-edge tile stored as whole vectors (writes past column n)"),
    M("gemm-edge-m", "cpu/gemm_loops.hpp",
      "const int64_t rows = std::min(mr, mc - ir);",
      "const int64_t rows = std::min(mr, mc - ir + 1);",
      gtest("hk_tests", "GemmKernels.F32OnEveryTarget:GemmKernels.I8PairsOnEveryTarget"),
      "bottom-edge tile one row too tall (m edge off by one)"),
    M("gemm-k-tail", "cpu/gemm_loops.hpp",
      "kgroups = (kc + P::kGroup - 1) / P::kGroup;",
      "kgroups = kc / P::kGroup;",
      gtest("hk_tests", "GemmKernels.I8PairsOnEveryTarget:" + EQ + "cpu_matmul_simd"),
      "macro-kernel drops the last partial k group (k edge)"),
    M("gemm-k-accumulate", "cpu/gemm_loops.hpp",
      "const bool accumulate = pc > 0;",
      "const bool accumulate = pc > kc_max;",
      gtest("hk_tests", "GemmKernels.F32OnEveryTarget"),
      "the second k block overwrites C instead of adding to it"),
    M("gemm-pack-b-last-k", "cpu/gemm_pack.cpp",
      "const int64_t groups = (kc + g - 1) / g, stride = int64_t{nr} * g;\n  const int64_t panel",
      "const int64_t groups = kc / g, stride = int64_t{nr} * g;\n  const int64_t panel",
      gtest("hk_tests", "GemmKernels.I8PairsOnEveryTarget"),
      "pack_b drops the last partial k group of B"),
    M("gemm-pack-pairs-sign", "cpu/gemm_pack.cpp",
      "_mm_storeu_si128(out + 1, _mm_srai_epi16(_mm_unpackhi_epi8(t0, t0), 8));",
      "_mm_storeu_si128(out + 1, _mm_srli_epi16(_mm_unpackhi_epi8(t0, t0), 8));",
      gtest("hk_tests", "GemmKernels.I8PairsOnEveryTarget"),
      "int16-pair B packing zero-extends columns 4-7 of every 16 (negative weights read as +256)"),
    M("gemm-pack-a-pairs-group", "cpu/gemm_pack.cpp",
      "_mm_storel_epi64(reinterpret_cast<__m128i*>(d + (q + 1) * step), _mm_unpackhi_epi64(lo, lo));",
      "_mm_storel_epi64(reinterpret_cast<__m128i*>(d + (q + 1) * step), lo);",
      gtest("hk_tests", "GemmKernels.I8PairsOnEveryTarget"),
      "int16-pair A packing stores each row pair's first k group in the second's place too"),
    M("pairs-16-halves", "cpu/pairs_16_avx2.inc",
      "lo = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(x0, x1));",
      "lo = _mm256_cvtepi8_epi16(_mm_unpackhi_epi8(x0, x1));",
      gtest("hk_tests", "GemmKernels.PairsYmmPackingMatchesPortable:GemmShapes.FewRowsI8OnAvx2Pairs"),
      "the AVX2 int16 pairs (both users: B's packing, the few-rows GEMM) repeat columns 8-15 in place of 0-7"),
    M("pairs-rows-odd-k", "cpu/gemm_i8_rows_pairs_avx2.cpp",
      "if (k % 2 != 0) step(pairs, false);",
      "if (k % 2 != 0 && false) step(pairs, false);",
      gtest("hk_tests", "GemmShapes.FewRowsI8OnAvx2Pairs:GemmShapes.ChoiceBoundaries"),
      "AVX2 few-rows int8 GEMM drops an odd K's last k"),
    M("pairs-rows-last-block", "cpu/gemm_i8_rows_pairs_avx2.cpp",
      "if (c0 < n) sweep<1, MR>",
      "if (c0 + 16 < n) sweep<1, MR>",
      gtest("hk_tests", "GemmShapes.FewRowsI8OnAvx2Pairs:GemmShapes.ChoiceBoundaries"),
      "AVX2 few-rows int8 GEMM leaves the columns past the last whole 16 unwritten"),
    M("pairs-rows-x-halves", "cpu/gemm_i8_rows_pairs_avx2.cpp",
      "static_cast<uint32_t>(lo) | static_cast<uint32_t>(hi) << 16",
      "static_cast<uint32_t>(hi) | static_cast<uint32_t>(lo) << 16",
      gtest("hk_tests", "GemmShapes.FewRowsI8OnAvx2Pairs:Semantics.Linear*"),
      "AVX2 few-rows int8 GEMM pairs x[2q + 1] with B's row 2q and x[2q] with row 2q + 1"),
    M("pairs-nt-k-tail", "cpu/gemm_i8_nt_pairs_avx2.cpp",
      "for (int64_t p = k16; p < k; ++p)  // the k tail, one by one",
      "for (int64_t p = k16 + 1; p < k; ++p)  // the k tail, one by one",
      gtest("hk_tests", "GemmShapes.DotProductsI8OnAvx2Pairs:GemmShapes.ChoiceBoundaries"),
      "AVX2 int8 dot products leave out the first k past the last 16"),
    M("pairs-nt-sum-order", "cpu/gemm_i8_nt_pairs_avx2.cpp",
      "_mm256_hadd_epi32(_mm256_hadd_epi32(v0, v1), _mm256_hadd_epi32(v2, v3))",
      "_mm256_hadd_epi32(_mm256_hadd_epi32(v0, v1), _mm256_hadd_epi32(v3, v2))",
      gtest("hk_tests", "GemmShapes.DotProductsI8OnAvx2Pairs:Semantics.Linear*"),
      "AVX2 int8 dot products: a tile's last two columns trade places when its sums are gathered"),
    M("pairs-narrow-transpose", "cpu/gemm_i8_nt_pairs_avx2.cpp",
      "for (int64_t j = 0; j < n; ++j) dst[j * k + p] = b[p * n + j];",
      "for (int64_t j = 0; j < n; ++j) dst[j * k + p] = b[p * n + (j + 1) % n];",
      gtest("hk_tests", "GemmShapes.ChoiceBoundaries:" + EQ + "cpu_linear_fused"),
      "narrow int8 without VNNI: B's last rows, copied one by one, take each column from its right-hand neighbour"),
    M("pairs-narrow-transpose-16x16", "cpu/gemm_i8_nt_pairs_avx2.cpp",
      "out[2 * g + 1] = _mm_unpackhi_epi64(o[2 * g], o[2 * g + 1]);",
      "out[2 * g + 1] = _mm_unpackhi_epi64(o[2 * g + 1], o[2 * g]);",
      gtest("hk_tests", "GemmShapes.ChoiceBoundaries:" + EQ + "cpu_linear_fused"),
      "narrow int8 without VNNI: the 16 × 16 byte transpose swaps the two halves of every odd column"),
    M("gemm-pack-b-pairs-ymm-panel", "cpu/gemm_pack_pairs_avx2.cpp",
      "d += panel - stride + 32;",
      "d += 32;",
      gtest("hk_tests", "GemmKernels.PairsYmmPackingMatchesPortable"),
      "AVX2 int16-pair B packing runs on past a panel's last 16 columns into the same panel"),
    M("gemm-pack-b-t-pairs-ymm-halves", "cpu/gemm_pack_pairs_avx2.cpp",
      "_mm256_storeu_si256(reinterpret_cast<__m256i*>(d + (p / 2 + q) * stride), _mm256_castps_si256(w[q]));",
      "_mm256_storeu_si256(reinterpret_cast<__m256i*>(d + (p / 2 + (q ^ 4)) * stride), _mm256_castps_si256(w[q]));",
      gtest("hk_tests", "GemmKernels.PairsYmmPackingMatchesPortable"),
      "AVX2 int16-pair packing of transposed B stores pairs 0-3 of each block in 4-7's place and back"),
    M("gemm-pairs-full-tile-row", "cpu/gemm_i8_microkernel.cpp",
      "const V sum = hn::Load(d32, tile + r * NU + v * L);",
      "const V sum = hn::Load(d32, tile + (r > 0 ? r - 1 : 0) * NU + v * L);",
      gtest("hk_tests", "GemmKernels.I8PairsOnEveryTarget"),
      "int16-pair kernel stores each full tile's rows one row late (row r gets row r-1's sums)"),
    M("gemm-pack-b-zero-pad", "cpu/gemm_pack.cpp",
      "r[t] = q * g + t < kc ? b + (q * g + t) * ldb : zeros;",
      "r[t] = q * g + t < kc ? b + (q * g + t) * ldb : b;",
      gtest("hk_tests", "GemmKernels.VnniZmm*"),
      "pack_b pads k past kc with B's first row instead of zeros", needs=VNNI),
    M("gemm-pack-zmm-k-edge", "cpu/gemm_pack_vnni_avx512.cpp",
      "const __m512i x3 = rows > 3 ?",
      "const __m512i x3 = rows >= 3 ?",
      gtest("hk_tests", "GemmKernels.VnniZmmPackingMatchesPortable:" + EQ + "cpu_matmul_vnni"),
      "AVX-512 B packing (vnni's and the tiles') reads one row past K into the last k quad", needs=VNNI_BW),
    M("gemm-blocked-last-k", "cpu/matmul_blocked.cpp",
      "p1 = std::min(p0 + bs, k)",
      "p1 = std::min(p0 + bs, k - 1)",
      gtest("hk_tests", EQ + "cpu_matmul_blocked"),
      "blocked matmul drops the last k"),
    # VNNI: the u8 x s8 trick's compensation term
    M("vnni-zmm-no-compensation", "cpu/gemm_i8_vnni_avx512.cpp",
      "const __m512i start = _mm512_loadu_si512(init + 16 * v);",
      "const __m512i start = _mm512_setzero_si512();",
      gtest("hk_tests", EQ + "cpu_matmul_vnni:GemmKernels.VnniZmm"),
      "zmm VNNI tile starts from zero, not the -128*sum(b) compensation", needs=VNNI),
    M("vnni-ymm-no-compensation", "cpu/gemm_i8_vnni_avx2.cpp",
      "const __m256i start = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(init + 8 * v));",
      "const __m256i start = _mm256_setzero_si256();",
      gtest("hk_tests", "GemmKernels.VnniYmm"),
      "ymm VNNI tile starts from zero, not the compensation", needs="avx512f avx512vl avx512_vnni|avx2 avx_vnni"),
    M("vnni-zmm-pack-bt-lanes", "cpu/gemm_pack_vnni_avx512.cpp",
      "out[4 + s] = _mm512_shuffle_i32x4(c01, d01, 0xDD);",
      "out[4 + s] = _mm512_shuffle_i32x4(c01, d01, 0x88);",
      gtest("hk_tests", "GemmKernels.VnniZmmPackingMatchesPortable:" + EQ + "cpu_linear_fused"),
      "AVX-512 packing of transposed B repeats k quads 0-3 of each block of 16 in place of 4-7", needs=VNNI_BW),
    M("gemv-vnni-column-groups", "cpu/gemv_i8_vnni_avx512.cpp",
      "_mm512_unpackhi_epi16(t0, t2),   // 16L + 4…7",
      "_mm512_unpacklo_epi16(t1, t3),   // 16L + 4…7",
      gtest("hk_tests", "GemmShapes.Gemv*"),
      "int8 GEMV (vpdpbusd): columns 4-7 of each 16 take the sums of columns 8-11", needs=VNNI_BW),
    M("gemv-vnni-no-shift", "cpu/vnni_acc_avx512.hpp",
      "return 128u * sum;",
      "return 0;",
      gtest("hk_tests", "GemmShapes.Gemv*:GemmShapes.DotProductsI8OnVnni"),
      "int8 vpdpbusd kernels: the +128 that makes the streamed operand unsigned is never taken back out",
      needs=VNNI_BW),
    M("vnni-zmm-pack-b-next-panel", "cpu/gemm_pack_vnni_avx512.cpp",
      "if ((in_panel += 16) == nr) in_panel = 0, panel_at += panel;",
      "if ((in_panel += 16) == nr) in_panel = 0, panel_at += stride;",
      gtest("hk_tests", "GemmKernels.VnniZmmPackingMatchesPortable:" + EQ + "cpu_matmul_vnni"),
      "AVX-512 pack_b starts each next panel one k quad in, not one panel on", needs=VNNI_BW),
    M("vnni-zmm-compensation-sign", "cpu/gemm_pack_vnni_avx512.cpp",
      "comp[c] *= -128;",
      "comp[c] *= 128;",
      gtest("hk_tests", "GemmKernels.VnniZmmPackingMatchesPortable:" + EQ + "cpu_matmul_vnni"),
      "AVX-512 packing's compensation +128*sum(b) instead of -128*sum(b)", needs=VNNI_BW),
    M("vnni-compensation-quad", "cpu/gemm_pack.cpp",
      "for (int t = 0; t < g; ++t) comp[j0 + c] += rc[t][0];",
      "for (int t = 0; t < g - 1; ++t) comp[j0 + c] += rc[t][0];",
      gtest("hk_tests", "GemmKernels.VnniZmm"),
      "portable VNNI packing leaves each quad's 4th k out of the compensation", needs=VNNI),
    # the thread pool's partition and every parallel split
    M("pool-chunk-end", "cpu/thread_pool.cpp",
      "end = std::min(n_, begin + chunk_);",
      "end = std::min(n_, begin + chunk_ - 1);",
      gtest("hk_concurrency_tests", "ThreadPool.*"),
      "each chunk of a parallel_for stops one index short"),
    M("pool-chunk-count", "cpu/thread_pool.cpp",
      "chunks_ = (n + chunk_ - 1) / chunk_;",
      "chunks_ = n / chunk_;",
      gtest("hk_concurrency_tests", "ThreadPool.*"),
      "the last, partial chunk is never run"),
    M("pool-caller-returns-early", "cpu/thread_pool.cpp",  # [18]
      "  for (int64_t done = done_chunks_.load(std::memory_order_acquire); done != chunks_;)\n"
      "    done = wait_change(done_chunks_, done, wait);\n"
      "  job_.store(closed + 2, std::memory_order_seq_cst);  // close: late workers now stay out\n"
      "  for (int a = active_.load(std::memory_order_seq_cst); a != 0;) a = wait_change(active_, a, base);\n",
      "  (void)wait;\n"
      "  job_.store(closed + 2, std::memory_order_seq_cst);  // close: late workers now stay out\n",
      ctest("", "hk_tests", "hk_concurrency_tests", label="parallel|concurrency"),
      "[18] parallel_for returns before the workers' last chunks finish"),
    M("pool-resize-in-region", "cpu/thread_pool.cpp",  # adversarial run: deadlock
      "  if (tls_in_region)\n    throw InvalidArgument(\"set_num_threads: called",
      "  if (false)\n    throw InvalidArgument(\"set_num_threads: called",
      gtest("hk_concurrency_tests", "ParallelMap.SetNumThreadsInsideTheOpIsRejected", timeout=120),
      "set_num_threads from inside parallel_map's op is let through (and deadlocks)"),
    M("split-mul-offset", "cpu/elementwise_rungs.hpp",  # [13]
      "K(x + b, y + b, out + b,",
      "K(x + b, y, out + b,",
      gtest("hk_tests", EQ + "cpu_mul_parallel"),
      "[13] parallel binary ops: every chunk reads y from the start"),
    M("split-dequantize-i32-offset", "cpu/elementwise_rungs.hpp",  # [13]
      "K(x + b, scale, out + b,",
      "K(x, scale, out + b,",
      gtest("hk_tests", EQ + "cpu_dequantize_parallel"),
      "[13] parallel quantize and dequantize: every chunk reads its input from the start"),
    M("split-chunk-bound", "cpu/elementwise_rungs.hpp",  # [15]
      "body(b * kUnit, std::min(e * kUnit, n));",
      "body(b * kUnit, e * kUnit);",
      gtest("hk_tests", EQ + "cpu_*parallel*"),
      "[15] for_chunks' last chunk runs past n to a multiple of 64", asan=True),
    M("split-dot-drops-block", "cpu/reduce_parallel.cpp",  # [14]
      "for (int64_t k = 0; k < blocks; ++k) total += partial[k];",
      "for (int64_t k = 1; k < blocks; ++k) total += partial[k];",
      gtest("hk_tests", EQ + "cpu_dot_parallel"),
      "[14] parallel dot leaves the first block's 8,192 terms out of the sum"),
    M("split-reduce-block-bound", "cpu/reduce_parallel.cpp",
      "len = std::min(kBlock, n - begin);",
      "len = kBlock;",
      gtest("hk_tests", EQ + "cpu_euclidean_distance_parallel"),
      "parallel reductions read the last block past n", asan=True),
    # the inference-shaped paths of the default variants (cpu/gemm_shape.hpp)
    M("gemv-column-tail", "cpu/gemv.cpp",
      "for (; j < w; ++j)  // the columns past the last whole vector",
      "for (; j < wv; ++j)  // the columns past the last whole vector",
      gtest("hk_tests", "GemmShapes.GemvOnEveryTarget:" + EQ + "cpu_matmul_parallel"),
      "GEMV (M = 1) drops the columns past the last whole vector"),
    M("gemv-narrow-pass-columns", "cpu/gemv.cpp",
      "for (; j + 4 * L <= n; j += 4 * L) GemvRowRegisters<4, false>(x, b + j, ldb, y + j, k, L);",
      "for (; j + 4 * L <= n; j += 4 * L) GemvRowRegisters<4, false>(x, b, ldb, y + j, k, L);",
      gtest("hk_tests", "GemmShapes.GemvOnEveryTarget"),
      "GEMV (M = 1) in 256-byte passes: every pass reads B's first columns", needs="avx512f"),
    M("gemv-broadcast-lane-stuck", "cpu/gemv.cpp",
      "      lane = hn::Add(lane, one);",
      "      lane = hn::Add(lane, hn::Zero(di));",
      gtest("hk_tests", "GemmShapes.GemvOnEveryTarget"),
      "GEMV (M = 1) multiplies every row of a vector's worth of x by its first element", needs="avx2"),
    M("gemv-masked-tail-column", "cpu/gemv.cpp",
      "const auto mask = hn::FirstN(d, static_cast<size_t>(last));",
      "const auto mask = hn::FirstN(d, static_cast<size_t>(last - 1));",
      gtest("hk_tests", "GemmShapes.GemvOnEveryTarget:" + EQ + "cpu_matmul_parallel"),
      "f32 GEMV (M = 1) drops the last column of the lane-masked last vector", needs="avx2"),
    M("gemv-stream-second-chain", "cpu/gemv.cpp",
      "hn::StoreU(hn::Add(s0, s1), d, yb + j);",
      "hn::StoreU(s0, d, yb + j);",
      gtest("hk_tests", "GemmShapes.GemvOnEveryTarget"),
      "GEMV (M = 1) of a B beyond L2 drops every second row of each pass of streamed rows"),
    M("gemv-col-accumulators", "cpu/gemv.cpp",
      "for (int u = 1; u < NA; ++u) sum = hn::Add(sum, acc[t][u]);",
      "for (int u = 1; u < NA - 1; ++u) sum = hn::Add(sum, acc[t][u]);",
      gtest("hk_tests", "GemmShapes.GemvOnEveryTarget:" + EQ + "cpu_matmul_parallel"),
      "A · x: a row's last accumulator is left out of its sum"),
    M("gemv-k-tail", "cpu/gemv.cpp",
      "for (; p < k; ++p) {  // the rows past the last group of four",
      "for (; p + 1 < k; ++p) {  // the rows past the last group of four",
      gtest("hk_tests", "GemmShapes.GemvOnEveryTarget:" + EQ + "cpu_matmul_vnni"),
      "GEMV (M = 1) drops the last row of B when K is not a multiple of four"),
    M("few-rows-i8-remainder-dropped", "cpu/gemv_i8_vnni_avx512.cpp",
      "    case 1: rows_of<1>(a + i * lda, lda, b, ldb, c + i * ldc, ldc, k, n); break;",
      "    case 1: break;",
      gtest("hk_tests", "GemmShapes.FewRowsI8OnVnni:" + EQ + "cpu_linear_fused"),
      "int8 few-rows GEMM (batch 2 to 16) skips the one row left after the groups of four",
      needs=VNNI_BW),
    M("few-rows-i8-shared-shift", "cpu/gemv_i8_vnni_avx512.cpp",
      "static_cast<uint32_t>(lanes[v][4 * lane + i]) - shift[r]);",
      "static_cast<uint32_t>(lanes[v][4 * lane + i]) - shift[0]);",
      gtest("hk_tests", "GemmShapes.FewRowsI8OnVnni:" + EQ + "cpu_matmul_vnni"),
      "int8 few-rows GEMM corrects every row's sums by the first row's b + 128 offset",
      needs=VNNI_BW),
    M("dot-i8-shift-of-first-row", "cpu/gemm_i8_nt_vnni_avx512.cpp",
      "_mm_set1_epi32(static_cast<int>(shift[r])));",
      "_mm_set1_epi32(static_cast<int>(shift[0])));",
      gtest("hk_tests", "GemmShapes.DotProductsI8OnVnni:" + EQ + "cpu_linear_fused"),
      "int8 dot-product GEMM corrects every row's sums by the first row's b + 128 offset",
      needs=VNNI_BW),
    M("dot-i8-head-short", "cpu/gemm_i8_nt_vnni_avx512.cpp",
      "const __mmask64 mask = (__mmask64{1} << p) - 1;",
      "const __mmask64 mask = (__mmask64{1} << (p - 1)) - 1;",
      gtest("hk_tests", "GemmShapes.DotProductsI8OnVnni:GemmShapes.GemvOnEveryTarget"),
      "int8 dot-product GEMM drops the last byte of K's head under 64",
      needs=VNNI_BW),
    M("dot-i8-short-block-stored-whole", "cpu/gemm_i8_nt_vnni_avx512.cpp",
      "if (nr - j >= 4) {",
      "if (nr - j >= 1) {",
      gtest("hk_tests", "GemmShapes.DotProductsI8OnVnni"),
      "int8 dot-product GEMM stores four sums for a last block of fewer of b's rows, past C's row",
      needs=VNNI_BW),
    M("gemv-split-b-offset", "cpu/gemm_shape.cpp",
      "row(x, b + j0, n, y + j0, k, j1 - j0);",
      "row(x, b, n, y + j0, k, j1 - j0);",
      gtest("hk_tests", "GemmShapes.ChoiceBoundaries"),
      "GEMV split over threads: every column part reads B's first columns"),
    M("gemv-row-split-partials-dropped", "cpu/gemm_shape.cpp",
      "for (int t = 1; t < parts; ++t) add_into(y, partial + (t - 1) * n, n);",
      "for (int t = 1; t < 1; ++t) add_into(y, partial + (t - 1) * n, n);",
      gtest("hk_tests", "GemmShapes.ChoiceBoundaries"),
      "GEMV split along K: the other threads' partial sums are never added"),
    M("gemv-row-split-x-offset", "cpu/gemm_shape.cpp",
      "row(x + p0, b + p0 * n, n, t == 0 ? y : partial + (t - 1) * n, p1 - p0, n);",
      "row(x, b + p0 * n, n, t == 0 ? y : partial + (t - 1) * n, p1 - p0, n);",
      gtest("hk_tests", EQ + "cpu_linear_fused"),
      "batch-1 linear split along K: every part multiplies by the first elements of x"),
    M("max-abs-sign-kept", "cpu/quantize_simd.cpp",
      "const auto magnitude = hn::Set(di, 0x7fffffff);",
      "const auto magnitude = hn::Set(di, -1);",
      gtest("hk_tests", "Semantics.SymmetricScaleSeesEveryElement"),
      "max|x| on the bits keeps the sign bit: a negative x counts as NaN, and NaN's sign matters"),
    M("max-abs-inf-missed", "cpu/quantize_simd.cpp",
      "*non_finite = bits >= 0x7f800000u;",
      "*non_finite = bits > 0x7f800000u;",
      gtest("hk_tests", "Semantics.SymmetricScaleSeesEveryElement"),
      "max|x|'s non-finite test misses ±inf (its bits equal +inf's exactly)"),
    M("max-abs-chunks-min", "cpu/quantize_dynamic.cpp",
      "bits > seen && !max_bits.compare_exchange_weak(seen, bits, std::memory_order_relaxed);) {",
      "bits < seen && !max_bits.compare_exchange_weak(seen, bits, std::memory_order_relaxed);) {",
      gtest("hk_tests", "Semantics.SymmetricScaleSeesEveryElement"),
      "max|x| over threads never raises the running maximum to a chunk's"),
    M("quantize-dynamic-chunk-offset", "cpu/quantize_dynamic.cpp",
      "simd::quantize_f32(x + b, scale, q + b, static_cast<std::size_t>(e - b), false);",
      "simd::quantize_f32(x + b, scale, q, static_cast<std::size_t>(e - b), false);",
      gtest("hk_tests", "Semantics.LinearQuantizesF32InputsInTheCall"),
      "linear's in-call quantization writes every chunk of x to the start of the scratch"),
    M("linear-dynamic-scale-dropped", "common/src/ops.cpp",
      "      e.input_scale = qx.scale;",
      "      e.input_scale = input_scale;",
      gtest("hk_tests", "Semantics.LinearQuantizesF32InputsInTheCall"),
      "linear quantizes x with symmetric_scale(x) but dequantizes with the input_scale of 0"),
    M("small-pad-a-stride", "cpu/gemm_shape.cpp",
      "for (int64_t i = i0; i < i1; ++i) std::copy(a + i * k, a + i * k + k, copy + (i - i0) * lda);",
      "for (int64_t i = i0; i < i1; ++i) std::copy(a + i * k, a + i * k + k, copy + (i - i0) * k);",
      gtest("hk_tests", "GemmShapes.ChoiceBoundaries"),
      "the small GEMM's padded copy of A (K a multiple of 1024) is written at A's own stride"),
    M("small-tiny-ldc", "cpu/gemm_shape.cpp",
      "gemm_f32_small(a, k, b, n, c, n, m, k, n);",
      "gemm_f32_small(a, k, b, n, c, k, m, k, n);",
      gtest("hk_tests", "GemmShapes.ChoiceBoundaries"),
      "a tiny product sent straight to the small GEMM stores C's rows at A's stride"),
    M("small-gemm-edge-n", "cpu/gemm_f32_small.cpp",
      "if (rows == MRU && cols == NU && !ep) {",
      "if (rows == MRU && !ep) {",
      gtest("hk_tests", "GemmShapes.SmallGemmOnEveryTarget:" + EQ + "cpu_matmul_parallel"),
      "unpacked small GEMM stores a right-edge tile as whole vectors (writes past column n)"),
    M("small-row-address-3", "cpu/gemm_f32_small.cpp",
      "const int64_t idx = R % 6 == 3 ? l3_ : R % 6 == 5 ? l5_ : l1_;",
      "const int64_t idx = R % 6 == 3 ? l1_ : R % 6 == 5 ? l5_ : l1_;",
      gtest("hk_tests", "GemmShapes.SmallGemmOnEveryTarget"),
      "AVX-512 small GEMM: the fourth row of each group of six reads A's second row", needs="avx512f"),
    M("small-register-broadcast-k", "cpu/gemm_f32_small.cpp",
      '"=v"(x.raw) : [p] "r"(p), [i] "r"(idx), [o] "i"(4 * U)',
      '"=v"(x.raw) : [p] "r"(p), [i] "r"(idx), [o] "i"(0)',
      gtest("hk_tests", "GemmShapes.SmallGemmOnEveryTarget"),
      "AVX-512 small GEMM, broadcasts in a register: every k step of four reads A at the first", needs="avx512f"),
    M("small-k-rest-dropped", "cpu/gemm_f32_small.cpp",
      "for (; p < k; ++p) {",
      "for (; p < k && p % 4 == 0; ++p) {",
      gtest("hk_tests", "GemmShapes.SmallGemmOnEveryTarget"),
      "AVX-512 small GEMM: of K's last k mod 4 steps only the first runs", needs="avx512f"),
    M("narrow-transpose-tail", "cpu/gemm_f32_small.cpp",
      "for (int r = 0; r < 8; ++r) dst[p * width + c0 + r] = src[r * ld + p];",
      "for (int r = 0; r < 8; ++r) dst[p * width + c0 + r] = src[r * ld + k8 - 1];",
      gtest("hk_tests", "GemmShapes.ChoiceBoundaries:" + EQ + "cpu_linear_fused"),
      "narrow N: B's copy for the dot products repeats column 7 for the columns past the last 8"),
    M("transpose-8x8-halves", "cpu/transpose_8x8_avx2.inc",
      "v[p + 4] = _mm256_permute2f128_ps(u[p], u[p + 4], 0x31);",
      "v[p + 4] = _mm256_permute2f128_ps(u[p], u[p + 4], 0x13);",
      gtest("hk_tests", "GemmShapes.SmallGemmOnEveryTarget:GemmKernels.PairsYmmPackingMatchesPortable"),
      "the AVX2 8x8 transpose (both users: small GEMM strips, int16-pair packing) swaps the row halves of elements 4-7",
      needs="avx2"),
    M("small-transpose-strip-in-linear", "cpu/gemm_f32_small.cpp",
      "for (int q = 0; q < 8; ++q) _mm256_storeu_ps(dst + (p + q) * width + c0, v[q]);",
      "for (int q = 0; q < 8; ++q) _mm256_storeu_ps(dst + (p + (q ^ 1)) * width + c0, v[q]);",
      gtest("hk_tests", "Semantics.Linear*:Registry/Equivalence.MatchesOracle/cpu_linear_*"),
      "small GEMM's transposition of (out, in) weights swaps k steps in pairs; the linear layer tests must see it",
      needs="avx2"),
    M("small-copying-tile-store", "cpu/gemm_f32_small.cpp",
      "for (int v = 0; v < NVU; ++v) hn::Store(bv[v], d, out + v * L);",
      "for (int v = 0; v < NVU; ++v) hn::Store(bv[0], d, out + v * L);",
      gtest("hk_tests", "GemmShapes.SmallGemmOnEveryTarget"),
      "small GEMM: the copying tile stores its first vector of each row of B in every vector of the strip"),
    M("small-tail-offset", "cpu/gemm_f32_small.cpp",
      "const float* tb = bb + full * L;",
      "const float* tb = bb + full * L + 1;",
      gtest("hk_tests", "GemmShapes.SmallGemmOnEveryTarget"),
      "small GEMM: the columns past the last whole vector are read one column to the right"),
    M("small-row-tiles-overlap", "cpu/gemm_f32_small.cpp",
      "const int64_t rows = base + (t < longer ? 1 : 0);",
      "const int64_t rows = base + (t <= longer ? 1 : 0);",
      gtest("hk_tests", "GemmShapes.SmallGemmOnEveryTarget"),
      "small GEMM: the row tiles cover one row too many each time m is not a multiple of their count"),
    M("split-gemm-b-offset", "cpu/gemm_parallel.hpp",
      "b + (form.b_transposed ? j0 * k : j0), ldb,",
      "b, ldb,",
      gtest("hk_tests", "GemmKernels.Parallel*"),
      "GEMM split: every column part reads B's first columns"),
    M("split-grid-short-rows", "cpu/gemm_parallel.hpp",
      "(cost == best_cost && short_rows)",
      "(cost == best_cost && !short_rows)",
      gtest("hk_tests", "GemmKernels.ParallelGridPacksLeast"),
      "GEMM grid: a square C with short rows is cut by columns, one with long rows by rows"),
    M("amx-b-right-half", "cpu/gemm_i8_amx_tiles.cpp",
      "_tile_loadd(7, bq + 64, 128);  // columns 16–31",
      "_tile_loadd(7, bq, 128);  // columns 16–31",
      gtest("hk_tests", "GemmKernels.Amx*"),
      "AMX: the right 16 columns of each 32-column block multiply the left 16 columns of B",
      needs="amx_int8"),
    M("amx-edge-rows", "cpu/matmul_i8_amx.cpp",
      "const int64_t rows = std::min(kAmxBlockRows, m - i);",
      "const int64_t rows = kAmxBlockRows;",
      gtest("hk_tests", "GemmKernels.Amx*"),
      "AMX: the bottom edge block stores all 32 rows, past C's last row",
      asan=True, needs="amx_int8"),
    M("amx-pack-second-panel", "cpu/gemm_pack_vnni_avx512.cpp",
      "if (c0 + 32 < j1) {",
      "if (c0 + 64 < j1) {",
      gtest("hk_tests", "GemmKernels.Amx*"),
      "AMX packing of B: the last 64 columns' second panel is left as the scratch held it",
      needs="amx_int8"),
    M("amx-pack-t-half-panel", "cpu/gemm_pack_vnni_avx512.cpp",
      "int8_t* d = dst + (c0 - j0) / 32 * panel + (c0 - j0) % 32 * 4;",
      "int8_t* d = dst + (c0 - j0) / 32 * panel + (c0 - j0) % 16 * 4;",
      gtest("hk_tests", "GemmKernels.Amx*"),
      "AMX packing of (out, in) weights: each panel's right 16 columns overwrite its left 16",
      needs="amx_int8"),
    M("amx-row-split-gap", "cpu/matmul_i8_amx.cpp",
      "(t + 1) * row_blocks / parts * kAmxBlockRows);",
      "(t + 1) * row_blocks / parts * kAmxBlockRows - kAmxBlockRows);",
      gtest("hk_tests", "GemmKernels.Amx*"),
      "AMX split by rows: each thread leaves its last 32-row block of C unwritten",
      needs="amx_int8"),
    M("amx-unit-ignores-shape", "cpu/matmul_i8_amx.cpp",
      "return amx_pays(m, k, n) ? ComputeUnit::amx_tiles : ComputeUnit::simd;",
      "return ComputeUnit::amx_tiles;",
      gtest("hk_tests", "GemmKernels.AmxRows*"),
      "every int8 call of amx and linear fused is held to the tiles' roof, even those that run as vnni",
      needs="amx_int8"),
    M("few-rows-i8-ignores-tiles", "cpu/gemm_shape.cpp",
      "vnni_register_blocks(k, n) && !(cpu_has_amx() && amx_pays(m, k, n));",
      "vnni_register_blocks(k, n);",
      gtest("hk_tests", "GemmShapes.ChoiceBoundaries"),
      "int8 at 12 to 16 rows keeps the few-rows kernel where the AMX tiles pay",
      needs="amx_int8"),
    M("amx-k-end-dropped", "cpu/matmul_i8_amx.cpp",
      "k_end ? k_end + i * kAmxK : nullptr",
      "nullptr",
      gtest("hk_tests", "GemmKernels.Amx*"),
      "AMX: whole row blocks leave out the last k step when K is not a multiple of 64",
      needs="amx_int8"),
    M("amx-linear-epilogue-first-panel", "cpu/matmul_i8_amx.cpp",
      "out + i * n + j0, n, rows, cols, epilogue_at(*ep, j0));",
      "out + i * n + j0, n, rows, cols, *ep);",
      gtest("hk_tests", "GemmKernels.Amx*"),
      "AMX linear: every 32-column panel takes the first panel's scales and bias",
      needs="amx_int8"),
    # linear's epilogue and its GEMM paths
    M("linear-empty-bias-is-none", "common/src/ops.cpp",
      "return bias.defined() ? &bias : nullptr;",
      "return bias.defined() && bias.numel() > 0 ? &bias : nullptr;",
      gtest("hk_tests", "BadInput.AnEmptyF32BiasMadeByTheCallerIsABiasNotNone"),
      "linear drops an empty f32 bias as none where the layer has outputs, instead of rejecting its shape"),
    M("linear-epilogue-no-bias", "cpu/gemm_epilogue_simd.cpp",
      "if (e.bias) v = hn::Add(v, bias);",
      "if (e.bias) v = hn::Add(v, zero);",
      gtest("hk_tests", EQ + "cpu_linear_fused"),
      "the CPU epilogue forgets the bias"),
    M("linear-epilogue-int8-rounding", "cpu/gemm_epilogue_simd.cpp",
      "v = hn::Mul(hn::ConvertTo(d, acc), scale);",
      "v = hn::Mul(hn::Mul(hn::ConvertTo(d, acc), hn::Set(d, e.input_scale)), hn::LoadU(d, e.weight_scale + j));",
      gtest("hk_tests", EQ + "cpu_linear_fused"),
      "int8 dequantization multiplies by the two scales in turn: off by an ulp where hk says one product"),
    M("linear-epilogue-column-tail", "cpu/gemm_epilogue_simd.cpp",
      "for (; j + width <= cols; j += width) FinishColumns(",
      "for (; j + width < cols; j += width) FinishColumns(",
      gtest("hk_tests", EQ + "cpu_linear_fused"),
      "the SIMD epilogue leaves the narrower vectors that end a tile's row unwritten"),
    M("linear-epilogue-every-k-block", "cpu/gemm_loops.hpp",
      "const Epilogue* ep = form.epilogue && pc + kc >= k ? &ep_jc : nullptr;",
      "const Epilogue* ep = form.epilogue ? &ep_jc : nullptr;",
      gtest("hk_tests", EQ + "cpu_linear_fused"),
      "the packed GEMM applies the epilogue in every k block (K > KC): bias added and relu cut twice"),
    M("linear-gemv-bias-offset", "cpu/gemm_shape.cpp",
      "finish_tile<Acc>(y + i, len, nullptr, out + i, len, 1, len, epilogue_at(ep, i));",
      "finish_tile<Acc>(y + i, len, nullptr, out + i, len, 1, len, ep);",
      gtest("hk_tests", EQ + "cpu_linear_fused"),
      "batch-1 linear: every 64 outputs take the bias of the first 64"),
    M("linear-small-bias-offset", "cpu/gemm_f32_small.cpp",
      "hn::LoadU(d, ep->bias + v * L);",
      "hn::LoadU(d, ep->bias);",
      gtest("hk_tests", EQ + "cpu_linear_fused:Semantics.LinearEpilogueOnEveryPath"),
      "the small GEMM's register epilogue gives every vector of a tile the first vector's bias"),
    M("linear-small-relu-max", "cpu/gemm_f32_small.cpp",
      "x = hn::IfThenElse(hn::Lt(x, zero), zero, x);",
      "x = hn::Max(x, zero);",
      gtest("hk_tests", "Semantics.LinearEpilogueOnEveryPath"),
      "the register epilogue's relu is a max, which turns a NaN into 0"),
    M("linear-nt-sum-order", "cpu/gemm_f32_nt.cpp",
      "const auto y = hn::Add(hn::InterleaveLower(d, v2, v3), hn::InterleaveUpper(d, v2, v3));",
      "const auto y = hn::Add(hn::InterleaveLower(d, v3, v2), hn::InterleaveUpper(d, v3, v2));",
      gtest("hk_tests", EQ + "cpu_linear_fused:Semantics.LinearEpilogueOnEveryPath"),
      "(out, in) weights: a tile's last two columns trade places when its sums are gathered"),
    M("linear-nt-k-tail", "cpu/gemm_f32_nt.cpp",
      "const auto mask = hn::FirstN(d, static_cast<size_t>(k - kv));",
      "const auto mask = hn::FirstN(d, static_cast<size_t>(k - kv - 1));",
      gtest("hk_tests", EQ + "cpu_linear_fused"),
      "(out, in) weights: the masked k tail leaves its last k value out"),
    M("linear-nt-partial-group-reversed", "cpu/gemm_f32_nt.cpp",
      "Finish(sums[j - j0], ep, j);",
      "Finish(sums[C - 1 - j], ep, j);",
      gtest("hk_tests", "GemmShapes.ChoiceBoundaries:Semantics.LinearEpilogueOnEveryPath"),
      "the dot products' tiles of 2 or 3 columns store their sums in reverse order"),
    M("nt-column-tiles-short", "cpu/gemm_shape.hpp",
      "return n / tiles + (t < n % tiles ? 1 : 0);",
      "return n / tiles + (t + 1 < n % tiles ? 1 : 0);",
      gtest("hk_tests", "GemmShapes.ChoiceBoundaries:GemmShapes.DotProductsI8OnAvx2Pairs"),
      "the dot products' column tiles (f32 and int8) leave the last column unwritten (10 cut as 3, 3, 3)"),
    # quantize rounding and clamping, relu's NaN
    M("quantize-naive-half-away", "cpu/quantize_naive.cpp",
      "std::nearbyint(v)",
      "std::round(v)",
      gtest("hk_tests", "Semantics.Quantize*:" + EQ + "cpu_quantize_naive"),
      "naive quantize rounds half away from zero, not half to even"),
    M("quantize-naive-clamp-128", "cpu/quantize_naive.cpp",
      "std::fmax(v, -127.0f)",
      "std::fmax(v, -128.0f)",
      gtest("hk_tests", "Semantics.Quantize*:" + EQ + "cpu_quantize_naive"),
      "naive quantize clamps to -128 instead of -127"),
    M("quantize-simd-half-away", "cpu/quantize_simd.cpp",
      "hn::NearestInt(v)",
      "hn::ConvertTo(hn::Rebind<int32_t, decltype(d)>(), hn::Add(v, hn::CopySign(hn::Set(d, 0.5f), v)))",
      gtest("hk_tests", "Semantics.Quantize*:" + EQ + "cpu_quantize_simd"),
      "simd quantize rounds half away from zero (trunc(v + copysign(0.5, v)))"),
    M("quantize-simd-reciprocal-only", "cpu/quantize_simd.cpp",
      "      t = hn::MulAdd(hn::NegMulAdd(t, s, xc), rv, t);\n      t = hn::MulAdd(hn::NegMulAdd(t, s, xc), rv, t);\n",
      "",
      gtest("hk_tests", "SimdKernels.Quantize*:Semantics.Quantize*:" + EQ + "cpu_quantize_simd"),
      "simd quantize multiplies by 1/scale without the residual steps, which rounds differently from x / scale"),
    M("quantize-avx512-nan-not-zero", "cpu/quantize_simd.cpp",
      "_mm512_maskz_cvtps_epi32(number, t)",
      "_mm512_cvtps_epi32(t)",
      gtest("hk_tests", "SimdKernels.Quantize*:" + EQ + "cpu_quantize_simd"),
      "AVX-512 quantize converts NaN lanes (vrangeps turned them into the clamp's bound) instead of zeroing them",
      needs="avx512f avx512dq"),
    M("quantize-avx512-clamp-keeps-magnitude", "cpu/quantize_simd.cpp",
      "const __m512 xc = _mm512_range_ps(v, lim, 0x02);",
      "const __m512 xc = _mm512_range_ps(v, lim, 0x03);",
      gtest("hk_tests", "SimdKernels.Quantize*:" + EQ + "cpu_quantize_simd"),
      "AVX-512 quantize clamps x to the larger of |x| and 256·scale instead of the smaller", needs="avx512f avx512dq"),
    M("quantize-avx2-nan-not-zero", "cpu/quantize_simd.cpp",
      "t = _mm256_andnot_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q), t);",
      "",
      gtest("hk_tests", "SimdKernels.Quantize*:" + EQ + "cpu_quantize_simd"),
      "AVX2 quantize converts NaN lanes (the clamp turned them into its bound) instead of zeroing them",
      needs="avx2 fma"),
    M("quantize-avx2-lane-order", "cpu/quantize_simd.cpp",
      "_mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)",
      "_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)",
      gtest("hk_tests", "SimdKernels.Quantize*:" + EQ + "cpu_quantize_simd"),
      "AVX2 quantize stores the packed bytes in vpackssdw's lane order, not the elements'",
      needs="avx2 fma"),
    M("quantize-avx2-floor-128", "cpu/quantize_simd.cpp",
      "const __m256 floor = _mm256_set1_ps(-127.0f);",
      "const __m256 floor = _mm256_set1_ps(-128.0f);",
      gtest("hk_tests", "Semantics.Quantize*:" + EQ + "cpu_quantize_simd"),
      "AVX2 quantize clamps to -128 instead of -127", needs="avx2 fma"),
    M("quantize-simd-clamp-128", "cpu/quantize_simd.cpp",
      "hn::Set(d, -127.0f)",
      "hn::Set(d, -128.0f)",
      gtest("hk_tests", "Semantics.Quantize*:" + EQ + "cpu_quantize_simd"),
      "simd quantize clamps to -128 instead of -127"),
    M("relu-simd-drops-nan", "cpu/elementwise_simd.cpp",
      "return hn::IfThenZeroElse(hn::Lt(v, hn::Zero(d)), v);",
      "return hn::IfThenElseZero(hn::Ge(v, hn::Zero(d)), v);",
      gtest("hk_tests", "Semantics.ReluNonFinite:" + EQ + "cpu_relu_simd"),
      "simd relu keeps x >= 0 only, so NaN becomes 0"),
    M("functor-relu-drops-nan", "common/src/elementwise_functors.inc",
      "return 0.0f > x ? 0.0f : x;",
      "return x > 0.0f ? x : 0.0f;",
      gtest("hk_tests", "Semantics.ReluNonFinite:" + EQ + "cpu_relu_naive"),
      "the shared relu functor (CPU naive and every CUDA kernel) turns NaN into 0"),
    # the CUDA kernels, run through cuda_sim with ctest's checks (HK_SIM_CHECK=all)
    M("cuda-tiled-k-tail", "cuda/kernels/matmul_f32_tiled.cuh",
      "a_tile[ty][tx] = row < m && k0 + tx < k ? a[row * k + k0 + tx] : 0.0f;",
      "a_tile[ty][tx] = row < m && k0 + tx <= k ? a[row * k + k0 + tx] : 0.0f;",
      gtest("hk_tests", EQ + "cuda_sim_matmul_tiled", env={"HK_SIM_CHECK": "all"}),
      "the tiled GPU matmul's last K tile takes one element past the end of A's row"),
    M("cuda-tiled-no-second-barrier", "cuda/kernels/matmul_f32_tiled.cuh",
      "store the next tiles under a slow one.\n    __syncthreads();",
      "store the next tiles under a slow one.",
      gtest("hk_tests", EQ + "cuda_sim_matmul_tiled", env={"HK_SIM_CHECK": "all"}),
      "the tiled GPU matmul stores the next tiles while other threads still read these"),
    # the simulator's barriers and schedules
    M("sim-barrier-no-wait", "cuda/sim/block.cpp",
      "  arrive(op, predicate, where);\n  const FiberHost::Plan plan = host_.plan_switch(after_park());\n"
      "  return {plan.save, plan.to};",
      "  arrive(op, predicate, where);\n  return {nullptr, nullptr};",
      gtest("hk_sim_tests", "SimBarrier.*"),
      "__syncthreads records the arrival but does not wait"),
    M("sim-schedule-env-ignored", "cuda/sim/launch.cpp",  # [16]
      "chosen = env && *env ? parse_schedule(env) : Schedule{};",
      "chosen = Schedule{};",
      ctest("^(sim_schedule_reverse|equivalence_cuda_sim_schedule_reverse)$", "hk_tests", "hk_sim_tests"),
      "[16] schedule() ignores HK_SIM_SCHEDULE"),
    M("sim-reverse-lanes-ignored", "cuda/sim/block.cpp",
      "const bool reverse = schedule_.order == Schedule::Order::reverse;",
      "const bool reverse = false;",
      gtest("hk_sim_tests", "SimScheduleInForce.*", env={"HK_SIM_SCHEDULE": "reverse"}),
      "the reverse schedule runs lanes and warps forward"),
    M("sim-reverse-blocks-ignored", "cuda/sim/launch.cpp",
      "if (s.order == Schedule::Order::reverse) return blocks - 1 - i;",
      "",
      gtest("hk_sim_tests", "SimSchedule.*"),
      "the reverse schedule hands out blocks forward"),
    M("sim-random-is-forward", "cuda/sim/launch.cpp",
      "    s.order = Schedule::Order::random;\n",
      "    s.order = Schedule::Order::forward;\n",
      gtest("hk_sim_tests", "SimScheduleInForce.*:SimSchedule.*", env={"HK_SIM_SCHEDULE": "random"}),
      "HK_SIM_SCHEDULE=random parses as the forward order"),
    # cuda_sim's checks and counters (hk/experimental/sim_check.hpp)
    M("simcheck-racecheck-off", "cuda/sim/checker.cpp",
      "if (checks_ & racecheck) {",
      "if (false) {",
      gtest("hk_sim_tests", "SimChecks.RacecheckCatchesAMissingBarrier"),
      "racecheck never reports: the store-read race of a missing barrier passes"),
    M("simcheck-initcheck-off", "cuda/sim/checker.cpp",
      "if (!write && (checks_ & initcheck) && !written_in_block)",
      "if (false && !written_in_block)",
      gtest("hk_sim_tests", "SimChecks.InitcheckCatchesAReadOfUnwrittenShared"),
      "initcheck never reports a read of unwritten shared memory"),
    M("simcheck-closure-is-global", "cuda/sim/checker.cpp",
      "if (addr >= closure && addr < closure + launch_->closure_bytes) return;",
      "",
      gtest("hk_tests", EQ + "cuda_sim_matmul_naive", env={"HK_SIM_CHECK": "memcheck"}),
      "memcheck takes the launch's arguments for a stray global access: false errors on every kernel"),
    M("simcounter-64-byte-sectors", "cuda/sim/checker.cpp",
      "for (uintptr_t s = a.addr >> 5; s <= (a.addr + a.size - 1) >> 5; ++s) sectors.insert(s);",
      "for (uintptr_t s = a.addr >> 6; s <= (a.addr + a.size - 1) >> 6; ++s) sectors.insert(s);",
      gtest("hk_sim_tests", "SimCounters.*:SimProfileH200.*"),
      "global sectors counted as 64 bytes: a warp's 32 floats become 2 sectors, not 4"),
    M("simcounter-16-banks", "cuda/sim/checker.cpp",
      "for (uintptr_t wd : words) worst = std::max(worst, ++per_bank[wd % 32]);",
      "for (uintptr_t wd : words) worst = std::max(worst, ++per_bank[wd % 16]);",
      gtest("hk_sim_tests", "SimCounters.*:SimProfileH200.*"),
      "shared memory modelled with 16 banks: consecutive words look like 2-way conflicts"),
    M("simcounter-no-part-broadcast", "cuda/sim/checker.cpp",
      "if (words == previous) continue;",
      "",
      gtest("hk_sim_tests", "SimProfileH200.RegisterTiled*"),
      "a 128-bit part reading the words of the part before it costs its own wavefronts (H200: it rides along)"),
    # int8 exactness
    M("int8-k-limit-127", "common/src/ops.cpp",  # adversarial run: wrapped at K = 131,072
      "kMaxInt8K = 2147483647 / (128 * 128);",
      "kMaxInt8K = 2147483647 / (127 * 127);",
      gtest("hk_tests", "Semantics.Int8MatmulKLimit"),
      "the int8 K limit assumes |values| <= 127, so -128 products wrap past K = 131,071"),
    # the dispatcher's variant choice
    M("dispatch-best-lowest", "common/src/registry.cpp",
      "if (!best || r.rung > best->rung) best = &r;",
      "if (!best || r.rung < best->rung) best = &r;",
      gtest("hk_tests", "GemmRegistry.*:Runtime.*:CallTiming.*"),
      "best() picks the lowest-rung supported row"),
    M("dispatch-named-variant-ignored", "common/src/dispatch.cpp",
      "call.row = reg.find(op, call.backend, options.variant);",
      "call.row = reg.best(op, call.backend, dtype);",
      gtest("hk_tests", "CallTiming.*:Semantics.*"),
      "a variant named in Options is ignored for the best one"),
    M("dispatch-reuse-ignores-variant-name", "common/src/dispatch.hpp",
      "(!named || memo.same_name(options.variant))) [[likely]]",
      "(!named || true)) [[likely]]",
      gtest("hk_tests", "CallTiming.*"),
      "a call naming another variant than the thread's last call reuses the last one"),
    M("dispatch-rejects-block-size", "common/src/dispatch.hpp",  # [17]
      "options.block_size < 0) [[unlikely]]",
      "options.block_size != 0) [[unlikely]]",
      (ctest("^fuzz_corpus_replay$", "hk_fuzz_replay"), gtest("hk_sim_tests", "SimBackend.TiledMatmulEveryTileSize")),
      "[17] every op rejects any block_size > 0"),
    # the host allocator's bounds
    M("alloc-size-class-down", "common/src/host_allocator.cpp",
      "std::size_t c = (bytes + step - 1) / step * step;",
      "std::size_t c = bytes / step * step;",
      gtest("hk_tests", "HostAllocator.SizeClassHoldsTheRequest"),
      "size classes round down: a block is smaller than asked"),
    M("alloc-cache-over-bound", "common/src/host_allocator.cpp",
      "while (stats_.cached_bytes + cls > config().limit)",
      "while (stats_.cached_bytes > config().limit)",
      gtest("hk_tests", "HostAllocator.*"),
      "the cache keeps one block beyond HK_HOST_CACHE"),
    # hk-bench's validation gate
    M("bench-failed-still-timed", "bench/run/runner.cpp",
      "    return run.fail(r, why);\n  }\n  const double once",
      "    run.fail(r, why);\n  }\n  const double once",
      gtest("hk_bench_tests", "BenchCli.JsonRunValidatesAndABrokenVariantIsFailedWithoutANumber"),
      "a cpu variant that failed its check is still timed and printed"),
    M("bench-matmul-unchecked", "bench/run/workload.cpp",
      "case hk::OpShape::matmul: return check_matmul(o, dtype_, dims_[0], dims_[1], dims_[2]);",
      "case hk::OpShape::matmul: return {};",
      gtest("hk_bench_tests", "BenchCli.JsonRunValidatesAndABrokenVariantIsFailedWithoutANumber"),
      "hk-bench never checks matmul results"),
    M("bench-sim-failed-validated", "bench/run/runner.cpp",
      "  if (!why.empty()) return run.fail(r, why);\n  r.status = Status::validated;",
      "  if (!why.empty()) run.fail(r, why);\n  r.status = Status::validated;",
      gtest("hk_bench_tests", "BenchCli.ABrokenSimulatedVariantIsOnlyFailed"),
      "a cuda_sim variant that failed its check is also listed as validated"),
]


# ---- the driver --------------------------------------------------------------------------

class Failure(Exception):
    """The run cannot go on; exit status 1."""


def log(msg):
    print(f"hk mutants: {msg}", flush=True)


def check_table():
    ids = set()
    for m in MUTANTS:
        if m.id in ids:
            raise Failure(f"duplicate mutant id {m.id}")
        ids.add(m.id)
        path = ROOT / m.file
        text = path.read_text() if path.is_file() else ""
        count = text.count(m.search)
        if count != 1 or m.search == m.replace:
            raise Failure(f"stale mutant: update scripts/mutants.sh (scripts/mutants.py): {m.id}: the search text "
                          f"is found {count} times in {m.file}, not once:\n{m.search}")


def sync_tree():
    """build/mutants/src := the checkout's files; unchanged files keep their times."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, check=True, capture_output=True).stdout
    files = {f for f in out.decode().split("\0") if f}
    SRC.mkdir(parents=True, exist_ok=True)
    copied = 0
    for f in sorted(files):
        src, dst = ROOT / f, SRC / f
        if not src.is_file():  # deleted but still in the index
            continue
        data = src.read_bytes()
        if dst.is_file() and dst.read_bytes() == data:
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(data)  # a new time: ninja rebuilds what depends on it
        shutil.copymode(src, dst)
        copied += 1
    for p in sorted(SRC.rglob("*"), reverse=True):  # files the checkout no longer has
        rel = p.relative_to(SRC).as_posix()
        if p.is_file() and rel not in files:
            p.unlink()
    log(f"scratch tree {SRC.relative_to(ROOT)}: {copied} files updated")


def preset(kind, name):
    """A preset's fields from CMakePresets.json, its `inherits` chain resolved."""
    doc = json.loads((ROOT / "CMakePresets.json").read_text())
    table = {p["name"]: p for p in doc[kind]}
    p = table[name]
    merged = {"cacheVariables": {}, "environment": {}}
    for parent in ([p["inherits"]] if isinstance(p.get("inherits"), str) else p.get("inherits", [])):
        for k, v in preset(kind, parent).items():
            merged[k].update(v)
    merged["cacheVariables"].update(p.get("cacheVariables", {}))
    merged["environment"].update(p.get("environment", {}))
    return merged


@dataclass
class Flavor:
    """A scratch build folder and the environment its tests run with."""
    name: str
    dir: Path
    cache: dict
    env: dict = field(default_factory=dict)

    def configure(self):
        """Once per folder and set of cache variables; ninja reruns CMake itself after that."""
        args = ["cmake", "-S", str(SRC), "-B", str(self.dir), "-G", "Ninja"]
        args += [f"-D{k}={v}" for k, v in sorted(self.cache.items())]
        stamp = self.dir / "mutants-configure.txt"
        if (self.dir / "CMakeCache.txt").is_file() and stamp.is_file() and stamp.read_text() == "\n".join(args):
            return
        log(f"configuring {self.dir.relative_to(ROOT)} ({self.name})")
        r = subprocess.run(args, capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stdout[-3000:], r.stderr[-3000:], sep="\n")
            raise Failure(f"configuring the {self.name} scratch build failed")
        stamp.write_text("\n".join(args))

    def build(self, targets):
        r = subprocess.run(["cmake", "--build", str(self.dir), "-j", JOBS, "--target", *sorted(targets)],
                           capture_output=True, text=True)
        return r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]

    def run(self, t: Tests, logfile: Path):
        """Runs one selector; returns (passed, how it ended, tests run)."""
        env = {**os.environ, **self.env, **dict(t.env)}
        if t.kind == "gtest":
            cmd = [str(self.dir / BINARIES[t.what]), f"--gtest_filter={t.filter}"]
        else:
            cmd = ["ctest", "--test-dir", str(self.dir), "-j", JOBS, "--no-tests=error", "--output-on-failure",
                   "--timeout", str(t.timeout)]
            cmd += (["-R", t.what] if t.what else []) + (["-L", t.filter] if t.filter else [])
        cmd = ["timeout", "-k", "10", str(t.timeout)] + cmd
        with open(logfile, "a") as f:
            f.write(f"$ {t}\n")
            f.flush()
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True,
                               errors="replace")
            f.write(r.stdout + f"\n(exit status {r.returncode})\n\n")
        ran = tests_run(t, r.stdout)
        how = "timeout" if r.returncode in (124, 137) else f"exit {r.returncode}"
        return r.returncode == 0, how, ran


def tests_run(t: Tests, out: str):
    """How many tests ran and were not skipped."""
    if t.kind == "gtest":
        m = re.search(r"\[==========\] (\d+) tests? from .* ran\.", out)
        skipped = re.search(r"\[  SKIPPED \] (\d+) tests?, listed below", out)
    else:
        m = re.search(r"tests passed, \d+ tests failed out of (\d+)", out)
        skipped = None
    return (int(m.group(1)) if m else 0) - (int(skipped.group(1)) if skipped else 0)


def flavors():
    release = preset("configurePresets", "cpu-only")["cacheVariables"]
    asan = preset("configurePresets", "asan-ubsan")["cacheVariables"]
    extra = {"HK_BUILD_TESTS": "ON",
             # Tests are listed when ctest runs, not after each link: a mutant that breaks the
             # listing fails its tests instead of its build.
             "CMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE": "PRE_TEST"}
    return {
        False: Flavor("release", WORK / "build", {**release, **extra}),
        True: Flavor("asan", WORK / "build-asan", {**asan, **extra},
                     preset("testPresets", "asan-ubsan")["environment"]),
    }


def choose(args):
    by_id = {m.id: m for m in MUTANTS}
    if args.ids:
        unknown = [i for i in args.ids if i not in by_id]
        if unknown:
            print(f"hk mutants: unknown mutant {', '.join(unknown)} (see --list)", file=sys.stderr)
            sys.exit(2)
        return [by_id[i] for i in args.ids]
    if args.sample is None:
        return list(MUTANTS)
    pool = [m for m in MUTANTS if (args.with_asan or not m.asan) and not m.missing()]
    n = min(args.sample, len(pool))
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    # A window of n mutants starting at an offset the commit picks: successive commits test
    # different ones, and rerunning one commit tests the same ones.
    offset = int(head[:12] or "0", 16) % len(pool)
    chosen = [pool[(offset + i) % len(pool)] for i in range(n)]
    log(f"sample of {n} of the {len(pool)} mutants this machine can run{'' if args.with_asan else ', asan ones left out'}, "
        f"rotated by HEAD {head[:12]} (offset {offset}): {' '.join(m.id for m in chosen)}")
    return chosen


def print_list():
    for m in MUTANTS:
        text = (ROOT / m.file).read_text() if (ROOT / m.file).is_file() else ""
        flag = (" [asan]" if m.asan else "") + (f" [{m.missing()}]" if m.missing() else "")
        flag += "" if text.count(m.search) == 1 else " [STALE: search text not found exactly once]"
        print(f"{m.id}{flag}\n    {m.file}: {m.what}")
        for t in m.tests:
            print(f"    tests: {t}")


def main():
    ap = argparse.ArgumentParser(description="Plant known bugs one at a time and check that the tests catch each.")
    ap.add_argument("--sample", type=int, metavar="N", help="a rotating sample of N mutants (seeded by git HEAD)")
    ap.add_argument("--with-asan", action="store_true", help="let --sample pick the mutants that need ASan")
    ap.add_argument("--list", action="store_true", help="list the mutants and exit")
    ap.add_argument("ids", nargs="*", metavar="ID")
    args = ap.parse_args()
    if args.sample is not None and (args.ids or args.sample < 1):
        ap.error("--sample takes N >= 1 and no mutant ids")
    if args.list:
        print_list()
        return 0
    started = time.monotonic()
    try:
        check_table()
        chosen = choose(args)
        return run(chosen, started)
    except Failure as e:
        log(f"error: {e}")
        return 1


def run(chosen, started):
    rows = [(m, f"skipped ({m.missing()})", 0.0) for m in chosen if m.missing()]
    chosen = [m for m in chosen if not m.missing()]
    WORK.mkdir(parents=True, exist_ok=True)
    lock = open(WORK / "lock", "w")  # one run at a time: they share the scratch tree
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise Failure(f"another scripts/mutants.sh is using {WORK.relative_to(ROOT)}")
    sync_tree()
    all_flavors = flavors()
    logs = WORK / "logs"
    logs.mkdir(parents=True, exist_ok=True)

    # The unmutated tree: every selector must pass there, and run at least one test.
    for asan in sorted({m.asan for m in chosen}):
        fl = all_flavors[asan]
        fl.configure()
        selectors = sorted({t for m in chosen if m.asan == asan for t in m.tests}, key=str)
        targets = {x for t in selectors for x in t.targets}
        t0 = time.monotonic()
        log(f"building {' '.join(sorted(targets))} in {fl.dir.relative_to(ROOT)}")
        ok, out = fl.build(targets)
        if not ok:
            print(out)
            raise Failure(f"the unmutated tree does not build ({fl.name})")
        log(f"built in {time.monotonic() - t0:.0f} s; checking {len(selectors)} test selectors on the unmutated tree")
        baseline = logs / f"baseline-{fl.name}.log"
        baseline.write_text("")
        for t in selectors:
            passed, how, ran = fl.run(t, baseline)
            if not passed or ran == 0:
                why = "runs no test" if passed else f"fails ({how})"
                raise Failure(f"selector {t} {why} on the unmutated tree ({fl.name}); see {baseline}")

    for m in chosen:
        fl = all_flavors[m.asan]
        path = SRC / m.file
        original = path.read_text()
        t0 = time.monotonic()
        logfile = logs / f"{m.id}.log"
        logfile.write_text(f"{m.id}: {m.what}\n{m.file}: {m.search!r} -> {m.replace!r}\n\n")
        try:
            path.write_text(original.replace(m.search, m.replace, 1))
            ok, out = fl.build({x for t in m.tests for x in t.targets})
            if not ok:
                with open(logfile, "a") as f:
                    f.write(out)
                result = "ERROR (does not build)"
            else:
                result = "SURVIVED"
                for t in m.tests:
                    passed, how, _ = fl.run(t, logfile)
                    if not passed:
                        result = "killed" + (" (timeout)" if how == "timeout" else "")
                        break
        finally:
            path.write_text(original)  # a new time: the next build recompiles it
        secs = time.monotonic() - t0
        rows.append((m, result, secs))
        log(f"{m.id}: {result} ({secs:.0f} s)")

    # Leave the scratch builds matching their sources again: the last mutant's objects are
    # still in them.
    for asan in sorted({m.asan for m in chosen}):
        all_flavors[asan].build({x for m in chosen if m.asan == asan for t in m.tests for x in t.targets})

    width = max(len(m.id) for m, _, _ in rows)
    fwidth = max(len(m.file) for m, _, _ in rows)
    print()
    print(f"{'id':<{width}}  {'file':<{fwidth}}  {'planted':<72}  {'result':<22}  seconds")
    for m, result, secs in rows:
        what = m.what + (" [asan]" if m.asan else "")
        print(f"{m.id:<{width}}  {m.file:<{fwidth}}  {what:<72}  {result:<22}  {secs:7.0f}")
    killed = sum(r.startswith("killed") for _, r, _ in rows)
    skipped = sum(r.startswith("skipped") for _, r, _ in rows)
    bad = [m.id for m, r, _ in rows if not r.startswith(("killed", "skipped"))]
    print(f"\nmutants: {killed} of {len(rows) - skipped} killed" + (f", {skipped} skipped" if skipped else "") +
          f" in {time.monotonic() - started:.0f} s (logs in {logs.relative_to(ROOT)})")
    if bad:
        print(f"not killed: {' '.join(bad)} -- a survivor is a hole in the tests: add or strengthen one")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
