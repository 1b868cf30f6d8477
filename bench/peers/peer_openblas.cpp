// OpenBLAS cblas_sgemm: the fp32 matmul peer. OpenBLAS reads OPENBLAS_CORETYPE and
// OPENBLAS_L2_SIZE when it loads; hk-bench never sets or unsets them (the environment block
// shows their values). Its fairest configuration on an AVX-512 machine is with both unset:
//   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE hk-bench
#include "peers/peers.hpp"

#if HK_BENCH_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace hk_bench {

#if HK_BENCH_HAVE_OPENBLAS

bool openblas_built_in() { return true; }

Fields openblas_versions() {
  std::string config = openblas_get_config();
  while (!config.empty() && config.back() == ' ') config.pop_back();
  return {{"openblas", config + "; core " + openblas_get_corename()}};
}

std::vector<PeerRun> openblas_peers(Workload& w) {
  Operands& ops = w.host();
  const int64_t m = w.dims()[0], k = w.dims()[1], n = w.dims()[2];
  PeerRun p;
  p.name = "openblas";
  p.summary = std::string("cblas_sgemm, OpenBLAS core ") + openblas_get_corename();
  p.work = w.work();
  p.run = [&ops, m, k, n](int threads) {
    if (openblas_get_num_threads() != threads) openblas_set_num_threads(threads);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(m), int(n), int(k), 1.0f, ops.x.data<float>(),
                int(std::max<int64_t>(k, 1)), ops.y.data<float>(), int(std::max<int64_t>(n, 1)), 0.0f,
                ops.out.data<float>(), int(std::max<int64_t>(n, 1)));
  };
  p.check = [&w, &ops] { return w.check(ops); };
  return {p};
}

#else

bool openblas_built_in() { return false; }
Fields openblas_versions() { return {{"openblas", std::string("not built in: ") + HK_BENCH_OPENBLAS_ABSENT}}; }
std::vector<PeerRun> openblas_peers(Workload&) { return {}; }

#endif

}  // namespace hk_bench
