"""hk.bench, hk.explain and hk.profile: hk-bench from Python.

Design: both call hk-bench's own code, linked into the extension (bench/run/in_process.hpp):
the keywords become hk-bench's command-line arguments, hk-bench parses, checks, measures (or
explains) exactly as the program does, and hands back the JSON it would print with
``--format json``, which is parsed here. So there is one implementation of the measurement
(validation before timing, failed rows without numbers, the roofline, the peers), no
subprocess to find, and a bad argument is hk.InvalidArgument with hk-bench's own message.
"""
from __future__ import annotations

import json
import warnings
from typing import Any, Iterable

import numpy as np

from . import _hk

# The nested objects of a result row, flattened into columns for a DataFrame
# ("time_ms.median", ...); a failed row's null becomes empty cells in the same columns.
_NESTED = {
    "time_ms": ("median", "min", "max", "repeats"),
    "end_to_end_ms": ("median", "min", "max", "repeats"),
    "work": ("flops", "bytes"),
}


def _comma_list(value: Any) -> str:
    if isinstance(value, str) or not isinstance(value, Iterable):
        return str(value)
    return ",".join(str(v) for v in value)


def _arguments(options: Iterable[tuple[str, Any]]) -> list[str]:
    args = []
    for flag, value in options:
        if value is not None:
            args += [flag, _comma_list(value)]
    return args


def _flatten(row: dict) -> dict:
    out = {}
    for key, value in row.items():
        if key in _NESTED:
            for sub in _NESTED[key]:
                out[f"{key}.{sub}"] = value.get(sub) if value else None
        else:
            out[key] = value
    return out


def bench(op: str | Iterable[str] | None = None, sizes: Any = None, threads: Any = None,
          variants: str | Iterable[str] | None = None, backends: str | Iterable[str] | None = None, *,
          repeats: int | None = None, min_time: float | None = None, warmup: int | None = None,
          max_call: float | None = None, peers: bool = True, progress: bool = False,
          report: bool = False) -> Any:
    """Runs hk-bench's measurement in this process and returns its result rows.

    The keywords are hk-bench's options (``hk-bench --help``): ``op`` ("matmul", "matmul:i8",
    "relu", a list of them, or "all"; None: the lecture suite), ``sizes`` (1024, "127x1031x513",
    "64..1024", or a list), ``threads`` (2 or [1, 2]), ``variants`` and ``backends`` (names or
    lists), ``repeats``, ``min_time`` and ``max_call`` (seconds), ``warmup``, ``peers=False``
    (no OpenBLAS, oneDNN, memcpy rows). Every implementation is checked against fp64 before it
    is timed; a row that fails has status "failed", its reason in "failure", and no timing.

    Returns the rows of ``hk-bench --format json`` (bench/hk-bench.schema.json): dicts with op,
    dtype, shape, backend, variant, kind, threads, status, failure, time_ms (median, min, max,
    repeats; milliseconds), gflops, gbps, percent_of_peak, speedup_vs_naive, vs_best_peer, ...
    With pandas installed they come as a pandas.DataFrame, the nested objects flattened into
    columns ("time_ms.median"). ``report=True`` returns the whole report instead (environment,
    roofline, notes), as a dict. ``progress=True`` shows hk-bench's progress bar and notes on
    stderr; by default nothing is printed. A case that could not run (e.g. out of memory) is
    left out with a RuntimeWarning carrying hk-bench's notes. Bad arguments raise
    hk.InvalidArgument.
    """
    args = ["run"] + _arguments([
        ("--op", op), ("--sizes", sizes), ("--threads", threads), ("--variant", variants),
        ("--backend", backends), ("--repeats", repeats), ("--min-time", min_time),
        ("--warmup", warmup), ("--max-call", max_call),
    ])
    if not peers:
        args.append("--no-peers")
    args += ["--progress", "always" if progress else "never"]
    text, status = _hk.hk_bench("hk.bench", args)
    result = json.loads(text)
    if status == 2:
        warnings.warn("hk.bench: some cases did not run: " + "; ".join(result["notes"]), RuntimeWarning,
                      stacklevel=2)
    if report:
        return result
    rows = result["results"]
    try:
        import pandas
    except ImportError:
        return rows
    return pandas.DataFrame([_flatten(r) for r in rows])


def explain(op: str, variant: str, *, backend: str | None = None, size: Any = None,
            threads: int | None = None, block_size: int | None = None) -> dict:
    """Who computed each output element of one small case: what ``hk-bench explain`` shows,
    as NumPy arrays for plotting.

    ``op``: an op with an output grid ("matmul", "relu", "add", ..., "matmul:i8"); ``variant``:
    a registered variant; ``backend``: "cpu", or "cuda_sim" for a GPU variant (default: cpu
    when the op has a cpu variant of that name); ``size``: N or (M, K, N) / "MxKxN" for matmul
    (default 8), n otherwise (default 64); ``threads``: pool threads (cpu); ``block_size``: the
    variant's tile edge or cache block.

    Returns a dict: op, dtype, backend, variant, shape (the case), output_shape, summary, text
    (hk-bench explain's printout), and integer arrays of the output's shape (-1: never written,
    -2: written by several):

    * cpu: ``chunk`` (index into ``chunks``, the pool's chunks: call, begin, end, n, thread,
      label) and ``thread`` (0 the calling thread, 1.. pool workers);
    * cuda_sim: ``block`` (linear block id, x fastest, of ``grid_dim``) and ``thread`` (linear
      thread id within the block, of ``block_dim``); ``shared`` lists block 0's shared-memory
      stores per step (``writer``: the thread that stored each slot).

    A variant whose result is wrong raises hk.Error with the explanation; bad arguments raise
    hk.InvalidArgument.
    """
    if isinstance(size, (tuple, list)):
        size = "x".join(str(d) for d in size)
    args = ["explain", op] + _arguments([
        ("--variant", variant), ("--backend", backend), ("--size", size), ("--threads", threads),
        ("--block-size", block_size),
    ])
    text, _ = _hk.hk_bench("hk.explain", args)
    result = json.loads(text)
    shape = tuple(result["output_shape"])
    result["shape"] = tuple(result["shape"])
    result["output_shape"] = shape
    for key in ("chunk", "thread", "block"):
        if key in result:
            result[key] = np.asarray(result[key], dtype=np.int32).reshape(shape)
    for store in result.get("shared", []):
        store["writer"] = np.asarray(store["writer"], dtype=np.int32)
    for key in ("grid_dim", "block_dim"):
        if key in result:
            result[key] = tuple(result[key])
    return result


def profile(op: str = "matmul", *, variant: Any = None, size: Any = None, block_size: int | None = None) -> dict:
    """The GPU kernels of ``op`` under cuda_sim's profiler: what ``hk-bench profile`` shows, as
    numbers. No GPU needed.

    ``op``: "matmul" (default), "matmul:i8", "relu", ...; ``variant``: one cuda_sim variant or a
    list (default: every one that takes the dtype, in rung order); ``size``: N or (M, K, N) /
    "MxKxN" for matmul (default 256), n otherwise (default 2**20); ``block_size``: for variants
    that take one.

    Returns a dict: op, dtype, shape, work_flops (the op's work model) and ``variants``, a list
    of dicts with variant, correct, ``counters`` (Nsight Compute's memory counters over the
    call: global_ld_requests, global_ld_sectors, shared_ld_wavefronts,
    shared_ld_bank_conflicts, ...) and ``launches`` (per kernel launch: kernel, grid, block,
    counters, and ``lines``: the counters of each kernel source line). Bad arguments raise
    hk.InvalidArgument; a build without the profiler (a sanitizer build) hk.BackendUnavailable.
    """
    if isinstance(size, (tuple, list)):
        size = "x".join(str(d) for d in size)
    if isinstance(variant, (tuple, list)):
        variant = ",".join(variant)
    args = ["profile", op] + _arguments([("--variant", variant), ("--size", size), ("--block-size", block_size)])
    text, _ = _hk.hk_bench("hk.profile", args)
    result = json.loads(text)
    result["shape"] = tuple(result["shape"])
    return result
