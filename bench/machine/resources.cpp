// `hk-bench resources`: what ptxas reported for each of hk's CUDA kernels on each compiled
// architecture (registers, shared memory, stack, spills) and the theoretical occupancy that
// follows for the block size the kernel is launched with. Static figures recorded at build
// time: no GPU needed, which makes it a lecture slide on any laptop (why register tiling
// costs occupancy, why a 32×32 tile of floats is the limit of a 1024-thread block).
#include <algorithm>
#include <cstdio>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "run/commands.hpp"
#include "hk/cuda.hpp"

namespace hk_bench {

namespace {

// "void hk::cuda::gpu::elementwise::unary_kernel<float, hk::cuda::gpu::elementwise::ReluF32>(…)"
// → "elementwise::unary_kernel<float, ReluF32>": the namespace every kernel shares and the
// parameter list go; qualifiers inside the template arguments too.
std::string short_name(std::string name) {
  if (name.rfind("void ", 0) == 0) name.erase(0, 5);
  int depth = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '<') ++depth;
    if (name[i] == '>') --depth;
    if (name[i] == '(' && depth == 0) {
      name.resize(i);
      break;
    }
  }
  const std::string common = "hk::cuda::gpu::";
  if (name.rfind(common, 0) == 0) name.erase(0, common.size());
  const std::size_t lt = name.find('<');
  if (lt != std::string::npos)
    name = name.substr(0, lt) + std::regex_replace(name.substr(lt), std::regex("[A-Za-z_][A-Za-z_0-9]*::"), "");
  return name;
}

}  // namespace

int resources_command() {
  const std::vector<hk::CudaKernelResources> rows = hk::cuda_kernel_resources();
  if (rows.empty()) {
    std::printf("no CUDA kernels in this build: hk was configured without the cuda backend "
                "(HK_ENABLE_CUDA=OFF, or no nvcc found)\n");
    return 0;
  }
  std::vector<const hk::CudaKernelResources*> own, library;
  for (const auto& r : rows) (r.block_threads > 0 ? own : library).push_back(&r);
  std::sort(own.begin(), own.end(), [](auto* a, auto* b) {
    return std::make_pair(short_name(a->kernel), a->arch) < std::make_pair(short_name(b->kernel), b->arch);
  });

  std::printf("hk's CUDA kernels as compiled into this build (ptxas figures; occupancy is theoretical:\n"
              "resident warps per SM / the SM's maximum, for the block size each kernel is launched with)\n\n");
  std::printf("  %-52s %4s %5s %8s %6s %10s %7s %9s %9s  %s\n", "kernel", "sm", "regs", "smem B", "stack",
              "spill st/ld", "threads", "blocks/SM", "occupancy", "limited by");
  std::string previous;
  for (const auto* r : own) {
    const std::string name = short_name(r->kernel);
    const hk::CudaOccupancy occ = hk::cuda_occupancy(r->arch, r->registers, r->shared_bytes, r->block_threads);
    char spills[32];
    std::snprintf(spills, sizeof spills, "%d/%d", r->spill_store_bytes, r->spill_load_bytes);
    std::printf("  %-52s %4d %5d %8d %6d %10s %7d %9d %8.0f%%  %s\n", name == previous ? "" : name.c_str(), r->arch,
                r->registers, r->shared_bytes, r->stack_bytes, spills, r->block_threads, occ.blocks_per_sm,
                100.0 * occ.fraction, occ.limiter.c_str());
    previous = name;
  }

  // Thrust/CUB instantiations: their block size is the library's run-time choice, so only
  // the ptxas figures are summarised.
  int library_spills = 0;
  std::map<int, int> per_arch;
  for (const auto* r : library) {
    per_arch[r->arch]++;
    if (r->spill_store_bytes + r->spill_load_bytes > 0) ++library_spills;
  }
  if (!library.empty()) {
    std::printf("\n  plus %zu Thrust/CUB kernel instantiations (", library.size());
    const char* sep = "";
    for (const auto& [arch, n] : per_arch) {
      std::printf("%s%d on sm_%d", sep, n, arch);
      sep = ", ";
    }
    std::printf("): block sizes are the library's choice at run time; %d of them spill\n", library_spills);
  }
  return 0;
}

}  // namespace hk_bench
