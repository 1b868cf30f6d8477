// Links hk::hk from an installed package and checks one small result.
#include <hk/hk.hpp>

#include <cstdio>

int main() {
  hk::Tensor a = hk::Tensor::from_vector<float>({1, 2, 3, 4}, {2, 2});
  hk::Tensor b = hk::Tensor::from_vector<float>({5, 6, 7, 8}, {2, 2});
  std::vector<float> c = hk::matmul(a, b).to_vector<float>();
  for (const hk::BackendInfo& info : hk::backends())
    std::printf("%s: %s %s\n", info.name.c_str(), info.available ? "available" : "unavailable", info.reason.c_str());
  bool ok = c == std::vector<float>{19, 22, 43, 50};
  std::printf("matmul %s\n", ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
