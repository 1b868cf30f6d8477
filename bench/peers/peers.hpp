// Peers: what a user would otherwise run, measured in the same process and the same run as
// hk's variants, so every ratio comes from one run. OpenBLAS cblas_sgemm (fp32 matmul),
// oneDNN dnnl_gemm_u8s8s32 (int8 matmul), oneDNN's fused matmul primitive (fp32 linear), memcpy and a streaming vector copy of the same bytes
// (elementwise ops) and a streaming read of the same inputs (reductions). OpenBLAS and oneDNN are optional: CMake
// compiles them in when it finds them, else the table says the peer is missing.
//
// A peer is validated before it is timed, like every hk variant: the BLAS peers through the
// workload's own fp64 check, memcpy by comparing the bytes, the streaming read against the
// fp64 sum.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "run/results.hpp"
#include "run/team.hpp"
#include "run/workload.hpp"

namespace hk_bench {

struct PeerRun {
  std::string name;     // the row's variant column: "openblas", "onednn", "memcpy", "stream_copy", "stream_read"
  std::string summary;  // what it computes, with the library version
  hk::Work work;        // its own work (memcpy moves the same bytes as the op)
  bool writes = true;   // held to the copy roof (true) or the read roof
  std::function<void(int threads)> run;
  std::function<std::string()> check;  // "" when the last run's result is right
  int max_threads = 0;                 // 0 = no limit of its own
};

// The peers that serve w's op and dtype (empty when none is compiled in).
std::vector<PeerRun> peers_for(Workload& w, Team& team);
// The names of the peers hk-bench has for op and dtype, compiled in or not (a missing one
// is explained by missing_peer_note): what --variant may name besides registry variants.
std::vector<std::string> peer_names(const std::string& op, hk::DType dtype);
// Why an op has no peer row here ("" when it has one): library not compiled in, or none
// exists for the op.
std::string missing_peer_note(const std::string& op, hk::DType dtype);
// Versions and configuration of the peer libraries, for the environment block.
Fields peer_library_versions();
// After a library peer ran: its idle threads spin for a while (OpenBLAS ~0.1 s, libgomp a few
// ms) and would steal a core from whatever is timed next on a small machine; wait that out.
void let_peer_threads_sleep();

// Per-library pieces (peer_openblas.cpp, peer_onednn.cpp); null / empty when not built in.
std::vector<PeerRun> openblas_peers(Workload& w);
std::vector<PeerRun> onednn_peers(Workload& w);
std::vector<PeerRun> onednn_linear_peers(Workload& w);  // f32 linear: the fused matmul primitive
Fields openblas_versions();
Fields onednn_versions();
bool openblas_built_in();
// "" unless OpenBLAS fell back to kernels older than the CPU's ISA (a release that does not
// know the CPU's model): then what it runs and the OPENBLAS_CORETYPE that does better.
std::string openblas_core_advice();
bool onednn_built_in();

}  // namespace hk_bench
