#!/usr/bin/env python3
"""hk from Python against NumPy (and PyTorch CPU when installed), same arrays, one process.
Prints ratios from one run, each next to its target (issue 15); not a test: timings on a
shared machine are noisy, re-run when the load is low.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/python_bench.py
"""
import os
import threading
import time

import numpy as np

import hk


def median_us(fn, repeats=20, warmup=3):
    return hk.time_kernel(fn, repeats=repeats, warmup=warmup).median_us


def row(name, ratio, target, higher_is_better=True):
    ok = ratio >= target if higher_is_better else ratio <= target
    sign = "≥" if higher_is_better else "≤"
    print(f"{name:<58} {ratio:7.2f}x   target {sign} {target:.2f}x   {'ok' if ok else 'MISSED'}")


def main():
    print(f"hk {hk.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, "
          f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', '(unset)')}")
    rng = np.random.default_rng(0)

    x = rng.standard_normal(1024).astype(np.float32)
    y = np.empty_like(x)
    t_hk = median_us(lambda: hk.relu(x, out=y, backend="cpu"), repeats=2000, warmup=100)
    t_np = median_us(lambda: np.maximum(x, 0, out=y), repeats=2000, warmup=100)
    row("call overhead: hk.relu(out=) / np.maximum(out=), 1,024 f32", t_hk / t_np, 1.5, False)

    for n in (1024, 2048):
        a = rng.standard_normal((n, n)).astype(np.float32)
        b = rng.standard_normal((n, n)).astype(np.float32)
        c = np.empty((n, n), np.float32)
        reps = 5 if n == 1024 else 3
        t_hk = median_us(lambda: hk.matmul(a, b, out=c, backend="cpu", threads=2), reps, 1)
        t_np = median_us(lambda: np.matmul(a, b, out=c), reps, 1)
        row(f"fp32 matmul {n}², 2 threads: NumPy time / hk time", t_np / t_hk, 1.0)
        # The same call looped in C++ (hk::time_kernel inside the extension, same arrays and
        # options): what the Python layer costs. Interleaved rounds, so that a change in the
        # machine's load hits both sides alike; the fastest round of each, since other load
        # only ever adds time.
        t_py, t_cpp = [], []
        for _ in range(5 if n == 1024 else 3):
            t_py.append(median_us(lambda: hk.matmul(a, b, out=c, backend="cpu", threads=2), reps, 1))
            t_cpp.append(hk._hk.time_matmul_in_cpp(a, b, c, warmup=1, repeats=reps, backend="cpu", threads=2))
        row(f"fp32 matmul {n}², 2 threads: C++ time / Python time", min(t_cpp) / min(t_py), 0.97)

    n = 1024
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    qa, qb = hk.quantize(a, hk.symmetric_scale(a)), hk.quantize(b, hk.symmetric_scale(b))
    t_q = median_us(lambda: hk.matmul(qa, qb, backend="cpu"), 5, 1)
    t_np = median_us(lambda: a @ b, 5, 1)
    row("int8 matmul 1024² (quantized inputs) vs NumPy fp32 matmul", t_np / t_q, 3.0)

    # Steady-state throughput: each thread first makes one untimed call (its thread-local
    # packing buffers are new, their pages not yet touched), all start together at a barrier,
    # and every call writes into its own preallocated output (out=), as an inference loop does.
    m = 512
    a2, b2 = a[:m, :m].copy(), b[:m, :m].copy()
    outs = [np.empty((m, m), np.float32) for _ in range(2)]
    calls = 40

    def work(i, barrier=None):
        hk.matmul(a2, b2, backend="cpu", threads=1, out=outs[i])
        if barrier:
            barrier.wait()
        for _ in range(calls):
            hk.matmul(a2, b2, backend="cpu", threads=1, out=outs[i])

    work(0)
    start = time.perf_counter()
    for _ in range(calls):
        hk.matmul(a2, b2, backend="cpu", threads=1, out=outs[0])
    one = time.perf_counter() - start
    barrier = threading.Barrier(3)
    threads = [threading.Thread(target=work, args=(i, barrier)) for i in range(2)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    two = time.perf_counter() - start
    row("2 Python threads × single-threaded hk.matmul 512²: throughput", 2 * one / two, 1.7)

    try:
        import torch
    except ImportError:
        print("PyTorch not installed: no PyTorch rows")
        return
    torch.set_num_threads(2)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    t_t = median_us(lambda: ta @ tb, 5, 1)
    t_hk = median_us(lambda: hk.matmul(a, b, backend="cpu", threads=2), 5, 1)
    row("fp32 matmul 1024², 2 threads: PyTorch time / hk time", t_t / t_hk, 1.0)


if __name__ == "__main__":
    main()
