// What hk-bench checks before it measures anything: a bad argument or environment variable
// found only after the peak probes (or never, leaving empty tables) wastes the user's
// minutes. Each check throws hk::InvalidArgument (exit status 2) naming the option or the
// variable and what it accepts.
#pragma once

#include <string>
#include <vector>

#include "run/cli.hpp"
#include "run/suite.hpp"

namespace hk_bench {

// Everything run and sweep take, for the cases they will run: the format, every size, the
// variant names, the environment and the output paths.
void check_before_measuring(const Args& args, const std::vector<Case>& cases);

// The environment variables hk-bench acts on: HK_SIM_SCHEDULE (read by the cuda_sim
// simulator, which would otherwise fail every simulated check) and HK_BENCH_BREAK.
void check_environment();

// Every --variant name is a registered variant or a peer of one of the cases, on the
// backends asked (empty = all) and with the peers when `peers`.
void check_variant_names(const std::vector<Case>& cases, const std::vector<std::string>& variants,
                         const std::vector<std::string>& backends, bool peers);

// `path` (given to `option`) can be opened for writing; the check leaves it as it was (an
// existing file untouched, no new file behind).
void check_writable(const std::string& option, const std::string& path);

}  // namespace hk_bench
