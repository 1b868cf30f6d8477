// hk/tensor.hpp — hk::Tensor: an n-dimensional (rank ≤ 4), row-major, contiguous array of
// f32, i8 or i32 on one device. Host storage is 64-byte aligned.
//
// Copies of a Tensor share their storage (like a shared_ptr); clone() copies the data.
// Tensor::wrap views caller memory without copying and never frees it.
#pragma once

#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "hk/error.hpp"
#include "hk/types.hpp"

namespace hk {

namespace detail {
struct Storage;
}  // namespace detail

class Tensor {
 public:
  static constexpr int kMaxRank = 4;
  static constexpr std::size_t kHostAlignment = 64;

  // An empty f32 tensor of shape [0] on the CPU that is also "no tensor": defined() is false
  // for it and its copies, and linear takes it as no bias. Every other tensor, empty ones
  // included, is defined (as PyTorch's at::Tensor::defined()). No storage and no shape of its
  // own (shape() gives undefined_shape()): nothing allocated, and inline, since an op-table
  // call builds two (OpArgs' weight_scales, OpResult's tensor).
  Tensor() : defined_(false) {}

  static Tensor empty(Shape shape, DType dtype = DType::f32, Device device = Device::cpu());
  static Tensor zeros(Shape shape, DType dtype = DType::f32, Device device = Device::cpu());
  // value must be representable in dtype (e.g. 200 or 1.5 for i8 is an InvalidArgument).
  static Tensor full(Shape shape, double value, DType dtype = DType::f32,
                     Device device = Device::cpu());
  // Deterministic for a given seed on every platform. f32: standard normal;
  // i8 and i32: uniform integers in [-127, 127].
  static Tensor randn(Shape shape, uint64_t seed, DType dtype = DType::f32);
  template <class T> static Tensor from_vector(const std::vector<T>& values, Shape shape);
  // A non-owning view of host memory; data may be null only when the shape is empty.
  // The caller keeps the memory alive and need not align it.
  template <class T> static Tensor wrap(T* data, Shape shape);

  const Shape& shape() const { return defined_ ? shape_ : undefined_shape(); }
  int rank() const { return rank_; }
  int64_t dim(int i) const {  // negative i counts from the end
    if (i < -rank_ || i >= rank_) dim_out_of_range(i);
    return dims_[i < 0 ? i + rank_ : i];
  }
  DType dtype() const { return dtype_; }
  bool defined() const { return defined_; }
  Device device() const { return device_; }
  int64_t numel() const { return numel_; }
  std::size_t nbytes() const { return static_cast<std::size_t>(numel_) * element_size(dtype_); }

  // Raw element pointer (a device pointer for cuda tensors). T must match dtype().
  template <class T> T* data();
  template <class T> const T* data() const;
  void* raw_data() { return data_; }
  const void* raw_data() const { return data_; }

  template <class T> std::vector<T> to_vector() const;  // copies to the host
  Tensor to(Device device) const;                      // copies (also when device is the same)
  Tensor clone() const;
  // A tensor of the same storage with another shape of the same numel.
  Tensor reshape(Shape shape) const;

  // True when the byte ranges of a and b intersect (same device). Inline: every op with an
  // output asks it once per input.
  static bool overlaps(const Tensor& a, const Tensor& b) {
    if (a.nbytes() == 0 || b.nbytes() == 0 || a.device() != b.device()) return false;
    const auto a0 = reinterpret_cast<uintptr_t>(a.data_), b0 = reinterpret_cast<uintptr_t>(b.data_);
    return a0 < b0 + b.nbytes() && b0 < a0 + a.nbytes();
  }
  std::string description() const;  // "f32[2, 3] on cpu"

 private:
  Tensor(std::shared_ptr<detail::Storage> storage, Shape shape, DType dtype);
  void* typed_data(DType requested) const {
    if (requested != dtype_) wrong_dtype(requested);
    return data_;
  }
  [[noreturn]] void wrong_dtype(DType requested) const;
  [[noreturn]] void dim_out_of_range(int i) const;
  static Tensor wrap_raw(void* data, Shape shape, DType dtype);
  // [0], the shape of every undefined tensor, which holds no shape of its own: a default
  // tensor is built on every op call (an absent bias, OpArgs, LinearOptions) and so
  // allocates nothing.
  static const Shape& undefined_shape();
  static Tensor from_host_bytes(const void* data, std::size_t count, Shape shape, DType dtype);
  void copy_to_host(void* dst) const;

  std::shared_ptr<detail::Storage> storage_;
  // The storage's pointer and device, fixed for its life: kept here so that the accessors
  // every op calls are inline.
  void* data_ = nullptr;
  Device device_ = Device::cpu();
  Shape shape_;  // empty when !defined_ (shape() gives [0])
  // shape() again, as plain members: rank() and dim() are then loads, with no branch on
  // defined_ and nothing the compiler must reload, in the checks every op makes.
  int64_t dims_[kMaxRank] = {};
  int rank_ = 1;  // an undefined tensor's [0]
  DType dtype_ = DType::f32;
  int64_t numel_ = 0;
  bool defined_ = true;  // false only for Tensor() and its copies
};

// Checked element count of a shape: InvalidArgument for rank > 4, negative dimensions,
// or a count (or byte count for dtype) that overflows.
int64_t checked_numel(const Shape& shape, DType dtype);

template <class T> T* Tensor::data() { return static_cast<T*>(typed_data(detail::dtype_of<T>())); }
template <class T> const T* Tensor::data() const {
  return static_cast<const T*>(typed_data(detail::dtype_of<T>()));
}
template <class T> Tensor Tensor::from_vector(const std::vector<T>& values, Shape shape) {
  return from_host_bytes(values.data(), values.size(), std::move(shape), detail::dtype_of<T>());
}
template <class T> Tensor Tensor::wrap(T* data, Shape shape) {
  using U = std::remove_cv_t<T>;
  return wrap_raw(const_cast<U*>(data), std::move(shape), detail::dtype_of<U>());
}
template <class T> std::vector<T> Tensor::to_vector() const {
  typed_data(detail::dtype_of<T>());  // dtype check
  std::vector<T> out(static_cast<std::size_t>(numel_));
  copy_to_host(out.data());
  return out;
}

}  // namespace hk
