#!/usr/bin/env bash
# For a machine with an NVIDIA GPU: builds hk for that GPU's architecture only, runs the
# tests that need a device and the cuda rows of the equivalence test, then hk-bench on the
# GPU (the f32 and int8 matmul ladders with cuBLAS, linear with cuBLASLt, the course's model,
# relu and dot, a size sweep with the CPU/GPU crossover, the kernels' resources), and prints
# one screen: every failure, each rung as a % of cuBLAS (linear: of cuBLASLt), relu's share of
# DRAM bandwidth, the crossover sizes. Where the
# machine has them, it also runs compute-sanitizer (memcheck, racecheck) over the GPU
# variant tests and reads Nsight Compute's memory counters for the matmul ladder at 256³
# (ncu-matmul-256.csv: what cuda_sim's counters are checked against).
#   scripts/gpu-check.sh [--out DIR] [--prebuilt BUILD]    (default build/gpu-check/out)
# --prebuilt uses a build made elsewhere for this GPU's architecture (targets hk_tests,
# hk_gpu_tests, test_linear_cuda, hk-bench; configure with -DHK_BENCH_PEERS=OFF so no peer library needs
# to travel) and installs, configures and builds nothing.
# Everything it ran lands in DIR: logs, JSON, the HTML reports. Exit status: 0 all passed,
# 1 something failed, 2 no usable GPU here (said in one line). No fuzzer: that runs in CI
# without a GPU. Written to finish in a few minutes on a 16-core machine.
set -euo pipefail
HK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$HK_ROOT/build/gpu-check/out"
prebuilt=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --out=*) out="${1#--out=}"; shift ;;
    --prebuilt) prebuilt="$2"; shift 2 ;;
    --prebuilt=*) prebuilt="${1#--prebuilt=}"; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-check: unknown argument '$1' (usage: scripts/gpu-check.sh [--out DIR] [--prebuilt BUILD])" >&2
       exit 2 ;;
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

mkdir -p "$out"
out="$(cd "$out" && pwd)"
jobs=$(nproc)
step() { echo "gpu-check: $*"; }
if [ -n "$prebuilt" ]; then
  build="$(cd "$prebuilt" && pwd)"
  for t in tests/hk_tests tests/hk_gpu_tests tests/test_linear_cuda bench/hk-bench; do
    [ -x "$build/$t" ] || { echo "gpu-check: --prebuilt $prebuilt has no $t" >&2; exit 2; }
  done
  built_for=$(sed -n 's/^CMAKE_CUDA_ARCHITECTURES:[A-Z]*=//p' "$build/CMakeCache.txt" 2> /dev/null)
  echo "gpu-check: sm_$cc, $jobs cores, prebuilt $build (CUDA architectures: ${built_for:-unknown}), output in $out"
  [[ ",$built_for," == *",${cc}-real,"* || ",$built_for," == *",${cc},"* || ",$built_for," == *",${cc}-virtual,"* ]] ||
    echo "gpu-check: warning: the prebuilt build has no code for sm_$cc; the driver must JIT or the kernels fail"
else
  source "$HK_ROOT/scripts/common.sh"
  hk_install_dependencies
  build="$HK_ROOT/build/gpu-check"
  echo "gpu-check: sm_$cc, $jobs cores, output in $out"
  step "configure and build for sm_$cc only"
  cmake -S "$HK_ROOT" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="${cc}-real" \
    > "$out/configure.log" 2>&1 || { tail -n 30 "$out/configure.log"; exit 1; }
  cmake --build "$build" -j "$jobs" --target hk_tests hk_gpu_tests test_linear_cuda hk-bench > "$out/build.log" 2>&1 ||
    { tail -n 40 "$out/build.log"; exit 1; }
fi
nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || true

status=0
step "ctest -L gpu"
ctest --test-dir "$build" -L gpu --output-on-failure -j 4 > "$out/ctest-gpu.log" 2>&1 || status=1
tail -n 3 "$out/ctest-gpu.log"
step "the cuda rows of the equivalence test"
ctest --test-dir "$build" -R "MatchesOracle/cuda_" -E "cuda_sim" --output-on-failure -j 4 \
  > "$out/ctest-cuda-equivalence.log" 2>&1 || status=1
tail -n 3 "$out/ctest-cuda-equivalence.log"

bench="$build/bench/hk-bench"
step "hk-bench: matmul ladders (f32, int8) with cuBLAS on the GPU"
"$bench" --op matmul:f32,matmul:i8 --backend cuda --sizes 1024,4096 --min-time 0.3 \
  --format json --output "$out/ladder.json" --html "$out/ladder.html" > "$out/ladder.log" 2>&1 || status=1
# Streaming ops at 2^24 and 2^27 elements (64 MiB, 512 MiB of f32): well past the L2, so
# the rows read the DRAM bandwidth; at matmul's sizes they would time the launch.
# linear: hk's fused layer against cuBLASLt's fused epilogue, at the course's layer (batch 32
# and 256 through 784 → 128) and at a square size where the GPU is busy.
step "hk-bench: linear (f32, int8) with cuBLASLt on the GPU"
"$bench" --op linear:f32,linear:i8 --backend cuda --sizes 32x784x128,256x784x128,4096 --min-time 0.3 \
  --format json --output "$out/linear.json" --html "$out/linear.html" > "$out/linear.log" 2>&1 || status=1
# The course's model end to end on the CPU and the GPU (no oneDNN peer: none travels).
step "hk-bench model: the MLP at batch 1, 32, 256"
"$bench" model --backend cpu,cuda --threads "$jobs" --min-time 0.3 --format json --output "$out/model.json" \
  > "$out/model.log" 2>&1 || status=1
"$bench" model --backend cpu,cuda --threads "$jobs" --min-time 0.3 --format markdown --output "$out/model.md" \
  >> "$out/model.log" 2>&1 || status=1
step "hk-bench: relu and dot on the GPU"
"$bench" --op relu,dot --backend cuda --sizes 16777216,134217728 --min-time 0.3 \
  --format json --output "$out/stream.json" --html "$out/stream.html" > "$out/stream.log" 2>&1 || status=1
step "hk-bench sweep: CPU against GPU across sizes"
"$bench" sweep --op matmul --sizes 64..2048 --threads "$jobs" --min-time 0.2 --max-call 1 \
  --format json --output "$out/sweep.json" --html "$out/sweep.html" > "$out/sweep.log" 2>&1 || status=1
step "hk-bench resources"
"$bench" resources > "$out/resources.txt" 2>&1 || status=1

# compute-sanitizer over the variant tests: every kernel of the registry once, on device
# tensors. A reported error fails the check; a tool that cannot run here is said, not failed.
if command -v compute-sanitizer > /dev/null; then
  for tool in memcheck racecheck; do
    step "compute-sanitizer --tool $tool (GPU variant tests)"
    rc=0
    timeout 240 compute-sanitizer --tool "$tool" --error-exitcode 86 "$build/tests/hk_gpu_tests" \
      --gtest_filter='GpuVariants.EveryCuda*:GpuVariants.CublasInt8*' > "$out/sanitizer-$tool.log" 2>&1 || rc=$?
    tail -n 2 "$out/sanitizer-$tool.log"
    [ "$rc" -eq 0 ] || status=1
  done
else
  echo "gpu-check: no compute-sanitizer here; memcheck and racecheck not run" | tee "$out/sanitizer-memcheck.log"
fi

# Nsight Compute's counters for the matmul ladder at 256³ (one validation call and one
# timed call per variant): sectors per request, shared wavefronts and bank conflicts, the
# figures cuda_sim's profiler computes. Diagnostic: a profiler that cannot read counters
# here is said in the summary, not failed.
if command -v ncu > /dev/null; then
  step "ncu: memory counters of the matmul ladder at 256³"
  timeout 240 ncu --clock-control none --target-processes all --csv --page raw \
    --section MemoryWorkloadAnalysis_Tables --section InstructionStats --section ComputeWorkloadAnalysis \
    "$bench" --op matmul:f32,matmul:i8 --backend cuda --sizes 256 --repeats 1 --warmup 0 --threads 1 --no-peers \
    --format json --output "$out/ncu-bench.json" > "$out/ncu-matmul-256.csv" 2> "$out/ncu.log" ||
    echo "gpu-check: ncu exited with $? (see ncu.log)"
else
  echo "gpu-check: no ncu here; the counters were not read" | tee "$out/ncu.log"
fi

echo
python3 "$HK_ROOT/scripts/gpu_check_summary.py" "$out" || status=1
exit "$status"
