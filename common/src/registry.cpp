// The registry's lookups and the ops' standard work models.
#include "hk/registry.hpp"

#include <algorithm>

#include "hk/error.hpp"

namespace hk {

namespace {

template <class> struct KernelInput;
template <class T, class Acc> struct KernelInput<kernel::Matmul<T, Acc>> { using type = T; };
template <class T> struct KernelInput<kernel::Unary<T>> { using type = T; };
template <> struct KernelInput<kernel::Binary> { using type = float; };
template <> struct KernelInput<kernel::Reduce> { using type = float; };
template <> struct KernelInput<kernel::Quantize> { using type = float; };
template <class T> struct KernelInput<kernel::Dequantize<T>> { using type = T; };

double count(const Shape& s) {
  double n = 1;
  for (int64_t d : s) n *= static_cast<double>(d);
  return n;
}

// a: (M, K), b: (K, N): 2·M·K·N operations; A, B read and C written once.
Work matmul_work(const Shape& a, const Shape& b, DType dtype) {
  double m = static_cast<double>(a.at(0)), k = static_cast<double>(a.at(1));
  double n = static_cast<double>(b.at(1));
  double in = static_cast<double>(element_size(dtype));
  double out = 4.0;  // f32 or i32 results
  return {2 * m * k * n, (m * k + k * n) * in + m * n * out};
}
Work unary_work(const Shape& a, const Shape&, DType dtype) {
  return {count(a), 2 * count(a) * static_cast<double>(element_size(dtype))};
}
Work binary_work(const Shape& a, const Shape&, DType) { return {count(a), 3 * count(a) * 4}; }
Work squared_difference_work(const Shape& a, const Shape&, DType) {
  return {2 * count(a), 3 * count(a) * 4};
}
Work reduce_work(const Shape& a, const Shape&, DType) { return {2 * count(a), 2 * count(a) * 4}; }
Work quantize_work(const Shape& a, const Shape&, DType) { return {count(a), count(a) * (4 + 1)}; }
Work dequantize_work(const Shape& a, const Shape&, DType dtype) {
  return {count(a), count(a) * (static_cast<double>(element_size(dtype)) + 4)};
}

}  // namespace

DType input_dtype(const KernelFn& fn) {
  return std::visit([](auto f) { return detail::dtype_of<typename KernelInput<decltype(f)>::type>(); }, fn);
}

WorkModel work_model(std::string_view op) {
  if (op == "matmul") return matmul_work;
  if (op == "relu") return unary_work;
  if (op == "add" || op == "mul") return binary_work;
  if (op == "squared_difference") return squared_difference_work;
  if (op == "dot" || op == "euclidean_distance") return reduce_work;
  if (op == "quantize") return quantize_work;
  if (op == "dequantize") return dequantize_work;
  return nullptr;
}

void Registry::add(VariantRow row) {
  if (final_) throw Error("hk registry: row " + row.op + "/" + row.variant + " added after the registry was built");
  if (!row.work) row.work = work_model(row.op);
  if (!row.work) throw Error("hk registry: unknown op '" + row.op + "' in row " + row.variant);
  if (row.backend == Backend::automatic) throw Error("hk registry: row " + row.op + "/" + row.variant + " names no backend");
  if (find(row.op, row.backend, row.variant))
    throw Error("hk registry: duplicate row " + row.op + "/" + to_string(row.backend) + "/" + row.variant);
  if (!op_rows(row.op)) ops_.push_back({row.op, {}, {}});
  for (OpRows& o : ops_)
    if (o.op == row.op) o.rows.push_back(rows_.size());
  rows_.push_back(std::move(row));
}

const Registry::OpRows* Registry::op_rows(std::string_view op) const {
  for (const OpRows& o : ops_)
    if (o.op == op) return &o;
  return nullptr;
}

const VariantRow* Registry::find(std::string_view op, Backend backend, std::string_view variant) const {
  const OpRows* o = op_rows(op);
  if (!o) return nullptr;
  for (std::size_t i : o->rows)
    if (rows_[i].backend == backend && rows_[i].variant == variant) return &rows_[i];
  return nullptr;
}

void Registry::finalize() {
  // Requirements are fixed for the life of the process (CPU features after the HK_CPU_ISA
  // cap, the CUDA devices found), so the automatic choice can be made once.
  for (OpRows& o : ops_)
    for (int b = 0; b < 3; ++b)
      for (int t = 0; t < 3; ++t) {
        const VariantRow* r = scan_best(o, static_cast<Backend>(b), static_cast<DType>(t));
        o.best[static_cast<std::size_t>(b * 3 + t)] = r ? static_cast<int>(r - rows_.data()) : -1;
      }
  final_ = true;
}

bool Registry::supported(const VariantRow& row) { return !row.requirement.met || row.requirement.met(); }

const KernelFn* Registry::kernel_for(const VariantRow& row, DType dtype) {
  for (const KernelFn& k : row.kernels)
    if (input_dtype(k) == dtype) return &k;
  return nullptr;
}

std::vector<DType> Registry::dtypes(const VariantRow& row) {
  std::vector<DType> out;
  for (const KernelFn& k : row.kernels) out.push_back(input_dtype(k));
  return out;
}

const VariantRow* Registry::scan_best(const OpRows& o, Backend backend, DType dtype) const {
  const VariantRow* best = nullptr;
  for (std::size_t i : o.rows) {
    const VariantRow& r = rows_[i];
    if (r.backend != backend || !kernel_for(r, dtype) || !supported(r)) continue;
    if (!best || r.priority > best->priority) best = &r;
  }
  return best;
}

const VariantRow* Registry::best(std::string_view op, Backend backend, DType dtype) const {
  const OpRows* o = op_rows(op);
  if (!o || backend == Backend::automatic) return nullptr;
  if (!final_) return scan_best(*o, backend, dtype);
  int i = o->best[static_cast<std::size_t>(static_cast<int>(backend) * 3 + static_cast<int>(dtype))];
  return i < 0 ? nullptr : &rows_[static_cast<std::size_t>(i)];
}

}  // namespace hk

#include "common/src/dispatch.hpp"
#include "hk/runtime.hpp"

namespace hk {

std::vector<std::string> ops() {
  return {"matmul", "relu", "add", "mul", "squared_difference", "dot", "euclidean_distance",
          "quantize", "dequantize"};
}

std::vector<VariantInfo> variants(std::string_view op) {
  std::vector<VariantInfo> out;
  for (const VariantRow& r : Registry::get().rows()) {
    if (!op.empty() && r.op != op) continue;
    bool ok = Registry::supported(r) && detail::unavailable_reason(r.backend).empty();
    out.push_back({r.op, r.backend, r.variant, ok, r.requirement.text, r.summary, Registry::dtypes(r)});
  }
  return out;
}

}  // namespace hk
