// Inputs, outputs and validators for hk-bench. Validation judges with the independent
// reference (reference/hk_reference.hpp) and its tolerances: every element for elementwise
// ops and reductions and for small matmuls; for large matmuls (the full fp64 product would
// take longer than timing the variant) a random-vector check of every row plus the
// element-wise bound on three full rows, three full columns and 512 random entries.
#include "run/workload.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <span>
#include <sstream>

#include "hk_reference.hpp"
#include "run/suite.hpp"

namespace hk_bench {

namespace {

int64_t parse_dim(const std::string& op, const std::string& size, const std::string& d) {
  char* end = nullptr;
  long long v = std::strtoll(d.c_str(), &end, 10);
  if (d.empty() || *end != '\0' || v < 0)
    throw hk::InvalidArgument("size '" + size + "' for " + op + ": '" + d + "' is not a non-negative integer");
  return v;
}

template <class T> std::span<const T> view(const hk::Tensor& t) { return {t.data<T>(), static_cast<size_t>(t.numel())}; }

// The whole fp64 product for small ones; for large ones the reference's sampled check.
std::string check_matmul(const Operands& o, hk::DType dtype, int64_t m, int64_t k, int64_t n) {
  const bool all = m * n <= 65536;
  if (dtype == hk::DType::f32) {
    auto got = view<float>(o.out), a = view<float>(o.x), b = view<float>(o.y);
    return all ? hk_ref::judge::matmul(got, a, b, m, k, n) : hk_ref::judge::matmul_sampled(got, a, b, m, k, n);
  }
  auto got = view<int32_t>(o.out);
  auto a = view<int8_t>(o.x), b = view<int8_t>(o.y);
  return all ? hk_ref::judge::matmul(got, a, b, m, k, n) : hk_ref::judge::matmul_sampled(got, a, b, m, k, n);
}

// linear: x · w + bias, relu; int8 with x i8 at kLinearInputScale and per-channel scales.
constexpr float kLinearInputScale = 0.02f;
// Every element of small layers, a sample of large ones (as check_matmul).
std::string check_linear(const Operands& o, hk::DType dtype, int64_t m, int64_t k, int64_t n) {
  namespace judge = hk_ref::judge;
  auto got = view<float>(o.out), bias = view<float>(o.bias);
  const bool all = m * n <= 65536;
  if (dtype == hk::DType::f32) {
    auto x = view<float>(o.x), w = view<float>(o.y);
    return judge::linear(got, x, w, bias, false, true, m, k, n, all);
  }
  auto x = view<int8_t>(o.x), w = view<int8_t>(o.y);
  auto scales = view<float>(o.weight_scales);
  return judge::linear(got, x, w, bias, false, true, m, k, n, kLinearInputScale, scales, all);
}

std::string check_elementwise(const Operands& o, const std::string& op, float scale) {
  namespace judge = hk_ref::judge;
  if (op == "relu" && o.x.dtype() == hk::DType::i8) return judge::relu(view<int8_t>(o.out), view<int8_t>(o.x));
  if (op == "relu") return judge::relu(view<float>(o.out), view<float>(o.x));
  if (op == "quantize") return judge::quantize(view<int8_t>(o.out), view<float>(o.x), scale);
  if (op == "dequantize")
    return o.x.dtype() == hk::DType::i8 ? judge::dequantize(view<float>(o.out), view<int8_t>(o.x), scale)
                                        : judge::dequantize(view<float>(o.out), view<int32_t>(o.x), scale);
  auto got = view<float>(o.out), x = view<float>(o.x), y = view<float>(o.y);
  if (op == "add") return judge::add(got, x, y);
  if (op == "mul") return judge::mul(got, x, y);
  return judge::squared_difference(got, x, y);
}

std::string check_reduction(const Operands& o, const std::string& op) {
  auto x = view<float>(o.x), y = view<float>(o.y);
  return op == "euclidean_distance" ? hk_ref::judge::euclidean_distance(o.result, x, y)
                                    : hk_ref::judge::dot(o.result, x, y);
}

}  // namespace

hk::Shape parse_size(const std::string& op, const std::string& size) {
  if (size.empty() || size.front() == 'x' || size.back() == 'x' || size.find("xx") != std::string::npos)
    throw hk::InvalidArgument("size '" + size + "' for " + op + ": use N or MxKxN");
  std::vector<int64_t> dims;
  std::stringstream ss(size);
  for (std::string d; std::getline(ss, d, 'x');) dims.push_back(parse_dim(op, size, d));
  const bool matmul = is_matmul(op);
  if (matmul && dims.size() == 1) dims = {dims[0], dims[0], dims[0]};
  if (matmul ? dims.size() != 3 : dims.size() != 1)
    throw hk::InvalidArgument("size '" + size + "' does not fit " + op + ": use " +
                              (matmul ? "N (for NxNxN) or MxKxN" : "one element count n"));
  return dims;
}

std::string shape_label(const hk::Shape& dims) {
  std::string s;
  for (int64_t d : dims) {
    if (!s.empty()) s += 'x';
    s += std::to_string(d);
  }
  return s;
}

Workload::Workload(std::string op, hk::DType dtype, hk::Shape dims)
    : op_(std::move(op)), def_(hk::find_op(op_)), dtype_(dtype), dims_(std::move(dims)) {
  if (!def_) throw hk::InvalidArgument("hk-bench has no workload for op '" + op_ + "'");
  const bool matmul = is_matmul(op_);
  if (dims_.size() != (matmul ? 3u : 1u))
    throw hk::InvalidArgument("hk-bench: " + op_ + " takes " + (matmul ? "MxKxN" : "n") + ", got " +
                              shape_label(dims_));
}

hk::Shape Workload::a_shape() const {
  return is_matmul(op_) ? hk::Shape{dims_[0], dims_[1]} : hk::Shape{dims_[0]};
}

hk::Shape Workload::b_shape() const {
  if (is_matmul(op_)) return {dims_[1], dims_[2]};
  if (def_->operands == 2) return {dims_[0]};
  return {};
}

hk::Work Workload::work() const { return def_->work(a_shape(), b_shape(), dtype_); }

double Workload::input_bytes() const {
  double bytes = 1;
  for (int64_t d : a_shape()) bytes *= double(d);
  bytes *= double(hk::element_size(dtype_));
  double b = b_shape().empty() ? 0 : 1;
  for (int64_t d : b_shape()) b *= double(d);
  return bytes + b * double(hk::element_size(dtype_));
}

Operands& Workload::host() {
  if (host_) return *host_;
  host_ = std::make_unique<Operands>();
  Operands& o = *host_;
  const bool matmul = is_matmul(op_);
  o.x = hk::Tensor::randn(a_shape(), matmul ? 1 : 3, dtype_);
  if (!b_shape().empty()) o.y = hk::Tensor::randn(b_shape(), matmul ? 2 : 4, dtype_);
  if (def_->has_output())
    o.out = hk::Tensor::empty(matmul ? hk::Shape{dims_[0], dims_[2]} : a_shape(), def_->result_dtype(dtype_));
  if (def_->shape == hk::OpShape::linear) {
    o.bias = hk::Tensor::randn({dims_[2]}, 5);
    if (dtype_ == hk::DType::i8) {  // one scale per output channel, all different
      std::vector<float> s(static_cast<size_t>(dims_[2]));
      for (size_t j = 0; j < s.size(); ++j) s[j] = 0.002f + 0.0001f * float(j % 17);
      o.weight_scales = hk::Tensor::from_vector(s, {dims_[2]});
    }
  }
  return o;
}

Operands Workload::on(hk::Device device) const {
  const Operands& h = const_cast<Workload*>(this)->host();
  Operands o;
  o.x = h.x.to(device);
  o.y = h.y.to(device);
  o.out = hk::Tensor::empty(h.out.shape(), h.out.dtype(), device);
  o.bias = h.bias.to(device);
  o.weight_scales = h.weight_scales.to(device);
  return o;
}

hk::OpArgs Workload::args(Operands& ops) const {
  hk::OpArgs args{&ops.x, def_->operands == 2 ? &ops.y : nullptr, scale_};
  if (def_->shape == hk::OpShape::linear) {
    args.bias = &ops.bias;
    args.linear.relu = true;
    if (dtype_ == hk::DType::i8) {
      args.linear.weight_scales = ops.weight_scales;
      args.linear.input_scale = kLinearInputScale;
    }
  }
  return args;
}

void Workload::call(const hk::Options& o, const hk::OpArgs& args, Operands& ops) const {
  const hk::OpResult r = def_->call(args, o, def_->has_output() ? &ops.out : nullptr);
  if (!def_->has_output()) ops.result = r.value;
}

void Workload::call(const hk::Options& o, Operands& ops) const { call(o, args(ops), ops); }

std::string Workload::check(const Operands& o) const {
  switch (def_->shape) {
    case hk::OpShape::matmul: return check_matmul(o, dtype_, dims_[0], dims_[1], dims_[2]);
    case hk::OpShape::linear: return check_linear(o, dtype_, dims_[0], dims_[1], dims_[2]);
    case hk::OpShape::reduction: return check_reduction(o, op_);
    case hk::OpShape::elementwise: break;
  }
  return check_elementwise(o, op_, scale_);
}

namespace {

// One item of HK_BENCH_BREAK: op[:dtype]/backend/variant.
struct BreakItem {
  std::string op, dtype, backend, variant;  // dtype "" = every dtype
};

const char* kBreakFormat = "op[:dtype]/backend/variant, e.g. HK_BENCH_BREAK=matmul:f32/cpu/blocked";

// HK_BENCH_BREAK's items; InvalidArgument naming the variable for an item of another form.
std::vector<BreakItem> break_items(const std::string& value) {
  std::vector<BreakItem> items;
  std::stringstream ss(value);
  for (std::string item; std::getline(ss, item, ',');) {
    std::vector<std::string> parts;
    std::stringstream fields(item);
    for (std::string f; std::getline(fields, f, '/');) parts.push_back(f);
    if (parts.size() != 3 || item.back() == '/' || std::find(parts.begin(), parts.end(), "") != parts.end())
      throw hk::InvalidArgument("HK_BENCH_BREAK='" + value + "': '" + item + "' is not " + kBreakFormat);
    BreakItem b{parts[0], "", parts[1], parts[2]};
    if (auto colon = b.op.find(':'); colon != std::string::npos) {
      b.dtype = b.op.substr(colon + 1);
      b.op = b.op.substr(0, colon);
    }
    items.push_back(b);
  }
  if (items.empty() || value.back() == ',')
    throw hk::InvalidArgument("HK_BENCH_BREAK='" + value + "' has an empty item; each is " + kBreakFormat);
  return items;
}

}  // namespace

void check_break_env() {
  const char* env = std::getenv("HK_BENCH_BREAK");
  if (!env || !*env) return;
  for (const BreakItem& b : break_items(env)) {
    bool found = false;
    for (const hk::VariantRow& row : hk::Registry::get().rows()) {
      if (row.op != b.op || hk::to_string(row.backend) != b.backend || row.variant != b.variant) continue;
      for (hk::DType t : hk::Registry::dtypes(row)) found |= b.dtype.empty() || hk::to_string(t) == b.dtype;
    }
    const std::string item = b.op + (b.dtype.empty() ? "" : ":" + b.dtype) + "/" + b.backend + "/" + b.variant;
    if (!found)
      throw hk::InvalidArgument("HK_BENCH_BREAK='" + std::string(env) + "': '" + item +
                                "' matches no registered variant (hk-bench list shows them); each item is " + kBreakFormat);
  }
}

bool broken_by_env(const std::string& op, hk::DType dtype, const std::string& backend, const std::string& variant) {
  const char* env = std::getenv("HK_BENCH_BREAK");
  if (!env || !*env) return false;
  for (const BreakItem& b : break_items(env))
    if (b.op == op && (b.dtype.empty() || b.dtype == hk::to_string(dtype)) && b.backend == backend && b.variant == variant)
      return true;
  return false;
}

// NaN for floating-point results: wrong by any tolerance, so every check must catch it.
void corrupt(Operands& ops) {
  if (ops.out.numel() == 0) {
    ops.result = std::nan("");
    return;
  }
  const hk::Device device = ops.out.device();
  hk::Tensor h = device.is_cpu() ? ops.out : ops.out.to(hk::Device::cpu());
  const int64_t i = h.numel() / 2;
  switch (h.dtype()) {
    case hk::DType::f32: h.data<float>()[i] = std::nanf(""); break;
    case hk::DType::i8: h.data<int8_t>()[i] ^= 0x40; break;
    case hk::DType::i32: h.data<int32_t>()[i] += 1; break;
  }
  if (!device.is_cpu()) ops.out = h.to(device);
}

}  // namespace hk_bench
