// Checks that need a process of their own, run by tests/test_runtime.cpp:
//   process_checks ops-after-main  hk ops called from a static object's destructor, after
//                                  main returned and hk's own statics were used (so, without
//                                  care, already destroyed). Exits 0 when every result is right.
//   process_checks bad-env         run with HK_NUM_THREADS and HK_BACKEND set to nonsense:
//                                  hk warns, uses the defaults, and the code's settings win.
//   process_checks threads N       exits 0 when hk's default pool has N threads (run under
//                                  taskset: the pool follows the CPUs the process may use).
//   process_checks call-timing 0|1 exits 0 when host calls start untimed (0) or timed (1), as
//                                  HK_CALL_TIMING set them, and set_call_timing switches them.
// A failure prints what was wrong and exits non-zero.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "hk/hk.hpp"

namespace {

bool ok = true;

void expect(bool condition, const std::string& what) {
  if (condition) return;
  std::fprintf(stderr, "process_checks: %s\n", what.c_str());
  ok = false;
}

// Small integers: every product and sum below is exact in float, so the reference is exact.
float value(int64_t i, int salt) { return static_cast<float>((i * 7 + salt) % 9 - 4); }

// relu over enough elements for the parallel variant to use the pool, and matmuls large
// enough to pack their operands (per-thread buffers), on cpu and cuda_sim.
void check_ops(const std::string& when) {
  try {
    const int64_t n = 1 << 18;
    std::vector<float> x(static_cast<std::size_t>(n));
    for (int64_t i = 0; i < n; ++i) x[std::size_t(i)] = value(i, 1);
    std::vector<float> relu_expected(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) relu_expected[i] = x[i] > 0 ? x[i] : 0.0f;
    const hk::Tensor tx = hk::Tensor::from_vector(x, {n});
    expect(hk::relu(tx).to_vector<float>() == relu_expected, when + ": relu is wrong");

    const int64_t m = 67, k = 129, p = 45;
    std::vector<float> a(std::size_t(m * k)), b(std::size_t(k * p)), c(std::size_t(m * p), 0.0f);
    std::vector<int8_t> ai(a.size()), bi(b.size());
    std::vector<int32_t> ci(c.size(), 0);
    for (std::size_t i = 0; i < a.size(); ++i) ai[i] = static_cast<int8_t>(a[i] = value(int64_t(i), 2));
    for (std::size_t i = 0; i < b.size(); ++i) bi[i] = static_cast<int8_t>(b[i] = value(int64_t(i), 5));
    for (int64_t r = 0; r < m; ++r)
      for (int64_t j = 0; j < p; ++j)
        for (int64_t q = 0; q < k; ++q) {
          c[std::size_t(r * p + j)] += a[std::size_t(r * k + q)] * b[std::size_t(q * p + j)];
          ci[std::size_t(r * p + j)] += int32_t{ai[std::size_t(r * k + q)]} * bi[std::size_t(q * p + j)];
        }
    const hk::Tensor ta = hk::Tensor::from_vector(a, {m, k}), tb = hk::Tensor::from_vector(b, {k, p});
    const hk::Tensor tai = hk::Tensor::from_vector(ai, {m, k}), tbi = hk::Tensor::from_vector(bi, {k, p});
    for (hk::Backend backend : {hk::Backend::cpu, hk::Backend::cuda_sim}) {
      const std::string on = when + ", " + hk::to_string(backend) + ": ";
      expect(hk::matmul(ta, tb, {backend}).to_vector<float>() == c, on + "matmul f32 is wrong");
      expect(hk::matmul(tai, tbi, {backend}).to_vector<int32_t>() == ci, on + "matmul i8 is wrong");
      expect(hk::relu(tx, {backend}).to_vector<float>() == relu_expected, on + "relu is wrong");
    }
    std::vector<hk::Tensor> batch(5, tx);
    for (const hk::Tensor& r : hk::parallel_map(batch, [](const hk::Tensor& t) { return hk::relu(t); }, 2))
      expect(r.to_vector<float>() == relu_expected, when + ": parallel_map is wrong");
    expect(hk::backends().size() == 3, when + ": backends() is wrong");
  } catch (const std::exception& e) {
    expect(false, when + ": " + e.what());
  }
}

struct OpsAtExit {
  ~OpsAtExit() {
    check_ops("in a static destructor after main returned");
    std::fflush(stderr);
    std::_Exit(ok ? 0 : 1);
  }
};

int ops_after_main() {
  // Constructed before any of hk's function-local statics, so destroyed after them.
  static OpsAtExit at_exit;
  check_ops("in main");
  return ok ? 3 : 2;  // returning runs the destructor above, which exits with 0 or 1
}

int bad_env() {
  try {
    const unsigned hw = std::thread::hardware_concurrency();
    expect(hk::num_threads() == static_cast<int>(hw ? hw : 1), "a bad HK_NUM_THREADS does not give the default");
    expect(hk::default_backend() == hk::Backend::automatic, "a bad HK_BACKEND does not give auto");
    expect(hk::backends().size() == 3, "backends() is wrong");
    const hk::Tensor x = hk::Tensor::from_vector<float>({-1.0f, 2.0f}, {2});
    for (int i = 0; i < 3; ++i) expect(hk::relu(x).to_vector<float>() == std::vector<float>{0.0f, 2.0f}, "relu is wrong");
    hk::set_num_threads(2);
    expect(hk::num_threads() == 2, "set_num_threads(2) did not take");
    hk::set_default_backend(hk::Backend::cuda_sim);
    expect(hk::default_backend() == hk::Backend::cuda_sim, "set_default_backend(cuda_sim) did not take");
    expect(hk::relu(x).to_vector<float>() == std::vector<float>{0.0f, 2.0f}, "relu on cuda_sim is wrong");
    expect(hk::last_call_timing().backend == hk::Backend::cuda_sim, "relu did not run on the default set in code");
  } catch (const std::exception& e) {
    expect(false, std::string("threw: ") + e.what());
  }
  return ok ? 0 : 1;
}

// A matmul's record, timed or not as `want` says.
void expect_timed(bool want, const std::string& when) {
  const hk::Tensor a = hk::Tensor::randn({64, 64}, 1), b = hk::Tensor::randn({64, 64}, 2);
  hk::matmul(a, b, {hk::Backend::cpu});
  const hk::CallTiming& t = hk::last_call_timing();
  expect(t.op == "matmul" && t.backend == hk::Backend::cpu, when + ": the record does not name the call");
  expect(hk::call_timing() == want, when + ": call_timing() is " + (want ? "off" : "on"));
  expect(t.timed == want, when + ": the record's timed is " + (t.timed ? "true" : "false"));
  if (want)
    expect(t.kernel_ms > 0 && t.total_ms == t.kernel_ms, when + ": a timed host call has no time");
  else
    expect(t.kernel_ms == 0 && t.total_ms == 0, when + ": an untimed call has a time");
}

int call_timing(bool at_start) {
  try {
    expect_timed(at_start, "at start");
    hk::set_call_timing(!at_start);
    expect_timed(!at_start, "after set_call_timing");
  } catch (const std::exception& e) {
    expect(false, std::string("threw: ") + e.what());
  }
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view mode = argc > 1 ? argv[1] : "";
  if (mode == "ops-after-main") return ops_after_main();
  if (mode == "bad-env") return bad_env();
  if (mode == "call-timing" && argc > 2) return call_timing(std::string_view(argv[2]) == "1");
  if (mode == "threads" && argc > 2) {
    const int want = std::atoi(argv[2]);
    if (hk::num_threads() == want) return 0;
    std::fprintf(stderr, "process_checks: the default pool has %d threads, expected %d\n", hk::num_threads(), want);
    return 1;
  }
  std::fprintf(stderr, "usage: %s ops-after-main | bad-env | threads N | call-timing 0|1\n", argv[0]);
  return 64;
}
