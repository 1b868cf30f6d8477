// hk/types.hpp — the small value types every hk call uses: dtypes, backends, devices,
// shapes and per-call options.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hk {

enum class DType { f32, i8, i32 };
std::string to_string(DType);
constexpr std::size_t element_size(DType t) { return t == DType::i8 ? 1 : 4; }  // f32, i32: 4
namespace detail {
template <class T> constexpr DType dtype_of();  // float → f32, int8_t → i8, int32_t → i32
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<int8_t>() { return DType::i8; }
template <> constexpr DType dtype_of<int32_t>() { return DType::i32; }
}  // namespace detail

// Where a kernel runs. `cuda_sim` runs the CUDA kernel sources on the CPU through hk's
// SIMT simulator (correct, slow, never a performance number). `automatic` keeps data on a
// device there, and sends host data to a usable GPU only when the cost estimate of
// hk/choice.hpp says the copies pay; else cpu.
enum class Backend { cpu, cuda, cuda_sim, automatic };
std::string to_string(Backend);
Backend parse_backend(std::string_view);  // "cpu", "cuda", "cuda_sim", "auto"; else InvalidArgument

using Shape = std::vector<int64_t>;
std::string to_string(const Shape&);  // "[2, 3]"

class Device {
 public:
  enum class Kind { cpu, cuda };
  static Device cpu() { return Device(Kind::cpu, 0); }
  static Device cuda(int index = 0);
  static Device parse(std::string_view);  // "cpu", "cuda", "cuda:1"; else InvalidArgument
  Kind kind() const { return kind_; }
  int index() const { return index_; }
  bool is_cpu() const { return kind_ == Kind::cpu; }
  bool is_cuda() const { return kind_ == Kind::cuda; }
  std::string to_string() const;  // "cpu", "cuda:0"
  friend bool operator==(const Device&, const Device&) = default;

 private:
  Device(Kind kind, int index) : kind_(kind), index_(index) {}
  Kind kind_;
  int index_;
};

// Per-call choices. Anything left at its default falls back to the process default
// (set_default_backend / HK_BACKEND, set_num_threads / HK_NUM_THREADS) or to the best
// supported variant.
struct Options {
  Backend backend = Backend::automatic;
  std::string variant;  // e.g. "naive", "blocked", "simd"; empty = best supported
  int threads = 0;      // 0 = hk::num_threads()
  int block_size = 0;   // cache-block edge for variants that take one; 0 = the variant's default
};

}  // namespace hk
