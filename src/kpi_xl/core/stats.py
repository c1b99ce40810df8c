"""Summary statistics with the same semantics as Excel's worksheet functions (numpy only).

Percentiles follow Excel ``PERCENTILE.INC`` (and ``MEDIAN``/``QUARTILE.INC``): the k-th
percentile of n sorted values sits at rank ``h = (n - 1) * k`` and is interpolated linearly
between the values at ``floor(h)`` and ``floor(h) + 1``. That is numpy's default ``linear``
method, so the worksheet and Python agree (spec #53).

>>> round(percentile_inc([0.5, 1, 1.5, 2, 24], 0.9), 12)
15.2
>>> summarize([0.5, 1, 1.5, 2, 24], "mean")
5.8
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from kpi_xl.core.errors import DomainError, EmptyInputError

__all__ = ["STATS", "STAT_QUANTILES", "native_stat", "percentile_inc", "summarize"]

#: Percentile-type statistics and the PERCENTILE.INC ``k`` each one means.
STAT_QUANTILES: dict[str, float] = {
    "median": 0.5, "p50": 0.5, "p75": 0.75, "p90": 0.9, "p95": 0.95, "p99": 0.99,
}
#: Every statistic :func:`summarize` knows; the first is the default (spec §0: median).
STATS: tuple[str, ...] = ("median", "mean", "p50", "p75", "p90", "p95", "p99")


def _values(values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    if arr.size == 0:
        raise EmptyInputError("E-EMPTY: no values to summarize")
    return arr


def percentile_inc(values: Any, k: float) -> float:
    """Excel ``PERCENTILE.INC(values, k)`` of finite values (blanks already removed).

    ``k`` outside [0, 1] is E-DOMAIN (Excel ``#NUM!``); no values is E-EMPTY.

    >>> percentile_inc([1, 2, 3, 4], 0.5)
    2.5
    >>> percentile_inc([7], 0.9)
    7.0
    """
    k = float(k)
    if not 0.0 <= k <= 1.0 or math.isnan(k):
        raise DomainError.bad("k", k, "a percentile must be between 0 and 1")
    arr = _values(values)
    n = arr.size
    h = (n - 1) * k
    lo = min(math.floor(h), n - 1)
    hi = min(lo + 1, n - 1)
    part = np.partition(arr, [lo, hi]) if n > 1 else arr
    a, b = float(part[lo]), float(part[hi])
    t = h - lo
    # numpy's lerp: interpolate from the nearer end, so results match numpy bit for bit
    return b - (b - a) * (1.0 - t) if t >= 0.5 else a + (b - a) * t


def summarize(values: Any, stat: str) -> float:
    """``stat`` (one of :data:`STATS`, already validated) of finite values.

    >>> summarize([0.5, 1, 1.5, 2, 24], "median")
    1.5
    """
    if stat == "mean":
        return float(_values(values).mean())
    return percentile_inc(values, STAT_QUANTILES[stat])


def native_stat(stat: str, ref: str) -> str:
    """The Excel formula computing ``stat`` over the range ``ref``.

    >>> native_stat("p90", "{durations}")
    'PERCENTILE.INC({durations},0.9)'
    """
    if stat == "mean":
        return f"AVERAGE({ref})"
    if stat == "median":
        return f"MEDIAN({ref})"
    return f"PERCENTILE.INC({ref},{STAT_QUANTILES[stat]:g})"
