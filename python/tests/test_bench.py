"""hk.bench and hk.explain: hk-bench's run and explain, in-process, from Python."""
import json
import pathlib

import numpy as np
import pytest

import hk
from conftest import backend_or_skip

SCHEMA = pathlib.Path(__file__).resolve().parents[2] / "bench" / "hk-bench.schema.json"
# A fast run: one small matmul, two cpu rungs, short timing, no peers.
QUICK = dict(op="matmul:f32", sizes=64, threads=2, backends="cpu", variants=["naive", "blocked"],
             min_time=0.02, warmup=1, peers=False)


def test_bench_rows_are_validated_and_timed(capfd):
    report = hk.bench(**QUICK, report=True)
    rows = report["results"]
    assert {r["variant"] for r in rows} == {"naive", "blocked"}
    for r in rows:
        assert (r["op"], r["dtype"], r["backend"], r["shape"]) == ("matmul", "f32", "cpu", [64, 64, 64])
        assert r["status"] == "ok" and r["failure"] is None
        assert 0 < r["time_ms"]["min"] <= r["time_ms"]["median"] <= r["time_ms"]["max"]
        assert r["gflops"] > 0
    out, err = capfd.readouterr()
    assert out == "" and err == "", "hk.bench printed something with progress=False"


def test_bench_report_matches_hk_bench_schema():
    jsonschema = pytest.importorskip("jsonschema")
    report = hk.bench(**QUICK, report=True)
    jsonschema.validate(report, json.loads(SCHEMA.read_text()))
    assert report["argv"][:2] == ["hk.bench", "run"]


def test_bench_returns_rows_or_a_dataframe():
    rows = hk.bench(**QUICK)
    try:
        import pandas
    except ImportError:
        assert isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
        pytest.skip("pandas is not installed: hk.bench returned a list of dicts (the DataFrame path is untested)")
    assert isinstance(rows, pandas.DataFrame)
    assert set(rows["variant"]) == {"naive", "blocked"}
    assert (rows["time_ms.median"] > 0).all()


def test_broken_variant_fails_without_timing(monkeypatch):
    monkeypatch.setenv("HK_BENCH_BREAK", "matmul:f32/cpu/blocked")
    rows = {r["variant"]: r for r in hk.bench(**QUICK, report=True)["results"]}
    broken = rows["blocked"]
    assert broken["status"] == "failed" and broken["failure"]
    for key in ("time_ms", "end_to_end_ms", "gflops", "gbps", "percent_of_peak", "speedup_vs_naive"):
        assert broken[key] is None, key
    assert rows["naive"]["status"] == "ok" and rows["naive"]["time_ms"]["median"] > 0


@pytest.mark.parametrize("kwargs, message", [
    (dict(op="no_such_op"), "unknown op 'no_such_op'"),
    (dict(op="matmul", threads=0), "--threads takes counts"),
    (dict(op="matmul", variants="no_such_variant", peers=False), "--variant 'no_such_variant'"),
    (dict(op="matmul", backends="gpu"), "unknown backend 'gpu'"),
])
def test_bench_bad_arguments_raise_hk_bench_messages(kwargs, message):
    with pytest.raises(hk.InvalidArgument, match=message) as info:
        hk.bench(**kwargs)
    assert isinstance(info.value, ValueError)


def test_bench_bad_environment_raises(monkeypatch):
    monkeypatch.setenv("HK_BENCH_BREAK", "matmul")
    with pytest.raises(hk.InvalidArgument, match="HK_BENCH_BREAK"):
        hk.bench(**QUICK)


def check_cpu_grid(e, threads):
    chunk, thread = e["chunk"], e["thread"]
    assert chunk.shape == thread.shape == e["output_shape"]
    assert (chunk >= 0).all(), "an element never written, or written by several chunks"
    assert thread.min() >= 0 and thread.max() < threads
    for label, c in enumerate(e["chunks"]):  # each element's thread is the thread of its chunk
        assert (thread[chunk == label] == c["thread"]).all()
    return chunk


def test_explain_cpu_parallel_matmul():
    e = hk.explain("matmul", "parallel", size=(256, 128, 256), threads=2)  # large enough to split
    assert (e["op"], e["backend"], e["variant"]) == ("matmul", "cpu", "parallel")
    assert e["output_shape"] == (256, 256) and e["shape"] == (256, 128, 256)
    check_cpu_grid(e, threads=2)
    assert e["pool_used"] and len(e["chunks"]) >= 2
    assert "result checked against fp64: correct" in e["text"]


def test_explain_cpu_parallel_elementwise():
    n = 1 << 18  # above the parallel grain
    e = hk.explain("relu", "parallel", size=n, threads=2)
    assert e["output_shape"] == (n,) and e["pool_used"]
    chunk = check_cpu_grid(e, threads=2)
    for label, c in enumerate(e["chunks"]):  # a chunk wrote a contiguous run of elements
        where = np.flatnonzero(chunk == label)
        assert where.size == 0 or where[-1] - where[0] + 1 == where.size


def test_explain_sequential_variant_runs_on_the_calling_thread():
    e = hk.explain("matmul", "naive", threads=2)
    assert e["output_shape"] == (8, 8)
    assert (e["thread"] == 0).all() and not e["pool_used"]


def test_explain_cuda_sim_tiled_matmul():
    backend_or_skip("cuda_sim")
    e = hk.explain("matmul", "tiled", backend="cuda_sim", size=16, block_size=8)
    block, thread = e["block"], e["thread"]
    assert block.shape == thread.shape == e["output_shape"] == (16, 16)
    blocks, threads = np.prod(e["grid_dim"]), np.prod(e["block_dim"])
    assert blocks == 4 and threads == 64
    assert block.min() >= 0 and block.max() < blocks and thread.min() >= 0 and thread.max() < threads
    # An 8x8 tile of C per block, one element per thread: every (block, thread) pair once.
    for i in range(0, 16, 8):
        for j in range(0, 16, 8):
            assert len(np.unique(block[i:i + 8, j:j + 8])) == 1
    assert len(set(zip(block.ravel(), thread.ravel()))) == 256
    assert e["shared"] and all(s["writer"].size > 0 for s in e["shared"])


@pytest.mark.parametrize("args, kwargs, message", [
    (("dot", "parallel"), {}, "a reduction has one output value"),
    (("matmul", "no_such_variant"), {}, "no variant 'no_such_variant'"),
    (("matmul", "parallel"), dict(backend="peer"), "explain runs on cpu or cuda_sim, not 'peer'"),
    (("matmul", "parallel"), dict(size="8x8"), "8x8"),
])
def test_explain_bad_arguments_raise_hk_bench_messages(args, kwargs, message):
    with pytest.raises(hk.InvalidArgument, match=message):
        hk.explain(*args, **kwargs)


def test_profile_counts_the_gpu_ladder_without_a_gpu():
    backend_or_skip("cuda_sim")
    # naive at 64^3, by hand: 128 warps of 16x2 threads, 64 A loads (two rows: 2 sectors) and
    # 64 B loads (16 consecutive floats: 2 sectors) each.
    p = hk.profile("matmul", variant="naive", size=64)
    assert p["shape"] == (64, 64, 64) and p["work_flops"] == 2 * 64 ** 3
    (naive,) = p["variants"]
    assert naive["variant"] == "naive" and naive["correct"]
    assert naive["counters"]["global_ld_requests"] == 16384
    assert naive["counters"]["global_ld_sectors"] == 32768
    lines = naive["launches"][0]["lines"]
    assert any(line["file"] == "cuda/kernels/matmul_f32_naive.cuh" for line in lines)
    ladder = hk.profile("matmul", variant=["tiled", "register_tiled"], size=128)
    assert [v["variant"] for v in ladder["variants"]] == ["tiled", "register_tiled"]
    assert all(v["counters"]["shared_ld_bank_conflicts"] == 0 for v in ladder["variants"])
    with pytest.raises(hk.InvalidArgument, match="no cuda_sim variant 'nosuch'"):
        hk.profile("matmul", variant="nosuch")
