// Fault injection: the k-th host allocation of a call fails, for every k the call makes.
// Each failure must surface as hk::OutOfMemory naming the byte count, write nothing into
// the inputs, leak nothing, and leave hk able to run the same call correctly right after.
// Leaks are LeakSanitizer's to find: in the ASan+UBSan build every case ends with a leak
// check. (Counting heap bytes in use instead is too noisy: glibc keeps freed chunks in
// per-thread caches that mallinfo2 counts as in use.)
#include <exception>
#include <functional>
#include <thread>

#include "common/src/fault_injection.hpp"
#include "hk/registry.hpp"
#include "test_util.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define HK_TEST_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HK_TEST_LSAN 1
#endif
#endif
#ifdef HK_TEST_LSAN
#include <sanitizer/lsan_interface.h>
#endif

namespace {

namespace fi = hk::detail::fault_injection;
using hk::DType;
using hk::Tensor;

// Disarms even when an assertion returns early.
struct Armed {
  explicit Armed(int64_t k) { fi::arm(k); }
  ~Armed() { fi::disarm(); }
};

// A call under test: returns the bytes of its result so that a run after the failures can
// be compared with the run before them.
using Call = std::function<std::vector<uint8_t>()>;

using hk_test::bytes_of;

struct Outcome {
  int64_t allocations = 0;  // host allocations the call makes
  int64_t failures = 0;     // injected, each one surfaced as OutOfMemory
};

// Runs `call` with the k-th allocation failing for k = 1..n, where n is the number of
// host allocations one successful call makes. `inputs` must be unchanged by every failed call.
Outcome inject_every_allocation(const Call& call, const std::vector<const Tensor*>& inputs) {
  Outcome r;
  // Once unarmed first: scratch that persists between calls (the per-thread GEMM packing
  // buffers) is allocated by the first call only, and would be counted but never fail.
  std::vector<uint8_t> expected = call();
  {
    Armed count_only(0);
    expected = call();
    r.allocations = fi::allocations();
  }
  std::vector<std::vector<uint8_t>> before;
  for (const Tensor* t : inputs) before.push_back(bytes_of(*t));

  for (int64_t k = 1; k <= r.allocations; ++k) {
    SCOPED_TRACE("allocation " + std::to_string(k) + " of " + std::to_string(r.allocations));
    bool out_of_memory = false;
    try {
      Armed fail_kth(k);
      (void)call();
    } catch (const hk::OutOfMemory& e) {
      out_of_memory = true;
      EXPECT_GT(e.bytes(), 0u);
      EXPECT_NE(std::string(e.what()).find(std::to_string(e.bytes())), std::string::npos) << e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not OutOfMemory: " << e.what();
    }
    EXPECT_TRUE(out_of_memory) << "the failed allocation did not surface";
    r.failures += out_of_memory;
  }
  for (size_t i = 0; i < inputs.size(); ++i) EXPECT_EQ(bytes_of(*inputs[i]), before[i]) << "input " << i << " changed";
  EXPECT_EQ(call(), expected) << "hk gives a different result after the failures";
#ifdef HK_TEST_LSAN
  EXPECT_EQ(__lsan_do_recoverable_leak_check(), 0) << "LeakSanitizer found leaks (see its report above)";
#endif
  return r;
}

Tensor floats(hk::Shape s, unsigned seed) {
  return Tensor::from_vector(hk_test::normal_floats(size_t(hk_test::numel(s)), seed), s);
}

// The composite ops, the tensor factories and parallel_map: several allocations per call.
TEST(FaultInjection, CompositeOpsAndFactories) {
  Tensor a = floats({33, 40}, 1), b = floats({40, 17}, 2), x = floats({1000}, 3);
  Tensor q = Tensor::randn({1000}, 4, DType::i8);
  float sa = hk::symmetric_scale(a), sb = hk::symmetric_scale(b);
  std::vector<Tensor> batch;
  for (unsigned i = 0; i < 9; ++i) batch.push_back(floats({100 + i}, 10 + i));

  struct Case {
    const char* name;
    Call call;
    std::vector<const Tensor*> inputs;
  };
  const Case cases[] = {
      {"quantized_matmul f32", [&] { return bytes_of(hk::quantized_matmul(a, b, sa, sb)); }, {&a, &b}},
      {"quantized_relu f32", [&] { return bytes_of(hk::quantized_relu(x, 0.05f)); }, {&x}},
      {"quantized_relu i8", [&] { return bytes_of(hk::quantized_relu(q, 0.05f)); }, {&q}},
      {"clone", [&] { return bytes_of(x.clone()); }, {&x}},
      {"to(cpu)", [&] { return bytes_of(x.to(hk::Device::cpu())); }, {&x}},
      {"zeros", [&] { return bytes_of(Tensor::zeros({7, 9}, DType::i32)); }, {}},
      {"randn", [&] { return bytes_of(Tensor::randn({300}, 9)); }, {}},
      {"from_vector", [&] { return bytes_of(Tensor::from_vector(std::vector<int8_t>(50, 3), {5, 10})); }, {}},
      {"parallel_map relu",
       [&] {
         std::vector<uint8_t> all;
         for (const Tensor& t : hk::parallel_map(batch, [](const Tensor& t) { return hk::relu(t); }, 2)) {
           auto v = bytes_of(t);
           all.insert(all.end(), v.begin(), v.end());
         }
         return all;
       },
       {&batch[0], &batch[8]}},
  };
  int64_t total = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Outcome r = inject_every_allocation(c.call, c.inputs);
    EXPECT_GE(r.allocations, 1) << "the call allocates nothing: the case tests nothing";
    total += r.failures;
  }
  EXPECT_GT(total, 0);
  std::printf("[fault injection] %lld injected allocation failures over %zu calls\n", static_cast<long long>(total),
              std::size(cases));
}

// Every registered variant on a host backend, through the op's allocating form: the
// output allocation and whatever scratch the kernel takes from hk's allocator fail in turn.
TEST(FaultInjection, EveryHostVariant) {
  const hk_test::OpOperands in{floats({70, 90}, 5),
                               floats({90, 66}, 6),
                               Tensor::randn({70, 90}, 7, DType::i8),
                               Tensor::randn({90, 66}, 8, DType::i8),
                               floats({5000}, 9),
                               floats({5000}, 10),
                               Tensor::randn({5000}, 11, DType::i8),
                               Tensor::randn({5000}, 12, DType::i32),
                               floats({66}, 13),
                               Tensor::full({66}, 0.01)};
  int rows = 0;
  int64_t total = 0;
  for (const hk::VariantInfo& v : hk::variants()) {
    if (!v.supported || v.backend == hk::Backend::cuda) continue;
    const hk::OpDef& d = hk::op_def(v.op);
    for (DType t : v.dtypes) {
      SCOPED_TRACE(hk::to_string(v.backend) + "/" + v.op + "/" + v.variant + " " + hk::to_string(t));
      const hk::Options o{v.backend, v.variant, 2};
      const hk::OpArgs args = in.args(d, t, 0.01f);
      Call call = [&d, args, o] { return hk_test::bytes_of(d, d.call(args, o, nullptr)); };
      std::vector<const Tensor*> inputs = {args.x};
      if (args.y) inputs.push_back(args.y);
      if (args.bias) inputs.push_back(args.bias);
      total += inject_every_allocation(call, inputs).failures;
      ++rows;
    }
  }
  EXPECT_GT(rows, 0);
  std::printf("[fault injection] %lld injected allocation failures over %d variant × dtype rows\n",
              static_cast<long long>(total), rows);
}

// Runs `call` on a new thread, whose thread-local GEMM packing buffers start empty, so
// every run allocates them afresh; rethrows what the call threw.
Call on_fresh_thread(Call call) {
  return [call] {
    std::vector<uint8_t> result;
    std::exception_ptr error;
    std::thread([&] {
      try {
        result = call();
      } catch (...) {
        error = std::current_exception();
      }
    }).join();
    if (error) std::rethrow_exception(error);
    return result;
  };
}

// Scratch that kernels take beside the output: GEMM packing buffers (through the
// output-parameter form, which allocates nothing else) and the parallel reductions'
// partial sums. Each must fail as OutOfMemory too.
TEST(FaultInjection, KernelScratchAndOutputParameterForms) {
  Tensor af = floats({70, 90}, 5), bf = floats({90, 66}, 6);
  Tensor ai = Tensor::randn({70, 90}, 7, DType::i8), bi = Tensor::randn({90, 66}, 8, DType::i8);
  Tensor xf = floats({100003}, 9), yf = floats({100003}, 10);
  int packing_rows = 0;
  for (const hk::VariantInfo& v : hk::variants("matmul")) {
    if (!v.supported || v.backend != hk::Backend::cpu) continue;
    for (DType t : v.dtypes) {
      SCOPED_TRACE("cpu/matmul/" + v.variant + " " + hk::to_string(t) + " into out");
      const Tensor &a = t == DType::i8 ? ai : af, &b = t == DType::i8 ? bi : bf;
      Tensor out = Tensor::zeros({70, 66}, t == DType::i8 ? DType::i32 : DType::f32);
      hk::Options o{hk::Backend::cpu, v.variant, 1};  // one thread: it packs on the fresh thread
      Outcome r = inject_every_allocation(on_fresh_thread([&, o] {
                                            hk::matmul(a, b, out, o);
                                            return bytes_of(out);
                                          }),
                                          {&a, &b});
      packing_rows += r.allocations > 0;
    }
  }
  EXPECT_GT(packing_rows, 0) << "no cpu matmul variant packs: the packing buffers were never failed";
  for (const hk::VariantInfo& v : hk::variants()) {
    const hk::OpDef& d = hk::op_def(v.op);
    if (!v.supported || v.backend != hk::Backend::cpu || d.shape != hk::OpShape::reduction) continue;
    if (v.variant != "parallel") continue;
    SCOPED_TRACE("cpu/" + v.op + "/parallel");
    hk::Options o{hk::Backend::cpu, "parallel", 2};
    Outcome r = inject_every_allocation([&, o] { return bytes_of(d.call({&xf, &yf}, o, nullptr).value); }, {&xf, &yf});
    EXPECT_GE(r.allocations, 1) << "the partial sums were not allocated through hk's allocator";
  }
}

}  // namespace
