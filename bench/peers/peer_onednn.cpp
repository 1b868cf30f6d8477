// oneDNN dnnl_sgemm (the f32 matmul peer), dnnl_gemm_u8s8s32 and dnnl_gemm_s8s8s32 (the
// int8 ones). hk's int8 matmul is s8×s8; oneDNN's fast path takes A unsigned, so for
// u8s8s32 A is shifted by +128 once before timing (not timed) and the zero point ao = 128
// gives back exactly A·B — the same product hk computes, checked by the same exact
// validator; s8s8s32 takes the operands as they are. oneDNN (Debian's build) threads with OpenMP; hk-bench sets the
// OpenMP thread count per row with omp_set_num_threads, never through the environment.
// f32 linear: oneDNN's matmul primitive with the bias argument and a relu post-op
// (onednn_layer.hpp), the fused layer hk's linear is; int8 linear has no peer (see peers.cpp).
#include "peers/peers.hpp"

#if HK_BENCH_HAVE_ONEDNN
#include <omp.h>

#include <oneapi/dnnl/dnnl.h>

#include "peers/onednn_layer.hpp"
#endif

#include <map>
#include <memory>

namespace hk_bench {

#if HK_BENCH_HAVE_ONEDNN

bool onednn_built_in() { return true; }

Fields onednn_versions() {
  const dnnl_version_t* v = dnnl_version();
  std::string runtime = v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : v->cpu_runtime == DNNL_RUNTIME_SEQ ? "sequential" : "other";
  return {{"onednn", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) +
                         " (" + v->hash + "), cpu runtime " + runtime}};
}

std::vector<PeerRun> onednn_peers(Workload& w) {
  Operands& ops = w.host();
  const int64_t m = w.dims()[0], k = w.dims()[1], n = w.dims()[2];
  if (w.dtype() == hk::DType::f32) {
    PeerRun p;
    p.name = "onednn";
    p.summary = "dnnl_sgemm";
    p.work = w.work();
    p.run = [&ops, m, k, n](int threads) {
      if (m == 0 || n == 0) return;  // nothing to compute (dnnl_sgemm rejects a zero-size C)
      omp_set_num_threads(threads);
      dnnl_status_t s = dnnl_sgemm('N', 'N', m, n, k, 1.0f, ops.x.data<float>(), std::max<int64_t>(k, 1),
                                   ops.y.data<float>(), std::max<int64_t>(n, 1), 0.0f, ops.out.data<float>(),
                                   std::max<int64_t>(n, 1));
      if (s != dnnl_success) throw hk::Error("dnnl_sgemm failed with status " + std::to_string(int(s)));
    };
    p.check = [&w, &ops] { return w.check(ops); };
    return {p};
  }
  auto a_u8 = std::make_shared<std::vector<uint8_t>>(size_t(m * k));
  const int8_t* a = ops.x.data<int8_t>();
  for (size_t i = 0; i < a_u8->size(); ++i) (*a_u8)[i] = uint8_t(int(a[i]) + 128);
  PeerRun p;
  p.name = "onednn";
  p.summary = "dnnl_gemm_u8s8s32 with A shifted to u8 and zero point 128 (exact s8×s8)";
  p.work = w.work();
  p.run = [&ops, a_u8, m, k, n](int threads) {
    omp_set_num_threads(threads);
    const int32_t co = 0;
    dnnl_status_t s = dnnl_gemm_u8s8s32('N', 'N', 'F', m, n, k, 1.0f, a_u8->data(), std::max<int64_t>(k, 1), 128,
                                        ops.y.data<int8_t>(), std::max<int64_t>(n, 1), 0, 0.0f,
                                        ops.out.data<int32_t>(), std::max<int64_t>(n, 1), &co);
    if (s != dnnl_success) throw hk::Error("dnnl_gemm_u8s8s32 failed with status " + std::to_string(int(s)));
  };
  p.check = [&w, &ops] { return w.check(ops); };
  // The signed form on hk's own operands: what a caller with s8 activations gets without
  // shifting them first (oneDNN shifts inside the call).
  PeerRun s8;
  s8.name = "onednn_s8s8";
  s8.summary = "dnnl_gemm_s8s8s32 on the s8 operands as they are";
  s8.work = w.work();
  s8.run = [&ops, m, k, n](int threads) {
    omp_set_num_threads(threads);
    const int32_t co = 0;
    dnnl_status_t s = dnnl_gemm_s8s8s32('N', 'N', 'F', m, n, k, 1.0f, ops.x.data<int8_t>(), std::max<int64_t>(k, 1), 0,
                                        ops.y.data<int8_t>(), std::max<int64_t>(n, 1), 0, 0.0f,
                                        ops.out.data<int32_t>(), std::max<int64_t>(n, 1), &co);
    if (s != dnnl_success) throw hk::Error("dnnl_gemm_s8s8s32 failed with status " + std::to_string(int(s)));
  };
  s8.check = [&w, &ops] { return w.check(ops); };
  return {p, s8};
}

std::vector<PeerRun> onednn_linear_peers(Workload& w) {
  const int64_t m = w.dims()[0], k = w.dims()[1], n = w.dims()[2];
  if (w.dtype() != hk::DType::f32 || m == 0 || k == 0 || n == 0) return {};  // oneDNN's matmul takes no empty dimension
  Operands& ops = w.host();
  auto eng = std::make_shared<dnnl::engine>(dnnl::engine::kind::cpu, 0);
  // A primitive per thread count, made on that count's first (untimed, warm-up) run.
  auto layers = std::make_shared<std::map<int, OnednnLayer>>();
  PeerRun p;
  p.name = "onednn";
  p.summary = "dnnl::matmul with the bias argument and a relu post-op, fused (oneDNN f32)";
  p.work = w.work();
  p.run = [&ops, eng, layers, m, k, n](int threads) {
    omp_set_num_threads(threads);
    auto it = layers->find(threads);
    if (it == layers->end()) it = layers->emplace(threads, make_onednn_layer(*eng, m, k, n, ops.y, ops.bias, true)).first;
    OnednnLayer& l = it->second;
    l.src.set_data_handle(ops.x.data<float>());
    l.dst.set_data_handle(ops.out.data<float>());
    dnnl::stream s(*eng);
    l.prim.execute(s, {{DNNL_ARG_SRC, l.src}, {DNNL_ARG_WEIGHTS, l.weights}, {DNNL_ARG_BIAS, l.bias}, {DNNL_ARG_DST, l.dst}});
    s.wait();
  };
  p.check = [&w, &ops] { return w.check(ops); };
  return {p};
}

#else

bool onednn_built_in() { return false; }
Fields onednn_versions() { return {{"onednn", std::string("not built in: ") + HK_BENCH_ONEDNN_ABSENT}}; }
std::vector<PeerRun> onednn_peers(Workload&) { return {}; }
std::vector<PeerRun> onednn_linear_peers(Workload&) { return {}; }

#endif

}  // namespace hk_bench
