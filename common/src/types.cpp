// String conversions for the small value types.
#include <charconv>

#include "hk/error.hpp"
#include "hk/types.hpp"

namespace hk {

std::string to_string(DType t) {
  switch (t) {
    case DType::f32: return "f32";
    case DType::i8: return "i8";
    case DType::i32: return "i32";
  }
  return "?";
}

std::string to_string(Backend b) {
  switch (b) {
    case Backend::cpu: return "cpu";
    case Backend::cuda: return "cuda";
    case Backend::cuda_sim: return "cuda_sim";
    case Backend::automatic: return "auto";
  }
  return "?";
}

Backend parse_backend(std::string_view s) {
  if (s == "cpu") return Backend::cpu;
  if (s == "cuda") return Backend::cuda;
  if (s == "cuda_sim") return Backend::cuda_sim;
  if (s == "auto" || s == "automatic") return Backend::automatic;
  throw InvalidArgument("unknown backend '" + std::string(s) +
                        "'; expected one of cpu, cuda, cuda_sim, auto");
}

std::string to_string(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

Device Device::cuda(int index) {
  if (index < 0) throw InvalidArgument("cuda device index must be ≥ 0, got " + std::to_string(index));
  return Device(Kind::cuda, index);
}

Device Device::parse(std::string_view s) {
  if (s == "cpu") return cpu();
  if (s == "cuda") return cuda(0);
  if (s.starts_with("cuda:")) {
    std::string_view digits = s.substr(5);
    int index = -1;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (ec == std::errc() && end == digits.data() + digits.size() && !digits.empty() && index >= 0)
      return cuda(index);
  }
  throw InvalidArgument("unknown device '" + std::string(s) + "'; expected cpu, cuda or cuda:N");
}

std::string Device::to_string() const {
  return kind_ == Kind::cpu ? "cpu" : "cuda:" + std::to_string(index_);
}

}  // namespace hk
