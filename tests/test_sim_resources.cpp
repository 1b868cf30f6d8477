// The simulator's own resources: however many pool threads simulate blocks at once, the
// fiber stacks they map stay within their budget of the process's memory maps, so the rest
// of the process (tensors, threads) keeps working.
#include <fstream>
#include <string>

#include "cuda/sim/fiber.hpp"
#include "sim_test_util.hpp"

namespace {

std::size_t maps_in_use() {
  std::ifstream maps("/proc/self/maps");
  std::size_t n = 0;
  for (std::string line; std::getline(maps, line);) ++n;
  return n;
}

std::size_t max_map_count() {
  std::ifstream f("/proc/sys/vm/max_map_count");
  std::size_t n = 65530;
  f >> n;
  return n;
}

TEST(SimResources, ManyPoolThreadsStayWithinTheMapBudget) {
  const int saved = hk::num_threads();
  hk::set_num_threads(64);
  // 1024-thread blocks (tile edge 32), 64 of them: one block per pool thread would need
  // 64 Ki fiber stacks, two maps each, more than a process may have.
  const int64_t m = 256, k = 5, n = 256;
  std::vector<float> av(size_t(m * k)), bv(size_t(k * n));
  for (size_t i = 0; i < av.size(); ++i) av[i] = float(int(i % 7) - 3);
  for (size_t i = 0; i < bv.size(); ++i) bv[i] = float(int(i % 5) - 2);
  hk::Tensor a = hk::Tensor::from_vector(av, {m, k}), b = hk::Tensor::from_vector(bv, {k, n});
  hk::Options o{hk::Backend::cuda_sim, "tiled", 64, 32};
  for (int call = 0; call < 2; ++call) {
    std::vector<float> c = hk::matmul(a, b, o).to_vector<float>();
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double ref = 0;
        for (int64_t p = 0; p < k; ++p) ref += double(av[size_t(i * k + p)]) * double(bv[size_t(p * n + j)]);
        ASSERT_EQ(c[size_t(i * n + j)], float(ref)) << "c[" << i << "][" << j << "]";
      }
    EXPECT_LE(hk::sim::fiber_stacks_mapped(), hk::sim::fiber_stack_budget());
    EXPECT_LT(maps_in_use(), max_map_count() / 2) << "the simulator's stacks crowd out the process's other maps";
  }
  // The rest of the process is unharmed.
  EXPECT_NO_THROW(hk::Tensor::zeros({1 << 18}));
  hk::set_num_threads(saved);
}

}  // namespace
