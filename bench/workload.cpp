// Inputs, outputs and validators for hk-bench. Validation compares with fp64 computed here:
// every element for elementwise ops and reductions, a fixed sample of 512 entries (plus the
// corners) for matmul, whose full fp64 product would take longer than the timing itself.
#include "workload.hpp"

#include <cmath>
#include <random>

namespace hk_bench {

namespace {

constexpr double kU = 0x1.0p-24;

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::unique_ptr<Workload> matmul_workload(hk::DType dtype, int64_t m, int64_t k, int64_t n) {
  auto w = std::make_unique<Workload>();
  w->a = {m, k};
  w->b = {k, n};
  w->shape_label = std::to_string(m) + "x" + std::to_string(k) + "x" + std::to_string(n);
  auto a = std::make_shared<hk::Tensor>(hk::Tensor::randn(w->a, 1, dtype));
  auto b = std::make_shared<hk::Tensor>(hk::Tensor::randn(w->b, 2, dtype));
  auto c = std::make_shared<hk::Tensor>(hk::Tensor::empty({m, n}, dtype == hk::DType::i8 ? hk::DType::i32 : hk::DType::f32));
  w->run = [a, b, c](const hk::Options& o) { hk::matmul(*a, *b, *c, o); };
  w->validate = [a, b, c, m, k, n, dtype]() -> std::string {
    if (m == 0 || n == 0) return "";
    std::mt19937_64 rng(99);
    for (int s = 0; s < 516; ++s) {
      int64_t i = s < 4 ? (s & 1) * (m - 1) : int64_t(rng() % uint64_t(m));
      int64_t j = s < 4 ? (s >> 1) * (n - 1) : int64_t(rng() % uint64_t(n));
      double ref = 0, mag = 0, got;
      if (dtype == hk::DType::f32) {
        const float *pa = a->data<float>(), *pb = b->data<float>();
        for (int64_t p = 0; p < k; ++p) {
          ref += double(pa[i * k + p]) * pb[p * n + j];
          mag += std::fabs(double(pa[i * k + p]) * pb[p * n + j]);
        }
        got = c->data<float>()[i * n + j];
      } else {
        const int8_t *pa = a->data<int8_t>(), *pb = b->data<int8_t>();
        int64_t acc = 0;
        for (int64_t p = 0; p < k; ++p) acc += int64_t(pa[i * k + p]) * pb[p * n + j];
        ref = double(acc);
        got = c->data<int32_t>()[i * n + j];
      }
      if (std::fabs(got - ref) > 2.0 * double(k) * kU * mag)
        return "c[" + std::to_string(i) + "][" + std::to_string(j) + "] = " + fmt(got) + ", fp64 " + fmt(ref);
    }
    return "";
  };
  return w;
}

// Elementwise ops: the validator recomputes every element with the op's definition.
std::unique_ptr<Workload> elementwise_workload(const std::string& op, hk::DType dtype, int64_t n) {
  auto w = std::make_unique<Workload>();
  w->a = {n};
  w->shape_label = std::to_string(n);
  const float scale = 0.05f;
  auto x = std::make_shared<hk::Tensor>(hk::Tensor::randn({n}, 3, op == "dequantize" ? hk::DType::i8 : dtype));
  auto y = std::make_shared<hk::Tensor>(hk::Tensor::randn({n}, 4));
  bool binary = op == "add" || op == "mul" || op == "squared_difference";
  if (binary) w->b = {n};
  hk::DType out_dtype = op == "quantize" ? hk::DType::i8 : op == "dequantize" ? hk::DType::f32 : x->dtype();
  auto out = std::make_shared<hk::Tensor>(hk::Tensor::empty({n}, out_dtype));
  if (op == "relu") w->run = [=](const hk::Options& o) { hk::relu(*x, *out, o); };
  else if (op == "add") w->run = [=](const hk::Options& o) { hk::add(*x, *y, *out, o); };
  else if (op == "mul") w->run = [=](const hk::Options& o) { hk::mul(*x, *y, *out, o); };
  else if (op == "squared_difference") w->run = [=](const hk::Options& o) { hk::squared_difference(*x, *y, *out, o); };
  else if (op == "quantize") w->run = [=](const hk::Options& o) { hk::quantize(*x, scale, *out, o); };
  else if (op == "dequantize") w->run = [=](const hk::Options& o) { hk::dequantize(*x, scale, *out, o); };
  w->validate = [=]() -> std::string {
    for (int64_t i = 0; i < n; ++i) {
      double want, got;
      if (op == "relu" && x->dtype() == hk::DType::i8) {
        want = std::max<int>(x->data<int8_t>()[i], 0);
        got = out->data<int8_t>()[i];
      } else if (op == "quantize") {
        double v = std::clamp(double(float(double(x->data<float>()[i]) / scale)), -127.0, 127.0);
        want = std::nearbyint(v);
        got = out->data<int8_t>()[i];
      } else if (op == "dequantize") {
        want = float(double(x->data<int8_t>()[i]) * scale);
        got = out->data<float>()[i];
      } else {
        double xv = x->data<float>()[i], yv = y->data<float>()[i];
        float d = float(xv - yv);
        want = op == "relu" ? std::max(xv, 0.0)
               : op == "add" ? float(xv + yv)
               : op == "mul" ? float(xv * yv)
                             : float(double(d) * d);
        got = out->data<float>()[i];
      }
      if (got != want) return "element " + std::to_string(i) + " = " + fmt(got) + ", expected " + fmt(want);
    }
    return "";
  };
  return w;
}

std::unique_ptr<Workload> reduction_workload(const std::string& op, int64_t n) {
  auto w = std::make_unique<Workload>();
  w->a = w->b = {n};
  w->shape_label = std::to_string(n);
  auto x = std::make_shared<hk::Tensor>(hk::Tensor::randn({n}, 5));
  auto y = std::make_shared<hk::Tensor>(hk::Tensor::randn({n}, 6));
  auto result = std::make_shared<double>(0);
  bool distance = op == "euclidean_distance";
  w->run = [=](const hk::Options& o) { *result = distance ? hk::euclidean_distance(*x, *y, o) : hk::dot(*x, *y, o); };
  w->validate = [=]() -> std::string {
    long double s = 0, mag = 0;
    const float *px = x->data<float>(), *py = y->data<float>();
    for (int64_t i = 0; i < n; ++i) {
      long double t = distance ? (static_cast<long double>(px[i]) - py[i]) * (static_cast<long double>(px[i]) - py[i])
                               : static_cast<long double>(px[i]) * py[i];
      s += t;
      mag += std::fabs(t);
    }
    double want = distance ? std::sqrt(double(s)) : double(s);
    double tol = distance ? want * double(n + 4) * kU : double(mag) * 2.0 * double(n + 2) * kU;
    if (std::fabs(*result - want) > tol) return "got " + fmt(*result) + ", fp64 " + fmt(want);
    return "";
  };
  return w;
}

}  // namespace

std::unique_ptr<Workload> make_workload(const std::string& op, hk::DType dtype, const hk::Shape& shape) {
  std::unique_ptr<Workload> w;
  if (op == "matmul") {
    if (shape.size() != 3) throw hk::InvalidArgument("matmul sizes are MxKxN, got " + hk::to_string(shape));
    w = matmul_workload(dtype, shape[0], shape[1], shape[2]);
  } else if (op == "dot" || op == "euclidean_distance") {
    w = reduction_workload(op, shape.at(0));
  } else if (op == "relu" || op == "add" || op == "mul" || op == "squared_difference" || op == "quantize" ||
             op == "dequantize") {
    w = elementwise_workload(op, dtype, shape.at(0));
  } else {
    throw hk::InvalidArgument("hk-bench has no workload for op '" + op + "'");
  }
  w->op = op;
  w->dtype = dtype;
  return w;
}

}  // namespace hk_bench
