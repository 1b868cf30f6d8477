"""Every op on every backend and variant against NumPy/fp64 oracles."""
import numpy as np
import pytest

import hk
from conftest import rand, variant_params

U = np.finfo(np.float32).eps / 2  # unit roundoff of float32


def check_matmul_f32(a, b, c):
    exact = a.astype(np.float64) @ b.astype(np.float64)
    bound = 2 * a.shape[1] * U * (np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64)) + 1e-30
    assert c.dtype == np.float32 and c.shape == exact.shape
    assert np.all(np.abs(c - exact) <= bound)


@pytest.mark.parametrize("backend,variant", variant_params("matmul", "float32"))
def test_matmul_f32(backend, variant):
    a, b = rand((33, 47), 1), rand((47, 21), 2)
    check_matmul_f32(a, b, hk.matmul(a, b, backend=backend, variant=variant))


@pytest.mark.parametrize("backend,variant", variant_params("matmul", "int8"))
def test_matmul_i8_exact(backend, variant):
    a, b = rand((19, 70), 3, np.int8), rand((70, 13), 4, np.int8)
    c = hk.matmul(a, b, backend=backend, variant=variant)
    assert c.dtype == np.int32
    np.testing.assert_array_equal(c, a.astype(np.int64) @ b.astype(np.int64))


def test_matmul_blocked_block_sizes():
    a, b = rand((70, 65), 5), rand((65, 40), 6)
    for bs in (8, 16, 32, 64):
        check_matmul_f32(a, b, hk.matmul(a, b, backend="cpu", variant="blocked", block_size=bs))


@pytest.mark.parametrize("backend,variant", variant_params("relu", "float32"))
def test_relu_f32(backend, variant):
    x = rand((5, 301), 7)
    x[0, :4] = [np.nan, np.inf, -np.inf, -0.0]
    y = hk.relu(x, backend=backend, variant=variant)
    expected = np.where(np.isnan(x), x, np.where(x > 0, x, 0)).astype(np.float32)
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("backend,variant", variant_params("relu", "int8"))
def test_relu_i8(backend, variant):
    x = rand((1000,), 8, np.int8)
    np.testing.assert_array_equal(hk.relu(x, backend=backend, variant=variant), np.maximum(x, 0))


ELEMENTWISE = {
    "add": lambda x, y: x + y,
    "mul": lambda x, y: x * y,
    "squared_difference": lambda x, y: (x - y) * (x - y),  # float32 arithmetic: both roundings
}


@pytest.mark.parametrize("op", list(ELEMENTWISE))
def test_elementwise_all_variants(op):
    x, y = rand((3, 517), 9), rand((3, 517), 10)
    expected = ELEMENTWISE[op](x, y)
    ran = 0
    for backend, variant in [p.values for p in variant_params(op) if not p.marks]:
        np.testing.assert_array_equal(getattr(hk, op)(x, y, backend=backend, variant=variant), expected,
                                      err_msg=f"{op} {backend}/{variant}")
        ran += 1
    assert ran >= 2


@pytest.mark.parametrize("backend,variant", variant_params("dot"))
def test_dot(backend, variant):
    x, y = rand((4099,), 11), rand((4099,), 12)
    exact = float(np.dot(x.astype(np.float64), y.astype(np.float64)))
    bound = 2 * x.size * U * float(np.abs(x.astype(np.float64)) @ np.abs(y.astype(np.float64)))
    assert abs(hk.dot(x, y, backend=backend, variant=variant) - exact) <= bound


@pytest.mark.parametrize("backend,variant", variant_params("euclidean_distance"))
def test_euclidean_distance(backend, variant):
    x, y = rand((2, 999), 13), rand((2, 999), 14)
    exact = float(np.sqrt(np.sum((x.astype(np.float64) - y.astype(np.float64)) ** 2)))
    assert hk.euclidean_distance(x, y, backend=backend, variant=variant) == pytest.approx(exact, rel=1e-5)


def test_symmetric_scale():
    x = rand((100,), 15)
    assert hk.symmetric_scale(x) == pytest.approx(float(np.max(np.abs(x))) / 127, rel=1e-6)
    assert hk.symmetric_scale(np.zeros(8, np.float32)) == 1.0
    with pytest.raises(hk.InvalidArgument):
        hk.symmetric_scale(np.array([1, np.nan], np.float32))


def quantize_oracle(x, scale):
    q = np.rint(x / np.float32(scale))  # float32 quotient, half to even
    return np.nan_to_num(np.clip(q, -127, 127), nan=0).astype(np.int8)


@pytest.mark.parametrize("backend,variant", variant_params("quantize"))
def test_quantize_saturates_and_rounds_half_to_even(backend, variant):
    x = np.concatenate([np.array([200, -200, 0.5, 1.5, 2.5, -0.5, -2.5, 127.5, np.nan], np.float32),
                        rand((300,), 16) * 50])
    q = hk.quantize(x, 1.0, backend=backend, variant=variant)
    assert q.dtype == np.int8 and q[0] == 127 and q[1] == -127  # astype(int8) would give -56
    np.testing.assert_array_equal(q, quantize_oracle(x, 1.0))


@pytest.mark.parametrize("backend,variant", variant_params("dequantize"))
def test_dequantize(backend, variant):
    for q in (rand((257,), 17, np.int8), np.arange(-1000, 1000, 7, dtype=np.int32)):
        if q.dtype.name not in next(v for v in hk.variants("dequantize")
                                    if v["backend"] == backend and v["variant"] == variant)["dtypes"]:
            continue
        np.testing.assert_array_equal(hk.dequantize(q, 0.25, backend=backend, variant=variant),
                                      q.astype(np.float32) * np.float32(0.25))


@pytest.mark.parametrize("backend", ["cpu", "cuda_sim"])
def test_quantized_matmul(backend):
    a, b = rand((17, 40), 18), rand((40, 9), 19)
    sa, sb = hk.symmetric_scale(a), hk.symmetric_scale(b)
    c = hk.quantized_matmul(a, b, sa, sb, backend=backend)
    qa, qb = quantize_oracle(a, sa).astype(np.int64), quantize_oracle(b, sb).astype(np.int64)
    np.testing.assert_allclose(c, (qa @ qb).astype(np.float64) * (np.float32(sa) * np.float32(sb)), rtol=1e-6)
    # And the quantization error against float matmul is small.
    assert np.max(np.abs(c - a @ b)) < 0.05 * np.max(np.abs(a @ b))


@pytest.mark.parametrize("backend", ["cpu", "cuda_sim"])
def test_quantized_relu(backend):
    x = rand((300,), 20) * 3
    s = 0.05
    expected = np.maximum(quantize_oracle(x, s), 0).astype(np.float32) * np.float32(s)
    np.testing.assert_array_equal(hk.quantized_relu(x, s, backend=backend), expected)


def test_options_threads_and_default_backend():
    x = rand((1 << 16,), 21)
    np.testing.assert_array_equal(hk.relu(x, backend="cpu", variant="parallel", threads=2), np.maximum(x, 0))
    before = hk.default_backend()
    try:
        hk.set_default_backend("cuda_sim")
        assert hk.default_backend() == "cuda_sim"
        np.testing.assert_array_equal(hk.relu(x[:100]), np.maximum(x[:100], 0))
    finally:
        hk.set_default_backend(before)
    n = hk.num_threads()
    hk.set_num_threads(1)
    assert hk.num_threads() == 1
    hk.set_num_threads(n)


def test_introspection():
    names = {b["name"] for b in hk.backends()}
    assert names == {"cpu", "cuda", "cuda_sim"}
    for b in hk.backends():
        assert b["available"] or b["reason"]
    ops = hk.ops()
    for op in ("matmul", "relu", "add", "mul", "squared_difference", "dot", "euclidean_distance",
               "quantize", "dequantize"):
        assert op in ops and hk.variants(op), op
    assert {v["op"] for v in hk.variants("matmul")} == {"matmul"}


def test_time_kernel():
    x = rand((4096,), 22)
    calls = []
    t = hk.time_kernel(lambda v: calls.append(hk.relu(v)), x, repeats=7, warmup=2)
    assert len(calls) == 9 and t.repeats == 7
    assert 0 < t.min_us <= t.median_us <= t.max_us
    with pytest.raises(ZeroDivisionError):  # the function's own error comes through
        hk.time_kernel(lambda: 1 / 0)
