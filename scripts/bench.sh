#!/usr/bin/env bash
# Builds hk (Release) and runs hk-bench, the side-by-side comparison; arguments go to
# hk-bench (e.g. scripts/bench.sh --op matmul --sizes 1024 --threads 1,2).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
hk_install_dependencies
# hk-bench and libhk only: the tests and micro-benchmarks are scripts/test.sh's to build.
hk_build release hk-bench
exec "$HK_ROOT/build/release/bench/hk-bench" "$@"
