"""hk.tinytorch: the course's functions, names and signatures, on arrays, lists and
objects with a .data ndarray."""
import os

import numpy as np
import pytest

import hk
from hk import tinytorch as tt
from conftest import rand


class CourseTensor:
    """Like the course's Tensor: an ndarray in .data, built from an ndarray."""

    def __init__(self, data):
        self.data = np.asarray(data)


def test_installed_package_is_tested():
    source = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "hk"))
    assert not os.path.abspath(hk.__file__).startswith(source + os.sep), hk.__file__


@pytest.mark.parametrize("backend", ["cpu", "cuda_sim"])
def test_matmuls(backend):
    a, b = rand((20, 12), 1), rand((12, 9), 2)
    for fn in (tt.matmul_baseline, tt.cache_friendly_matmul):
        np.testing.assert_allclose(fn(a, b, backend=backend), a @ b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(tt.cache_friendly_matmul(a, b, block_size=4), a @ b, rtol=1e-5, atol=1e-5)


def test_input_types():
    a = [[1, 2], [3, 4]]
    r = tt.matmul_baseline(a, a)
    assert isinstance(r, np.ndarray) and r.tolist() == [[7, 10], [15, 22]]
    t = tt.matmul_baseline(CourseTensor(a), CourseTensor(a))
    assert isinstance(t, CourseTensor) and t.data.tolist() == [[7, 10], [15, 22]]
    x = CourseTensor(np.array([-1.0, 2.0]))
    for fn in (tt.vectorized_relu, tt.parallel_relu, tt.quantized_relu):
        y = fn(x)
        assert isinstance(y, CourseTensor) and y.data.tolist() == [0.0, 2.0]


def test_relus():
    x = rand((10000,), 3)
    np.testing.assert_array_equal(tt.vectorized_relu(x), np.maximum(x, 0))
    np.testing.assert_array_equal(tt.parallel_relu(x, num_workers=2), np.maximum(x, 0))
    np.testing.assert_array_equal(tt.vectorized_relu(x, backend="cuda_sim"), np.maximum(x, 0))


def test_vectorized_operations():
    x, y = rand((300,), 4), rand((300,), 5)
    r = tt.vectorized_operations(x, y)
    assert set(r) == {"element_wise_multiply", "element_wise_add", "squared_difference",
                      "euclidean_distance", "dot_product"}
    np.testing.assert_array_equal(r["element_wise_multiply"], x * y)
    np.testing.assert_array_equal(r["element_wise_add"], x + y)
    np.testing.assert_array_equal(r["squared_difference"], (x - y) * (x - y))
    assert r["euclidean_distance"] == pytest.approx(np.linalg.norm(x.astype(np.float64) - y), rel=1e-5)
    assert r["dot_product"] == pytest.approx(np.dot(x.astype(np.float64), y), rel=1e-4, abs=1e-4)


def test_parallel_batch_processing_keeps_order():
    batch = [rand((500,), i) - i for i in range(12)]
    results = tt.parallel_batch_processing(batch, hk.relu, num_workers=3)
    for x, y in zip(batch, results):
        np.testing.assert_array_equal(y, np.maximum(x, 0))
    assert tt.parallel_batch_processing(list(range(10)), lambda v: v * v, num_workers=4) == [v * v for v in range(10)]


def test_time_kernel():
    x = rand((1000,), 6)
    result, us = tt.time_kernel(tt.vectorized_relu, x)
    np.testing.assert_array_equal(result, np.maximum(x, 0))
    assert us > 0


def test_quantized_matmul_and_relu_saturate():
    a = np.array([[200.0, 1.0]], np.float32)  # astype(int8) would make 200 into -56
    b = np.array([[1.0], [1.0]], np.float32)
    assert tt.quantized_matmul(a, b).tolist() == [[128.0]]  # 127 + 1
    assert tt.quantized_relu(np.array([200.0, -3.0], np.float32)).tolist() == [127.0, 0.0]
    x, y = rand((16, 32), 7), rand((32, 8), 8)
    sa, sb = hk.symmetric_scale(x), hk.symmetric_scale(y)
    exact = x @ y
    np.testing.assert_allclose(tt.quantized_matmul(x, y, scale_A=sa, scale_B=sb), exact, atol=0.05 * np.abs(exact).max())
