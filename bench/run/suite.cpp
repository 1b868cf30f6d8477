#include "run/suite.hpp"

#include <algorithm>
#include <set>

#include "hk/op_table.hpp"
#include "hk/registry.hpp"

namespace hk_bench {

std::string Case::title() const { return op + " " + hk::to_string(dtype); }

std::vector<Case> default_suite() {
  // The course's ladder in one screen: both matmuls, an elementwise op and a reduction, at
  // the op table's sizes.
  std::vector<Case> out;
  for (const auto& [op, dtype] : {std::pair{"matmul", hk::DType::f32}, std::pair{"matmul", hk::DType::i8},
                                  std::pair{"relu", hk::DType::f32}, std::pair{"dot", hk::DType::f32}})
    out.push_back({op, dtype, default_sizes(op)});
  return out;
}

std::vector<std::string> default_sizes(const std::string& op) { return {std::string(hk::op_def(op).bench_size)}; }

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
        out.push_back({op, t, default_sizes(op)});
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

// Ops sized MxKxN: matmul and linear.
bool is_matmul(const std::string& op) {
  const hk::OpShape s = hk::op_def(op).shape;
  return s == hk::OpShape::matmul || s == hk::OpShape::linear;
}
bool is_reduction(const std::string& op) { return hk::op_def(op).shape == hk::OpShape::reduction; }

int ladder_rank(const std::string& op, const std::string& backend, const std::string& variant) {
  for (const hk::VariantRow& r : hk::Registry::get().rows())
    if (r.op == op && hk::to_string(r.backend) == backend && r.variant == variant) return r.rung;
  return 1000;  // a peer: after every rung
}

bool is_library_variant(const std::string& op, const std::string& backend, const std::string& variant) {
  for (const hk::VariantRow& r : hk::Registry::get().rows())
    if (r.op == op && hk::to_string(r.backend) == backend && r.variant == variant) return r.origin == hk::Origin::library;
  return false;
}

hk::Shape simulator_check_shape(const hk::OpDef& op) {
  // Odd sizes, so every edge of every tiling is crossed.
  if (op.shape == hk::OpShape::matmul || op.shape == hk::OpShape::linear) return {37, 29, 45};
  return {1000};
}

}  // namespace hk_bench
