"""Every worked example in the catalog (the spec's §3 and §9.7 vectors) — values and errors —
re-run over lists, numpy arrays and pandas Series (empyrical style)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import assert_close
from kpi_xl import catalog
from kpi_xl.core.errors import NoResultError, error_for_code

CASES = [(d, i, e) for d in catalog.all_entries() for i, e in enumerate(d.examples)]


def _case_id(case):
    d, i, _e = case
    return f"{d.id}-{i}"


def _run(d, ex, args):
    if ex.error:
        cls = error_for_code(ex.error)
        with pytest.raises(cls) as info:
            d.evaluate(*args, strict=True, **ex.kwargs)
        assert info.value.code == ex.error
        if issubclass(cls, NoResultError):
            assert d.function(*args, **ex.kwargs) is None
        else:
            with pytest.raises(cls):
                d.function(*args, **ex.kwargs)
    else:
        assert_close(d.function(*args, **ex.kwargs), ex.expected)


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_worked_example(case):
    d, _, ex = case
    _run(d, ex, ex.args)


def _as(kind, value):
    if not isinstance(value, list):
        return value
    if kind == "numpy":
        if all(isinstance(v, (int, float)) or v is None for v in value):
            return np.array([np.nan if v is None else v for v in value], dtype=float)
        return np.array(value, dtype=object)
    return pd.Series(value, dtype=object if any(isinstance(v, str) for v in value) else None)


RANGE_CASES = [c for c in CASES if any(isinstance(a, list) for a in c[2].args)]


@pytest.mark.parametrize("container", ["numpy", "pandas"])
@pytest.mark.parametrize("case", RANGE_CASES, ids=[_case_id(c) for c in RANGE_CASES])
def test_worked_example_other_containers(case, container):
    d, _, ex = case
    _run(d, ex, tuple(_as(container, a) for a in ex.args))
