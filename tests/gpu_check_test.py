#!/usr/bin/env python3
"""ctest gpu_check_script: scripts/gpu-check.sh without a GPU says so in one line and exits
2; scripts/gpu_check_summary.py, given an output folder built from hk-bench JSON made on
this machine (with GPU rows added by hand, times chosen so every figure is known), prints
the right percentages and crossovers, and exits 1 on any failure.

usage: gpu_check_test.py HK_BENCH WORK_DIR
"""
import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}")
        sys.exit(1)
    print(f"ok: {what}")


def main():
    bench, work = sys.argv[1], Path(sys.argv[2])
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)

    if not shutil.which("nvidia-smi"):
        r = run([str(ROOT / "scripts/gpu-check.sh"), "--out", str(work / "nogpu")])
        check(r.returncode == 2, "without a GPU gpu-check.sh exits 2")
        check(len(r.stdout.strip().splitlines()) == 1 and "no NVIDIA GPU" in r.stdout,
              f"... and says so in one line: {r.stdout.strip()!r}")

    r = run([bench, "--op", "matmul:f32,relu", "--sizes", "32", "--threads", "1", "--no-peers", "--backend", "cpu",
             "--min-time", "0.01", "--format", "json", "--output", str(work / "cpu.json")])
    check(r.returncode == 0, f"hk-bench made JSON here ({r.stderr.strip()[-200:]})")
    report = json.loads((work / "cpu.json").read_text())
    cpu_matmul = next(row for row in report["results"] if row["op"] == "matmul")
    cpu_relu = next(row for row in report["results"] if row["op"] == "relu")

    def gpu_row(base, variant, median, **extra):
        row = copy.deepcopy(base)
        row.update(backend="cuda", variant=variant, status="ok", failure=None, **extra)
        row["time_ms"] = dict(row["time_ms"], median=median, min=median, max=median)
        return row

    out = work / "out"
    out.mkdir()
    ladder = dict(report, results=[gpu_row(cpu_matmul, "cublas", 1.0), gpu_row(cpu_matmul, "tiled", 4.0),
                                   gpu_row(cpu_matmul, "register_tiled", 1.25),
                                   gpu_row(cpu_relu, "vectorized", 0.01, gbps=4000.0, percent_of_peak=83.0)])
    (out / "ladder.json").write_text(json.dumps(ladder))
    not_timed = [dict(copy.deepcopy(cpu_matmul), status="validated", failure=None, time_ms=None),
                 dict(copy.deepcopy(cpu_matmul), status="skipped", failure="predicted 2057.9 ms per call", time_ms=None)]
    sweep = dict(report, results=not_timed, crossovers=[{"op": "matmul", "dtype": "f32", "found": True, "size": 384,
                                                  "measure": "kernel", "text": "the GPU is faster from 384"}])
    (out / "sweep.json").write_text(json.dumps(sweep))
    passed = "100% tests passed, 0 tests failed out of 12\n"
    (out / "ctest-gpu.log").write_text(passed)
    (out / "ctest-cuda-equivalence.log").write_text("100% tests passed out of 20\n")  # newer CTest's wording

    summary = ROOT / "scripts/gpu_check_summary.py"
    r = run([sys.executable, str(summary), str(out)])
    check(r.returncode == 0, f"a clean folder passes ({r.stdout[-300:]})")
    lines = r.stdout.splitlines()
    tiled = next((l for l in lines if " tiled " in l), "")
    check("25.0%" in tiled, f"tiled at 4 ms against cuBLAS's 1 ms is 25% of cuBLAS: {tiled!r}")
    reg = next((l for l in lines if "register_tiled" in l), "")
    check("80.0%" in reg, f"register_tiled at 1.25 ms is 80%: {reg!r}")
    relu = next((l for l in lines if "vectorized" in l), "")
    check("83.0%" in relu and "4000.0 GB/s" in relu, f"relu's bandwidth share: {relu!r}")
    check(any("faster from 384" in l for l in lines), "the crossover is reported")

    ladder["results"][1].update(status="FAILED", failure="wrong result at [3][5]", time_ms=None)
    (out / "ladder.json").write_text(json.dumps(ladder))
    (out / "ctest-gpu.log").write_text("The following tests FAILED:\n\t 12 - gpu.GpuMemory.CacheReusesFreedBlocks (Failed)\n"
                                       "92% tests passed, 1 tests failed out of 12\n")
    r = run([sys.executable, str(summary), str(out)])
    check(r.returncode == 1, "a failure makes the summary exit 1")
    check("wrong result at [3][5]" in r.stdout and "gpu.GpuMemory.CacheReusesFreedBlocks" in r.stdout,
          "... and names the failed row and the failed test")
    (out / "sanitizer-memcheck.log").write_text("========= Invalid __global__ read of size 4 bytes\n"
                                                "========= ERROR SUMMARY: 3 errors\n")
    (out / "sanitizer-racecheck.log").write_text("========= RACECHECK SUMMARY: 0 hazards displayed (0 errors, 0 warnings)\n")
    r = run([sys.executable, str(summary), str(out)])
    check("sanitizer-memcheck.log: 3 errors" in r.stdout and "racecheck.log" not in r.stdout,
          "compute-sanitizer's errors are failures, a clean racecheck is not")
    (out / "sanitizer-racecheck.log").write_text("========= Program hit error 999\n")
    r = run([sys.executable, str(summary), str(out)])
    check("sanitizer-racecheck.log: no error summary" in r.stdout, "a sanitizer run that did not finish is a failure")
    (out / "ctest-cuda-equivalence.log").unlink()
    r = run([sys.executable, str(summary), str(out)])
    check("ctest-cuda-equivalence.log: missing" in r.stdout, "a step that did not run is a failure")
    print("gpu_check_test: all passed")


if __name__ == "__main__":
    main()
