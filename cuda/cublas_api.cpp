#include "cuda/cublas_api.hpp"

#include <dlfcn.h>

#include <mutex>
#include <string>

#include "hk/error.hpp"

// The exported name behind a cublas_v2.h macro (cublasCreate → cublasCreate_v2).
#define HK_SYMBOL_NAME(name) HK_SYMBOL_NAME_(name)
#define HK_SYMBOL_NAME_(name) #name

namespace hk::cuda {

namespace {

const std::string kLibrary = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);

template <class F> void bind(void* lib, F& fn, const char* name) {
  fn = reinterpret_cast<F>(::dlsym(lib, name));
  if (!fn)
    throw BackendUnavailable("cuda: " + kLibrary + " lacks " + name + " (hk was built against cuBLAS " +
                             std::to_string(CUBLAS_VER_MAJOR) + "." + std::to_string(CUBLAS_VER_MINOR) + ")");
}

CublasApi open_cublas() {
  // Kept open for the life of the process: handles made from it outlive any one call.
  void* lib = ::dlopen(kLibrary.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* why = ::dlerror();
    throw BackendUnavailable("cuda: cannot load cuBLAS (" + kLibrary + "): " + (why ? why : "unknown reason") +
                             "; install the CUDA toolkit's cuBLAS or put its folder on LD_LIBRARY_PATH");
  }
  CublasApi api{};
  bind(lib, api.create, HK_SYMBOL_NAME(cublasCreate));
  bind(lib, api.set_stream, HK_SYMBOL_NAME(cublasSetStream));
  bind(lib, api.set_math_mode, HK_SYMBOL_NAME(cublasSetMathMode));
  bind(lib, api.set_workspace, HK_SYMBOL_NAME(cublasSetWorkspace));
  bind(lib, api.get_version, HK_SYMBOL_NAME(cublasGetVersion));
  bind(lib, api.sgemm_64, HK_SYMBOL_NAME(cublasSgemm_64));
  bind(lib, api.gemm_ex_64, HK_SYMBOL_NAME(cublasGemmEx_64));
  return api;
}

}  // namespace

const CublasApi& cublas() {
  // Not a function-local static initialised by open_cublas: a failed load must be retried
  // (and reported) on the next call, not remembered as a half-built table.
  static std::mutex mutex;
  static CublasApi api{};
  static bool loaded = false;
  std::lock_guard lock(mutex);
  if (!loaded) {
    api = open_cublas();
    loaded = true;
  }
  return api;
}

}  // namespace hk::cuda
