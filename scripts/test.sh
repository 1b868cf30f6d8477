#!/usr/bin/env bash
# Builds hk and runs every test: the full suite on the Release build (CUDA sources
# compiled for the default architectures when nvcc is present).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
hk_install_dependencies
hk_build release
ctest --preset release -j "$HK_JOBS"
