"""numpy fast paths for operators over :class:`~kpi_xl.recalc.runtime.Vec` values and Excel
arrays. Anything not purely numeric falls back to the scalar rules of
:mod:`kpi_xl.recalc.values`, element by element, so both paths agree by construction.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kpi_xl.recalc.model import ExcelError
from kpi_xl.recalc.runtime import K_BOOL, K_ERR, K_NUM, K_TEXT, Vec, kinds_of
from kpi_xl.recalc.values import (
    BINARY_OPS,
    DIV0,
    MISSING,
    NA,
    NUM,
    op_neg,
    op_pct,
    op_plus,
    to_bool,
    to_number,
)

__all__ = ["array_binary", "array_unary", "vbinary", "vselect", "vtruth", "vunary"]

_EPS48 = 2.0 ** -48
_ARITH = frozenset("+-*/^")
_CMP = frozenset(("=", "<>", "<", ">", "<=", ">="))


def _arith_operand(x: Any) -> Any:
    """A float array / float for the numeric fast path, or None."""
    if x.__class__ is Vec:
        if x.kind == "num":
            return x.data
        if x.kind == "bool":
            return x.data.astype(np.float64)
        return None
    if x.__class__ is float:
        return x
    if x.__class__ is bool:
        return 1.0 if x else 0.0
    if x is None:
        return 0.0
    return None


def _cmp_operand(x: Any) -> Any:
    if x.__class__ is Vec:
        return x.data if x.kind == "num" else None
    if x.__class__ is float:
        return x
    if x is None:
        return 0.0
    return None


def _numbers(x: Any, n: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Numbers for arithmetic (blank 0, TRUE 1, numeric text converted) and an object array
    holding the error of each element that has one (None if none has)."""
    if x.__class__ is not Vec:
        v = to_number(x)
        if v.__class__ is ExcelError:
            errs = np.empty(n, dtype=object)
            errs[:] = [v] * n
            return np.zeros(n), errs
        return np.full(n, v), None
    if x.kind != "obj":
        return x.data.astype(np.float64), None
    data = x.data
    k = kinds_of(data)
    out = np.zeros(n)
    m = k == K_NUM
    if m.any():
        out[m] = data[m].astype(np.float64)
    m = k == K_BOOL
    if m.any():
        out[m] = data[m].astype(bool)
    errs = None
    bad = (k == K_ERR) | (k == K_TEXT)
    if bad.any():
        errs = np.full(n, None, dtype=object)
        for i in np.flatnonzero(bad):
            v = to_number(data[i])
            if v.__class__ is ExcelError:
                errs[i] = v
            else:
                out[i] = v
        if not any(e is not None for e in errs[bad]):
            errs = None
    return out, errs


def _merge_errors(r: Vec, a: Any, b: Any, ea: np.ndarray | None, eb: np.ndarray | None,
                  n: int) -> Vec:
    """Error operands win (the left one first), then conversion errors (left first), then
    the computed ones -- the order of :func:`kpi_xl.recalc.values.op_arith`."""
    if ea is None and eb is None:
        return r
    out = r.objects().copy()

    def operand_errors(x: Any) -> np.ndarray:
        if x.__class__ is Vec:
            if x.kind != "obj":
                return np.zeros(n, dtype=bool)
            return np.fromiter((v.__class__ is ExcelError for v in x.data), bool, n)
        return np.full(n, x.__class__ is ExcelError)

    for errs in (eb, ea):  # conversion errors: the left one wins
        if errs is not None:
            m = np.fromiter((e is not None for e in errs), bool, n)
            out[m] = errs[m]
    for x, errs in ((b, eb), (a, ea)):  # error values themselves: the left one wins
        if errs is not None:
            m = operand_errors(x)
            out[m] = errs[m]
    return Vec.of(out)


_RANK = np.array([-1, 0, 1, 2, -2, 1], dtype=np.int8)  # by kind code; blank -1, error -2


def _compare_view(x: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Kind codes and values of an operand (a scalar is broadcast)."""
    if x.__class__ is Vec:
        if x.kind == "num":
            return np.full(n, K_NUM, np.int8), x.data
        if x.kind == "bool":
            return np.full(n, K_BOOL, np.int8), x.data
        return kinds_of(x.data), x.data
    k = kinds_of(np.array([x, None], dtype=object)[:1])[0] if x is not MISSING else 0
    vals = np.empty(n, dtype=object)
    vals[:] = [x] * n
    return np.full(n, k, np.int8), vals


def vcompare(op: str, a: Any, b: Any, n: int) -> Vec:
    """Comparison with Excel's rules for operands of any kinds, vectorised by kind."""
    ka, va = _compare_view(a, n)
    kb, vb = _compare_view(b, n)
    ra, rb = _RANK[ka], _RANK[kb]
    # a blank takes the type of the other side (0, "" or FALSE); blank vs blank is equal
    ra = np.where(ra == -1, np.where(rb == -1, 0, rb), ra)
    rb = np.where(rb == -1, ra, rb)
    lt = ra < rb
    gt = ra > rb
    eq = np.zeros(n, dtype=bool)
    both_num = (ra == 0) & (rb == 0)
    if both_num.any():
        xa = np.zeros(n)
        xb = np.zeros(n)
        ma = both_num & (ka == K_NUM)
        mb = both_num & (kb == K_NUM)
        xa[ma] = va[ma].astype(np.float64)
        xb[mb] = vb[mb].astype(np.float64)
        with np.errstate(all="ignore"):
            d = np.abs(xa - xb)
            e = (xa == xb) | ((d < np.abs(xa) * _EPS48) & (d < np.abs(xb) * _EPS48))
        eq |= both_num & e
        lt |= both_num & ~e & (xa < xb)
        gt |= both_num & ~e & (xa > xb)
    both_text = (ra == 1) & (rb == 1)
    if both_text.any():
        for i in np.flatnonzero(both_text):
            x = va[i].casefold() if ka[i] == K_TEXT else ""
            y = vb[i].casefold() if kb[i] == K_TEXT else ""
            if x == y:
                eq[i] = True
            elif x < y:
                lt[i] = True
            else:
                gt[i] = True
    both_bool = (ra == 2) & (rb == 2)
    if both_bool.any():
        xa = np.zeros(n, dtype=bool)
        xb = np.zeros(n, dtype=bool)
        ma = both_bool & (ka == K_BOOL)
        mb = both_bool & (kb == K_BOOL)
        xa[ma] = va[ma].astype(bool)
        xb[mb] = vb[mb].astype(bool)
        eq |= both_bool & (xa == xb)
        lt |= both_bool & ~xa & xb
        gt |= both_bool & xa & ~xb
    r = {"=": eq, "<>": ~eq, "<": lt, ">": gt, "<=": lt | eq, ">=": gt | eq}[op]
    ea, eb = ka == K_ERR, kb == K_ERR
    if ea.any() or eb.any():
        out = np.empty(n, dtype=object)
        out[:] = r.tolist()
        out[eb] = vb[eb]
        out[ea] = va[ea]
        return Vec.of(out)
    return Vec("bool", np.ascontiguousarray(r))


def _with_errors(r: np.ndarray, errs: list[tuple[np.ndarray, ExcelError]]) -> Vec:
    bad = [(m, e) for m, e in errs if m.any()]
    if not bad:
        return Vec("num", r + 0.0)
    out = np.empty(len(r), dtype=object)
    out[:] = (r + 0.0).tolist()
    for m, e in bad:
        out[m] = e
    return Vec("obj", out)


def _fast_arith(op: str, x: Any, y: Any, n: int) -> Vec | None:
    xa = np.broadcast_to(np.asarray(x, dtype=np.float64), (n,))
    ya = np.broadcast_to(np.asarray(y, dtype=np.float64), (n,))
    with np.errstate(all="ignore"):
        if op == "+":
            r = xa + ya
            snap = (((xa < 0) & (ya > 0)) | ((xa > 0) & (ya < 0))) & (
                np.abs(r) < np.abs(xa) * _EPS48) & (np.abs(r) < np.abs(ya) * _EPS48)
            if snap.any():
                r = np.where(snap, 0.0, r)
            return _with_errors(r, [(~np.isfinite(r), NUM)])
        if op == "-":
            r = xa - ya
            snap = (((xa < 0) & (ya < 0)) | ((xa > 0) & (ya > 0))) & (
                np.abs(r) < np.abs(xa) * _EPS48) & (np.abs(r) < np.abs(ya) * _EPS48)
            if snap.any():
                r = np.where(snap, 0.0, r)
            return _with_errors(r, [(~np.isfinite(r), NUM)])
        if op == "*":
            r = xa * ya
            return _with_errors(r, [(~np.isfinite(r), NUM)])
        if op == "/":
            zero = ya == 0
            r = xa / np.where(zero, 1.0, ya)
            return _with_errors(r, [(zero, DIV0), (~np.isfinite(r) & ~zero, NUM)])
        # "^": only the plain case (positive base); the scalar rules handle the rest
        if (xa > 0).all():
            r = np.power(xa, ya)
            return _with_errors(r, [(~np.isfinite(r), NUM)])
    return None


def _fast_cmp(op: str, x: Any, y: Any, n: int) -> Vec:
    xa = np.broadcast_to(np.asarray(x, dtype=np.float64), (n,))
    ya = np.broadcast_to(np.asarray(y, dtype=np.float64), (n,))
    with np.errstate(all="ignore"):
        d = np.abs(xa - ya)
        eq = (xa == ya) | ((d < np.abs(xa) * _EPS48) & (d < np.abs(ya) * _EPS48))
    if op == "=":
        r = eq
    elif op == "<>":
        r = ~eq
    elif op == "<":
        r = (xa < ya) & ~eq
    elif op == ">":
        r = (xa > ya) & ~eq
    elif op == "<=":
        r = (xa < ya) | eq
    else:
        r = (xa > ya) | eq
    return Vec("bool", np.ascontiguousarray(r))


def _elements(x: Any, n: int) -> Any:
    if x.__class__ is Vec:
        return x.data.tolist()
    return [x] * n


def vbinary(op: str, a: Any, b: Any) -> Vec:
    """``a op b`` where at least one side is a :class:`Vec` (the other may be a scalar)."""
    n = len(a) if a.__class__ is Vec else len(b)
    if op in _ARITH:
        x, y = _arith_operand(a), _arith_operand(b)
        if x is not None and y is not None:
            r = _fast_arith(op, x, y, n)
            if r is not None:
                return r
        if op != "^":
            xa, ea = _numbers(a, n)
            xb, eb = _numbers(b, n)
            r = _fast_arith(op, xa, xb, n)
            if r is not None:
                return _merge_errors(r, a, b, ea, eb, n)
    elif op in _CMP:
        x, y = _cmp_operand(a), _cmp_operand(b)
        if x is not None and y is not None:
            return _fast_cmp(op, x, y, n)
        return vcompare(op, a, b, n)
    f = BINARY_OPS[op]
    return Vec.of([f(p, q) for p, q in zip(_elements(a, n), _elements(b, n), strict=False)])


def vunary(op: str, a: Vec) -> Vec:
    if a.kind in ("num", "bool"):
        x = a.data.astype(np.float64)
        if op == "neg":
            return Vec("num", 0.0 - x)
        if op == "pct":
            return Vec("num", x / 100.0)
        if a.kind == "num":
            return a
    f = {"neg": op_neg, "pct": op_pct, "pos": op_plus}[op]
    return Vec.of([f(v) for v in a.data.tolist()])


def vtruth(v: Any, n: int) -> tuple[np.ndarray, np.ndarray | None]:
    """A condition as a boolean mask plus an object array of errors (None if no errors)."""
    if v.__class__ is Vec:
        if v.kind == "bool":
            return v.data, None
        if v.kind == "num":
            return v.data != 0, None
        vals = [to_bool(x) for x in v.data.tolist()]
    else:
        vals = [to_bool(v)] * n
    mask = np.fromiter((x is True for x in vals), bool, n)
    errs = None
    if any(x.__class__ is ExcelError for x in vals):
        errs = np.empty(n, dtype=object)
        errs[:] = [x if x.__class__ is ExcelError else None for x in vals]
    return mask, errs


def _as_objects(x: Any, n: int) -> np.ndarray:
    if x.__class__ is Vec:
        return x.objects()
    out = np.empty(n, dtype=object)
    out[:] = [x] * n
    return out


def vselect(mask: np.ndarray, a: Any, b: Any, n: int, errs: np.ndarray | None = None) -> Vec:
    """``a`` where ``mask`` else ``b`` (either may be a scalar); ``errs`` (non-None entries)
    override both."""
    ka = a.kind if a.__class__ is Vec else ("num" if a.__class__ is float else
                                            "bool" if a.__class__ is bool else "obj")
    kb = b.kind if b.__class__ is Vec else ("num" if b.__class__ is float else
                                            "bool" if b.__class__ is bool else "obj")
    if errs is None and ka == kb and ka in ("num", "bool"):
        xa = a.data if a.__class__ is Vec else a
        xb = b.data if b.__class__ is Vec else b
        return Vec(ka, np.where(mask, xa, xb))
    out = np.where(mask, _as_objects(a, n), _as_objects(b, n))
    if errs is not None:
        m = np.fromiter((e is not None for e in errs), bool, n)
        out[m] = errs[m]
    return Vec.of(out)


# --- Excel arrays ---------------------------------------------------------------------------

def _pad(arr: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """An array broadcast to ``rows x cols`` the Excel way: a single row/column repeats,
    positions beyond a larger array's edge are #N/A."""
    h, w = arr.shape
    if (h, w) == (rows, cols):
        return arr
    out = np.full((rows, cols), NA, dtype=object)
    src = arr
    if h == 1:
        src = np.repeat(src, rows, axis=0)
    if w == 1:
        src = np.repeat(src, cols, axis=1)
    hh, ww = min(src.shape[0], rows), min(src.shape[1], cols)
    out[:hh, :ww] = src[:hh, :ww]
    return out


def broadcast_shape(*arrays: np.ndarray) -> tuple[int, int]:
    return max(a.shape[0] for a in arrays), max(a.shape[1] for a in arrays)


def array_binary(op: str, a: Any, b: Any) -> np.ndarray:
    """``a op b`` where at least one side is a 2-D object array (Excel array arithmetic)."""
    arrs = [x for x in (a, b) if isinstance(x, np.ndarray)]
    rows, cols = broadcast_shape(*arrs)
    n = rows * cols
    va = Vec.of(_pad(a, rows, cols).reshape(-1)) if isinstance(a, np.ndarray) else a
    vb = Vec.of(_pad(b, rows, cols).reshape(-1)) if isinstance(b, np.ndarray) else b
    if n == 0:
        return np.empty((rows, cols), dtype=object)
    r = vbinary(op, va, vb)
    return r.objects().reshape(rows, cols)


def array_unary(op: str, a: np.ndarray) -> np.ndarray:
    r = vunary(op, Vec.of(a.reshape(-1)))
    return r.objects().reshape(a.shape)
