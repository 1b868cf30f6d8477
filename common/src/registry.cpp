// The registry's rows and lookups, and the runtime's listings of ops and variants.
#include "hk/registry.hpp"

#include <algorithm>

#include "common/src/dispatch.hpp"
#include "hk/error.hpp"
#include "hk/op_table.hpp"
#include "hk/runtime.hpp"

namespace hk {

namespace {

template <class> struct KernelInput;
template <class T, class Acc> struct KernelInput<kernel::Matmul<T, Acc>> { using type = T; };
template <class T> struct KernelInput<kernel::Linear<T>> { using type = T; };
template <class T> struct KernelInput<kernel::Unary<T>> { using type = T; };
template <> struct KernelInput<kernel::Binary> { using type = float; };
template <> struct KernelInput<kernel::Reduce> { using type = float; };
template <> struct KernelInput<kernel::Quantize> { using type = float; };
template <class T> struct KernelInput<kernel::Dequantize<T>> { using type = T; };

}  // namespace

DType input_dtype(const KernelFn& fn) {
  return std::visit([](auto f) { return detail::dtype_of<typename KernelInput<decltype(f)>::type>(); }, fn);
}

void Registry::add(VariantRow row) {
  const std::string name = row.op + "/" + to_string(row.backend) + "/" + row.variant;
  if (final_) throw Error("hk registry: row " + name + " added after the registry was built");
  const OpDef* def = find_op(row.op);
  if (!def) throw Error("hk registry: row " + name + " names an op the op table does not have");
  if (!row.work) row.work = def->work;
  if (row.backend == Backend::automatic) throw Error("hk registry: row " + name + " names no backend");
  for (const KernelFn& k : row.kernels)
    if (std::find(def->dtypes.begin(), def->dtypes.end(), input_dtype(k)) == def->dtypes.end())
      throw Error("hk registry: row " + name + " has a " + to_string(input_dtype(k)) + " kernel, which " + row.op +
                  " does not take");
  for (const std::string& n : row.aliases)
    if (find(row.op, row.backend, n)) throw Error("hk registry: alias " + n + " of " + name + " is taken");
  if (find(row.op, row.backend, row.variant)) throw Error("hk registry: duplicate row " + name);
  // One automatic choice per dtype: rows that share a dtype must stand on different rungs.
  if (const OpRows* o = op_rows(row.op))
    for (std::size_t i : o->rows) {
      const VariantRow& other = rows_[i];
      if (other.backend != row.backend || other.rung != row.rung) continue;
      for (const KernelFn& k : row.kernels)
        if (kernel_for(other, input_dtype(k)))
          throw Error("hk registry: rows " + name + " and " + other.variant + " both stand on rung " +
                      std::to_string(row.rung) + " for " + to_string(input_dtype(k)));
    }
  if (!op_rows(row.op)) ops_.push_back({row.op, {}, {}});
  for (OpRows& o : ops_)
    if (o.op == row.op) o.rows.push_back(rows_.size());
  rows_.push_back(std::move(row));
}

namespace {
// Every call of every op looks up its op, and every call naming a variant its row: names are
// compared letter by letter, since a string comparison becomes a memcmp call that costs
// more than these few letters.
bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  std::size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  return i == a.size();
}
}  // namespace

const Registry::OpRows* Registry::op_rows(std::string_view op) const {
  for (const OpRows& o : ops_)
    if (same_name(o.op, op)) return &o;
  return nullptr;
}

const VariantRow* Registry::find(std::string_view op, Backend backend, std::string_view variant) const {
  const OpRows* o = op_rows(op);
  if (!o) return nullptr;
  for (std::size_t i : o->rows)
    if (rows_[i].backend == backend && same_name(rows_[i].variant, variant)) return &rows_[i];
  for (std::size_t i : o->rows)
    if (rows_[i].backend == backend &&
        std::find(rows_[i].aliases.begin(), rows_[i].aliases.end(), variant) != rows_[i].aliases.end())
      return &rows_[i];
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
    if (!best || r.rung > best->rung) best = &r;
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

std::vector<std::string> ops() {
  std::vector<std::string> names;
  for (const OpDef& d : op_table()) names.emplace_back(d.name);
  return names;
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
