// hk's independent reference: what a correct result of every op is, and how close hk must
// come to it. The tests, the fuzzer (fuzz/) and hk-bench's validation all judge with it,
// so the rules of docs/design.md "Semantics" are stated in code once (tolerance.hpp).
//
// The rule of this folder: it shares no code with hk. It includes no hk header and no
// file of hk's kernels, and is plain loops in double, long double and int64, so a bug in
// hk cannot hide in its own reference. It is header-only and never part of libhk: only
// the test, fuzz and bench targets link the `hk_reference` interface target.
//
//   values.hpp     the reference values (matmul in fp64, add via fp64, quantize, dot, ...)
//   tolerance.hpp  the error bounds and IEEE rules, with the reasons
//   judge.hpp      per-op judges: "" when a result is right, else its first wrong value
#pragma once

#include "judge.hpp"
#include "tolerance.hpp"
#include "values.hpp"
