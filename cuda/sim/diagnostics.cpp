// Diagnostics text (see diagnostics.hpp).
#include "cuda/sim/diagnostics.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>

namespace hk::sim {

const char* barrier_name(detail::BarrierOp op) {
  switch (op) {
    case detail::BarrierOp::sync: return "__syncthreads()";
    case detail::BarrierOp::count: return "__syncthreads_count()";
    case detail::BarrierOp::all: return "__syncthreads_and()";
    case detail::BarrierOp::any: return "__syncthreads_or()";
  }
  return "a barrier";
}

const char* warp_op_name(detail::WarpOp op) {
  switch (op) {
    case detail::WarpOp::syncwarp: return "__syncwarp()";
    case detail::WarpOp::shfl: return "__shfl_sync()";
    case detail::WarpOp::shfl_up: return "__shfl_up_sync()";
    case detail::WarpOp::shfl_down: return "__shfl_down_sync()";
    case detail::WarpOp::shfl_xor: return "__shfl_xor_sync()";
    case detail::WarpOp::ballot: return "__ballot_sync()";
    case detail::WarpOp::all: return "__all_sync()";
    case detail::WarpOp::any: return "__any_sync()";
    case detail::WarpOp::activemask: return "__activemask()";
  }
  return "a warp intrinsic";
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string xyz(uint3 v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "(%u,%u,%u)", v.x, v.y, v.z);
  return buf;
}

// "threads 0-15, 40 (threadIdx (0,0,0), ...)": linear ids in the block, as ranges.
std::string describe_threads(const std::vector<const Lane*>& lanes) {
  std::string ids;
  size_t shown = 0;
  for (size_t i = 0; i < lanes.size();) {
    size_t j = i;
    while (j + 1 < lanes.size() && lanes[j + 1]->tid == lanes[j]->tid + 1) ++j;
    if (++shown > 6) {
      ids += ", ...";
      break;
    }
    if (!ids.empty()) ids += ", ";
    ids += std::to_string(lanes[i]->tid);
    if (j > i) {
      ids += '-';
      ids += std::to_string(lanes[j]->tid);
    }
    i = j + 1;
  }
  std::string out = std::to_string(lanes.size());
  out += lanes.size() == 1 ? " thread (linear id " : " threads (linear id ";
  out += ids;
  out += "; first threadIdx ";
  out += xyz(lanes.front()->idx);
  out += ")";
  return out;
}

void put(int fd, const char* s) {  // async-signal-safe
  for (size_t n = std::strlen(s); n > 0;) {
    ssize_t w = ::write(fd, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<size_t>(w);
  }
}

void put_uint(int fd, unsigned long v) {
  char buf[24];
  char* p = buf + sizeof buf;
  *--p = '\0';
  do *--p = static_cast<char>('0' + v % 10); while ((v /= 10) != 0);
  put(fd, p);
}

void put_xyz(int fd, uint3 v) {
  put(fd, "(");
  put_uint(fd, v.x);
  put(fd, ",");
  put_uint(fd, v.y);
  put(fd, ",");
  put_uint(fd, v.z);
  put(fd, ")");
}

std::string warp_group_head(const Lane& l, int warp) {
  return std::string(warp_op_name(l.warp_op)) + " at " + describe_location(l.where) + " in warp " +
         std::to_string(warp) + " with mask " + hex(l.mask) + ": ";
}

std::string describe_location(const std::source_location& w) {
  return std::string(w.file_name()) + ":" + std::to_string(w.line()) + " in `" + w.function_name() + "`";
}

std::string describe_launch(const KernelLaunch& k) { return "the kernel launched at " + describe_location(k.where); }

std::string barrier_after_exit_message(const std::vector<Lane>& lanes) {
  std::vector<const Lane*> gone, at;
  for (const Lane& l : lanes) (l.state == LaneState::exited ? gone : at).push_back(&l);
  return std::string(barrier_name(at.front()->barrier_op)) + " at " + describe_location(at.front()->where) +
         " was reached by " + describe_threads(at) + " after " + describe_threads(gone) +
         " of the block had exited; every thread of a block must reach every barrier "
         "(bounds-check inside the loop instead of returning early)";
}

std::string divergent_barrier_message(const std::vector<Lane>& lanes) {
  std::map<std::string, std::vector<const Lane*>> places;
  for (const Lane& l : lanes)
    places[std::string(barrier_name(l.barrier_op)) + " at " + describe_location(l.where)].push_back(&l);
  std::string what = "divergent barrier: the threads of the block wait at different barriers:";
  for (const auto& [place, group] : places) what += "\n    " + describe_threads(group) + " at " + place;
  return what + "\n  every thread of a block must reach the same __syncthreads()";
}

std::string warp_deadlock_message(const Lane* warp_lanes, int count, int warp) {
  std::map<std::string, std::vector<const Lane*>> places;
  for (int i = 0; i < count; ++i) {
    const Lane& l = warp_lanes[i];
    std::string place = l.state == LaneState::exited       ? std::string("exited")
                        : l.state == LaneState::at_barrier ? std::string(barrier_name(l.barrier_op)) + " at " +
                                                                 describe_location(l.where)
                                                           : std::string(warp_op_name(l.warp_op)) + " with mask " +
                                                                 hex(l.mask) + " at " + describe_location(l.where);
    places[place].push_back(&l);
  }
  std::string what = "deadlock in warp " + std::to_string(warp) +
                     ": lanes wait at warp intrinsics whose masks name lanes that wait elsewhere "
                     "(every lane a mask names must call the same intrinsic with the same mask):";
  for (const auto& [place, lanes] : places) what += "\n    " + describe_threads(lanes) + ": " + place;
  return what;
}

}  // namespace hk::sim
