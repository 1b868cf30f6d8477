// The cuda backend's device runtime: availability (driver, devices, compute capability),
// device memory and copies. Only backends.cpp reaches it, through detail::DeviceRuntime.
#pragma once

#include "common/src/memory.hpp"

namespace hk::cuda {

// Oldest compute capability hk runs on: CUDA 13 builds for sm_75 and newer only.
constexpr int kMinComputeCapability = 75;

detail::DeviceRuntime& runtime();

}  // namespace hk::cuda
