#!/usr/bin/env bash
# For a machine with an NVIDIA GPU: builds hk for that GPU's architecture only, runs the
# tests that need a device and the cuda rows of the equivalence test, then hk-bench on the
# GPU (the f32 and int8 matmul ladders with cuBLAS, relu and dot, a size sweep with the
# CPU/GPU crossover, the kernels' resources), and prints one screen: every failure, each
# rung as a % of cuBLAS, relu's share of DRAM bandwidth, the crossover sizes.
#   scripts/gpu-check.sh [--out DIR]    (default build/gpu-check/out)
# Everything it ran lands in DIR: logs, JSON, the HTML reports. Exit status: 0 all passed,
# 1 something failed, 2 no usable GPU here (said in one line). No sanitizers, no fuzzer:
# those run in CI without a GPU. Written to finish in a few minutes on a 16-core machine.
set -euo pipefail
HK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$HK_ROOT/build/gpu-check/out"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --out=*) out="${1#--out=}"; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-check: unknown argument '$1' (usage: scripts/gpu-check.sh [--out DIR])" >&2; exit 2 ;;
  esac
done

# The architecture of the first GPU, e.g. 9.0 → 90. No driver, no GPU: one line, exit 2.
cc=""
if command -v nvidia-smi > /dev/null; then
  cc=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2> /dev/null | head -n 1 | tr -d ' .') || cc=""
fi
if ! [[ "$cc" =~ ^[0-9]+$ ]]; then
  echo "gpu-check: no NVIDIA GPU here ($(command -v nvidia-smi > /dev/null && echo "nvidia-smi lists none" || echo "no nvidia-smi, no driver")); nothing to check"
  exit 2
fi
if ! command -v nvcc > /dev/null; then
  for d in /usr/local/cuda/bin /usr/local/cuda-*/bin; do [ -x "$d/nvcc" ] && PATH="$d:$PATH" && break; done
fi
command -v nvcc > /dev/null || { echo "gpu-check: nvcc not found (install the CUDA toolkit)" >&2; exit 2; }

source "$HK_ROOT/scripts/common.sh"
hk_install_dependencies
mkdir -p "$out"
out="$(cd "$out" && pwd)"
build="$HK_ROOT/build/gpu-check"
jobs=$(nproc)
echo "gpu-check: sm_$cc, $jobs cores, output in $out"

step() { echo "gpu-check: $*"; }
step "configure and build for sm_$cc only"
cmake -S "$HK_ROOT" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="${cc}-real" \
  > "$out/configure.log" 2>&1 || { tail -n 30 "$out/configure.log"; exit 1; }
cmake --build "$build" -j "$jobs" --target hk_tests hk_gpu_tests hk-bench > "$out/build.log" 2>&1 ||
  { tail -n 40 "$out/build.log"; exit 1; }

status=0
step "ctest -L gpu"
ctest --test-dir "$build" -L gpu --output-on-failure -j 4 > "$out/ctest-gpu.log" 2>&1 || status=1
tail -n 3 "$out/ctest-gpu.log"
step "the cuda rows of the equivalence test"
ctest --test-dir "$build" -R "MatchesOracle/cuda_" -E "cuda_sim" --output-on-failure -j 4 \
  > "$out/ctest-cuda-equivalence.log" 2>&1 || status=1
tail -n 3 "$out/ctest-cuda-equivalence.log"

bench="$build/bench/hk-bench"
step "hk-bench: matmul ladders (f32, int8) with cuBLAS, relu, dot on the GPU"
"$bench" --op matmul:f32,matmul:i8,relu,dot --backend cuda --sizes 1024,4096 --min-time 0.3 \
  --format json --output "$out/ladder.json" --html "$out/ladder.html" > "$out/ladder.log" 2>&1 || status=1
step "hk-bench sweep: CPU against GPU across sizes"
"$bench" sweep --op matmul --sizes 64..2048 --threads "$jobs" --min-time 0.2 --max-call 1 \
  --format json --output "$out/sweep.json" --html "$out/sweep.html" > "$out/sweep.log" 2>&1 || status=1
step "hk-bench resources"
"$bench" resources > "$out/resources.txt" 2>&1 || status=1

echo
python3 "$HK_ROOT/scripts/gpu_check_summary.py" "$out" || status=1
exit "$status"
