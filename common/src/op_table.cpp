// The op table: one row per op (hk/op_table.hpp says what a row holds).
#include "hk/op_table.hpp"

#include <array>
#include <string>

#include "hk/error.hpp"
#include "hk/ops.hpp"

namespace hk {

namespace {

double count(const Shape& s) {
  double n = 1;
  for (int64_t d : s) n *= static_cast<double>(d);
  return n;
}
double size_of(DType t) { return static_cast<double>(element_size(t)); }

// ---- work models: flops (a multiply-add counts 2) and compulsory bytes (inputs read
// once, the output written once) ---------------------------------------------------------

// a: (M, K), b: (K, N): 2·M·K·N operations; f32 or i32 results.
Work matmul_work(const Shape& a, const Shape& b, DType t) {
  const double m = static_cast<double>(a.at(0)), k = static_cast<double>(a.at(1)), n = static_cast<double>(b.at(1));
  return {2 * m * k * n, (m * k + k * n) * size_of(t) + m * n * 4.0};
}
// x: (M, K), w: K·N elements in either layout: 2·M·K·N operations, f32 results and bias.
Work linear_work(const Shape& x, const Shape& w, DType t) {
  const double m = static_cast<double>(x.at(0)), k = static_cast<double>(x.at(1)), kn = count(w);
  const double n = k > 0 ? kn / k : static_cast<double>(w.at(w.at(0) == x.at(1) ? 1 : 0));
  return {2 * m * kn, (m * k + kn) * size_of(t) + m * n * 4.0 + n * 4.0};
}
Work relu_work(const Shape& x, const Shape&, DType t) { return {count(x), 2 * count(x) * size_of(t)}; }
Work binary_work(const Shape& x, const Shape&, DType) { return {count(x), 3 * count(x) * 4}; }
Work squared_difference_work(const Shape& x, const Shape&, DType) { return {2 * count(x), 3 * count(x) * 4}; }
Work reduce_work(const Shape& x, const Shape&, DType) { return {2 * count(x), 2 * count(x) * 4}; }
Work quantize_work(const Shape& x, const Shape&, DType) { return {count(x), count(x) * (4 + 1)}; }
Work dequantize_work(const Shape& x, const Shape&, DType t) { return {count(x), count(x) * (size_of(t) + 4)}; }

// ---- result dtypes -------------------------------------------------------------------------

DType same(DType t) { return t; }
DType to_f32(DType) { return DType::f32; }
DType to_i8(DType) { return DType::i8; }
DType matmul_result(DType t) { return t == DType::i8 ? DType::i32 : DType::f32; }

// ---- calls: the public functions behind one signature -------------------------------------

// An OpArgs without the operands the op takes is the caller's bug: an error, not a crash.
void require(const Tensor* t, const char* which) {
  if (!t) throw InvalidArgument(std::string("op table call: operand ") + which + " is missing");
}

template <Tensor (*Alloc)(const Tensor&, const Tensor&, const Options&),
          void (*Into)(const Tensor&, const Tensor&, Tensor&, const Options&)>
OpResult call_binary(const OpArgs& a, const Options& o, Tensor* out) {
  require(a.x, "x");
  require(a.y, "y");
  if (!out) return {Alloc(*a.x, *a.y, o)};
  Into(*a.x, *a.y, *out, o);
  return {};
}

OpResult call_linear(const OpArgs& a, const Options& o, Tensor* out) {
  require(a.x, "x");
  require(a.y, "w");
  const Tensor none;
  const Tensor& bias = a.bias ? *a.bias : none;
  if (!out) return {linear(*a.x, *a.y, bias, a.linear, o)};
  linear(*a.x, *a.y, bias, *out, a.linear, o);
  return {};
}

template <Tensor (*Alloc)(const Tensor&, const Options&), void (*Into)(const Tensor&, Tensor&, const Options&)>
OpResult call_unary(const OpArgs& a, const Options& o, Tensor* out) {
  require(a.x, "x");
  if (!out) return {Alloc(*a.x, o)};
  Into(*a.x, *out, o);
  return {};
}

template <Tensor (*Alloc)(const Tensor&, float, const Options&),
          void (*Into)(const Tensor&, float, Tensor&, const Options&)>
OpResult call_scaled(const OpArgs& a, const Options& o, Tensor* out) {
  require(a.x, "x");
  if (!out) return {Alloc(*a.x, a.scale, o)};
  Into(*a.x, a.scale, *out, o);
  return {};
}

template <double (*Reduce)(const Tensor&, const Tensor&, const Options&)>
OpResult call_reduce(const OpArgs& a, const Options& o, Tensor*) {
  require(a.x, "x");
  require(a.y, "y");
  return {Tensor(), Reduce(*a.x, *a.y, o)};
}

// Overloaded public functions, named by their signature.
using Alloc2 = Tensor (*)(const Tensor&, const Tensor&, const Options&);
using Into2 = void (*)(const Tensor&, const Tensor&, Tensor&, const Options&);
using Alloc1 = Tensor (*)(const Tensor&, const Options&);
using Into1 = void (*)(const Tensor&, Tensor&, const Options&);
using AllocS = Tensor (*)(const Tensor&, float, const Options&);
using IntoS = void (*)(const Tensor&, float, Tensor&, const Options&);

constexpr std::array kF32{DType::f32};
constexpr std::array kF32I8{DType::f32, DType::i8};
constexpr std::array kI8I32{DType::i8, DType::i32};

constexpr auto E = OpShape::elementwise;
constexpr auto R = OpShape::reduction;
constexpr const char* kElements = "16777216";  // 64 MiB per f32 operand: beyond the caches

// clang-format off
const OpDef kOps[] = {
  {.name = "matmul",             .shape = OpShape::matmul, .operands = 2, .scaled = false, .dtypes = kF32I8,
   .result_dtype = matmul_result, .work = matmul_work,             .bench_size = "512",
   .call = call_binary<Alloc2(matmul), Into2(matmul)>},
  {.name = "linear",             .shape = OpShape::linear, .operands = 2, .scaled = false, .dtypes = kF32I8,
   .result_dtype = to_f32,        .work = linear_work,             .bench_size = "32x784x128",
   .call = call_linear},
  {.name = "relu",               .shape = E, .operands = 1, .scaled = false, .dtypes = kF32I8,
   .result_dtype = same,          .work = relu_work,               .bench_size = kElements,
   .call = call_unary<Alloc1(relu), Into1(relu)>},
  {.name = "add",                .shape = E, .operands = 2, .scaled = false, .dtypes = kF32,
   .result_dtype = same,          .work = binary_work,             .bench_size = kElements,
   .call = call_binary<Alloc2(add), Into2(add)>},
  {.name = "mul",                .shape = E, .operands = 2, .scaled = false, .dtypes = kF32,
   .result_dtype = same,          .work = binary_work,             .bench_size = kElements,
   .call = call_binary<Alloc2(mul), Into2(mul)>},
  {.name = "squared_difference", .shape = E, .operands = 2, .scaled = false, .dtypes = kF32,
   .result_dtype = same,          .work = squared_difference_work, .bench_size = kElements,
   .call = call_binary<Alloc2(squared_difference), Into2(squared_difference)>},
  {.name = "dot",                .shape = R, .operands = 2, .scaled = false, .dtypes = kF32,
   .result_dtype = same,          .work = reduce_work,             .bench_size = kElements,
   .call = call_reduce<dot>},
  {.name = "euclidean_distance", .shape = R, .operands = 2, .scaled = false, .dtypes = kF32,
   .result_dtype = same,          .work = reduce_work,             .bench_size = kElements,
   .call = call_reduce<euclidean_distance>},
  {.name = "quantize",           .shape = E, .operands = 1, .scaled = true,  .dtypes = kF32,
   .result_dtype = to_i8,         .work = quantize_work,           .bench_size = kElements,
   .call = call_scaled<AllocS(quantize), IntoS(quantize)>},
  {.name = "dequantize",         .shape = E, .operands = 1, .scaled = true,  .dtypes = kI8I32,
   .result_dtype = to_f32,        .work = dequantize_work,         .bench_size = kElements,
   .call = call_scaled<AllocS(dequantize), IntoS(dequantize)>},
};
// clang-format on

}  // namespace

std::span<const OpDef> op_table() { return kOps; }

const OpDef* find_op(std::string_view name) {
  for (const OpDef& d : kOps)
    if (d.name == name) return &d;
  return nullptr;
}

const OpDef& op_def(std::string_view name) {
  if (const OpDef* d = find_op(name)) return *d;
  std::string known;
  for (const OpDef& d : kOps) known += (known.empty() ? "" : ", ") + std::string(d.name);
  throw InvalidArgument("unknown op '" + std::string(name) + "'; hk has: " + known);
}

}  // namespace hk
