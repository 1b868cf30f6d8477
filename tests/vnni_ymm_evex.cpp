// The AVX-VNNI ymm tile (cpu/gemm_i8_vnni_avx2.cpp) built a second time with AVX512-VNNI +
// VL, where its intrinsic becomes the EVEX form of the same ymm instruction: lets
// test_gemm_kernels.cpp check that source on CPUs that have AVX-512 VNNI but not AVX-VNNI.
// Called only when the CPU has those features.
// Every name it defines is renamed: the test executable must not interpose the library's
// AVX-VNNI table (which must never run EVEX code on a CPU without AVX-512).
#define vnni_ymm_tiles vnni_ymm_tiles_evex
#define kVnniYmmMR kVnniYmmMR_evex
#define kVnniYmmNR kVnniYmmNR_evex
#include "cpu/gemm_i8_vnni_avx2.cpp"  // NOLINT(bugprone-suspicious-include)
