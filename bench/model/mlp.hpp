// The course's model end to end: a Sequential of Dense layers, 784 → 128 → ReLU → 10, its
// forward pass run each way the course teaches and against oneDNN's fused matmul primitive
// (hk-bench model; model.cpp runs and reports it).
//
// Weights are fixed random (seeded, scaled by 1/√fan_in) and stored (in, out) as the
// course's Dense stores them; the layer computes relu(x @ W + b).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "hk/hk.hpp"

namespace hk_bench {

struct Mlp {
  static constexpr int64_t kIn = 784, kHidden = 128, kOut = 10;
  // Floating-point operations of one forward pass: a multiply-add per weight per sample (the
  // bias and relu are not counted).
  static constexpr double flops(int64_t batch) { return 2.0 * double(batch) * double(kIn * kHidden + kHidden * kOut); }
  hk::Tensor w1, b1, w2, b2;           // f32: (784, 128), (128), (128, 10), (10)
  hk::QuantizedWeights q1, q2;         // int8 per-output-channel copies of w1, w2
  static Mlp make(uint64_t seed);
  // The same weights on `device` (quantized ones included).
  Mlp on(hk::Device device) const;
};

// One forward pass of the model over a batch: out (batch, 10) from x (batch, 784).
struct MlpWay {
  std::string name;     // "baseline", "optimized", "quantized", or a peer's name
  std::string summary;  // what it runs
  bool int8 = false;
  std::function<void(const hk::Tensor& x, hk::Tensor& out)> forward;
};

// hk's ways on backend `o.backend` at batch `batch`: baseline (naive matmul, then a
// separate bias add and relu), optimized (the fused linear, best variant) and quantized
// (int8 linear with per-channel weights; activations quantized per call with
// symmetric_scale, or with the given input scales when they are > 0 — data on a GPU,
// where reading the scale back would cost a copy). The returned closures own their
// intermediates (allocated here, not per call).
std::vector<MlpWay> hk_ways(const Mlp& model, int64_t batch, const hk::Options& o, float scale1 = 0,
                            float scale2 = 0);

// oneDNN's matmul primitive with the bias and relu as post-ops, f32, on `threads` OpenMP
// threads (peer_onednn_mlp.cpp); empty when hk-bench was built without oneDNN.
std::vector<MlpWay> onednn_mlp_ways(const Mlp& model, int64_t batch, const int* threads);

// The fp64 reference forward pass, and each logit's rounding bound for an f32 forward pass
// in any summation order: layer 1's bound carried through |W2|, plus layer 2's own.
struct MlpReference {
  std::vector<double> logits, bound;
};
MlpReference mlp_reference(const Mlp& host_model, const std::vector<float>& x, int64_t batch);
// The int8 way's exact result: x and the hidden layer quantized per call with
// symmetric_scale (their scales in scale1, scale2), each linear_i8_value as hk/ops.hpp
// defines it.
struct MlpInt8Reference {
  std::vector<float> logits;
  float scale1 = 0, scale2 = 0;
};
MlpInt8Reference mlp_int8_reference(const Mlp& host_model, const std::vector<float>& x, int64_t batch);

// "" when every logit is within its bound of the fp64 forward pass, else the first that is not.
std::string check_mlp_f32(const std::vector<float>& got, const MlpReference& ref);
// "" when the logits are bit for bit the exact int8 reference's, else the first that differs.
std::string check_mlp_int8(const std::vector<float>& got, const std::vector<float>& want);

}  // namespace hk_bench
