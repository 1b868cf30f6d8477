// Compute probes for the roofline: loops of independent FMAs (fp32) and vpdpbusd (int8
// dot products) that keep every vector pipe busy, so ops / time is the core's peak rate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace hk_bench {

struct ComputeProbe {
  std::string how;           // "AVX-512 FMA (zmm)", "AVX512-VNNI vpdpbusd (zmm)", ...
  double ops_per_iteration;  // arithmetic operations of one iteration (multiply-add = 2)
  double (*run)(int64_t iterations);  // returns a value that depends on every result
};

// The widest fp32 FMA the detected CPU has (AVX-512, AVX2+FMA, else scalar multiply-add).
ComputeProbe fp32_probe();
// vpdpbusd on zmm (AVX512-VNNI) or ymm (AVX-VNNI); none without an int8 dot instruction.
std::optional<ComputeProbe> int8_probe();
// tdpbssd on AMX tiles, the roof of the calls that run on them (VariantRow::unit); none
// without AMX-INT8, or when Linux refuses this process the tile state.
std::optional<ComputeProbe> int8_tile_probe();

// The iterations for one call of probe.run that lasts longer than `seconds` on one thread:
// doubled from 1024 until a call does.
int64_t iterations_lasting(const ComputeProbe& probe, double seconds);

}  // namespace hk_bench
