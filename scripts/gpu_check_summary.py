#!/usr/bin/env python3
"""One screen from a scripts/gpu-check.sh output folder: every failure, each GPU matmul
rung as a percentage of cuBLAS at the same shape, relu's share of the device's memory
bandwidth, and the CPU/GPU crossover sizes. Exit status 1 when anything failed.

usage: gpu_check_summary.py DIR   (DIR holds ladder.json, sweep.json and the ctest logs)
"""
import json
import re
import sys
from pathlib import Path


def load(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        return {"_error": f"{path.name}: {e}"}


def ctest_failures(log):
    """Names of the tests ctest lists as failed in one log; [] when it ran none."""
    if not log.exists():
        return [f"{log.name}: missing (the step did not run)"]
    text = log.read_text(errors="replace")
    failed = re.findall(r"^\s*\d+ - (\S+) \((?:Failed|Timeout|SEGFAULT|Subprocess aborted|Exception)", text, re.M)
    if "No tests were found" in text:
        failed.append(f"{log.name}: no tests were found")
    if not re.search(r"tests passed, \d+ tests failed out of \d+", text) and not failed:
        failed.append(f"{log.name}: no ctest summary line")
    return failed


def shape_text(shape):
    return "x".join(str(d) for d in shape)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(sys.argv[1])
    failures = []
    lines = []

    for log in ("ctest-gpu.log", "ctest-cuda-equivalence.log"):
        failures += [f"ctest: {name}" for name in ctest_failures(out / log)]

    ladder = load(out / "ladder.json")
    sweep = load(out / "sweep.json")
    for name, report in (("ladder.json", ladder), ("sweep.json", sweep)):
        if "_error" in report:
            failures.append(report["_error"])
            continue
        for row in report.get("results", []):
            if row.get("status") != "ok":
                failures.append(f"{name}: {row['backend']}/{row['op']}:{row['dtype']}/{row['variant']} "
                                f"{shape_text(row['shape'])}: {row.get('failure') or row.get('status')}")

    rows = [r for r in ladder.get("results", []) if r.get("backend") == "cuda" and r.get("status") == "ok"
            and r.get("time_ms")]
    lines.append("GPU matmul ladder, % of cuBLAS at the same shape (kernel time, median):")
    cublas = {(r["dtype"], tuple(r["shape"])): r["time_ms"]["median"] for r in rows
              if r["op"] == "matmul" and r["variant"] == "cublas"}
    any_rung = False
    for r in sorted((r for r in rows if r["op"] == "matmul" and r["variant"] != "cublas"),
                    key=lambda r: (r["dtype"], r["shape"], r["time_ms"]["median"])):
        ref = cublas.get((r["dtype"], tuple(r["shape"])))
        pct = f"{100.0 * ref / r['time_ms']['median']:6.1f}%" if ref else "   n/a (no cublas row)"
        lines.append(f"  {r['dtype']:3} {shape_text(r['shape']):>16}  {r['variant']:15} {pct}"
                     f"  {r['time_ms']['median']:.4f} ms")
        any_rung = True
    if not any_rung:
        lines.append("  (no GPU matmul rows)")

    lines.append("relu on the GPU, % of the device's DRAM bandwidth (device properties):")
    relu = [r for r in rows if r["op"] == "relu"]
    for r in relu:
        lines.append(f"  {r['dtype']:3} n={shape_text(r['shape']):>10}  {r['variant']:12} {r['gbps']:8.1f} GB/s"
                     f"  {r['percent_of_peak']:5.1f}%")
    if not relu:
        lines.append("  (no GPU relu rows)")

    lines.append("CPU/GPU crossover (sweep):")
    crossovers = sweep.get("crossovers", [])
    for x in crossovers:
        lines.append(f"  {x['op']}:{x['dtype']}: {x['text']}")
    if not crossovers:
        lines.append("  (none reported)")

    print("\n".join(lines))
    if failures:
        print(f"FAILURES ({len(failures)}):")
        for f in failures:
            print(f"  {f}")
        print("gpu-check: FAILED")
        return 1
    print("gpu-check: everything passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
