// oneDNN's matmul primitive with post-ops: the peer of hk-bench model, and the layer it is
// made of (onednn_layer.hpp). Each layer is one dnnl::matmul with its bias as the
// primitive's bias argument and relu as an eltwise post-op, so oneDNN fuses both into its
// GEMM as hk's linear does. Primitives are created per batch size and thread count before
// timing (oneDNN's JIT compiles them then), and the weights keep the course's (in, out)
// layout (format tag ab), which oneDNN's matmul takes as is.
#include "model/mlp.hpp"
#include "peers/onednn_layer.hpp"

#if HK_BENCH_HAVE_ONEDNN
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
#endif

#include <memory>

namespace hk_bench {

#if HK_BENCH_HAVE_ONEDNN

OnednnLayer make_onednn_layer(const dnnl::engine& eng, int64_t batch, int64_t k, int64_t n, const hk::Tensor& w,
                              const hk::Tensor& b, bool relu) {
  using tag = dnnl::memory::format_tag;
  using dt = dnnl::memory::data_type;
  const dnnl::memory::desc src_md({batch, k}, dt::f32, tag::ab), w_md({k, n}, dt::f32, tag::ab),
      b_md({1, n}, dt::f32, tag::ab), dst_md({batch, n}, dt::f32, tag::ab);
  dnnl::post_ops ops;
  if (relu) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, w_md, b_md, dst_md), attr, eng);
  OnednnLayer l;
  l.prim = dnnl::matmul(pd);
  l.src = dnnl::memory(src_md, eng);
  l.weights = dnnl::memory(w_md, eng, const_cast<float*>(w.data<float>()));  // the caller's own weights
  l.bias = dnnl::memory(b_md, eng, const_cast<float*>(b.data<float>()));
  l.dst = dnnl::memory(dst_md, eng);
  return l;
}

std::vector<MlpWay> onednn_mlp_ways(const Mlp& m, int64_t batch, const int* threads) {
  // oneDNN sizes a primitive's parallel split when it creates it, from OpenMP's thread count
  // then: set it first, or a primitive made after a one-thread run stays on one thread.
  omp_set_num_threads(*threads);
  auto eng = std::make_shared<dnnl::engine>(dnnl::engine::kind::cpu, 0);
  auto l1 = std::make_shared<OnednnLayer>(make_onednn_layer(*eng, batch, Mlp::kIn, Mlp::kHidden, m.w1, m.b1, true));
  auto l2 = std::make_shared<OnednnLayer>(make_onednn_layer(*eng, batch, Mlp::kHidden, Mlp::kOut, m.w2, m.b2, false));
  l2->src = l1->dst;  // layer 2 reads layer 1's output in place
  MlpWay way{"onednn", "dnnl::matmul per layer, bias argument and relu post-op fused (oneDNN f32)", false,
             [eng, l1, l2, threads](const hk::Tensor& x, hk::Tensor& out) {
               omp_set_num_threads(*threads);
               dnnl::stream s(*eng);
               l1->src.set_data_handle(const_cast<float*>(x.data<float>()));
               l2->dst.set_data_handle(out.data<float>());
               l1->prim.execute(s, {{DNNL_ARG_SRC, l1->src}, {DNNL_ARG_WEIGHTS, l1->weights},
                                    {DNNL_ARG_BIAS, l1->bias}, {DNNL_ARG_DST, l1->dst}});
               l2->prim.execute(s, {{DNNL_ARG_SRC, l2->src}, {DNNL_ARG_WEIGHTS, l2->weights},
                                    {DNNL_ARG_BIAS, l2->bias}, {DNNL_ARG_DST, l2->dst}});
               s.wait();
             }};
  return {way};
}

#else

std::vector<MlpWay> onednn_mlp_ways(const Mlp&, int64_t, const int*) { return {}; }

#endif

}  // namespace hk_bench
