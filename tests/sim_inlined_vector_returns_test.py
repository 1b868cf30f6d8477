#!/usr/bin/env python3
"""ctest sim_inlined_vector_returns: every function in cuda/ that returns a CUDA vector type
(int2, int4, float4, …) is __forceinline__.

Why: cuda_sim's checks and counters see a kernel's memory accesses through g++'s
-fsanitize=thread instrumentation (cuda/sim/access_hooks.cpp), and g++ does not instrument
the store of a small aggregate that a call returns in registers: in `shared[i] = f(...)`
with f returning an int4, the store is part of the call statement, and no __tsan_write is
emitted. The access then escapes initcheck, racecheck and the shared-store counters. Inlined,
the store is the kernel's own and is instrumented. Before scanning, the pattern must find
every declaration in PLANTED and none in INNOCENT, so a pattern that stops matching fails
the test too.

usage: sim_inlined_vector_returns_test.py [ROOT]     (default: the checkout this file is in)
"""
import re
import sys

from source_lint import misjudged, root_from_argv, sources, verdict

DIRS = ("cuda",)
SUFFIXES = {".cuh", ".cu", ".hpp", ".cpp"}
VECTOR = r"(?:u?char[234]|u?short[234]|u?int[234]|u?long[234]|u?longlong[234]|float[234]|double[234])"
# A declaration at the start of a line: qualifiers, the vector return type, a name, "(".
DECL = re.compile(rf"^\s*(?:template\s*<[^>]*>\s*)?(?P<quals>(?:[A-Za-z_]\w*\s+)*?){VECTOR}\s+(?P<name>[A-Za-z_]\w*)\s*\(")
# Also generic helpers that return their template parameter (__ldg(const T*) gives a float4).
GENERIC = re.compile(r"^\s*template\s*<\s*(?:class|typename)\s+(?P<t>\w+)\s*>\s*(?P<quals>(?:[A-Za-z_]\w*\s+)*?)"
                     r"(?P=t)\s+(?P<name>[A-Za-z_]\w*)\s*\(")

# __forceinline__, and the simulator's always-inlined warp intrinsics (cuda/sim/device.hpp).
INLINE_MARKERS = {"__forceinline__", "HK_SIM_SITE", "HK_SIM_BARRIER"}
# Host functions that never run inside a block: cuda/scratch.cuh's read_back copies a result
# back after the launch.
HOST_ONLY = {"read_back"}

PLANTED = [
    "__device__ inline int4 load_block(const int8_t* x, int64_t p) {",
    "inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }",
    "__device__ int2 load_pair(const int8_t* a,",
    "template <class T> T __ldg(const T* p) { return *p; }",
    "static __device__ float2 half_sums(const float* v) {",
]
INNOCENT = [
    "__forceinline__ __device__ int4 load_block(const int8_t* x, int64_t p) {",
    "__forceinline__ float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }",
    "template <class T> __forceinline__ T __ldg(const T* p) { return *p; }",
    "template <class T> HK_SIM_SITE T __shfl_sync(unsigned mask, T var, int src_lane) {",
    "  const int4 rb = *reinterpret_cast<const int4*>(&b_words[w][tx * kTN]);",
    "  float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);",
    "  int4 ra[kTM][kWords / 4];",
    "  return make_int4(a, b, c, d);",
    "__device__ inline int load_word(const int8_t* x, int64_t r) {",
    "template <class T> void __stwb(T* p, T v) { *p = v; }",
]


def offending(line):
    """The declared function's name when the line declares a vector-returning function that
    is not __forceinline__, else None."""
    for rx in (DECL, GENERIC):
        m = rx.match(line)
        if m and m.group("name") not in {"return", "sizeof"}:
            inlined = any(q in m.group("quals").split() for q in INLINE_MARKERS)
            return None if inlined or m.group("name") in HOST_ONLY else m.group("name")
    return None


def main():
    bad = misjudged(offending, PLANTED, INNOCENT)
    hits = [f"{rel}:{no}: {name} returns a vector type but is not __forceinline__"
            for rel, text in sources(root_from_argv(), DIRS, SUFFIXES)
            for no, line in enumerate(text.splitlines(), 1) if (name := offending(line))]
    return verdict(bad, hits, "function(s). g++'s -fsanitize=thread does not instrument the store of an aggregate "
                   "a call returns, so cuda_sim's checks would miss `p[i] = f(...)`; declare them __forceinline__.",
                   f"every function in {', '.join(DIRS)} that returns a vector type is __forceinline__")


if __name__ == "__main__":
    sys.exit(main())
