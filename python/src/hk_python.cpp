// hk_python.cpp — the extension module hk._hk: hk's ops on NumPy arrays (and anything else
// that speaks DLPack or the buffer protocol) without copies, hk.Tensor for device tensors,
// hk's errors as Python exceptions. python/hk/__init__.py is the public face.
//
// Inputs are wrapped with hk::Tensor::wrap (no copy) after checking dtype, contiguity and
// device, so a wrong array is an error naming the fix, never a silent copy or cast. Results
// are handed to NumPy as views of the hk::Tensor that holds them (a capsule owns it).
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "hk/hk.hpp"
#include "run/in_process.hpp"  // hk-bench's run and explain (bench/, linked as hk_bench_core)

namespace nb = nanobind;
using namespace nb::literals;

namespace {

// The Python exception classes, created in the module init (bases: see make_exception).
PyObject* g_error = nullptr;
PyObject* g_invalid_argument = nullptr;
PyObject* g_backend_unavailable = nullptr;
PyObject* g_out_of_memory = nullptr;
PyObject* g_cuda_error = nullptr;

[[noreturn]] void invalid(const std::string& message) { throw hk::InvalidArgument(message); }

// hk.Tensor: an hk::Tensor plus the Python object whose memory it views, if any (a NumPy
// array passed to hk.from_dlpack), so that memory lives as long as the tensor.
struct PyTensor {
  hk::Tensor tensor;
  nb::object owner;
};

std::optional<hk::DType> dtype_from_dlpack(nb::dlpack::dtype d) {
  if (d == nb::dtype<float>()) return hk::DType::f32;
  if (d == nb::dtype<int8_t>()) return hk::DType::i8;
  if (d == nb::dtype<int32_t>()) return hk::DType::i32;
  return std::nullopt;
}

nb::dlpack::dtype dlpack_dtype(hk::DType d) {
  switch (d) {
    case hk::DType::f32: return nb::dtype<float>();
    case hk::DType::i8: return nb::dtype<int8_t>();
    case hk::DType::i32: return nb::dtype<int32_t>();
  }
  return nb::dtype<float>();
}

const char* numpy_name(hk::DType d) {
  switch (d) {
    case hk::DType::f32: return "float32";
    case hk::DType::i8: return "int8";
    case hk::DType::i32: return "int32";
  }
  return "float32";
}

std::string dlpack_dtype_name(nb::dlpack::dtype d) {
  const char* kind = d.code == uint8_t(nb::dlpack::dtype_code::Float)  ? "float"
                     : d.code == uint8_t(nb::dlpack::dtype_code::Int)  ? "int"
                     : d.code == uint8_t(nb::dlpack::dtype_code::UInt) ? "uint"
                     : d.code == uint8_t(nb::dlpack::dtype_code::Bool) ? "bool"
                                                                       : "other";
  return std::string(kind) + std::to_string(d.bits);
}

// Wraps a host array as an hk::Tensor without copying, or says what to do instead.
template <class Array> hk::Tensor wrap_array(const Array& a, const char* name) {
  if (a.device_type() != nb::device::cpu::value)
    invalid(std::string(name) + " lives on a device hk cannot view from Python (DLPack device type " +
            std::to_string(a.device_type()) + "); pass a host array, or an hk.Tensor made with .to(\"cuda:0\")");
  std::optional<hk::DType> dtype = dtype_from_dlpack(a.dtype());
  if (!dtype)
    invalid(std::string(name) + " has dtype " + dlpack_dtype_name(a.dtype()) +
            "; hk takes float32, int8 or int32 arrays: convert it yourself, e.g. " + name +
            ".astype(np.float32) (hk never casts silently)");
  hk::Shape shape(a.ndim());
  int64_t expected = 1;  // the C-contiguous stride, in elements, of dimension i
  bool contiguous = true;
  for (size_t i = a.ndim(); i-- > 0;) {
    shape[i] = static_cast<int64_t>(a.shape(i));
    if (a.shape(i) != 1 && a.stride(i) != expected) contiguous = false;
    expected *= static_cast<int64_t>(a.shape(i));
  }
  if (!contiguous && expected != 0)
    invalid(std::string(name) + " is not C-contiguous; pass np.ascontiguousarray(" + name +
            ") (hk never copies silently)");
  if (shape.empty()) invalid(std::string(name) + " is a 0-d array; hk takes arrays of rank 1 to 4");
  void* data = const_cast<void*>(static_cast<const void*>(a.data()));
  switch (*dtype) {
    case hk::DType::f32: return hk::Tensor::wrap(static_cast<float*>(data), shape);
    case hk::DType::i8: return hk::Tensor::wrap(static_cast<int8_t*>(data), shape);
    case hk::DType::i32: return hk::Tensor::wrap(static_cast<int32_t*>(data), shape);
  }
  return {};
}

// One argument of an op: an hk.Tensor, or an array wrapped in place.
struct Input {
  hk::Tensor tensor;
  bool is_hk_tensor = false;
};

Input as_input(nb::handle obj, const char* name) {
  if (nb::isinstance<PyTensor>(obj)) return {nb::cast<PyTensor&>(obj).tensor, true};
  nb::ndarray<nb::ro> array;
  if (!nb::try_cast(obj, array, /*convert=*/false))
    invalid(std::string(name) + " must be a NumPy array (or an hk.Tensor, or an object with __dlpack__), not " +
            nb::type_name(obj.type()).c_str() + "; lists need np.asarray(" + name + ", dtype=np.float32)");
  return {wrap_array(array, name), false};
}

// out=: a writable array (or hk.Tensor) the result goes into.
hk::Tensor as_output(nb::handle obj) {
  if (nb::isinstance<PyTensor>(obj)) return nb::cast<PyTensor&>(obj).tensor;
  nb::ndarray<> array;
  if (!nb::try_cast(obj, array, /*convert=*/false)) {
    nb::ndarray<nb::ro> readonly;
    if (nb::try_cast(obj, readonly, false)) invalid("out is read-only; pass a writable array");
    invalid(std::string("out must be a NumPy array or an hk.Tensor, not ") + nb::type_name(obj.type()).c_str());
  }
  return wrap_array(array, "out");
}

// A host tensor as a NumPy array that views it (the capsule keeps the storage alive).
nb::object to_numpy(const hk::Tensor& t, nb::object owner = {}) {
  hk::Tensor host = t.device().is_cpu() ? t : t.to(hk::Device::cpu());
  auto* keep = new PyTensor{host, std::move(owner)};
  nb::capsule capsule(keep, [](void* p) noexcept { delete static_cast<PyTensor*>(p); });
  std::vector<size_t> shape(host.shape().begin(), host.shape().end());
  nb::ndarray<nb::numpy> array(host.raw_data(), shape.size(), shape.data(), capsule, nullptr,
                               dlpack_dtype(host.dtype()));
  return nb::cast(array);
}

nb::object wrap_result(hk::Tensor t, bool as_hk_tensor) {
  if (as_hk_tensor) return nb::cast(PyTensor{std::move(t), {}});
  return to_numpy(t);
}

hk::Options make_options(std::optional<std::string> backend, std::optional<std::string> variant,
                         int threads, int block_size) {
  hk::Options o;
  if (backend) o.backend = hk::parse_backend(*backend);
  if (variant) o.variant = *variant;
  if (threads < 0) invalid("threads must be >= 0 (0 = hk.num_threads()), got " + std::to_string(threads));
  if (block_size < 0) invalid("block_size must be >= 0 (0 = the variant's default), got " + std::to_string(block_size));
  o.threads = threads;
  o.block_size = block_size;
  return o;
}

// The keyword options every op takes, after its own arguments.
#define HK_OPTION_ARGS \
  "backend"_a = nb::none(), "variant"_a = nb::none(), "threads"_a = 0, "block_size"_a = 0
#define HK_OPTION_PARAMS \
  std::optional<std::string> backend, std::optional<std::string> variant, int threads, int block_size

using UnaryOut = void (*)(const hk::Tensor&, hk::Tensor&, const hk::Options&);
using Unary = hk::Tensor (*)(const hk::Tensor&, const hk::Options&);
using BinaryOut = void (*)(const hk::Tensor&, const hk::Tensor&, hk::Tensor&, const hk::Options&);
using Binary = hk::Tensor (*)(const hk::Tensor&, const hk::Tensor&, const hk::Options&);

template <Unary op, UnaryOut op_out>
nb::object unary(nb::handle x, nb::handle out, HK_OPTION_PARAMS) {
  hk::Options o = make_options(backend, variant, threads, block_size);
  Input in = as_input(x, "x");
  if (!out.is_none()) {
    hk::Tensor result = as_output(out);
    nb::gil_scoped_release release;
    op_out(in.tensor, result, o);
  } else {
    hk::Tensor result;
    {
      nb::gil_scoped_release release;
      result = op(in.tensor, o);
    }
    return wrap_result(std::move(result), in.is_hk_tensor);
  }
  return nb::borrow(out);
}

template <Binary op, BinaryOut op_out>
nb::object binary(nb::handle x, nb::handle y, nb::handle out, HK_OPTION_PARAMS, const char* xn, const char* yn) {
  hk::Options o = make_options(backend, variant, threads, block_size);
  Input a = as_input(x, xn), b = as_input(y, yn);
  if (!out.is_none()) {
    hk::Tensor result = as_output(out);
    nb::gil_scoped_release release;
    op_out(a.tensor, b.tensor, result, o);
    return nb::borrow(out);
  }
  hk::Tensor result;
  {
    nb::gil_scoped_release release;
    result = op(a.tensor, b.tensor, o);
  }
  return wrap_result(std::move(result), a.is_hk_tensor || b.is_hk_tensor);
}

// For ops hk has no output-parameter form of: the result is copied into out.
void copy_into(const hk::Tensor& result, nb::handle out) {
  hk::Tensor target = as_output(out);
  if (target.shape() != result.shape() || target.dtype() != result.dtype())
    invalid("out is " + target.description() + " but the result is " + result.description());
  if (target.device().is_cpu()) {
    hk::Tensor host = result.device().is_cpu() ? result : result.to(hk::Device::cpu());
    std::memcpy(target.raw_data(), host.raw_data(), host.nbytes());
  } else {
    invalid("out= on a device tensor is not supported for this op; use the returned tensor");
  }
}

nb::object scalar_op(double (*op)(const hk::Tensor&, const hk::Tensor&, const hk::Options&), nb::handle x,
                     nb::handle y, HK_OPTION_PARAMS) {
  hk::Options o = make_options(backend, variant, threads, block_size);
  Input a = as_input(x, "x"), b = as_input(y, "y");
  double value;
  {
    nb::gil_scoped_release release;
    value = op(a.tensor, b.tensor, o);
  }
  return nb::float_(value);
}

PyObject* make_exception(nb::module_& m, const char* name, PyObject* base, PyObject* second, const char* doc) {
  std::string qualified = std::string("hk.") + name;
  PyObject* bases = second ? PyTuple_Pack(2, base, second) : PyTuple_Pack(1, base);
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases, nullptr);
  Py_DECREF(bases);
  if (!type) throw nb::python_error();
  m.attr(name) = nb::borrow(type);
  return type;
}

nb::dict backend_dict(const hk::BackendInfo& b) {
  nb::dict d;
  d["name"] = b.name;
  d["available"] = b.available;
  d["reason"] = b.reason;
  d["devices"] = b.devices;
  return d;
}

}  // namespace

NB_MODULE(_hk, m) {
  m.doc() = "hk's C++ kernels; use the package hk, not this module";

  g_error = make_exception(m, "Error", PyExc_Exception, nullptr, "Every failure hk reports.");
  g_invalid_argument = make_exception(m, "InvalidArgument", g_error, PyExc_ValueError,
                                      "A shape, dtype, device, scale, size or name the call cannot accept.");
  g_backend_unavailable = make_exception(m, "BackendUnavailable", g_error, PyExc_RuntimeError,
                                         "A backend or variant this build or machine cannot run; the message says why.");
  g_out_of_memory = make_exception(m, "OutOfMemory", g_error, PyExc_MemoryError, "An allocation failed.");
  g_cuda_error = make_exception(m, "CudaError", g_error, PyExc_RuntimeError, "A CUDA runtime or library call failed.");
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const hk::InvalidArgument& e) {
      PyErr_SetString(g_invalid_argument, e.what());
    } catch (const hk::BackendUnavailable& e) {
      PyErr_SetString(g_backend_unavailable, e.what());
    } catch (const hk::OutOfMemory& e) {
      PyErr_SetString(g_out_of_memory, e.what());
    } catch (const hk::CudaError& e) {
      PyErr_SetString(g_cuda_error, e.what());
    } catch (const hk::Error& e) {
      PyErr_SetString(g_error, e.what());
    }
  });

  // ---- hk.Tensor ----------------------------------------------------------------------
  nb::class_<PyTensor>(m, "Tensor",
                       "An hk tensor on the CPU or a CUDA device. Ops given hk.Tensors return hk.Tensors; "
                       ".numpy() views a host tensor (copies a device one to the host).")
      .def_prop_ro("shape", [](const PyTensor& t) {
        nb::list dims;
        for (int64_t d : t.tensor.shape()) dims.append(d);
        return nb::tuple(dims);
      })
      .def_prop_ro("dtype", [](const PyTensor& t) {
        return nb::module_::import_("numpy").attr("dtype")(numpy_name(t.tensor.dtype()));
      })
      .def_prop_ro("device", [](const PyTensor& t) { return t.tensor.device().to_string(); })
      .def_prop_ro("nbytes", [](const PyTensor& t) { return t.tensor.nbytes(); })
      .def("to",
           [](const PyTensor& t, const std::string& device) {
             hk::Device d = hk::Device::parse(device);
             hk::Tensor copy;
             {
               nb::gil_scoped_release release;
               copy = t.tensor.to(d);
             }
             return PyTensor{std::move(copy), {}};
           },
           "device"_a, "A copy on device (\"cpu\", \"cuda\", \"cuda:1\").")
      .def("numpy", [](const PyTensor& t) { return to_numpy(t.tensor, t.owner); },
           "A NumPy array: a view of a host tensor (no copy), a host copy of a device tensor.")
      .def("__dlpack_device__",
           [](const PyTensor& t) {
             hk::Device d = t.tensor.device();
             return nb::make_tuple(d.is_cpu() ? int(nb::device::cpu::value) : int(nb::device::cuda::value),
                                   d.is_cpu() ? 0 : d.index());
           })
      .def("__dlpack__",
           [](nb::handle self, nb::kwargs kwargs) {
             const PyTensor& t = nb::cast<const PyTensor&>(self);
             hk::Device d = t.tensor.device();
             std::vector<size_t> shape(t.tensor.shape().begin(), t.tensor.shape().end());
             // The exported array keeps this hk.Tensor (and so its storage) alive.
             nb::ndarray<nb::array_api> array(const_cast<void*>(t.tensor.raw_data()), shape.size(), shape.data(), self, nullptr,
                                 dlpack_dtype(t.tensor.dtype()),
                                 d.is_cpu() ? nb::device::cpu::value : nb::device::cuda::value,
                                 d.is_cpu() ? 0 : d.index());
             nb::object exported = nb::cast(array);
             if (!kwargs.contains("stream")) return exported.attr("__dlpack__")(**kwargs);
             nb::dict rest;
             for (auto [k, v] : kwargs)
               if (!nb::str(k).equal(nb::str("stream"))) rest[k] = v;  // hk's ops finish before returning
             return exported.attr("__dlpack__")(**rest);
           })
      .def("__repr__", [](const PyTensor& t) { return "hk.Tensor(" + t.tensor.description() + ")"; });

  m.def("from_dlpack",
        [](nb::handle obj) {
          if (nb::isinstance<PyTensor>(obj)) return nb::cast<PyTensor>(obj);
          nb::ndarray<nb::ro> array;
          if (!nb::try_cast(obj, array, false))
            invalid(std::string("from_dlpack needs an object with __dlpack__ or the buffer protocol, not ") +
                    nb::type_name(obj.type()).c_str());
          return PyTensor{wrap_array(array, "x"), nb::borrow(obj)};
        },
        "x"_a, "An hk.Tensor viewing a host array's memory (no copy; the array stays alive while it is used).");
  m.def("tensor_from_numpy_copy",
        [](nb::handle obj, const std::string& device) {
          Input in = as_input(obj, "x");
          hk::Device d = hk::Device::parse(device);
          nb::gil_scoped_release release;
          return PyTensor{in.tensor.to(d), {}};
        },
        "x"_a, "device"_a = "cpu");

  // ---- ops ----------------------------------------------------------------------------
  m.def("relu", &unary<hk::relu, hk::relu>, "x"_a, nb::kw_only(), "out"_a = nb::none(), HK_OPTION_ARGS);
  m.def(
      "matmul",
      [](nb::handle a, nb::handle b, nb::handle out, HK_OPTION_PARAMS) {
        return binary<hk::matmul, hk::matmul>(a, b, out, backend, variant, threads, block_size, "a", "b");
      },
      "a"_a, "b"_a, nb::kw_only(), "out"_a = nb::none(), HK_OPTION_ARGS);
  m.def(
      "matmul_nt",
      [](nb::handle a, nb::handle b, nb::handle out, HK_OPTION_PARAMS) {
        return binary<hk::matmul_nt, hk::matmul_nt>(a, b, out, backend, variant, threads, block_size, "a", "b");
      },
      "a"_a, "b"_a, nb::kw_only(), "out"_a = nb::none(), HK_OPTION_ARGS,
      "a @ b.T for f32 a (M, K) and b (N, K): matmul with b transposed, on linear's kernels.");
  m.def(
      "linear",
      [](nb::handle x, nb::handle w, nb::handle bias, const std::string& layout, bool relu, nb::handle weight_scales,
         float input_scale, nb::handle out, HK_OPTION_PARAMS) {
        hk::Options o = make_options(backend, variant, threads, block_size);
        Input xi = as_input(x, "x"), wi = as_input(w, "w");
        hk::LinearOptions lo;
        if (layout == "out_in") lo.layout = hk::WeightLayout::out_in;
        else if (layout != "in_out") invalid("layout must be \"in_out\" (K, N) or \"out_in\" (N, K), got \"" + layout + "\"");
        lo.relu = relu;
        lo.input_scale = input_scale;
        if (!weight_scales.is_none()) lo.weight_scales = as_input(weight_scales, "weight_scales").tensor;
        const hk::Tensor b = bias.is_none() ? hk::Tensor() : as_input(bias, "bias").tensor;
        if (!out.is_none()) {
          hk::Tensor result = as_output(out);
          nb::gil_scoped_release release;
          hk::linear(xi.tensor, wi.tensor, b, result, lo, o);
          return nb::borrow(out);
        }
        hk::Tensor result;
        {
          nb::gil_scoped_release release;
          result = hk::linear(xi.tensor, wi.tensor, b, lo, o);
        }
        return wrap_result(std::move(result), xi.is_hk_tensor || wi.is_hk_tensor);
      },
      "x"_a, "w"_a, "bias"_a = nb::none(), nb::kw_only(), "layout"_a = "in_out", "relu"_a = false,
      "weight_scales"_a = nb::none(), "input_scale"_a = 0.0f, "out"_a = nb::none(), HK_OPTION_ARGS,
      "A fully connected layer in one pass: x @ w (+ bias) (+ relu), f32. w is (K, N) for layout "
      "\"in_out\" (a Dense layer) or (N, K) for \"out_in\" (torch.nn.Linear). int8 weights (from "
      "quantize_weights) take weight_scales; x is then quantized per call (input_scale=0) or with input_scale.");
  m.def(
      "quantize_weights",
      [](nb::handle w, const std::string& layout) {
        Input wi = as_input(w, "w");
        hk::WeightLayout l = hk::WeightLayout::in_out;
        if (layout == "out_in") l = hk::WeightLayout::out_in;
        else if (layout != "in_out") invalid("layout must be \"in_out\" or \"out_in\", got \"" + layout + "\"");
        hk::QuantizedWeights q;
        {
          nb::gil_scoped_release release;
          q = hk::quantize_weights(wi.tensor, l);
        }
        return nb::make_tuple(wrap_result(std::move(q.q), wi.is_hk_tensor), wrap_result(std::move(q.scales), wi.is_hk_tensor));
      },
      "w"_a, "layout"_a = "in_out",
      "(q, scales): int8 weights with one symmetric scale per output channel, for linear(weight_scales=scales).");
  m.def(
      "add",
      [](nb::handle x, nb::handle y, nb::handle out, HK_OPTION_PARAMS) {
        return binary<hk::add, hk::add>(x, y, out, backend, variant, threads, block_size, "x", "y");
      },
      "x"_a, "y"_a, nb::kw_only(), "out"_a = nb::none(), HK_OPTION_ARGS);
  m.def(
      "mul",
      [](nb::handle x, nb::handle y, nb::handle out, HK_OPTION_PARAMS) {
        return binary<hk::mul, hk::mul>(x, y, out, backend, variant, threads, block_size, "x", "y");
      },
      "x"_a, "y"_a, nb::kw_only(), "out"_a = nb::none(), HK_OPTION_ARGS);
  m.def(
      "squared_difference",
      [](nb::handle x, nb::handle y, nb::handle out, HK_OPTION_PARAMS) {
        return binary<hk::squared_difference, hk::squared_difference>(x, y, out, backend, variant, threads,
                                                                      block_size, "x", "y");
      },
      "x"_a, "y"_a, nb::kw_only(), "out"_a = nb::none(), HK_OPTION_ARGS);
  m.def(
      "dot",
      [](nb::handle x, nb::handle y, HK_OPTION_PARAMS) {
        return scalar_op(&hk::dot, x, y, backend, variant, threads, block_size);
      },
      "x"_a, "y"_a, nb::kw_only(), HK_OPTION_ARGS);
  m.def(
      "euclidean_distance",
      [](nb::handle x, nb::handle y, HK_OPTION_PARAMS) {
        return scalar_op(&hk::euclidean_distance, x, y, backend, variant, threads, block_size);
      },
      "x"_a, "y"_a, nb::kw_only(), HK_OPTION_ARGS);
  m.def("symmetric_scale", [](nb::handle x) {
    Input in = as_input(x, "x");
    nb::gil_scoped_release release;
    return hk::symmetric_scale(in.tensor);
  }, "x"_a);
  m.def(
      "quantize",
      [](nb::handle x, float scale, nb::handle out, HK_OPTION_PARAMS) {
        hk::Options o = make_options(backend, variant, threads, block_size);
        Input in = as_input(x, "x");
        if (!out.is_none()) {
          hk::Tensor result = as_output(out);
          nb::gil_scoped_release release;
          hk::quantize(in.tensor, scale, result, o);
        } else {
          hk::Tensor result;
          {
            nb::gil_scoped_release release;
            result = hk::quantize(in.tensor, scale, o);
          }
          return wrap_result(std::move(result), in.is_hk_tensor);
        }
        return nb::borrow(out);
      },
      "x"_a, "scale"_a, nb::kw_only(), "out"_a = nb::none(), HK_OPTION_ARGS);
  m.def(
      "dequantize",
      [](nb::handle q, float scale, nb::handle out, HK_OPTION_PARAMS) {
        hk::Options o = make_options(backend, variant, threads, block_size);
        Input in = as_input(q, "q");
        if (!out.is_none()) {
          hk::Tensor result = as_output(out);
          nb::gil_scoped_release release;
          hk::dequantize(in.tensor, scale, result, o);
        } else {
          hk::Tensor result;
          {
            nb::gil_scoped_release release;
            result = hk::dequantize(in.tensor, scale, o);
          }
          return wrap_result(std::move(result), in.is_hk_tensor);
        }
        return nb::borrow(out);
      },
      "q"_a, "scale"_a, nb::kw_only(), "out"_a = nb::none(), HK_OPTION_ARGS);
  m.def(
      "quantized_matmul",
      [](nb::handle a, nb::handle b, float scale_a, float scale_b, nb::handle out, HK_OPTION_PARAMS) {
        hk::Options o = make_options(backend, variant, threads, block_size);
        Input x = as_input(a, "a"), y = as_input(b, "b");
        hk::Tensor result;
        {
          nb::gil_scoped_release release;
          result = hk::quantized_matmul(x.tensor, y.tensor, scale_a, scale_b, o);
        }
        if (out.is_none()) return wrap_result(std::move(result), x.is_hk_tensor || y.is_hk_tensor);
        copy_into(result, out);  // hk has no output-parameter form of quantized_matmul
        return nb::borrow(out);
      },
      "a"_a, "b"_a, "scale_a"_a, "scale_b"_a, nb::kw_only(), "out"_a = nb::none(), HK_OPTION_ARGS);
  m.def(
      "quantized_relu",
      [](nb::handle x, float scale, nb::handle out, HK_OPTION_PARAMS) {
        hk::Options o = make_options(backend, variant, threads, block_size);
        Input in = as_input(x, "x");
        hk::Tensor result;
        {
          nb::gil_scoped_release release;
          result = hk::quantized_relu(in.tensor, scale, o);
        }
        if (out.is_none()) return wrap_result(std::move(result), in.is_hk_tensor);
        copy_into(result, out);  // hk has no output-parameter form of quantized_relu
        return nb::borrow(out);
      },
      "x"_a, "scale"_a, nb::kw_only(), "out"_a = nb::none(), HK_OPTION_ARGS);

  // ---- runtime ------------------------------------------------------------------------
  m.def("backends", [] {
    nb::list out;
    for (const hk::BackendInfo& b : hk::backends()) out.append(backend_dict(b));
    return out;
  });
  m.def(
      "variants",
      [](std::optional<std::string> op) {
        nb::list out;
        for (const hk::VariantInfo& v : hk::variants(op ? std::string_view(*op) : std::string_view{})) {
          nb::dict d;
          d["op"] = v.op;
          d["backend"] = hk::to_string(v.backend);
          d["variant"] = v.variant;
          d["supported"] = v.supported;
          d["requirement"] = v.requirement;
          d["summary"] = v.summary;
          nb::list dtypes;
          for (hk::DType t : v.dtypes) dtypes.append(numpy_name(t));
          d["dtypes"] = dtypes;
          out.append(d);
        }
        return out;
      },
      "op"_a = nb::none());
  m.def("ops", &hk::ops);
  m.def("set_default_backend", [](const std::string& b) { hk::set_default_backend(hk::parse_backend(b)); },
        "backend"_a);
  m.def("default_backend", [] { return hk::to_string(hk::default_backend()); });
  m.def("resolve_backend", [](const std::string& b) { return hk::to_string(hk::resolve_backend(hk::parse_backend(b))); },
        "backend"_a = "auto");
  m.def("set_num_threads",
        [](int n) {
          nb::gil_scoped_release release;  // it waits for pool work other Python threads started
          hk::set_num_threads(n);
        },
        "n"_a);
  m.def("num_threads", &hk::num_threads);
  m.def("synchronize", [] {
    nb::gil_scoped_release release;
    hk::synchronize();
  });
  // hk.bench and hk.explain: hk-bench itself, in-process. The Python side (hk/_bench.py) turns
  // keywords into hk-bench's arguments and parses the JSON that comes back, so the rows are
  // exactly what `hk-bench --format json` writes and bad arguments get hk-bench's messages.
  m.def(
      "hk_bench",
      [](const std::string& program, const std::vector<std::string>& arguments) {
        hk_bench::InProcessResult r;
        {
          nb::gil_scoped_release release;  // a run takes seconds to minutes
          r = hk_bench::run_in_process(program, arguments);
        }
        return nb::make_tuple(r.json, r.exit_status);
      },
      "program"_a, "arguments"_a);
  // hk.matmul(a, b, out=out, ...) looped in C++ by hk::time_kernel: bench/python_bench.py's
  // "the same call made from C++", on the same arrays in the same process. Median in µs.
  m.def(
      "time_matmul_in_cpp",
      [](nb::handle a, nb::handle b, nb::handle out, int warmup, int repeats, HK_OPTION_PARAMS) {
        hk::Options o = make_options(backend, variant, threads, block_size);
        if (warmup < 0 || repeats < 1)
          invalid("time_matmul_in_cpp needs warmup >= 0 and repeats >= 1, got warmup=" + std::to_string(warmup) +
                  " repeats=" + std::to_string(repeats));
        Input x = as_input(a, "a"), y = as_input(b, "b");
        hk::Tensor c = as_output(out);
        nb::gil_scoped_release release;
        hk::Stats s = hk::time_kernel([&] { hk::matmul(x.tensor, y.tensor, c, o); }, {warmup, repeats});
        return s.median_ms * 1e3;
      },
      "a"_a, "b"_a, "out"_a, "warmup"_a = 1, "repeats"_a = 5, HK_OPTION_ARGS);
  // fn runs with the GIL held; the kernels it calls release it themselves.
  m.def(
      "time_kernel",
      [](nb::callable fn, int warmup, int repeats) {
        hk::TimingOptions options{warmup, repeats};
        if (warmup < 0 || repeats < 1)
          invalid("time_kernel needs warmup >= 0 and repeats >= 1, got warmup=" + std::to_string(warmup) +
                  " repeats=" + std::to_string(repeats));
        hk::Stats s = hk::time_kernel([&] { fn(); }, options);
        return nb::make_tuple(s.median_ms * 1e3, s.min_ms * 1e3, s.max_ms * 1e3, s.repeats);
      },
      "fn"_a, "warmup"_a = 3, "repeats"_a = 10);
}
