// hk-bench: runs every available implementation of hk's kernels, checks each against fp64,
// times it, and prints them side by side with the machine's measured peaks and the peers.
// See `hk-bench --help` and the README.
#include <cstdio>

#include "explain/profile.hpp"
#include "run/commands.hpp"
#include "hk/error.hpp"

int main(int argc, char** argv) try {
  hk_bench::Args args = hk_bench::parse_args(argc, argv);
  if (args.help) {
    std::fputs(hk_bench::usage(args.command).c_str(), stdout);
    return 0;
  }
  if (args.command == "list") return hk_bench::list_command();
  if (args.command == "sweep") return hk_bench::sweep_command(args);
  if (args.command == "explain") return hk_bench::explain_command(args);
  if (args.command == "profile") return hk_bench::profile_command(args);
  if (args.command == "resources") return hk_bench::resources_command();
  if (args.command == "model") return hk_bench::model_command(args);
  return hk_bench::run_command(args);
} catch (const hk::InvalidArgument& e) {
  std::fprintf(stderr, "hk-bench: %s\n", e.what());
  return 2;
} catch (const std::exception& e) {
  std::fprintf(stderr, "hk-bench: error: %s\n", e.what());
  return 2;
}
