"""Shared fixtures: the backends and variants hk reports here, and NumPy/fp64 oracles."""
import numpy as np
import pytest

import hk

BACKENDS = {b["name"]: b for b in hk.backends()}


def backend_or_skip(name):
    info = BACKENDS[name]
    if not info["available"]:
        pytest.skip(f"backend {name} unavailable: {info['reason']}")
    return name


def variant_params(op, dtype=None):
    """One pytest param per registered variant of op (optionally taking dtype), marked skip
    with hk's own reason when this build or machine cannot run it."""
    params = []
    for v in hk.variants(op):
        if dtype is not None and dtype not in v["dtypes"]:
            continue
        info = BACKENDS[v["backend"]]
        marks = []
        if not info["available"]:
            marks.append(pytest.mark.skip(reason=f"backend {v['backend']} unavailable: {info['reason']}"))
        elif not v["supported"]:
            marks.append(pytest.mark.skip(reason=f"{v['variant']} needs {v['requirement']}"))
        params.append(pytest.param(v["backend"], v["variant"], marks=marks,
                                   id=f"{v['backend']}-{v['variant']}"))
    return params


def rand(shape, seed, dtype=np.float32):
    rng = np.random.default_rng(seed)
    if dtype == np.int8:
        return rng.integers(-128, 128, size=shape, dtype=np.int8)
    return rng.standard_normal(shape).astype(dtype)
