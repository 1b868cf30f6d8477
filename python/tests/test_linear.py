"""hk.linear, hk.matmul_nt and hk.quantize_weights against NumPy in float64 (the course's
Dense layer: relu(x @ W + b), W stored (in, out); PyTorch's nn.Linear stores (out, in))."""
import numpy as np
import pytest

import hk

U = 2.0 ** -24  # float32's unit roundoff


def rand(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def within_bound(got, x, w_in_out, bias):
    """Each element within 2(K+1)u·Σ|terms| of the float64 value (the bias is a term)."""
    x64, w64 = x.astype(np.float64), w_in_out.astype(np.float64)
    want = x64 @ w64 + (bias.astype(np.float64) if bias is not None else 0.0)
    mag = np.abs(x64) @ np.abs(w64) + (np.abs(bias.astype(np.float64)) if bias is not None else 0.0)
    k = x.shape[1]
    return want, 2 * (k + 1) * U * mag


@pytest.mark.parametrize("layout", ["in_out", "out_in"])
@pytest.mark.parametrize("m,k,n", [(1, 784, 128), (32, 784, 128), (7, 13, 5), (3, 0, 4)])
def test_f32_linear_matches_float64(layout, m, k, n):
    x, w, b = rand((m, k), 1), rand((k, n), 2), rand((n,), 3)
    w_stored = w if layout == "in_out" else np.ascontiguousarray(w.T)
    got = hk.linear(x, w_stored, b, layout=layout, relu=True)
    assert got.dtype == np.float32 and got.shape == (m, n)
    want, bound = within_bound(got, x, w, b)
    want = np.maximum(want, 0)
    assert np.all(np.abs(got - want) <= bound)


def test_without_bias_and_relu_it_is_matmul():
    x, w = rand((33, 65), 4), rand((65, 17), 5)
    np.testing.assert_array_equal(hk.linear(x, w), hk.matmul(x, w))
    np.testing.assert_array_equal(hk.matmul_nt(x, np.ascontiguousarray(w.T)), hk.linear(x, np.ascontiguousarray(w.T), layout="out_in"))


def test_an_empty_bias_array_is_a_bias_not_none():
    # None means no bias; an empty array is a bias of zero columns, wrong for a layer with three.
    x, w = rand((4, 8), 6), rand((8, 3), 7)
    out = np.full((4, 3), 7.0, dtype=np.float32)
    with pytest.raises(hk.InvalidArgument, match=r"bias is f32\[0\]"):
        hk.linear(x, w, np.empty(0, dtype=np.float32), out=out)
    assert np.all(out == 7.0), "a rejected call wrote its output"
    assert hk.linear(x, rand((8, 0), 7), np.empty(0, dtype=np.float32)).shape == (4, 0)


def test_out_parameter_is_written_in_place():
    x, w, b = rand((4, 8), 6), rand((8, 3), 7), rand((3,), 8)
    out = np.full((4, 3), np.nan, dtype=np.float32)
    assert hk.linear(x, w, b, out=out) is out
    np.testing.assert_array_equal(out, hk.linear(x, w, b))


def test_int8_layer_is_exact_in_its_own_arithmetic():
    x, w, b = rand((16, 96), 9), rand((96, 24), 10), rand((24,), 11)
    q, scales = hk.quantize_weights(w)
    assert q.dtype == np.int8 and scales.dtype == np.float32 and scales.shape == (24,)
    # per output channel: max|w[:, j]| maps to ±127
    np.testing.assert_allclose(scales, np.abs(w).max(axis=0) / 127, rtol=1e-6)
    s = hk.symmetric_scale(x)
    got = hk.linear(x, q, b, relu=True, weight_scales=scales)
    # the same layer computed here: exact integer sums, then each float32 step
    qx = np.clip(np.rint(x / np.float32(s)), -127, 127).astype(np.int64)
    sums = qx @ q.astype(np.int64)
    v = sums.astype(np.float32) * (np.float32(s) * scales)
    want = np.maximum(v + b, np.float32(0))
    np.testing.assert_array_equal(got, want)
    # and close to the float layer it approximates
    f32 = hk.linear(x, w, b, relu=True)
    assert np.max(np.abs(got - f32)) <= 0.05 * np.max(np.abs(f32))


def test_bad_input_is_a_clear_error():
    x, w = rand((2, 3), 12), rand((3, 4), 13)
    with pytest.raises(hk.InvalidArgument, match="layout"):
        hk.linear(x, w, layout="rows")
    with pytest.raises(hk.InvalidArgument, match="bias"):
        hk.linear(x, w, rand((5,), 14))
    q, scales = hk.quantize_weights(w)
    with pytest.raises(hk.InvalidArgument, match="weight_scales"):
        hk.linear(x, q)
    with pytest.raises(hk.InvalidArgument, match="don't fit"):
        hk.linear(x, rand((4, 4), 15))
