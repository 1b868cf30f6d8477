// Inputs, outputs and validators for hk-bench. Validation compares with fp64 computed here:
// every element for elementwise ops and reductions and for small matmuls; for large matmuls
// (the full fp64 product would take longer than timing the variant) a random-vector check
// of every row plus the element-wise bound on three full rows, three full columns and 512
// random entries.
#include "workload.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <sstream>

namespace hk_bench {

namespace {

constexpr double kU = 0x1.0p-24;  // unit roundoff of f32

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

bool binary_op(const std::string& op) {
  const hk::OpDef& d = hk::op_def(op);
  return d.shape == hk::OpShape::elementwise && d.operands == 2;
}

int64_t parse_dim(const std::string& op, const std::string& size, const std::string& d) {
  char* end = nullptr;
  long long v = std::strtoll(d.c_str(), &end, 10);
  if (d.empty() || *end != '\0' || v < 0)
    throw hk::InvalidArgument("size '" + size + "' for " + op + ": '" + d + "' is not a non-negative integer");
  return v;
}

// Freivalds' check of every row at once: c·x against a·(b·x) in fp64 for a random x with
// entries in [1, 2). O(MK + KN + MN), so even a 4096³ product is checked in every element:
// an int8 error anywhere changes an exact int64 sum; an f32 error shows once it exceeds the
// row's bound Σ_j x_j·2·K·u·(|A||B|)ij = 2·K·u·(|A|·(|B|·x))i.
template <class T, class Acc>
std::string check_matmul_rows(const Operands& o, int64_t m, int64_t k, int64_t n, bool exact) {
  std::mt19937_64 rng(7);
  std::vector<double> x(static_cast<size_t>(n)), bx(static_cast<size_t>(k), 0.0), abs_bx(static_cast<size_t>(k), 0.0);
  for (double& v : x) v = 1.0 + double(rng() % 1024) / 1024.0;
  const T *a = o.x.data<T>(), *b = o.y.data<T>();
  const Acc* c = o.out.data<Acc>();
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j) {
      bx[size_t(p)] += double(b[p * n + j]) * x[size_t(j)];
      abs_bx[size_t(p)] += std::fabs(double(b[p * n + j])) * x[size_t(j)];
    }
  for (int64_t i = 0; i < m; ++i) {
    double got = 0, want = 0, mag = 0;
    for (int64_t j = 0; j < n; ++j) got += double(c[i * n + j]) * x[size_t(j)];
    for (int64_t p = 0; p < k; ++p) {
      want += double(a[i * k + p]) * bx[size_t(p)];
      mag += std::fabs(double(a[i * k + p])) * abs_bx[size_t(p)];
    }
    // int8: every partial sum is an integer times 1/1024 below 2^52/1024, hence exact in fp64,
    // so any error shows (huge products fall back to fp64 rounding slack). f32: the bound plus
    // a little slack for the fp64 evaluation itself.
    double tol = exact ? (mag < 0x1p42 ? 0.0 : mag * 0x1p-50) : 2.0 * double(k) * kU * mag + 1e-12 * mag;
    if (!(std::fabs(got - want) <= tol))
      return "row " + std::to_string(i) + " of c is wrong: Σj c[" + std::to_string(i) + "][j]·x[j] = " + fmt(got) +
             ", fp64 " + fmt(want) + " (random-vector check of every element)";
  }
  return "";
}

std::string check_matmul(const Operands& o, hk::DType dtype, int64_t m, int64_t k, int64_t n) {
  if (m == 0 || n == 0) return "";
  const bool all = m * n <= 65536;
  if (!all) {
    std::string rows = dtype == hk::DType::f32 ? check_matmul_rows<float, float>(o, m, k, n, false)
                                               : check_matmul_rows<int8_t, int32_t>(o, m, k, n, true);
    if (!rows.empty()) return rows;
  }
  // Which entries get the element-wise bound: all of a small product; else every entry of
  // rows and columns 0, the middle and the last (edges and the middle of every blocking),
  // plus 512 random ones.
  std::vector<std::pair<int64_t, int64_t>> entries;
  if (all) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) entries.emplace_back(i, j);
  } else {
    std::mt19937_64 rng(99);
    for (int64_t i : {int64_t(0), m / 2, m - 1})
      for (int64_t j = 0; j < n; ++j) entries.emplace_back(i, j);
    for (int64_t j : {int64_t(0), n / 2, n - 1})
      for (int64_t i = 0; i < m; ++i) entries.emplace_back(i, j);
    for (int s = 0; s < 512; ++s) entries.emplace_back(int64_t(rng() % uint64_t(m)), int64_t(rng() % uint64_t(n)));
  }
  for (const auto& [i, j] : entries) {
    double ref = 0, mag = 0, got;
    if (dtype == hk::DType::f32) {
      const float *pa = o.x.data<float>(), *pb = o.y.data<float>();
      for (int64_t p = 0; p < k; ++p) {
        double t = double(pa[i * k + p]) * pb[p * n + j];
        ref += t;
        mag += std::fabs(t);
      }
      got = o.out.data<float>()[i * n + j];
    } else {
      const int8_t *pa = o.x.data<int8_t>(), *pb = o.y.data<int8_t>();
      int64_t acc = 0;
      for (int64_t p = 0; p < k; ++p) acc += int64_t(pa[i * k + p]) * pb[p * n + j];
      ref = double(acc);
      got = o.out.data<int32_t>()[i * n + j];
    }
    // f32: the standard bound 2·K·u·(|A||B|)ij; i8: exact.
    double tol = dtype == hk::DType::f32 ? 2.0 * double(k) * kU * mag : 0.0;
    if (!(std::fabs(got - ref) <= tol))
      return "c[" + std::to_string(i) + "][" + std::to_string(j) + "] = " + fmt(got) + ", fp64 " + fmt(ref);
  }
  return "";
}

std::string check_elementwise(const Operands& o, const std::string& op, float scale) {
  const int64_t n = o.x.numel();
  for (int64_t i = 0; i < n; ++i) {
    double want, got;
    if (op == "relu" && o.x.dtype() == hk::DType::i8) {
      want = std::max<int>(o.x.data<int8_t>()[i], 0);
      got = o.out.data<int8_t>()[i];
    } else if (op == "quantize") {
      // x / scale in fp64 rounded to f32 equals the f32 division (53 ≥ 2·24 + 2 bits).
      double v = double(float(double(o.x.data<float>()[i]) / scale));
      want = std::isnan(v) ? 0.0 : std::nearbyint(std::clamp(v, -127.0, 127.0));
      got = o.out.data<int8_t>()[i];
    } else if (op == "dequantize") {
      double q = o.x.dtype() == hk::DType::i8 ? double(o.x.data<int8_t>()[i]) : double(o.x.data<int32_t>()[i]);
      want = float(q * scale);
      got = o.out.data<float>()[i];
    } else {
      double xv = o.x.data<float>()[i];
      double yv = binary_op(op) ? double(o.y.data<float>()[i]) : 0.0;
      float d = float(xv - yv);
      want = op == "relu"  ? std::max(xv, 0.0)
             : op == "add" ? float(xv + yv)
             : op == "mul" ? float(xv * yv)
                           : float(double(d) * d);
      got = o.out.data<float>()[i];
    }
    if (!(got == want)) return "element " + std::to_string(i) + " = " + fmt(got) + ", expected " + fmt(want);
  }
  return "";
}

std::string check_reduction(const Operands& o, const std::string& op) {
  const int64_t n = o.x.numel();
  const bool distance = op == "euclidean_distance";
  long double s = 0, mag = 0;
  const float *px = o.x.data<float>(), *py = o.y.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    long double d = static_cast<long double>(px[i]) - py[i];
    long double t = distance ? d * d : static_cast<long double>(px[i]) * py[i];
    s += t;
    mag += std::fabs(t);
  }
  double want = distance ? std::sqrt(double(s)) : double(s);
  // Any summation order in f32: |error| ≤ (n + 2)·u·Σ|terms| (doubled for slack); the
  // distance's terms are all positive, so its relative error is about n·u/2.
  double tol = distance ? want * double(n + 4) * kU : double(mag) * 2.0 * double(n + 2) * kU;
  if (!(std::fabs(o.result - want) <= tol)) return "got " + fmt(o.result) + ", fp64 " + fmt(want);
  return "";
}

}  // namespace

hk::Shape parse_size(const std::string& op, const std::string& size) {
  if (size.empty() || size.front() == 'x' || size.back() == 'x' || size.find("xx") != std::string::npos)
    throw hk::InvalidArgument("size '" + size + "' for " + op + ": use N or MxKxN");
  std::vector<int64_t> dims;
  std::stringstream ss(size);
  for (std::string d; std::getline(ss, d, 'x');) dims.push_back(parse_dim(op, size, d));
  const bool matmul = hk::op_def(op).shape == hk::OpShape::matmul;
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
  const bool matmul = def_->shape == hk::OpShape::matmul;
  if (dims_.size() != (matmul ? 3u : 1u))
    throw hk::InvalidArgument("hk-bench: " + op_ + " takes " + (matmul ? "MxKxN" : "n") + ", got " +
                              shape_label(dims_));
}

hk::Shape Workload::a_shape() const {
  return def_->shape == hk::OpShape::matmul ? hk::Shape{dims_[0], dims_[1]} : hk::Shape{dims_[0]};
}

hk::Shape Workload::b_shape() const {
  if (def_->shape == hk::OpShape::matmul) return {dims_[1], dims_[2]};
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
  const bool matmul = def_->shape == hk::OpShape::matmul;
  o.x = hk::Tensor::randn(a_shape(), matmul ? 1 : 3, dtype_);
  if (!b_shape().empty()) o.y = hk::Tensor::randn(b_shape(), matmul ? 2 : 4, dtype_);
  if (def_->has_output())
    o.out = hk::Tensor::empty(matmul ? hk::Shape{dims_[0], dims_[2]} : a_shape(), def_->result_dtype(dtype_));
  return o;
}

Operands Workload::on(hk::Device device) const {
  const Operands& h = const_cast<Workload*>(this)->host();
  Operands o;
  o.x = h.x.to(device);
  o.y = h.y.to(device);
  o.out = hk::Tensor::empty(h.out.shape(), h.out.dtype(), device);
  return o;
}

void Workload::call(const hk::Options& o, Operands& ops) const {
  const hk::OpResult r = def_->call({&ops.x, def_->operands == 2 ? &ops.y : nullptr, scale_}, o,
                                    def_->has_output() ? &ops.out : nullptr);
  if (!def_->has_output()) ops.result = r.value;
}

std::string Workload::check(const Operands& o) const {
  switch (def_->shape) {
    case hk::OpShape::matmul: return check_matmul(o, dtype_, dims_[0], dims_[1], dims_[2]);
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
