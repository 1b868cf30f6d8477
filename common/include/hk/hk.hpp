// hk/hk.hpp — include this to use hk.
#pragma once

#include "hk/choice.hpp"
#include "hk/cuda.hpp"
#include "hk/error.hpp"
#include "hk/ops.hpp"
#include "hk/runtime.hpp"
#include "hk/tensor.hpp"
#include "hk/types.hpp"
