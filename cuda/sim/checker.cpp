// cuda_sim's sanitizer checks and memory counters (hk/experimental/sim_check.hpp).
#include "cuda/sim/checker.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <span>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <unordered_set>

#include "cuda/sim/block.hpp"
#include "cuda/sim/diagnostics.hpp"
#include "common/src/function_ref.hpp"
#include "hk/error.hpp"
#include "hk/registry.hpp"
#include "hk/tensor.hpp"

namespace hk::sim {

// ---- which checks, and the calling thread's call ------------------------------------------------

void set_sim_checks_cached(unsigned checks);  // below

namespace {
std::mutex checks_mutex;
bool checks_chosen = false;
unsigned chosen_checks = 0;
thread_local CallChecks* tls_call = nullptr;
thread_local BlockChecker* tls_checker = nullptr;
}  // namespace

unsigned parse_sim_checks(const std::string& text) {
  unsigned checks = 0;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (item == "memcheck") checks |= memcheck;
    else if (item == "racecheck") checks |= racecheck;
    else if (item == "initcheck") checks |= initcheck;
    else if (item == "all") checks |= all_checks;
    else if (item == "none" || item.empty()) continue;
    else
      throw InvalidArgument("HK_SIM_CHECK='" + text + "': '" + item +
                            "' is not a check; expected a comma list of memcheck, racecheck, initcheck (or all, none)");
  }
  return checks;
}

unsigned sim_checks() {
  std::lock_guard lock(checks_mutex);
  if (!checks_chosen) {
    checks_chosen = true;
    if (const char* env = std::getenv("HK_SIM_CHECK"); env && *env) {
      try {
        chosen_checks = parse_sim_checks(env);
      } catch (const InvalidArgument& e) {
        std::fprintf(stderr, "hk: %s; no checks\n", e.what());
      }
      if (chosen_checks && !sim_checks_available()) {
        std::fprintf(stderr,
                     "hk: HK_SIM_CHECK is ignored: this libhk was built with a sanitizer, which cannot be combined "
                     "with cuda_sim's instrumented kernels\n");
        chosen_checks = 0;
      }
    }
  }
  return chosen_checks;
}

void set_sim_checks(unsigned checks) {
  if (checks & ~unsigned(all_checks)) throw InvalidArgument("set_sim_checks: unknown check bits");
  if (checks && !sim_checks_available())
    throw BackendUnavailable("cuda_sim's checks need its instrumented kernels, which a libhk built with a sanitizer "
                             "does not have");
  std::lock_guard lock(checks_mutex);
  checks_chosen = true;
  chosen_checks = checks;
  set_sim_checks_cached(checks);
}

SimCounters& SimCounters::operator+=(const SimCounters& o) {
  global_ld_requests += o.global_ld_requests;
  global_ld_sectors += o.global_ld_sectors;
  global_st_requests += o.global_st_requests;
  global_st_sectors += o.global_st_sectors;
  shared_ld_requests += o.shared_ld_requests;
  shared_ld_wavefronts += o.shared_ld_wavefronts;
  shared_ld_bank_conflicts += o.shared_ld_bank_conflicts;
  shared_st_requests += o.shared_st_requests;
  shared_st_wavefronts += o.shared_st_wavefronts;
  shared_st_bank_conflicts += o.shared_st_bank_conflicts;
  global_ld_bytes += o.global_ld_bytes;
  global_st_bytes += o.global_st_bytes;
  shared_ld_accesses += o.shared_ld_accesses;
  barriers += o.barriers;
  return *this;
}

CallChecks* current_call_checks() { return tls_call; }
void set_current_call_checks(CallChecks* c) { tls_call = c; }
void report_access(const void* addr, unsigned size, bool write, uintptr_t pc) {
  if (BlockChecker* c = tls_checker) c->access(addr, size, write, pc);
}
void set_active_checker(BlockChecker* c) { tls_checker = c; }

void register_scratch(const void* data, std::size_t bytes) {
  if (!tls_call) return;
  const auto p = reinterpret_cast<uintptr_t>(data);
  tls_call->allocations.push_back({p, p + bytes, "scratch buffer (" + std::to_string(bytes) + " bytes)"});
}

void unregister_scratch(const void* data) {
  if (!tls_call) return;
  auto& a = tls_call->allocations;
  const auto p = reinterpret_cast<uintptr_t>(data);
  a.erase(std::remove_if(a.begin(), a.end(), [&](const Allocation& x) { return x.begin == p; }), a.end());
}

// ---- source lines --------------------------------------------------------------------------------

namespace {
// addr2line's answer for one address: the innermost frame outside the simulator's headers
// (an access inside an inline helper of cuda/sim/device.hpp belongs to the kernel line
// that called it).
std::string addr2line(const char* module, uintptr_t offset) {
  char cmd[1024];
  std::snprintf(cmd, sizeof cmd, "addr2line -C -f -i -e '%s' 0x%lx 2>/dev/null", module,
                static_cast<unsigned long>(offset));
  FILE* p = popen(cmd, "r");
  if (!p) return {};
  std::vector<std::string> lines;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) {
    std::string s(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    lines.push_back(s);
  }
  pclose(p);
  std::string best;
  for (std::size_t i = 0; i + 1 < lines.size(); i += 2) {
    const std::string& where = lines[i + 1];
    if (where.rfind("??", 0) == 0) continue;
    std::string file = where.substr(0, where.find(" (discriminator"));
    if (const std::size_t at = file.rfind("/cuda/"); at != std::string::npos) file = file.substr(at + 1);
    std::string fn = lines[i];  // hk::cuda::simulated_checked::f → hk::cuda::f: the kernel's own name
    for (std::size_t at; (at = fn.find("simulated_checked::")) != std::string::npos;) fn.erase(at, 19);
    const std::string text = file + " (" + fn + ")";
    if (best.empty()) best = text;
    if (file.find("cuda/sim/") == std::string::npos && file.find("/c++/") == std::string::npos) return text;
  }
  return best;
}
}  // namespace

std::string describe_pc(uintptr_t pc) {
  static std::mutex cache_mutex;
  static auto* cache = new std::unordered_map<uintptr_t, std::string>;  // leaked: usable after main
  {
    std::lock_guard lock(cache_mutex);
    if (auto it = cache->find(pc); it != cache->end()) return it->second;
  }
  Dl_info info{};
  std::string text;
  if (dladdr(reinterpret_cast<void*>(pc - 1), &info) && info.dli_fname) {
    const uintptr_t offset = pc - 1 - reinterpret_cast<uintptr_t>(info.dli_fbase);
    text = addr2line(info.dli_fname, offset);
    if (text.empty()) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "+0x%lx", static_cast<unsigned long>(offset));
      text = std::string(info.dli_sname ? info.dli_sname : info.dli_fname) + buf;
    }
  } else {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(pc));
    text = buf;
  }
  std::lock_guard lock(cache_mutex);
  return cache->emplace(pc, text).first->second;
}

// ---- the block checker ----------------------------------------------------------------------------

BlockChecker& BlockChecker::here() {
  static thread_local BlockChecker* checker = new BlockChecker;  // leaked: usable after main returned
  return *checker;
}

void BlockChecker::begin(BlockRunner& runner, const KernelLaunch& k, uint3 block_idx, int threads, void* dynamic_shared,
                         std::size_t dynamic_bytes, LaunchProfile* profile) {
  runner_ = &runner;
  launch_ = &k;
  block_ = block_idx;
  threads_ = threads;
  checks_ = k.checks ? k.checks->checks : 0;
  profile_ = profile;
  shared_.clear();
  ++serial_;
  epoch_ = 0;
  coords_[0] = reinterpret_cast<uintptr_t>(&threadIdx);
  coords_[1] = reinterpret_cast<uintptr_t>(&blockIdx);
  coords_[2] = reinterpret_cast<uintptr_t>(&blockDim);
  coords_[3] = reinterpret_cast<uintptr_t>(&gridDim);
  if (dynamic_bytes) announce_shared("dynamic shared memory", dynamic_shared, dynamic_bytes);
  if (profile_) {
    log_.resize(static_cast<std::size_t>(threads));
    for (auto& l : log_) l.clear();
    block_total_ = {};
    block_by_pc_.clear();
  }
}

void BlockChecker::announce_shared(const char* name, void* data, std::size_t bytes) {
  const auto p = reinterpret_cast<uintptr_t>(data);
  for (const SharedArray& a : shared_)
    if (a.begin == p) return;
  std::vector<ByteState>& st = states_[p];
  if (st.size() < bytes) st.resize(bytes);
  shared_.push_back({p, p + bytes, name, st.data()});
}

std::string BlockChecker::thread_name(int tid) const {
  const dim3 b = launch_->block;
  const unsigned u = static_cast<unsigned>(tid);
  return "thread " + xyz(uint3{u % b.x, u / b.x % b.y, u / (b.x * b.y)});
}

// "read of 4 bytes at cuda/kernels/x.cuh:12 (f) by thread (3,0,0)": memcheck's subject.
std::string BlockChecker::access_text(bool write, unsigned size, uintptr_t pc, int tid) const {
  return std::string(write ? "write" : "read") + " of " + std::to_string(size) + " bytes at " + describe_pc(pc) + " by " +
         thread_name(tid);
}

void BlockChecker::fail(const std::string& check, const std::string& what) {
  runner_->check_failed(check + ": " + what);
}

void BlockChecker::access(const void* address, unsigned size, bool write, uintptr_t pc) {
  const auto addr = reinterpret_cast<uintptr_t>(address);
  const int tid = runner_->current_tid();
  for (uintptr_t c : coords_)
    if (addr >= c && addr < c + sizeof(uint3)) return;  // threadIdx & co.: registers on a GPU
  for (const SharedArray& a : shared_)
    if (addr >= a.begin && addr < a.end) {
      if (addr + size > a.end && (checks_ & memcheck))
        fail("memcheck", access_text(write, size, pc, tid) + " runs past the end of __shared__ '" + a.name +
                             "' (offset " + std::to_string(addr - a.begin) + " of " + std::to_string(a.end - a.begin) +
                             " bytes)");
      if (checks_ & (racecheck | initcheck)) check_shared(a, addr, size, write, pc, tid);
      if (profile_) log_[static_cast<std::size_t>(tid)].push_back({pc, addr, static_cast<uint8_t>(size), write, true});
      return;
    }
  const CallChecks* call = launch_->checks;
  for (const Allocation& a : call->allocations)
    if (addr >= a.begin && addr < a.end) {
      if (addr + size > a.end && (checks_ & memcheck))
        fail("memcheck", access_text(write, size, pc, tid) + " runs past the end of " + a.name);
      if (profile_) log_[static_cast<std::size_t>(tid)].push_back({pc, addr, static_cast<uint8_t>(size), write, false});
      return;
    }
  // Local: the simulated thread's stack (a GPU's registers and local memory) lies within a
  // stack's length of this hook's own frame; the launch's arguments are in its closure.
  const auto frame = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  if (addr + 4096 >= frame && addr < frame + stack_bytes()) return;
  const auto closure = reinterpret_cast<uintptr_t>(launch_->closure);
  if (addr >= closure && addr < closure + launch_->closure_bytes) return;
  if (!(checks_ & memcheck)) return;
  Dl_info info{};
  if (dladdr(address, &info) && info.dli_fname) return;  // a static table in a loaded image
  // Nothing the kernel was given: name the nearest tensor, as compute-sanitizer names the
  // nearest allocation.
  std::string nearest;
  uintptr_t best = UINTPTR_MAX;
  auto consider = [&](uintptr_t begin, uintptr_t end, const std::string& name) {
    const uintptr_t d = addr < begin ? begin - addr : addr - end + 1;
    if (d < best) {
      best = d;
      nearest = addr < begin ? std::to_string(d) + " bytes before " + name : std::to_string(d - 1) + " bytes after the end of " + name;
    }
  };
  for (const Allocation& a : call->allocations) consider(a.begin, a.end, a.name);
  for (const SharedArray& a : shared_) consider(a.begin, a.end, "__shared__ '" + a.name + "'");
  char where[40];
  std::snprintf(where, sizeof where, "0x%lx", static_cast<unsigned long>(addr));
  fail("memcheck", access_text(write, size, pc, tid) + ": address " + where +
                       " is in no tensor of the call and no announced __shared__ array" +
                       (nearest.empty() ? std::string() : " (" + nearest + ")") +
                       "; a __shared__ array must be announced with HK_TRACE_SHARED");
}

void BlockChecker::check_shared(const SharedArray& a, uintptr_t addr, unsigned size, bool write, uintptr_t pc,
                                int tid) {
  const uintptr_t end = std::min<uintptr_t>(addr + size, a.end);
  for (uintptr_t p = addr; p < end; ++p) {
    ByteState& s = a.states[p - a.begin];
    const bool written_in_block = s.write_serial == serial_;
    auto place = [&] { return "__shared__ '" + a.name + "' byte " + std::to_string(p - a.begin); };
    if (!write && (checks_ & initcheck) && !written_in_block)
      fail("initcheck", thread_name(tid) + " reads " + place() + " at " + describe_pc(pc) +
                            ", which no thread of the block has written since the launch");
    if (checks_ & racecheck) {
      if (written_in_block && s.write_epoch == epoch_ && s.writer != tid)
        fail("racecheck", thread_name(tid) + (write ? " writes " : " reads ") + place() + " at " + describe_pc(pc) +
                              ", which " + thread_name(s.writer) + " wrote at " + describe_pc(s.write_pc) +
                              " with no barrier between them");
      if (write && s.read_serial == serial_ && s.read_epoch == epoch_ && s.reader != tid)
        fail("racecheck", thread_name(tid) + " writes " + place() + " at " + describe_pc(pc) + ", which " +
                              (s.reader == -2 ? std::string("several threads") : thread_name(s.reader)) + " read at " +
                              describe_pc(s.read_pc) + " with no barrier between them");
    }
    if (write) {
      s.write_serial = serial_;
      s.write_epoch = epoch_;
      s.writer = tid;
      s.write_pc = pc;
    } else {
      const bool read_now = s.read_serial == serial_ && s.read_epoch == epoch_;
      s.reader = read_now && s.reader != tid ? -2 : tid;
      s.read_serial = serial_;
      s.read_epoch = epoch_;
      s.read_pc = pc;
    }
  }
}

void BlockChecker::barrier_released() {
  ++epoch_;
  if (!profile_) return;
  flush();
  block_total_.barriers += static_cast<uint64_t>((threads_ + 31) / 32);
}

// Groups each warp's logged accesses into warp-level requests, and counts them: the k-th
// access a lane makes at one instruction belongs to the same request as every other active
// lane's k-th access there.
void BlockChecker::flush() {
  struct Key {
    uintptr_t pc;
    uint32_t occurrence;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const { return std::hash<uintptr_t>()(k.pc) * 31 + k.occurrence; }
  };
  struct Access {
    int lane;
    uintptr_t addr;
    unsigned size;
  };
  struct Group {
    uintptr_t pc;
    bool write, shared;
    std::vector<Access> lanes;
  };
  for (int w = 0; w * 32 < threads_; ++w) {
    std::unordered_map<Key, std::size_t, KeyHash> index;
    std::vector<Group> groups;
    for (int lane = 0; lane < 32 && w * 32 + lane < threads_; ++lane) {
      std::unordered_map<uintptr_t, uint32_t> seen;
      for (const Record& r : log_[static_cast<std::size_t>(w * 32 + lane)]) {
        const Key key{r.pc, seen[r.pc]++};
        auto [it, fresh] = index.try_emplace(key, groups.size());
        if (fresh) groups.push_back({r.pc, r.write, r.shared, {}});
        groups[it->second].lanes.push_back({lane, r.addr, r.size});
      }
      log_[static_cast<std::size_t>(w * 32 + lane)].clear();
    }
    for (const Group& g : groups) {
      SimCounters c;
      if (!g.shared) {
        std::unordered_set<uintptr_t> sectors;
        uint64_t bytes = 0;
        for (const Access& a : g.lanes) {
          for (uintptr_t s = a.addr >> 5; s <= (a.addr + a.size - 1) >> 5; ++s) sectors.insert(s);
          bytes += a.size;
        }
        (g.write ? c.global_st_requests : c.global_ld_requests) = 1;
        (g.write ? c.global_st_sectors : c.global_ld_sectors) = sectors.size();
        (g.write ? c.global_st_bytes : c.global_ld_bytes) = bytes;
      } else {
        // 32 banks of 4-byte words. A 32-bit access is served for the whole warp at once,
        // a 64-bit one a half-warp at a time, a 128-bit one a quarter-warp at a time; a
        // part that touches exactly the words of the part before it rides in the same
        // wavefronts (broadcast). Within a part, lanes reading the same word share it; a
        // bank holding k distinct words of the part costs k wavefronts.
        unsigned width = 0;
        for (const Access& a : g.lanes) width = std::max(width, a.size);
        const int lanes_per_part = width > 8 ? 8 : width > 4 ? 16 : 32;
        uint64_t wavefronts = 0, parts = 0;
        std::vector<uintptr_t> previous;
        for (int first = 0; first < 32; first += lanes_per_part) {
          std::vector<uintptr_t> words;
          for (const Access& a : g.lanes)
            if (a.lane >= first && a.lane < first + lanes_per_part)
              for (uintptr_t wd = a.addr >> 2; wd <= (a.addr + a.size - 1) >> 2; ++wd) words.push_back(wd);
          if (words.empty()) continue;
          std::sort(words.begin(), words.end());
          words.erase(std::unique(words.begin(), words.end()), words.end());
          if (words == previous) continue;
          int per_bank[32] = {};
          int worst = 0;
          for (uintptr_t wd : words) worst = std::max(worst, ++per_bank[wd % 32]);
          wavefronts += static_cast<uint64_t>(worst);
          ++parts;
          previous = std::move(words);
        }
        (g.write ? c.shared_st_requests : c.shared_ld_requests) = 1;
        if (!g.write) c.shared_ld_accesses = g.lanes.size();
        (g.write ? c.shared_st_wavefronts : c.shared_ld_wavefronts) = wavefronts;
        (g.write ? c.shared_st_bank_conflicts : c.shared_ld_bank_conflicts) = wavefronts - parts;
      }
      block_total_ += c;
      block_by_pc_[g.pc] += c;
    }
  }
}

void BlockChecker::end() {
  if (profile_) {
    flush();
    std::lock_guard lock(profile_->mutex);
    profile_->total += block_total_;
    for (const auto& [pc, c] : block_by_pc_) profile_->by_pc[pc] += c;
  }
  runner_ = nullptr;
}

void BlockChecker::abandon() {
  for (auto& l : log_) l.clear();
  runner_ = nullptr;
}

}  // namespace hk::sim

// ---- the dispatcher's side --------------------------------------------------------------------

namespace hk::sim {

#if HK_SIM_CHECKED
const Registry& checked_registry();  // cuda/register_cuda_sim_checked.cpp
#endif

namespace {
thread_local std::vector<SimKernelProfile>* tls_profiles = nullptr;
// sim_checks() without its mutex, for every call's hot path: −1 until first read.
std::atomic<int> cached_checks{-1};
}  // namespace

bool sim_checks_available() {
#if HK_SIM_CHECKED
  return true;
#else
  return false;
#endif
}

const KernelFn* instrumented_kernel(const VariantRow& row, DType dtype) {
#if HK_SIM_CHECKED
  int checks = cached_checks.load(std::memory_order_relaxed);
  if (checks < 0) cached_checks.store(checks = static_cast<int>(sim_checks()), std::memory_order_relaxed);
  if (checks == 0 && !tls_profiles) return nullptr;
  const VariantRow* twin = checked_registry().find(row.op, Backend::cuda_sim, row.variant);
  return twin ? Registry::kernel_for(*twin, dtype) : nullptr;
#else
  (void)row, (void)dtype;
  return nullptr;
#endif
}

void run_checked(std::span<const Tensor* const> inputs, const Tensor* output, hk::detail::FunctionRef<void()> body) {
  CallChecks call;
  call.checks = sim_checks();
  call.profile = tls_profiles != nullptr;
  call.profiles = tls_profiles;
  auto add = [&](const Tensor& t, const std::string& name) {
    const auto p = reinterpret_cast<uintptr_t>(t.raw_data());
    std::string shape;
    for (int64_t d : t.shape()) shape += (shape.empty() ? "" : "×") + std::to_string(d);
    call.allocations.push_back({p, p + t.nbytes(), name + " (" + shape + " " + to_string(t.dtype()) + ", " +
                                                       std::to_string(t.nbytes()) + " bytes)"});
  };
  for (std::size_t i = 0; i < inputs.size(); ++i) add(*inputs[i], "input " + std::to_string(i));
  if (output) add(*output, "the output");
  CallChecks* outer = current_call_checks();
  set_current_call_checks(&call);
  try {
    body();
  } catch (...) {
    set_current_call_checks(outer);
    throw;
  }
  set_current_call_checks(outer);
}

void set_sim_checks_cached(unsigned checks) { cached_checks.store(static_cast<int>(checks), std::memory_order_relaxed); }

std::vector<SimKernelProfile> sim_profile(const std::function<void()>& work) {
  if (!sim_checks_available())
    throw BackendUnavailable("sim_profile: cuda_sim's profiler needs its instrumented kernels, which a libhk built "
                             "with a sanitizer does not have");
  std::vector<SimKernelProfile> profiles;
  std::vector<SimKernelProfile>* outer = tls_profiles;
  tls_profiles = &profiles;
  try {
    work();
  } catch (...) {
    tls_profiles = outer;
    throw;
  }
  tls_profiles = outer;
  return profiles;
}

}  // namespace hk::sim
