// A fuzzer over hk's public API: the libFuzzer entry point (fuzz/replay_main.cpp runs the
// same function over saved inputs in builds without libFuzzer).
//
// The input picks a public function, the dtypes, shapes (0 and 1 included; zero-size
// operands may have huge other dimensions; huge results that can't be counted or held),
// values (fuzz/input.hpp), scales, backend (every host backend hk lists, available or not,
// and `automatic`), variant (every registered name, none, or an unknown one), threads,
// block size, the output-parameter form, an output aliasing an input, an operand on
// another device (zero-size, so no GPU is needed), unaligned operands, a pool resize.
//
// fuzz/expect.hpp predicts from docs/design.md's rules and the registry which hk::Error the
// call must throw, if any. A call predicted valid must return a result that matches the
// independent reference's judge (reference/hk_reference.hpp); one predicted invalid must throw the predicted hk::Error
// subclass. Either way the inputs must be unchanged and nothing written around `out`.
// Anything else — crash, sanitizer report, wrong number, other exception — aborts with a
// description of the call.
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "fuzz/expect.hpp"
#include "fuzz/input.hpp"
#include "hk/hk.hpp"
#include "hk/op_table.hpp"
#include "hk/registry.hpp"
#include "hk_reference.hpp"

namespace hk_fuzz {
namespace {

using hk::Backend;
using hk::DType;
using hk::Options;
using hk::Shape;
using hk::Tensor;
namespace judge = hk_ref::judge;

std::string g_case;  // what the current input does, for the report

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "\n*** hk fuzz finding: %s\n*** call: %s\n", what.c_str(), g_case.c_str());
  std::abort();
}

int64_t count(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// An operand in memory of exactly its size (after `offset` leading elements), so that
// AddressSanitizer sees a read past its end; or a zero-size tensor on cuda:0.
struct Buffer {
  Operand info;
  std::variant<std::vector<float>, std::vector<int8_t>, std::vector<int32_t>> data;
  size_t offset = 0, guard = 0;
  Tensor tensor;

  template <class T> std::vector<T>& vec() { return std::get<std::vector<T>>(data); }
  template <class T> std::vector<T> values() const {  // the tensor's elements
    const auto& v = std::get<std::vector<T>>(data);
    return {v.begin() + long(offset), v.end() - long(guard)};
  }
  std::vector<uint8_t> bytes() const {  // every byte, guards included
    return std::visit([](const auto& v) {
      const auto* p = reinterpret_cast<const uint8_t*>(v.data());
      return std::vector<uint8_t>(p, p + v.size() * sizeof(v[0]));
    }, data);
  }
};

template <class T> void wrap_into(Buffer& b, std::vector<T> values, size_t offset, size_t guard, T fill) {
  std::vector<T> v(offset, fill);
  v.insert(v.end(), values.begin(), values.end());
  v.insert(v.end(), guard, fill);
  b.data = std::move(v);
  b.offset = offset;
  b.guard = guard;
  T* p = b.vec<T>().data() + offset;
  b.tensor = Tensor::wrap(values.empty() ? static_cast<T*>(nullptr) : p, b.info.shape);
  b.info.begin = p;
  b.info.bytes = values.size() * sizeof(T);
}

Buffer make_operand(Input& in, DType t, Shape s, bool on_gpu) {
  Buffer b;
  if (on_gpu) s.front() = 0;  // nothing to allocate: no GPU needed
  b.info = {t, s, on_gpu};
  if (on_gpu) {
    b.data = std::vector<float>{};
    b.tensor = Tensor::empty(s, t, hk::Device::cuda(0));
    return b;
  }
  const size_t n = size_t(count(s)), offset = in.one_in(4);
  switch (t) {
    case DType::f32: wrap_into(b, floats(in, n), offset, 0, 0.0f); break;
    case DType::i8: wrap_into(b, int8s(in, n), offset, 0, int8_t(0)); break;
    case DType::i32: wrap_into(b, int32s(in, n), offset, 0, int32_t(0)); break;
  }
  return b;
}

// An output buffer filled with a sentinel, with guard elements after it.
Buffer make_out(DType t, const Shape& s, bool unaligned) {
  Buffer b;
  b.info = {t, s, false};
  const size_t n = size_t(count(s)), offset = unaligned;
  switch (t) {
    case DType::f32: wrap_into(b, std::vector<float>(n, -7.25f), offset, 3, -7.25f); break;
    case DType::i8: wrap_into(b, std::vector<int8_t>(n, int8_t(0x5a)), offset, 3, int8_t(0x5a)); break;
    case DType::i32: wrap_into(b, std::vector<int32_t>(n, 0x5a5a5a5a), offset, 3, 0x5a5a5a5a); break;
  }
  return b;
}

// `out` as a view of an input's bytes (the output-aliasing case).
Buffer alias_of(const Buffer& input, DType t, const Shape& s) {
  Buffer b;
  b.info = {t, s, false, input.info.begin, size_t(count(s)) * hk::element_size(t)};
  b.data = std::vector<float>{};
  auto p = reinterpret_cast<uintptr_t>(input.info.begin);
  if (b.info.bytes > input.info.bytes || p % hk::element_size(t)) return make_out(t, s, false);
  void* raw = const_cast<void*>(input.info.begin);
  switch (t) {
    case DType::f32: b.tensor = Tensor::wrap(static_cast<float*>(raw), s); break;
    case DType::i8: b.tensor = Tensor::wrap(static_cast<int8_t*>(raw), s); break;
    case DType::i32: b.tensor = Tensor::wrap(static_cast<int32_t*>(raw), s); break;
  }
  return b;
}

Shape small_shape(Input& in) {
  Shape s(size_t(1 + in.below(4)));
  for (int64_t& d : s) {
    uint8_t b = in.byte();
    d = b < 200 ? b % 12 : b < 250 ? 12 + (b - 200) * 20 : 0;
  }
  if (in.one_in(16)) {  // zero-size, with a huge other dimension
    if (s.size() == 1) s.push_back(1);
    s.front() = 0;
    s.back() = int64_t(1) << (20 + in.below(43));
  }
  while (count(s) > 8192) s.back() /= 2;
  return s;
}

DType dtype(Input& in, DType usual) {
  if (!in.one_in(8)) return usual;
  const DType all[] = {DType::f32, DType::i8, DType::i32};
  return all[in.below(3)];
}

Options options(Input& in, const std::string& op) {
  Options o;
  const Backend backends[] = {Backend::automatic, Backend::automatic, Backend::cpu, Backend::cpu,
                              Backend::cpu,       Backend::cuda_sim,  Backend::cuda_sim, Backend::cuda};
  o.backend = backends[in.below(8)];
  std::vector<std::string> names = {"fast", "NAIVE"};
  for (const hk::VariantInfo& v : all_variants())
    if (v.op == op) names.push_back(v.variant);
  const uint8_t v = in.byte();
  if (v >= 64) o.variant = names[v % names.size()];
  const int threads[] = {0, 1, 2, 3, 4, 7, 64, 0};
  o.threads = threads[in.below(8)];
  if (in.one_in(64)) o.threads = -1;
  const uint8_t bs = in.byte();
  o.block_size = bs < 192 ? 0 : bs < 254 ? 1 + bs % 70 : -1;
  g_case += " backend=" + hk::to_string(o.backend) + " variant='" + o.variant + "' threads=" + std::to_string(o.threads) +
            " block_size=" + std::to_string(o.block_size);
  return o;
}

std::string describe(const char* name, const Buffer& b) {
  return std::string(" ") + name + "=" + hk::to_string(b.info.dtype) + hk::to_string(b.info.shape) +
         (b.info.on_gpu ? "@cuda:0" : "") + (b.offset ? "+1" : "");
}

// Runs `call`, checks the exception against the prediction, then the inputs and out.
// `also`: a second acceptable error, when the call has defects that may surface in either
// order (parallel_map's items run concurrently).
template <class F>
bool run(Outcome expected, F&& call, std::initializer_list<const Buffer*> inputs, const Buffer* out,
         Outcome also = Outcome::ok) {
  std::vector<std::vector<uint8_t>> before;
  for (const Buffer* b : inputs) before.push_back(b->bytes());
  std::vector<uint8_t> out_before = out ? out->bytes() : std::vector<uint8_t>{};
  Outcome got = Outcome::ok;
  std::string message;
  try {
    call();
  } catch (const hk::InvalidArgument& e) {
    got = Outcome::invalid_argument, message = e.what();
  } catch (const hk::BackendUnavailable& e) {
    got = Outcome::backend_unavailable, message = e.what();
  } catch (const hk::OutOfMemory& e) {
    got = Outcome::out_of_memory, message = e.what();
  } catch (const std::exception& e) {
    finding(std::string("exception that is not an hk::Error subclass hk reports: ") + e.what());
  }
  if (got != expected && (also == Outcome::ok || got != also))
    finding(std::string("expected ") + name(expected) + ", got " + name(got) + (message.empty() ? "" : ": " + message));
  size_t i = 0;
  for (const Buffer* b : inputs)
    if (b->bytes() != before[i++]) finding("an input was modified");
  if (out) {
    if (got != Outcome::ok && out->bytes() != out_before) finding("a rejected call wrote into out");
    if (got == Outcome::ok && out->guard) {
      std::vector<uint8_t> now = out->bytes();
      const size_t esize = hk::element_size(out->info.dtype);
      const size_t lead = out->offset * esize, tail = out->guard * esize;
      if (!std::equal(now.begin(), now.begin() + long(lead), out_before.begin()) ||
          !std::equal(now.end() - long(tail), now.end(), out_before.end() - long(tail)))
        finding("wrote outside out");
    }
  }
  return got == Outcome::ok;
}

// Options::block_size is the variant's to interpret. Only the tiled CUDA matmul rejects
// an edge (it takes 8, 16 or 32, as docs say); every other variant ignores the option or
// takes any positive edge, so any other rejection is a finding.
Outcome block_size_may_fail(std::string_view op, const Options& o, DType t, bool on_gpu, Outcome expected) {
  if (expected != Outcome::ok || op != "matmul" || o.block_size <= 0) return Outcome::ok;
  if (o.block_size == 8 || o.block_size == 16 || o.block_size == 32) return Outcome::ok;
  hk::Backend b = o.backend;
  if (b == hk::Backend::automatic) b = on_gpu || available(hk::Backend::cuda) ? hk::Backend::cuda : hk::Backend::cpu;
  if (b != hk::Backend::cuda && b != hk::Backend::cuda_sim) return Outcome::ok;
  std::string variant = o.variant;
  if (variant.empty())
    if (const hk::VariantRow* best = hk::Registry::get().best("matmul", b, t)) variant = best->variant;
  return variant == "tiled" ? Outcome::invalid_argument : Outcome::ok;
}

void check(const std::string& verdict) {
  if (!verdict.empty()) finding("wrong result: " + verdict);
}

template <class T> std::vector<T> host_values(const Tensor& t) { return t.to_vector<T>(); }

// ---- matmul and quantized_matmul -------------------------------------------------------------

// A shape for the int8 AMX tiles (cpu/matmul_i8_amx.cpp's amx_pays: 12 rows or more, 1 Mi
// multiply-adds or more, K and N padded to the tiles' 64 and 32 at least 55% used), which
// the small shapes never reach: K from 65 to 192, so partial tiles at every edge, and on
// both sides of the rule (about 60% go to the tiles, the rest to vnni). At most 4.8 M
// multiply-adds for the reference.
void tile_shape(Input& in, int64_t& m, int64_t& k, int64_t& n) {
  m = 96 + in.below(97), k = 65 + in.below(128), n = 32 + in.below(97);
}

void fuzz_matmul(Input& in, bool composite) {
  auto dim = [&](int big) -> int64_t {
    uint8_t b = in.byte();
    return b < 240 ? b % big : 1 + (b % 3) * 64;  // mostly small; sometimes past a block edge
  };
  int64_t m = dim(40), k = dim(48), n = dim(40);
  if (in.one_in(32) && m * n <= 16) k = 200 + in.below(250);
  // Past the cache blocks of the packed GEMMs (K blocks of ~1000, N blocks of ~2000 here),
  // kept cheap for the reference by keeping the other dimensions small.
  if (in.one_in(48)) k = 900 + 8 * int64_t(in.byte()), m = 1 + in.below(70), n = 1 + in.below(40);
  if (in.one_in(48)) n = 1900 + 2 * int64_t(in.byte()), m = 1 + in.below(4), k = 1 + in.below(16);
  if (in.one_in(32)) tile_shape(in, m, k, n);
  const bool huge = in.one_in(24);
  if (huge) {  // a result that can't be counted or held; K = 0 so the inputs are empty
    const int64_t sizes[] = {int64_t(1) << 21, int64_t(1) << 31, int64_t(1) << 40, int64_t(1) << 62};
    m = sizes[in.below(4)], n = sizes[in.below(4)], k = 0;
  }
  const DType usual = in.one_in(2) ? DType::f32 : DType::i8;
  DType ta = dtype(in, usual), tb = dtype(in, composite ? (in.one_in(2) ? DType::f32 : DType::i8) : ta);
  Shape sa = {m, k}, sb = {k, n};
  if (!huge && in.one_in(16)) sb[0] = k + 1 + in.below(3);  // K mismatch
  if (!huge && in.one_in(32)) sa = {m * k};                 // not 2-D
  const int gpu = in.one_in(24) ? 1 + in.below(2) : 0;
  Buffer a = make_operand(in, ta, sa, gpu == 1), b = make_operand(in, tb, sb, gpu == 2);
  g_case = std::string(composite ? "quantized_matmul" : "matmul") + describe("a", a) + describe("b", b);
  Options o = options(in, "matmul");
  const bool into = !composite && !huge && in.one_in(3);

  if (!composite) {
    Outcome e = matmul_operands(a.info, b.info, !into);
    Buffer out;
    if (into) {
      const DType to = ta == DType::i8 ? DType::i32 : DType::f32;
      Shape so = a.info.shape.size() == 2 && b.info.shape.size() == 2 ? Shape{a.info.shape[0], b.info.shape[1]} : Shape{1};
      if (in.one_in(16)) so.back() += 1;
      out = in.one_in(8) ? alias_of(in.one_in(2) ? a : b, in.one_in(4) ? DType::f32 : to, so)
                         : make_out(in.one_in(16) ? DType::i8 : to, so, in.one_in(3));
      g_case += " into" + describe("out", out);
      if (e == Outcome::ok && bad_out(out.info, {a.info.shape[0], b.info.shape[1]}, to, a.info.on_gpu, {&a.info, &b.info}))
        e = Outcome::invalid_argument;
    }
    if (e == Outcome::ok) e = resolve("matmul", o, ta, a.info.on_gpu);
    Tensor result;
    if (!run(e, [&] { if (into) hk::matmul(a.tensor, b.tensor, out.tensor, o); else result = hk::matmul(a.tensor, b.tensor, o); },
             {&a, &b}, into ? &out : nullptr, block_size_may_fail("matmul", o, ta, a.info.on_gpu, e)))
      return;
    if (into) result = out.tensor;
    if (ta == DType::f32) {
      check(judge::matmul(host_values<float>(result), a.values<float>(), b.values<float>(), m, k, n));
    } else {
      check(judge::matmul(host_values<int32_t>(result), a.values<int8_t>(), b.values<int8_t>(), m, k, n));
    }
    return;
  }

  // quantized_matmul: scales, quantize steps, int8 matmul, dequantize.
  float s_a = scale(in), s_b = scale(in);
  g_case += " scale_a=" + std::to_string(s_a) + " scale_b=" + std::to_string(s_b);
  const float s = s_a * s_b;
  Outcome e = Outcome::ok;
  if (!valid_scale(s_a) || !valid_scale(s_b) || !valid_scale(s)) e = Outcome::invalid_argument;
  for (const Buffer* x : {&a, &b}) {
    if (e != Outcome::ok) break;
    if (x->info.dtype != DType::f32 && x->info.dtype != DType::i8) e = Outcome::invalid_argument;
    else if (x->info.dtype == DType::f32) e = resolve("quantize", without_variant(o), DType::f32, x->info.on_gpu);
  }
  Operand qa = a.info, qb = b.info;
  qa.dtype = qb.dtype = DType::i8;
  if (e == Outcome::ok) e = matmul_operands(qa, qb, true);
  if (e == Outcome::ok) e = resolve("matmul", o, DType::i8, a.info.on_gpu);
  if (e == Outcome::ok) e = resolve("dequantize", without_variant(o), DType::i32, a.info.on_gpu);
  Tensor result;
  if (!run(e, [&] { result = hk::quantized_matmul(a.tensor, b.tensor, s_a, s_b, o); }, {&a, &b}, nullptr,
           block_size_may_fail("matmul", o, DType::i8, a.info.on_gpu, e)))
    return;
  auto q = [](const Buffer& x, float sc) {
    return x.info.dtype == DType::i8 ? x.values<int8_t>() : hk_ref::quantized(x.values<float>(), sc);
  };
  auto acc = hk_ref::matmul_i8(q(a, s_a), q(b, s_b), m, k, n);
  check(judge::exact(host_values<float>(result), acc.size(), [&](size_t i) { return hk_ref::dequantize(acc[i], s); }));
}

// ---- linear ----------------------------------------------------------------------------------

// linear: x, w in either layout, a bias or none, relu or not; int8 weights with their
// per-channel scales and x as i8 (with input_scale) or f32 (quantized in the call).
void fuzz_linear(Input& in) {
  int64_t m = in.below(40), k = in.below(48), n = in.below(40);
  if (in.one_in(32)) k = 900 + 8 * int64_t(in.byte()), m = 1 + in.below(20), n = 1 + in.below(40);
  if (in.one_in(32)) tile_shape(in, m, k, n);
  const bool huge = in.one_in(24);
  if (huge) {  // a result that can't be counted or held; K = 0 so the inputs are empty
    const int64_t sizes[] = {int64_t(1) << 21, int64_t(1) << 31, int64_t(1) << 40, int64_t(1) << 62};
    m = sizes[in.below(4)], n = sizes[in.below(4)], k = 0;
  }
  const bool out_in = in.one_in(2), int8 = in.one_in(2), relu = in.one_in(2), with_bias = in.one_in(2);
  const DType tw = dtype(in, int8 ? DType::i8 : DType::f32);
  const DType tx = dtype(in, int8 && in.one_in(2) ? DType::i8 : DType::f32);
  Shape sx = {m, k}, sw = out_in ? Shape{n, k} : Shape{k, n};
  if (!huge && in.one_in(16)) sw[out_in ? 1 : 0] = k + 1 + in.below(3);  // K mismatch
  if (!huge && in.one_in(32)) sx = {m * k};                                // not 2-D
  const int gpu = in.one_in(24) ? 1 + in.below(2) : 0;
  Buffer x = make_operand(in, tx, sx, gpu == 1), w = make_operand(in, tw, sw, gpu == 2);
  // A wrong length: one too many, or (odd n) an empty vector, which is a bias, not none.
  const int64_t bias_n = huge ? 0 : in.one_in(16) ? (n % 2 ? 0 : n + 1) : n;
  Buffer bias = with_bias && !huge ? make_operand(in, in.one_in(16) ? DType::i8 : DType::f32, {bias_n}, false) : Buffer{};
  hk::LinearOptions lo{.layout = out_in ? hk::WeightLayout::out_in : hk::WeightLayout::in_out, .relu = relu};
  const int64_t scales_n = huge ? 0 : in.one_in(16) ? n + 1 : n;
  if (int8) lo.weight_scales = Tensor::full({scales_n}, 0.003 + 0.001 * double(in.below(8)));
  if (int8 && (tx == DType::i8 || in.one_in(3))) lo.input_scale = in.one_in(16) ? -1.0f : 0.01f + 0.01f * float(in.below(4));
  g_case = "linear" + describe("x", x) + describe("w", w) + (with_bias && !huge ? describe("bias", bias) : " no bias") +
           (out_in ? " out_in" : " in_out") + (relu ? " relu" : "") + " weight_scales=" +
           lo.weight_scales.description() + " input_scale=" + std::to_string(lo.input_scale);
  Options o = options(in, "linear");

  // The prediction, in the order docs/design.md gives linear's checks.
  const Operand &xi = x.info, &wi = w.info;
  Outcome e = Outcome::ok;
  const bool two_d = xi.shape.size() == 2 && wi.shape.size() == 2;
  const int64_t wn = two_d ? wi.shape[out_in ? 0 : 1] : 0;
  if (xi.on_gpu != wi.on_gpu || !two_d || xi.shape[1] != wi.shape[out_in ? 1 : 0]) e = Outcome::invalid_argument;
  if (e == Outcome::ok && allocation({xi.shape[0], wn}, DType::f32) == Outcome::invalid_argument)
    e = Outcome::invalid_argument;
  if (e == Outcome::ok) {
    if (wi.dtype == DType::f32) {
      if (xi.dtype != DType::f32 || lo.weight_scales.numel() != 0) e = Outcome::invalid_argument;
    } else if (wi.dtype == DType::i8) {
      if ((xi.dtype != DType::f32 && xi.dtype != DType::i8) || lo.weight_scales.shape() != Shape{wn} || wi.on_gpu ||
          (xi.dtype == DType::i8 && !(lo.input_scale > 0)) || lo.input_scale < 0 || xi.shape[1] > kMaxInt8K)
        e = Outcome::invalid_argument;  // (weight_scales live on the CPU: a cuda w never matches them)
    } else {
      e = Outcome::invalid_argument;
    }
  }
  if (e == Outcome::ok && with_bias && !huge &&
      (bias.info.dtype != DType::f32 || bias.info.shape != Shape{wn} || xi.on_gpu))
    e = Outcome::invalid_argument;
  if (e == Outcome::ok) e = allocation({xi.shape[0], wn}, DType::f32);
  if (e == Outcome::ok) e = resolve("linear", o, wi.dtype, xi.on_gpu);
  if (e == Outcome::ok && wi.dtype == DType::i8 && xi.dtype == DType::f32) {  // x quantized in the call
    if (lo.input_scale == 0) {
      if (xi.on_gpu) e = Outcome::invalid_argument;
      for (float v : x.values<float>()) e = std::isfinite(v) ? e : Outcome::invalid_argument;
    }
    if (e == Outcome::ok) e = resolve("quantize", without_variant(o), DType::f32, xi.on_gpu);
  }

  const Tensor none;
  const Tensor& b = with_bias && !huge ? bias.tensor : none;
  Tensor result;
  if (!run(e, [&] { result = hk::linear(x.tensor, w.tensor, b, lo, o); }, {&x, &w}, nullptr)) return;
  const std::vector<float> bv = with_bias ? bias.values<float>() : std::vector<float>{};
  if (wi.dtype == DType::f32) {
    check(judge::linear(host_values<float>(result), x.values<float>(), w.values<float>(), bv, out_in, relu, m, k, n));
    return;
  }
  float s = lo.input_scale;
  std::vector<int8_t> q;
  if (xi.dtype == DType::i8) {
    q = x.values<int8_t>();
  } else {
    if (s == 0) s = hk_ref::symmetric_scale(x.values<float>());
    q = hk_ref::quantized(x.values<float>(), s);
  }
  check(judge::linear(host_values<float>(result), q, w.values<int8_t>(), bv, out_in, relu, m, k, n, s,
                      lo.weight_scales.to_vector<float>()));
}

// ---- elementwise, reductions, quantization ------------------------------------------------

// The op table's rows that fuzz_elementwise serves (matmul and linear have their own).
std::vector<const hk::OpDef*> elementwise_ops() {
  std::vector<const hk::OpDef*> ops;
  for (const hk::OpDef& d : hk::op_table())
    if (d.shape == hk::OpShape::elementwise || d.shape == hk::OpShape::reduction) ops.push_back(&d);
  return ops;
}

void fuzz_elementwise(Input& in, int which) {
  // The op table's elementwise ops and reductions, then two composites.
  const std::vector<const hk::OpDef*> table = elementwise_ops();
  const hk::OpDef* def = which < int(table.size()) ? table[size_t(which)] : nullptr;
  const std::string op = def ? std::string(def->name) : which == int(table.size()) ? "quantized_relu" : "symmetric_scale";
  const bool binary = def && def->operands == 2;
  DType usual = op == "dequantize" ? (in.one_in(2) ? DType::i8 : DType::i32)
                : op == "relu" || op == "quantized_relu" ? (in.one_in(2) ? DType::f32 : DType::i8)
                                                         : DType::f32;
  Shape sx = small_shape(in), sy = sx;
  if (binary && in.one_in(16)) sy = small_shape(in);
  const int gpu = in.one_in(24) ? 1 + in.below(binary ? 2 : 1) : 0;
  Buffer x = make_operand(in, dtype(in, usual), sx, gpu == 1);
  Buffer y = binary ? make_operand(in, dtype(in, DType::f32), sy, gpu == 2) : Buffer{};
  g_case = op + describe("x", x) + (binary ? describe("y", y) : "");
  const DType tx = x.info.dtype;
  const bool scaled = def ? def->scaled : op == "quantized_relu";
  const float sc = scaled ? scale(in) : 1.0f;
  if (scaled) g_case += " scale=" + std::to_string(sc);
  Options o = op == "symmetric_scale" ? Options{} : options(in, op == "quantized_relu" ? "relu" : op);

  // Operand checks, in the order the function documents them.
  Outcome e = Outcome::ok;
  DType out_dtype = DType::f32;
  if (op == "relu") {
    if (tx != DType::f32 && tx != DType::i8) e = Outcome::invalid_argument;
    out_dtype = tx;
  } else if (binary) {
    if (x.info.on_gpu != y.info.on_gpu || tx != DType::f32 || y.info.dtype != DType::f32 || sx != sy)
      e = Outcome::invalid_argument;
  } else if (op == "quantize") {
    if (tx != DType::f32 || !valid_scale(sc)) e = Outcome::invalid_argument;
    out_dtype = DType::i8;
  } else if (op == "dequantize") {
    if ((tx != DType::i8 && tx != DType::i32) || !valid_scale(sc)) e = Outcome::invalid_argument;
  } else if (op == "quantized_relu") {
    if (!valid_scale(sc) || (tx != DType::f32 && tx != DType::i8)) e = Outcome::invalid_argument;
  } else if (op == "symmetric_scale") {
    if (tx != DType::f32) e = Outcome::invalid_argument;
    else
      for (float v : x.values<float>())
        if (!std::isfinite(v)) e = Outcome::invalid_argument;
  }
  const bool has_out_form = def && def->has_output();
  const bool into = has_out_form && in.one_in(3);
  Buffer out;
  if (into) {
    Shape so = sx;
    if (in.one_in(16)) so = small_shape(in);
    out = in.one_in(8) ? alias_of(binary && in.one_in(2) ? y : x, in.one_in(4) ? DType::f32 : out_dtype, so)
                       : make_out(in.one_in(16) ? DType::i32 : out_dtype, so, in.one_in(3));
    g_case += " into" + describe("out", out);
    if (e == Outcome::ok && bad_out(out.info, sx, out_dtype, x.info.on_gpu, {&x.info, &y.info}))
      e = Outcome::invalid_argument;
  }
  // The variant that runs it (composites: each step).
  if (e == Outcome::ok && op == "quantized_relu") {
    if (tx == DType::f32) e = resolve("quantize", without_variant(o), DType::f32, x.info.on_gpu);
    if (e == Outcome::ok) e = resolve("relu", o, DType::i8, x.info.on_gpu);
    if (e == Outcome::ok) e = resolve("dequantize", without_variant(o), DType::i8, x.info.on_gpu);
  } else if (e == Outcome::ok && op != "symmetric_scale") {
    e = resolve(op, o, tx, x.info.on_gpu);
  }

  Tensor result;
  double scalar = 0;
  float scale_result = 0;
  const Tensor &X = x.tensor, &Y = y.tensor;
  auto call = [&] {
    if (def) {
      const hk::OpResult r = def->call({&X, binary ? &Y : nullptr, sc}, o, into ? &out.tensor : nullptr);
      result = r.tensor;
      scalar = r.value;
    } else if (op == "quantized_relu") {
      result = hk::quantized_relu(X, sc, o);
    } else {
      scale_result = hk::symmetric_scale(X);
    }
  };
  if (!run(e, call, {&x, &y}, into ? &out : nullptr, block_size_may_fail(op, o, x.info.dtype, x.info.on_gpu, e))) return;
  if (into) result = out.tensor;
  if (x.info.on_gpu) return;  // zero-size: nothing to compare
  const size_t n = size_t(count(sx));
  if (op == "relu" && tx == DType::f32) {
    check(judge::relu(host_values<float>(result), x.values<float>()));
  } else if (op == "relu") {
    check(judge::relu(host_values<int8_t>(result), x.values<int8_t>()));
  } else if (binary && which <= 3) {
    auto got = host_values<float>(result), a = x.values<float>(), b = y.values<float>();
    check(op == "add" ? judge::add(got, a, b) : op == "mul" ? judge::mul(got, a, b) : judge::squared_difference(got, a, b));
  } else if (op == "dot") {
    check(judge::dot(scalar, x.values<float>(), y.values<float>()));
  } else if (op == "euclidean_distance") {
    check(judge::euclidean_distance(scalar, x.values<float>(), y.values<float>()));
  } else if (op == "quantize") {
    check(judge::quantize(host_values<int8_t>(result), x.values<float>(), sc));
  } else if (op == "dequantize") {
    check(tx == DType::i8 ? judge::dequantize(host_values<float>(result), x.values<int8_t>(), sc)
                          : judge::dequantize(host_values<float>(result), x.values<int32_t>(), sc));
  } else if (op == "quantized_relu") {
    auto q = tx == DType::i8 ? x.values<int8_t>() : hk_ref::quantized(x.values<float>(), sc);
    check(judge::exact(host_values<float>(result), n, [&](size_t i) { return hk_ref::dequantize(hk_ref::relu_i8(q[i]), sc); }));
  } else if (op == "symmetric_scale") {
    const float want = hk_ref::symmetric_scale(x.values<float>());
    if (!hk_ref::same_float(scale_result, want)) check(judge::element(0, scale_result, want) + " (symmetric_scale)");
  }
}

// ---- parallel_map --------------------------------------------------------------------------------

void fuzz_parallel_map(Input& in) {
  std::vector<Buffer> items(size_t(in.below(9)));
  g_case = "parallel_map relu over " + std::to_string(items.size()) + " items:";
  for (Buffer& b : items) {
    b = make_operand(in, dtype(in, in.one_in(2) ? DType::f32 : DType::i8), small_shape(in), false);
    g_case += describe("", b);
  }
  Options o = options(in, "relu");
  const int threads = o.threads;
  // Items run concurrently: any failing item's error may be the one rethrown.
  Outcome e = threads < 0 ? Outcome::invalid_argument : Outcome::ok, also = Outcome::ok;
  for (const Buffer& b : items) {
    if (threads < 0) break;
    Outcome item = b.info.dtype != DType::f32 && b.info.dtype != DType::i8
                       ? Outcome::invalid_argument
                       : resolve("relu", Options{o.backend, o.variant, 0, o.block_size}, b.info.dtype, false);
    if (item == Outcome::ok || item == e) continue;
    (e == Outcome::ok ? e : also) = item;
  }
  std::vector<Tensor> batch;
  for (const Buffer& b : items) batch.push_back(b.tensor);
  std::vector<Tensor> result;
  o.threads = 0;
  auto call = [&] { result = hk::parallel_map(batch, [&](const Tensor& t) { return hk::relu(t, o); }, threads); };
  // Inputs: checked one by one below (run() takes a fixed list).
  std::vector<std::vector<uint8_t>> before;
  for (const Buffer& b : items) before.push_back(b.bytes());
  if (also == Outcome::ok) also = block_size_may_fail("relu", o, DType::f32, false, e);
  if (!run(e, call, {}, nullptr, also)) return;
  if (result.size() != items.size()) finding("parallel_map returned " + std::to_string(result.size()) + " tensors");
  for (size_t j = 0; j < items.size(); ++j) {
    if (items[j].bytes() != before[j]) finding("parallel_map modified item " + std::to_string(j));
    if (items[j].info.dtype == DType::f32) {
      check(judge::relu(host_values<float>(result[j]), items[j].values<float>()));
    } else {
      check(judge::relu(host_values<int8_t>(result[j]), items[j].values<int8_t>()));
    }
  }
}

}  // namespace

void run_one(const uint8_t* data, size_t size) {
  static const bool init = [] {
    hk::set_default_backend(Backend::automatic);  // the prediction assumes it; HK_BACKEND may say otherwise
    return true;
  }();
  (void)init;
  Input in(data, size);
  const int fn = in.below(16);
  if (in.one_in(64)) hk::set_num_threads(1 + in.below(4));
  if (fn <= 1)
    fuzz_matmul(in, false);
  else if (fn == 2)
    fuzz_matmul(in, true);
  else if (fn == 3)
    fuzz_parallel_map(in);
  else if (fn == 4)
    fuzz_linear(in);
  else  // the table's elementwise ops and reductions, and 2 composites
    fuzz_elementwise(in, (fn - 5) % int(elementwise_ops().size() + 2));
}

}  // namespace hk_fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hk_fuzz::run_one(data, size);
  return 0;
}
