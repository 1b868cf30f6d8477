#include "suite.hpp"

#include <algorithm>
#include <set>

#include "hk/registry.hpp"

namespace hk_bench {

std::string Case::title() const { return op + " " + hk::to_string(dtype); }

std::vector<Case> default_suite() {
  // 512³: naive takes ~0.25 s per call here, and blocked ≥ 5× naive is a lesson of the
  // course; 16 Mi floats = 64 MiB per operand, far beyond the caches, so relu and dot show
  // memory bandwidth.
  return {{"matmul", hk::DType::f32, {"512"}},
          {"matmul", hk::DType::i8, {"512"}},
          {"relu", hk::DType::f32, {"16777216"}},
          {"dot", hk::DType::f32, {"16777216"}}};
}

std::vector<std::string> default_sizes(const std::string& op) {
  if (op == "matmul") return {"512"};
  return {"16777216"};
}

std::vector<hk::DType> registry_dtypes(const std::string& op) {
  std::set<hk::DType> seen;
  for (const hk::VariantRow& r : hk::Registry::get().rows())
    if (r.op == op)
      for (hk::DType t : hk::Registry::dtypes(r)) seen.insert(t);
  return {seen.begin(), seen.end()};
}

std::vector<Case> select_cases(const std::vector<std::string>& ops, const std::vector<std::string>& sizes) {
  std::vector<Case> out;
  if (ops.empty()) {
    out = default_suite();
  } else {
    std::vector<std::string> names;
    for (const std::string& spec : ops) {
      if (spec == "all") {
        for (const std::string& op : hk::ops()) names.push_back(op);
      } else {
        names.push_back(spec);
      }
    }
    for (const std::string& spec : names) {
      std::string op = spec.substr(0, spec.find(':'));
      std::string dtype = spec.find(':') == std::string::npos ? "" : spec.substr(spec.find(':') + 1);
      std::vector<hk::DType> dtypes = registry_dtypes(op);
      if (dtypes.empty()) {
        std::string known;
        for (const std::string& o : hk::ops()) known += (known.empty() ? "" : ", ") + o;
        throw hk::InvalidArgument("unknown op '" + op + "'; hk registers: " + known);
      }
      bool matched = false;
      for (hk::DType t : dtypes) {
        if (!dtype.empty() && hk::to_string(t) != dtype) continue;
        matched = true;
        Case c{op, t, default_sizes(op)};
        for (const Case& d : default_suite())
          if (d.op == op && d.dtype == t) c.sizes = d.sizes;
        out.push_back(c);
      }
      if (!matched) {
        std::string have;
        for (hk::DType t : dtypes) have += (have.empty() ? "" : ", ") + hk::to_string(t);
        throw hk::InvalidArgument("op '" + op + "' has no " + dtype + " kernels; it takes " + have);
      }
    }
  }
  if (!sizes.empty())
    for (Case& c : out) c.sizes = sizes;
  return out;
}

int backend_rank(const std::string& backend) {
  if (backend == "cpu") return 0;
  if (backend == "cuda") return 1;
  if (backend == "cuda_sim") return 2;
  return 3;  // peer
}

int ladder_rank(const std::string& backend, const std::string& variant) {
  static const std::vector<std::string> cpu = {"naive", "blocked", "simd", "parallel", "vnni"};
  static const std::vector<std::string> gpu = {"naive", "tiled", "register_tiled", "dp4a", "cublas"};
  const auto& ladder = backend == "cpu" ? cpu : gpu;
  auto it = std::find(ladder.begin(), ladder.end(), variant);
  if (it != ladder.end()) return int(it - ladder.begin());
  const auto rows = hk::Registry::get().rows();
  for (size_t i = 0; i < rows.size(); ++i)
    if (rows[i].variant == variant) return 100 + int(i);
  return 1000;
}

hk::Shape simulator_check_shape(const std::string& op) {
  if (op == "matmul") return {37, 29, 45};
  return {1000};
}

}  // namespace hk_bench
