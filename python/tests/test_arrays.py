"""Zero copy, out=, bad input, errors, hk.Tensor and DLPack, Python threads."""
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import hk
from conftest import rand


def test_error_hierarchy():
    assert issubclass(hk.InvalidArgument, hk.Error) and issubclass(hk.InvalidArgument, ValueError)
    assert issubclass(hk.BackendUnavailable, hk.Error) and issubclass(hk.BackendUnavailable, RuntimeError)
    assert issubclass(hk.OutOfMemory, hk.Error) and issubclass(hk.OutOfMemory, MemoryError)
    assert issubclass(hk.CudaError, hk.Error)
    assert hk.Error.__module__ == "hk"


def test_non_contiguous_is_an_error_naming_the_fix():
    a = rand((8, 6), 1)
    with pytest.raises(hk.InvalidArgument, match=r"np\.ascontiguousarray"):
        hk.relu(a.T)
    with pytest.raises(hk.InvalidArgument, match=r"np\.ascontiguousarray"):
        hk.add(a[:, ::2], a[:, ::2])
    np.testing.assert_array_equal(hk.relu(np.ascontiguousarray(a.T)), np.maximum(a.T, 0))


@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.int64, np.uint8, np.bool_])
def test_wrong_dtype_is_an_error_naming_the_fix(dtype):
    with pytest.raises(hk.InvalidArgument, match=r"astype\(np\.float32\)"):
        hk.relu(np.ones(4, dtype))


def test_wrong_shapes_and_mixed_dtypes():
    with pytest.raises(hk.InvalidArgument, match="shapes"):
        hk.matmul(rand((3, 4), 1), rand((5, 6), 2))
    with pytest.raises(ValueError):
        hk.add(rand((3,), 1), rand((4,), 2))
    with pytest.raises(hk.InvalidArgument):
        hk.matmul(rand((3, 4), 1), rand((4, 2), 2, np.int8))
    with pytest.raises(hk.InvalidArgument):
        hk.relu(np.ones((1, 1, 1, 1, 2), np.float32))  # rank 5
    with pytest.raises(hk.InvalidArgument, match="NumPy array"):
        hk.relu([1.0, 2.0])
    with pytest.raises(hk.InvalidArgument):
        hk.quantize(rand((4,), 1), 0.0)


def test_bad_options():
    x = rand((4,), 1)
    with pytest.raises(hk.InvalidArgument):
        hk.relu(x, backend="tpu")
    with pytest.raises(hk.InvalidArgument):
        hk.relu(x, variant="fast")
    with pytest.raises(hk.InvalidArgument):
        hk.relu(x, threads=-1)


def test_cuda_unavailable_says_why():
    info = {b["name"]: b for b in hk.backends()}["cuda"]
    if info["available"]:
        pytest.skip("a CUDA device is usable here")
    with pytest.raises(hk.BackendUnavailable) as e:
        hk.relu(rand((4,), 1), backend="cuda")
    assert isinstance(e.value, RuntimeError) and str(e.value)


def test_out_writes_in_place_without_allocating():
    a, b = rand((20, 30), 1), rand((30, 10), 2)
    out = np.full((20, 10), np.nan, np.float32)
    r = hk.matmul(a, b, out=out)
    assert r is out and np.all(np.isfinite(out))
    x, y = rand((50,), 3), rand((50,), 4)
    for op in (hk.add, hk.mul, hk.squared_difference):
        o = np.empty(50, np.float32)
        assert op(x, y, out=o) is o
    o = np.empty(50, np.float32)
    assert hk.relu(x, out=o) is o
    np.testing.assert_array_equal(o, np.maximum(x, 0))
    q = np.empty(50, np.int8)
    assert hk.quantize(x, 0.1, out=q) is q
    d = np.empty(50, np.float32)
    assert hk.dequantize(q, 0.1, out=d) is d
    qr = np.empty(50, np.float32)
    assert hk.quantized_relu(x, 0.1, out=qr) is qr
    np.testing.assert_array_equal(qr, hk.quantized_relu(x, 0.1))
    qm = np.empty((20, 10), np.float32)
    assert hk.quantized_matmul(a, b, 0.05, 0.05, out=qm) is qm


def test_out_checks():
    x = rand((8,), 1)
    with pytest.raises(hk.InvalidArgument):
        hk.relu(x, out=np.empty(9, np.float32))
    with pytest.raises(hk.InvalidArgument):
        hk.relu(x, out=np.empty(8, np.float64))
    ro = np.empty(8, np.float32)
    ro.flags.writeable = False
    with pytest.raises(hk.InvalidArgument, match="read-only"):
        hk.relu(x, out=ro)
    with pytest.raises(hk.InvalidArgument, match="C-contiguous"):
        hk.relu(x, out=np.empty(16, np.float32)[::2])


def test_in_place_relu_on_its_own_input():
    x = rand((64,), 2)
    expected = np.maximum(x, 0)
    try:
        hk.relu(x, out=x)
    except hk.InvalidArgument:  # hk may refuse an out that overlaps the input: then it says so
        return
    np.testing.assert_array_equal(x, expected)


def test_results_are_views_of_hk_memory():
    x = rand((1000,), 3)
    y = hk.relu(x)
    assert isinstance(y, np.ndarray) and y.flags.c_contiguous and y.flags.writeable
    assert not np.shares_memory(x, y)
    view = y[10:20]
    assert np.shares_memory(view, y)
    del y
    np.testing.assert_array_equal(view, np.maximum(x[10:20], 0))  # the capsule keeps it alive


def test_inputs_are_not_copied():
    x = rand((256,), 4)
    t = hk.from_dlpack(x)
    assert np.shares_memory(t.numpy(), x)
    x[0] = 42.0
    assert t.numpy()[0] == 42.0  # a view, not a snapshot
    ro = x.copy()
    ro.flags.writeable = False
    np.testing.assert_array_equal(hk.relu(ro), np.maximum(ro, 0))  # read-only inputs are fine


def test_tensor_properties_and_dlpack_roundtrip():
    x = rand((3, 5), 5)
    t = hk.from_dlpack(x)
    assert t.shape == (3, 5) and t.dtype == np.float32 and t.device == "cpu"
    assert t.__dlpack_device__() == (1, 0)
    back = np.from_dlpack(t)
    assert np.shares_memory(back, x)
    del t
    np.testing.assert_array_equal(back, x)  # the hk.Tensor kept the array alive for back
    owned = hk.tensor(x)  # a copy hk owns
    y = np.from_dlpack(owned)
    assert not np.shares_memory(y, x)
    del owned
    np.testing.assert_array_equal(y, x)
    for dtype in (np.int8, np.int32):
        z = rand((7,), 6).astype(dtype)
        np.testing.assert_array_equal(np.from_dlpack(hk.from_dlpack(z)), z)


def test_ops_on_hk_tensors_return_hk_tensors():
    a, b = rand((6, 4), 1), rand((4, 3), 2)
    c = hk.matmul(hk.from_dlpack(a), hk.from_dlpack(b))
    assert isinstance(c, hk.Tensor) and c.shape == (6, 3)
    np.testing.assert_allclose(c.numpy(), a @ b, rtol=1e-5, atol=1e-6)


def test_tensor_to_cuda():
    info = {b["name"]: b for b in hk.backends()}["cuda"]
    x = rand((100,), 3)
    if not info["available"]:
        with pytest.raises(hk.Error):
            hk.tensor(x).to("cuda:0")
        pytest.skip(f"cuda unavailable: {info['reason']}")
    d = hk.tensor(x).to("cuda:0")
    assert d.device == "cuda:0" and d.__dlpack_device__() == (2, 0)
    r = hk.relu(d, backend="cuda")
    assert isinstance(r, hk.Tensor) and r.device == "cuda:0"
    np.testing.assert_array_equal(r.numpy(), np.maximum(x, 0))
    np.testing.assert_array_equal(r.to("cpu").numpy(), np.maximum(x, 0))


def test_dlpack_with_torch():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (CI leaves it out: it pulls the CUDA stack)")
    x = torch.randn(4, 5)
    t = hk.from_dlpack(x)
    assert t.shape == (4, 5)
    y = hk.relu(t)
    back = torch.from_dlpack(y)
    assert torch.equal(back, torch.relu(x))
    z = torch.from_dlpack(hk.from_dlpack(x))
    assert z.data_ptr() == x.data_ptr()


def test_threads_match_serial_results():
    inputs = [(rand((64, 48), 100 + i), rand((48, 40), 200 + i)) for i in range(16)]
    serial = [hk.matmul(a, b, threads=1) for a, b in inputs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda ab: hk.matmul(*ab, threads=1), inputs))
        relus = list(pool.map(lambda ab: hk.relu(ab[0], variant="parallel"), inputs))
    for s, p in zip(serial, parallel):
        np.testing.assert_array_equal(s, p)
    for (a, _), r in zip(inputs, relus):
        np.testing.assert_array_equal(r, np.maximum(a, 0))


def test_gil_is_released_while_a_kernel_runs():
    a, b = rand((256, 256), 1), rand((256, 256), 2)
    done = threading.Event()
    ticks = 0

    def work():
        for _ in range(20):
            hk.matmul(a, b, backend="cpu", variant="naive", threads=1)
        done.set()

    worker = threading.Thread(target=work)
    worker.start()
    while not done.is_set():
        ticks += 1  # runs only while the worker's kernels don't hold the GIL
    worker.join()
    assert ticks > 1000
