// explain for GPU variants: runs the CUDA kernel under the cuda_sim simulator on one OS
// thread with a recorder installed (hk/experimental/trace.hpp), and shows which block and which thread
// wrote each output element and what block (0, 0) loaded into shared memory at each step.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include "explain/explain.hpp"
#include "hk/registry.hpp"
#include "run/workload.hpp"
#include "run/suite.hpp"

namespace hk_bench {

namespace {

using hk::trace::Dim3;

unsigned linear(const Dim3& i, const Dim3& dim) { return (i.z * dim.y + i.y) * dim.x + i.x; }

double element(const void* data, std::size_t index, std::size_t bytes) {
  const char* p = static_cast<const char*>(data) + index * bytes;
  if (bytes == 4) {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  if (bytes == 2) {
    int16_t v;
    std::memcpy(&v, p, 2);
    return v;
  }
  if (bytes == 1) return static_cast<int8_t>(*p);
  double d;
  std::memcpy(&d, p, 8);
  return d;
}

// Diffs the output after every segment; keeps per-step copies of block 0's shared arrays.
class Recorder final : public hk::trace::SimObserver {
 public:
  Recorder(const void* out, int64_t count, int element_bytes)
      : out_(static_cast<const unsigned char*>(out)), count_(count), bytes_(element_bytes),
        snapshot_(out_, out_ + count * element_bytes) {
    result_.block_of.assign(size_t(count), -1);
    result_.thread_of.assign(size_t(count), -1);
  }

  void shared_declared(const hk::trace::SimSegment& s, const hk::trace::SharedArray& a) override {
    // Poison block 0's shared arrays so that every store shows, even of a value an earlier
    // block or launch left behind in the same memory.
    if (linear(s.block_idx, s.grid) != 0 || s.launch != 0) return;
    std::memset(a.data, 0xff, a.bytes);  // NaN for floats
    const auto* p = static_cast<const unsigned char*>(a.data);
    shared_before_[a.name].assign(p, p + a.bytes);
  }

  void segment_done(const hk::trace::SimSegment& s) override {
    result_.grid = s.grid;
    result_.block = s.block;
    result_.launches = std::max(result_.launches, s.launch + 1);
    if (s.launch == 0) result_.steps = std::max(result_.steps, s.step + 1);
    const int block = int(linear(s.block_idx, s.grid)), thread = int(linear(s.thread_idx, s.block));
    for (int64_t i = 0; i < count_; ++i) {
      const unsigned char* now = out_ + i * bytes_;
      unsigned char* before = snapshot_.data() + i * bytes_;
      if (std::memcmp(now, before, size_t(bytes_)) == 0) continue;
      std::memcpy(before, now, size_t(bytes_));
      int& b = result_.block_of[size_t(i)];
      int& t = result_.thread_of[size_t(i)];
      bool again = b != -1 && (b != block || t != thread);
      b = again ? -2 : block;
      t = again ? -2 : thread;
    }
    if (block != 0 || s.launch != 0) return;
    for (std::size_t a = 0; a < s.shared_count; ++a) {
      const hk::trace::SharedArray& arr = s.shared[a];
      std::vector<unsigned char>& before = shared_before_[arr.name];
      const auto* now = static_cast<const unsigned char*>(arr.data);
      if (before.size() != arr.bytes) {  // not declared to us: nothing to compare with yet
        before.assign(now, now + arr.bytes);
        continue;
      }
      const std::size_t n = arr.bytes / std::max<std::size_t>(arr.element_bytes, 1);
      SimAttribution::Snapshot* snap = nullptr;
      for (std::size_t e = 0; e < n; ++e) {
        if (std::memcmp(now + e * arr.element_bytes, before.data() + e * arr.element_bytes, arr.element_bytes) == 0)
          continue;
        if (!snap) snap = &snapshot_for(s.step, arr.name, n, arr.element_bytes);
        snap->writer[e] = snap->writer[e] == -1 || snap->writer[e] == thread ? thread : -2;
      }
      before.assign(now, now + arr.bytes);
      if (snap)
        for (std::size_t e = 0; e < n; ++e) snap->values[e] = element(now, e, arr.element_bytes);
    }
  }

  SimAttribution result() const { return result_; }

 private:
  SimAttribution::Snapshot& snapshot_for(int step, const std::string& name, std::size_t n, std::size_t bytes) {
    for (auto& s : result_.snapshots)
      if (s.step == step && s.array == name) return s;
    SimAttribution::Snapshot s;
    s.step = step;
    s.array = name;
    s.element_bytes = bytes;
    s.values.assign(n, 0);
    s.writer.assign(n, -1);
    result_.snapshots.push_back(s);
    return result_.snapshots.back();
  }

  const unsigned char* out_;
  int64_t count_;
  int bytes_;
  std::vector<unsigned char> snapshot_;
  std::map<std::string, std::vector<unsigned char>> shared_before_;
  SimAttribution result_;
};

std::string coords(unsigned id, const Dim3& dim) {
  std::string s = std::to_string(id % dim.x);
  if (dim.y > 1 || dim.z > 1) {
    s += ',';
    s += std::to_string(id / dim.x % dim.y);
  }
  if (dim.z > 1) {
    s += ',';
    s += std::to_string(id / (dim.x * dim.y));
  }
  return s;
}

// Rows are labelled by the index of their first element: r for a matrix, r·cols for a 1-D
// output laid out `cols` per line (row_stride).
std::string grid_of(const std::vector<int>& ids, const Dim3& dim, int64_t rows, int64_t cols, int64_t row_stride) {
  std::vector<std::string> cells(ids.size());
  size_t w = std::to_string(std::max<int64_t>(cols - 1, 0)).size();
  for (size_t i = 0; i < ids.size(); ++i) {
    cells[i] = ids[i] >= 0 ? coords(unsigned(ids[i]), dim) : std::string(ids[i] == -1 ? "." : "*");
    w = std::max(w, cells[i].size());
  }
  std::ostringstream out;
  out << "       ";
  for (int64_t c = 0; c < cols; ++c) {
    std::string h = std::to_string(c);
    out << std::string(w + 1 - std::min(w + 1, h.size()), ' ') << h;
  }
  out << "\n";
  for (int64_t r = 0; r < rows; ++r) {
    char label[32];
    std::snprintf(label, sizeof label, "%5lld  ", static_cast<long long>(r * row_stride));
    out << label;
    for (int64_t c = 0; c < cols; ++c) {
      const std::string& cell = cells[size_t(r * cols + c)];
      out << std::string(w + 1 - cell.size(), ' ') << cell;
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace

SimAttribution attribute_simulated(const std::function<void()>& fn, const void* out, int64_t count, int element_bytes) {
  Recorder recorder(out, count, element_bytes);
  hk::trace::set_sim_observer(&recorder);
  try {
    fn();
  } catch (...) {
    hk::trace::set_sim_observer(nullptr);
    throw;
  }
  hk::trace::set_sim_observer(nullptr);
  return recorder.result();
}

std::string describe_tile(const std::vector<double>& values, int64_t k, int64_t n) {
  int64_t a_r0 = INT64_MAX, a_r1 = -1, a_c0 = INT64_MAX, a_c1 = -1, b_r0 = INT64_MAX, b_r1 = -1, b_c0 = INT64_MAX, b_c1 = -1;
  int64_t from_a = 0, from_b = 0, zeros = 0, other = 0;
  for (double v : values) {
    if (v == 0) {
      ++zeros;
    } else if (v >= 1 && v == std::floor(v) && v <= double(k) * 1e9) {
      int64_t idx = int64_t(v) - 1, r = k ? idx / k : 0, c = k ? idx % k : 0;
      a_r0 = std::min(a_r0, r), a_r1 = std::max(a_r1, r), a_c0 = std::min(a_c0, c), a_c1 = std::max(a_c1, c);
      ++from_a;
    } else if (v <= -1 && v == std::floor(v)) {
      int64_t idx = int64_t(-v) - 1, r = n ? idx / n : 0, c = n ? idx % n : 0;
      b_r0 = std::min(b_r0, r), b_r1 = std::max(b_r1, r), b_c0 = std::min(b_c0, c), b_c1 = std::max(b_c1, c);
      ++from_b;
    } else {
      ++other;
    }
  }
  auto range = [](int64_t a, int64_t b) { return a == b ? std::to_string(a) : std::to_string(a) + ".." + std::to_string(b); };
  std::vector<std::string> parts;
  if (from_a) parts.push_back("A rows " + range(a_r0, a_r1) + ", cols " + range(a_c0, a_c1));
  if (from_b) parts.push_back("B rows " + range(b_r0, b_r1) + ", cols " + range(b_c0, b_c1));
  if (zeros) parts.push_back(std::to_string(zeros) + " zero" + (zeros > 1 ? "s" : "") + " (outside the matrices)");
  if (other) parts.push_back(std::to_string(other) + " other value" + (other > 1 ? "s" : ""));
  std::string s;
  for (const std::string& p : parts) s += (s.empty() ? "" : " + ") + p;
  return s.empty() ? "nothing" : s;
}

std::string render_sim(const SimAttribution& a, int64_t rows, int64_t cols, bool matrix) {
  const int64_t stride = matrix ? 1 : cols;
  std::ostringstream s;
  s << "  block (blockIdx.x" << (a.grid.y > 1 || a.grid.z > 1 ? ",y" : "") << (a.grid.z > 1 ? ",z" : "")
    << ") that wrote each output element:\n"
    << grid_of(a.block_of, a.grid, rows, cols, stride);
  s << "\n  thread (threadIdx.x" << (a.block.y > 1 || a.block.z > 1 ? ",y" : "") << (a.block.z > 1 ? ",z" : "")
    << ") within its block:\n"
    << grid_of(a.thread_of, a.block, rows, cols, stride);
  return s.str();
}

Explanation explain_simulated(const ExplainRequest& q) {
  for (const hk::BackendInfo& b : hk::backends())
    if (b.backend == hk::Backend::cuda_sim && !b.available)
      throw hk::BackendUnavailable("explain " + q.op + " --variant " + q.variant +
                                   " runs the CUDA kernel under the cuda_sim simulator, which this build "
                                   "doesn't have: " + b.reason);
  Workload w(q.op, q.dtype, q.dims);
  Operands& ops = w.host();
  if (is_reduction(q.op))
    throw hk::InvalidArgument("explain " + q.op + ": a reduction has one output value, so there is no grid to show");
  // Value-encoded inputs: every number in shared memory names the element it came from.
  if (is_matmul(q.op) && q.dtype == hk::DType::f32) {
    float* pa = ops.x.data<float>();
    float* pb = ops.y.data<float>();
    for (int64_t i = 0; i < ops.x.numel(); ++i) pa[i] = float(i + 1);
    for (int64_t i = 0; i < ops.y.numel(); ++i) pb[i] = -float(i + 1);
  }
  hk::Tensor& out = ops.out;
  const int64_t count = out.numel();
  const int element_bytes = int(hk::element_size(out.dtype()));
  std::memset(out.raw_data(), 0x7f, size_t(count) * size_t(element_bytes));
  hk::Options o{hk::Backend::cuda_sim, q.variant, 1};  // one OS thread: segments run one at a time
  o.block_size = q.block_size;
  Explanation e;
  e.request = q;
  e.threads = 1;
  e.sim = attribute_simulated([&] { w.call(o, ops); }, out.raw_data(), count, element_bytes);
  describe_run(e, hk::Backend::cuda_sim, w, ops);
  return e;
}

std::string render_simulated(const Explanation& e) {
  const ExplainRequest& q = e.request;
  const SimAttribution& a = e.sim;
  const bool matmul = is_matmul(q.op);
  const int64_t k = matmul ? q.dims[1] : 0, n = matmul ? q.dims[2] : 0;
  const int64_t count = int64_t(a.block_of.size());
  std::ostringstream s;
  s << "explain " << q.op << " " << hk::to_string(q.dtype) << ", cuda_sim/" << q.variant << ", " << e.label
    << " — the CUDA kernel run by the SIMT simulator on the CPU (exact; its speed means nothing)\n";
  if (!e.summary.empty()) s << "  " << e.summary << "\n";
  s << "  launch: grid " << a.grid.x << "x" << a.grid.y << "x" << a.grid.z << " blocks of " << a.block.x << "x"
    << a.block.y << "x" << a.block.z << " threads" << (a.launches > 1 ? " (" + std::to_string(a.launches) + " launches)" : "")
    << "; result checked against fp64: " << (e.check.empty() ? "correct" : "WRONG — " + e.check) << "\n";
  if (a.launches == 0) s << "  no simulated launch was observed (the variant did not launch a kernel)\n";
  if (matmul && q.dtype == hk::DType::f32)
    s << "  inputs: A[i][k] = i·K + k + 1, B[k][j] = −(k·N + j + 1), so a value in shared memory names its source\n";
  const int64_t rows = matmul ? q.dims[0] : (count + 31) / 32, cols = matmul ? q.dims[2] : std::min<int64_t>(count, 32);
  SimAttribution shown = a;
  shown.block_of.resize(size_t(rows * cols), -1);
  shown.thread_of.resize(size_t(rows * cols), -1);
  s << "\n" << render_sim(shown, rows, cols, matmul);
  if (!a.snapshots.empty()) {
    // Steps are the stretches between __syncthreads; list what block 0 stored in each.
    std::map<int, std::vector<const SimAttribution::Snapshot*>> by_step;
    for (const SimAttribution::Snapshot& snap : a.snapshots) by_step[snap.step].push_back(&snap);
    bool one_each = true;
    for (const SimAttribution::Snapshot& snap : a.snapshots)
      for (size_t slot = 0; slot < snap.writer.size(); ++slot)
        one_each &= snap.writer[slot] == -1 || snap.writer[slot] == int(slot);
    s << "\n  shared memory of block 0, step by step (a step ends at a __syncthreads"
      << (one_each ? "; thread t stores slot t of each tile" : "") << "):\n";
    const int last = std::max(a.steps - 1, by_step.rbegin()->first);
    for (int step = 0; step <= last; ++step) {
      s << "    step " << step << ": ";
      auto it = by_step.find(step);
      if (it == by_step.end()) {
        s << "no stores to shared memory\n";
        continue;
      }
      for (size_t i = 0; i < it->second.size(); ++i) {
        const SimAttribution::Snapshot& snap = *it->second[i];
        s << (i ? "; " : "") << snap.array << " ← "
          << (matmul && snap.element_bytes == 4 ? describe_tile(snap.values, k, n)
                                                : std::to_string(snap.values.size()) + " values");
      }
      s << "\n";
    }
  }
  return s.str();
}

}  // namespace hk_bench
