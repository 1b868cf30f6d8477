// hk::Tensor: shape bookkeeping, checked sizes, storage on the host or a device.
#include "hk/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>

#include "common/src/memory.hpp"

namespace hk {

namespace detail {

struct Storage {
  void* data = nullptr;
  std::size_t bytes = 0;
  Device device = Device::cpu();
  bool owned = true;

  Storage(std::size_t n, Device d) : bytes(n), device(d) {
    if (d.is_cpu())
      data = host_allocate(n);
    else if (n > 0)
      data = usable_device_runtime(d).allocate(n, d.index());
  }
  Storage(void* p, std::size_t n) : data(p), bytes(n), owned(false) {}
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage() {
    if (!owned || !data) return;
    if (device.is_cpu())
      host_free(data, bytes);
    else if (DeviceRuntime* rt = device_runtime(device.kind()))
      rt->deallocate(data, device.index());
  }
};

}  // namespace detail

int64_t checked_numel(const Shape& shape, DType dtype) {
  if (shape.size() > static_cast<std::size_t>(Tensor::kMaxRank))
    throw InvalidArgument("shape " + to_string(shape) + " has rank " + std::to_string(shape.size()) +
                          "; hk tensors have rank ≤ " + std::to_string(Tensor::kMaxRank));
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw InvalidArgument("shape " + to_string(shape) + " has a negative dimension");
    if (__builtin_mul_overflow(n, d, &n))
      throw InvalidArgument("shape " + to_string(shape) + ": element count overflows int64");
  }
  int64_t bytes = 0;
  if (__builtin_mul_overflow(n, static_cast<int64_t>(element_size(dtype)), &bytes) ||
      bytes > std::numeric_limits<int64_t>::max() / 2)
    throw InvalidArgument("shape " + to_string(shape) + " of " + to_string(dtype) +
                          ": byte count overflows");
  return n;
}

const Shape& Tensor::undefined_shape() {
  static const Shape shape{0};
  return shape;
}

Tensor::Tensor(std::shared_ptr<detail::Storage> storage, Shape shape, DType dtype)
    : storage_(std::move(storage)), data_(storage_ ? storage_->data : nullptr),
      device_(storage_ ? storage_->device : Device::cpu()), shape_(std::move(shape)), dtype_(dtype),
      numel_(checked_numel(shape_, dtype)) {
  rank_ = static_cast<int>(shape_.size());  // ≤ kMaxRank: checked_numel refuses more
  std::copy(shape_.begin(), shape_.end(), dims_);
}

Tensor Tensor::empty(Shape shape, DType dtype, Device device) {
  int64_t n = checked_numel(shape, dtype);
  auto storage = std::make_shared<detail::Storage>(static_cast<std::size_t>(n) * element_size(dtype), device);
  return Tensor(std::move(storage), std::move(shape), dtype);
}

Tensor Tensor::zeros(Shape shape, DType dtype, Device device) { return full(std::move(shape), 0.0, dtype, device); }

namespace {

template <class T> void fill_host(void* p, int64_t n, T value) {
  T* t = static_cast<T*>(p);
  for (int64_t i = 0; i < n; ++i) t[i] = value;
}

}  // namespace

Tensor Tensor::full(Shape shape, double value, DType dtype, Device device) {
  if (dtype != DType::f32) {
    double lo = dtype == DType::i8 ? -128.0 : -2147483648.0;
    double hi = dtype == DType::i8 ? 127.0 : 2147483647.0;
    if (!(value >= lo && value <= hi) || value != std::trunc(value))
      throw InvalidArgument("Tensor::full: value " + std::to_string(value) +
                            " is not representable as " + to_string(dtype));
  }
  Tensor host = empty(shape, dtype, Device::cpu());
  switch (dtype) {
    case DType::f32: fill_host<float>(host.raw_data(), host.numel(), static_cast<float>(value)); break;
    case DType::i8: fill_host<int8_t>(host.raw_data(), host.numel(), static_cast<int8_t>(value)); break;
    case DType::i32: fill_host<int32_t>(host.raw_data(), host.numel(), static_cast<int32_t>(value)); break;
  }
  return device.is_cpu() ? host : host.to(device);
}

namespace {

// splitmix64: a tiny generator whose output is the same on every platform, so that
// randn(shape, seed) is reproducible everywhere (std::normal_distribution is not).
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform01() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
};

}  // namespace

Tensor Tensor::randn(Shape shape, uint64_t seed, DType dtype) {
  Tensor t = empty(std::move(shape), dtype, Device::cpu());
  SplitMix64 rng{seed};
  const int64_t n = t.numel();
  if (dtype == DType::f32) {
    float* p = static_cast<float*>(t.raw_data());
    for (int64_t i = 0; i < n; i += 2) {  // Box–Muller: two normals per pair of uniforms
      double u1 = 1.0 - rng.uniform01(), u2 = rng.uniform01();
      double r = std::sqrt(-2.0 * std::log(u1));
      p[i] = static_cast<float>(r * std::cos(2 * std::numbers::pi * u2));
      if (i + 1 < n) p[i + 1] = static_cast<float>(r * std::sin(2 * std::numbers::pi * u2));
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      int v = static_cast<int>(rng.next() % 255) - 127;  // uniform in [-127, 127]
      if (dtype == DType::i8)
        static_cast<int8_t*>(t.raw_data())[i] = static_cast<int8_t>(v);
      else
        static_cast<int32_t*>(t.raw_data())[i] = v;
    }
  }
  return t;
}

Tensor Tensor::from_host_bytes(const void* data, std::size_t count, Shape shape, DType dtype) {
  int64_t n = checked_numel(shape, dtype);
  if (static_cast<std::size_t>(n) != count)
    throw InvalidArgument("Tensor::from_vector: " + std::to_string(count) + " values do not fill shape " +
                          to_string(shape) + " (" + std::to_string(n) + " elements)");
  Tensor t = empty(std::move(shape), dtype, Device::cpu());
  if (t.nbytes()) std::memcpy(t.raw_data(), data, t.nbytes());
  return t;
}

Tensor Tensor::wrap_raw(void* data, Shape shape, DType dtype) {
  int64_t n = checked_numel(shape, dtype);
  if (!data && n != 0)
    throw InvalidArgument("Tensor::wrap: null pointer for non-empty shape " + to_string(shape));
  auto storage = std::make_shared<detail::Storage>(data, static_cast<std::size_t>(n) * element_size(dtype));
  return Tensor(std::move(storage), std::move(shape), dtype);
}

void Tensor::dim_out_of_range(int i) const {
  throw InvalidArgument("dimension " + std::to_string(i) + " out of range for shape " + to_string(shape()));
}


void Tensor::wrong_dtype(DType requested) const {
  throw InvalidArgument("tensor " + description() + " accessed as " + to_string(requested));
}

void Tensor::copy_to_host(void* dst) const {
  if (nbytes() == 0) return;
  if (device().is_cpu())
    std::memcpy(dst, raw_data(), nbytes());
  else
    detail::usable_device_runtime(device()).copy(dst, Device::cpu(), raw_data(), device(), nbytes());
}

Tensor Tensor::to(Device target) const {
  Tensor out = empty(shape(), dtype_, target);
  if (nbytes() == 0) return out;
  if (target.is_cpu() && device().is_cpu()) {
    std::memcpy(out.raw_data(), raw_data(), nbytes());
  } else {
    Device gpu = target.is_cpu() ? device() : target;
    detail::usable_device_runtime(gpu).copy(out.raw_data(), target, raw_data(), device(), nbytes());
  }
  return out;
}

Tensor Tensor::clone() const { return to(device()); }

Tensor Tensor::reshape(Shape shape) const {
  int64_t n = checked_numel(shape, dtype_);
  if (n != numel_)
    throw InvalidArgument("cannot reshape " + description() + " to " + to_string(shape) + " (" +
                          std::to_string(n) + " elements)");
  return Tensor(storage_, std::move(shape), dtype_);
}

std::string Tensor::description() const {
  return to_string(dtype_) + to_string(shape()) + " on " + device().to_string();
}

}  // namespace hk
