// The persistent thread pool, parallel_map and time_kernel.
#include <sched.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <cstdlib>
#include <future>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>

#include "cpu/thread_pool.hpp"
#include "test_util.hpp"

namespace {

using hk::cpu::ThreadPool;
using hk_test::message_of;

// Runs fn on another thread and gives it `limit` to return. A call that never returns
// (a deadlock) ends the whole run with a message: it holds the pool, so every later test
// would hang behind it.
template <class F> void returns_within(std::chrono::seconds limit, const char* what, F fn) {
  auto done = std::async(std::launch::async, fn);
  if (done.wait_for(limit) != std::future_status::ready) {
    std::fprintf(stderr, "FAILED: %s did not return within %lld s: a deadlock\n", what,
                 static_cast<long long>(limit.count()));
    std::fflush(stderr);
    std::_Exit(1);
  }
  done.get();
}

TEST(ThreadPool, CoversEveryIndexOnce) {
  ThreadPool pool(4);
  for (int64_t n : {1, 2, 3, 7, 100, 1001, 65536}) {
    for (int64_t grain : {1, 3, 64}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      pool.parallel_for(n, grain, 4, [&](int64_t b, int64_t e) {
        EXPECT_LT(b, e);
        for (int64_t i = b; i < e; ++i) hits[size_t(i)]++;
      });
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[size_t(i)].load(), 1) << "n " << n << " i " << i;
    }
  }
}

TEST(ThreadPool, UsesSeveralThreadsAndRunsSmallWorkInline) {
  ThreadPool pool(3, /*cpus=*/3);  // three threads even on a machine with fewer CPUs
  std::mutex m;
  std::set<std::thread::id> ids;
  pool.parallel_for(3, 1, 3, [&](int64_t, int64_t) {
    std::lock_guard lock(m);
    ids.insert(std::this_thread::get_id());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // keep each chunk on its own thread
  });
  EXPECT_EQ(ids.size(), 3u);
  ids.clear();
  pool.parallel_for(10, 100, 3, [&](int64_t b, int64_t e) {  // below the grain: inline
    EXPECT_EQ(b, 0);
    EXPECT_EQ(e, 10);
    ids.insert(std::this_thread::get_id());
  });
  EXPECT_EQ(ids, std::set<std::thread::id>{std::this_thread::get_id()});
}

TEST(ThreadPool, NestedCallsRunInline) {
  ThreadPool pool(2);
  std::atomic<int> inner_calls{0};
  pool.parallel_for(2, 1, 2, [&](int64_t, int64_t) {
    std::thread::id me = std::this_thread::get_id();
    EXPECT_TRUE(ThreadPool::in_parallel_region());
    pool.parallel_for(100, 1, 2, [&](int64_t b, int64_t e) {
      EXPECT_EQ(std::this_thread::get_id(), me);
      EXPECT_EQ(e - b, 100);
      inner_calls++;
    });
  });
  EXPECT_EQ(inner_calls.load(), 2);
  EXPECT_FALSE(ThreadPool::in_parallel_region());
}

TEST(ThreadPool, FirstExceptionIsRethrownAndPoolKeepsWorking) {
  ThreadPool pool(2);
  for (int round = 0; round < 20; ++round) {
    EXPECT_THROW(pool.parallel_for(1000, 1, 2,
                                   [&](int64_t b, int64_t) {
                                     if (b >= 0) throw std::runtime_error("boom");
                                   }),
                 std::runtime_error);
    std::atomic<int64_t> sum{0};
    pool.parallel_for(1000, 1, 2, [&](int64_t b, int64_t e) { sum += e - b; });
    EXPECT_EQ(sum.load(), 1000);
  }
}

TEST(ThreadPool, ConcurrentCallersAndResize) {
  ThreadPool pool(2);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> errors{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&] {
      while (!stop) {
        std::atomic<int64_t> sum{0};
        pool.parallel_for(5000, 16, 3, [&](int64_t b, int64_t e) { sum += e - b; });
        if (sum != 5000) errors++;
      }
    });
  for (int i = 0; i < 50; ++i) pool.resize(1 + i % 3);
  stop = true;
  for (auto& t : callers) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_THROW(pool.resize(0), hk::InvalidArgument);
}

// Workers that wake late (asleep, or sharing one CPU with the caller) must neither hold up
// the caller nor touch a job after its parallel_for returned. Pinning the process to one
// CPU makes late workers the common case; every job's state outlives the job, so a body
// running late is detected, not a use-after-free.
TEST(ThreadPool, LateWorkersNeverRunAFinishedJob) {
  cpu_set_t saved, one;
  ASSERT_EQ(sched_getaffinity(0, sizeof(saved), &saved), 0);
  CPU_ZERO(&one);
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &saved)) {
      CPU_SET(c, &one);
      break;
    }
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  struct Job {
    std::atomic<bool> returned{false};
    std::atomic<int64_t> covered{0}, late{0};
  };
  std::vector<std::unique_ptr<Job>> jobs;
  {
    ThreadPool pool(3, /*cpus=*/3);  // three threads, whose workers inherit the one-CPU mask
    for (int j = 0; j < 1000; ++j) {
      jobs.push_back(std::make_unique<Job>());
      Job* job = jobs.back().get();
      pool.parallel_for(64, 1, 3, [job, j](int64_t b, int64_t e) {
        if (job->returned.load()) job->late++;
        if ((j + b) % 5 == 0) std::this_thread::yield();  // let workers in at varied moments
        job->covered += e - b;
      });
      job->returned = true;
      if (j % 3 == 0) std::this_thread::yield();  // ... and between jobs
      ASSERT_EQ(job->covered.load(), 64) << "job " << j;
    }
  }  // joins the workers: any late body has run by now
  ASSERT_EQ(sched_setaffinity(0, sizeof(saved), &saved), 0);
  int64_t late = 0;
  for (auto& job : jobs) late += job->late.load();
  EXPECT_EQ(late, 0);
}

// A job never runs on more threads than the pool's CPU budget, however many it asks for and
// however large the pool: more would only take turns on the same cores.
TEST(ThreadPool, JobsRunOnNoMoreThreadsThanCpus) {
  ThreadPool pool(16, /*cpus=*/2);
  std::mutex m;
  std::set<std::thread::id> ids;
  pool.parallel_for(64, 1, 16, [&](int64_t, int64_t) {
    {
      std::lock_guard lock(m);
      ids.insert(std::this_thread::get_id());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // give every woken worker a chunk
  });
  EXPECT_LE(ids.size(), 2u);
  EXPECT_EQ(pool.concurrency(), 2);
}

// cgroup CPU limits, v2 along the path and v1, from fixture folders.
TEST(CpuBudget, ReadsCgroupLimits) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("hk-cgroup-" + std::to_string(::getpid()));
  fs::remove_all(root);
  auto write = [](const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  };
  write(root / "v2/a/b/cpu.max", "max 100000\n");
  write(root / "v2/a/cpu.max", "150000 100000\n");
  EXPECT_DOUBLE_EQ(hk::cpu::cgroup_cpu_limit((root / "v2").string(), "0::/a/b\n"), 1.5);
  EXPECT_DOUBLE_EQ(hk::cpu::cgroup_cpu_limit((root / "v2").string(), "0::/elsewhere\n"), 0.0);
  write(root / "v1/cpu,cpuacct/docker/x/cpu.cfs_quota_us", "50000\n");
  write(root / "v1/cpu,cpuacct/docker/x/cpu.cfs_period_us", "100000\n");
  EXPECT_DOUBLE_EQ(hk::cpu::cgroup_cpu_limit((root / "v1").string(), "5:cpu,cpuacct:/docker/x\n1:name=systemd:/\n"), 0.5);
  write(root / "v1u/cpu/cpu.cfs_quota_us", "-1\n");
  write(root / "v1u/cpu/cpu.cfs_period_us", "100000\n");
  EXPECT_DOUBLE_EQ(hk::cpu::cgroup_cpu_limit((root / "v1u").string(), "3:cpu:/\n"), 0.0);
  fs::remove_all(root);
}

TEST(ThreadPool, GlobalPoolFollowsSetNumThreads) {
  int before = hk::num_threads();
  hk::set_num_threads(3);
  EXPECT_EQ(hk::num_threads(), 3);
  hk::set_num_threads(before);
  EXPECT_EQ(hk::num_threads(), before);
}

TEST(ParallelMap, AppliesOpToEveryItemInOrder) {
  std::vector<hk::Tensor> batch;
  for (int i = 0; i < 37; ++i) batch.push_back(hk::Tensor::full({3}, i - 18.0));
  auto out = hk::parallel_map(batch, [](const hk::Tensor& x) { return hk::relu(x); }, 2);
  ASSERT_EQ(out.size(), batch.size());
  for (int i = 0; i < 37; ++i) EXPECT_EQ(out[size_t(i)].to_vector<float>()[0], std::max(0, i - 18)) << i;
  EXPECT_TRUE(hk::parallel_map({}, [](const hk::Tensor& x) { return x; }).empty());
}

TEST(ParallelMap, RethrowsTheOpsError) {
  std::vector<hk::Tensor> batch(8, hk::Tensor::zeros({2, 2}));
  batch[5] = hk::Tensor::zeros({3, 3});
  auto op = [](const hk::Tensor& x) { return hk::matmul(x, hk::Tensor::zeros({2, 2})); };
  EXPECT_THROW(hk::parallel_map(batch, op, 2), hk::InvalidArgument);
}

// set_num_threads from inside parallel_map's op: the pool is running that op, so it cannot
// be resized under it. hk rejects the call instead of waiting for itself forever, whether
// the op runs inline (one item, one thread) or on the pool.
TEST(ParallelMap, SetNumThreadsInsideTheOpIsRejected) {
  const int before = hk::num_threads();
  std::vector<hk::Tensor> one(1, hk::Tensor::zeros({2})), many(16, hk::Tensor::zeros({2}));
  auto op = [](const hk::Tensor& x) {
    hk::set_num_threads(2);
    return x;
  };
  returns_within(std::chrono::seconds(30), "set_num_threads inside parallel_map's op", [&] {
    for (const auto* batch : {&one, &many})
      for (int threads : {1, 2, 0}) {
        SCOPED_TRACE(std::to_string(batch->size()) + " items, threads " + std::to_string(threads));
        std::string m = message_of<hk::InvalidArgument>([&] { hk::parallel_map(*batch, op, threads); });
        EXPECT_NE(m.find("set_num_threads"), std::string::npos) << m;
        EXPECT_NE(m.find("parallel_map"), std::string::npos) << m;
      }
  });
  EXPECT_EQ(hk::num_threads(), before);
  // Outside the op it works as before.
  returns_within(std::chrono::seconds(30), "set_num_threads after parallel_map", [&] {
    hk::set_num_threads(before == 3 ? 2 : 3);
    hk::set_num_threads(before);
  });
  EXPECT_EQ(hk::num_threads(), before);
}

// Every other hk call an op may make returns: ops, nested parallel_map, the settings.
TEST(ParallelMap, HkCallsInsideTheOpReturn) {
  std::vector<hk::Tensor> one(1, hk::Tensor::full({2}, -1.0)), many(16, hk::Tensor::full({2}, -1.0));
  auto op = [](const hk::Tensor& x) {
    hk::set_default_backend(hk::default_backend());
    EXPECT_GE(hk::num_threads(), 1);
    EXPECT_FALSE(hk::backends().empty());
    hk::time_kernel([] {}, {0, 1});
    std::vector<hk::Tensor> inner(3, x);
    return hk::parallel_map(inner, [](const hk::Tensor& t) { return hk::relu(t); }, 2).at(1);
  };
  returns_within(std::chrono::seconds(30), "hk calls inside parallel_map's op", [&] {
    for (const auto* batch : {&one, &many})
      for (int threads : {1, 2}) {
        auto out = hk::parallel_map(*batch, op, threads);
        ASSERT_EQ(out.size(), batch->size());
        for (const hk::Tensor& t : out) EXPECT_EQ(t.to_vector<float>(), std::vector<float>(2, 0.0f));
      }
  });
}

// An item that throws doesn't stop the others: every item runs, then the error of the
// first failing item (in batch order) is rethrown.
TEST(ParallelMap, EveryItemRunsBeforeTheErrorIsRethrown) {
  std::vector<hk::Tensor> batch;
  for (int i = 0; i < 100; ++i) batch.push_back(hk::Tensor::full({1}, i));
  for (int threads : {1, 2, 4}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    std::atomic<int> ran{0};
    auto op = [&](const hk::Tensor& x) {
      ++ran;
      const int i = static_cast<int>(x.to_vector<float>()[0]);
      if (i == 3 || i == 60) throw std::runtime_error("item " + std::to_string(i));
      return x;
    };
    try {
      hk::parallel_map(batch, op, threads);
      ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()), "item 3");
    }
    EXPECT_EQ(ran.load(), 100);
  }
}

TEST(TimeKernel, EmptyFunctionIsAnInvalidArgument) {
  std::string m = message_of<hk::InvalidArgument>([] { hk::time_kernel(std::function<void()>{}); });
  EXPECT_NE(m.find("time_kernel"), std::string::npos) << m;
}

TEST(TimeKernel, CountsWarmupAndRepeats) {
  int calls = 0;
  hk::Stats s = hk::time_kernel([&] { ++calls; }, {2, 7});
  EXPECT_EQ(calls, 9);
  EXPECT_EQ(s.repeats, 7);
  EXPECT_LE(s.min_ms, s.median_ms);
  EXPECT_LE(s.median_ms, s.max_ms);
  EXPECT_THROW(hk::time_kernel([] {}, {0, 0}), hk::InvalidArgument);
  EXPECT_THROW(hk::time_kernel([] {}, {-1, 3}), hk::InvalidArgument);
}

TEST(TimeKernel, MedianIgnoresOneSlowRun) {
  int call = 0;
  hk::Stats s = hk::time_kernel(
      [&] {
        if (++call == 3) std::this_thread::sleep_for(std::chrono::milliseconds(50));  // first timed run
      },
      {2, 5});
  EXPECT_GE(s.max_ms, 50.0);
  EXPECT_LT(s.median_ms, 25.0);
}

}  // namespace
