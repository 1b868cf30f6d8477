// hk's default matmul against its library peers, timed in turns. hk-bench times each row
// after the other, about a second each, so on a machine whose speed drifts within seconds (a
// shared VM) two rows can differ by more than the kernels do. Here, for each shape and thread
// count, short blocks of calls of hk and of every peer alternate, and each ratio is the
// median over rounds of (peer's block time / hk's block time): drift moves both sides of a
// round together and drops out.
//
//   hk-micro-ratios [--dtype f32|i8] [--sizes 1x784x128,16,...] [--threads 1,2] [--rounds N]
//                   [--block-ms MS]
//   hk-micro-ratios --model [--sizes 1,32,256] [--threads 1,2] ...
//
// Same operands, same peers and the same checks as hk-bench (hk_bench_core): every side is
// validated against fp64 before it is timed. A ratio above 1 means hk is faster. --model
// times the course's model (hk-bench model) the same way: hk's optimized and int8 forward
// passes against oneDNN's fused matmul primitive, --sizes naming the batches, with the fp32
// FMA probe (hk-bench's roofline) as one more side, so each f32 side's share of the peak is
// taken in the same rounds, at the same clock, as the ratio. OpenBLAS
// reads OPENBLAS_CORETYPE when it loads (README "hk-bench").
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <hk/hk.hpp>

#include "machine/compute_probes.hpp"
#include "model/mlp.hpp"
#include "peers/peers.hpp"
#include "run/cli.hpp"
#include "run/in_turns.hpp"
#include "run/team.hpp"
#include "run/workload.hpp"

namespace {

using hk_bench::in_turns;
using hk_bench::median;
using hk_bench::Ratio;
using hk_bench::ratio;
using hk_bench::rounds_on;

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "hk-micro-ratios: %s\nusage: hk-micro-ratios [--model] [--sizes MxKxN|N,... (--model: batches)] "
               "[--threads T,...] [--dtype f32|i8] [--rounds N] [--block-ms MS]\n",
               why.c_str());
  std::exit(2);
}

// The course's model: hk's optimized and int8 ways against oneDNN's, per batch and thread count.
bool model_ratios(const std::vector<std::string>& batches, const std::vector<int>& threads, int rounds,
                  double block_ms) {
  using hk_bench::Mlp;
  const Mlp model = Mlp::make(42);  // hk-bench model's weights and inputs
  // The FMA probe on t threads of hk-bench's own team (not hk's pool), a call ~0.1 ms long.
  const hk_bench::ComputeProbe fma = hk_bench::fp32_probe();
  hk_bench::Team team(*std::max_element(threads.begin(), threads.end()));
  const int64_t fma_iterations = hk_bench::iterations_lasting(fma, 100e-6);
  std::printf("| batch | threads | optimized µs | quantized µs | oneDNN µs | oneDNN / optimized | optimized / quantized "
              "| FMA peak GFLOP/s | optimized %% of peak | oneDNN %% of peak |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  bool failed = false;
  for (const std::string& b : batches) {
    const int64_t batch = hk_bench::to_integer("--sizes (batches)", b, 1, 1 << 20);
    const std::vector<float> xv = hk::Tensor::randn({batch, Mlp::kIn}, 7).to_vector<float>();
    const hk_bench::MlpReference ref = hk_bench::mlp_reference(model, xv, batch);
    const hk_bench::MlpInt8Reference ref8 = hk_bench::mlp_int8_reference(model, xv, batch);
    const hk::Tensor x = hk::Tensor::from_vector(xv, {batch, Mlp::kIn});
    for (int t : threads) {
      int omp_threads = t;
      // optimized, quantized (hk's, on the cpu backend) and oneDNN's, in that order.
      std::vector<hk_bench::MlpWay> ways;
      for (const char* name : {"optimized", "quantized"})
        for (hk_bench::MlpWay& w : hk_bench::hk_ways(model, batch, {hk::Backend::cpu, "", t}))
          if (w.name == name) ways.push_back(std::move(w));
      for (hk_bench::MlpWay& w : hk_bench::onednn_mlp_ways(model, batch, &omp_threads)) ways.push_back(std::move(w));
      std::vector<hk::Tensor> outs;
      std::vector<std::function<void()>> sides;
      std::string why;
      for (const hk_bench::MlpWay& w : ways) {
        outs.push_back(hk::Tensor::empty({batch, Mlp::kOut}));
        hk::Tensor& out = outs.back();
        w.forward(x, out);
        const std::vector<float> got = out.to_vector<float>();
        const std::string bad = w.int8 ? hk_bench::check_mlp_int8(got, ref8.logits) : hk_bench::check_mlp_f32(got, ref);
        if (!bad.empty()) why += w.name + ": " + bad + " ";
      }
      if (!why.empty()) {
        std::printf("| %lld | %d | FAILED: %s | | | | |\n", static_cast<long long>(batch), t, why.c_str());
        failed = true;
        continue;
      }
      if (ways.size() != 3) {  // the peer is optional, like in hk-bench
        std::printf("| %lld | %d | | | no oneDNN: hk-bench was built without it | | | | | |\n",
                    static_cast<long long>(batch), t);
        continue;
      }
      for (std::size_t i = 0; i < ways.size(); ++i)
        sides.push_back([&, i] { ways[i].forward(x, outs[i]); });
      volatile double sink = 0;
      sides.push_back([&] { team.run(t, [&](int, int) { sink = sink + fma.run(fma_iterations); }); });
      const auto s = in_turns(sides, t, rounds, block_ms);
      const Ratio peer = ratio(s[2], s[0]), int8 = ratio(s[0], s[1]);
      // A side's share of the peak in round r: (flops / its time) / (probe ops / probe time),
      // that is flops / probe ops · (probe time / side time), the median over rounds.
      const double probe_ops = fma.ops_per_iteration * double(fma_iterations) * double(t);
      auto percent = [&](const std::vector<double>& side) {
        return 100.0 * Mlp::flops(batch) / probe_ops * ratio(s[3], side).median;
      };
      std::printf("| %lld | %d | %.4g | %.4g | %.4g | %.3f (%.3f–%.3f) | %.3f (%.3f–%.3f) | %.1f | %.1f%% | %.1f%% |\n",
                  static_cast<long long>(batch), t, median(s[0]) * 1e6, median(s[1]) * 1e6, median(s[2]) * 1e6,
                  peer.median, peer.lo, peer.hi, int8.median, int8.lo, int8.hi, probe_ops / median(s[3]) * 1e-9, percent(s[0]),
                  percent(s[2]));
    }
  }
  return !failed;
}

}  // namespace

int run_ratios(int argc, char** argv) {
  std::vector<std::string> sizes = {"1x784x128", "32x784x128", "64x128x10", "1x4096x4096", "16", "64", "128", "256"};
  std::vector<int> threads = {1, 2};
  hk::DType dtype = hk::DType::f32;
  int rounds = 41;
  double block_ms = 5;
  bool model = false;
  bool sizes_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--model") {
      model = true;
      continue;
    }
    if (i + 1 >= argc) usage(a + " needs a value");
    const std::string v = argv[++i];
    if (a == "--sizes") {
      sizes = hk_bench::split_list(a, v);
      sizes_given = true;
    } else if (a == "--threads") {
      threads.clear();
      for (const std::string& t : hk_bench::split_list(a, v))
        threads.push_back(static_cast<int>(hk_bench::to_integer(a, t, 1, hk_bench::max_thread_count())));
    } else if (a == "--dtype") {
      if (v != "f32" && v != "i8") usage("--dtype is f32 or i8, got " + v);
      dtype = v == "f32" ? hk::DType::f32 : hk::DType::i8;
    } else if (a == "--rounds") {
      rounds = static_cast<int>(hk_bench::to_integer(a, v, 3, 100000));
    } else if (a == "--block-ms") {
      block_ms = std::atof(v.c_str());
      if (!(block_ms > 0)) usage("--block-ms must be > 0");
    } else {
      usage("unknown option " + a);
    }
  }
  if (model && !sizes_given) sizes = {"1", "32", "256"};  // hk-bench model's batches
  for (const std::string& size : sizes)  // refused before anything runs, not when reached
    if (model) hk_bench::to_integer("--sizes (batches)", size, 1, 1 << 20);
    else hk_bench::parse_size("matmul", size);
  if (model) {
    std::printf("the course's model (hk-bench model) against oneDNN's fused matmul primitive, timed in turns: "
                "median over %d rounds (%d on more than one thread) of the ratios (> 1: the first named faster)\n\n",
                rounds, rounds_on(2, rounds));
    return model_ratios(sizes, threads, rounds, block_ms) ? 0 : 1;
  }
  const int max_threads = *std::max_element(threads.begin(), threads.end());
  hk_bench::Team team(max_threads);
  // hk's default variant (the shape-aware one), as a user calls it: best cpu variant.
  const std::string hk_variant = hk::Registry::get().best("matmul", hk::Backend::cpu, dtype)->variant;
  std::printf("hk matmul:%s (%s) against its peers, timed in turns: median over %d rounds (%d on more than one "
              "thread) of peer time / hk time (> 1: hk faster)\n\n",
              hk::to_string(dtype).c_str(), hk_variant.c_str(), rounds, rounds_on(2, rounds));
  std::printf("| shape | threads | hk µs | peer | peer µs | peer / hk (min–max over rounds) |\n");
  std::printf("|---|---:|---:|---|---:|---:|\n");
  bool failed = false;
  for (const std::string& size : sizes) {
    hk_bench::Workload w("matmul", dtype, hk_bench::parse_size("matmul", size));
    hk_bench::Operands& ops = w.host();
    std::vector<hk_bench::PeerRun> peers = hk_bench::peers_for(w, team);
    for (int t : threads) {
      const hk::Options o{hk::Backend::cpu, hk_variant, t};
      const hk::OpArgs args = w.args(ops);
      const auto hk_call = [&] { w.call(o, args, ops); };
      hk_call();
      if (std::string why = w.check(ops); !why.empty()) {
        std::printf("| %s | %d | FAILED: %s | | | |\n", size.c_str(), t, why.c_str());
        failed = true;
        continue;
      }
      std::vector<hk_bench::PeerRun*> checked;
      for (hk_bench::PeerRun& p : peers) {
        if (p.max_threads > 0 && t > p.max_threads) continue;
        p.run(t);
        if (std::string why = p.check(); !why.empty()) {
          // Reported without a ratio; a peer's wrong answer is not hk's failure (as in hk-bench).
          std::printf("| %s | %d | | %s | FAILED: %s | |\n", size.c_str(), t, p.name.c_str(), why.c_str());
          continue;
        }
        checked.push_back(&p);
      }
      std::vector<std::function<void()>> sides = {hk_call};
      for (hk_bench::PeerRun* p : checked) sides.push_back([p, t] { p->run(t); });
      const auto s = in_turns(sides, t, rounds, block_ms);
      for (std::size_t i = 0; i < checked.size(); ++i) {
        const Ratio q = ratio(s[i + 1], s[0]);
        std::printf("| %s | %d | %.4g | %s | %.4g | %.3f (%.3f–%.3f) |\n", w.label().c_str(), t, median(s[0]) * 1e6,
                    checked[i]->name.c_str(), median(s[i + 1]) * 1e6, q.median, q.lo, q.hi);
      }
      if (checked.empty()) std::printf("| %s | %d | %.4g | none | | |\n", w.label().c_str(), t, median(s[0]) * 1e6);
      hk_bench::let_peer_threads_sleep();
    }
  }
  return failed ? 1 : 0;
}

// Bad arguments (an InvalidArgument from the shared parsers) exit 2 with the usage line.
int main(int argc, char** argv) {
  try {
    return run_ratios(argc, argv);
  } catch (const hk::InvalidArgument& e) {
    usage(e.what());
  }
}
