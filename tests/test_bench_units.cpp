// hk-bench's pieces tested in-process: size parsing, the validators (they must catch a wrong
// result), the roofline bound, speedups and peer ratios, the crossover, the explain mapping,
// and every output format of a synthetic report.
#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "bench_json.hpp"
#include "run/cli.hpp"
#include "explain/explain.hpp"
#include "report/format.hpp"
#include "report/roofline.hpp"
#include "run/runner.hpp"
#include "run/session.hpp"
#include "machine/cpu_distance.hpp"
#include "report/svg_charts.hpp"
#include "run/sweep.hpp"
#include "run/workload.hpp"

namespace {

using namespace hk_bench;

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// ---- sizes and arguments ---------------------------------------------------------------

TEST(BenchSizes, ParsesSquareAndRectangularMatmulAndElementCounts) {
  EXPECT_EQ(parse_size("matmul", "512"), (hk::Shape{512, 512, 512}));
  EXPECT_EQ(parse_size("matmul", "127x1031x513"), (hk::Shape{127, 1031, 513}));
  EXPECT_EQ(parse_size("relu", "4096"), (hk::Shape{4096}));
  EXPECT_EQ(shape_label({127, 1031, 513}), "127x1031x513");
  for (const char* bad : {"12x", "-3", "1x2", "ax4x4", ""}) EXPECT_THROW(parse_size("matmul", bad), hk::InvalidArgument) << bad;
  EXPECT_THROW(parse_size("relu", "4x4"), hk::InvalidArgument);
}

TEST(BenchSizes, ExpandsRanges) {
  EXPECT_EQ(expand_sizes({"64..512"}), (std::vector<std::string>{"64", "128", "256", "512"}));
  EXPECT_EQ(expand_sizes({"4..64*4", "7"}), (std::vector<std::string>{"4", "16", "64", "7"}));
  EXPECT_THROW(expand_sizes({"512..64"}), hk::InvalidArgument);
}

TEST(BenchArgs, ParsesOptionsAndRejectsUnknownOnes) {
  const char* argv[] = {"hk-bench", "sweep", "--op", "matmul:i8,relu", "--threads", "1,2", "--format=json", "--no-peers"};
  Args a = parse_args(8, const_cast<char**>(argv));
  EXPECT_EQ(a.command, "sweep");
  EXPECT_EQ(a.ops, (std::vector<std::string>{"matmul:i8", "relu"}));
  EXPECT_EQ(a.threads, (std::vector<int>{1, 2}));
  EXPECT_EQ(a.format, "json");
  EXPECT_FALSE(a.peers);
  const char* bad[] = {"hk-bench", "--frobnicate"};
  try {
    parse_args(2, const_cast<char**>(bad));
    FAIL() << "no exception";
  } catch (const hk::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("--frobnicate"), std::string::npos) << e.what();
  }
  const char* bad_backend[] = {"hk-bench", "--backend", "gpu"};
  EXPECT_THROW(parse_args(3, const_cast<char**>(bad_backend)), hk::InvalidArgument);
  const char* bad_threads[] = {"hk-bench", "--threads", "0"};
  EXPECT_THROW(parse_args(3, const_cast<char**>(bad_threads)), hk::InvalidArgument);
}

// Parses argv (without the program name); the InvalidArgument's message, or "" when it parses.
std::string parse_error(std::vector<std::string> words) {
  words.insert(words.begin(), "hk-bench");
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  try {
    parse_args(int(argv.size()), argv.data());
  } catch (const hk::InvalidArgument& e) {
    return e.what();
  }
  return "";
}

TEST(BenchArgs, EmptyValuesAndEmptyListItemsAreRejected) {
  EXPECT_NE(parse_error({"--op="}).find("--op"), std::string::npos);
  EXPECT_NE(parse_error({"--output="}).find("--output"), std::string::npos);
  EXPECT_NE(parse_error({"--sizes", ","}).find("--sizes"), std::string::npos);
  EXPECT_NE(parse_error({"--sizes", "64,,128"}).find("--sizes"), std::string::npos);
  EXPECT_NE(parse_error({"--variant", "naive,"}).find("--variant"), std::string::npos);
  EXPECT_NE(parse_error({"--threads", ","}).find("--threads"), std::string::npos);
  EXPECT_EQ(parse_error({"--sizes", "64,128", "--op=relu"}), "");
}

TEST(BenchArgs, ThreadCountsAreCappedAtFourTimesTheCpus) {
  const int cpus = std::max(1, int(std::thread::hardware_concurrency()));
  EXPECT_EQ(parse_error({"--threads", "1," + std::to_string(4 * cpus)}), "");
  const std::string e = parse_error({"--threads", std::to_string(4 * cpus + 1)});
  EXPECT_NE(e.find("--threads"), std::string::npos) << e;
  EXPECT_NE(e.find(std::to_string(4 * cpus)), std::string::npos) << e;
}

TEST(BenchArgs, MaxCallTakesPositiveFiniteSeconds) {
  EXPECT_EQ(parse_error({"--max-call", "0.5"}), "");
  for (const char* bad : {"0", "-0.5", "nan", "inf", "", "1s"})
    EXPECT_NE(parse_error({"--max-call", bad}).find("--max-call"), std::string::npos) << bad;
}

// ---- charts ------------------------------------------------------------------------------

TEST(BenchCharts, LogAxisLeavesOutPointsItCannotPlace) {
  Series s{"cpu/naive", {{0, 5}, {32, 1}, {64, 2}, {128, std::nan("")}}, false, false};
  std::string svg = line_chart("sizes-x", "x", {s}, "n", "GB/s", true, std::make_pair(0.0, "at zero"), "");
  for (const char* bad : {"nan", "inf"}) EXPECT_EQ(svg.find(bad), std::string::npos) << svg;
  size_t circles = 0;
  for (size_t at = svg.find("<circle"); at != std::string::npos; at = svg.find("<circle", at + 1)) ++circles;
  EXPECT_EQ(circles, 2u) << "the points at 32 and 64 only:\n" << svg;
}

// ---- validation catches wrong results ----------------------------------------------------

struct OpCase { std::string op; hk::DType dtype; hk::Shape dims; };

TEST(BenchValidation, AcceptsNaiveResultsAndCatchesEveryCorruption) {
  const OpCase cases[] = {{"matmul", hk::DType::f32, {17, 33, 9}}, {"matmul", hk::DType::i8, {17, 33, 9}},
                          {"matmul", hk::DType::f32, {300, 40, 300}},  // sampled check
                          {"relu", hk::DType::f32, {1000}},            {"relu", hk::DType::i8, {1000}},
                          {"add", hk::DType::f32, {1000}},             {"mul", hk::DType::f32, {1000}},
                          {"squared_difference", hk::DType::f32, {1000}}, {"dot", hk::DType::f32, {1000}},
                          {"euclidean_distance", hk::DType::f32, {1000}}, {"quantize", hk::DType::f32, {1000}},
                          {"dequantize", hk::DType::i8, {1000}},       {"dequantize", hk::DType::i32, {1000}}};
  for (const OpCase& c : cases) {
    SCOPED_TRACE(c.op + " " + hk::to_string(c.dtype) + " " + shape_label(c.dims));
    Workload w(c.op, c.dtype, c.dims);
    w.call({hk::Backend::cpu, "naive", 1}, w.host());
    EXPECT_EQ(w.check(w.host()), "");
    corrupt(w.host());
    EXPECT_NE(w.check(w.host()), "") << "a corrupted result passed validation";
  }
}

// Large products are checked by a random-vector test of every row plus exact bounds on three
// full rows and columns and random entries: an int8 error anywhere, and an f32 error beyond the
// element's bound on a checked row, must be caught.
TEST(BenchValidation, LargeMatmulChecksCatchSmallErrors) {
  Workload i8("matmul", hk::DType::i8, {300, 40, 300});
  i8.call({hk::Backend::cpu, "naive", 1}, i8.host());
  ASSERT_EQ(i8.check(i8.host()), "");
  i8.host().out.data<int32_t>()[13 * 300 + 17] += 1;  // off by one, on no specially checked row
  EXPECT_NE(i8.check(i8.host()), "");

  Workload f32("matmul", hk::DType::f32, {300, 40, 300});
  f32.call({hk::Backend::cpu, "naive", 1}, f32.host());
  ASSERT_EQ(f32.check(f32.host()), "");
  float& c = f32.host().out.data<float>()[150 * 300 + 7];  // the middle row
  c += 1e-3f * (std::fabs(c) + 1.0f);                      // far beyond 2·K·u relative
  EXPECT_NE(f32.check(f32.host()), "");
}

TEST(BenchValidation, BreakSwitchMatchesOpDtypeBackendAndVariant) {
  setenv("HK_BENCH_BREAK", "matmul:i8/cpu/blocked,relu/cpu/naive", 1);
  EXPECT_TRUE(broken_by_env("matmul", hk::DType::i8, "cpu", "blocked"));
  EXPECT_FALSE(broken_by_env("matmul", hk::DType::f32, "cpu", "blocked"));
  EXPECT_FALSE(broken_by_env("matmul", hk::DType::i8, "cpu", "naive"));
  EXPECT_TRUE(broken_by_env("relu", hk::DType::i8, "cpu", "naive"));
  EXPECT_FALSE(broken_by_env("relu", hk::DType::f32, "cuda", "naive"));
  unsetenv("HK_BENCH_BREAK");
  EXPECT_FALSE(broken_by_env("relu", hk::DType::f32, "cpu", "naive"));
}

// ---- roofline, speedups, peer ratios ---------------------------------------------------

Result timed(const std::string& op, hk::DType dtype, const std::string& backend, const std::string& variant, int threads,
             double ms, double flops, double bytes) {
  Result r;
  r.op = op;
  r.dtype = dtype;
  r.dims = {64, 64, 64};
  r.shape = "64x64x64";
  r.backend = backend;
  r.variant = variant;
  r.is_peer = backend == "peer";
  r.threads = threads;
  r.status = Status::ok;
  r.time = {ms, ms * 0.9, ms * 1.2, 10};
  r.flops = flops;
  r.bytes = bytes;
  r.gflops = flops / (ms * 1e-3) * 1e-9;
  r.gbps = bytes / (ms * 1e-3) * 1e-9;
  return r;
}

TEST(BenchRoofline, PicksTheBoundThatTakesLongerAndScalesToPercent) {
  Roofline roof;
  roof.cpu = {{1, 100, 400, 50, 40}, {2, 200, 800, 60, 45}};
  // 2 GFLOP in 40 ms on 2 threads: compute bound (2e9/200e9 = 10 ms ≫ 1e6/45e9): 25%.
  Result mm = timed("matmul", hk::DType::f32, "cpu", "simd", 2, 40, 2e9, 1e6);
  apply_roofline(roof, {}, true, mm);
  EXPECT_EQ(mm.bound, "fp32 FMA");
  EXPECT_NEAR(mm.percent_of_peak, 25.0, 1e-9);
  // int8 uses the int8 peak: 2e9 / 400e9 = 5 ms of 10 ms on one thread.
  Result i8 = timed("matmul", hk::DType::i8, "cpu", "vnni", 1, 10, 2e9, 1e6);
  apply_roofline(roof, {}, true, i8);
  EXPECT_EQ(i8.bound, "int8 dot");
  EXPECT_NEAR(i8.percent_of_peak, 50.0, 1e-9);
  // A row on the AMX tiles uses their peak: 2e9 / 2000e9 = 1 ms of 4 ms. Without tiles: a
  // bound, no percentage (never vpdpbusd's peak, which the tiles pass).
  Result amx = timed("matmul", hk::DType::i8, "cpu", "amx", 1, 4, 2e9, 1e6);
  amx.on_tiles = true;
  Roofline tiles = roof;
  tiles.cpu[0].int8_tile_gops = 2000;
  apply_roofline(tiles, {}, true, amx);
  EXPECT_EQ(amx.bound, "int8 tiles");
  EXPECT_NEAR(amx.percent_of_peak, 25.0, 1e-9);
  apply_roofline(roof, {}, true, amx);
  EXPECT_EQ(amx.bound, "int8 tiles");
  EXPECT_EQ(amx.percent_of_peak, 0.0);
  // relu moving 4 GB in 200 ms on 1 thread: copy roof 40 GB/s → 100 ms → 50%.
  Result relu = timed("relu", hk::DType::f32, "cpu", "naive", 1, 200, 5e8, 4e9);
  apply_roofline(roof, {}, true, relu);
  EXPECT_EQ(relu.bound, "memory copy");
  EXPECT_NEAR(relu.percent_of_peak, 50.0, 1e-9);
  EXPECT_FALSE(relu.cache_resident);
  // dot only reads: read roof 50 GB/s → 80 ms of 100 ms.
  Result dot = timed("dot", hk::DType::f32, "cpu", "naive", 1, 100, 1e9, 4e9);
  apply_roofline(roof, {}, false, dot);
  EXPECT_EQ(dot.bound, "memory read");
  EXPECT_NEAR(dot.percent_of_peak, 80.0, 1e-9);
  EXPECT_EQ(roof.at(2)->threads, 2);
  EXPECT_EQ(roof.at(8)->threads, 2);  // closest probed count
}

TEST(BenchAnnotate, SpeedupOverNaiveAndRatioToBestPeerOfSameThreads) {
  Table t{"matmul", hk::DType::f32, "matmul f32", {}, {}};
  t.rows.push_back(timed("matmul", hk::DType::f32, "cpu", "naive", 1, 100, 2e9, 1e6));
  t.rows.push_back(timed("matmul", hk::DType::f32, "cpu", "blocked", 1, 20, 2e9, 1e6));
  t.rows.push_back(timed("matmul", hk::DType::f32, "cpu", "parallel", 2, 5, 2e9, 1e6));
  t.rows.push_back(timed("matmul", hk::DType::f32, "peer", "openblas", 1, 10, 2e9, 1e6));
  t.rows.push_back(timed("matmul", hk::DType::f32, "peer", "openblas", 2, 4, 2e9, 1e6));
  Result failed = timed("matmul", hk::DType::f32, "cpu", "simd", 1, 1, 2e9, 1e6);
  failed.status = Status::failed;
  t.rows.push_back(failed);
  t.rows.push_back(timed("matmul", hk::DType::f32, "cpu", "parallel", 3, 8, 2e9, 1e6));  // no peer at 3 threads
  annotate(t);
  EXPECT_NEAR(t.rows[6].vs_best_peer, 0.5, 1e-9);  // falls back to the fastest peer: openblas at 2 threads
  EXPECT_EQ(t.rows[6].best_peer, "openblas t=2");
  EXPECT_NEAR(t.rows[1].speedup_vs_naive, 5.0, 1e-9);
  EXPECT_NEAR(t.rows[1].vs_best_peer, 0.5, 1e-9);   // 20 ms vs openblas 1 thread 10 ms
  EXPECT_NEAR(t.rows[2].vs_best_peer, 0.8, 1e-9);   // 5 ms vs openblas 2 threads 4 ms
  EXPECT_EQ(t.rows[2].best_peer, "openblas t=2");
  EXPECT_NEAR(t.rows[2].speedup_vs_naive, 20.0, 1e-9);
  EXPECT_EQ(t.rows[3].vs_best_peer, 0);  // peers aren't compared with themselves
  EXPECT_EQ(t.rows[5].speedup_vs_naive, 0);  // a failed row gets no number
  EXPECT_EQ(t.rows[5].vs_best_peer, 0);
}

// ---- crossover -------------------------------------------------------------------------

TEST(BenchCrossover, InterpolatesWhereTheGpuStaysFaster) {
  std::vector<double> sizes = {1, 2, 4, 8}, cpu = {1, 2, 3, 8}, gpu = {4, 4, 4, 4};
  Crossover x = find_crossover(sizes, cpu, gpu);
  ASSERT_TRUE(x.found) << x.text;
  double ra = std::log(4.0 / 3.0), rb = std::log(4.0 / 8.0);
  double expected = std::exp(std::log(4.0) + ra / (ra - rb) * (std::log(8.0) - std::log(4.0)));
  EXPECT_NEAR(x.size, expected, 1e-9);
  EXPECT_NE(x.text.find("between 4 and 8"), std::string::npos) << x.text;
}

TEST(BenchCrossover, NoCrossoverWhenTheGpuFallsBehindAgainOrIsMissing) {
  Crossover back = find_crossover({1, 2, 4}, {5, 1, 1}, {2, 2, 2});  // faster only at the smallest size
  EXPECT_FALSE(back.found) << back.text;
  Crossover never = find_crossover({1, 2}, {1, 1}, {2, 2});
  EXPECT_FALSE(never.found);
  Crossover missing = find_crossover({1, 2}, {1, 1}, {0, 0});
  EXPECT_FALSE(missing.found);
  EXPECT_NE(missing.text.find("no size"), std::string::npos);
  Crossover first = find_crossover({1, 2}, {5, 5}, {1, 1});
  ASSERT_TRUE(first.found);
  EXPECT_EQ(first.size, 1);
}

TEST(BenchCrossover, WithoutAGpuSaysSoInsteadOfInventingOne) {
  Table t{"matmul", hk::DType::f32, "matmul f32", {timed("matmul", hk::DType::f32, "cpu", "naive", 1, 1, 1, 1)}, {}};
  std::vector<hk::BackendInfo> backends = {{hk::Backend::cpu, "cpu", true, "", {}},
                                           {hk::Backend::cuda, "cuda", false, "no NVIDIA driver", {}}};
  std::vector<Crossover> x = crossovers_of(t, backends);
  ASSERT_EQ(x.size(), 1u);
  EXPECT_FALSE(x[0].found);
  EXPECT_NE(x[0].text.find("no GPU"), std::string::npos) << x[0].text;
  EXPECT_NE(x[0].text.find("no NVIDIA driver"), std::string::npos) << x[0].text;
}

// ---- explain ---------------------------------------------------------------------------

// parallel_map runs parallel_for(n, grain 1) on the pool with item i in index i, so element i
// must be attributed to the chunk whose range holds i, whatever the pool's chunk sizes; the
// chunks of the one call must cover [0, 8) without overlapping.
TEST(BenchExplain, AttributesEachElementToThePoolChunkThatWroteIt) {
  const int saved = hk::num_threads();
  hk::set_num_threads(2);
  std::vector<float> out(8, std::nanf(""));
  std::vector<hk::Tensor> batch(8, hk::Tensor::zeros({1}));
  Attribution a = attribute_cpu(
      [&] {
        hk::parallel_map(
            batch,
            [&](const hk::Tensor& t) {
              out[size_t(&t - batch.data())] = float(&t - batch.data()) + 1;
              return t;
            },
            2);
      },
      out.data(), 8, 4);
  hk::set_num_threads(saved);
  ASSERT_TRUE(a.pool_used);
  ASSERT_GE(a.chunks.size(), 2u);
  std::vector<int> covered(8, 0);
  for (const ChunkRecord& c : a.chunks) {
    EXPECT_EQ(c.job, 0);
    EXPECT_EQ(c.n, 8);
    for (int64_t i = c.begin; i < c.end; ++i) ++covered[size_t(i)];
  }
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(covered[size_t(i)], 1) << "index " << i;
    ASSERT_GE(a.owner[size_t(i)], 0) << "element " << i;
    const ChunkRecord& c = a.chunks[size_t(a.owner[size_t(i)])];
    EXPECT_LE(c.begin, i) << "element " << i;
    EXPECT_GT(c.end, i) << "element " << i;
  }
  EXPECT_GE(a.threads, 1);
  EXPECT_LE(a.threads, 2);  // the caller may take every chunk before the worker wakes
}

TEST(BenchExplain, RendersTheKnownGrid) {
  Attribution a;
  a.chunks = {{0, 0, 2, 4, 0}, {0, 2, 4, 4, 1}};
  a.owner = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, -1, -2, 1, 1};  // 4 × 4: rows 0-1 A, 2-3 B
  EXPECT_EQ(render_grid(a, 4, 4),
            "       0 1 2 3\n"
            "    0  A A A A\n"
            "    1  A A A A\n"
            "    2  B B B B\n"
            "    3  . * B B\n");
}

TEST(BenchExplain, SequentialVariantRunsOnTheCallingThread) {
  ExplainRequest q{"matmul", hk::DType::f32, "cpu", "naive", {8, 8, 8}, 2};
  std::string text = render_explanation(explain_cpu(q));
  EXPECT_NE(text.find("result checked against fp64: correct"), std::string::npos) << text;
  EXPECT_NE(text.find("the thread pool was not used"), std::string::npos) << text;
  EXPECT_NE(text.find("    7  A A A A A A A A\n"), std::string::npos) << text;
  EXPECT_NE(text.find("T0 64"), std::string::npos) << text;
}

// What the simulator reports for the shared-memory tiled matmul (8x8x8, 4x4 tiles, a 2x2
// grid), played by hand: each thread stores one element of each tile, everyone meets at a
// __syncthreads, accumulates, meets again; at the end each thread stores its element of C.
// The recorder must attribute every element of C to the right block and thread, and decode
// block 0's tiles at each step from the value-encoded inputs.
TEST(BenchExplain, SimulatedTiledMatmulIsAttributedToBlocksThreadsAndTiles) {
  constexpr int T = 4, M = 8, K = 8, N = 8;
  std::vector<float> a(M * K), b(K * N), c(M * N, std::nanf(""));
  for (int i = 0; i < M * K; ++i) a[size_t(i)] = float(i + 1);
  for (int i = 0; i < K * N; ++i) b[size_t(i)] = -float(i + 1);
  float a_tile[T][T], b_tile[T][T];
  SimAttribution result = attribute_simulated(
      [&] {
        hk::trace::SimObserver* obs = hk::trace::sim_observer();
        ASSERT_NE(obs, nullptr);
        hk::trace::SharedArray shared[2] = {{"a_tile", a_tile, sizeof a_tile, sizeof(float)},
                                            {"b_tile", b_tile, sizeof b_tile, sizeof(float)}};
        hk::trace::SimSegment seg;
        seg.grid = {2, 2, 1};
        seg.block = {T, T, 1};
        seg.shared = shared;
        seg.shared_count = 2;
        for (unsigned by = 0; by < 2; ++by)
          for (unsigned bx = 0; bx < 2; ++bx) {
            seg.block_idx = {bx, by, 0};
            seg.thread_idx = {0, 0, 0};
            for (const hk::trace::SharedArray& arr : shared) obs->shared_declared(seg, arr);
            float acc[T][T] = {};
            int step = 0;
            for (int k0 = 0; k0 < K; k0 += T) {
              for (unsigned ty = 0; ty < T; ++ty)
                for (unsigned tx = 0; tx < T; ++tx) {
                  a_tile[ty][tx] = a[(by * T + ty) * K + k0 + tx];
                  b_tile[ty][tx] = b[(k0 + ty) * N + bx * T + tx];
                  seg.thread_idx = {tx, ty, 0};
                  seg.step = step;
                  obs->segment_done(seg);
                }
              ++step;
              for (unsigned ty = 0; ty < T; ++ty)
                for (unsigned tx = 0; tx < T; ++tx) {
                  for (int kk = 0; kk < T; ++kk) acc[ty][tx] += a_tile[ty][kk] * b_tile[kk][tx];
                  seg.thread_idx = {tx, ty, 0};
                  seg.step = step;
                  obs->segment_done(seg);
                }
              ++step;
            }
            for (unsigned ty = 0; ty < T; ++ty)
              for (unsigned tx = 0; tx < T; ++tx) {
                c[(by * T + ty) * N + bx * T + tx] = acc[ty][tx];
                seg.thread_idx = {tx, ty, 0};
                seg.step = step;
                obs->segment_done(seg);
              }
          }
      },
      c.data(), M * N, 4);
  EXPECT_EQ(result.launches, 1);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      EXPECT_EQ(result.block_of[size_t(i * N + j)], (i / T) * 2 + j / T) << i << "," << j;
      EXPECT_EQ(result.thread_of[size_t(i * N + j)], (i % T) * T + j % T) << i << "," << j;
    }
  // Block 0 loads tiles at steps 0 and 2 (steps 1 and 3 only read them).
  ASSERT_EQ(result.snapshots.size(), 4u);
  std::map<std::pair<int, std::string>, std::string> tiles;
  for (const auto& snap : result.snapshots) {
    tiles[{snap.step, snap.array}] = describe_tile(snap.values, K, N);
    for (size_t e = 0; e < snap.writer.size(); ++e) EXPECT_EQ(snap.writer[e], int(e));
  }
  EXPECT_EQ((tiles[{0, "a_tile"}]), "A rows 0..3, cols 0..3");
  EXPECT_EQ((tiles[{0, "b_tile"}]), "B rows 0..3, cols 0..3");
  EXPECT_EQ((tiles[{2, "a_tile"}]), "A rows 0..3, cols 4..7");
  EXPECT_EQ((tiles[{2, "b_tile"}]), "B rows 4..7, cols 0..3");
  std::string grid = render_sim(result, M, N, true);
  EXPECT_NE(grid.find("    7   0,1 0,1 0,1 0,1 1,1 1,1 1,1 1,1\n"), std::string::npos) << grid;  // blocks (x,y) of row 7
}

TEST(BenchExplain, DescribesPaddedTiles) {
  // A 3x5 A: A[i][k] = 5i + k + 1. A 4-wide tile at rows 2..3, cols 4..7 holds A[2][4] and zeros.
  EXPECT_EQ(describe_tile({15, 0, 0, 0, 0, 0, 0, 0}, 5, 5), "A rows 2, cols 4 + 7 zeros (outside the matrices)");
}

// ---- output formats of a synthetic report ----------------------------------------------

Report synthetic_report() {
  Report r;
  r.command = "run";
  r.argv = {"hk-bench", "--op", "matmul"};
  r.env.fields = {{"hk version", "0.1.0"}, {"build", "Release"}, {"date", "2025-01-01T00:00:00Z"},
                  {"load average", "0.5 0.4 0.3"}, {"cpu model", "Test CPU, with a comma"}, {"hardware threads", "2"},
                  {"hk threads", "2"}, {"cpu isa in use", "avx512"}, {"highway target", "AVX3"},
                  {"cpu features in use", "avx2,fma,avx512f"}, {"caches", "L1d 48 KiB"}, {"highway", "1.0.3"},
                  {"openblas", "OpenBLAS 0.3.21"}, {"onednn", "2.6.3"}};
  r.env.variables = {{"HK_BACKEND", "(unset)"}, {"HK_NUM_THREADS", "(unset)"}, {"HK_CPU_ISA", "(unset)"},
                     {"OPENBLAS_CORETYPE", "Haswell"}, {"OPENBLAS_L2_SIZE", "(unset)"}, {"OMP_NUM_THREADS", "(unset)"}};
  r.env.backends = {{hk::Backend::cpu, "cpu", true, "", {"cpu: Test CPU"}},
                    {hk::Backend::cuda, "cuda", false, "no NVIDIA \"driver\"", {}}};
  r.roofline.fp32_how = "AVX-512 FMA";
  r.roofline.int8_how = "vpdpbusd";
  r.roofline.memory_how = "read and copy";
  r.roofline.cpu = {{1, 100, 400, 50, 40}, {2, 200, 800, 60, 45}};
  r.settings = {{"threads", "1,2"}};
  Table t{"matmul", hk::DType::f32, "matmul f32", {}, {"simd (cpu) not run: needs AVX-512"}};
  t.rows.push_back(timed("matmul", hk::DType::f32, "cpu", "naive", 1, 123.456, 2.68e8, 3.1e6));
  Result bad = timed("matmul", hk::DType::f32, "cpu", "blocked", 1, 7.777, 2.68e8, 3.1e6);
  bad.status = Status::failed;
  bad.failure = "c[1][2] = 3, fp64 4";
  t.rows.push_back(bad);
  Result sim = timed("matmul", hk::DType::f32, "cuda_sim", "tiled", 0, 0, 2.68e8, 3.1e6);
  sim.status = Status::validated;
  sim.dims = {37, 29, 45};  // the simulator is checked at its own small shape
  sim.shape = "37x29x45";
  t.rows.push_back(sim);
  t.rows.push_back(timed("matmul", hk::DType::f32, "peer", "openblas", 1, 2, 2.68e8, 3.1e6));
  for (Result& x : t.rows) apply_roofline(r.roofline, {}, true, x);
  annotate(t);
  r.tables.push_back(t);
  r.notes = {"no GPU rows: cuda backend unavailable", "a <note> with \"quotes\" & more"};
  r.failures = 1;
  return r;
}

// ---- how far apart the CPUs were ----------------------------------------------------------

TEST(BenchCpuDistance, MeasuresARoundTripBetweenTwoAllowedCpus) {
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) < 2)
    GTEST_SKIP() << "this process may run on fewer than two CPUs: no pair to measure";
  // ctest runs this test alone (RUN_SERIAL), but the machine may still be busy: a loaded
  // pair of CPUs is no measurement by design, so three tries.
  std::optional<CpuDistance> d;
  for (int attempt = 0; attempt < 3 && !d; ++attempt) d = measure_cpu_distance();
  ASSERT_TRUE(d.has_value()) << "three tries found no quiet stretch on two CPUs";
  EXPECT_NE(d->cpu_a, d->cpu_b);
  EXPECT_TRUE(CPU_ISSET(d->cpu_a, &allowed) && CPU_ISSET(d->cpu_b, &allowed));
  // A cache line between two cores takes tens to hundreds of nanoseconds; never nothing,
  // and well under the 50 ms a stalled trip is given.
  EXPECT_GT(d->round_trip_ns, 1);
  EXPECT_LT(d->round_trip_ns, 1e6);
}

TEST(BenchCpuDistance, NamesOnlyTheRowsMeasuredFarApart) {
  Table t{"matmul", hk::DType::i8, "matmul i8", {}, {}};
  auto row = [&](const std::string& variant, const std::string& backend, double ns) {
    Result r = timed("matmul", hk::DType::i8, backend, variant, 2, 1, 2e9, 1e6);
    r.cpu_round_trip_ns = ns;
    t.rows.push_back(r);
  };
  row("vnni", "cpu", 65);
  row("onednn", "peer", 72);
  row("parallel", "cpu", 0);  // not measured (one thread): not counted
  {
    std::vector<Table> like{t};
    EXPECT_EQ(cpu_distance_note(like), "") << "rows at like distances need no note";
    for (const Result& r : like[0].rows) EXPECT_FALSE(r.cpus_far);
  }
  row("vnni", "cpu", 331);
  Result failed = timed("matmul", hk::DType::i8, "cpu", "blocked", 2, 1, 2e9, 1e6);
  failed.status = Status::failed;
  failed.cpu_round_trip_ns = 900;  // no timing, so nothing to warn about
  t.rows.push_back(failed);
  std::vector<Table> tables{t};
  const std::string note = cpu_distance_note(tables);
  EXPECT_NE(note.find("1 of 3 multi-thread rows"), std::string::npos) << note;
  EXPECT_NE(note.find("331 ns"), std::string::npos) << note;
  EXPECT_NE(note.find("65 ns"), std::string::npos) << note;
  const std::vector<Result>& rows = tables[0].rows;
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].cpus_far, i == 3) << rows[i].variant << " " << i;
  // The tables mark the row and say what the mark means.
  Report rep = synthetic_report();
  rep.tables = tables;
  const std::string md = format_markdown(rep);
  EXPECT_NE(md.find("| vnni | cpu | 2† |"), std::string::npos) << md;
  EXPECT_NE(md.find("† timed while its CPUs were far apart"), std::string::npos) << md;
  // Twice as far but only 40 ns more: within what a quiet machine varies by.
  Table close{"relu", hk::DType::f32, "relu f32", {}, {}};
  for (double ns : {20.0, 60.0}) {
    Result r = timed("relu", hk::DType::f32, "cpu", "parallel", 2, 1, 1e6, 1e6);
    r.cpu_round_trip_ns = ns;
    close.rows.push_back(r);
  }
  std::vector<Table> near{close};
  EXPECT_EQ(cpu_distance_note(near), "");
}

TEST(BenchFormats, JsonValidatesAgainstTheSchemaAndFailedRowsCarryNoNumbers) {
  bench_json::Value schema = bench_json::parse(read_file(HK_BENCH_SCHEMA));
  Report rep = synthetic_report();
  rep.tables[0].rows[0].cpu_round_trip_ns = 65.5;
  rep.tables[0].rows[1].cpu_round_trip_ns = 70;  // a failed row: no numbers, this one neither
  bench_json::Value doc = bench_json::parse(format_json(rep));
  std::vector<std::string> errors = bench_json::validate(doc, schema);
  for (const std::string& e : errors) ADD_FAILURE() << e;
  const auto& results = doc.at("results").items;
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].at("status").str, "ok");
  EXPECT_NEAR(results[0].at("time_ms").at("median").num, 123.456, 1e-3);
  EXPECT_EQ(results[1].at("status").str, "failed");
  EXPECT_TRUE(results[1].at("time_ms").is_null());
  EXPECT_TRUE(results[1].at("gflops").is_null());
  EXPECT_EQ(results[1].at("failure").str, "c[1][2] = 3, fp64 4");
  EXPECT_NEAR(results[0].at("cpu_round_trip_ns").num, 65.5, 1e-9);
  EXPECT_TRUE(results[1].at("cpu_round_trip_ns").is_null());
  EXPECT_TRUE(results[3].at("cpu_round_trip_ns").is_null());
  EXPECT_EQ(results[2].at("status").str, "validated");
  EXPECT_TRUE(results[2].at("time_ms").is_null());
  EXPECT_EQ(doc.at("environment").at("variables").at("OPENBLAS_CORETYPE").str, "Haswell");
  EXPECT_EQ(doc.at("environment").at("backends").items[1].at("reason").str, "no NVIDIA \"driver\"");
}

TEST(BenchFormats, SchemaRejectsATimedFailedRow) {
  bench_json::Value schema = bench_json::parse(read_file(HK_BENCH_SCHEMA));
  std::string text = format_json(synthetic_report());
  // Give the failed row a time: the schema must catch it.
  auto at = text.find("\"status\": \"failed\"");
  ASSERT_NE(at, std::string::npos);
  auto t = text.find("\"time_ms\": null", at);
  text.replace(t, 15, "\"time_ms\": {\"median\": 1, \"min\": 1, \"max\": 1, \"repeats\": 3}");
  EXPECT_FALSE(bench_json::validate(bench_json::parse(text), schema).empty());
}

std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else out.back() += c;
    } else if (c == '"') quoted = true;
    else if (c == ',') out.emplace_back();
    else out.back() += c;
  }
  return out;
}

TEST(BenchFormats, CsvHasEnvironmentCommentsAndOneParsableRowPerResult) {
  std::istringstream in(format_csv(synthetic_report()));
  std::vector<std::string> comments, lines;
  for (std::string line; std::getline(in, line);) (line.rfind("#", 0) == 0 ? comments : lines).push_back(line);
  auto has = [&](const std::string& s) {
    for (const std::string& c : comments)
      if (c.find(s) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has("# cpu model: Test CPU, with a comma"));
  EXPECT_TRUE(has("# env OPENBLAS_CORETYPE: Haswell"));
  EXPECT_TRUE(has("# peak 2 threads"));
  ASSERT_EQ(lines.size(), 5u);  // header + 4 results
  std::vector<std::string> header = csv_fields(lines[0]);
  auto col = [&](const std::string& name) { return size_t(std::find(header.begin(), header.end(), name) - header.begin()); };
  for (size_t i = 1; i < lines.size(); ++i) EXPECT_EQ(csv_fields(lines[i]).size(), header.size()) << lines[i];
  std::vector<std::string> naive = csv_fields(lines[1]), failed = csv_fields(lines[2]);
  EXPECT_EQ(naive[col("status")], "ok");
  EXPECT_NEAR(std::stod(naive[col("median_ms")]), 123.456, 1e-3);
  EXPECT_GT(std::stod(naive[col("vs_best_peer")]), 0);
  EXPECT_EQ(failed[col("status")], "failed");
  for (const char* c : {"median_ms", "gflops", "gbps", "percent_of_peak", "speedup_vs_naive"}) EXPECT_EQ(failed[col(c)], "") << c;
  EXPECT_EQ(failed[col("failure")], "c[1][2] = 3, fp64 4");
}

TEST(BenchFormats, MarkdownTablesAreWellFormed) {
  std::string md = format_markdown(synthetic_report());
  EXPECT_NE(md.find("| `OPENBLAS_CORETYPE` | Haswell |"), std::string::npos);
  EXPECT_NE(md.find("| command | `hk-bench --op matmul` |"), std::string::npos) << md;
  EXPECT_NE(md.find("| threads | 1,2 |"), std::string::npos) << md;
  EXPECT_NE(md.find("## matmul f32"), std::string::npos);
  std::istringstream in(md);
  size_t columns = 0;
  int table_rows = 0;
  bool failed_row = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| variant |", 0) == 0) columns = size_t(std::count(line.begin(), line.end(), '|'));
    else if (columns && line.rfind("|", 0) == 0) {
      EXPECT_EQ(size_t(std::count(line.begin(), line.end(), '|')), columns) << line;
      ++table_rows;
      if (line.find("**FAILED**") != std::string::npos) {
        failed_row = true;
        EXPECT_EQ(line.find("7.777"), std::string::npos) << "a failed row shows its time: " << line;
      }
    } else if (columns && line.empty()) columns = 0;
  }
  EXPECT_EQ(table_rows, 4);  // separator + naive + failed + peer (the cuda_sim check is a footnote)
  EXPECT_TRUE(failed_row);
  EXPECT_NE(md.find("cuda_sim tiled: correct at 37x29x45"), std::string::npos) << md;
}

TEST(BenchFormats, TerminalTableShowsFailedWithoutANumber) {
  std::string text = format_table(synthetic_report());
  std::istringstream in(text);
  bool seen = false;
  for (std::string line; std::getline(in, line);)
    if (line.find("blocked") != std::string::npos && line.find("FAILED") != std::string::npos &&
        line.find("FAILED cpu/") == std::string::npos) {
      seen = true;
      EXPECT_EQ(line.find("7.7"), std::string::npos) << line;
      EXPECT_EQ(line.find('%'), std::string::npos) << line;
    }
  EXPECT_TRUE(seen) << text;
  EXPECT_NE(text.find("FAILED cpu/blocked at 64x64x64: c[1][2] = 3, fp64 4"), std::string::npos) << text;
  EXPECT_NE(text.find("never timed"), std::string::npos) << text;
}

TEST(BenchFormats, HtmlIsSelfContainedWithSizedCharts) {
  std::string html = format_html(synthetic_report());
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_NE(html.find("class=\"chart bars\""), std::string::npos);
  EXPECT_EQ(html.find("id=\"sizes-"), std::string::npos) << "one timed size: no size sweep to draw";
  EXPECT_EQ(html.find("id=\"ladder-matmul-f32-1\""), std::string::npos) << "no ladder for the cuda_sim check's shape";
  EXPECT_NE(html.find("FAILED validation — no number"), std::string::npos);
  EXPECT_NE(html.find("a &lt;note&gt; with &quot;quotes&quot; &amp; more"), std::string::npos);  // escaped
}

}  // namespace
