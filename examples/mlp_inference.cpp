// The course's model with hk: a Sequential of Dense layers, 784 → 128 → ReLU → 10, run at
// batch 1, 32 and 256 — in f32 with the fused linear layer, and in int8 with per-channel
// weights — on the backend `automatic` picks for each layer.
//
//   build/<preset>/examples/hk-example-mlp [--threads N]
//
// Each Dense layer stores its weights (in, out) and computes relu(x @ W + b); hk::linear
// does that in one pass. The int8 model quantizes the weights once (quantize_weights) and
// each layer's input per call. The program prints, per batch, the median latency of both
// models, how far the int8 logits are from the f32 ones and how often their top class
// agrees, and what `automatic` chose for each layer and why. It exits with status 1 when the
// int8 model disagrees with the f32 one beyond what 8-bit weights explain.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "hk/choice.hpp"
#include "hk/hk.hpp"

namespace {

struct Dense {
  hk::Tensor w, b;            // (in, out), (out)
  hk::QuantizedWeights q;     // the int8 copy of w
  bool relu = false;
};

// Fixed random weights, scaled by 1/√fan_in so activations keep their size.
Dense make_dense(int64_t in, int64_t out, bool relu, uint64_t seed) {
  std::vector<float> w = hk::Tensor::randn({in, out}, seed).to_vector<float>();
  for (float& v : w) v /= std::sqrt(static_cast<float>(in));
  std::vector<float> b = hk::Tensor::randn({out}, seed + 1).to_vector<float>();
  for (float& v : b) v *= 0.25f;
  Dense d{hk::Tensor::from_vector(w, {in, out}), hk::Tensor::from_vector(b, {out}), {}, relu};
  d.q = hk::quantize_weights(d.w);
  return d;
}

hk::Tensor forward(const std::vector<Dense>& model, hk::Tensor x, bool int8, const hk::Options& o) {
  for (const Dense& layer : model) {
    hk::LinearOptions lo{.relu = layer.relu};
    if (int8) lo.weight_scales = layer.q.scales;
    x = hk::linear(x, int8 ? layer.q.q : layer.w, layer.b, lo, o);
  }
  return x;
}

double median_us(const std::vector<Dense>& model, const hk::Tensor& x, bool int8, const hk::Options& o) {
  std::vector<double> us;
  for (int i = 0; i < 200; ++i) {
    const auto t = std::chrono::steady_clock::now();
    forward(model, x, int8, o);
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t).count());
  }
  std::sort(us.begin(), us.end());
  return us[us.size() / 2];
}

}  // namespace

int main(int argc, char** argv) try {
  hk::Options o;  // backend automatic: by cost, per call
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      o.threads = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--threads N]\n", argv[0]);
      return 2;
    }
  }
  const std::vector<Dense> model = {make_dense(784, 128, true, 1), make_dense(128, 10, false, 3)};
  std::printf("MLP 784 -> 128 -> ReLU -> 10, weights (in, out), fixed random\n\n");
  std::printf("%6s  %12s  %12s  %16s  %12s\n", "batch", "f32 us", "int8 us", "int8 max error", "top-1 agree");
  bool ok = true;
  for (int64_t batch : {1, 32, 256}) {
    const hk::Tensor x = hk::Tensor::randn({batch, 784}, 7);
    const std::vector<float> f = forward(model, x, false, o).to_vector<float>();
    const std::vector<float> q = forward(model, x, true, o).to_vector<float>();
    double worst = 0, scale = 0;
    int agree = 0;
    for (int64_t i = 0; i < batch; ++i) {
      const float* fr = f.data() + i * 10;
      const float* qr = q.data() + i * 10;
      for (int j = 0; j < 10; ++j) {
        worst = std::max(worst, double(std::fabs(fr[j] - qr[j])));
        scale = std::max(scale, double(std::fabs(fr[j])));
      }
      agree += std::max_element(fr, fr + 10) - fr == std::max_element(qr, qr + 10) - qr;
    }
    const double rel = scale > 0 ? worst / scale : worst;
    const double top1 = 100.0 * agree / double(batch);
    std::printf("%6lld  %12.1f  %12.1f  %16.4f  %11.1f%%\n", static_cast<long long>(batch),
                median_us(model, x, false, o), median_us(model, x, true, o), rel, top1);
    // 8-bit weights and activations move a logit by a few percent of the largest one.
    ok = ok && rel < 0.05;
  }
  std::printf("\nWhat `automatic` runs each layer on:\n");
  for (int64_t batch : {1, 256})
    for (const auto& [k, n] : {std::pair<int64_t, int64_t>{784, 128}, {128, 10}}) {
      const hk::BackendChoice c = hk::explain_choice("linear", {{batch, k}, {k, n}});
      std::printf("  batch %lld, %lldx%lld: %s\n", static_cast<long long>(batch), static_cast<long long>(k),
                  static_cast<long long>(n), c.reason.c_str());
    }
  if (!ok) std::printf("\nFAILED: the int8 model is further from the f32 one than 8-bit weights explain\n");
  return ok ? 0 : 1;
} catch (const hk::Error& e) {
  std::fprintf(stderr, "hk-example-mlp: %s\n", e.what());
  return 2;
}
