// Concurrency: more host threads than cores call every registered host variant at once,
// while another thread resizes the pool and another makes pool workers throw. Every result
// must be bit-identical to the same call made alone. Built from the registry, so new
// variants (SIMD, parallel, cuda_sim) are covered when they are registered.
//
// HK_TEST_CONCURRENCY_SECONDS sets how long the mixed phase runs (default 2).
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <thread>

#include "hk/registry.hpp"
#include "test_util.hpp"

namespace {

using hk::DType;
using hk::Tensor;

using hk_test::bytes_of;

struct Job {
  std::string name;
  std::function<std::vector<uint8_t>()> run;
  std::vector<uint8_t> expected;  // from a run with nothing else going on
};

using Inputs = hk_test::OpOperands;

// One job per (host variant, dtype, threads), plus the composite ops. `host` is big enough
// that parallel variants split the work; the simulator (functional, slow — slower still
// under TSan) gets `simulated`.
std::vector<Job> make_jobs(const Inputs& host, const Inputs& simulated) {
  std::vector<Job> jobs;
  for (const hk::VariantInfo& v : hk::variants()) {
    if (!v.supported || v.backend == hk::Backend::cuda) continue;
    const Inputs& in = v.backend == hk::Backend::cuda_sim ? simulated : host;
    for (DType t : v.dtypes)
      for (int threads : {1, 2, 3}) {
        hk::Options o{v.backend, v.variant, threads};
        const hk::OpDef& d = hk::op_def(v.op);
        const hk::OpArgs args = in.args(d, t);
        std::function<std::vector<uint8_t>()> run = [&d, args, o] { return bytes_of(d, d.call(args, o, nullptr)); };
        jobs.push_back({hk::to_string(v.backend) + "/" + v.op + "/" + v.variant + " " + hk::to_string(t) +
                            " threads=" + std::to_string(threads),
                        std::move(run),
                        {}});
      }
  }
  const Inputs& in = host;
  jobs.push_back({"quantized_matmul", [&in] { return bytes_of(hk::quantized_matmul(in.af, in.bf, 0.03f, 0.03f)); }, {}});
  jobs.push_back({"quantized_relu", [&in] { return bytes_of(hk::quantized_relu(in.xf, 0.03f)); }, {}});
  jobs.push_back({"parallel_map", [&in] {
                    std::vector<Tensor> batch = {in.xf, in.yf, in.xf, in.yf, in.xf};
                    std::vector<uint8_t> all;
                    for (const Tensor& t : hk::parallel_map(batch, [](const Tensor& t) { return hk::relu(t); }))
                      for (uint8_t b : bytes_of(t)) all.push_back(b);
                    return all;
                  }, {}});
  return jobs;
}

double seconds_budget() {
  const char* env = std::getenv("HK_TEST_CONCURRENCY_SECONDS");
  return env && *env ? std::atof(env) : 2.0;
}

TEST(Concurrency, MixedCallsMatchSerialResults) {
  // Big enough that every parallel variant splits at threads 2 and 3: the GEMMs pass their
  // inline bound (2^24 multiply-adds), and the vectors every elementwise grain (i8 relu's
  // is the largest).
  const Inputs host = Inputs::random(257, 263, 255, 524365), simulated = Inputs::random(13, 17, 11, 1001);
  std::vector<Job> jobs = make_jobs(host, simulated);
  ASSERT_FALSE(jobs.empty());
  const int pool_before = hk::num_threads();
  for (Job& j : jobs) j.expected = j.run();

  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const int callers = static_cast<int>(2 * cores + 1);  // more host threads than cores
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds_budget());
  std::atomic<bool> stop{false};
  std::atomic<int64_t> calls{0}, resizes{0}, worker_throws{0};
  std::vector<std::atomic<int64_t>> mismatches(jobs.size());
  std::vector<std::string> errors(static_cast<size_t>(callers) + 1);  // the last: the throwing thread

  std::vector<std::thread> threads;
  for (int t = 0; t < callers; ++t)
    threads.emplace_back([&, t] {
      // Each caller walks the jobs in its own order, so every pair of jobs meets.
      size_t i = static_cast<size_t>(t) * 7919 % jobs.size();
      try {
        while (!stop.load(std::memory_order_relaxed)) {
          if (jobs[i].run() != jobs[i].expected) mismatches[i]++;
          calls++;
          i = (i + 1 + static_cast<size_t>(t)) % jobs.size();
        }
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(t)] = e.what();
      }
    });
  // set_num_threads while the callers compute.
  threads.emplace_back([&] {
    for (int n = 0; !stop.load(std::memory_order_relaxed); ++n) {
      hk::set_num_threads(1 + n % 4);
      resizes++;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  // A pool job whose workers throw: the error reaches this caller; the pool goes on.
  threads.emplace_back([&] {
    std::vector<Tensor> batch(16, Tensor::zeros({2, 2}));
    batch[11] = Tensor::zeros({3, 3});
    auto op = [](const Tensor& x) { return hk::matmul(x, Tensor::zeros({2, 2})); };
    while (!stop.load(std::memory_order_relaxed)) {
      try {
        hk::parallel_map(batch, op, 4);
        errors.back() = "parallel_map did not rethrow the worker's error";
        return;
      } catch (const hk::InvalidArgument&) {
        worker_throws++;
      }
    }
  });
  while (std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop = true;
  for (auto& th : threads) th.join();

  for (const std::string& e : errors) EXPECT_TRUE(e.empty()) << e;
  for (size_t i = 0; i < jobs.size(); ++i)
    EXPECT_EQ(mismatches[i].load(), 0) << jobs[i].name << " gave a result that differs from its serial run";
  EXPECT_GT(calls.load(), 0);
  EXPECT_GT(resizes.load(), 0);
  EXPECT_GT(worker_throws.load(), 0);
  std::printf("[concurrency] %d caller threads on %u cores: %lld calls over %zu jobs, %lld pool resizes, "
              "%lld rethrown worker errors\n",
              callers, cores, static_cast<long long>(calls.load()), jobs.size(),
              static_cast<long long>(resizes.load()), static_cast<long long>(worker_throws.load()));

  // Afterwards the pool still works and every job still gives its serial result.
  hk::set_num_threads(pool_before);
  EXPECT_EQ(hk::num_threads(), pool_before);
  for (const Job& j : jobs) EXPECT_EQ(j.run(), j.expected) << j.name << " after the concurrent phase";
}

// Resizing the pool ends its worker threads and with them the simulator's fiber stacks;
// new workers map new stacks, often at the same addresses. Every cuda_sim row must still
// give its result. (Regression: under ASan the new stacks inherited the old ones' poisoned
// frames and the register-tiled matmul's first write into its accumulators failed.)
TEST(Concurrency, SimulatorRowsAfterPoolResizes) {
  const Inputs in = Inputs::random(23, 29, 19, 777);
  const int pool_before = hk::num_threads();
  int rows = 0;
  for (const hk::VariantInfo& v : hk::variants()) {
    if (v.backend != hk::Backend::cuda_sim || !v.supported) continue;
    for (DType t : v.dtypes) {
      SCOPED_TRACE(v.op + "/" + v.variant + " " + hk::to_string(t));
      hk::Options o{v.backend, v.variant, 3};
      const hk::OpDef& d = hk::op_def(v.op);
      auto run = [&, args = in.args(d, t)] { return bytes_of(d, d.call(args, o, nullptr)); };
      const std::vector<uint8_t> first = run();
      for (int n : {1, 4, 2, 3}) {
        hk::set_num_threads(n);
        EXPECT_EQ(run(), first) << "after set_num_threads(" << n << ")";
      }
      ++rows;
    }
  }
  hk::set_num_threads(pool_before);
  EXPECT_GT(rows, 0);
}

}  // namespace
