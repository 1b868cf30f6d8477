// Run-time CPU feature detection: cpuid says what the core implements, xgetbv says which
// register state the OS saves; a feature counts only when both agree.
#include "hk/cpu_features.hpp"

#include <cpuid.h>

#include <cstdlib>
#include <cstring>
#include <string_view>

#include "hk/error.hpp"

namespace hk {

namespace {

struct Regs { unsigned a = 0, b = 0, c = 0, d = 0; };

Regs cpuid(unsigned leaf, unsigned sub = 0) {
  Regs r;
  __cpuid_count(leaf, sub, r.a, r.b, r.c, r.d);
  return r;
}

unsigned long long xgetbv0() {
  unsigned eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}

bool bit(unsigned v, int i) { return (v >> i) & 1u; }

void detect_caches(CpuFeatures& f) {
  // Deterministic cache parameters: leaf 4 (Intel) or 0x8000001D (AMD).
  unsigned max_ext = cpuid(0x80000000).a;
  unsigned leaf = max_ext >= 0x8000001D ? 0x8000001D : 4;
  for (unsigned i = 0; i < 16; ++i) {
    Regs r = cpuid(leaf, i);
    unsigned type = r.a & 0x1F;
    if (type == 0) break;
    unsigned level = (r.a >> 5) & 0x7;
    long ways = ((r.b >> 22) & 0x3FF) + 1, parts = ((r.b >> 12) & 0x3FF) + 1;
    long line = (r.b & 0xFFF) + 1, sets = static_cast<long>(r.c) + 1;
    int bytes = static_cast<int>(ways * parts * line * sets);
    if (level == 1 && type == 1) f.l1d_bytes = bytes;  // data cache
    if (level == 2) f.l2_bytes = bytes;
    if (level == 3) f.l3_bytes = bytes;
  }
}

CpuFeatures detect() {
  CpuFeatures f;
  const Regs l0 = cpuid(0);
  unsigned max_leaf = l0.a;
  f.intel = l0.b == 0x756e6547 && l0.d == 0x49656e69 && l0.c == 0x6c65746e;  // "Genu" "ineI" "ntel"
  Regs l1 = cpuid(1);
  bool osxsave = bit(l1.c, 27);
  unsigned long long xcr0 = osxsave ? xgetbv0() : 0;
  bool os_avx = (xcr0 & 0x6) == 0x6;             // XMM and YMM state
  bool os_avx512 = os_avx && (xcr0 & 0xE0) == 0xE0;  // opmask, ZMM_Hi256, Hi16_ZMM
  f.sse41 = bit(l1.c, 19);
  f.fma = os_avx && bit(l1.c, 12);
  f.f16c = os_avx && bit(l1.c, 29);
  if (max_leaf >= 7) {
    Regs l7 = cpuid(7, 0);
    f.avx2 = os_avx && bit(l7.b, 5);
    f.avx512f = os_avx512 && bit(l7.b, 16);
    f.avx512dq = os_avx512 && bit(l7.b, 17);
    f.avx512bw = os_avx512 && bit(l7.b, 30);
    f.avx512vl = os_avx512 && bit(l7.b, 31);
    f.avx512vnni = os_avx512 && bit(l7.c, 11);
    if (l7.a >= 1) f.avx_vnni = os_avx && bit(cpuid(7, 1).a, 4);
    // AMX-TILE and AMX-INT8, with XTILECFG and XTILEDATA in XCR0 (the process must still ask
    // Linux for the tile state before first use: matmul_i8_amx.cpp).
    const bool os_amx = (xcr0 & 0x60000) == 0x60000;
    f.amx_int8 = os_amx && bit(l7.d, 24) && bit(l7.d, 25);
  }
  if (cpuid(0x80000000).a >= 0x80000004) {
    char brand[49] = {};
    for (unsigned i = 0; i < 3; ++i) {
      Regs r = cpuid(0x80000002 + i);
      std::memcpy(brand + 16 * i, &r, 16);
    }
    std::string_view s(brand);
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
    f.model = std::string(s);
  }
  detect_caches(f);
  return f;
}

IsaCap parse_cap() {
  const char* env = std::getenv("HK_CPU_ISA");
  if (!env || !*env) return IsaCap::none;
  std::string_view v(env);
  if (v == "scalar") return IsaCap::scalar;
  if (v == "avx2") return IsaCap::avx2;
  if (v == "avx512") return IsaCap::avx512;
  if (v == "native" || v == "none") return IsaCap::none;
  throw InvalidArgument("HK_CPU_ISA='" + std::string(v) + "' is not one of scalar, avx2, avx512");
}

CpuFeatures apply_cap(CpuFeatures f, IsaCap cap) {
  if (cap != IsaCap::none) f.amx_int8 = false;  // the tiles are beyond every vector level
  if (cap == IsaCap::avx2 || cap == IsaCap::scalar) {
    f.avx512f = f.avx512bw = f.avx512vl = f.avx512dq = f.avx512vnni = false;
  }
  if (cap == IsaCap::scalar) {
    f.sse41 = f.avx2 = f.fma = f.f16c = f.avx_vnni = false;
  }
  return f;
}

}  // namespace

// Never destroyed (like the registry): ops may run after main returned.
const CpuFeatures& detected_cpu_features() {
  static const CpuFeatures* f = new CpuFeatures(detect());
  return *f;
}

IsaCap isa_cap() {
  static const IsaCap cap = parse_cap();
  return cap;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures* f = new CpuFeatures(apply_cap(detected_cpu_features(), isa_cap()));
  return *f;
}

std::string cpu_isa_name() {
  const CpuFeatures& f = cpu_features();
  if (f.has_avx512()) return "avx512";
  if (f.has_avx2_fma()) return "avx2";
  if (f.sse41) return "sse4";
  return "scalar";
}

std::string cpu_feature_list() {
  const CpuFeatures& f = cpu_features();
  std::string s;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!s.empty()) s += ',';
    s += name;
  };
  add(f.sse41, "sse4.1");
  add(f.avx2, "avx2");
  add(f.fma, "fma");
  add(f.f16c, "f16c");
  add(f.avx512f, "avx512f");
  add(f.avx512bw, "avx512bw");
  add(f.avx512vl, "avx512vl");
  add(f.avx512dq, "avx512dq");
  add(f.avx512vnni, "avx512vnni");
  add(f.avx_vnni, "avxvnni");
  add(f.amx_int8, "amx-int8");
  return s.empty() ? "none" : s;
}

}  // namespace hk
