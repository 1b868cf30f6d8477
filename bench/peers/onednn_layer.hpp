// One fully connected layer as oneDNN runs it fused: dnnl::matmul with the bias as the
// primitive's bias argument and relu as an eltwise post-op, weights in (in, out) layout
// (format tag ab). The peer of hk's f32 linear, alone (hk-bench run linear) and as the
// layers of hk-bench model (peer_onednn_mlp.cpp). oneDNN sizes the primitive's parallel
// split from OpenMP's thread count when it is made: set that first.
#pragma once

#if HK_BENCH_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.hpp>

#include <hk/tensor.hpp>

namespace hk_bench {

struct OnednnLayer {
  dnnl::matmul prim;
  dnnl::memory src, weights, bias, dst;  // src and dst get their data handles per run
};

// x (batch, k) · w (k, n) + b (n), relu when `relu`; w and b are used in place.
OnednnLayer make_onednn_layer(const dnnl::engine& eng, int64_t batch, int64_t k, int64_t n, const hk::Tensor& w,
                              const hk::Tensor& b, bool relu);

}  // namespace hk_bench
#endif
