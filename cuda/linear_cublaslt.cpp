// linear, cublaslt: the library rung of the GPU ladder for a layer — cuBLASLt's GEMM with
// its own fused epilogue (bias, relu), f32.
//
// Row-major without copies, as in matmul_cublas.cpp: cuBLASLt is column-major, and
// row-major out (m×n) read column-major is outᵀ (n×m, leading dimension n), so the call
// computes outᵀ = Wᵀ·xᵀ. Row-major x (m×k) read column-major is xᵀ (k×m, ld k): operand B
// as it is. A row-major (K, N) W read column-major is Wᵀ (n×k, ld n): operand A as it is;
// a row-major (N, K) W read column-major is W (k×n, ld k): operand A transposed
// (CUBLAS_OP_T). cuBLASLt's bias is a vector over the rows of D, and outᵀ's rows are the
// output channels: hk's bias as it is. hk's epilogue picks cuBLASLt's: DEFAULT, BIAS, RELU
// or RELU_BIAS, applied by the GEMM kernel to its tile before the store.
//
// int8 is not offered: cuBLASLt's int8 GEMMs give int32 or int8 results, and it documents
// no f32 output whose per-channel dequantization rounds as hk states (float(sum) ·
// (input_scale · weight_scale[j]), then + bias, each step rounded), so linear's int8 on cuda
// runs hk's own kernels. fp32 math stays fp32 (CUBLAS_COMPUTE_32F, no TF32), within the f32
// bound every variant meets; cuBLASLt does not document its relu of NaN or −0, which the
// tests do not use.
//
// The algorithm cuBLASLt's heuristic picks depends only on the call's shape, layout,
// epilogue and pointer alignments; it is asked once per host thread for each such call and
// the answer reused, so the query's host work is not timed with every call.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "cuda/cublas_api.hpp"
#include "cuda/cuda_check.hpp"
#include "cuda/cuda_runtime.hpp"
#include "hk/error.hpp"
#include "hk/registry.hpp"

namespace hk::cuda {

namespace {

// The most workspace an algorithm may ask for: what cuBLAS's documentation recommends for
// Hopper, as cuda_runtime.cpp gives cuBLAS.
constexpr std::size_t kMaxWorkspaceBytes = std::size_t(32) << 20;

// A cuBLASLt descriptor (a host object: destroying it never touches the device).
template <class H> class Owned {
 public:
  using Destroy = cublasStatus_t (*)(H);
  explicit Owned(Destroy destroy) : destroy_(destroy) {}
  ~Owned() {
    if (h_) (void)destroy_(h_);
  }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  H* out() { return &h_; }
  H get() const { return h_; }

 private:
  H h_ = nullptr;
  Destroy destroy_;
};

// The largest power of two up to 256 that divides p's address: the alignment cuBLASLt may
// assume of an operand (it assumes 256 bytes unless told).
uint32_t alignment_of(const void* p) {
  const auto a = reinterpret_cast<uintptr_t>(p);
  uint32_t bytes = 256;
  while (bytes > 1 && a % bytes != 0) bytes /= 2;
  return bytes;
}

// What the heuristic's answer depends on.
struct PlanKey {
  int device = 0;
  int64_t m = 0, k = 0, n = 0;
  bool w_out_in = false;
  uint32_t epilogue = 0;
  uint32_t align_x = 0, align_w = 0, align_out = 0, align_bias = 0;
  auto operator<=>(const PlanKey&) const = default;
};

struct Plan {
  cublasLtMatmulAlgo_t algo;
  std::size_t workspace_bytes;
};

template <class T> void set(const CublasLtApi& lt, cublasLtMatmulDesc_t d, cublasLtMatmulDescAttributes_t a, T value) {
  HK_CUDA_CHECK(lt.matmul_desc_set_attribute(d, a, &value, sizeof value));
}
template <class T>
void set(const CublasLtApi& lt, cublasLtMatmulPreference_t p, cublasLtMatmulPreferenceAttributes_t a, T value) {
  HK_CUDA_CHECK(lt.preference_set_attribute(p, a, &value, sizeof value));
}

std::string shape_text(int64_t m, int64_t k, int64_t n, bool w_out_in) {
  return "M×K×N = " + std::to_string(m) + "×" + std::to_string(k) + "×" + std::to_string(n) +
         (w_out_in ? ", W (N, K)" : ", W (K, N)");
}

}  // namespace

// x: (m, k); w: (k, n), or (n, k) when w_out_in; out: (m, n), row-major, device pointers.
void linear_f32_cublaslt(const float* x, const float* w, float* out, int64_t m, int64_t k, int64_t n, bool w_out_in,
                         const kernel::Epilogue& e, const KernelContext&) {
  if (m == 0 || n == 0) return;
  const CublasLtApi& lt = cublaslt();
  const auto handle = reinterpret_cast<cublasLtHandle_t>(cublas_handle());  // opens cuBLAS first
  cudaStream_t stream = current_stream();
  int device = 0;
  HK_CUDA_CHECK(cudaGetDevice(&device));

  // K = 0: the sums are zeros and the epilogue still applies. Rather than rely on how
  // cuBLASLt treats an empty inner dimension, it multiplies a zero column by a zero row
  // (K = 1), exactly zero, and its epilogue does the rest.
  std::optional<DeviceBuffer> zeros;
  if (k == 0) {
    zeros.emplace(std::size_t(m + n) * sizeof(float));
    HK_CUDA_CHECK(cudaMemsetAsync(zeros->get(), 0, zeros->size(), stream));
    x = zeros->as<float>();
    w = zeros->as<float>() + m;
    k = 1;
  }

  const uint32_t epilogue = e.bias ? (e.relu ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_BIAS)
                                   : (e.relu ? CUBLASLT_EPILOGUE_RELU : CUBLASLT_EPILOGUE_DEFAULT);
  Owned<cublasLtMatmulDesc_t> desc(lt.matmul_desc_destroy);
  HK_CUDA_CHECK(lt.matmul_desc_create(desc.out(), CUBLAS_COMPUTE_32F, CUDA_R_32F));
  set(lt, desc.get(), CUBLASLT_MATMUL_DESC_TRANSA, int32_t(w_out_in ? CUBLAS_OP_T : CUBLAS_OP_N));
  set(lt, desc.get(), CUBLASLT_MATMUL_DESC_TRANSB, int32_t(CUBLAS_OP_N));
  set(lt, desc.get(), CUBLASLT_MATMUL_DESC_EPILOGUE, epilogue);
  if (e.bias) set(lt, desc.get(), CUBLASLT_MATMUL_DESC_BIAS_POINTER, static_cast<const void*>(e.bias));

  // Column-major views of the row-major operands (see the top of the file).
  Owned<cublasLtMatrixLayout_t> a(lt.matrix_layout_destroy), b(lt.matrix_layout_destroy),
      d(lt.matrix_layout_destroy);
  if (w_out_in)
    HK_CUDA_CHECK(lt.matrix_layout_create(a.out(), CUDA_R_32F, uint64_t(k), uint64_t(n), k));
  else
    HK_CUDA_CHECK(lt.matrix_layout_create(a.out(), CUDA_R_32F, uint64_t(n), uint64_t(k), n));
  HK_CUDA_CHECK(lt.matrix_layout_create(b.out(), CUDA_R_32F, uint64_t(k), uint64_t(m), k));
  HK_CUDA_CHECK(lt.matrix_layout_create(d.out(), CUDA_R_32F, uint64_t(n), uint64_t(m), n));

  const PlanKey key{device, m, k, n, w_out_in, epilogue, alignment_of(x), alignment_of(w), alignment_of(out),
                    e.bias ? alignment_of(e.bias) : 0};
  // Per host thread, so no lock; cleared when it grows past what a program's layers need.
  thread_local std::map<PlanKey, Plan> plans;
  auto found = plans.find(key);
  if (found == plans.end()) {
    Owned<cublasLtMatmulPreference_t> pref(lt.preference_destroy);
    HK_CUDA_CHECK(lt.preference_create(pref.out()));
    set(lt, pref.get(), CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, uint64_t(kMaxWorkspaceBytes));
    set(lt, pref.get(), CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, key.align_w);
    set(lt, pref.get(), CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, key.align_x);
    set(lt, pref.get(), CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, key.align_out);
    set(lt, pref.get(), CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, key.align_out);
    cublasLtMatmulHeuristicResult_t result{};
    int count = 0;
    HK_CUDA_CHECK(lt.algo_get_heuristic(handle, desc.get(), a.get(), b.get(), d.get(), d.get(), pref.get(), 1, &result,
                                        &count));
    if (count < 1 || result.state != CUBLAS_STATUS_SUCCESS)
      throw CudaError("linear (cublaslt): cuBLASLt's heuristic found no algorithm for " +
                      shape_text(m, k, n, w_out_in) + " with operands aligned to " + std::to_string(key.align_x) +
                      " (x), " + std::to_string(key.align_w) + " (w), " + std::to_string(key.align_out) +
                      " (out) bytes on cuda:" + std::to_string(device));
    if (plans.size() >= 256) plans.clear();
    found = plans.emplace(key, Plan{result.algo, result.workspaceSize}).first;
  }
  const Plan& plan = found->second;

  std::optional<DeviceBuffer> workspace;
  if (plan.workspace_bytes > 0) workspace.emplace(plan.workspace_bytes);
  const float alpha = 1.0f, beta = 0.0f;  // beta = 0: out is written, never read
  HK_CUDA_CHECK(lt.matmul(handle, desc.get(), &alpha, w, a.get(), x, b.get(), &beta, out, d.get(), out, d.get(),
                          &plan.algo, workspace ? workspace->get() : nullptr, plan.workspace_bytes, stream));
  end_device_work();  // before the scratch buffers' destructors wait for the stream
}

}  // namespace hk::cuda
