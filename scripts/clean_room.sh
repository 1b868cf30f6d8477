#!/usr/bin/env bash
# The clean-room stage of scripts/test.sh: a fresh Debian 12 (bookworm) made with
# `debootstrap --variant=minbase`, the checkout copied in, and inside it, as root, what a
# newcomer and a packager do:
#   1. the README's Quick start, exactly as written (a short bench, the release test stage);
#   2. a build with CMake's default generator, installed to a prefix; the installed
#      hk-bench runs, and an outside program builds against the prefix through
#      find_package(hk) and through pkg-config, and runs.
# It fails when a package hk needs is missing from scripts/common.sh's lists: a required
# one breaks the build, an optional one leaves a peer out of `hk-bench list` or skips a
# test, and both are errors here. Nothing of this machine's own installs reaches the root.
#
# Only debootstrap's tarball is kept between runs, outside the checkout
# (HK_CLEAN_ROOM_CACHE, default /var/cache/hk-clean-room); the root itself is new each run
# and is deleted afterwards. Its mounts (/proc, /sys, /dev/shm, /dev/pts) live in a private mount
# namespace (unshare), so they vanish with it and never outlive the stage.
# Needs root (debootstrap, chroot) and Debian's mirror (HK_DEBIAN_MIRROR).
set -euo pipefail

HK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUITE=bookworm
MIRROR="${HK_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${HK_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
CACHE="${HK_CLEAN_ROOM_CACHE:-/var/cache/hk-clean-room}"
# The README's first command, with a short argument set.
BENCH_ARGS=(--op relu,matmul --sizes 256)
# Tests that skip when an optional package is missing (ctest names, a regex).
OPTIONAL_PACKAGE_TESTS='BenchHtml[.]'


# Each step with the seconds since the stage began, so the log shows where its time goes.
step() { echo "hk clean room: [$(( $(date +%s) - ${HK_CLEAN_ROOM_START:=$(date +%s)} )) s] $*"; }
fail() { echo "hk clean room: FAILED: $*" >&2; exit 1; }

# ---- inside the root ---------------------------------------------------------------------
inside() {
  cd /src/hk
  local jobs log=/tmp/hk-test.log prefix=/opt/hk
  jobs=$(nproc)
  step "README Quick start 1: scripts/bench.sh ${BENCH_ARGS[*]}"
  scripts/bench.sh "${BENCH_ARGS[@]}"

  step "README Quick start 2: scripts/test.sh (release stage)"
  HK_TEST_STAGES=release scripts/test.sh 2>&1 | tee "$log"
  # Every optional feature must be present here: a test that skips when an optional
  # package is missing (the HTML report in Chromium) must have run.
  local skipped
  skipped=$(grep -E '\(Skipped\)' "$log" | grep -E "$OPTIONAL_PACKAGE_TESTS" || true)
  [ -z "$skipped" ] || fail "tests skipped in the clean root (a package missing from scripts/common.sh?):
$skipped"
  build/release/bench/hk-bench list > /tmp/hk-list.txt
  if grep -n "not built in" /tmp/hk-list.txt; then
    fail "a peer is missing from hk-bench (a package missing from scripts/common.sh?)"
  fi

  step "CMake's default generator: configure, build, install to $prefix"
  # Through ccache, as the Quick start's build was (scripts/common.sh): what a packager's
  # build needs is its own configuration, not a second compile of the same objects.
  source scripts/common.sh
  hk_compiler_cache
  cmake -S . -B build/default-generator -DHK_BUILD_TESTS=OFF > /tmp/hk-configure.txt
  grep -q "Unix Makefiles" build/default-generator/CMakeCache.txt || fail "the default generator is not Unix Makefiles"
  # The installed targets only: the rest of `all` (the micro-benchmarks, the example) was
  # built and run by the Quick start's own build above.
  cmake --build build/default-generator -j "$jobs" --target hk hk-bench > /tmp/hk-build.txt ||
    { tail -n 40 /tmp/hk-build.txt; fail "build"; }
  cmake --install build/default-generator --prefix "$prefix" > /dev/null

  step "the installed hk-bench list (libhk found through its install RPATH)"
  # Whole, then shortened from a here-string: behind a pipe, `head` closing early ends the
  # writer with SIGPIPE (hk-bench, or printf once the listing outgrows one stdio buffer),
  # which pipefail turns into a failed stage.
  local listing
  listing=$(env -u LD_LIBRARY_PATH "$prefix/bin/hk-bench" list)
  head -n 5 <<< "$listing"

  step "an outside program through find_package(hk)"
  cmake -S tests/consumer -B /tmp/consumer-cmake -DCMAKE_PREFIX_PATH="$prefix" > /dev/null
  cmake --build /tmp/consumer-cmake > /dev/null
  /tmp/consumer-cmake/consumer

  step "an outside program through pkg-config"
  local pc_dir flags
  pc_dir=$(dirname "$(find "$prefix" -name hk.pc)")
  flags=$(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs hk)
  # shellcheck disable=SC2086
  g++ -std=c++20 tests/consumer/main.cpp $flags -o /tmp/consumer-pkg-config
  /tmp/consumer-pkg-config

  step "packages installed beyond debootstrap's minimal set:"
  dpkg-query -W -f '${Package}\n' | sort > /tmp/packages-after.txt
  comm -13 /minbase-packages.txt /tmp/packages-after.txt > /tmp/packages-added.txt
  echo "  $(wc -l < /tmp/packages-added.txt) packages in all; asked for by the scripts (apt-mark showmanual):"
  apt-mark showmanual | sort | comm -12 - /tmp/packages-added.txt | tr '\n' ' ' | fold -s -w 88 | sed 's/^/    /'
  echo
}

if [ "${1:-}" = --inside ]; then
  inside
  exit 0
fi

# ---- outside: make the root, copy the checkout in, run `inside` in it ---------------------
[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap and chroot)"
for tool in debootstrap unshare chroot git; do
  command -v "$tool" > /dev/null || fail "$tool not found (scripts/test.sh installs debootstrap)"
done

arch=$(dpkg --print-architecture)
tarball="$CACHE/$SUITE-minbase-$arch.tar.gz"
if [ ! -s "$tarball" ]; then
  step "caching debootstrap's packages in $tarball"
  mkdir -p "$CACHE"
  work=$(mktemp -d /var/tmp/hk-debootstrap.XXXXXX)
  debootstrap --variant=minbase --arch="$arch" --make-tarball="$tarball.part" "$SUITE" "$work" "$MIRROR" > /dev/null
  rm -rf --one-file-system "$work"
  mv "$tarball.part" "$tarball"
fi

root=$(mktemp -d /var/tmp/hk-clean-room.XXXXXX)
trap 'rm -rf --one-file-system "$root"' EXIT
chmod 755 "$root"  # it becomes "/": mktemp's 0700 would lock out apt's _apt user
step "debootstrap --variant=minbase $SUITE into $root"
if ! debootstrap --variant=minbase --arch="$arch" --unpack-tarball="$tarball" "$SUITE" "$root" "$MIRROR" \
     > "$root.log" 2>&1; then
  tail -n 20 "$root.log"
  rm -f "$tarball"  # a damaged cache is made again next run
  rm -f "$root.log"
  fail "debootstrap"
fi
rm -f "$root.log"

# What a fresh Debian 12 install has: the main, updates and security suites; DNS; no
# services started by package scripts.
cat > "$root/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d" && chmod +x "$root/usr/sbin/policy-rc.d"
chroot "$root" dpkg-query -W -f '${Package}\n' | sort > "$root/minbase-packages.txt"

step "copying the checkout (tracked and untracked files, not ignored ones)"
mkdir -p "$root/src/hk" "$root/dev/shm" "$root/dev/pts"
(cd "$HK_ROOT" && git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  tar --null -T - -cf -) | tar -xf - -C "$root/src/hk"

step "running inside the root as root"
unshare --mount --propagation private -- /bin/sh -c '
  set -e
  mount -t proc proc "$1/proc"
  mount -t sysfs -o ro sysfs "$1/sys"
  mount -t tmpfs -o mode=1777 tmpfs "$1/dev/shm"
  mount -t devpts -o newinstance,ptmxmode=0666 devpts "$1/dev/pts"
  exec chroot "$1" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HK_CLEAN_ROOM_START="$2" \
    /bin/bash /src/hk/scripts/clean_room.sh --inside' sh "$root" "$HK_CLEAN_ROOM_START"
step "passed"
