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

const std::string kVersion = std::to_string(CUBLAS_VER_MAJOR);
const std::string kLibrary = "libcublas.so." + kVersion;
const std::string kLtLibrary = "libcublasLt.so." + kVersion;

// One opened library: its loader handle and its file name, for messages.
struct Library {
  void* handle;
  const std::string& name;
};

Library open_library(const std::string& name, const char* what) {
  // Kept open for the life of the process: handles made from it outlive any one call.
  void* lib = ::dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* why = ::dlerror();
    throw BackendUnavailable(std::string("cuda: cannot load ") + what + " (" + name + "): " +
                             (why ? why : "unknown reason") + "; install the CUDA toolkit's " + what +
                             " or put its folder on LD_LIBRARY_PATH");
  }
  return {lib, name};
}

template <class F> void bind(const Library& lib, F& fn, const char* name) {
  fn = reinterpret_cast<F>(::dlsym(lib.handle, name));
  if (!fn)
    throw BackendUnavailable("cuda: " + lib.name + " lacks " + name + " (hk was built against cuBLAS " +
                             std::to_string(CUBLAS_VER_MAJOR) + "." + std::to_string(CUBLAS_VER_MINOR) + ")");
}

CublasApi open_cublas() {
  const Library lib = open_library(kLibrary, "cuBLAS");
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

CublasLtApi open_cublaslt() {
  const Library lib = open_library(kLtLibrary, "cuBLASLt");
  CublasLtApi api{};
  bind(lib, api.matmul, "cublasLtMatmul");
  bind(lib, api.matmul_desc_create, "cublasLtMatmulDescCreate");
  bind(lib, api.matmul_desc_destroy, "cublasLtMatmulDescDestroy");
  bind(lib, api.matmul_desc_set_attribute, "cublasLtMatmulDescSetAttribute");
  bind(lib, api.matrix_layout_create, "cublasLtMatrixLayoutCreate");
  bind(lib, api.matrix_layout_destroy, "cublasLtMatrixLayoutDestroy");
  bind(lib, api.preference_create, "cublasLtMatmulPreferenceCreate");
  bind(lib, api.preference_destroy, "cublasLtMatmulPreferenceDestroy");
  bind(lib, api.preference_set_attribute, "cublasLtMatmulPreferenceSetAttribute");
  bind(lib, api.algo_get_heuristic, "cublasLtMatmulAlgoGetHeuristic");
  return api;
}

// The table `open` builds, built on the first call that succeeds. Not a function-local
// static initialised by open: a failed load must be retried (and reported) on the next
// call, not remembered as a half-built table.
template <class Api, Api (*Open)()> const Api& loaded() {
  static std::mutex mutex;
  static Api api{};
  static bool done = false;
  std::lock_guard lock(mutex);
  if (!done) {
    api = Open();
    done = true;
  }
  return api;
}

}  // namespace

const CublasApi& cublas() { return loaded<CublasApi, open_cublas>(); }

const CublasLtApi& cublaslt() { return loaded<CublasLtApi, open_cublaslt>(); }

}  // namespace hk::cuda
