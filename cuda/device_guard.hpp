// The calling thread's current CUDA device belongs to the caller: hk makes the devices it
// works on current inside one call into the cuda runtime, and a guard at the top of each
// such call gives the caller's back on every way out, errors included (a program that chose cuda:1 and calls
// hk on cuda:0 still launches its own next kernel on cuda:1).
//
// Generic over the two runtime calls so the logic is tested without a GPU (tests/
// test_cuda.cpp, with a stub); cuda_runtime.hpp instantiates it with cudart.
#pragma once

namespace hk::cuda {

// Api: static int current() (the device current now; -1 if that cannot be read) and
// static void restore(int device) noexcept.
template <class Api>
class BasicDeviceGuard {
 public:
  BasicDeviceGuard() : saved_(Api::current()) {}
  ~BasicDeviceGuard() {
    if (saved_ >= 0 && Api::current() != saved_) Api::restore(saved_);
  }
  BasicDeviceGuard(const BasicDeviceGuard&) = delete;
  BasicDeviceGuard& operator=(const BasicDeviceGuard&) = delete;

 private:
  int saved_;
};

}  // namespace hk::cuda
