// Host memory for tensors: 64-byte aligned so that every SIMD load of a tensor we own is
// aligned to a cache line.
#include <cstdlib>
#include <new>
#include <string>

#include "common/src/fault_injection.hpp"
#include "common/src/memory.hpp"
#include "hk/error.hpp"
#include "hk/tensor.hpp"

namespace hk::detail {

void* host_allocate(std::size_t bytes) {
  if (bytes == 0) return nullptr;
  fault_injection::on_host_allocate(bytes);
  constexpr std::size_t align = Tensor::kHostAlignment;
  if (bytes > SIZE_MAX - align)
    throw OutOfMemory("hk: cannot allocate " + std::to_string(bytes) + " bytes of host memory", bytes);
  std::size_t rounded = (bytes + align - 1) / align * align;
  void* p = std::aligned_alloc(align, rounded);
  if (!p)
    throw OutOfMemory("hk: out of host memory allocating " + std::to_string(bytes) + " bytes", bytes);
  return p;
}

void host_free(void* p, std::size_t) noexcept { std::free(p); }

}  // namespace hk::detail
