"""Lookup and reference: MATCH, XMATCH, VLOOKUP, HLOOKUP, XLOOKUP, LOOKUP, INDEX, ROW, COLUMN,
ROWS, COLUMNS."""

from __future__ import annotations

from typing import Any

import numpy as np

from kpi_xl.recalc.argutil import as_block
from kpi_xl.recalc.functions import fn
from kpi_xl.recalc.model import ExcelError
from kpi_xl.recalc.runtime import K_BOOL, K_NUM, K_TEXT, Areas, Block, Ref, Vec
from kpi_xl.recalc.values import (
    MISSING,
    NA,
    REF,
    VALUE,
    compare,
    has_wildcards,
    to_int,
    wildcard_regex,
)


def _key(v: Any) -> Any:
    c = v.__class__
    if c is float or c is int:
        return float(v)
    if c is str:
        return ("s", v.casefold())
    if c is bool:
        return ("b", v)
    return None


def _vector_of(blk: Block, axis: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Values and kinds of a single row/column (clipped)."""
    k = blk.kinds()
    if blk.nrows == 1 and axis != 0:
        return blk.obj[0, :] if k.shape[0] else np.empty(0, object), \
            (k[0, :] if k.shape[0] else np.empty(0, np.int8))
    return blk.obj[:, 0] if k.shape[1] else np.empty(0, object), \
        (k[:, 0] if k.shape[1] else np.empty(0, np.int8))


def _index(blk: Block, vals: np.ndarray, kinds: np.ndarray, tag: str, last: bool) -> dict:
    key = ("lookup_index", tag, last)
    got = blk.cache.get(key)
    if got is None:
        got = {}
        it = range(len(vals) - 1, -1, -1) if not last else range(len(vals))
        for i in it:
            kk = kinds[i]
            if kk == K_NUM or kk == K_TEXT or kk == K_BOOL:
                got[_key(vals[i])] = i
        blk.cache[key] = got
    return got


def _exact(blk: Block, vals: np.ndarray, kinds: np.ndarray, v: Any, tag: str,
           wildcards: bool = True, last: bool = False) -> int:
    """Position of ``v`` (-1 if absent): numbers equal, text case-insensitive (with
    wildcards when allowed), booleans equal."""
    if v.__class__ is str and wildcards and has_wildcards(v):
        rx = wildcard_regex(v)
        idx = np.flatnonzero(kinds == K_TEXT)
        if last:
            idx = idx[::-1]
        for i in idx:
            if rx.fullmatch(vals[i]):
                return int(i)
        return -1
    pos = _index(blk, vals, kinds, tag, last).get(_key(v))
    if pos is not None:
        return pos
    if v.__class__ in (float, int):  # equal up to rounding noise
        nums = np.where(kinds == K_NUM, 0.0, np.nan)
        m = kinds == K_NUM
        if m.any():
            nums[m] = vals[m].astype(np.float64)
            x = float(v)
            with np.errstate(invalid="ignore"):
                d = np.abs(nums - x)
                hit = np.flatnonzero(m & (d < np.abs(nums) * 2.0 ** -48) & (d < abs(x) * 2.0 ** -48))
            if hit.size:
                return int(hit[-1] if last else hit[0])
    return -1


def _same_type(a: Any, kind: int) -> bool:
    c = a.__class__
    if kind == K_NUM:
        return c is float or c is int
    if kind == K_TEXT:
        return c is str
    if kind == K_BOOL:
        return c is bool
    return False


def _approx(vals: np.ndarray, kinds: np.ndarray, v: Any, descending: bool) -> int:
    """Sorted-data search: ascending, the last value <= v; descending, the last value >= v
    (values of another type than ``v`` are skipped)."""
    best = -1
    for i in range(len(vals)):
        kk = int(kinds[i])
        if not _same_type(v, kk):
            continue
        c = compare(vals[i], v)
        if (c <= 0 and not descending) or (c >= 0 and descending):
            best = i
        else:
            break
    return best


def _lookup_value(v: Any) -> Any:
    if v is None or v is MISSING:
        return NA
    return v


@fn("MATCH", "VRN", min_args=2)
def MATCH(v: Any, arr: Any, mtype: float = 1.0) -> Any:
    v = _lookup_value(v)
    if v.__class__ is ExcelError:
        return v
    blk = as_block(arr)
    if blk.__class__ is ExcelError:
        return blk
    if not blk.is_vector():
        return NA
    vals, kinds = _vector_of(blk)
    if mtype == 0:
        pos = _exact(blk, vals, kinds, v, "match")
    else:
        pos = _approx(vals, kinds, v, mtype < 0)
    return NA if pos < 0 else float(pos + 1)


@fn("XMATCH", "VRII", min_args=2)
def XMATCH(v: Any, arr: Any, mode: int = 0, search: int = 1) -> Any:
    v = _lookup_value(v)
    if v.__class__ is ExcelError:
        return v
    blk = as_block(arr)
    if blk.__class__ is ExcelError:
        return blk
    if not blk.is_vector():
        return VALUE
    vals, kinds = _vector_of(blk)
    pos = _x_search(blk, vals, kinds, v, mode, search)
    if pos.__class__ is ExcelError:
        return pos
    return NA if pos < 0 else float(pos + 1)


def _x_search(blk: Block, vals: np.ndarray, kinds: np.ndarray, v: Any, mode: int,
              search: int) -> Any:
    if mode not in (0, -1, 1, 2) or search not in (1, -1, 2, -2):
        return VALUE
    last = search in (-1,)
    pos = _exact(blk, vals, kinds, v, "x", wildcards=(mode == 2), last=last)
    if pos >= 0 or mode in (0, 2):
        return pos
    best = -1
    best_v: Any = None
    order = range(len(vals) - 1, -1, -1) if last else range(len(vals))
    for i in order:
        if not _same_type(v, int(kinds[i])):
            continue
        c = compare(vals[i], v)
        if mode == -1 and c < 0 and (best < 0 or compare(vals[i], best_v) > 0):
            best, best_v = i, vals[i]
        if mode == 1 and c > 0 and (best < 0 or compare(vals[i], best_v) < 0):
            best, best_v = i, vals[i]
    return best


@fn("VLOOKUP", "VRIB", min_args=3)
def VLOOKUP(v: Any, table: Any, col: int, approx: bool = True) -> Any:
    return _vhlookup(v, table, col, approx, vertical=True)


@fn("HLOOKUP", "VRIB", min_args=3)
def HLOOKUP(v: Any, table: Any, row: int, approx: bool = True) -> Any:
    return _vhlookup(v, table, row, approx, vertical=False)


def _vhlookup(v: Any, table: Any, idx: int, approx: bool, vertical: bool) -> Any:
    v = _lookup_value(v)
    if v.__class__ is ExcelError:
        return v
    blk = as_block(table)
    if blk.__class__ is ExcelError:
        return blk
    if idx < 1:
        return VALUE
    if idx > (blk.ncols if vertical else blk.nrows):
        return REF
    k = blk.kinds()
    if vertical:
        vals = blk.obj[:, 0] if k.shape[1] else np.empty(0, object)
        kinds = k[:, 0] if k.shape[1] else np.empty(0, np.int8)
        tag = "v0"
    else:
        vals = blk.obj[0, :] if k.shape[0] else np.empty(0, object)
        kinds = k[0, :] if k.shape[0] else np.empty(0, np.int8)
        tag = "h0"
    if approx:
        pos = _approx(vals, kinds, v, False)
    else:
        pos = _exact(blk, vals, kinds, v, tag)
    if pos < 0:
        return NA
    return blk.get(pos, idx - 1) if vertical else blk.get(idx - 1, pos)


@fn("XLOOKUP", "VRRRII", min_args=3, refs=True)
def XLOOKUP(v: Any, look: Any, ret: Any, not_found: Any = MISSING, mode: int = 0,
            search: int = 1) -> Any:
    if v is None or v is MISSING:
        v = 0.0 if v is None else NA
    if v.__class__ is np.ndarray:
        v = v[0, 0] if v.size else VALUE
    if v.__class__ is Ref:
        v = v.value() if v.is_cell() else VALUE
    if v.__class__ is ExcelError:
        return v
    lb = as_block(look)
    rb = as_block(ret)
    if lb.__class__ is ExcelError:
        return lb
    if rb.__class__ is ExcelError:
        return rb
    if not lb.is_vector():
        return VALUE
    vertical = lb.ncols == 1 and not (lb.nrows == 1 and lb.ncols > 1)
    if vertical and rb.nrows != lb.nrows:
        return VALUE
    if not vertical and rb.ncols != lb.ncols:
        return VALUE
    vals, kinds = _vector_of(lb, 0 if vertical else None)
    pos = _x_search(lb, vals, kinds, v, mode, search)
    if pos.__class__ is ExcelError:
        return pos
    if pos < 0:
        if not_found is MISSING:
            return NA
        return not_found
    if ret.__class__ is Ref:
        if vertical:
            return ret.sub(pos, 0, pos, ret.ncols - 1)
        return ret.sub(0, pos, ret.nrows - 1, pos)
    full = rb.full()
    if vertical:
        return full[pos:pos + 1, :]
    return full[:, pos:pos + 1]


@fn("LOOKUP", "VRR", min_args=2)
def LOOKUP(v: Any, look: Any, result: Any = MISSING) -> Any:
    v = _lookup_value(v)
    if v.__class__ is ExcelError:
        return v
    lb = as_block(look)
    if lb.__class__ is ExcelError:
        return lb
    if result is MISSING:
        if lb.is_vector():
            vals, kinds = _vector_of(lb)
            pos = _approx(vals, kinds, v, False)
            return NA if pos < 0 else vals[pos]
        vertical = lb.nrows >= lb.ncols
        vals, kinds = _vector_of(lb, 0 if vertical else None)
        if vertical:
            vals, kinds = lb.obj[:, 0], lb.kinds()[:, 0]
        else:
            vals, kinds = lb.obj[0, :], lb.kinds()[0, :]
        pos = _approx(vals, kinds, v, False)
        if pos < 0:
            return NA
        return lb.get(pos, lb.ncols - 1) if vertical else lb.get(lb.nrows - 1, pos)
    rb = as_block(result)
    if rb.__class__ is ExcelError:
        return rb
    if not lb.is_vector() or not rb.is_vector():
        return NA
    vals, kinds = _vector_of(lb)
    pos = _approx(vals, kinds, v, False)
    if pos < 0:
        return NA
    return rb.get(0, pos) if rb.nrows == 1 else rb.get(pos, 0)


@fn("INDEX", "RVVV", min_args=2, refs=True)
def INDEX(arr: Any, row: Any, col: Any = MISSING, area: Any = MISSING) -> Any:
    if arr.__class__ is ExcelError:
        return arr
    if arr.__class__ is Areas:
        a = 1 if area is MISSING else to_int(area)
        if a.__class__ is ExcelError:
            return a
        if not 1 <= a <= len(arr):
            return REF
        arr = arr[a - 1]
    elif area is not MISSING:
        a = to_int(area)
        if a.__class__ is ExcelError:
            return a
        if a != 1:
            return REF
    r = to_int(row)
    if r.__class__ is ExcelError:
        return r
    c_given = col is not MISSING
    c = to_int(col) if c_given else 0
    if c.__class__ is ExcelError:
        return c
    if r < 0 or c < 0:
        return VALUE
    if arr.__class__ is Ref:
        h, w = arr.nrows, arr.ncols
    elif arr.__class__ is np.ndarray:
        h, w = arr.shape
    else:
        h, w = 1, 1
        arr = np.array([[arr]], dtype=object)
    if not c_given:
        if h == 1 and w > 1:
            r, c = 1 if r else 0, r
            if c == 0:
                r = 1
        elif w == 1:
            c = 1
    if r > h or c > w:
        return REF
    r0, r1 = (0, h - 1) if r == 0 else (r - 1, r - 1)
    c0, c1 = (0, w - 1) if c == 0 else (c - 1, c - 1)
    if arr.__class__ is Ref:
        return arr.sub(r0, c0, r1, c1)
    sub = arr[r0:r1 + 1, c0:c1 + 1]
    if sub.shape == (1, 1):
        return sub[0, 0]
    return sub


@fn("ROW", "R", min_args=0, ctx=True, cell=True)
def ROW(cx: Any, ref: Any = MISSING) -> Any:
    if ref is MISSING:
        return float(cx.row + 1)
    if ref.__class__ is Areas and len(ref) == 1:
        ref = ref[0]
    if ref.__class__ is not Ref:
        return VALUE
    return float(ref.r1 + 1)


@fn("COLUMN", "R", min_args=0, ctx=True, cell=True)
def COLUMN(cx: Any, ref: Any = MISSING) -> Any:
    if ref is MISSING:
        return float(cx.col + 1)
    if ref.__class__ is Areas and len(ref) == 1:
        ref = ref[0]
    if ref.__class__ is not Ref:
        return VALUE
    return float(ref.c1 + 1)


def _row_vec(args: list[Any], cx: Any) -> Any:
    a = args[0] if args else MISSING
    if a is MISSING:
        return Vec("num", (cx.rows + 1).astype(np.float64))
    from kpi_xl.recalc.runtime import VRef

    if a.__class__ is VRef:
        return Vec("num", (a.r1 + 1).astype(np.float64))
    return NotImplemented


def _col_vec(args: list[Any], cx: Any) -> Any:
    a = args[0] if args else MISSING
    if a is MISSING:
        return Vec("num", (cx.cols + 1).astype(np.float64))
    from kpi_xl.recalc.runtime import VRef

    if a.__class__ is VRef:
        return Vec("num", (a.c1 + 1).astype(np.float64))
    return NotImplemented


ROW.fn.vec = _row_vec  # type: ignore[attr-defined]
COLUMN.fn.vec = _col_vec  # type: ignore[attr-defined]


@fn("ROWS", "R")
def ROWS(x: Any) -> Any:
    if x.__class__ is Ref:
        return float(x.nrows)
    if x.__class__ is np.ndarray:
        return float(x.shape[0])
    if x.__class__ is Areas:
        return REF if len(x) != 1 else float(x[0].nrows)
    return 1.0


@fn("COLUMNS", "R")
def COLUMNS(x: Any) -> Any:
    if x.__class__ is Ref:
        return float(x.ncols)
    if x.__class__ is np.ndarray:
        return float(x.shape[1])
    if x.__class__ is Areas:
        return REF if len(x) != 1 else float(x[0].ncols)
    return 1.0

