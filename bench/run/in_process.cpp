#include "run/in_process.hpp"

#include "explain/explain.hpp"
#include "explain/profile.hpp"
#include "hk/error.hpp"
#include "report/format.hpp"
#include "run/commands.hpp"

namespace hk_bench {

InProcessResult run_in_process(const std::string& program, const std::vector<std::string>& arguments) {
  std::vector<std::string> storage{program};
  storage.insert(storage.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (std::string& a : storage) argv.push_back(a.data());
  Args args = parse_args(int(argv.size()), argv.data());
  if (args.help) throw hk::InvalidArgument(program + ": --help is hk-bench's; see the docstring");
  if (!args.output.empty() || !args.html.empty() || args.format != "table")
    throw hk::InvalidArgument(program + " returns the report; --format, --output and --html are hk-bench's");
  args.format = "json";
  args.quiet = args.progress != Progress::Mode::always;
  if (args.quiet) args.progress = Progress::Mode::never;
  if (args.command == "explain") return {explain_output(args), 0};
  if (args.command == "profile") {
    const ProfileReport r = profile_from_args(args);
    if (!r.error.empty()) throw hk::BackendUnavailable(program + ": " + r.error);
    int status = 0;
    for (const ProfiledVariant& v : r.variants) status = v.check.empty() ? status : 1;
    return {render_profile_json(r), status};
  }
  if (args.command != "run")
    throw hk::InvalidArgument(program + " runs hk-bench's run, explain or profile, not '" + args.command + "'");
  Report report = run_report(args);
  return {format_json(report), exit_status(report)};
}

}  // namespace hk_bench
