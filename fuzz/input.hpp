// The fuzzer's view of its input bytes: small choices, shapes, and value fills that reach
// the values kernels get wrong (NaN, ±inf, ±0, denormals, float and integer extremes,
// rounding ties). Past the end of the input every read gives 0, so any input is a case.
#pragma once

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace hk_fuzz {

class Input {
 public:
  Input(const uint8_t* data, size_t size) : p_(data), n_(size) {}
  uint8_t byte() { return i_ < n_ ? p_[i_++] : 0; }
  uint32_t u32() {
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v |= uint32_t(byte()) << (8 * k);
    return v;
  }
  int below(int n) { return byte() % n; }  // n ≤ 256
  // The rare branch on the last value, not on 0: past the input's end every choice then takes
  // its common branch, so an input that a large operand used up still makes a valid call.
  bool one_in(int n) { return below(n) == n - 1; }

 private:
  const uint8_t* p_;
  size_t n_, i_ = 0;
};

// Floats that break kernels: specials, extremes, denormals, ties for quantization.
inline float interesting_float(uint8_t i) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  const float table[] = {0.0f,
                         -0.0f,
                         1.0f,
                         -1.0f,
                         0.5f,
                         -0.5f,
                         1.5f,
                         2.5f,
                         -2.5f,
                         126.5f,
                         127.5f,
                         -127.5f,
                         128.0f,
                         -129.0f,
                         200.0f,
                         std::numeric_limits<float>::quiet_NaN(),
                         -std::numeric_limits<float>::quiet_NaN(),
                         std::bit_cast<float>(0x7f800001u),  // signalling NaN
                         inf,
                         -inf,
                         std::numeric_limits<float>::max(),
                         -std::numeric_limits<float>::max(),
                         std::numeric_limits<float>::min(),
                         std::numeric_limits<float>::denorm_min(),
                         -std::numeric_limits<float>::denorm_min(),
                         1e-40f,
                         -3e-39f,
                         1e30f,
                         -1e30f,
                         1e19f,
                         16777217.0f,
                         0.1f};
  return table[i % std::size(table)];
}

// Fill modes: interesting values, raw bits, small integers, or a seeded pseudo-normal
// fill of a chosen magnitude with interesting values sprinkled in.
inline std::vector<float> floats(Input& in, size_t n) {
  std::vector<float> v(n);
  switch (in.below(4)) {
    case 0:
      for (float& x : v) x = interesting_float(in.byte());
      break;
    case 1:
      for (float& x : v) x = std::bit_cast<float>(in.u32());
      break;
    case 2:
      for (float& x : v) x = static_cast<float>(static_cast<int8_t>(in.byte()) / 8);
      break;
    default: {
      uint64_t s = in.u32() | 1;
      const float magnitude = std::ldexp(1.0f, in.below(160) - 100);
      for (float& x : v) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;  // xorshift64
        x = magnitude * (static_cast<float>(static_cast<int32_t>(s >> 32)) * 0x1.0p-31f);
      }
      for (int k = in.below(8); k > 0 && n > 0; --k) v[in.u32() % n] = interesting_float(in.byte());
    }
  }
  return v;
}

// Fill modes: a byte per element (as it is, the extremes −128 and 127, or −2 … 2), or a
// seeded fill of the whole range, which a large operand (the AMX tiles' shapes) needs so
// that the input does not run out before the options are read.
inline std::vector<int8_t> int8s(Input& in, size_t n) {
  std::vector<int8_t> v(n);
  const int mode = in.below(4);
  if (mode == 3) {
    uint64_t s = in.u32() | 1;
    for (int8_t& x : v) {
      s ^= s << 13, s ^= s >> 7, s ^= s << 17;  // xorshift64
      x = static_cast<int8_t>(s >> 56);
    }
    return v;
  }
  for (int8_t& x : v) {
    uint8_t b = in.byte();
    x = mode == 0 ? static_cast<int8_t>(b) : mode == 1 ? (b & 1 ? int8_t(-128) : int8_t(127)) : int8_t(b % 5 - 2);
  }
  return v;
}

inline std::vector<int32_t> int32s(Input& in, size_t n) {
  std::vector<int32_t> v(n);
  const bool extremes = in.one_in(3);
  for (int32_t& x : v) {
    uint32_t r = in.u32();
    x = extremes ? (r & 1 ? std::numeric_limits<int32_t>::min() : std::numeric_limits<int32_t>::max())
                 : static_cast<int32_t>(r) >> (r & 31);
  }
  return v;
}

// A scale: usually a sensible positive float, sometimes anything (0, negative, NaN, inf,
// denormal, huge).
inline float scale(Input& in) {
  switch (in.below(8)) {
    case 0: return interesting_float(in.byte());
    case 1: return std::bit_cast<float>(in.u32());
    default: return std::ldexp(1.0f + in.below(16) / 16.0f, in.below(40) - 30);
  }
}

}  // namespace hk_fuzz
