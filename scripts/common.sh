# Shared by scripts/bench.sh and scripts/test.sh: Debian packages and the build.
set -euo pipefail
HK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HK_JOBS="${HK_JOBS:-$(nproc 2>/dev/null || echo 2)}"

# Packages hk cannot build without, and the ones that add peers and checks when present:
# make is for CMake's default generator (Unix Makefiles), which packagers and the README's
# plain-CMake lines use; the scripts themselves build with Ninja. OpenBLAS and oneDNN are
# hk-bench peers (oneDNN's CMake package needs the OpenCL headers, which libdnnl-dev only
# recommends); chromium renders the HTML report in a test; ccache compiles a source once for
# every build folder with the same flags (hk_compiler_cache). The clean-room stage of
# scripts/test.sh fails when either list misses one.
HK_REQUIRED_PACKAGES=(g++ make cmake ninja-build pkg-config libgtest-dev libgmock-dev libbenchmark-dev
                      libhwy-dev libboost-context-dev python3 python3-venv)
HK_OPTIONAL_PACKAGES=(libopenblas-dev libdnnl-dev ocl-icd-opencl-dev chromium ccache)
# The fuzz stage of scripts/test.sh: libFuzzer comes with clang's runtime libraries.
HK_FUZZ_PACKAGES=(clang-16 libclang-rt-16-dev)
# The clean-room stage: a minimal Debian root, entered in a private mount namespace.
HK_CLEAN_ROOM_PACKAGES=(debootstrap util-linux)

hk_missing() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

# hk_install_packages required|optional PACKAGE...: installs what is missing when run as
# root; otherwise prints the exact command (and stops, for required packages).
hk_install_packages() {
  local kind="$1"; shift
  if ! command -v dpkg-query >/dev/null; then
    echo "hk: not a Debian system; make sure these are installed: $*" >&2
    return 0
  fi
  local missing
  missing=$(hk_missing "$@" | tr '\n' ' ')
  [ -z "${missing// /}" ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "hk: installing $kind Debian packages: $missing" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  elif [ "$kind" = required ]; then
    echo "hk: missing Debian packages. Run:" >&2
    echo "  sudo apt-get install -y $missing" >&2
    exit 1
  else
    echo "hk: optional packages not installed (hk builds without them). To add them run:" >&2
    echo "  sudo apt-get install -y $missing" >&2
  fi
}

hk_install_dependencies() {
  hk_install_packages required "${HK_REQUIRED_PACKAGES[@]}"
  hk_install_packages optional "${HK_OPTIONAL_PACKAGES[@]}"
  hk_compiler_cache
}

# C and C++ compiles through ccache, when it is installed and no launcher is set already:
# CMake takes these variables as a new build folder's default, so the presets, the test
# stages' own folders (generators, python's pip build, the clean room's default generator)
# and a rebuild after `git checkout` reuse the objects of an earlier compile with the same
# flags and sources instead of compiling them again. CUDA keeps its own launcher
# (cmake/ptxas_log.sh).
hk_compiler_cache() {
  command -v ccache > /dev/null || return 0
  export CMAKE_C_COMPILER_LAUNCHER="${CMAKE_C_COMPILER_LAUNCHER:-ccache}"
  export CMAKE_CXX_COMPILER_LAUNCHER="${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}"
}

# hk_build PRESET [TARGET...]: configure (once) and build one CMake preset (all targets,
# or the ones named).
hk_build() {
  local preset="$1"
  shift
  cd "$HK_ROOT"
  [ -f "build/$preset/CMakeCache.txt" ] || cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$HK_JOBS" ${1:+--target "$@"}
}
