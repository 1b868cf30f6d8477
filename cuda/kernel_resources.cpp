// The table ptxas filled at build time: every CUDA kernel in libhk, per architecture.
#include "cuda/kernel_resources.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace hk::cuda {

namespace {

struct Row {
  const char* source;
  int arch;
  const char* mangled;
  int registers, shared_bytes, stack_bytes, spill_store_bytes, spill_load_bytes, constant_bytes;
  int block_threads;
};

const Row kRows[] = {
#include "cuda_resources.inc"
    {nullptr, 0, nullptr, 0, 0, 0, 0, 0, 0, 0}};

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> s(abi::__cxa_demangle(name, nullptr, nullptr, &status), std::free);
  return status == 0 && s ? std::string(s.get()) : std::string(name);
}

}  // namespace

std::vector<CudaKernelResources> compiled_kernel_resources() {
  std::vector<CudaKernelResources> out;
  for (const Row& r : kRows) {
    if (!r.mangled) break;
    out.push_back({demangle(r.mangled), r.mangled, r.source, r.arch, r.registers, r.shared_bytes, r.stack_bytes,
                   r.spill_store_bytes, r.spill_load_bytes, r.constant_bytes, r.block_threads});
  }
  return out;
}

}  // namespace hk::cuda
