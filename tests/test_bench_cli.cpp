// hk-bench end to end: runs the built binary on small cases and checks what it prints —
// JSON against the schema, CSV and markdown, a deliberately broken variant shown as FAILED
// with no number, the sweep without a GPU, explain, bad arguments — and renders the HTML
// report in headless Chromium to check that the charts are there and have a size.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "bench_json.hpp"
#include "hk/cuda.hpp"
#include "hk/hk.hpp"

namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

fs::path work_dir(const std::string& name) {
  fs::path d = fs::path(HK_TEST_OUTPUT_DIR) / "bench_cli" / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

struct Result {
  int status = -1;
  std::string out, err;
};

// Runs hk-bench with `args` (shell words) and environment assignments `env` ("A=1 B=2").
Result hk_bench(const std::string& args, const fs::path& dir, const std::string& env = "") {
  std::string cmd = (env.empty() ? "" : "env " + env + " ") + std::string(HK_BENCH_EXE) + " " + args + " >" +
                    (dir / "stdout").string() + " 2>" + (dir / "stderr").string();
  int rc = std::system(cmd.c_str());
  Result r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = read_file(dir / "stdout");
  r.err = read_file(dir / "stderr");
  return r;
}

bench_json::Value schema() { return bench_json::parse(read_file(HK_BENCH_SCHEMA)); }

void expect_valid(const bench_json::Value& doc) {
  for (const std::string& e : bench_json::validate(doc, schema())) ADD_FAILURE() << "schema: " << e;
}

const char* kQuick = "--min-time 0.01 --warmup 1 --progress never";

TEST(BenchCli, JsonRunValidatesAndABrokenVariantIsFailedWithoutANumber) {
  fs::path dir = work_dir("json");
  Result r = hk_bench(std::string("--op matmul:f32,relu --sizes 48 --threads 1,2 --format json ") + kQuick, dir,
                   "HK_BENCH_BREAK=matmul:f32/cpu/blocked");
  ASSERT_EQ(r.status, 1) << "a FAILED row must make hk-bench exit 1\n" << r.err;
  bench_json::Value doc = bench_json::parse(r.out);
  expect_valid(doc);
  EXPECT_EQ(doc.at("failures").num, 1);
  int ok_rows = 0, failed_rows = 0;
  for (const bench_json::Value& row : doc.at("results").items) {
    const std::string status = row.at("status").str;
    if (row.at("variant").str == "blocked" && row.at("op").str == "matmul") {
      EXPECT_EQ(status, "failed");
      EXPECT_TRUE(row.at("time_ms").is_null());
      EXPECT_TRUE(row.at("gflops").is_null());
      EXPECT_NE(row.at("failure").str.find("fp64"), std::string::npos) << row.at("failure").str;
      ++failed_rows;
    } else if (status == "ok") {
      const bench_json::Value& t = row.at("time_ms");
      EXPECT_GT(t.at("median").num, 0);
      EXPECT_LE(t.at("min").num, t.at("median").num);
      EXPECT_LE(t.at("median").num, t.at("max").num);
      EXPECT_FALSE(row.at("percent_of_peak").is_null()) << row.at("variant").str;
      ++ok_rows;
    }
  }
  EXPECT_EQ(failed_rows, 1);
  EXPECT_GE(ok_rows, 2);  // matmul naive and relu naive at least
  const bench_json::Value& vars = doc.at("environment").at("variables");
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  EXPECT_EQ(vars.at("OPENBLAS_CORETYPE").str, coretype ? coretype : "(unset)");
  EXPECT_EQ(doc.at("roofline").at("cpu").items.size(), 2u);  // probed at 1 and 2 threads
}

TEST(BenchCli, CsvAndMarkdownOfANonSquareMatmul) {
  fs::path dir = work_dir("csv");
  Result r = hk_bench(std::string("--op matmul:i8 --sizes 40x33x24 --threads 1 --format csv --output ") +
                       (dir / "out.csv").string() + " " + kQuick,
                   dir);
  ASSERT_EQ(r.status, 0) << r.err;
  std::string csv = read_file(dir / "out.csv");
  EXPECT_NE(csv.find("# cpu model: "), std::string::npos);
  EXPECT_NE(csv.find("# env OPENBLAS_CORETYPE: "), std::string::npos);
  std::istringstream in(csv);
  int rows = 0;
  size_t columns = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("#", 0) == 0) continue;
    size_t c = 0;  // separators outside quotes (a failure's text is quoted and may hold commas)
    bool quoted = false;
    for (char ch : line) {
      if (ch == '"') quoted = !quoted;
      c += ch == ',' && !quoted;
    }
    EXPECT_FALSE(quoted) << "an unclosed quote: " << line;
    if (!columns) {
      columns = c;
      EXPECT_EQ(line.rfind("op,dtype,shape,", 0), 0u) << line;
      continue;
    }
    EXPECT_EQ(c, columns) << line;
    if (line.find(",cuda_sim,") != std::string::npos) continue;  // checked at its own small shape
    EXPECT_EQ(line.rfind("matmul,i8,40x33x24,", 0), 0u) << line;
    ++rows;
  }
  EXPECT_GE(rows, 2);

  Result md = hk_bench(std::string("--op matmul:i8 --sizes 40x33x24 --threads 1 --format markdown ") + kQuick, dir);
  ASSERT_EQ(md.status, 0) << md.err;
  EXPECT_NE(md.out.find("## matmul i8"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("| naive | cpu | 1 | 40x33x24 |"), std::string::npos) << md.out;
}

TEST(BenchCli, SweepWithoutAGpuSaysSo) {
  fs::path dir = work_dir("sweep");
  Result r = hk_bench(std::string("sweep --op relu --sizes 1024..4096 --format json ") + kQuick, dir);
  ASSERT_EQ(r.status, 0) << r.err;
  bench_json::Value doc = bench_json::parse(r.out);
  expect_valid(doc);
  EXPECT_EQ(doc.at("command").str, "sweep");
  ASSERT_FALSE(doc.at("crossovers").items.empty());
  bool gpu = false;
  for (const bench_json::Value& b : doc.at("environment").at("backends").items)
    gpu |= b.at("name").str == "cuda" && b.at("available").b;
  if (!gpu)
    for (const bench_json::Value& x : doc.at("crossovers").items) {
      EXPECT_FALSE(x.at("found").b);
      EXPECT_NE(x.at("text").str.find("no GPU"), std::string::npos) << x.at("text").str;
    }
  std::set<std::string> shapes;
  for (const bench_json::Value& row : doc.at("results").items)
    if (row.at("status").str != "validated")  // cuda_sim checks run at their own small shape
      shapes.insert(std::to_string(int(row.at("shape").items[0].num)));
  EXPECT_EQ(shapes, (std::set<std::string>{"1024", "2048", "4096"}));
}

TEST(BenchCli, BadArgumentsExitTwoNamingTheProblem) {
  fs::path dir = work_dir("bad");
  Result op = hk_bench("--op nosuchop", dir);
  EXPECT_EQ(op.status, 2);
  EXPECT_NE(op.err.find("nosuchop"), std::string::npos) << op.err;
  Result size = hk_bench("--op matmul --sizes 12x", dir);
  EXPECT_EQ(size.status, 2);
  EXPECT_NE(size.err.find("12x"), std::string::npos) << size.err;
  Result fmt = hk_bench("--format yaml", dir);
  EXPECT_EQ(fmt.status, 2);
  EXPECT_NE(fmt.err.find("yaml"), std::string::npos) << fmt.err;
  Result variant = hk_bench("explain matmul --variant nosuch", dir);
  EXPECT_EQ(variant.status, 2);
  EXPECT_NE(variant.err.find("nosuch"), std::string::npos) << variant.err;
}

TEST(BenchCli, ListShowsBackendsVariantsAndPeers) {
  fs::path dir = work_dir("list");
  Result r = hk_bench("list", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  for (const hk::VariantInfo& v : hk::variants())
    EXPECT_NE(r.out.find(v.variant), std::string::npos) << v.op << "/" << v.variant << " missing from\n" << r.out;
  EXPECT_NE(r.out.find("backends:"), std::string::npos);
  EXPECT_NE(r.out.find("peers:"), std::string::npos);
  // auto's choice for host data, with its reason, at a few sizes (hk/choice.hpp).
  EXPECT_NE(r.out.find("auto, for host data ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  matmul 4096x4096x4096 f32: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  relu 1024 f32: "), std::string::npos) << r.out;
}

// One line per hk kernel and architecture with ptxas's figures, in the build's own record
// (hk::cuda_kernel_resources); a build without CUDA says so instead of printing an empty table.
TEST(BenchCli, ResourcesListsEveryKernelPerArchitecture) {
  fs::path dir = work_dir("resources");
  Result r = hk_bench("resources", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<hk::CudaKernelResources> own;
  for (const auto& k : hk::cuda_kernel_resources())
    if (k.block_threads > 0) own.push_back(k);
  if (hk::cuda_kernel_resources().empty()) {
    EXPECT_NE(r.out.find("without the cuda backend"), std::string::npos) << r.out;
    return;
  }
  // Data lines: "<name> <sm> <regs> <smem> <stack> <st/ld> <threads> <blocks/SM> <n>% <limiter>".
  std::multiset<std::vector<int>> printed;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.find('%') == std::string::npos || line.find("occupancy") != std::string::npos) continue;
    std::istringstream words(line.substr(0, line.find('%')));
    std::vector<std::string> w;
    for (std::string x; words >> x;) w.push_back(x);
    ASSERT_GE(w.size(), 8u) << line;
    const std::size_t e = w.size();  // the numbers are the last eight fields (the name may be blank)
    printed.insert({std::stoi(w[e - 8]), std::stoi(w[e - 7]), std::stoi(w[e - 6]), std::stoi(w[e - 5]), std::stoi(w[e - 3])});
  }
  std::multiset<std::vector<int>> expected;
  for (const auto& k : own) expected.insert({k.arch, k.registers, k.shared_bytes, k.stack_bytes, k.block_threads});
  EXPECT_EQ(printed, expected) << r.out;
  EXPECT_FALSE(own.empty());
}

TEST(BenchCli, ExplainPrintsTheGrid) {
  fs::path dir = work_dir("explain");
  Result r = hk_bench("explain matmul --variant naive --size 4x5x6", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("output c (4 x 6)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("    3  A A A A A A\n"), std::string::npos) << r.out;
  // --format json: the same explanation as data (what Python's hk.explain returns as arrays).
  Result json = hk_bench("explain matmul --variant naive --size 2x3x2 --format json", dir);
  ASSERT_EQ(json.status, 0) << json.err;
  for (const char* field : {"\"output_shape\": [2, 2]", "\"chunk\": [0, 0, 0, 0]", "\"thread\": [0, 0, 0, 0]",
                            "\"text\": \"explain matmul f32, cpu/naive"})
    EXPECT_NE(json.out.find(field), std::string::npos) << field << " in\n" << json.out;
  Result csv = hk_bench("explain matmul --variant naive --format csv", dir);
  EXPECT_EQ(csv.status, 2);
  EXPECT_NE(csv.err.find("explain --format takes table or json"), std::string::npos) << csv.err;
}

// A CPU variant that splits its work (if the registry has one named `parallel`): at a size
// big enough to split, every element of C is written, and by one chunk of a split call.
TEST(BenchCli, ExplainParallelMatmulShowsTheSplit) {
  bool parallel = false;
  for (const hk::VariantInfo& v : hk::variants("matmul"))
    parallel |= v.backend == hk::Backend::cpu && v.variant == "parallel" && v.supported;
  if (!parallel) GTEST_SKIP() << "no cpu variant 'parallel' of matmul in this build";
  fs::path dir = work_dir("explain_parallel");
  Result r = hk_bench("explain matmul --variant parallel --size 512 --threads 2", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("result checked against fp64: correct"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the pool ran "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("call 0, indices [0, "), std::string::npos) << r.out;
  auto grid = r.out.substr(r.out.find("output c (512 x 512)"));
  grid = grid.substr(0, grid.find("elements per thread"));
  EXPECT_EQ(grid.find(" ."), std::string::npos) << "an element nobody wrote:\n" << grid;
}

// The grid of `title` in explain's output: row label → cells.
std::map<int, std::vector<std::string>> grid_section(const std::string& text, const std::string& title) {
  std::map<int, std::vector<std::string>> rows;
  auto at = text.find(title);
  if (at == std::string::npos) return rows;
  std::istringstream in(text.substr(at));
  std::string line;
  std::getline(in, line);  // the title
  std::getline(in, line);  // column numbers
  while (std::getline(in, line) && !line.empty()) {
    std::istringstream cells(line);
    int label;
    cells >> label;
    for (std::string c; cells >> c;) rows[label].push_back(c);
  }
  return rows;
}

bool has_sim_variant(const std::string& op, const std::string& variant) {
  for (const hk::VariantInfo& v : hk::variants(op))
    if (v.backend == hk::Backend::cuda_sim && v.variant == variant && v.supported) return true;
  return false;
}

// The tiled matmul under the simulator, 20x12x16 with 8x8 tiles: C(i, j) is computed by
// block (j / 8, i / 8), thread (j % 8, i % 8); block (0, 0) loads A[0..7][0..7] and
// B[0..7][0..7] first, then A[0..7][8..11] and B[8..11][0..7] padded with zeros (K = 12).
TEST(BenchCli, ExplainTiledMatmulOnTheSimulatorGivesTheKnownMapping) {
  if (!has_sim_variant("matmul", "tiled")) GTEST_SKIP() << "no cuda_sim variant 'tiled' of matmul in this build";
  fs::path dir = work_dir("explain_tiled");
  Result r = hk_bench("explain matmul --variant tiled --size 20x12x16 --block-size 8", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("launch: grid 2x3x1 blocks of 8x8x1 threads; result checked against fp64: correct"),
            std::string::npos) << r.out;
  auto blocks = grid_section(r.out, "block (blockIdx.x,y)");
  auto threads = grid_section(r.out, "thread (threadIdx.x,y)");
  ASSERT_EQ(blocks.size(), 20u) << r.out;
  ASSERT_EQ(threads.size(), 20u) << r.out;
  for (int i = 0; i < 20; ++i)
    for (int j = 0; j < 16; ++j) {
      ASSERT_EQ(blocks[i].at(size_t(j)), std::to_string(j / 8) + "," + std::to_string(i / 8)) << i << "," << j;
      ASSERT_EQ(threads[i].at(size_t(j)), std::to_string(j % 8) + "," + std::to_string(i % 8)) << i << "," << j;
    }
  EXPECT_NE(r.out.find("step 0: a_tile ← A rows 0..7, cols 0..7; b_tile ← B rows 0..7, cols 0..7\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("step 2: a_tile ← A rows 0..7, cols 8..11 + 32 zeros (outside the matrices); "
                       "b_tile ← B rows 8..11, cols 0..7 + 32 zeros (outside the matrices)\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("thread t stores slot t of each tile"), std::string::npos) << r.out;
}

TEST(BenchCli, ExplainElementwiseReluOnTheSimulator) {
  if (!has_sim_variant("relu", "naive")) GTEST_SKIP() << "no cuda_sim variant 'naive' of relu in this build";
  fs::path dir = work_dir("explain_relu");
  Result r = hk_bench("explain relu --variant naive --backend cuda_sim --size 300", dir);
  ASSERT_EQ(r.status, 0) << r.err;
  auto blocks = grid_section(r.out, "block (blockIdx.x)");
  auto threads = grid_section(r.out, "thread (threadIdx.x)");
  ASSERT_EQ(blocks.size(), 10u) << r.out;  // 300 elements, 32 per line
  for (int i = 0; i < 300; ++i) {
    const int line = i / 32 * 32, col = i % 32;
    ASSERT_EQ(blocks[line].at(size_t(col)), std::to_string(i / 256)) << i;
    ASSERT_EQ(threads[line].at(size_t(col)), std::to_string(i % 256)) << i;
  }
  EXPECT_EQ(blocks[288].at(12), ".");  // past the end
}

// ---- edge cases: each is a usage error (exit 2, naming the option and what it takes, before
// anything is measured) or correct output ----------------------------------------------------

const char* kMeasuring = "measuring this machine's peaks";

// Every attribute value of the HTML that holds "nan" or "inf" (any case).
std::vector<std::string> non_finite_attributes(const std::string& html) {
  std::vector<std::string> bad;
  static const std::regex attribute(R"re([A-Za-z_:-]+="[^"]*")re");
  static const std::regex non_finite("nan|inf", std::regex::icase);
  for (auto it = std::sregex_iterator(html.begin(), html.end(), attribute); it != std::sregex_iterator(); ++it)
    if (std::regex_search(it->str(), non_finite)) bad.push_back(it->str());
  return bad;
}

TEST(BenchCliEdges, ZeroSizeLeavesNoNanOrInfInTheHtml) {
  fs::path dir = work_dir("edge_zero_size");
  fs::path report = dir / "out.html";
  Result r = hk_bench("--op relu:f32,matmul:f32 --sizes 0,32,64 --threads 1 --html " + report.string() + " " + kQuick, dir);
  ASSERT_EQ(r.status, 0) << r.err;
  std::string html = read_file(report);
  ASSERT_FALSE(html.empty());
  for (const std::string& a : non_finite_attributes(html)) ADD_FAILURE() << "non-finite attribute: " << a;
  // The sizes that do work are still drawn.
  EXPECT_NE(html.find("id=\"sizes-relu-f32\""), std::string::npos);
  EXPECT_NE(html.find("id=\"sizes-matmul-f32\""), std::string::npos);
}

TEST(BenchCliEdges, UnknownVariantIsAUsageErrorListingTheVariantsOfTheOpsAsked) {
  fs::path dir = work_dir("edge_variant");
  Result r = hk_bench(std::string("--op relu:f32 --variant nosuch --sizes 64 --threads 1 ") + kQuick, dir);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.err.find("'nosuch'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("naive"), std::string::npos) << "relu's variants listed:\n" << r.err;
  EXPECT_NE(r.err.find("memcpy"), std::string::npos) << "relu's peers listed:\n" << r.err;
  EXPECT_EQ(r.err.find(kMeasuring), std::string::npos) << r.err;
  // A peer of another op is no variant of this one.
  Result other = hk_bench(std::string("sweep --op matmul:f32 --variant memcpy --sizes 16 ") + kQuick, dir);
  EXPECT_EQ(other.status, 2) << other.out;
  EXPECT_NE(other.err.find("'memcpy'"), std::string::npos) << other.err;
  Result good = hk_bench(std::string("--op relu:f32 --variant naive,memcpy --sizes 64 --threads 1 ") + kQuick, dir);
  EXPECT_EQ(good.status, 0) << good.err;
}

// hk-bench profile: the GPU ladder under cuda_sim's profiler. Figures worked out by hand for
// naive at 64^3: 128 warps of 16x2 threads, each making 64 A loads (two rows: 2 sectors) and
// 64 B loads (16 consecutive floats, 64-byte aligned: 2 sectors).
TEST(BenchCli, ProfileShowsTheGpuLaddersCounters) {
  fs::path dir = work_dir("profile");
  Result r = hk_bench("profile --size 64", dir);
  if ((r.out + r.err).find("built with a sanitizer") != std::string::npos)
    GTEST_SKIP() << "no profiler in a sanitizer build (cuda_sim's instrumented kernels clash with -fsanitize)";
  ASSERT_EQ(r.status, 0) << r.err << r.out;
  for (const char* want : {"naive", "tiled", "register_tiled", "global load sectors", "shared load bank conflicts",
                           "l1tex__t_sectors_pipe_lsu_mem_global_op_ld.sum", "flops per global byte", "hottest lines",
                           "cuda/kernels/matmul_f32_naive.cuh:", "correct"})
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;

  Result json = hk_bench("profile matmul --variant naive --size 64 --format json", dir);
  ASSERT_EQ(json.status, 0) << json.err;
  bench_json::Value doc = bench_json::parse(json.out);
  const bench_json::Value& naive = doc.at("variants").items.at(0);
  EXPECT_EQ(naive.at("variant").str, "naive");
  EXPECT_EQ(naive.at("counters").at("global_ld_requests").num, 16384);
  EXPECT_EQ(naive.at("counters").at("global_ld_sectors").num, 32768);
  EXPECT_EQ(naive.at("counters").at("global_st_sectors").num, 64 * 64 * 4 / 32);
  EXPECT_FALSE(naive.at("launches").items.at(0).at("lines").items.empty());

  Result i8 = hk_bench("profile matmul:i8 --size 64 --format json", dir);
  ASSERT_EQ(i8.status, 0) << i8.err;
  const bench_json::Value i8_doc = bench_json::parse(i8.out);
  const bench_json::Value& dp4a = i8_doc.at("variants").items.at(0);
  EXPECT_EQ(dp4a.at("variant").str, "dp4a");
  EXPECT_EQ(dp4a.at("counters").at("shared_ld_bank_conflicts").num, 0);

  Result bad = hk_bench("profile --variant nosuch", dir);
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("no cuda_sim variant 'nosuch'; it has naive, tiled, register_tiled"), std::string::npos) << bad.err;
  Result cpu = hk_bench("profile --backend cpu", dir);
  EXPECT_EQ(cpu.status, 2);
  EXPECT_NE(cpu.err.find("cuda_sim"), std::string::npos) << cpu.err;

  // A run with GPU rows carries the same counters in its JSON and HTML.
  Result run = hk_bench(std::string("--op matmul:f32 --backend cuda_sim --sizes 32 --format json --html ") +
                            (dir / "r.html").string() + " " + kQuick, dir);
  ASSERT_EQ(run.status, 0) << run.err;
  bench_json::Value report = bench_json::parse(run.out);
  expect_valid(report);
  ASSERT_EQ(report.at("gpu_counters").items.size(), 1u);
  EXPECT_EQ(report.at("gpu_counters").items[0].at("variants").items.size(), 3u);
  EXPECT_NE(read_file(dir / "r.html").find("GPU memory counters: matmul f32 "), std::string::npos);
}

TEST(BenchCliEdges, EverySubcommandAnswersHelp) {
  fs::path dir = work_dir("edge_help");
  for (const char* command : {"", "run", "list", "sweep", "explain", "profile", "resources", "explain matmul"})
    for (const char* flag : {"--help", "-h"}) {
      Result r = hk_bench(std::string(command) + " " + flag, dir);
      EXPECT_EQ(r.status, 0) << command << " " << flag << "\n" << r.err;
      EXPECT_NE(r.out.find("usage:"), std::string::npos) << command << " " << flag << "\n" << r.out;
    }
  Result explain = hk_bench("explain --help", dir);
  EXPECT_NE(explain.out.find("hk-bench explain OP --variant V"), std::string::npos) << explain.out;
  EXPECT_EQ(explain.out.find("--min-time"), std::string::npos) << "explain's usage, not run's:\n" << explain.out;
}

TEST(BenchCliEdges, ExplainOfAnUnknownOpNamesItAndListsTheOpsExplainTakes) {
  fs::path dir = work_dir("edge_explain_op");
  Result r = hk_bench("explain bogus --variant parallel", dir);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.err.find("unknown op 'bogus'"), std::string::npos) << r.err;
  for (const char* op : {"matmul", "relu", "add"}) EXPECT_NE(r.err.find(op), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("no variant"), std::string::npos) << r.err;
}

TEST(BenchCliEdges, MaxCallBelowASecondIsPrintedAsGivenAndNonPositiveIsRejected) {
  fs::path dir = work_dir("edge_max_call");
  Result r = hk_bench(std::string("--op matmul:f32 --sizes 256 --threads 1 --variant naive --max-call 0.001 --format json ") +
                          kQuick,
                      dir);
  ASSERT_EQ(r.status, 0) << r.err;
  bench_json::Value doc = bench_json::parse(r.out);
  EXPECT_EQ(doc.at("settings").at("max call s").str, "0.001");
  int skipped = 0;
  for (const bench_json::Value& row : doc.at("results").items)
    if (row.at("status").str == "skipped") {
      ++skipped;
      const std::string why = row.at("failure").str;
      EXPECT_NE(why.find("(> --max-call 0.001 s)"), std::string::npos) << why;
      EXPECT_EQ(why.find("took 0 s"), std::string::npos) << why;
    }
  EXPECT_EQ(skipped, 1) << "naive at 256³ takes far longer than a millisecond\n" << r.out;
  for (const char* bad : {"0", "-1", "nan", "-nan", "inf", "0.5x"}) {
    Result b = hk_bench(std::string("--max-call ") + bad, dir);
    EXPECT_EQ(b.status, 2) << bad;
    EXPECT_NE(b.err.find("--max-call"), std::string::npos) << b.err;
  }
}

TEST(BenchCliEdges, BadSimulatorScheduleIsAUsageErrorBeforeMeasuring) {
  fs::path dir = work_dir("edge_sim_schedule");
  Result r = hk_bench(std::string("--op relu:f32 --sizes 64 --threads 1 ") + kQuick, dir, "HK_SIM_SCHEDULE=bad");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.err.find("HK_SIM_SCHEDULE='bad'"), std::string::npos) << r.err;
  for (const char* accepted : {"forward", "reverse", "random", "random:SEED"})
    EXPECT_NE(r.err.find(accepted), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(kMeasuring), std::string::npos) << r.err;
  Result sweep = hk_bench(std::string("sweep --op relu:f32 --sizes 64 ") + kQuick, dir, "HK_SIM_SCHEDULE=random:x");
  EXPECT_EQ(sweep.status, 2) << sweep.out;
  EXPECT_NE(sweep.err.find("HK_SIM_SCHEDULE"), std::string::npos) << sweep.err;
  Result good = hk_bench(std::string("--op relu:f32 --sizes 64 --threads 1 ") + kQuick, dir, "HK_SIM_SCHEDULE=random:7");
  EXPECT_EQ(good.status, 0) << good.err;
}

TEST(BenchCliEdges, BadBreakSwitchEmptyListsAndEmptyValuesAreUsageErrors) {
  fs::path dir = work_dir("edge_empty");
  const std::string quick = std::string(" --threads 1 ") + kQuick;
  for (const char* value : {"garbage", "relu/cpu/nosuch", "relu:i32/cpu/naive", "matmul/cpu", ","}) {
    Result r = hk_bench("--op relu:f32 --sizes 64" + quick, dir, std::string("HK_BENCH_BREAK=") + value);
    EXPECT_EQ(r.status, 2) << value << "\n" << r.out;
    EXPECT_NE(r.err.find("HK_BENCH_BREAK"), std::string::npos) << value << "\n" << r.err;
    EXPECT_NE(r.err.find("op[:dtype]/backend/variant"), std::string::npos) << value << "\n" << r.err;
    EXPECT_EQ(r.err.find(kMeasuring), std::string::npos) << r.err;
  }
  const std::pair<const char*, const char*> cases[] = {{"--op relu:f32 --sizes ,", "--sizes"},
                                                       {"--op relu:f32 --sizes 64,,128", "--sizes"},
                                                       {"--op= --sizes 64", "--op"},
                                                       {"--op relu:f32 --sizes 64 --variant ,", "--variant"},
                                                       {"--op relu:f32 --sizes 64 --output=", "--output"},
                                                       {"--op relu:f32 --sizes 64 --threads ,", "--threads"}};
  for (const auto& [args, option] : cases) {
    Result r = hk_bench(args + quick, dir);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.out;
    EXPECT_NE(r.err.find(option), std::string::npos) << args << "\n" << r.err;
    EXPECT_EQ(r.err.find(kMeasuring), std::string::npos) << r.err;
  }
}

TEST(BenchCliEdges, UnwritableOutputIsReportedWithItsReasonBeforeMeasuring) {
  fs::path dir = work_dir("edge_output");
  for (const char* option : {"--output", "--html"})
    for (const char* command : {"", "sweep "}) {
      Result r = hk_bench(std::string(command) + "--op relu:f32 --sizes 64 " + option + " /nonexistent/dir/x.json" +
                              " --threads 1 " + kQuick,
                          dir);
      EXPECT_EQ(r.status, 2) << option << "\n" << r.out;
      EXPECT_NE(r.err.find(option), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("/nonexistent/dir/x.json"), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.err;
      EXPECT_EQ(r.err.find(kMeasuring), std::string::npos) << r.err;
    }
  // The check leaves no file behind, and a writable path still gets the report.
  fs::path out = dir / "report.json";
  Result ok = hk_bench("--op relu:f32 --sizes 64 --format json --output " + out.string() + " --threads 1 " + kQuick, dir);
  ASSERT_EQ(ok.status, 0) << ok.err;
  EXPECT_NO_THROW(bench_json::parse(read_file(out)));
}

TEST(BenchCliEdges, ThreadCountsAboveFourTimesTheCpusAreRejected) {
  fs::path dir = work_dir("edge_threads");
  const int cpus = std::max(1, int(std::thread::hardware_concurrency()));
  Result r = hk_bench("--op relu:f32 --sizes 64 --threads " + std::to_string(4 * cpus + 1) + " " + kQuick, dir);
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.err.find("--threads"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(std::to_string(4 * cpus)), std::string::npos) << "the limit is named:\n" << r.err;
  EXPECT_EQ(r.err.find(kMeasuring), std::string::npos) << r.err;
  Result help = hk_bench("--help", dir);
  EXPECT_NE(help.out.find("4x the CPUs"), std::string::npos) << "the limit is documented:\n" << help.out;
}

// A cuda_sim variant whose check fails is one FAILED row with no number, never also listed
// as validated (the simulator's rows take their own path through the runner).
TEST(BenchCli, ABrokenSimulatedVariantIsOnlyFailed) {
  if (!has_sim_variant("relu", "naive")) GTEST_SKIP() << "no cuda_sim variant 'naive' of relu in this build";
  fs::path dir = work_dir("sim_broken");
  Result r = hk_bench(std::string("--op relu:f32 --sizes 48 --threads 1 --format json ") + kQuick, dir,
                      "HK_BENCH_BREAK=relu/cuda_sim/naive");
  ASSERT_EQ(r.status, 1) << "a FAILED row must make hk-bench exit 1\n" << r.err;
  bench_json::Value doc = bench_json::parse(r.out);
  expect_valid(doc);
  EXPECT_EQ(doc.at("failures").num, 1);
  int rows = 0;
  for (const bench_json::Value& row : doc.at("results").items) {
    if (row.at("backend").str != "cuda_sim" || row.at("variant").str != "naive") continue;
    ++rows;
    EXPECT_EQ(row.at("status").str, "failed");
    EXPECT_TRUE(row.at("time_ms").is_null());
  }
  EXPECT_EQ(rows, 1) << r.out;
}

// ---- the HTML report in a real browser ---------------------------------------------------

std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    std::string cmd = std::string("command -v ") + name + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) return name;
  }
  return "";
}

std::string chromium_command(const std::string& chromium, const fs::path& dir) {
  char profile[] = "/tmp/hk-chromium-XXXXXX";
  std::string user_data = mkdtemp(profile) ? profile : (dir / "profile").string();
  return "timeout 120 " + chromium +
         " --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking"
         " --disable-component-update --disable-sync --hide-scrollbars --user-data-dir=" + user_data;
}

TEST(BenchHtml, RendersInHeadlessChromiumWithSizedCharts) {
  std::string chromium = find_chromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium not installed (Debian package: chromium); the HTML render test needs it";
  fs::path dir = work_dir("html");
  fs::path report = dir / "report.html";
  Result r = hk_bench(std::string("--op matmul:f32,relu:f32 --sizes 32,64 --threads 1,2 --html ") + report.string() + " " + kQuick,
                   dir, "HK_BENCH_BREAK=relu/cpu/naive");
  ASSERT_EQ(r.status, 1) << r.err;  // the broken relu
  std::string html = read_file(report);
  ASSERT_FALSE(html.empty());
  EXPECT_EQ(html.find("<script"), std::string::npos) << "the report must work without scripts";

  // A copy with a measuring script: the browser reports each chart's rendered size.
  std::string probe = html;
  const std::string script = R"(<script>
const out = [];
for (const svg of document.querySelectorAll('svg.chart')) {
  const r = svg.getBoundingClientRect();
  out.push({id: svg.id, w: Math.round(r.width), h: Math.round(r.height),
            bars: svg.querySelectorAll('rect.bar').length, failed: svg.querySelectorAll('rect.failed').length,
            lines: svg.querySelectorAll('polyline.series').length});
}
const pre = document.createElement('pre');
pre.id = 'hk-measure';
pre.textContent = JSON.stringify({charts: out, width: document.documentElement.scrollWidth});
document.body.appendChild(pre);
</script>)";
  probe.insert(probe.rfind("</body>"), script);
  std::ofstream(dir / "probe.html") << probe;
  std::string base = chromium_command(chromium, dir);
  std::string dom_cmd = base + " --window-size=1200,900 --dump-dom file://" + (dir / "probe.html").string() + " >" +
                        (dir / "dom.html").string() + " 2>" + (dir / "chromium.log").string();
  ASSERT_EQ(std::system(dom_cmd.c_str()), 0) << read_file(dir / "chromium.log");
  std::string dom = read_file(dir / "dom.html");
  auto start = dom.find("<pre id=\"hk-measure\">");
  ASSERT_NE(start, std::string::npos) << "the measuring script did not run";
  start += std::string("<pre id=\"hk-measure\">").size();
  std::string json = dom.substr(start, dom.find("</pre>", start) - start);
  bench_json::Value m = bench_json::parse(json);

  int ladders = 0, sizes = 0, threads = 0, failed = 0;
  for (const bench_json::Value& c : m.at("charts").items) {
    const std::string id = c.at("id").str;
    SCOPED_TRACE(id);
    EXPECT_GE(c.at("w").num, 400);  // drawn at its size, not collapsed
    EXPECT_GE(c.at("h").num, 100);
    EXPECT_LE(c.at("w").num, 1200);  // and within the window
    if (id.rfind("ladder-", 0) == 0) {
      ++ladders;
      EXPECT_GT(c.at("bars").num + c.at("failed").num, 0);
      failed += int(c.at("failed").num);
    } else if (id.rfind("sizes-", 0) == 0) {
      ++sizes;
      EXPECT_GT(c.at("lines").num, 0);
    } else if (id.rfind("threads-", 0) == 0) {
      ++threads;
      EXPECT_GT(c.at("lines").num, 0);
    }
  }
  EXPECT_EQ(ladders, 4);  // matmul and relu, two sizes each
  EXPECT_EQ(sizes, 2);    // one size sweep per op
  EXPECT_GE(threads, 2);  // the peers run at 1 and 2 threads
  EXPECT_EQ(failed, 2);   // the broken relu at both sizes, drawn as FAILED
  EXPECT_LE(m.at("width").num, 1200) << "the page overflows the window horizontally";

  // A screenshot, for people to look at (kept in the build tree).
  fs::path png = dir / "report.png";
  std::string shot = base + " --window-size=1200,2400 --screenshot=" + png.string() + " file://" + report.string() +
                     " >" + (dir / "chromium-shot.log").string() + " 2>&1";
  ASSERT_EQ(std::system(shot.c_str()), 0) << read_file(dir / "chromium-shot.log");
  std::string bytes = read_file(png);
  ASSERT_GT(bytes.size(), 24u);
  EXPECT_EQ(bytes.substr(1, 3), "PNG");
  auto be32 = [&](size_t at) {
    return (uint32_t(uint8_t(bytes[at])) << 24) | (uint32_t(uint8_t(bytes[at + 1])) << 16) |
           (uint32_t(uint8_t(bytes[at + 2])) << 8) | uint32_t(uint8_t(bytes[at + 3]));
  };
  EXPECT_EQ(be32(16), 1200u);  // IHDR width
  EXPECT_EQ(be32(20), 2400u);  // IHDR height
}

}  // namespace
