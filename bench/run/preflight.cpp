#include "run/preflight.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "report/format.hpp"
#include "hk/registry.hpp"
#include "peers/peers.hpp"
#include "run/workload.hpp"
// The simulator's own parser of HK_SIM_SCHEDULE, so that hk-bench accepts exactly what it does.
#include "cuda/sim/launch.hpp"

namespace hk_bench {

namespace {

std::string join(const std::vector<std::string>& items, const std::string& suffix = "") {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s + suffix;
  return out;
}

void add_unique(std::vector<std::string>& list, const std::string& name) {
  if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
}

}  // namespace

void check_before_measuring(const Args& args, const std::vector<Case>& cases) {
  parse_format(args.format);
  for (const Case& c : cases)
    for (const std::string& size : c.sizes) parse_size(c.op, size);
  check_variant_names(cases, args.variants, args.backends, args.peers);
  check_environment();
  check_writable("--output", args.output);
  check_writable("--html", args.html);
}

void check_environment() {
  if (const char* s = std::getenv("HK_SIM_SCHEDULE"); s && *s) hk::sim::parse_schedule(s);
  check_break_env();
}

void check_variant_names(const std::vector<Case>& cases, const std::vector<std::string>& variants,
                         const std::vector<std::string>& backends, bool peers) {
  if (variants.empty()) return;
  auto wanted = [&](const std::string& b) {
    return backends.empty() || std::find(backends.begin(), backends.end(), b) != backends.end();
  };
  std::vector<std::string> subjects, registered, peer_list;
  for (const Case& c : cases) {
    subjects.push_back(c.title());
    for (const hk::VariantRow& row : hk::Registry::get().rows())
      if (row.op == c.op && hk::Registry::kernel_for(row, c.dtype) && wanted(hk::to_string(row.backend)))
        add_unique(registered, row.variant);
    if (peers && wanted("peer"))
      for (const std::string& p : peer_names(c.op, c.dtype)) add_unique(peer_list, p);
  }
  for (const std::string& v : variants) {
    if (std::find(registered.begin(), registered.end(), v) != registered.end() ||
        std::find(peer_list.begin(), peer_list.end(), v) != peer_list.end())
      continue;
    std::string have = join(registered);
    if (!peer_list.empty()) have += (have.empty() ? "" : ", ") + join(peer_list, " (peer)");
    throw hk::InvalidArgument("--variant '" + v + "' is no implementation of " + join(subjects) +
                              (backends.empty() ? "" : " on " + join(backends)) +
                              (have.empty() ? ": these options leave none" : "; use " + have) +
                              (peers ? "" : " (--no-peers leaves out the peers)"));
  }
}

void check_writable(const std::string& option, const std::string& path) {
  if (path.empty()) return;
  // Create it only if it is new (and remove it again); an existing file is opened without
  // truncation, so a run that stops before writing leaves the old report as it was.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  const bool created = fd >= 0;
  if (!created && errno == EEXIST) fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw hk::InvalidArgument("cannot write " + option + " '" + path + "': " + std::strerror(errno));
  ::close(fd);
  if (created) ::unlink(path.c_str());
}

}  // namespace hk_bench
