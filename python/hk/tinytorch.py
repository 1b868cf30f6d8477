"""The TinyTorch "kernels" module's functions, backed by hk, with the same names and
signatures, so a course notebook can swap ``from kernels import *`` for
``from hk.tinytorch import *``.

Each function accepts a NumPy array, a nested list, or any object with a ``.data`` ndarray
(such as the course's own ``Tensor``). Unlike hk's core ops, these convert their input the
way the course did: ``np.asarray(x, dtype=np.float32)`` (a copy only when the input is not
already a C-contiguous float32 array). They return the input's type when that type can be
built from an ndarray (``type(x)(result)``), else an ndarray. Each also takes ``backend=``
("cpu", "cuda", "cuda_sim", "auto").

Where hk deliberately differs from the course's NumPy code:

* int8 quantization saturates at ±127 and rounds half to even; the course's
  ``astype(np.int8)`` wrapped (200 became −56).
* ``parallel_relu`` uses hk's thread pool, which never loses to the sequential variant by
  more than noise; the course's process-based version was slower at every size.
* ``time_kernel`` reports the median of several runs after a warm-up call, not one run.
* ``matmul_baseline`` runs hk's ``naive`` variant (the teaching baseline), not ``np.dot``.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import numpy as np

from . import _hk

__all__ = [
    "matmul_baseline", "vectorized_relu", "vectorized_operations", "cache_friendly_matmul",
    "parallel_relu", "parallel_batch_processing", "time_kernel", "quantized_matmul",
    "quantized_relu",
]


def _array(x: Any) -> np.ndarray:
    data = x.data if hasattr(x, "data") and not isinstance(x, (np.ndarray, memoryview)) else x
    return np.ascontiguousarray(np.asarray(data, dtype=np.float32))


def _like(x: Any, result: np.ndarray) -> Any:
    if isinstance(x, np.ndarray) or isinstance(x, (list, tuple)) or not hasattr(x, "data"):
        return result
    try:
        return type(x)(result)
    except Exception:  # a type that cannot be built from an ndarray
        return result


def _on_cpu(backend: str | None) -> bool:
    return _hk.resolve_backend(backend or _hk.default_backend()) == "cpu"


def matmul_baseline(A: Any, B: Any, *, backend: str | None = None) -> Any:
    """A @ B with hk's ``naive`` matmul (the teaching baseline)."""
    return _like(A, _hk.matmul(_array(A), _array(B), backend=backend, variant="naive"))


def vectorized_relu(x: Any, *, backend: str | None = None) -> Any:
    """max(x, 0) with hk's ``simd`` ReLU on the CPU (the best variant on other backends)."""
    variant = "simd" if _on_cpu(backend) else None
    return _like(x, _hk.relu(_array(x), backend=backend, variant=variant))


def vectorized_operations(x: Any, y: Any, *, backend: str | None = None) -> dict:
    """The course's elementwise and reduction ops on two same-shaped inputs, as a dict."""
    a, b = _array(x), _array(y)
    return {
        "element_wise_multiply": _like(x, _hk.mul(a, b, backend=backend)),
        "element_wise_add": _like(x, _hk.add(a, b, backend=backend)),
        "squared_difference": _like(x, _hk.squared_difference(a, b, backend=backend)),
        "euclidean_distance": _hk.euclidean_distance(a, b, backend=backend),
        "dot_product": _hk.dot(a.ravel(), b.ravel(), backend=backend),
    }


def cache_friendly_matmul(A: Any, B: Any, block_size: int = 32, *, backend: str | None = None) -> Any:
    """A @ B with hk's cache-``blocked`` matmul, blocks of ``block_size``; on a GPU backend
    its analogue, the shared-memory ``tiled`` matmul (at its own tile size)."""
    if _on_cpu(backend):
        return _like(A, _hk.matmul(_array(A), _array(B), backend=backend, variant="blocked",
                                   block_size=block_size))
    return _like(A, _hk.matmul(_array(A), _array(B), backend=backend, variant="tiled"))


def parallel_relu(x: Any, num_workers: int = 4, *, backend: str | None = None) -> Any:
    """max(x, 0) with hk's ``parallel`` ReLU over ``num_workers`` pool threads (on a GPU
    backend, its best ReLU: every GPU variant is parallel)."""
    if _on_cpu(backend):
        return _like(x, _hk.relu(_array(x), backend=backend, variant="parallel", threads=num_workers))
    return _like(x, _hk.relu(_array(x), backend=backend))


def parallel_batch_processing(batch_data: list, operation: Callable[[Any], Any],
                              num_workers: int = 4, *, backend: str | None = None) -> list:
    """``[operation(item) for item in batch_data]`` on ``num_workers`` Python threads,
    results in input order. hk releases the GIL inside its kernels, so operations built
    from hk ops run in parallel. ``backend`` becomes the process default for the call."""
    if backend is not None:
        previous = _hk.default_backend()
        _hk.set_default_backend(backend)
    try:
        with ThreadPoolExecutor(max_workers=max(1, num_workers)) as pool:
            return list(pool.map(operation, batch_data))
    finally:
        if backend is not None:
            _hk.set_default_backend(previous)


def time_kernel(func: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """``(func(*args, **kwargs), microseconds)``: the result of one call, and the median of
    5 timed calls after that call (the warm-up)."""
    result = func(*args, **kwargs)
    median_us, _, _, _ = _hk.time_kernel(lambda: func(*args, **kwargs), 0, 5)
    return result, median_us


def quantized_matmul(A: Any, B: Any, scale_A: float = 1.0, scale_B: float = 1.0, *,
                     backend: str | None = None) -> Any:
    """quantize(A, scale_A) @ quantize(B, scale_B) in int8 → int32, dequantized by
    scale_A·scale_B (saturating at ±127, unlike the course's astype(int8))."""
    return _like(A, _hk.quantized_matmul(_array(A), _array(B), float(scale_A), float(scale_B),
                                         backend=backend))


def quantized_relu(x: Any, scale: float = 1.0, *, backend: str | None = None) -> Any:
    """dequantize(relu(quantize(x, scale)), scale) (saturating int8)."""
    return _like(x, _hk.quantized_relu(_array(x), float(scale), backend=backend))
