// cuBLAS and cuBLASLt, opened on first use. Linked the ordinary way, libcublas and
// libcublasLt would be loaded and relocated at the start of every program that links hk,
// with or without a GPU, for the few variants that call them; hk opens them (dlopen) when
// such a variant first runs instead. The tables hold every entry point hk calls.
#pragma once

#include <cublasLt.h>
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

// cuBLASLt, the library libcublas itself runs on: linear's cublaslt variant. A cuBLAS handle
// is also a cuBLASLt handle (cuBLAS documents the cast), so the variant uses the calling
// thread's cuBLAS handle and this table needs no create or destroy.
struct CublasLtApi {
  decltype(&::cublasLtMatmul) matmul;
  decltype(&::cublasLtMatmulDescCreate) matmul_desc_create;
  decltype(&::cublasLtMatmulDescDestroy) matmul_desc_destroy;
  decltype(&::cublasLtMatmulDescSetAttribute) matmul_desc_set_attribute;
  decltype(&::cublasLtMatrixLayoutCreate) matrix_layout_create;
  decltype(&::cublasLtMatrixLayoutDestroy) matrix_layout_destroy;
  decltype(&::cublasLtMatmulPreferenceCreate) preference_create;
  decltype(&::cublasLtMatmulPreferenceDestroy) preference_destroy;
  decltype(&::cublasLtMatmulPreferenceSetAttribute) preference_set_attribute;
  decltype(&::cublasLtMatmulAlgoGetHeuristic) algo_get_heuristic;
};

// Opens libcublasLt.so.<the same major version> once (libcublas has loaded it already when
// a cuBLAS handle exists: the same library); BackendUnavailable as for cublas().
const CublasLtApi& cublaslt();

}  // namespace hk::cuda
