// `automatic` by cost (hk/choice.hpp), on synthetic machines: an H100-class and a T4-class
// card beside the same CPU. Expected times are worked out here from the documented model
// (roofline of the op's work, plus the fixed costs), not read back from hk.
#include <gtest/gtest.h>

#include <algorithm>

#include "hk/hk.hpp"

namespace {

using hk::Backend;
using hk::DType;
using hk::Device;
using hk::MachineProfile;

MachineProfile cpu_side() {
  MachineProfile p;
  p.cpu_name = "a 16-core server CPU";
  p.cpu_fp32_flops = 1.0e12;
  p.cpu_int8_ops = 2.0e12;
  p.cpu_bytes_per_s = 5.0e10;
  p.cpu_call_s = 0.3e-6;
  return p;
}

MachineProfile with_gpu(const char* name, double flops, double int8_ops, double bytes_per_s, double link,
                        double latency, double launch) {
  MachineProfile p = cpu_side();
  p.gpu_name = name;
  p.gpu_fp32_flops = flops, p.gpu_int8_ops = int8_ops, p.gpu_bytes_per_s = bytes_per_s;
  p.link_bytes_per_s = link, p.link_latency_s = latency, p.gpu_launch_s = launch;
  return p;
}
// SXM H100's properties: 132 SMs · 128 lanes · 2 · 1.98 GHz, 3.35 TB/s; PCIe Gen5.
MachineProfile h100_class() { return with_gpu("H100-class", 6.69e13, 1.34e14, 3.35e12, 2.5e10, 8e-6, 6e-6); }
// T4's properties: 40 SMs · 64 lanes · 2 · 1.59 GHz, 320 GB/s; PCIe Gen3.
MachineProfile t4_class() { return with_gpu("T4-class", 8.1e12, 3.26e13, 3.2e11, 1.2e10, 10e-6, 8e-6); }

// The model for a host f32 N×N×N matmul, by hand: 2N³ operations, 12N² bytes (a, b, c).
double cpu_time(const MachineProfile& p, double n) {
  return std::max(2 * n * n * n / p.cpu_fp32_flops, 12 * n * n / p.cpu_bytes_per_s) + p.cpu_call_s;
}
double gpu_time(const MachineProfile& p, double n) {
  const double kernel = std::max(2 * n * n * n / p.gpu_fp32_flops, 12 * n * n / p.gpu_bytes_per_s);
  return kernel + 12 * n * n / p.link_bytes_per_s + 3 * p.link_latency_s + p.gpu_launch_s;
}
// The smallest N at which the GPU's estimate beats the CPU's.
int64_t crossover(const MachineProfile& p) {
  for (int64_t n = 1; n < 100000; ++n)
    if (gpu_time(p, double(n)) < cpu_time(p, double(n))) return n;
  return -1;
}

Backend matmul_choice(const MachineProfile& p, int64_t n) {
  return hk::choose_backend("matmul", {{n, n}, {n, n}}, DType::f32, Device::cpu(), p).backend;
}

TEST(Choice, ATinyReluOnHostDataStaysOnTheCpu) {
  for (const MachineProfile& p : {h100_class(), t4_class()}) {
    const hk::BackendChoice c = hk::choose_backend("relu", {{16}}, DType::f32, Device::cpu(), p);
    EXPECT_EQ(c.backend, Backend::cpu) << c.reason;
    // 16 floats: 128 bytes at 50 GB/s plus the call; the GPU pays two copy latencies and a launch.
    EXPECT_NEAR(c.cpu.total_s, 128 / 5.0e10 + 0.3e-6, 1e-12);
    EXPECT_NEAR(c.cuda.transfer_s, 128 / p.link_bytes_per_s + 2 * p.link_latency_s, 1e-12);
    EXPECT_NE(c.reason.find("cpu: est."), std::string::npos) << c.reason;
    EXPECT_NE(c.reason.find("copies"), std::string::npos) << c.reason;
  }
}

TEST(Choice, AStreamingOpNeverPaysForTheCopiesHere) {
  // relu over 2^28 floats: 2 GiB through the CPU at 50 GB/s against 2 GiB over a 25 GB/s link.
  const hk::BackendChoice c = hk::choose_backend("relu", {{int64_t(1) << 28}}, DType::f32, Device::cpu(), h100_class());
  EXPECT_EQ(c.backend, Backend::cpu) << c.reason;
}

TEST(Choice, DataOnADeviceStaysThere) {
  // Device::cuda(0) is only a label here: no tensor is made, so no GPU is needed.
  const hk::BackendChoice c = hk::choose_backend("relu", {{16}}, DType::f32, Device::cuda(0), t4_class());
  EXPECT_EQ(c.backend, Backend::cuda) << c.reason;
  EXPECT_EQ(c.cuda.transfer_s, 0.0);
  EXPECT_NE(c.reason.find("stays there"), std::string::npos) << c.reason;
}

TEST(Choice, MatmulCrossesOverWhereTheModelSays) {
  for (const MachineProfile& p : {h100_class(), t4_class()}) {
    const int64_t n = crossover(p);
    ASSERT_GT(n, 1) << p.gpu_name;
    EXPECT_EQ(matmul_choice(p, n - 1), Backend::cpu) << p.gpu_name << " at " << n - 1;
    EXPECT_EQ(matmul_choice(p, n), Backend::cuda) << p.gpu_name << " at " << n;
    EXPECT_EQ(matmul_choice(p, 4096), Backend::cuda) << p.gpu_name;
    EXPECT_EQ(matmul_choice(p, 8), Backend::cpu) << p.gpu_name;
    const hk::BackendChoice c = hk::choose_backend("matmul", {{n, n}, {n, n}}, DType::f32, Device::cpu(), p);
    EXPECT_NEAR(c.cpu.total_s, cpu_time(p, double(n)), 1e-12);
    EXPECT_NEAR(c.cuda.total_s, gpu_time(p, double(n)), 1e-12);
  }
  // A slower link and card move the crossover up.
  EXPECT_GT(crossover(t4_class()), crossover(h100_class()));
}

TEST(Choice, Int8UsesTheInt8Rates) {
  MachineProfile p = h100_class();
  p.gpu_int8_ops = 1.0;  // a card with no int8 to speak of
  EXPECT_EQ(hk::choose_backend("matmul", {{2048, 2048}, {2048, 2048}}, DType::i8, Device::cpu(), p).backend, Backend::cpu);
  EXPECT_EQ(hk::choose_backend("matmul", {{2048, 2048}, {2048, 2048}}, DType::f32, Device::cpu(), p).backend, Backend::cuda);
}

TEST(Choice, WithoutAGpuEverythingIsCpu) {
  const hk::BackendChoice c = hk::choose_backend("matmul", {{4096, 4096}, {4096, 4096}}, DType::f32, Device::cpu(), cpu_side());
  EXPECT_EQ(c.backend, Backend::cpu);
  EXPECT_FALSE(c.cuda.possible);
  EXPECT_EQ(c.reason, "cpu: no usable GPU");
}

TEST(Choice, BadQuestionsAreInvalidArguments) {
  EXPECT_THROW(hk::choose_backend("matmul", {{4, 4}}, DType::f32, Device::cpu(), h100_class()), hk::InvalidArgument);
  EXPECT_THROW(hk::choose_backend("nosuch", {{4}}, DType::f32, Device::cpu(), h100_class()), hk::InvalidArgument);
}

TEST(Choice, ThisMachineWithoutAGpuSaysSo) {
  bool usable = false;
  for (const hk::CudaDeviceInfo& d : hk::cuda_devices()) usable |= d.usable;
  if (usable) GTEST_SKIP() << "a usable GPU: the profile is measured (tests/gpu covers it)";
  const MachineProfile p = hk::machine_profile();
  EXPECT_TRUE(p.gpu_name.empty());
  EXPECT_NE(p.source.find("no usable GPU"), std::string::npos) << p.source;
  const hk::BackendChoice c = hk::explain_choice("relu", {{1 << 20}});
  EXPECT_EQ(c.backend, Backend::cpu);
  EXPECT_EQ(c.reason, "cpu: no usable GPU");
}

}  // namespace
