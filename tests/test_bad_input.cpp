// The bad-input matrix: every public function × every kind of bad input it can be given.
// Each case checks the exception's exact type, that its message names what was wrong (the
// function, the operand, both shapes / dtypes / devices, the scale, the variant, the
// reason), and that the call wrote nothing: inputs and `out` are byte-for-byte unchanged.
//
// Devices: no tensor with data can live on cuda here (no GPU, no driver), but a zero-size
// tensor on cuda:0 needs no memory, so every device-mismatch check is reached with
// zero-size operands. With a usable GPU the same cases run on those zero-size tensors too.
//
// Zero-size tensors are valid input (docs/design.md), so "empty" is checked as a case that must
// succeed, with the right result, in EmptyTensorsAreValid.
#include <cctype>
#include <functional>
#include <optional>

#include "test_util.hpp"

namespace {

using hk::Backend;
using hk::DType;
using hk::Options;
using hk::Shape;
using hk::Tensor;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// ---- the public functions -------------------------------------------------------------

struct Input {
  const char* name;  // as the error messages call it
  DType dtype;
  Shape shape;
  DType bad_dtype;  // one the function doesn't take in this slot
};

struct Args {
  std::vector<Tensor> keep;  // storage that views in `in` / `out` point into
  std::vector<Tensor> in;
  std::optional<Tensor> out;
  std::vector<float> scales;
  Options options;
};

struct Fn {
  std::string name;
  std::vector<Input> inputs;
  std::vector<const char*> scales;           // names the messages use
  std::optional<std::pair<DType, Shape>> out;  // the output-parameter form
  bool takes_options = true;
  enum class Shapes { same, matmul, matmul_nt, single } shapes = Shapes::single;  // matmul_nt: b is (N, K)
  std::string variant_of;  // the op Options.variant names (a composite passes it on)
  std::function<void(Args&)> call;
};

const Shape kS = {3, 4};

std::vector<Fn> public_functions() {
  using S = Fn::Shapes;
  auto in1 = [](Args& a) -> const Tensor& { return a.in.at(0); };
  auto in2 = [](Args& a) -> const Tensor& { return a.in.at(1); };
  std::vector<Fn> f;
  auto binary = [&](std::string name, Tensor (*alloc)(const Tensor&, const Tensor&, const Options&),
                    void (*into)(const Tensor&, const Tensor&, Tensor&, const Options&)) {
    std::vector<Input> xy = {{"x", DType::f32, kS, DType::i32}, {"y", DType::f32, kS, DType::i8}};
    f.push_back({name, xy, {}, {}, true, S::same, name, [=](Args& a) { alloc(in1(a), in2(a), a.options); }});
    f.push_back({name + "(out)", xy, {}, std::pair{DType::f32, kS}, true, S::same, name,
                 [=](Args& a) { into(in1(a), in2(a), *a.out, a.options); }});
  };
  std::vector<Input> ab = {{"a", DType::f32, {3, 5}, DType::i32}, {"b", DType::f32, {5, 2}, DType::i8}};
  f.push_back({"matmul", ab, {}, {}, true, S::matmul, "matmul",
               [=](Args& a) { hk::matmul(in1(a), in2(a), a.options); }});
  f.push_back({"matmul(out)", ab, {}, std::pair{DType::f32, Shape{3, 2}}, true, S::matmul, "matmul",
               [=](Args& a) { hk::matmul(in1(a), in2(a), *a.out, a.options); }});
  std::vector<Input> xwb = {{"x", DType::f32, {3, 5}, DType::i32}, {"w", DType::f32, {5, 2}, DType::i32},
                            {"bias", DType::f32, {2}, DType::i8}};
  f.push_back({"linear", xwb, {}, {}, true, S::matmul, "linear",
               [=](Args& a) { hk::linear(in1(a), in2(a), a.in.at(2), {.relu = true}, a.options); }});
  f.push_back({"linear(out)", xwb, {}, std::pair{DType::f32, Shape{3, 2}}, true, S::matmul, "linear",
               [=](Args& a) { hk::linear(in1(a), in2(a), a.in.at(2), *a.out, {.relu = true}, a.options); }});
  // int8 weights with their per-channel scales; x f32, quantized in the call.
  std::vector<Input> xqb = {{"x", DType::f32, {3, 5}, DType::i32}, {"w", DType::i8, {5, 2}, DType::i32},
                            {"bias", DType::f32, {2}, DType::i8}};
  f.push_back({"linear int8", xqb, {}, {}, true, S::matmul, "linear", [=](Args& a) {
                 const int64_t n = in2(a).rank() == 2 && in2(a).dim(1) <= 1 << 20 ? in2(a).dim(1) : 1;
                 hk::linear(in1(a), in2(a), a.in.at(2), {.relu = true, .weight_scales = Tensor::full({n}, 0.01)},
                            a.options);
               }});
  std::vector<Input> ab_nt = {{"a", DType::f32, {3, 5}, DType::i32}, {"b", DType::f32, {2, 5}, DType::i8}};
  f.push_back({"matmul_nt", ab_nt, {}, {}, true, S::matmul_nt, "linear",
               [=](Args& a) { hk::matmul_nt(in1(a), in2(a), a.options); }});
  f.push_back({"matmul_nt(out)", ab_nt, {}, std::pair{DType::f32, Shape{3, 2}}, true, S::matmul_nt, "linear",
               [=](Args& a) { hk::matmul_nt(in1(a), in2(a), *a.out, a.options); }});
  f.push_back({"relu", {{"x", DType::f32, kS, DType::i32}}, {}, {}, true, S::single, "relu",
               [=](Args& a) { hk::relu(in1(a), a.options); }});
  f.push_back({"relu(out)", {{"x", DType::f32, kS, DType::i32}}, {}, std::pair{DType::f32, kS}, true, S::single,
               "relu", [=](Args& a) { hk::relu(in1(a), *a.out, a.options); }});
  binary("add", hk::add, hk::add);
  binary("mul", hk::mul, hk::mul);
  binary("squared_difference", hk::squared_difference, hk::squared_difference);
  std::vector<Input> xy = {{"x", DType::f32, kS, DType::i32}, {"y", DType::f32, kS, DType::i8}};
  f.push_back({"dot", xy, {}, {}, true, S::same, "dot", [=](Args& a) { hk::dot(in1(a), in2(a), a.options); }});
  f.push_back({"euclidean_distance", xy, {}, {}, true, S::same, "euclidean_distance",
               [=](Args& a) { hk::euclidean_distance(in1(a), in2(a), a.options); }});
  f.push_back({"quantize", {{"x", DType::f32, kS, DType::i8}}, {"scale"}, {}, true, S::single, "quantize",
               [=](Args& a) { hk::quantize(in1(a), a.scales[0], a.options); }});
  f.push_back({"quantize(out)", {{"x", DType::f32, kS, DType::i8}}, {"scale"}, std::pair{DType::i8, kS}, true,
               S::single, "quantize", [=](Args& a) { hk::quantize(in1(a), a.scales[0], *a.out, a.options); }});
  f.push_back({"dequantize", {{"q", DType::i8, kS, DType::f32}}, {"scale"}, {}, true, S::single, "dequantize",
               [=](Args& a) { hk::dequantize(in1(a), a.scales[0], a.options); }});
  f.push_back({"dequantize(out)", {{"q", DType::i32, kS, DType::f32}}, {"scale"}, std::pair{DType::f32, kS}, true,
               S::single, "dequantize", [=](Args& a) { hk::dequantize(in1(a), a.scales[0], *a.out, a.options); }});
  f.push_back({"quantized_matmul", {{"a", DType::f32, {3, 5}, DType::i32}, {"b", DType::i8, {5, 2}, DType::i32}},
               {"scale_a", "scale_b"}, {}, true, S::matmul, "matmul",
               [=](Args& a) { hk::quantized_matmul(in1(a), in2(a), a.scales[0], a.scales[1], a.options); }});
  f.push_back({"quantized_relu", {{"x", DType::f32, kS, DType::i32}}, {"scale"}, {}, true, S::single, "relu",
               [=](Args& a) { hk::quantized_relu(in1(a), a.scales[0], a.options); }});
  f.push_back({"symmetric_scale", {{"x", DType::f32, kS, DType::i8}}, {}, {}, false, S::single, "",
               [=](Args& a) { hk::symmetric_scale(in1(a)); }});
  f.push_back({"parallel_map", {{"x", DType::f32, kS, DType::i32}}, {}, {}, true, S::single, "relu",
               [=](Args& a) {
                 hk::parallel_map(a.in, [o = a.options](const Tensor& t) { return hk::relu(t, o); },
                                  a.options.threads);
               }});
  return f;
}

Tensor filled(DType t, const Shape& s, hk::Device d = hk::Device::cpu(), unsigned seed = 1) {
  if (!d.is_cpu()) return Tensor::empty(s, t, d);
  if (t == DType::f32) return Tensor::from_vector(hk_test::normal_floats(size_t(hk_test::numel(s)), seed), s);
  return Tensor::randn(s, seed, t);
}

Args valid_args(const Fn& fn) {
  Args a;
  unsigned seed = 1;
  for (const Input& i : fn.inputs) a.in.push_back(filled(i.dtype, i.shape, hk::Device::cpu(), seed++));
  for (size_t i = 0; i < fn.scales.size(); ++i) a.scales.push_back(0.5f);
  if (fn.out) a.out = Tensor::full(fn.out->second, 7, fn.out->first);
  return a;
}

// ---- the cases --------------------------------------------------------------------------

struct Case {
  std::string what;
  Args args;
  enum class Expect { invalid_argument, backend_unavailable, out_of_memory } expect;
  std::vector<std::string> says;  // the message must contain each of these
};
using Expect = Case::Expect;

std::vector<uint8_t> bytes_of(const Tensor& t) {
  if (!t.device().is_cpu()) return {};  // zero-size placeholders on cuda: nothing to compare
  const auto* p = static_cast<const uint8_t*>(t.raw_data());
  return {p, p + t.nbytes()};
}

std::string sh(const Shape& s) { return hk::to_string(s); }

Shape other_shape(const Shape& s) {
  Shape o = s;
  o.back() += 1;
  return o;
}

std::vector<Case> mismatched_shapes(const Fn& fn) {
  std::vector<Case> cs;
  if (fn.shapes != Fn::Shapes::single) {
    Args a = valid_args(fn);
    Shape bad = fn.shapes == Fn::Shapes::matmul      ? Shape{a.in[0].dim(1) + 2, 2}
                : fn.shapes == Fn::Shapes::matmul_nt ? Shape{2, a.in[0].dim(1) + 2}
                                                     : Shape{5, 4};
    a.in[1] = filled(a.in[1].dtype(), bad);
    cs.push_back({"shapes " + sh(fn.inputs[0].shape) + " and " + sh(bad), a, Expect::invalid_argument,
                  {sh(fn.inputs[0].shape), sh(bad)}});
  }
  if (fn.shapes == Fn::Shapes::matmul || fn.shapes == Fn::Shapes::matmul_nt) {  // not 2-D
    Args a = valid_args(fn);
    a.in[0] = filled(a.in[0].dtype(), {15});
    cs.push_back({"a 1-D", a, Expect::invalid_argument, {"[15]", "2-D"}});
  }
  if (fn.shapes == Fn::Shapes::same) {  // an empty tensor against a non-empty one
    Args a = valid_args(fn);
    a.in[1] = filled(a.in[1].dtype(), {0});
    cs.push_back({"an empty y", a, Expect::invalid_argument, {sh(fn.inputs[0].shape), "[0]"}});
  }
  if (fn.out) {
    Args a = valid_args(fn);
    Shape bad = other_shape(fn.out->second);
    a.out = Tensor::full(bad, 7, fn.out->first);
    cs.push_back({"out of shape " + sh(bad), a, Expect::invalid_argument, {"out", sh(bad), sh(fn.out->second)}});
  }
  return cs;
}

std::vector<Case> wrong_dtypes(const Fn& fn) {
  std::vector<Case> cs;
  for (size_t i = 0; i < fn.inputs.size(); ++i) {
    Args a = valid_args(fn);
    const Input& in = fn.inputs[i];
    a.in[i] = filled(in.bad_dtype, in.shape);
    cs.push_back({std::string(in.name) + " of dtype " + hk::to_string(in.bad_dtype), a, Expect::invalid_argument,
                  {std::string(in.name) + " is " + hk::to_string(in.bad_dtype), hk::to_string(in.dtype)}});
  }
  if (fn.out) {
    Args a = valid_args(fn);
    DType bad = fn.out->first == DType::f32 ? DType::i32 : DType::f32;
    a.out = Tensor::full(fn.out->second, 7, bad);
    cs.push_back({"out of dtype " + hk::to_string(bad), a, Expect::invalid_argument,
                  {"out is " + hk::to_string(bad), hk::to_string(fn.out->first)}});
  }
  return cs;
}

// Every operand zero-size (so that one can live on cuda:0 without a device), one of them
// on cuda:0.
std::vector<Case> different_devices(const Fn& fn) {
  std::vector<Case> cs;
  if (fn.name == "symmetric_scale" || fn.name == "parallel_map") return cs;  // work on any device
  const hk::Device gpu = hk::Device::cuda(0);
  auto zero_size = [&](const Fn& f) {
    Args a = valid_args(f);
    for (size_t i = 0; i < a.in.size(); ++i) {
      Shape s = f.inputs[i].shape;
      s.front() = 0;
      if (f.shapes == Fn::Shapes::matmul && i == 1) s = {f.inputs[0].shape[1], 0};
      if (f.shapes == Fn::Shapes::matmul_nt && i == 1) s = {0, f.inputs[0].shape[1]};
      a.in[i] = filled(f.inputs[i].dtype, s);
    }
    if (f.out) {
      const bool mm = f.shapes == Fn::Shapes::matmul || f.shapes == Fn::Shapes::matmul_nt;
      Shape s = mm ? Shape{0, 0} : a.in[0].shape();
      a.out = Tensor::empty(s, f.out->first);
    }
    return a;
  };
  if (fn.inputs.size() == 2) {
    Args a = zero_size(fn);
    a.in[1] = Tensor::empty(a.in[1].shape(), a.in[1].dtype(), gpu);
    a.options.backend = Backend::cpu;
    cs.push_back({"b/y on cuda:0", a, Expect::invalid_argument, {"cpu", "cuda:0"}});
  } else {
    Args a = zero_size(fn);
    a.in[0] = Tensor::empty(a.in[0].shape(), a.in[0].dtype(), gpu);
    a.options.backend = Backend::cpu;  // a backend that computes on host memory
    cs.push_back({"input on cuda:0, backend cpu", a, Expect::invalid_argument, {"cpu", "cuda:0"}});
  }
  if (fn.out) {
    Args a = zero_size(fn);
    a.out = Tensor::empty(a.out->shape(), a.out->dtype(), gpu);
    cs.push_back({"out on cuda:0", a, Expect::invalid_argument, {"out", "cpu", "cuda:0"}});
  }
  return cs;
}

// out viewing the same bytes as an input.
std::vector<Case> aliased_output(const Fn& fn) {
  std::vector<Case> cs;
  if (!fn.out) return cs;
  for (size_t i = 0; i < fn.inputs.size(); ++i) {
    Args a = valid_args(fn);
    Tensor& in = a.in[i];
    const Shape& s = fn.out->second;
    switch (fn.out->first) {
      case DType::f32: a.out = Tensor::wrap(static_cast<float*>(in.raw_data()), s); break;
      case DType::i8: a.out = Tensor::wrap(static_cast<int8_t*>(in.raw_data()), s); break;
      case DType::i32: a.out = Tensor::wrap(static_cast<int32_t*>(in.raw_data()), s); break;
    }
    // The view must fit inside the input's bytes for the case to be a plain alias.
    if (a.out->nbytes() > in.nbytes()) continue;
    cs.push_back({std::string("out aliasing ") + fn.inputs[i].name, a, Expect::invalid_argument,
                  {"overlaps", std::string("input ") + fn.inputs[i].name}});
  }
  // Partial overlap: out starts one element into an input of its own dtype.
  for (size_t i = 0; i < fn.inputs.size(); ++i) {
    if (fn.inputs[i].dtype != fn.out->first || fn.out->first != DType::f32) continue;
    // The view must fit in the backing (the input and one more element); a smaller input
    // (linear's bias) cannot hold out and is left to the full-alias case.
    if (hk_test::numel(fn.out->second) > hk_test::numel(fn.inputs[i].shape)) continue;
    Args a = valid_args(fn);
    const Shape& s = fn.out->second;
    Tensor backing = filled(DType::f32, {hk_test::numel(a.in[i].shape()) + 1});
    a.in[i] = Tensor::wrap(backing.data<float>(), a.in[i].shape());
    a.out = Tensor::wrap(backing.data<float>() + 1, s);
    a.keep.push_back(backing);
    cs.push_back({std::string("out overlapping ") + fn.inputs[i].name + " by all but one element", a,
                  Expect::invalid_argument, {"overlaps", std::string("input ") + fn.inputs[i].name}});
  }
  return cs;
}

std::vector<Case> bad_scales(const Fn& fn) {
  std::vector<Case> cs;
  for (size_t i = 0; i < fn.scales.size(); ++i)
    for (float s : {0.0f, -0.0f, -1.0f, -1e-30f, kNaN, kInf, -kInf}) {
      Args a = valid_args(fn);
      a.scales[i] = s;
      cs.push_back({std::string(fn.scales[i]) + " = " + std::to_string(s), a, Expect::invalid_argument,
                    {fn.scales[i]}});
    }
  if (fn.scales.size() == 2) {  // each fine, the product not a finite positive float
    for (float s : {1e-30f, 1e30f}) {
      Args a = valid_args(fn);
      a.scales = {s, s};
      cs.push_back({"scale_a · scale_b = " + std::to_string(double(s) * s), a, Expect::invalid_argument,
                    {"scale_a · scale_b"}});
    }
  }
  return cs;
}

// Result shapes whose element or byte count overflows, or that no machine can hold: only
// matmul-like functions compute a result shape from their inputs; zero-size inputs can
// ask for any of them.
std::vector<Case> overflowing_sizes(const Fn& fn) {
  std::vector<Case> cs;
  const bool nt = fn.shapes == Fn::Shapes::matmul_nt;
  if ((fn.shapes != Fn::Shapes::matmul && !nt) || fn.out) return cs;
  struct Big {
    int64_t m, n;
    Expect expect;
    const char* says;
  };
  const Big bigs[] = {{int64_t(1) << 40, int64_t(1) << 40, Expect::invalid_argument, "element count overflows"},
                      {int64_t(1) << 31, int64_t(1) << 31, Expect::invalid_argument, "byte count overflows"},
                      {int64_t(1) << 20, int64_t(1) << 20, Expect::out_of_memory, "4398046511104 bytes"}};
  for (const Big& b : bigs) {
    Args a = valid_args(fn);
    a.in[0] = filled(fn.inputs[0].dtype, {b.m, 0});
    const Shape b_shape = nt ? Shape{b.n, 0} : Shape{0, b.n};
    a.in[1] = filled(fn.inputs[1].dtype, b_shape);
    for (size_t i = 2; i < a.in.size(); ++i) a.in[i] = Tensor();  // linear: no bias
    std::vector<std::string> says = {b.says};
    if (b.expect == Expect::invalid_argument)  // the size check names the op and both shapes
      says.insert(says.end(), {fn.name.substr(0, fn.name.find(' ')), sh({b.m, 0}), sh(b_shape)});
    cs.push_back({"result " + sh({b.m, b.n}), a, b.expect, says});
  }
  return cs;
}

std::vector<Case> unknown_variant(const Fn& fn) {
  if (!fn.takes_options) return {};
  Args a = valid_args(fn);
  a.options.variant = "fast";
  Args b = valid_args(fn);
  b.options = {Backend::cpu, "v2"};
  // The message lists what is registered, e.g. the teaching baseline every op has.
  std::string registered;
  for (const hk::VariantInfo& v : hk::variants(fn.variant_of))
    if (v.backend == Backend::cpu && registered.empty()) registered = v.variant;
  return {{"variant 'fast'", a, Expect::invalid_argument, {"'fast'", fn.variant_of, "registered", registered}},
          {"variant 'v2' on cpu", b, Expect::invalid_argument, {"'v2'", fn.variant_of, "cpu"}}};
}

std::vector<Case> unavailable_backends(const Fn& fn) {
  std::vector<Case> cs;
  if (!fn.takes_options) return cs;
  for (const hk::BackendInfo& info : hk::backends()) {
    if (info.available) continue;
    Args a = valid_args(fn);
    a.options.backend = info.backend;
    cs.push_back({"backend " + info.name, a, Expect::backend_unavailable, {info.name, info.reason}});
  }
  return cs;
}

std::vector<Case> bad_options(const Fn& fn) {
  if (!fn.takes_options) return {};
  Args a = valid_args(fn);
  a.options.threads = -1;
  std::vector<Case> cs = {{"threads = -1", a, Expect::invalid_argument, {"threads", "-1"}}};
  if (fn.name != "parallel_map") {
    Args b = valid_args(fn);
    b.options.block_size = -3;
    cs.push_back({"block_size = -3", b, Expect::invalid_argument, {"block_size", "-3"}});
  }
  return cs;
}

// Runs one case: the exact exception type, a message naming what was wrong, nothing written.
void check(const Fn& fn, Case& c) {
  SCOPED_TRACE(fn.name + ": " + c.what);
  std::vector<std::vector<uint8_t>> before;
  for (const Tensor& t : c.args.in) before.push_back(bytes_of(t));
  std::vector<uint8_t> out_before = c.args.out ? bytes_of(*c.args.out) : std::vector<uint8_t>{};
  std::string message;
  bool right_type = false;
  try {
    fn.call(c.args);
    ADD_FAILURE() << "no exception";
    return;
  } catch (const hk::InvalidArgument& e) {
    right_type = c.expect == Expect::invalid_argument;
    message = e.what();
  } catch (const hk::BackendUnavailable& e) {
    right_type = c.expect == Expect::backend_unavailable;
    message = e.what();
  } catch (const hk::OutOfMemory& e) {
    right_type = c.expect == Expect::out_of_memory;
    message = e.what();
  } catch (const std::exception& e) {
    message = e.what();
  }
  EXPECT_TRUE(right_type) << "wrong exception type; message: " << message;
  for (const std::string& s : c.says) EXPECT_NE(message.find(s), std::string::npos) << "'" << s << "' not in: " << message;
  for (size_t i = 0; i < before.size(); ++i) EXPECT_EQ(bytes_of(c.args.in[i]), before[i]) << "input " << i << " written";
  if (c.args.out) {
    EXPECT_EQ(bytes_of(*c.args.out), out_before) << "out written by a rejected call";
  }
}

using Kind = std::vector<Case> (*)(const Fn&);
const std::pair<const char*, Kind> kKinds[] = {
    {"mismatched shapes", mismatched_shapes}, {"wrong dtype", wrong_dtypes},
    {"different devices", different_devices}, {"output aliasing an input", aliased_output},
    {"bad scale", bad_scales},                {"overflowing sizes", overflowing_sizes},
    {"unknown variant", unknown_variant},     {"unavailable backend", unavailable_backends},
    {"bad options", bad_options}};

bool operand_kind(std::string_view kind) {
  return kind == "mismatched shapes" || kind == "wrong dtype" || kind == "different devices" ||
         kind == "output aliasing an input" || kind == "bad scale";
}

class BadInput : public testing::TestWithParam<std::string> {};

TEST_P(BadInput, ClearErrorAndNothingWritten) {
  for (const Fn& fn : public_functions()) {
    if (fn.name != GetParam()) continue;
    // The valid call itself succeeds: the cases below fail for their one defect only.
    Args ok = valid_args(fn);
    ASSERT_NO_THROW(fn.call(ok));
    int n = 0;
    for (const auto& [kind, make] : kKinds) {
      SCOPED_TRACE(kind);
      for (Case& c : make(fn)) {
        // A defect of an operand is reported under the name of the function called.
        // (parallel_map passes its operands to the op, whose name the error carries.)
        if (operand_kind(kind))
          c.says.push_back(fn.name == "parallel_map" ? "relu:" : fn.name.substr(0, fn.name.find_first_of("( ")) + ":");
        check(fn, c);
        ++n;
      }
    }
    std::printf("[bad input] %s: %d cases\n", fn.name.c_str(), n);
    return;
  }
  FAIL() << "no function " << GetParam();
}

std::vector<std::string> function_names() {
  std::vector<std::string> names;
  for (const Fn& fn : public_functions()) names.push_back(fn.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(PublicApi, BadInput, testing::ValuesIn(function_names()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param;
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

// Every registered op has rows in the matrix.
TEST(BadInputCoverage, EveryOpIsInTheMatrix) {
  std::vector<std::string> names = function_names();
  for (const std::string& op : hk::ops()) EXPECT_TRUE(std::count(names.begin(), names.end(), op)) << op;
}

// ---- the tensor factories ------------------------------------------------------------------

TEST(BadInput, TensorFactories) {
  struct Bad {
    Shape shape;
    std::string says;
  };
  const int64_t big = int64_t(1) << 40;
  const Bad shapes[] = {{{big, big}, "element count overflows"},
                        {{int64_t(1) << 31, int64_t(1) << 31}, "byte count overflows"},
                        {{int64_t(1) << 62}, "byte count overflows"},
                        {{2, -3}, "negative dimension"},
                        {{1, 2, 3, 4, 5}, "rank 5"}};
  float buf[4] = {};
  using Make = std::function<void(const Shape&)>;
  const std::pair<const char*, Make> makers[] = {
      {"empty", [](const Shape& s) { Tensor::empty(s); }},
      {"zeros", [](const Shape& s) { Tensor::zeros(s, DType::i32); }},
      {"full", [](const Shape& s) { Tensor::full(s, 1.0, DType::i8); }},
      {"randn", [](const Shape& s) { Tensor::randn(s, 1); }},
      {"wrap", [&](const Shape& s) { Tensor::wrap(buf, s); }},
      {"from_vector", [](const Shape& s) { Tensor::from_vector(std::vector<float>(4), s); }},
      {"reshape", [](const Shape& s) { Tensor::zeros({4}).reshape(s); }},
      {"empty on cuda:0", [](const Shape& s) { Tensor::empty(s, DType::f32, hk::Device::cuda(0)); }},
  };
  int n = 0;
  for (const auto& [name, make] : makers)
    for (const Bad& b : shapes) {
      SCOPED_TRACE(std::string(name) + " " + sh(b.shape));
      try {
        make(b.shape);
        ADD_FAILURE() << "no exception";
      } catch (const hk::InvalidArgument& e) {
        EXPECT_NE(std::string(e.what()).find(b.says), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(sh(b.shape)), std::string::npos) << e.what();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "wrong exception type: " << e.what();
      }
      ++n;
    }
  // A size that fits in int64 but in no machine's memory.
  for (DType t : {DType::f32, DType::i8}) {
    SCOPED_TRACE(hk::to_string(t));
    try {
      Tensor::empty({int64_t(1) << 21, int64_t(1) << 21}, t);
      ADD_FAILURE() << "no exception";
    } catch (const hk::OutOfMemory& e) {
      EXPECT_EQ(e.bytes(), (size_t(1) << 42) * hk::element_size(t));
      EXPECT_NE(std::string(e.what()).find(std::to_string(e.bytes())), std::string::npos) << e.what();
    }
    ++n;
  }
  // A null pointer with a non-zero shape; zero-size shapes may pass null.
  for (const Shape& s : {Shape{3}, Shape{2, 2}, Shape{1, 1, 1, 1}}) {
    SCOPED_TRACE(sh(s));
    for (const auto& wrap : {std::function<void()>([&] { Tensor::wrap(static_cast<float*>(nullptr), s); }),
                             std::function<void()>([&] { Tensor::wrap(static_cast<int8_t*>(nullptr), s); }),
                             std::function<void()>([&] { Tensor::wrap(static_cast<const int32_t*>(nullptr), s); })}) {
      try {
        wrap();
        ADD_FAILURE() << "no exception";
      } catch (const hk::InvalidArgument& e) {
        EXPECT_NE(std::string(e.what()).find("null"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(sh(s)), std::string::npos) << e.what();
      }
      ++n;
    }
  }
  EXPECT_NO_THROW(Tensor::wrap(static_cast<float*>(nullptr), {0}));
  EXPECT_NO_THROW(Tensor::wrap(static_cast<float*>(nullptr), {3, 0}));
  // Data with a usable size on a device hk can't use here says why.
  for (const hk::BackendInfo& info : hk::backends()) {
    if (info.backend != Backend::cuda || info.available) continue;
    try {
      Tensor::empty({4}, DType::f32, hk::Device::cuda(0));
      ADD_FAILURE() << "no exception";
    } catch (const hk::BackendUnavailable& e) {
      EXPECT_NE(std::string(e.what()).find("cuda:0"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(info.reason), std::string::npos) << e.what();
    }
    ++n;
  }
  std::printf("[bad input] tensor factories: %d cases\n", n);
}

// The other entry points that parse or take a count.
TEST(BadInput, NamesAndCounts) {
  auto says = [](const std::function<void()>& f, const std::string& s) {
    try {
      f();
      ADD_FAILURE() << "no exception for " << s;
    } catch (const hk::InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(s), std::string::npos) << e.what();
    }
  };
  says([] { hk::parse_backend("gpu"); }, "'gpu'");
  says([] { hk::parse_backend(""); }, "cuda_sim");
  says([] { hk::Device::parse("tpu:0"); }, "tpu:0");
  says([] { hk::Device::parse("cuda:-1"); }, "cuda:-1");
  says([] { hk::Device::cuda(-2); }, "-2");
  says([] { hk::set_num_threads(0); }, "0");
  says([] { hk::set_num_threads(100000); }, "100000");
  says([] { hk::parallel_map({}, nullptr); }, "op");
  says([] { hk::time_kernel([] {}, {-1, 3}); }, "-1");
  says([] { Tensor::zeros({2, 3}).dim(2); }, "[2, 3]");
  says([] { Tensor::full({1}, 200, DType::i8); }, "200");
  says([] { Tensor::from_vector(std::vector<float>(5), {2, 3}); }, "[2, 3]");
  says([] { Tensor::zeros({4}).data<int8_t>(); }, "i8");
}

// ---- zero-size tensors are valid ---------------------------------------------------------

// Only hk::Tensor() (an empty f32 vector) means "no bias": an empty vector of another dtype is
// a bias of the wrong dtype, whatever N is (a fuzzer finding: it was taken as none).
TEST(BadInput, AnEmptyBiasOfAnotherDtypeIsNotNone) {
  const Tensor x = Tensor::randn({5, 5}, 1), i8_empty = Tensor::empty({0}, DType::i8);
  const hk::LinearOptions out_in{.layout = hk::WeightLayout::out_in};
  EXPECT_THROW(hk::linear(x, Tensor::randn({0, 5}, 2), i8_empty, out_in), hk::InvalidArgument);  // N = 0
  EXPECT_THROW(hk::linear(x, Tensor::randn({5, 0}, 2), i8_empty), hk::InvalidArgument);
  EXPECT_THROW(hk::linear(x, Tensor::randn({5, 3}, 2), i8_empty), hk::InvalidArgument);  // N = 3
  Tensor out = Tensor::full({5, 3}, 7.0f);
  EXPECT_THROW(hk::linear(x, Tensor::randn({5, 3}, 2), i8_empty, out), hk::InvalidArgument);
  EXPECT_EQ(out.to_vector<float>(), std::vector<float>(15, 7.0f)) << "a rejected call wrote its output";
  // The real "none" still works, with or without columns.
  EXPECT_EQ(hk::linear(x, Tensor::randn({0, 5}, 2), Tensor(), out_in).shape(), (Shape{5, 0}));
  EXPECT_EQ(hk::linear(x, Tensor::randn({5, 3}, 2), Tensor()).shape(), (Shape{5, 3}));
}

TEST(BadInput, AnEmptyF32BiasMadeByTheCallerIsABiasNotNone) {
  // Only hk::Tensor() means none: an f32[0] from Tensor::empty (or a wrapped empty array) is
  // a bias of N = 0 columns, a wrong shape for a layer with three, never silently dropped.
  const Tensor x = Tensor::randn({5, 5}, 1), f32_empty = Tensor::empty({0});
  std::vector<float> nothing;
  const Tensor wrapped = Tensor::wrap(nothing.data(), {0});
  for (const Tensor& bias : {f32_empty, wrapped}) {
    EXPECT_THROW(hk::linear(x, Tensor::randn({5, 3}, 2), bias), hk::InvalidArgument);
    Tensor out = Tensor::full({5, 3}, 7.0f);
    EXPECT_THROW(hk::linear(x, Tensor::randn({5, 3}, 2), bias, out), hk::InvalidArgument);
    EXPECT_EQ(out.to_vector<float>(), std::vector<float>(15, 7.0f)) << "a rejected call wrote its output";
    // With N = 0 it is the right shape: a layer without outputs.
    EXPECT_EQ(hk::linear(x, Tensor::randn({5, 0}, 2), bias).shape(), (Shape{5, 0}));
  }
}

TEST(BadInput, EmptyTensorsAreValid) {
  Tensor e = Tensor::empty({0}), e2 = Tensor::empty({4, 0});
  EXPECT_EQ(hk::relu(e).shape(), Shape{0});
  EXPECT_EQ(hk::relu(Tensor()).shape(), Shape{0});
  EXPECT_EQ(hk::add(e2, e2).shape(), (Shape{4, 0}));
  EXPECT_EQ(hk::mul(e, e).numel(), 0);
  EXPECT_EQ(hk::squared_difference(e, e).numel(), 0);
  EXPECT_EQ(hk::dot(e, e), 0.0);
  EXPECT_EQ(hk::euclidean_distance(e2, e2), 0.0);
  EXPECT_EQ(hk::quantize(e, 0.5f).dtype(), DType::i8);
  EXPECT_EQ(hk::dequantize(Tensor::empty({0}, DType::i32), 0.5f).numel(), 0);
  EXPECT_EQ(hk::symmetric_scale(e), 1.0f);
  EXPECT_EQ(hk::quantized_relu(e, 0.5f).numel(), 0);
  EXPECT_TRUE(hk::parallel_map({}, [](const Tensor& t) { return t; }).empty());
  EXPECT_EQ(hk::matmul(Tensor::empty({0, 3}), Tensor::empty({3, 2})).shape(), (Shape{0, 2}));
  EXPECT_EQ(hk::matmul(Tensor::empty({2, 0}), Tensor::empty({0, 3})).to_vector<float>(), std::vector<float>(6, 0.0f));
  EXPECT_EQ(hk::matmul(Tensor::empty({2, 0}, DType::i8), Tensor::empty({0, 3}, DType::i8)).to_vector<int32_t>(),
            std::vector<int32_t>(6, 0));
  EXPECT_EQ(hk::quantized_matmul(Tensor::empty({2, 0}), Tensor::empty({0, 2}), 1.0f, 1.0f).to_vector<float>(),
            std::vector<float>(4, 0.0f));
  // The output-parameter form with K = 0 overwrites whatever out held.
  Tensor out = Tensor::full({2, 3}, 5.0);
  hk::matmul(Tensor::empty({2, 0}), Tensor::empty({0, 3}), out);
  EXPECT_EQ(out.to_vector<float>(), std::vector<float>(6, 0.0f));
}

}  // namespace
