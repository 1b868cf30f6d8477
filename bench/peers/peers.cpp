// The memory peers and the list of peers per op.
#include "peers/peers.hpp"

#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <thread>

#include "hk/cpu_features.hpp"
#include "hk_reference.hpp"
#include "machine/memory_kernels.hpp"

namespace hk_bench {

namespace {

// memcpy of half the op's traffic: the same bytes read plus written as the op moves.
PeerRun memcpy_peer(Workload& w, Team& team) {
  const auto bytes = static_cast<int64_t>(w.work().bytes / 2);
  auto src = std::make_shared<hk::Tensor>(hk::Tensor::empty({bytes}, hk::DType::i8));
  auto dst = std::make_shared<hk::Tensor>(hk::Tensor::zeros({bytes}, hk::DType::i8));
  int8_t* s = src->data<int8_t>();
  for (int64_t i = 0; i < bytes; ++i) s[i] = static_cast<int8_t>(i * 131 + (i >> 12));
  PeerRun p;
  p.name = "memcpy";
  p.summary = "memcpy of the same bytes (glibc), split over threads";
  p.work = {0, 2.0 * double(bytes)};
  p.run = [src, dst, bytes, &team](int threads) {
    parallel_copy(team, threads, dst->data<int8_t>(), src->data<int8_t>(), size_t(bytes));
  };
  p.check = [src, dst, bytes]() -> std::string {
    return std::memcmp(dst->data<int8_t>(), src->data<int8_t>(), size_t(bytes)) == 0 ? "" : "copy differs from source";
  };
  p.max_threads = team.size();
  return p;
}

// A vector copy of the same bytes, the widest vectors, with non-temporal stores when the
// copy is larger than the last-level cache (the line goes straight to memory: no read for
// ownership) and ordinary stores when it fits: the best way to move those bytes, where
// glibc's memcpy can be slower.
PeerRun stream_copy_peer(Workload& w, Team& team) {
  const auto floats = static_cast<int64_t>(w.work().bytes / 2 / 4);
  auto src = std::make_shared<hk::Tensor>(hk::Tensor::randn({floats}, 11));
  auto dst = std::make_shared<hk::Tensor>(hk::Tensor::zeros({floats}));
  const int64_t l3 = hk::detected_cpu_features().l3_bytes;
  const bool nontemporal = double(floats) * 8 > double(l3 > 0 ? l3 : 8 << 20);
  PeerRun p;
  p.name = "stream_copy";
  p.summary = "copy of the same bytes with " + stream_isa() + " and " +
              (nontemporal ? "non-temporal" : "ordinary") + " stores, split over threads";
  p.work = {0, 2.0 * double(floats) * 4};
  p.run = [src, dst, floats, nontemporal, &team](int threads) {
    parallel_vector_copy(team, threads, dst->data<float>(), src->data<float>(), floats, nontemporal);
  };
  p.check = [src, dst, floats]() -> std::string {
    return std::memcmp(dst->data<float>(), src->data<float>(), size_t(floats) * 4) == 0 ? "" : "copy differs from source";
  };
  p.max_threads = team.size();
  return p;
}

// A streaming read of the op's own inputs (x and y).
PeerRun stream_peer(Workload& w, Team& team) {
  Operands& ops = w.host();
  auto result = std::make_shared<double>(0);
  PeerRun p;
  p.name = "stream_read";
  p.summary = "sum of every input float, " + stream_isa() + ", split over threads";
  p.work = {0, w.input_bytes()};
  p.writes = false;
  p.run = [&ops, &team, result](int threads) {
    *result = stream_sum(team, threads, ops.x.data<float>(), ops.y.data<float>(), ops.x.numel());
  };
  p.check = [&ops, result]() -> std::string {
    hk_ref::Sum s;
    for (const hk::Tensor* t : {&ops.x, &ops.y})
      for (int64_t i = 0; i < t->numel(); ++i) s.add(t->data<float>()[i]);
    if (hk_ref::float_sum_ok(*result, s, ops.x.numel() + ops.y.numel())) return "";
    return "stream sum " + std::to_string(*result) + ", fp64 " + std::to_string(double(s.ref));
  };
  p.max_threads = team.size();
  return p;
}

}  // namespace

// Peers by the op's shape: matmul libraries for matmuls (OpenBLAS and oneDNN for f32,
// oneDNN for int8), oneDNN's fused matmul primitive for f32 linear, a streaming read for reductions, copies of the same bytes for elementwise ops.
std::vector<PeerRun> peers_for(Workload& w, Team& team) {
  switch (w.def().shape) {
    case hk::OpShape::matmul: {
      std::vector<PeerRun> peers = w.dtype() == hk::DType::f32 ? openblas_peers(w) : std::vector<PeerRun>{};
      for (PeerRun& p : onednn_peers(w)) peers.push_back(std::move(p));
      return peers;
    }
    case hk::OpShape::reduction: return {stream_peer(w, team)};
    case hk::OpShape::elementwise: return {memcpy_peer(w, team), stream_copy_peer(w, team)};
    case hk::OpShape::linear: return onednn_linear_peers(w);
  }
  return {};
}

std::vector<std::string> peer_names(const std::string& op, hk::DType dtype) {
  // The same cases as peers_for.
  switch (hk::op_def(op).shape) {
    case hk::OpShape::matmul:
      if (dtype == hk::DType::f32) return {"openblas", "onednn"};
      return {"onednn", "onednn_s8s8"};
    case hk::OpShape::reduction: return {"stream_read"};
    case hk::OpShape::elementwise: return {"memcpy", "stream_copy"};
    case hk::OpShape::linear:
      if (dtype == hk::DType::f32) return {"onednn"};
      return {};
  }
  return {};
}

std::string missing_peer_note(const std::string& op, hk::DType dtype) {
  const hk::OpShape shape = hk::op_def(op).shape;
  const bool matmul = shape == hk::OpShape::matmul, linear = shape == hk::OpShape::linear;
  if (matmul && dtype == hk::DType::f32 && !openblas_built_in())
    return std::string("no OpenBLAS peer: hk-bench was built without it (") + HK_BENCH_OPENBLAS_ABSENT + "; install and reconfigure)";
  if ((matmul || (linear && dtype == hk::DType::f32)) && !onednn_built_in())
    return std::string("no oneDNN peer: hk-bench was built without it (") + HK_BENCH_ONEDNN_ABSENT + "; install and reconfigure)";
  // oneDNN's int8 matmul dequantizes in its own order of roundings, so its output would not
  // pass hk's bit-exact check of int8 linear; an unchecked row is never timed.
  if (linear && dtype == hk::DType::i8) return "no int8 linear peer: no library rounds its dequantization as hk's exact check requires";
  return "";
}

Fields peer_library_versions() {
  Fields f = openblas_versions();
  for (auto& kv : onednn_versions()) f.push_back(kv);
  f.emplace_back("memory peers", "glibc memcpy; streaming read with " + stream_isa());
  return f;
}

void let_peer_threads_sleep() { std::this_thread::sleep_for(std::chrono::milliseconds(150)); }

}  // namespace hk_bench
