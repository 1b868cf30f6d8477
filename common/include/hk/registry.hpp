// hk/registry.hpp — the kernel registry: one row per variant (op × backend × technique).
//
// Kernels are plain functions on raw pointers with the shapes as arguments; the row lists
// them, one per input dtype the variant accepts. The dispatcher validates the tensors,
// picks the row and the function for the input dtype, and calls it. Tests and hk-bench walk
// the same rows, so a new variant is one kernel file plus one row in its backend's table
// (README.md "Adding a variant").
#pragma once

#include <array>
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
// outputs never overlap inputs; sizes are ≥ 0. Shapes in comments are row-major. Each has a
// function type (…Fn), which declares a kernel beside its registration row
// (`kernel::MatmulF32Fn matmul_f32_naive;`), and a pointer type, which the row holds.
namespace kernel {
// What a linear kernel does to each sum before it stores it, while the tile is still its
// own (hk/ops.hpp linear): out[i][j] = act(sum · s[j] + bias[j]). Pointers are in the
// backend's memory, like the operands.
struct Epilogue {
  const float* bias = nullptr;          // (n), or null: no bias
  const float* weight_scale = nullptr;  // int8 kernels: (n) per output channel; null for f32
  float input_scale = 1;                // int8 kernels: x's scale, s[j] = input_scale · weight_scale[j]
  bool relu = false;
};
// a: (m, k), b: (k, n), c: (m, n). Must write every element of c (k = 0 gives zeros).
template <class T, class Acc>
using MatmulFn = void(const T* a, const T* b, Acc* c, int64_t m, int64_t k, int64_t n, const KernelContext&);
// x: (m, k); w: (k, n), or (n, k) when w_out_in; out: (m, n) f32 after the epilogue. Must
// write every element of out once (k = 0: the epilogue of zero sums).
template <class T>
using LinearFn = void(const T* x, const T* w, float* out, int64_t m, int64_t k, int64_t n, bool w_out_in,
                      const Epilogue& epilogue, const KernelContext&);
// x, out: (n)
template <class T> using UnaryFn = void(const T* x, T* out, int64_t n, const KernelContext&);
// x, y, out: (n), f32
using BinaryFn = void(const float* x, const float* y, float* out, int64_t n, const KernelContext&);
// x, y: (n), f32 → a scalar
using ReduceFn = double(const float* x, const float* y, int64_t n, const KernelContext&);
// x: (n) f32 → q: (n) i8
using QuantizeFn = void(const float* x, float scale, int8_t* q, int64_t n, const KernelContext&);
// q: (n) i8 or i32 → x: (n) f32
template <class T> using DequantizeFn = void(const T* q, float scale, float* x, int64_t n, const KernelContext&);

using MatmulF32Fn = MatmulFn<float, float>;
using MatmulI8Fn = MatmulFn<int8_t, int32_t>;
using LinearF32Fn = LinearFn<float>;
using LinearI8Fn = LinearFn<int8_t>;
using UnaryF32Fn = UnaryFn<float>;
using UnaryI8Fn = UnaryFn<int8_t>;
using DequantizeI8Fn = DequantizeFn<int8_t>;
using DequantizeI32Fn = DequantizeFn<int32_t>;

template <class T, class Acc> using Matmul = MatmulFn<T, Acc>*;
using MatmulF32 = MatmulF32Fn*;
using MatmulI8 = MatmulI8Fn*;
template <class T> using Linear = LinearFn<T>*;
using LinearF32 = LinearF32Fn*;
using LinearI8 = LinearI8Fn*;
template <class T> using Unary = UnaryFn<T>*;
using UnaryF32 = UnaryF32Fn*;
using UnaryI8 = UnaryI8Fn*;
using Binary = BinaryFn*;
using Reduce = ReduceFn*;
using Quantize = QuantizeFn*;
template <class T> using Dequantize = DequantizeFn<T>*;
using DequantizeI8 = DequantizeI8Fn*;
using DequantizeI32 = DequantizeI32Fn*;
}  // namespace kernel

using KernelFn = std::variant<kernel::MatmulF32, kernel::MatmulI8, kernel::LinearF32, kernel::LinearI8, kernel::UnaryF32,
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

// Whose code a variant runs: hk's own kernel, or a library's (a baseline to compare with).
enum class Origin { hk, library };

// The unit a call's arithmetic runs on, whose peak hk-bench holds it to: the SIMD units
// (fp32 FMA or the int8 dot product, by dtype), or the AMX tiles (int8 tdpbssd).
enum class ComputeUnit { simd, amx_tiles };
// Which unit a call with these input shapes runs on, for a variant that picks it by shape.
using UnitModel = ComputeUnit (*)(const Shape& a, const Shape& b, DType dtype);

// One variant. Tables write rows with designated initializers, one field per column.
struct VariantRow {
  std::string op;       // the op table's name: "matmul", "relu", ...
  Backend backend;      // cpu, cuda or cuda_sim
  std::string variant;  // the technique: "naive", "blocked", "simd", ...
  // Its step on the backend's ladder, lowest first: the order hk-bench and the lectures
  // show, and `automatic` takes the highest supported rung that takes the input dtype.
  // Rungs of one op and backend differ, except between variants of different dtypes.
  int rung = 0;
  Origin origin = Origin::hk;
  std::vector<KernelFn> kernels;  // one per accepted input dtype
  Requirement requirement;
  std::string summary;  // one line
  WorkModel work = nullptr;  // null = the op table's model
  UnitModel unit = nullptr;  // null = the SIMD units at every shape
  std::vector<std::string> aliases = {};  // former names that still select this variant
};

class Registry {
 public:
  // The registry with every compiled-in backend's rows, built on first use.
  static const Registry& get();

  std::span<const VariantRow> rows() const { return rows_; }
  // The row named `variant` (or one of its aliases); null when there is none.
  const VariantRow* find(std::string_view op, Backend backend, std::string_view variant) const;
  // The highest-rung row of op on backend whose requirement is met and that takes `dtype`;
  // null when there is none.
  const VariantRow* best(std::string_view op, Backend backend, DType dtype) const;
  static bool supported(const VariantRow&);
  static const KernelFn* kernel_for(const VariantRow&, DType dtype);
  static std::vector<DType> dtypes(const VariantRow&);

  // For register_<backend> functions only.
  void add(VariantRow row);

 private:
  // Rows grouped by op, and each op's automatic choice per (backend, input dtype): every
  // call resolves its variant, so lookups must cost a few comparisons, not a scan of every
  // row with string compares.
  struct OpRows {
    std::string op;
    std::vector<std::size_t> rows;  // indices into rows_
    std::array<int, 9> best{};      // [backend·3 + dtype] → index into rows_, or −1
  };
  const OpRows* op_rows(std::string_view op) const;
  const VariantRow* scan_best(const OpRows&, Backend, DType) const;
  void finalize();  // after every table is added (get() does it): fills OpRows::best

  std::vector<VariantRow> rows_;
  std::vector<OpRows> ops_;
  bool final_ = false;
};

// Registration tables, one per backend (cpu/register_cpu.cpp, cuda/register_cuda.cu,
// cuda/register_cuda_sim.cpp). backends.cpp calls those that are compiled in; the CUDA
// kernels both CUDA tables share are listed once, in cuda/variants.cuh.
void register_cpu(Registry&);
void register_cuda(Registry&);
void register_cuda_sim(Registry&);

}  // namespace hk
