// OpenBLAS cblas_sgemm: the fp32 matmul peer. OpenBLAS reads OPENBLAS_CORETYPE and
// OPENBLAS_L2_SIZE when it loads; hk-bench never sets or unsets them (the environment block
// shows their values). Its fairest configuration on an AVX-512 machine is with both unset:
//   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE hk-bench
// unless that OpenBLAS predates the CPU's model and falls back to generic kernels: the
// report then says so and names the OPENBLAS_CORETYPE that selects its kernels for the ISA.
#include "peers/peers.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include <hk/cpu_features.hpp>

#if HK_BENCH_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace hk_bench {

#if HK_BENCH_HAVE_OPENBLAS

bool openblas_built_in() { return true; }

namespace {

// OpenBLAS's cores from before AVX2, which a DYNAMIC_ARCH build falls back to on a CPU model
// newer than the release (an Intel model it does not list gets Prescott's SSE3 kernels).
constexpr std::array<std::string_view, 19> kPreAvx2Cores = {
    "Prescott", "Core2",     "Penryn",  "Dunnington", "Nehalem",   "Sandybridge", "Atom",
    "Katmai",   "Coppermine", "Northwood", "Banias", "Barcelona", "Opteron",     "Opteron_SSE3",
    "Bobcat",   "Bulldozer", "Piledriver", "Steamroller", "Excavator"};

}  // namespace

std::string openblas_core_advice() {
  const std::string_view core = openblas_get_corename();
  const hk::CpuFeatures& f = hk::cpu_features();
  const char* suggest = f.has_avx512() ? "SkylakeX" : f.has_avx2_fma() ? "Haswell" : nullptr;
  if (!suggest || std::find(kPreAvx2Cores.begin(), kPreAvx2Cores.end(), core) == kPreAvx2Cores.end()) return "";
  return "OpenBLAS runs its " + std::string(core) + " kernels on this " + (f.has_avx512() ? "AVX-512" : "AVX2") +
         " CPU, whose model it does not know, so its rows are no bar; OPENBLAS_CORETYPE=" + suggest +
         " selects the kernels it has for this ISA";
}

Fields openblas_versions() {
  std::string config = openblas_get_config();
  while (!config.empty() && config.back() == ' ') config.pop_back();
  std::string core = std::string("; core ") + openblas_get_corename();
  if (std::string advice = openblas_core_advice(); !advice.empty()) core += "; " + advice;
  return {{"openblas", config + core}};
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
std::string openblas_core_advice() { return ""; }
Fields openblas_versions() { return {{"openblas", std::string("not built in: ") + HK_BENCH_OPENBLAS_ABSENT}}; }
std::vector<PeerRun> openblas_peers(Workload&) { return {}; }

#endif

}  // namespace hk_bench
