#include "run/results.hpp"

namespace hk_bench {

std::string to_string(Status s) {
  switch (s) {
    case Status::ok: return "ok";
    case Status::failed: return "failed";
    case Status::validated: return "validated";
    case Status::skipped: return "skipped";
  }
  return "?";
}

std::string Result::rate_unit() const {
  if (!counts_flops()) return "GB/s";
  return dtype == hk::DType::f32 ? "GFLOP/s" : "GOP/s";
}

std::string Result::case_key() const { return op + "/" + hk::to_string(dtype) + "/" + shape; }

}  // namespace hk_bench
