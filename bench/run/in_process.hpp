// hk-bench in-process: what the Python package's hk.bench, hk.explain and hk.profile call. The same
// commands, argument parsing, checks and measurement as the program, with the JSON report
// returned instead of printed, so Python can never measure something hk-bench doesn't (no
// subprocess, no second implementation).
#pragma once

#include <string>
#include <vector>

namespace hk_bench {

struct InProcessResult {
  std::string json;     // `run`: the report of --format json (bench/hk-bench.schema.json);
                        // `explain`, `profile`: their --format json
  int exit_status = 0;  // what hk-bench would exit with: 1 a row failed validation, 2 a case
                        // could not run (the report's notes say why)
};

// `arguments` are hk-bench's, without the program name: {"run", "--op", "matmul", ...} or
// {"explain", "relu", "--variant", "parallel"}. Bad arguments throw hk::InvalidArgument with
// hk-bench's message; a wrong explain result throws hk::Error with the explanation, as the
// program reports it. Nothing goes to stdout, and nothing to stderr unless the arguments say
// --progress always. --format, --output and --html are the caller's to handle.
InProcessResult run_in_process(const std::string& program, const std::vector<std::string>& arguments);

}  // namespace hk_bench
