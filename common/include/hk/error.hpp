// hk/error.hpp — every failure hk reports is an hk::Error. Messages name what was wrong
// (both shapes, the dtypes, the devices, the missing feature, the CUDA call and error).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace hk {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A shape, dtype, device, scale, size or name that the call cannot accept.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// A backend or variant that this build or this machine cannot run; the message says why
// (not compiled in, no driver, no device, CPU lacks AVX512-VNNI, ...).
class BackendUnavailable : public Error {
 public:
  using Error::Error;
};

// A CUDA runtime or library call failed: the message has the call, file:line, device and
// the CUDA error string.
class CudaError : public Error {
 public:
  using Error::Error;
};

// An allocation failed; bytes() is the size that was asked for.
class OutOfMemory : public Error {
 public:
  OutOfMemory(const std::string& what, std::size_t bytes) : Error(what), bytes_(bytes) {}
  std::size_t bytes() const { return bytes_; }

 private:
  std::size_t bytes_;
};

}  // namespace hk
