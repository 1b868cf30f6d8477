// The environment block every output carries: what ran where, with which libraries and
// which environment variables, so a number can be reproduced and judged.
#pragma once

#include "run/results.hpp"

namespace hk_bench {

// The environment variables that change what hk, OpenBLAS, oneDNN or CUDA do.
const std::vector<std::string>& relevant_variables();

// Gathers the environment: CPU (model, ISA in use, Highway target, caches), hk's threads,
// backends and GPUs, library versions (hk, Highway, OpenBLAS and its core, oneDNN, CUDA),
// the relevant environment variables (never changed by hk-bench) and the load average.
Environment gather_environment();

}  // namespace hk_bench
