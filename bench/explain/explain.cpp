#include "explain/explain.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <sstream>

#include "run/cli.hpp"
#include "run/commands.hpp"
#include "report/format.hpp"
#include "hk/registry.hpp"
#include "hk/experimental/trace.hpp"
#include "run/preflight.hpp"
#include "run/workload.hpp"
#include "run/suite.hpp"

namespace hk_bench {

namespace {

// Serializes the pool's chunks and diffs the output after each one.
class Diffing final : public hk::trace::ChunkObserver {
 public:
  Diffing(const void* out, int64_t count, int element_bytes)
      : out_(static_cast<const unsigned char*>(out)), count_(count), bytes_(element_bytes),
        snapshot_(out_, out_ + count * element_bytes) {
    result_.owner.assign(size_t(count), -1);
  }
  bool serialize() const override { return true; }
  void chunk_done(const hk::trace::Chunk& c) override {
    // Runs under the pool's serial lock: no other chunk is writing.
    std::lock_guard lock(mutex_);
    auto [it, fresh] = threads_.try_emplace(c.thread, 0);
    if (fresh) it->second = c.on_caller ? 0 : next_worker_++;
    if (c.on_caller) it->second = 0;
    record(ChunkRecord{c.job, c.begin, c.end, c.n, it->second});
    if (c.end - c.begin < c.n) result_.pool_used = true;
  }
  // Whatever changed outside any chunk (work the kernel did on the calling thread without the
  // pool) belongs to a pseudo-chunk "inline".
  Attribution finish() {
    record(ChunkRecord{-1, 0, 0, 0, 0});
    std::map<int, int> seen;
    for (const ChunkRecord& c : result_.chunks) seen[c.thread] = 1;
    result_.threads = int(seen.size());
    if (!result_.chunks.empty() && result_.chunks.back().job == -1) {
      bool used = std::any_of(result_.owner.begin(), result_.owner.end(),
                              [&](int o) { return o == int(result_.chunks.size()) - 1; });
      if (!used) result_.chunks.pop_back();
    }
    return result_;
  }

 private:
  void record(const ChunkRecord& rec) {
    const int index = int(result_.chunks.size());
    result_.chunks.push_back(rec);
    for (int64_t i = 0; i < count_; ++i) {
      const unsigned char* now = out_ + i * bytes_;
      unsigned char* before = snapshot_.data() + i * bytes_;
      if (std::memcmp(now, before, size_t(bytes_)) == 0) continue;
      std::memcpy(before, now, size_t(bytes_));
      int& owner = result_.owner[size_t(i)];
      owner = owner == -1 || owner == index ? index : -2;
    }
  }

  const unsigned char* out_;
  int64_t count_;
  int bytes_;
  std::vector<unsigned char> snapshot_;
  std::mutex mutex_;
  std::map<std::thread::id, int> threads_;
  int next_worker_ = 1;
  Attribution result_;
};

std::string thread_name(int t) { return t == 0 ? "T0 (calling thread)" : "T" + std::to_string(t) + " (pool worker)"; }

}  // namespace

char chunk_letter(int i) {
  static const char* letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return i >= 0 && i < 62 ? letters[i] : '#';
}

Attribution attribute_cpu(const std::function<void()>& fn, const void* out, int64_t count, int element_bytes) {
  Diffing observer(out, count, element_bytes);
  hk::trace::set_chunk_observer(&observer);
  try {
    fn();
  } catch (...) {
    hk::trace::set_chunk_observer(nullptr);
    throw;
  }
  hk::trace::set_chunk_observer(nullptr);
  return observer.finish();
}

std::string render_grid(const Attribution& a, int64_t rows, int64_t cols) {
  const int64_t max_cells = 32;
  const int64_t bh = (rows + max_cells - 1) / max_cells, bw = (cols + max_cells - 1) / max_cells;
  const int64_t grid_rows = (rows + bh - 1) / std::max<int64_t>(bh, 1), grid_cols = (cols + bw - 1) / std::max<int64_t>(bw, 1);
  std::ostringstream out;
  if (bh > 1 || bw > 1) out << "  (each cell is a " << bh << "x" << bw << " block of elements)\n";
  // Column numbers (element columns; blocks are labelled by their first row only): the tens
  // digit above the units digit, printed where the tens change.
  if (bw == 1) {
    std::string tens = "       ", units = "       ";
    for (int64_t c = 0; c < cols; ++c) {
      tens += c >= 10 && c % 10 == 0 ? std::to_string(c / 10 % 10) + " " : "  ";
      units += std::to_string(c % 10) + " ";
    }
    auto trimmed = [](std::string line) {
      while (!line.empty() && line.back() == ' ') line.pop_back();
      return line;
    };
    if (cols > 10) out << trimmed(tens) << "\n";
    out << trimmed(units) << "\n";
  }
  for (int64_t r = 0; r < grid_rows; ++r) {
    char label[32];
    std::snprintf(label, sizeof label, "%5lld  ", static_cast<long long>(r * bh));
    out << label;
    for (int64_t c = 0; c < grid_cols; ++c) {
      int owner = -3;
      for (int64_t i = r * bh; i < std::min(rows, (r + 1) * bh); ++i)
        for (int64_t j = c * bw; j < std::min(cols, (c + 1) * bw); ++j) {
          int o = a.owner[size_t(i * cols + j)];
          owner = owner == -3 || owner == o ? o : -2;
        }
      out << (owner >= 0 ? chunk_letter(owner) : owner == -1 ? '.' : '*') << (c + 1 < grid_cols ? " " : "");
    }
    out << "\n";
  }
  return out.str();
}

Explanation explain_cpu(const ExplainRequest& q) {
  Workload w(q.op, q.dtype, q.dims);
  Operands& ops = w.host();
  if (is_reduction(q.op))
    throw hk::InvalidArgument("explain " + q.op + ": a reduction has one output value, so there is no grid to show; "
                              "explain an elementwise op (relu, add, ...) or matmul");
  // Sentinel fill: a NaN payload (f32), or a value no small-input kernel produces.
  hk::Tensor& out = ops.out;
  const int64_t count = out.numel();
  const int element_bytes = int(hk::element_size(out.dtype()));
  std::memset(out.raw_data(), 0x7f, size_t(count) * size_t(element_bytes));
  Explanation e;
  e.request = q;
  e.threads = q.threads > 0 ? q.threads : hk::num_threads();
  hk::Options o{hk::Backend::cpu, q.variant, e.threads};
  o.block_size = q.block_size;
  e.cpu = attribute_cpu([&] { w.call(o, ops); }, out.raw_data(), count, element_bytes);
  describe_run(e, hk::Backend::cpu, w, ops);
  return e;
}

void describe_run(Explanation& e, hk::Backend backend, const Workload& w, const Operands& ops) {
  e.check = w.check(ops);
  e.label = w.label();
  e.output = ops.out.shape();
  if (const hk::VariantRow* row = hk::Registry::get().find(e.request.op, backend, e.request.variant))
    e.summary = row->summary;
}

std::string render_explanation(const Explanation& e) {
  if (e.request.backend != "cpu") return render_simulated(e);
  const ExplainRequest& q = e.request;
  const Attribution& a = e.cpu;
  const int threads = e.threads;
  const int64_t count = int64_t(a.owner.size());
  std::ostringstream s;
  s << "explain " << q.op << " " << hk::to_string(q.dtype) << ", cpu/" << q.variant << ", " << e.label << ", "
    << threads << " thread" << (threads > 1 ? "s" : "") << " requested\n";
  if (!e.summary.empty()) s << "  " << e.summary << "\n";
  s << "  result checked against fp64: " << (e.check.empty() ? "correct" : "WRONG — " + e.check) << "\n\n";
  const bool any_chunk = std::any_of(a.chunks.begin(), a.chunks.end(), [](const ChunkRecord& c) { return c.job >= 0; });
  if (!a.pool_used) {
    s << (any_chunk ? "  the pool ran every parallel_for inline on the calling thread: the work is below the "
                      "variant's grain size (small problems never pay for waking threads); try a larger --size\n"
                    : "  the thread pool was not used: everything ran on the calling thread (a sequential variant,\n"
                      "  or a parallel one keeping a problem this small on one thread; try a larger --size)\n");
  } else {
    std::map<int, int> chunks_per_job;
    for (const ChunkRecord& c : a.chunks)
      if (c.job >= 0) ++chunks_per_job[c.job];
    s << "  the pool ran " << chunks_per_job.size() << " parallel_for call" << (chunks_per_job.size() > 1 ? "s" : "")
      << " on " << a.threads << " thread" << (a.threads > 1 ? "s" : "")
      << "; each call splits its index range [0, n) into chunks (the kernel decides what an index is: rows, "
         "tiles, elements):\n";
    if (a.threads == 1)
      s << "  (every chunk ran on the calling thread: the pool lets the caller take over the chunks of a worker\n"
           "  that has not woken up yet — on a busy machine that is common)\n";
  }
  std::vector<int64_t> wrote(a.chunks.size(), 0);
  for (int o : a.owner)
    if (o >= 0) ++wrote[size_t(o)];
  std::map<int, std::pair<int, int>> idle_busy;  // per call: chunks that wrote nothing / something
  for (size_t i = 0; i < a.chunks.size(); ++i) {
    const ChunkRecord& c = a.chunks[i];
    if (c.job < 0) {
      s << "    " << chunk_letter(int(i)) << ": outside any parallel_for, on T0 (calling thread)";
    } else {
      s << "    " << chunk_letter(int(i)) << ": call " << c.job << ", indices [" << c.begin << ", " << c.end << ") of "
        << c.n << ", on " << thread_name(c.thread);
      auto& [idle, busy] = idle_busy[c.job];
      (wrote[i] ? busy : idle) += 1;
    }
    s << (wrote[i] ? ", wrote " + std::to_string(wrote[i]) + " elements\n" : ", wrote no output element\n");
  }
  for (const auto& [job, counts] : idle_busy)
    if (counts.first > 0 && counts.second > 0) {
      s << "  note: in call " << job << " some chunks wrote nothing while another wrote the output: this kernel hands\n"
           "  out its work inside the pool's chunks (dynamic scheduling), and explain runs the chunks one at a time,\n"
           "  so the first to run took all of it. In a real run the threads share that work.\n";
      break;
    }
  // A 1-D output: lines of 32 elements when it is small, else one strip of blocks.
  int64_t rows = is_matmul(q.op) ? q.dims[0] : count <= 1024 ? (count + 31) / 32 : 1;
  int64_t cols = is_matmul(q.op) ? q.dims[2] : count <= 1024 ? std::min<int64_t>(count, 32) : count;
  Attribution shown = a;
  shown.owner.resize(size_t(rows * cols), -1);  // pad a 1-D output to full rows
  s << "\n  output " << (is_matmul(q.op) ? "c (" + std::to_string(rows) + " x " + std::to_string(cols) + ")"
                        : rows > 1 ? "(" + std::to_string(count) + " elements, " + std::to_string(cols) + " per line)"
                                   : "(" + std::to_string(count) + " elements in one line)")
    << ": the chunk that wrote each element ('.' = never written, '*' = several chunks)\n";
  s << render_grid(shown, rows, cols);
  std::map<int, int64_t> per_thread;
  for (int o : a.owner)
    if (o >= 0) per_thread[a.chunks[size_t(o)].thread] += 1;
  s << "\n  elements per thread:";
  for (auto [t, n] : per_thread) s << "  T" << t << " " << n;
  s << "\n";
  return s.str();
}

namespace {

// The ops explain can draw: every registered op but the reductions, whose one output value
// has no grid.
std::vector<std::string> explainable_ops() {
  std::vector<std::string> out;
  for (const std::string& op : hk::ops())
    if (!is_reduction(op)) out.push_back(op);
  return out;
}

}  // namespace

ExplainRequest explain_request(const Args& args) {
  ExplainRequest q;
  q.op = args.explain_op.substr(0, args.explain_op.find(':'));
  if (const std::vector<std::string> ops = explainable_ops(); std::find(ops.begin(), ops.end(), q.op) == ops.end()) {
    std::string list;
    for (const std::string& op : ops) list += (list.empty() ? "" : ", ") + op;
    const bool reduction = is_reduction(q.op);
    throw hk::InvalidArgument((reduction ? "explain " + q.op + ": a reduction has one output value, so there is no grid to show"
                                         : "explain: unknown op '" + q.op + "'") +
                              "; explain takes " + list + " (see hk-bench explain --help)");
  }
  if (args.format != "table" && args.format != "json")
    throw hk::InvalidArgument("explain --format takes table or json, got '" + args.format + "'");
  check_environment();
  if (args.explain_op.find(':') != std::string::npos) {
    std::string d = args.explain_op.substr(args.explain_op.find(':') + 1);
    q.dtype = d == "i8" ? hk::DType::i8 : d == "i32" ? hk::DType::i32 : d == "f32" ? hk::DType::f32
                                                                                 : throw hk::InvalidArgument("unknown dtype '" + d + "'");
  }
  if (args.variants.size() != 1) throw hk::InvalidArgument("explain needs one --variant, e.g. --variant parallel");
  q.variant = args.variants[0];
  q.threads = args.threads.empty() ? 0 : args.threads[0];
  q.block_size = args.block_size;
  q.dims = parse_size(q.op, args.size.empty() ? (is_matmul(q.op) ? "8" : "64") : args.size);
  const hk::Registry& reg = hk::Registry::get();
  if (!args.backends.empty()) {
    q.backend = args.backends[0];
  } else if (reg.find(q.op, hk::Backend::cpu, q.variant)) {
    q.backend = "cpu";
  } else {
    q.backend = "cuda_sim";  // GPU variants are explained under the simulator
  }
  if (q.backend == "cuda") q.backend = "cuda_sim";
  if (q.backend != "cpu" && q.backend != "cuda_sim")
    throw hk::InvalidArgument("explain runs on cpu or cuda_sim, not '" + q.backend + "'");
  hk::Backend b = hk::parse_backend(q.backend);
  if (!reg.find(q.op, b, q.variant)) {
    std::string known;
    for (const hk::VariantRow& r : reg.rows())
      if (r.op == q.op) known += (known.empty() ? "" : ", ") + hk::to_string(r.backend) + "/" + r.variant;
    throw hk::InvalidArgument("no variant '" + q.variant + "' of " + q.op + " on " + q.backend +
                              (known.empty() ? "" : "; registered: " + known));
  }
  return q;
}

Explanation explain(const ExplainRequest& q) { return q.backend == "cpu" ? explain_cpu(q) : explain_simulated(q); }

std::string explanation_json(const Explanation& e) {
  const ExplainRequest& q = e.request;
  auto ints = [](auto&& values) {
    std::string o = "[";
    bool first = true;
    for (auto v : values) {
      o += (first ? "" : ", ") + std::to_string(v);
      first = false;
    }
    return o + "]";
  };
  auto dim3 = [&](const hk::trace::Dim3& d) { return ints(std::vector<unsigned>{d.x, d.y, d.z}); };
  std::ostringstream o;
  o << "{\n  \"schema\": \"hk-bench-explain/1\",\n  \"op\": " << json_string(q.op)
    << ", \"dtype\": " << json_string(hk::to_string(q.dtype)) << ", \"backend\": " << json_string(q.backend)
    << ", \"variant\": " << json_string(q.variant) << ",\n  \"shape\": " << ints(q.dims)
    << ", \"output_shape\": " << ints(e.output) << ", \"label\": " << json_string(e.label)
    << ",\n  \"summary\": " << json_string(e.summary) << ",\n";
  if (q.backend == "cpu") {
    const Attribution& a = e.cpu;
    std::vector<int> thread(a.owner.size());
    for (size_t i = 0; i < a.owner.size(); ++i)
      thread[i] = a.owner[i] >= 0 ? a.chunks[size_t(a.owner[i])].thread : a.owner[i];
    o << "  \"threads\": " << e.threads << ", \"threads_used\": " << a.threads
      << ", \"pool_used\": " << (a.pool_used ? "true" : "false") << ",\n  \"chunks\": [";
    for (size_t i = 0; i < a.chunks.size(); ++i) {
      const ChunkRecord& c = a.chunks[i];
      o << (i ? ",\n    " : "\n    ") << "{\"label\": \"" << chunk_letter(int(i)) << "\", \"call\": " << c.job
        << ", \"begin\": " << c.begin << ", \"end\": " << c.end << ", \"n\": " << c.n << ", \"thread\": " << c.thread
        << "}";
    }
    o << "],\n  \"chunk\": " << ints(a.owner) << ",\n  \"thread\": " << ints(thread) << ",\n";
  } else {
    const SimAttribution& a = e.sim;
    o << "  \"grid_dim\": " << dim3(a.grid) << ", \"block_dim\": " << dim3(a.block) << ", \"launches\": " << a.launches
      << ", \"steps\": " << a.steps << ",\n  \"block\": " << ints(a.block_of)
      << ",\n  \"thread\": " << ints(a.thread_of) << ",\n  \"shared\": [";
    for (size_t i = 0; i < a.snapshots.size(); ++i) {
      const SimAttribution::Snapshot& snap = a.snapshots[i];
      const bool decoded = is_matmul(q.op) && snap.element_bytes == 4;  // as the text decodes it
      o << (i ? ",\n    " : "\n    ") << "{\"step\": " << snap.step << ", \"array\": " << json_string(snap.array)
        << ", \"holds\": " << (decoded ? json_string(describe_tile(snap.values, q.dims[1], q.dims[2])) : "null")
        << ", \"writer\": " << ints(snap.writer) << "}";
    }
    o << "],\n";
  }
  o << "  \"text\": " << json_string(render_explanation(e)) << "\n}\n";
  return o.str();
}

std::string explain_output(const Args& args) {
  Explanation e = explain(explain_request(args));
  std::string text = render_explanation(e);
  if (!e.check.empty()) throw hk::Error(text + "\nexplain: the variant's result is wrong: " + e.check);
  return args.format == "json" ? explanation_json(e) : text;
}

int explain_command(const Args& args) {
  std::fputs(explain_output(args).c_str(), stdout);
  return 0;
}

}  // namespace hk_bench
