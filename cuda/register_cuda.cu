// The CUDA registration table: which GPU kernel serves which op. The kernel ladder
// (naive → tiled → register_tiled → cuBLAS, elementwise, reductions, int8 dp4a) is added
// row by row here as its kernels land; until then the cuda backend detects devices and
// manages memory but registers no kernels, and an op asked to run on it says so.
#include "hk/registry.hpp"

namespace hk {

void register_cuda(Registry&) {}

}  // namespace hk
