// cuBLAS, opened on first use. Linked the ordinary way, libcublas and libcublasLt would be
// loaded and relocated at the start of every program that links hk, with or without a
// GPU, for the one variant that calls them; hk opens them (dlopen) when that variant
// first runs instead. The table holds every cuBLAS entry point hk calls.
#pragma once

#include <cublas_v2.h>

namespace hk::cuda {

struct CublasApi {
  decltype(&::cublasCreate) create;
  decltype(&::cublasSetStream) set_stream;
  decltype(&::cublasSetMathMode) set_math_mode;
  decltype(&::cublasSetWorkspace) set_workspace;
  decltype(&::cublasGetVersion) get_version;
  decltype(&::cublasSgemm_64) sgemm_64;
  decltype(&::cublasGemmEx_64) gemm_ex_64;
};

// Opens libcublas.so.<the major version hk was built with> once; BackendUnavailable naming
// the library and the loader's reason when it cannot.
const CublasApi& cublas();

}  // namespace hk::cuda
