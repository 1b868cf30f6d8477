// Loads libhk with dlopen(), as Python bindings and plugins do. This fails with "cannot
// allocate memory in static TLS block" if anything in libhk uses initial-exec TLS: that
// forces libhk's whole TLS block (the simulator's __shared__ arrays included, ~11 KiB)
// into glibc's small static reserve for dlopen()ed libraries.
#include <dlfcn.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s LIBHK\n", argv[0]);
    return 2;
  }
  if (!dlopen(argv[1], RTLD_NOW | RTLD_LOCAL)) {
    std::fprintf(stderr, "dlopen(%s) failed: %s\n", argv[1], dlerror());
    return 1;
  }
  std::printf("dlopen(%s): ok\n", argv[1]);
  return 0;
}
