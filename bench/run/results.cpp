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

std::string failures_line(const Report& rep) {
  if (!rep.failures) return "";
  std::string line = std::to_string(rep.failures) + " implementation(s) FAILED validation: no numbers are reported for them";
  if (rep.peer_failures)
    line += " (" + std::to_string(rep.peer_failures) + " of them peers', which do not fail the run)";
  return line;
}

std::string Result::case_key() const { return op + "/" + hk::to_string(dtype) + "/" + shape; }

}  // namespace hk_bench
