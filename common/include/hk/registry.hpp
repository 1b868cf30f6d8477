// hk/registry.hpp — the kernel registry: one row per variant (op × backend × technique).
//
// Kernels are plain functions on raw pointers with the shapes as arguments; the row lists
// them, one per input dtype the variant accepts. The dispatcher validates the tensors,
// picks the row and the function for the input dtype, and calls it. Tests and hk-bench walk
// the same rows, so a new variant is one kernel file plus one row in register_<backend>.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hk/types.hpp"

namespace hk {

// What a kernel learns about the call besides its operands.
struct KernelContext {
  int threads = 1;     // ≥ 1; the pool size or Options::threads
  int block_size = 0;  // Options::block_size (0 = the variant's default)
};

// Kernel signatures. Pointers point into the backend's memory (device pointers for cuda);
// outputs never overlap inputs; sizes are ≥ 0. Shapes in comments are row-major.
namespace kernel {
// a: (m, k), b: (k, n), c: (m, n). Must write every element of c (k = 0 gives zeros).
template <class T, class Acc>
using Matmul = void (*)(const T* a, const T* b, Acc* c, int64_t m, int64_t k, int64_t n,
                        const KernelContext&);
using MatmulF32 = Matmul<float, float>;
using MatmulI8 = Matmul<int8_t, int32_t>;
// x, out: (n)
template <class T> using Unary = void (*)(const T* x, T* out, int64_t n, const KernelContext&);
using UnaryF32 = Unary<float>;
using UnaryI8 = Unary<int8_t>;
// x, y, out: (n), f32
using Binary = void (*)(const float* x, const float* y, float* out, int64_t n,
                        const KernelContext&);
// x, y: (n), f32 → a scalar
using Reduce = double (*)(const float* x, const float* y, int64_t n, const KernelContext&);
// x: (n) f32 → q: (n) i8
using Quantize = void (*)(const float* x, float scale, int8_t* q, int64_t n,
                          const KernelContext&);
// q: (n) i8 or i32 → x: (n) f32
template <class T>
using Dequantize = void (*)(const T* q, float scale, float* x, int64_t n, const KernelContext&);
using DequantizeI8 = Dequantize<int8_t>;
using DequantizeI32 = Dequantize<int32_t>;
}  // namespace kernel

using KernelFn = std::variant<kernel::MatmulF32, kernel::MatmulI8, kernel::UnaryF32,
                              kernel::UnaryI8, kernel::Binary, kernel::Reduce, kernel::Quantize,
                              kernel::DequantizeI8, kernel::DequantizeI32>;
// The input dtype a kernel function takes (f32 for a MatmulF32, i8 for a MatmulI8, ...).
DType input_dtype(const KernelFn&);

// What a variant needs from the machine. `met` is evaluated at run time (CPU features
// after the HK_CPU_ISA cap; CUDA compute capability of the current device).
struct Requirement {
  const char* text = "none";
  bool (*met)() = nullptr;  // null = always met
};

// Work done by one call, for GFLOP/s, GB/s and % of peak. `a` and `b` are the input
// shapes (b is empty for unary ops).
struct Work {
  double flops = 0;  // arithmetic operations (a multiply-add counts 2)
  double bytes = 0;  // compulsory traffic: inputs read once, output written once
};
using WorkModel = Work (*)(const Shape& a, const Shape& b, DType dtype);

struct VariantRow {
  std::string op;       // public function name: "matmul", "relu", ...
  Backend backend;      // cpu, cuda or cuda_sim
  std::string variant;  // the technique: "naive", "blocked", "simd", ...
  std::vector<KernelFn> kernels;  // one per accepted input dtype
  Requirement requirement;
  std::string summary;  // one line
  int priority = 0;     // automatic choice: the supported row with the highest priority wins
  WorkModel work = nullptr;  // null = the op's standard model (work_model(op))
};

// The standard work model of an op (null for an unknown op).
WorkModel work_model(std::string_view op);

class Registry {
 public:
  // The registry with every compiled-in backend's rows, built on first use.
  static const Registry& get();

  std::span<const VariantRow> rows() const { return rows_; }
  const VariantRow* find(std::string_view op, Backend backend, std::string_view variant) const;
  // The highest-priority row of op on backend whose requirement is met and that takes
  // `dtype`; null when there is none.
  const VariantRow* best(std::string_view op, Backend backend, DType dtype) const;
  static bool supported(const VariantRow&);
  static const KernelFn* kernel_for(const VariantRow&, DType dtype);
  static std::vector<DType> dtypes(const VariantRow&);

  // For register_<backend> functions only.
  void add(VariantRow row);

 private:
  std::vector<VariantRow> rows_;
};

// Registration tables, one per backend (cpu/register_cpu.cpp, cuda/register_cuda.cu,
// cuda/register_cuda_sim.cpp). backends.cpp calls those that are compiled in; the CUDA
// kernels both CUDA tables share are listed once, in cuda/variants.cuh.
void register_cpu(Registry&);
void register_cuda(Registry&);
void register_cuda_sim(Registry&);

}  // namespace hk
