// hk-bench's command line: subcommands (run, list, sweep, explain) and options.
#pragma once

#include <string>
#include <vector>

#include "run/progress.hpp"

namespace hk_bench {

struct Args {
  std::string command = "run";  // run, list, sweep, explain
  std::vector<std::string> argv;
  std::vector<std::string> ops, backends, variants, sizes;
  std::vector<int> threads;
  int repeats = 0;
  double min_time = 1.0;
  int warmup = 2;
  double max_call = -1;  // < 0: the command's default (run 10 s, sweep 2 s)
  bool peers = true;
  std::string format = "table";
  std::string output, html;
  Progress::Mode progress = Progress::Mode::automatic;
  bool quiet = false;  // no notes on stderr (hk-bench in-process: they are in the report's notes)
  bool help = false;
  // explain
  std::string explain_op;
  std::string size;  // explain --size
  int block_size = 0;  // explain --block-size
};

// A comma list given to `option`: an empty list or an empty item (",", "64,,128") is an
// InvalidArgument rather than a silent fall back to the default.
std::vector<std::string> split_list(const std::string& option, const std::string& s);
// An integer in lo..hi given to `option`, else InvalidArgument naming it.
long long to_integer(const std::string& option, const std::string& v, long long lo, long long hi);

// Parses argv; InvalidArgument naming the bad argument.
Args parse_args(int argc, char** argv);
// The --help text; usage("explain") is explain's own, every other command shares the main one.
std::string usage();
std::string usage(const std::string& command);
// The most threads --threads accepts: 4x the hardware threads (at most hk's 1024).
int max_thread_count();
// "64..4096" → 64,128,...,4096 (×2; "A..B*4" for ×4); "256,127x1031x513" → as listed.
std::vector<std::string> expand_sizes(const std::vector<std::string>& specs);

}  // namespace hk_bench
