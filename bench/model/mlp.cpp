// The model's weights, hk's ways of running it, and the references that check each way
// before it is timed (mlp.hpp).
#include "model/mlp.hpp"

#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "hk_reference.hpp"

namespace hk_bench {

namespace {

// randn scaled by 1/√fan_in, so activations keep their size through the layers.
hk::Tensor scaled_randn(hk::Shape shape, uint64_t seed, double fan_in) {
  std::vector<float> v = hk::Tensor::randn(shape, seed).to_vector<float>();
  for (float& e : v) e = static_cast<float>(e / std::sqrt(fan_in));
  return hk::Tensor::from_vector(v, shape);
}

// bias repeated for every row of a (batch, n) result: what `x @ W + b` broadcasts, built
// once per batch size for the baseline, which has no broadcasting add.
hk::Tensor tiled(const hk::Tensor& bias, int64_t batch, hk::Device device) {
  const std::vector<float> b = bias.to_vector<float>();
  std::vector<float> t;
  for (int64_t i = 0; i < batch; ++i) t.insert(t.end(), b.begin(), b.end());
  return hk::Tensor::from_vector(t, {batch, bias.numel()}).to(device);
}

}  // namespace

Mlp Mlp::make(uint64_t seed) {
  Mlp m;
  m.w1 = scaled_randn({kIn, kHidden}, seed, kIn);
  m.b1 = scaled_randn({kHidden}, seed + 1, 16);
  m.w2 = scaled_randn({kHidden, kOut}, seed + 2, kHidden);
  m.b2 = scaled_randn({kOut}, seed + 3, 16);
  m.q1 = hk::quantize_weights(m.w1);
  m.q2 = hk::quantize_weights(m.w2);
  return m;
}

Mlp Mlp::on(hk::Device d) const {
  Mlp m;
  m.w1 = w1.to(d), m.b1 = b1.to(d), m.w2 = w2.to(d), m.b2 = b2.to(d);
  m.q1 = {q1.q.to(d), q1.scales.to(d)};
  m.q2 = {q2.q.to(d), q2.scales.to(d)};
  return m;
}

std::vector<MlpWay> hk_ways(const Mlp& model, int64_t batch, const hk::Options& o, float scale1, float scale2) {
  const hk::Device d = model.w1.device();
  // Intermediates shared by the closures (each way runs alone).
  struct State {
    hk::Tensor h, h2, y, b1_tiled, b2_tiled;
  };
  auto s = std::make_shared<State>();
  s->h = hk::Tensor::empty({batch, Mlp::kHidden}, hk::DType::f32, d);
  s->h2 = hk::Tensor::empty({batch, Mlp::kHidden}, hk::DType::f32, d);
  s->y = hk::Tensor::empty({batch, Mlp::kOut}, hk::DType::f32, d);
  s->b1_tiled = tiled(model.b1, batch, d);
  s->b2_tiled = tiled(model.b2, batch, d);
  hk::Options naive = o;
  naive.variant = "naive";
  hk::Options best = o;
  best.variant.clear();
  std::vector<MlpWay> ways;
  ways.push_back({"baseline", "matmul naive, then add (bias) and relu as separate passes, per layer", false,
                  [m = model, s, naive, best](const hk::Tensor& x, hk::Tensor& out) {
                    hk::matmul(x, m.w1, s->h, naive);
                    hk::add(s->h, s->b1_tiled, s->h2, best);
                    hk::relu(s->h2, s->h, best);
                    hk::matmul(s->h, m.w2, s->y, naive);
                    hk::add(s->y, s->b2_tiled, out, best);
                  }});
  ways.push_back({"optimized", "linear (best variant): bias and relu fused into each GEMM", false,
                  [m = model, s, best](const hk::Tensor& x, hk::Tensor& out) {
                    hk::linear(x, m.w1, m.b1, s->h, {.relu = true}, best);
                    hk::linear(s->h, m.w2, m.b2, out, {}, best);
                  }});
  ways.push_back({"quantized", "int8 linear: per-channel int8 weights, activations quantized per call, fused epilogue",
                  true, [m = model, s, best, scale1, scale2](const hk::Tensor& x, hk::Tensor& out) {
                    hk::linear(x, m.q1.q, m.b1, s->h, {.relu = true, .weight_scales = m.q1.scales, .input_scale = scale1},
                               best);
                    hk::linear(s->h, m.q2.q, m.b2, out, {.weight_scales = m.q2.scales, .input_scale = scale2}, best);
                  }});
  return ways;
}

MlpReference mlp_reference(const Mlp& m, const std::vector<float>& x, int64_t batch) {
  const auto w1 = m.w1.to_vector<float>(), b1 = m.b1.to_vector<float>(), w2 = m.w2.to_vector<float>(),
             b2 = m.b2.to_vector<float>();
  const int64_t K = Mlp::kIn, H = Mlp::kHidden, O = Mlp::kOut;
  constexpr double u = hk_ref::kU;
  MlpReference r;
  r.logits.assign(size_t(batch * O), 0.0);
  r.bound.assign(size_t(batch * O), 0.0);
  std::vector<double> h(static_cast<size_t>(H)), hbound(static_cast<size_t>(H));
  for (int64_t i = 0; i < batch; ++i) {
    for (int64_t j = 0; j < H; ++j) {
      double s = b1[size_t(j)], mag = std::fabs(b1[size_t(j)]);
      for (int64_t p = 0; p < K; ++p) {
        const double t = double(x[size_t(i * K + p)]) * w1[size_t(p * H + j)];
        s += t, mag += std::fabs(t);
      }
      h[size_t(j)] = s > 0 ? s : 0;                     // relu: never widens an error
      hbound[size_t(j)] = 2.0 * double(K + 1) * u * mag;  // matmul's bound with the bias as a term
    }
    for (int64_t j = 0; j < O; ++j) {
      double s = b2[size_t(j)], mag = std::fabs(b2[size_t(j)]), carried = 0;
      for (int64_t p = 0; p < H; ++p) {
        const double w = w2[size_t(p * O + j)];
        s += h[size_t(p)] * w;
        mag += std::fabs(h[size_t(p)] * w) + hbound[size_t(p)] * std::fabs(w);
        carried += hbound[size_t(p)] * std::fabs(w);
      }
      r.logits[size_t(i * O + j)] = s;
      r.bound[size_t(i * O + j)] = carried + 2.0 * double(H + 1) * u * mag;
    }
  }
  return r;
}

std::string check_mlp_f32(const std::vector<float>& got, const MlpReference& ref) {
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(double(got[i]) - ref.logits[i]) <= ref.bound[i]))
      return "logit " + std::to_string(i) + " = " + std::to_string(got[i]) + ", fp64 " + std::to_string(ref.logits[i]) +
             " (bound " + std::to_string(ref.bound[i]) + ")";
  return "";
}

std::string check_mlp_int8(const std::vector<float>& got, const std::vector<float>& want) {
  for (size_t i = 0; i < got.size(); ++i)
    if (std::memcmp(&got[i], &want[i], sizeof(float)) != 0)
      return "logit " + std::to_string(i) + " = " + std::to_string(got[i]) + ", exact int8 reference " +
             std::to_string(want[i]);
  return "";
}

MlpInt8Reference mlp_int8_reference(const Mlp& m, const std::vector<float>& x, int64_t batch) {
  auto layer = [](const std::vector<float>& in, int64_t rows, const hk::QuantizedWeights& q, const hk::Tensor& bias,
                  bool relu, int64_t k, int64_t n, float& s) {
    s = hk_ref::symmetric_scale(in);
    const std::vector<int8_t> qx = hk_ref::quantized(in, s);
    const auto w = q.q.to_vector<int8_t>();
    const auto ws = q.scales.to_vector<float>(), b = bias.to_vector<float>();
    std::vector<float> out(size_t(rows * n));
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < n; ++j) {
        int64_t sum = 0;
        for (int64_t p = 0; p < k; ++p) sum += int64_t{qx[size_t(i * k + p)]} * w[size_t(p * n + j)];
        out[size_t(i * n + j)] = hk_ref::linear_i8_value(sum, s, ws[size_t(j)], &b[size_t(j)], relu);
      }
    return out;
  };
  MlpInt8Reference r;
  const std::vector<float> h = layer(x, batch, m.q1, m.b1, true, Mlp::kIn, Mlp::kHidden, r.scale1);
  r.logits = layer(h, batch, m.q2, m.b2, false, Mlp::kHidden, Mlp::kOut, r.scale2);
  return r;
}

}  // namespace hk_bench
