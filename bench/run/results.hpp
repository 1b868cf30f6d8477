// What one hk-bench run produces, independent of how it is printed: the environment, the
// machine's measured peaks, and one Result per (op, shape, implementation, threads).
// The formatters (text, markdown, csv, json, html) only read these structures.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hk/hk.hpp"

namespace hk_bench {

// Key/value pairs in print order (the environment block of every output).
using Fields = std::vector<std::pair<std::string, std::string>>;

struct GpuInfo {
  std::string name;        // "cuda:0 NVIDIA A100-SXM4-40GB"
  std::string capability;  // "sm_80"
  std::string driver, runtime;
  double fp32_gflops = 0, int8_gops = 0, mem_gbps = 0;  // from device properties
};

struct Environment {
  Fields fields;                  // hk version, CPU model, ISA in use, threads, libraries, ...
  Fields variables;               // relevant environment variables ("(unset)" when unset)
  std::vector<hk::BackendInfo> backends;
  std::vector<GpuInfo> gpus;
  std::string value(const std::string& key) const;
};

// One row of the roofline: the machine's measured peaks at one thread count.
struct Peaks {
  int threads = 1;
  double fp32_gflops = 0;  // FMA throughput
  double int8_gops = 0;    // vpdpbusd (0 = the CPU has no int8 dot-product instruction)
  double read_gbps = 0;    // streaming read of a buffer far larger than the caches
  double copy_gbps = 0;    // memcpy of such a buffer, read + write bytes counted
  double int8_tile_gops = 0;  // AMX tdpbssd (0 = no AMX tiles): the roof of calls that run on the tiles
};

struct Roofline {
  std::string fp32_how, int8_how, memory_how;  // which instruction / buffer each probe used
  std::string int8_tile_how;                   // AMX tiles' probe, or why there is none
  std::vector<Peaks> cpu;                      // one entry per thread count probed
  const Peaks* at(int threads) const;          // the entry for `threads`, else the closest
};

enum class Status {
  ok,           // validated, then timed
  failed,       // validation failed or the call threw: no number is ever shown
  validated,    // cuda_sim: checked against fp64, deliberately not timed
  skipped,      // validated, but one call takes longer than --max-call: not timed
};
std::string to_string(Status);

struct Timing {
  double median_ms = 0, min_ms = 0, max_ms = 0;
  int repeats = 0;
};

struct Result {
  // What ran.
  std::string op;       // registry op ("matmul", "relu", ...)
  hk::DType dtype = hk::DType::f32;
  hk::Shape dims;       // matmul {M, K, N}; others {n}
  std::string shape;    // "512x512x512", "16777216"
  std::string backend;  // "cpu", "cuda", "cuda_sim", or "peer"
  std::string variant;  // registry variant, or the peer's name ("openblas", "memcpy", ...)
  bool is_peer = false;
  int threads = 1;      // threads actually used (1 when the variant never split the work)
  std::string summary;  // the registry row's one-liner, or what the peer computes
  bool writes_output = true;  // held to the memory-copy roof (else the read roof)
  bool on_tiles = false;      // its arithmetic ran on the AMX tiles at this shape (VariantRow::unit): their roof

  Status status = Status::ok;
  std::string failure;  // why validation failed (failed), or why it wasn't timed (skipped)

  // Numbers: only for status ok.
  Timing time;                     // kernel only (data already on the device)
  std::optional<Timing> end_to_end;  // GPU rows: with the host↔device copies
  double flops = 0, bytes = 0;     // from the registry's work model (peers: their own)
  double gflops = 0, gbps = 0;
  std::string bound;               // which roof applies: "fp32 FMA", "int8 dot", "memory read", "memory copy";
                                   // or "int8 tiles" (a row on_tiles: the AMX tiles' roof)
  double percent_of_peak = 0;      // time the roof allows / time measured, × 100
  bool cache_resident = false;     // the working set fits in cache: a DRAM roof doesn't bind
  double speedup_vs_naive = 0;     // 0 = no naive row of the same shape/threads/backend
  double vs_best_peer = 0;         // rate / best peer rate at the same shape and threads; 0 = none
  std::string best_peer;
  // Multi-thread CPU rows: the round trip of a cache line between the first two CPUs, measured
  // just before the row was timed (machine/cpu_distance.hpp); 0 = not measured.
  double cpu_round_trip_ns = 0;
  bool cpus_far = false;  // that round trip was far above the run's closest (cpu_distance_note)

  bool compute_bound() const { return bound == "fp32 FMA" || bound == "int8 dot" || bound == "int8 tiles"; }
  // An op doing more than one operation per byte (matmul) is counted in GFLOP/s (GOP/s for
  // int8) at every size; the others (elementwise, reductions, copies) in GB/s.
  bool counts_flops() const { return flops > bytes; }
  double rate() const { return counts_flops() ? gflops : gbps; }
  std::string rate_unit() const;
  std::string case_key() const;  // op/dtype/shape: rows with the same key are compared
};

// One table: all rows of one op and dtype.
struct Table {
  std::string op;
  hk::DType dtype;
  std::string title;  // "matmul f32"
  std::vector<Result> rows;
  std::vector<std::string> notes;  // unsupported variants, missing peers, ...
};

// Sweep: per op, each variant's rate over sizes, and the CPU/GPU crossover when there is a GPU.
struct Crossover {
  std::string op;
  hk::DType dtype;
  bool found = false;
  std::string text;  // "GPU (end-to-end) overtakes the best CPU variant between 256 and 512" or why not
  double size = 0;   // interpolated crossover size (when found)
  std::string measure;  // "end-to-end" or "kernel-only"
};

struct Report {
  std::string command;  // "run" or "sweep"
  std::vector<std::string> argv;
  Environment env;
  Roofline roofline;
  Fields settings;      // warm-up, min time, repeats, threads
  std::vector<Table> tables;
  std::vector<Crossover> crossovers;  // sweep only
  std::vector<std::string> notes;     // run-wide notes (no GPU, missing peers, failures)
  // The GPU tables' kernels under cuda_sim's profiler (explain/profile.hpp), rendered: one
  // JSON object and one HTML section per op and dtype. Empty without GPU rows.
  std::vector<std::string> gpu_counters_json, gpu_counters_html;
  int failures = 0;       // rows that failed validation, peers' included
  // ... of them peers': a peer's wrong answer is reported (oneDNN's s8s8 GEMM on a CPU
  // without VNNI saturates its int16 pairs), but only hk's rows fail the run.
  int peer_failures = 0;
  int errors = 0;  // cases that could not run at all (see notes)
};

// "N implementation(s) FAILED validation ...", saying how many were peers; "" when none.
std::string failures_line(const Report& rep);

}  // namespace hk_bench
