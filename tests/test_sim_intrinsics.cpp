// Atomics from many blocks on several OS threads, __dp4a, conversions and vector types under
// the simulator, checked against plain host arithmetic.
#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>

#include "sim_test_util.hpp"

namespace {

using namespace sim_test;

// ---- kernels --------------------------------------------------------------------------------

__device__ int scramble(int g) { return int((unsigned(g) * 2654435761u) >> 8) - (1 << 23); }

__global__ void atomics_everywhere(int* counter, float* fsum, int* imax, int* imin, unsigned* bits,
                                   unsigned long long* wide, int* cas_sum) {
  const int g = blockIdx.x * blockDim.x + threadIdx.x;
  atomicAdd(counter, 1);
  atomicAdd(fsum, 1.0f);
  atomicMax(imax, scramble(g));
  atomicMin(imin, scramble(g));
  atomicOr(bits, 1u << (g % 32));
  atomicAdd(wide, 1ull << 33);
  // An add written as a compare-and-swap loop, the way kernels build atomics CUDA lacks.
  int old = *cas_sum, assumed;
  do {
    assumed = old;
    old = atomicCAS(cas_sum, assumed, assumed + g % 7);
  } while (old != assumed);
}

__global__ void dp4a(const int* a, const int* b, const int* c, int* out, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = __dp4a(a[i], b[i], c[i]);
}

__global__ void conversions(const float* x, int* rn, int* rz, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    rn[i] = __float2int_rn(x[i]);
    rz[i] = __float2int_rz(x[i]);
  }
}

__global__ void float4_scale(const float4* x, float4* out, float s) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  const float4 v = __ldg(&x[i]);
  out[i] = make_float4(v.x * s, v.y * s, v.z * s, v.w * s);
}

// ---- tests ----------------------------------------------------------------------------------

TEST(SimAtomics, FromManyBlocksOnSeveralThreads) {
  const int blocks = 500, n = 128, total = blocks * n;
  int counter = 0, imax = INT_MIN, imin = INT_MAX, cas_sum = 0;
  float fsum = 0.0f;
  unsigned bits = 0;
  unsigned long long wide = 0;
  launch(on_threads(2), atomics_everywhere, dim3(blocks), dim3(n))(&counter, &fsum, &imax, &imin, &bits, &wide,
                                                                   &cas_sum);
  int want_max = INT_MIN, want_min = INT_MAX, want_cas = 0;
  for (int g = 0; g < total; ++g) {
    const int v = int((unsigned(g) * 2654435761u) >> 8) - (1 << 23);
    want_max = std::max(want_max, v);
    want_min = std::min(want_min, v);
    want_cas += g % 7;
  }
  EXPECT_EQ(counter, total);
  EXPECT_EQ(fsum, float(total));  // every partial sum is an integer below 2^24: exact
  EXPECT_EQ(imax, want_max);
  EXPECT_EQ(imin, want_min);
  EXPECT_EQ(bits, 0xffffffffu);
  EXPECT_EQ(wide, (unsigned long long)total << 33);
  EXPECT_EQ(cas_sum, want_cas);
}

int pack(int b0, int b1, int b2, int b3) {
  return int(unsigned(uint8_t(b0)) | unsigned(uint8_t(b1)) << 8 | unsigned(uint8_t(b2)) << 16 |
             unsigned(uint8_t(b3)) << 24);
}

TEST(SimIntrinsics, Dp4aSignedBytesAndWrappingAccumulator) {
  std::vector<int> a, b, c;
  auto add = [&](int x, int y, int z) {
    a.push_back(x);
    b.push_back(y);
    c.push_back(z);
  };
  add(pack(1, 2, 3, 4), pack(5, 6, 7, 8), 0);                    // 70
  add(pack(-1, -2, -3, -4), pack(5, 6, 7, 8), 10);               // bytes are signed
  add(pack(-128, -128, -128, -128), pack(-128, -128, -128, -128), 0);  // 4·2^14
  add(pack(127, 127, 127, 127), pack(127, 127, 127, 127), INT_MAX);    // wraps past INT_MAX
  add(pack(-128, 127, -128, 127), pack(127, -128, 127, -128), INT_MIN);  // wraps below INT_MIN
  for (int i = 0; i < 200; ++i) add(int(2654435761u * unsigned(i)), int(40503u * unsigned(i) + 12345u), i * 99991 - 7);
  const int n = int(a.size());
  std::vector<int> out(size_t(n), 0);
  launch(on_threads(1), dp4a, dim3((n + 63) / 64), dim3(64))(a.data(), b.data(), c.data(), out.data(), n);
  for (int i = 0; i < n; ++i) {
    int64_t sum = c[size_t(i)];
    for (int k = 0; k < 4; ++k)
      sum += int64_t(int8_t(unsigned(a[size_t(i)]) >> (8 * k))) * int8_t(unsigned(b[size_t(i)]) >> (8 * k));
    EXPECT_EQ(out[size_t(i)], int(uint32_t(uint64_t(sum)))) << "case " << i;
  }
  EXPECT_EQ(out[0], 70);
  EXPECT_EQ(out[1], 10 - 70);
  EXPECT_EQ(out[2], 65536);
  EXPECT_EQ(out[3], int(uint32_t(int64_t(INT_MAX) + 4 * 127 * 127)));
}

TEST(SimIntrinsics, FloatToIntRoundsHalfToEvenAndSaturates) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 2.4999998f, 3.7f, -3.7f, 1e10f, -1e10f, inf, -inf, nan, 0.0f, -0.0f};
  const std::vector<int> rn = {0, 2, 2, 0, -2, -2, 2, 4, -4, INT_MAX, INT_MIN, INT_MAX, INT_MIN, 0, 0, 0};
  const std::vector<int> rz = {0, 1, 2, 0, -1, -2, 2, 3, -3, INT_MAX, INT_MIN, INT_MAX, INT_MIN, 0, 0, 0};
  std::vector<int> got_rn(x.size(), 7), got_rz(x.size(), 7);
  launch(on_threads(1), conversions, dim3(1), dim3(32))(x.data(), got_rn.data(), got_rz.data(), int(x.size()));
  EXPECT_EQ(got_rn, rn);
  EXPECT_EQ(got_rz, rz);
}

TEST(SimIntrinsics, VectorTypes) {
  static_assert(alignof(float4) == 16 && sizeof(float4) == 16);
  static_assert(alignof(int2) == 8 && alignof(char4) == 4 && sizeof(char4) == 4);
  std::vector<float4> x(64), out(64);
  for (int i = 0; i < 64; ++i) x[size_t(i)] = make_float4(float(i), -float(i), 0.5f * float(i), 1.0f);
  launch(on_threads(1), float4_scale, dim3(2), dim3(32))(x.data(), out.data(), 2.0f);
  for (int i = 0; i < 64; ++i) {
    EXPECT_EQ(out[size_t(i)].x, 2.0f * float(i));
    EXPECT_EQ(out[size_t(i)].y, -2.0f * float(i));
    EXPECT_EQ(out[size_t(i)].z, float(i));
    EXPECT_EQ(out[size_t(i)].w, 2.0f);
  }
}

}  // namespace
