#!/usr/bin/env python3
"""One screen from a scripts/gpu-check.sh output folder: every failure, each GPU matmul
rung as a percentage of cuBLAS at the same shape (linear: of cuBLASLt), relu's share of the
device's memory bandwidth, and the CPU/GPU crossover sizes. Exit status 1 when anything
failed.

usage: gpu_check_summary.py DIR   (DIR holds ladder.json, stream.json, linear.json,
       model.json, sweep.json, the ctest and compute-sanitizer logs and ncu-matmul-256.csv,
       as scripts/gpu-check.sh leaves them)
"""
import csv
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
    # CTest 3.25 says "100% tests passed, 0 tests failed out of 14"; newer ones drop the
    # ", 0 tests failed" when none did (seen on the first device, CTest 4).
    if not re.search(r"tests passed(?:, \d+ tests failed)? out of \d+", text) and not failed:
        failed.append(f"{log.name}: no ctest summary line")
    return failed


def sanitizer_failures(out):
    """compute-sanitizer's verdict per tool log; [] when clean or when the tool was absent."""
    failed = []
    for tool in ("memcheck", "racecheck"):
        log = out / f"sanitizer-{tool}.log"
        if not log.exists():
            continue
        text = log.read_text(errors="replace")
        if "no compute-sanitizer here" in text:
            continue
        counts = [int(n) for n in re.findall(r"ERROR SUMMARY: (\d+) error", text)]
        counts += [int(n) for n in re.findall(r"RACECHECK SUMMARY: .*?\((\d+) errors?", text)]
        if not counts:
            failed.append(f"{log.name}: no error summary (the tool did not finish; see the log)")
        elif max(counts) > 0:
            failed.append(f"{log.name}: {max(counts)} errors")
    return failed


# Nsight Compute metrics beside the figures cuda_sim's profiler computes.
NCU_COLUMNS = (
    ("ld req", "l1tex__t_requests_pipe_lsu_mem_global_op_ld.sum"),
    ("ld sectors", "l1tex__t_sectors_pipe_lsu_mem_global_op_ld.sum"),
    ("st req", "l1tex__t_requests_pipe_lsu_mem_global_op_st.sum"),
    ("st sectors", "l1tex__t_sectors_pipe_lsu_mem_global_op_st.sum"),
    ("shd ld wavefronts", "l1tex__data_pipe_lsu_wavefronts_mem_shared_op_ld.sum"),
    ("shd ld conflicts", "l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum"),
    ("shd st wavefronts", "l1tex__data_pipe_lsu_wavefronts_mem_shared_op_st.sum"),
    ("shd st conflicts", "l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_st.sum"),
)


def ncu_lines(out):
    """The first profiled launch of each kernel in ncu-matmul-256.csv, one line each."""
    path = out / "ncu-matmul-256.csv"
    if not path.exists() or path.stat().st_size == 0:
        log = out / "ncu.log"
        why = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
        return [f"  (no counters: {why[0] if why else 'ncu did not run'})"]
    text = path.read_text(errors="replace")
    start = text.find('"ID"')
    if start < 0:
        return ["  (ncu wrote no table; see ncu.log)"]
    rows = list(csv.DictReader(text[start:].splitlines()))
    rows = [r for r in rows if r.get("ID", "").isdigit()]  # the second line holds units
    seen, lines = set(), []
    present = [(label, col) for label, col in NCU_COLUMNS if rows and col in rows[0]]
    lines.append("  " + " | ".join(["kernel"] + [label for label, _ in present]))
    for r in rows:
        name = r.get("Kernel Name", "?")
        if name in seen:
            continue
        seen.add(name)
        lines.append("  " + " | ".join([name[:60]] + [r[col] for _, col in present]))
    return lines


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
    failures += [f"compute-sanitizer: {f}" for f in sanitizer_failures(out)]

    ladder = load(out / "ladder.json")
    sweep = load(out / "sweep.json")
    reports = [("ladder.json", ladder), ("sweep.json", sweep)]
    for extra in ("stream.json", "linear.json"):  # relu and dot, linear (older folders lack them)
        if (out / extra).exists():
            more = load(out / extra)
            reports.append((extra, more))
            ladder = dict(ladder, results=ladder.get("results", []) + more.get("results", []))
    if (out / "model.json").exists():
        model = load(out / "model.json")
        if "_error" in model:
            failures.append(model["_error"])
        for row in model.get("rows", []):
            if row.get("status") != "ok":
                failures.append(f"model.json: batch {row['batch']} {row['way']} on {row['backend']}: {row.get('failure')}")
    for name, report in reports:
        if "_error" in report:
            failures.append(report["_error"])
            continue
        for row in report.get("results", []):
            # "validated" (checked, not timed: cuda_sim, or too slow to time) and "skipped"
            # (over --max-call) are hk-bench's deliberate outcomes, not failures.
            if row.get("status") not in ("ok", "validated", "skipped"):
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

    lines.append("GPU linear, % of cuBLASLt at the same shape (kernel time, median; int8 has no cuBLASLt row):")
    lt = {tuple(r["shape"]): r["time_ms"]["median"] for r in rows if r["op"] == "linear" and r["variant"] == "cublaslt"}
    linear = sorted((r for r in rows if r["op"] == "linear" and r["variant"] != "cublaslt"),
                    key=lambda r: (r["dtype"], r["shape"], r["time_ms"]["median"]))
    for r in linear:
        ref = lt.get(tuple(r["shape"])) if r["dtype"] == "f32" else None
        pct = f"{100.0 * ref / r['time_ms']['median']:6.1f}%" if ref else "   n/a"
        lines.append(f"  {r['dtype']:3} {shape_text(r['shape']):>16}  {r['variant']:15} {pct}"
                     f"  {r['time_ms']['median']:.4f} ms")
    if not linear:
        lines.append("  (no GPU linear rows)")

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

    lines.append("Nsight Compute, matmul ladder at 256^3 (first launch of each kernel):")
    lines += ncu_lines(out)

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
