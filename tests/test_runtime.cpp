// Backends, variants, defaults, CPU features: what hk says about the machine.
#include <sched.h>
#include <sys/wait.h>

#include <cstdio>

#include "hk/cpu_features.hpp"
#include "hk/op_table.hpp"
#include "hk/registry.hpp"
#include "test_util.hpp"

namespace {

TEST(Runtime, BackendsListsEveryBackend) {
  auto bs = hk::backends();
  ASSERT_EQ(bs.size(), 3u);
  EXPECT_EQ(bs[0].backend, hk::Backend::cpu);
  EXPECT_TRUE(bs[0].available);
  EXPECT_FALSE(bs[0].devices.empty());
  for (const auto& b : bs) {
    EXPECT_EQ(b.name, hk::to_string(b.backend));
    if (!b.available) {
      EXPECT_FALSE(b.reason.empty()) << b.name;
    }
  }
}

TEST(Runtime, AutomaticResolvesToAnAvailableBackend) {
  hk::Backend b = hk::resolve_backend(hk::Backend::automatic);
  for (const auto& info : hk::backends()) {
    if (info.backend == b) {
      EXPECT_TRUE(info.available);
    }
  }
}

TEST(Runtime, DefaultBackendCanBeSet) {
  hk::Backend before = hk::default_backend();
  hk::set_default_backend(hk::Backend::cpu);
  EXPECT_EQ(hk::default_backend(), hk::Backend::cpu);
  EXPECT_EQ(hk::relu(hk::Tensor::full({2}, -1.0)).to_vector<float>(), std::vector<float>(2, 0.0f));
  hk::set_default_backend(before);
}

// Runs tests/process_checks.cpp in `mode` with the environment assignments `env` (HK_BACKEND,
// HK_NUM_THREADS and HK_CALL_TIMING are otherwise unset), returns its exit code (−1 when it
// did not exit normally) and everything it printed.
std::pair<int, std::string> run_process_checks(const std::string& env, const std::string& mode) {
  const std::string cmd = "env -u HK_BACKEND -u HK_NUM_THREADS -u HK_CALL_TIMING " + env + " '" +
                          HK_PROCESS_CHECKS_EXE + "' " + mode + " 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, "popen failed"};
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// "VAR=value ... mode": the environment, then a mode of one word.
std::pair<int, std::string> run_process_checks(const std::string& args) {
  return run_process_checks(args.substr(0, args.rfind(' ') + 1), args.substr(args.rfind(' ') + 1));
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A program may call hk from a static object's destructor, after main has returned: the
// registry, the pool and the per-thread buffers outlive every static object.
TEST(Runtime, OpsRunFromAStaticDestructorAfterMain) {
  auto [code, out] = run_process_checks("ops-after-main");
  EXPECT_EQ(code, 0) << out;
}

// A wrong HK_NUM_THREADS or HK_BACKEND is reported once on stderr, naming the variable and
// the accepted values; hk runs with the default, and what the code sets wins.
TEST(Runtime, BadEnvironmentValuesWarnOnceAndTheCodeWins) {
  auto [code, out] = run_process_checks("HK_NUM_THREADS=lots HK_BACKEND=gpu bad-env");
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(count_of(out, "HK_NUM_THREADS='lots'"), 1u) << out;
  EXPECT_EQ(count_of(out, "1..1024"), 1u) << out;
  EXPECT_EQ(count_of(out, "HK_BACKEND='gpu'"), 1u) << out;
  EXPECT_EQ(count_of(out, "cpu, cuda, cuda_sim, auto"), 1u) << out;
  for (const char* bad : {"HK_NUM_THREADS=0", "HK_NUM_THREADS=-3", "HK_NUM_THREADS=2x", "HK_BACKEND=CPU"}) {
    auto [c, o] = run_process_checks(std::string(bad) + " bad-env");
    EXPECT_EQ(c, 0) << bad << "\n" << o;
    EXPECT_EQ(count_of(o, std::string(bad).substr(0, std::string(bad).find('='))), 1u) << bad << "\n" << o;
  }
}

// Host calls time themselves only when asked: HK_CALL_TIMING=1 at start, or set_call_timing.
// Unset or 0 leaves them untimed; anything else warns once, naming the variable and the
// accepted values, and leaves them untimed.
TEST(Runtime, HostCallTimingFollowsHkCallTimingAndTheCode) {
  for (const char* env : {"", "HK_CALL_TIMING=0", "HK_CALL_TIMING=1"}) {
    const bool on = std::string_view(env) == "HK_CALL_TIMING=1";
    auto [code, out] = run_process_checks(env, on ? "call-timing 1" : "call-timing 0");
    EXPECT_EQ(code, 0) << env << "\n" << out;
    EXPECT_EQ(count_of(out, "HK_CALL_TIMING"), 0u) << env << "\n" << out;
  }
  auto [code, out] = run_process_checks("HK_CALL_TIMING=yes", "call-timing 0");
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(count_of(out, "HK_CALL_TIMING='yes' is not 0 or 1"), 1u) << out;
}

// The default pool is as large as the CPUs the process may use, not the machine's: pinned
// to one CPU (taskset), hk runs one thread.
TEST(Runtime, DefaultThreadsFollowTheCpusTheProcessMayUse) {
  cpu_set_t set;
  ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  int first = 0;
  while (!CPU_ISSET(first, &set)) ++first;
  const std::string cmd = "env -u HK_NUM_THREADS taskset -c " + std::to_string(first) + " '" +
                          HK_PROCESS_CHECKS_EXE + "' threads 1 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = pclose(p);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << cmd << "\n" << out;
}

TEST(Runtime, BackendNamesRoundTrip) {
  for (auto b : {hk::Backend::cpu, hk::Backend::cuda, hk::Backend::cuda_sim, hk::Backend::automatic})
    EXPECT_EQ(hk::parse_backend(hk::to_string(b)), b);
}

TEST(Runtime, VariantsDescribeTheRegistry) {
  auto all = hk::variants();
  EXPECT_EQ(all.size(), hk::Registry::get().rows().size());
  for (const auto& v : all) {
    EXPECT_FALSE(v.summary.empty()) << v.op << "/" << v.variant;
    EXPECT_FALSE(v.dtypes.empty()) << v.op << "/" << v.variant;
    EXPECT_FALSE(v.requirement.empty()) << v.op << "/" << v.variant;
    EXPECT_NE(v.variant, "fast");
    EXPECT_NE(v.variant, "opt");
  }
  for (const auto& v : hk::variants("matmul")) EXPECT_EQ(v.op, "matmul");
  EXPECT_TRUE(hk::variants("no_such_op").empty());
  // The naive and blocked CPU rungs exist for matmul.
  EXPECT_NE(hk::Registry::get().find("matmul", hk::Backend::cpu, "naive"), nullptr);
  EXPECT_NE(hk::Registry::get().find("matmul", hk::Backend::cpu, "blocked"), nullptr);
}

TEST(Runtime, WorkModels) {
  hk::Work w = hk::op_def("matmul").work({2, 3}, {3, 4}, hk::DType::f32);
  EXPECT_EQ(w.flops, 2.0 * 2 * 3 * 4);
  EXPECT_EQ(w.bytes, (6 + 12 + 8) * 4.0);
  hk::Work r = hk::op_def("relu").work({10}, {}, hk::DType::i8);
  EXPECT_EQ(r.bytes, 20.0);
  for (const auto& row : hk::Registry::get().rows()) EXPECT_NE(row.work, nullptr) << row.op;
}

// The op table and the registry agree: every op has rows and every row's op is in the
// table; ops() lists the table; an unknown name is an InvalidArgument listing the ops.
TEST(OpTable, IsTheListOfOps) {
  std::vector<std::string> names;
  for (const hk::OpDef& d : hk::op_table()) {
    names.emplace_back(d.name);
    EXPECT_EQ(hk::find_op(d.name), &d);
    EXPECT_FALSE(hk::variants(std::string(d.name)).empty()) << d.name;
    EXPECT_TRUE(d.operands == 1 || d.operands == 2) << d.name;
    EXPECT_FALSE(d.dtypes.empty()) << d.name;
  }
  EXPECT_EQ(hk::ops(), names);
  for (const auto& row : hk::Registry::get().rows()) EXPECT_NE(hk::find_op(row.op), nullptr) << row.op;
  EXPECT_EQ(hk::find_op("no_such_op"), nullptr);
  const std::string missing = hk_test::message_of<hk::InvalidArgument>(
      [] { hk::op_def("add").call({}, {}, nullptr); });
  EXPECT_NE(missing.find("operand x is missing"), std::string::npos) << missing;
  const std::string m = hk_test::message_of<hk::InvalidArgument>([] { hk::op_def("no_such_op"); });
  EXPECT_NE(m.find("'no_such_op'"), std::string::npos) << m;
  EXPECT_NE(m.find("euclidean_distance"), std::string::npos) << m;
}

// Every op through its row's call, both forms, on every dtype it takes: the result has the
// table's dtype and the input's shape (the op's own semantics are tested elsewhere).
TEST(OpTable, CallRunsTheOpInBothForms) {
  for (const hk::OpDef& d : hk::op_table())
    for (hk::DType t : d.dtypes) {
      SCOPED_TRACE(std::string(d.name) + " " + hk::to_string(t));
      const bool mm = d.shape == hk::OpShape::matmul || d.shape == hk::OpShape::linear;
      hk::Tensor x = hk::Tensor::full(mm ? hk::Shape{2, 3} : hk::Shape{5}, 2, t);
      hk::Tensor y = hk::Tensor::full(mm ? hk::Shape{3, 4} : hk::Shape{5}, 3, t);
      hk::OpArgs args{&x, d.operands == 2 ? &y : nullptr, 0.5f};
      if (d.shape == hk::OpShape::linear && t == hk::DType::i8)
        args.linear = {.weight_scales = hk::Tensor::full({4}, 0.5), .input_scale = 1.0f};
      const hk::Options o{hk::Backend::cpu, "naive"};
      hk::OpResult r = d.call(args, o, nullptr);
      if (!d.has_output()) {
        EXPECT_DOUBLE_EQ(r.value, d.name == "dot" ? 30.0 : std::sqrt(5.0));  // 5·2·3, sqrt(5·1²)
        continue;
      }
      EXPECT_EQ(r.tensor.dtype(), d.result_dtype(t));
      EXPECT_EQ(r.tensor.shape(), (mm ? hk::Shape{2, 4} : x.shape()));
      hk::Tensor out = hk::Tensor::empty(r.tensor.shape(), r.tensor.dtype());
      d.call(args, o, &out);
      EXPECT_EQ(hk_test::bytes_of(out), hk_test::bytes_of(r.tensor));
    }
}

// The registry's rows of one op and backend stand on distinct rungs for each dtype, so the
// automatic choice is the highest rung, and hk-bench's ladder order is the rung order.
TEST(Registry, AutomaticTakesTheHighestSupportedRung) {
  const hk::Registry& reg = hk::Registry::get();
  for (const hk::OpDef& d : hk::op_table())
    for (hk::Backend b : {hk::Backend::cpu, hk::Backend::cuda, hk::Backend::cuda_sim})
      for (hk::DType t : d.dtypes) {
        const hk::VariantRow* want = nullptr;
        for (const hk::VariantRow& r : reg.rows())
          if (r.op == d.name && r.backend == b && hk::Registry::kernel_for(r, t) && hk::Registry::supported(r) &&
              (!want || r.rung > want->rung))
            want = &r;
        EXPECT_EQ(reg.best(d.name, b, t), want) << d.name << " " << hk::to_string(b) << " " << hk::to_string(t);
      }
  const hk::VariantRow* vnni = reg.find("matmul", hk::Backend::cpu, "vnni");
  ASSERT_NE(vnni, nullptr);
  EXPECT_GT(vnni->rung, reg.find("matmul", hk::Backend::cpu, "parallel")->rung);
  EXPECT_GT(reg.find("matmul", hk::Backend::cpu, "blocked")->rung, reg.find("matmul", hk::Backend::cpu, "naive")->rung);
}

// A renamed variant's former name still selects it in Options.
TEST(Registry, FormerNamesStillSelectTheirVariant) {
  if (!hk::Registry::get().find("relu", hk::Backend::cuda_sim, "naive")) GTEST_SKIP() << "no cuda_sim rows in this build";
  hk::Tensor x = hk::Tensor::from_vector<float>({-1, 2, -3, 4}, {4});
  hk::Tensor a = hk::relu(x, {hk::Backend::cuda_sim, "elementwise", 1});
  EXPECT_EQ(hk::last_call_timing().variant, "naive");
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{0, 2, 0, 4}));
}

TEST(Runtime, CpuFeaturesAreConsistent) {
  const hk::CpuFeatures& d = hk::detected_cpu_features();
  const hk::CpuFeatures& f = hk::cpu_features();
  // The cap only removes features.
  EXPECT_LE(f.avx2, d.avx2);
  EXPECT_LE(f.avx512f, d.avx512f);
  EXPECT_LE(f.avx512vnni, d.avx512vnni);
  if (f.avx512f) {
    EXPECT_TRUE(f.avx2);
  }
  std::string isa = hk::cpu_isa_name();
  EXPECT_TRUE(isa == "avx512" || isa == "avx2" || isa == "sse4" || isa == "scalar") << isa;
  switch (hk::isa_cap()) {
    case hk::IsaCap::scalar: EXPECT_EQ(isa, "scalar"); break;
    case hk::IsaCap::avx2: EXPECT_FALSE(f.avx512f); break;
    default: break;
  }
}

}  // namespace

#include "cpu/simd_targets.hpp"

namespace {

// Highway dispatch follows HK_CPU_ISA: the target it picks is no wider than the cap.
TEST(Runtime, SimdTargetFollowsIsaCap) {
  std::string t = hk::cpu::simd_target_name();
  switch (hk::isa_cap()) {
    case hk::IsaCap::scalar: EXPECT_EQ(t, "SCALAR"); break;
    case hk::IsaCap::avx2: EXPECT_TRUE(t == "AVX2" || t == "SSE4" || t == "SSSE3" || t == "SCALAR") << t; break;
    default:
      if (hk::cpu_features().has_avx512()) {
        EXPECT_TRUE(t.rfind("AVX3", 0) == 0) << t;
      }
  }
}

}  // namespace
