"""hk — heterogeneous kernels for NumPy.

hk's C++ kernels (cpu, cuda, and cuda_sim, the simulator that runs the CUDA kernels on the
CPU) on NumPy arrays, without copies:

    >>> import numpy as np, hk
    >>> a = np.random.rand(256, 128).astype(np.float32)
    >>> b = np.random.rand(128, 64).astype(np.float32)
    >>> c = hk.matmul(a, b, variant="blocked", block_size=32)
    >>> hk.relu(c, out=c)          # in place, no allocation

Rules:

* Inputs are float32, int8 or int32, C-contiguous, on the host (or hk.Tensor). Anything else
  raises hk.InvalidArgument naming the fix (``np.ascontiguousarray(x)``,
  ``x.astype(np.float32)``): hk never copies or casts silently.
* Inputs are viewed in place; results are NumPy arrays that view the memory hk allocated;
  ``out=`` writes into the given array and returns it.
* Every op takes the keyword options ``backend=`` ("cpu", "cuda", "cuda_sim", "auto"),
  ``variant=`` (see hk.variants()), ``threads=`` and ``block_size=``.
* The GIL is released while a kernel runs, so Python threads run hk ops in parallel.
* Errors: hk.Error, and its subclasses hk.InvalidArgument (also ValueError),
  hk.BackendUnavailable (also RuntimeError), hk.OutOfMemory (also MemoryError),
  hk.CudaError (also RuntimeError), each with hk's message.
* hk.bench(op=..., sizes=..., threads=...) runs hk-bench's validated measurement and returns
  its rows (a pandas.DataFrame when pandas is installed); hk.explain(op, variant) returns
  hk-bench explain's grids (which thread, or CUDA block and thread, wrote each element) as
  NumPy arrays; hk.profile(op) returns hk-bench profile's memory counters of the GPU kernels
  (coalescing, bank conflicts, per source line), computed by cuda_sim without a GPU.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

from . import _hk
from ._hk import (  # noqa: F401  (the public names)
    BackendUnavailable,
    CudaError,
    Error,
    InvalidArgument,
    OutOfMemory,
    Tensor,
    add,
    backends,
    default_backend,
    dequantize,
    dot,
    euclidean_distance,
    from_dlpack,
    linear,
    matmul,
    matmul_nt,
    mul,
    num_threads,
    ops,
    quantize,
    quantize_weights,
    quantized_matmul,
    quantized_relu,
    relu,
    resolve_backend,
    set_default_backend,
    set_num_threads,
    squared_difference,
    symmetric_scale,
    synchronize,
)

__version__ = "0.1.0"

for _cls in (Error, InvalidArgument, BackendUnavailable, OutOfMemory, CudaError, Tensor):
    _cls.__module__ = "hk"


def variants(op: str | None = None) -> list[dict]:
    """Every registered variant (of ``op``, or of every op), supported here or not, as dicts
    with the keys op, backend, variant, supported, requirement, summary, dtypes."""
    return _hk.variants(op)


def tensor(x: Any, device: str = "cpu") -> Tensor:
    """A new hk.Tensor holding a copy of array ``x`` on ``device`` ("cpu", "cuda:0")."""
    return _hk.tensor_from_numpy_copy(x, device)


class Timing(NamedTuple):
    """What hk.time_kernel measured, in microseconds."""

    median_us: float
    min_us: float
    max_us: float
    repeats: int


def time_kernel(fn: Callable[..., Any], *args: Any, repeats: int = 10, warmup: int = 3,
                **kwargs: Any) -> Timing:
    """Calls ``fn(*args, **kwargs)`` ``warmup`` times untimed, then ``repeats`` times, each
    timed with a steady clock and followed by hk.synchronize() (GPU work finished); returns
    the median, min and max in microseconds."""
    median, low, high, count = _hk.time_kernel(lambda: fn(*args, **kwargs), warmup, repeats)
    return Timing(median, low, high, count)


from ._bench import bench, explain, profile  # noqa: E402,F401
from . import tinytorch  # noqa: E402,F401  (after the names it uses)
