// hk::Tensor: construction, checked sizes, alignment, views, copies.
#include <cstdint>
#include <numeric>

#include "test_util.hpp"

namespace {

using hk::Device;
using hk::DType;
using hk::Tensor;

TEST(Tensor, EmptyZerosFull) {
  Tensor t = Tensor::empty({2, 3, 4});
  EXPECT_EQ(t.shape(), (hk::Shape{2, 3, 4}));
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.nbytes(), 96u);
  EXPECT_EQ(t.dtype(), DType::f32);
  EXPECT_EQ(t.device(), Device::cpu());
  EXPECT_EQ(t.dim(-1), 4);
  EXPECT_EQ(Tensor::zeros({5}, DType::i32).to_vector<int32_t>(), std::vector<int32_t>(5, 0));
  EXPECT_EQ(Tensor::full({3}, -7, DType::i8).to_vector<int8_t>(), std::vector<int8_t>(3, -7));
  EXPECT_EQ(Tensor::full({2}, 1.5).to_vector<float>(), std::vector<float>(2, 1.5f));
  EXPECT_THROW(Tensor::full({1}, 200, DType::i8), hk::InvalidArgument);
  EXPECT_THROW(Tensor::full({1}, 1.5, DType::i32), hk::InvalidArgument);
  EXPECT_EQ(Tensor::empty({}).numel(), 1);  // rank 0: a scalar
  EXPECT_EQ(Tensor::empty({3, 0, 2}).numel(), 0);
}

TEST(Tensor, OnlyTheDefaultTensorIsUndefined) {
  const Tensor none;
  EXPECT_FALSE(none.defined());
  EXPECT_FALSE(Tensor(none).defined()) << "a copy of Tensor() is still no tensor";
  EXPECT_EQ(none.shape(), hk::Shape{0});
  EXPECT_EQ(none.dtype(), DType::f32);
  EXPECT_TRUE(Tensor::empty({0}).defined());
  EXPECT_TRUE(Tensor::zeros({0}).defined());
  EXPECT_TRUE(none.clone().defined());
  EXPECT_TRUE(Tensor::empty({2, 3}).defined());
}

TEST(Tensor, HostStorageIs64ByteAligned) {
  for (int n : {1, 3, 17, 1000, 4097}) {
    for (DType t : {DType::f32, DType::i8, DType::i32}) {
      Tensor x = Tensor::empty({n}, t);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(x.raw_data()) % 64, 0u) << n;
    }
  }
}

TEST(Tensor, CheckedSizes) {
  EXPECT_THROW(Tensor::empty({1, 2, 3, 4, 5}), hk::InvalidArgument);  // rank 5
  EXPECT_THROW(Tensor::empty({-1}), hk::InvalidArgument);
  try {
    Tensor::empty({int64_t(1) << 40, int64_t(1) << 40});
    FAIL() << "no exception";
  } catch (const hk::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("overflow"), std::string::npos) << e.what();
  }
  // Element count fits, byte count doesn't.
  EXPECT_THROW(Tensor::empty({int64_t(1) << 62}, DType::f32), hk::InvalidArgument);
  // Fits in the arithmetic but not in memory: OutOfMemory with the byte count.
  try {
    Tensor::empty({int64_t(1) << 55}, DType::i8);
    FAIL() << "no exception";
  } catch (const hk::OutOfMemory& e) {
    EXPECT_EQ(e.bytes(), size_t(1) << 55);
    EXPECT_NE(std::string(e.what()).find(std::to_string(size_t(1) << 55)), std::string::npos) << e.what();
  }
}

TEST(Tensor, FromVectorAndWrap) {
  std::vector<float> v = {1, 2, 3, 4, 5, 6};
  Tensor t = Tensor::from_vector(v, {2, 3});
  EXPECT_EQ(t.to_vector<float>(), v);
  EXPECT_NE(t.data<float>(), v.data());  // a copy
  EXPECT_THROW(Tensor::from_vector(v, {4, 2}), hk::InvalidArgument);
  Tensor w = Tensor::wrap(v.data(), {3, 2});
  EXPECT_EQ(w.data<float>(), v.data());  // a view
  v[0] = 42;
  EXPECT_EQ(w.to_vector<float>()[0], 42);
  EXPECT_THROW(Tensor::wrap(static_cast<float*>(nullptr), {2}), hk::InvalidArgument);
  EXPECT_NO_THROW(Tensor::wrap(static_cast<float*>(nullptr), {0}));
  const std::vector<int8_t> c = {1, 2};
  EXPECT_EQ(Tensor::wrap(c.data(), {2}).dtype(), DType::i8);
  EXPECT_THROW(t.data<int8_t>(), hk::InvalidArgument);  // wrong element type
}

TEST(Tensor, WrapOutlivesNothing) {
  // Destroying a view must not free the caller's memory (ASan would report a bad free).
  std::vector<int32_t> v(10, 3);
  { Tensor w = Tensor::wrap(v.data(), {10}); }
  EXPECT_EQ(v[9], 3);
}

TEST(Tensor, RandnIsDeterministicAndNormal) {
  Tensor a = Tensor::randn({100000}, 7), b = Tensor::randn({100000}, 7), c = Tensor::randn({100000}, 8);
  auto av = a.to_vector<float>();
  EXPECT_EQ(av, b.to_vector<float>());
  EXPECT_NE(av, c.to_vector<float>());
  double mean = std::accumulate(av.begin(), av.end(), 0.0) / double(av.size());
  double var = 0;
  for (float x : av) var += (x - mean) * (x - mean);
  var /= double(av.size());
  EXPECT_NEAR(mean, 0.0, 0.02);
  EXPECT_NEAR(var, 1.0, 0.02);
  auto q = Tensor::randn({10000}, 3, DType::i8).to_vector<int8_t>();
  int lo = 0, hi = 0;
  for (int8_t x : q) {
    ASSERT_GE(x, -127);
    lo += x == -127;
    hi += x == 127;
  }
  EXPECT_GT(lo, 0);
  EXPECT_GT(hi, 0);
}

TEST(Tensor, CopiesShareCloneCopies) {
  Tensor a = Tensor::full({3}, 1.0);
  Tensor b = a;
  b.data<float>()[0] = 5;
  EXPECT_EQ(a.to_vector<float>()[0], 5);
  Tensor c = a.clone();
  c.data<float>()[1] = 9;
  EXPECT_EQ(a.to_vector<float>()[1], 1);
  EXPECT_EQ(a.to(Device::cpu()).to_vector<float>(), a.to_vector<float>());
  EXPECT_EQ(a.reshape({1, 3}).shape(), (hk::Shape{1, 3}));
  EXPECT_THROW(a.reshape({2, 2}), hk::InvalidArgument);
}

TEST(Tensor, Overlaps) {
  std::vector<float> buf(10);
  Tensor a = Tensor::wrap(buf.data(), {5}), b = Tensor::wrap(buf.data() + 5, {5}), c = Tensor::wrap(buf.data() + 4, {2});
  EXPECT_FALSE(Tensor::overlaps(a, b));
  EXPECT_TRUE(Tensor::overlaps(a, c));
  EXPECT_TRUE(Tensor::overlaps(b, c));
}

TEST(Tensor, DevicesParseAndPrint) {
  EXPECT_EQ(Device::parse("cuda:1"), Device::cuda(1));
  EXPECT_EQ(Device::parse("cpu").to_string(), "cpu");
  EXPECT_EQ(Device::cuda(2).to_string(), "cuda:2");
  EXPECT_THROW(Device::parse("cuda:x"), hk::InvalidArgument);
  EXPECT_THROW(Device::parse("tpu"), hk::InvalidArgument);
}

TEST(Tensor, CudaTensorWithoutUsableDeviceSaysWhy) {
  for (const hk::BackendInfo& b : hk::backends()) {
    if (b.backend != hk::Backend::cuda || b.available) continue;
    try {
      Tensor::zeros({4}).to(Device::cuda(0));
      FAIL() << "no exception";
    } catch (const hk::BackendUnavailable& e) {
      EXPECT_NE(std::string(e.what()).find(b.reason), std::string::npos) << e.what();
    }
    return;
  }
  GTEST_SKIP() << "a CUDA device is usable here";
}

}  // namespace
