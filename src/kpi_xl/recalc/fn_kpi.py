"""``KPI_*`` functions: dispatch to the catalog through the Excel edge
(:class:`kpi_xl.excel.adapter.ExcelFunction`), so a recalculated cell gets exactly what the
add-in computes in Excel: the same argument reading (ranges flattened, optional arguments
defaulted, errors in inputs propagated), the same result conversion (``None`` is ``#N/A``,
each :class:`~kpi_xl.core.errors.KpiError` its ``.excel`` error value). A tuple result shows
its first value (a single cell holds a single value).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np

from kpi_xl.recalc.functions import Fn
from kpi_xl.recalc.model import ERROR_CODES, ExcelError
from kpi_xl.recalc.runtime import Areas, Ref
from kpi_xl.recalc.values import MISSING, VALUE, error, norm

__all__ = ["kpi_function"]

_MAX_PASS = 2_000_000


def _plain(v: Any) -> Any:
    """A cell value as the add-in receives it: errors as their text."""
    if v.__class__ is ExcelError:
        return str(v)
    return v


def _grid(x: Any) -> Any:
    """An argument as the 2-D list xlwings would pass (None: omitted)."""
    if x is MISSING:
        return None
    c = x.__class__
    if c is Areas:
        if len(x) != 1:
            return "#VALUE!"
        x, c = x[0], Ref
    if c is Ref:
        blk = x.block()
        obj = blk.obj
        h, w = obj.shape
        # keep a multi-cell range multi-cell even where it runs past the used range
        th = min(blk.nrows, max(h, 2 if blk.nrows > 1 else 1))
        tw = min(blk.ncols, max(w, 2 if blk.ncols > 1 else 1))
        if (th, tw) != (h, w):
            if th * tw > _MAX_PASS:
                return "#VALUE!"
            out = np.full((th, tw), None, dtype=object)
            out[:h, :w] = obj
            obj = out
        if obj.shape[1] == 1 and obj.shape[0] > 1:
            # one column: handed over as one row (the add-in flattens data ranges row by row,
            # and a 1 x n row is still a multi-cell range), which is much cheaper
            obj = obj.T
        if blk.first_error() is None:
            return obj.tolist()
        return [[_plain(v) for v in row] for row in obj.tolist()]
    if c is np.ndarray:
        return [[_plain(v) for v in row] for row in x.tolist()]
    return [[_plain(x)]]


def _result(r: Any) -> Any:
    if isinstance(r, list):
        if not r:
            return VALUE
        first = r[0][0] if isinstance(r[0], list) else r[0]
        return _result(first)
    if r.__class__ is str and r in ERROR_CODES:
        return error(r)
    if r is None:
        return error("#N/A")
    if isinstance(r, (_dt.datetime, _dt.date, _dt.time)):
        return norm(r)
    if isinstance(r, (bool, float, str)):
        return r
    return norm(r)


def kpi_function(definition: Any) -> Fn:
    """The :class:`Fn` of one catalog entry."""
    from kpi_xl.excel.adapter import ExcelFunction

    ef = ExcelFunction(definition)
    nparams = len(definition.params)
    required = sum(1 for p in definition.params if not p.optional)

    def impl(*args: Any) -> Any:
        grids = []
        for a in args:
            g = _grid(a)
            if g.__class__ is str:
                return error(g)
            grids.append(g)
        while grids and grids[-1] is None:
            grids.pop()
        return _result(ef(*grids))

    return Fn(definition.excel_name, impl, "R" * max(nparams, 1), min_args=required,
              max_args=nparams)
