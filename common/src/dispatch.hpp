// Internal: choosing the variant that serves one call.
#pragma once

#include <string>
#include <string_view>

#include "hk/registry.hpp"
#include "hk/types.hpp"

namespace hk::detail {

struct Call {
  const VariantRow* row = nullptr;
  const KernelFn* kernel = nullptr;  // the row's function for the input dtype
  Backend backend = Backend::cpu;
  KernelContext context;
};

// The variant of `op` that runs this call: Options.backend (else the process default;
// `automatic` follows the data: cuda tensors → cuda, else cuda when usable and it has a
// kernel for op, else cpu), Options.variant (else the best supported one) and the kernel
// for input dtype `dtype`. Throws BackendUnavailable (backend or variant can't run here:
// says why) or InvalidArgument (unknown variant, dtype it doesn't take, data on a device the
// backend can't read).
Call resolve(std::string_view op, const Options& options, DType dtype, Device data_device);

// "" when backend can run here, else why not (backends.cpp).
std::string unavailable_reason(Backend backend);

}  // namespace hk::detail
