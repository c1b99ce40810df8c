"""Helpers shared by the function families: blocks of arguments, numbers of aggregates,
criteria masks."""

from __future__ import annotations

from typing import Any

import numpy as np

from kpi_xl.recalc.model import ExcelError
from kpi_xl.recalc.runtime import K_BLANK, K_BOOL, K_ERR, K_NUM, K_TEXT, Areas, Block, Ref
from kpi_xl.recalc.values import (
    _EPS48,
    MISSING,
    VALUE,
    Criterion,
    parse_number,
    to_number,
)

__all__ = ["as_block", "criteria_mask", "numbers_of", "scalar_arg"]


def as_block(x: Any) -> Block | ExcelError:
    """A range or array argument as a :class:`Block` (a scalar becomes a 1x1 block)."""
    c = x.__class__
    if c is Ref:
        return x.block()
    if c is np.ndarray:
        return Block.of_array(x)
    if c is Areas:
        if len(x) == 1:
            return x[0].block()
        return VALUE
    if c is ExcelError:
        return x
    arr = np.empty((1, 1), dtype=object)
    arr[0, 0] = None if x is MISSING else x
    return Block.of_array(arr)


def numbers_of(args: Any, *, skip_missing: bool = False) -> tuple[np.ndarray, ExcelError | None]:
    """The numbers of aggregate arguments (SUM, AVERAGE, MIN ...): from ranges and arrays
    only numbers count; values given directly are coerced (TRUE is 1, "3" is 3, other text
    is #VALUE!). The first error is returned instead of the numbers."""
    parts: list[np.ndarray] = []
    direct: list[float] = []
    for a in args:
        c = a.__class__
        if c is Ref or c is np.ndarray or c is Areas:
            refs = a if c is Areas else (a,)
            for r in refs:
                blk = r.block() if r.__class__ is Ref else Block.of_array(r)
                e = blk.first_error()
                if e is not None:
                    return np.empty(0), e
                parts.append(blk.numbers())
        elif a is MISSING:
            if not skip_missing:
                direct.append(0.0)
        elif a is None:
            continue
        else:
            x = to_number(a)
            if x.__class__ is ExcelError:
                return np.empty(0), x
            direct.append(x)
    if direct:
        parts.append(np.array(direct, dtype=np.float64))
    if not parts:
        return np.empty(0), None
    if len(parts) == 1:
        return parts[0], None
    return np.concatenate(parts), None


def scalar_arg(x: Any) -> Any:
    """A single value from an argument that may be a one-cell range."""
    if x.__class__ is Ref:
        return x.value() if x.is_cell() else VALUE
    if x.__class__ is np.ndarray:
        return x[0, 0] if x.size else VALUE
    return x


# --- criteria -------------------------------------------------------------------------------

def _text_numbers(blk: Block) -> np.ndarray:
    """Numbers that text cells spell (NaN elsewhere), cached on the block."""
    got = blk.cache.get("textnums")
    if got is None:
        k = blk.kinds()
        got = np.full(k.shape, np.nan)
        m = k == K_TEXT
        if m.any():
            vals = [parse_number(s) for s in blk.obj[m]]
            got[m] = [np.nan if v is None else v for v in vals]
        blk.cache["textnums"] = got
    return got


def _approx_eq(x: np.ndarray, v: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        d = np.abs(x - v)
        return (x == v) | ((d < np.abs(x) * _EPS48) & (d < abs(v) * _EPS48))


def _num_cmp(x: np.ndarray, op: str, v: float) -> np.ndarray:
    eq = _approx_eq(x, v)
    with np.errstate(invalid="ignore"):
        if op == "=":
            return eq
        if op == "<>":
            return ~eq
        if op == "<":
            return (x < v) & ~eq
        if op == ">":
            return (x > v) & ~eq
        if op == "<=":
            return (x < v) | eq
        return (x > v) | eq


def _mask(blk: Block, crit: Criterion) -> np.ndarray:
    k = blk.kinds()
    kind, op, v = crit.kind, crit.op, crit.value
    if kind == "blank_or_empty":
        return (k == K_BLANK) | ((k == K_TEXT) & (blk.obj == ""))
    if kind == "blank":
        return k == K_BLANK
    if kind == "nonblank":
        return k != K_BLANK
    if kind == "num":
        if op in ("=", "<>"):
            hit = (k == K_NUM) & _num_cmp(blk.nums(), "=", v)
            if (k == K_TEXT).any():
                hit |= (k == K_TEXT) & _approx_eq(_text_numbers(blk), v)
            return hit if op == "=" else ~hit
        return (k == K_NUM) & _num_cmp(blk.nums(), op, v)
    if kind == "bool":
        m = k == K_BOOL
        if op in ("=", "<>"):
            hit = m & (blk.obj == v)
            return hit if op == "=" else ~hit
        out = np.zeros(k.shape, dtype=bool)
        for idx in zip(*np.nonzero(m), strict=False):
            out[idx] = crit.match(blk.obj[idx])
        return out
    if kind == "err":
        hit = (k == K_ERR) & (blk.obj == v)
        if op == "=":
            return hit
        if op == "<>":
            return ~hit
        return np.zeros(k.shape, dtype=bool)
    # text
    m = k == K_TEXT
    if crit.regex is None and op in ("=", "<>"):
        hit = m & (blk.folded() == v.casefold())
        return hit if op == "=" else ~hit
    out = np.zeros(k.shape, dtype=bool)
    if crit.regex is not None:
        rx = crit.regex
        idx = np.nonzero(m)
        out[idx] = [rx.fullmatch(s) is not None for s in blk.obj[idx]]
        return out if op == "=" else ~out
    idx = np.nonzero(m)
    out[idx] = [crit.match(s) for s in blk.obj[idx]]
    return out


def criteria_mask(blk: Block, crit: Criterion, shape: tuple[int, int]) -> np.ndarray:
    """Which cells of ``blk`` match ``crit``, as a boolean array of ``shape`` (which may
    exceed the block's clipped values: the extra cells are blank)."""
    key = ("crit", crit.kind, crit.op, crit.value if crit.regex is None else crit.regex.pattern)
    m = blk.cache.get(key)
    if m is None:
        m = _mask(blk, crit)
        if len(blk.cache) > 64:
            blk.cache.clear()
        blk.cache[key] = m
    if m.shape == shape:
        return m
    out = np.full(shape, crit.match(None), dtype=bool)
    h, w = min(m.shape[0], shape[0]), min(m.shape[1], shape[1])
    out[:h, :w] = m[:h, :w]
    return out
