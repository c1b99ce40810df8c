"""Logic and information: AND, OR, XOR, NOT, IS*, N, NA, ERROR.TYPE."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from kpi_xl.recalc.functions import fn
from kpi_xl.recalc.model import ExcelError
from kpi_xl.recalc.runtime import K_BOOL, K_NUM, Areas, Block, Ref, Vec
from kpi_xl.recalc.values import MISSING, NA, VALUE, to_bool


def _logicals(args: Any) -> tuple[list[bool], Any]:
    out: list[bool] = []
    for a in args:
        c = a.__class__
        if c is Ref or c is np.ndarray or c is Areas:
            for r in (a if c is Areas else (a,)):
                blk = r.block() if r.__class__ is Ref else Block.of_array(r)
                e = blk.first_error()
                if e is not None:
                    return [], e
                k = blk.kinds()
                out.extend((blk.nums()[k == K_NUM] != 0).tolist())
                out.extend(bool(b) for b in blk.obj[k == K_BOOL])
        elif a is MISSING or a is None:
            continue
        else:
            b = to_bool(a)
            if b.__class__ is ExcelError:
                return [], b
            out.append(b)
    if not out:
        return [], VALUE
    return out, None


@fn("AND", "R", rep=1, min_args=1, max_args=255)
def AND(*args: Any) -> Any:
    vals, err = _logicals(args)
    return err if err is not None else all(vals)


@fn("OR", "R", rep=1, min_args=1, max_args=255)
def OR(*args: Any) -> Any:
    vals, err = _logicals(args)
    return err if err is not None else any(vals)


@fn("XOR", "R", rep=1, min_args=1, max_args=255)
def XOR(*args: Any) -> Any:
    vals, err = _logicals(args)
    return err if err is not None else (sum(vals) % 2 == 1)


def _vec_logic(kind: str) -> Any:
    def vec(args: list[Any], cx: Any) -> Any:
        masks = []
        for a in args:
            if a.__class__ is Vec and a.kind in ("bool", "num"):
                masks.append(a.data != 0 if a.kind == "num" else a.data)
            elif a.__class__ is bool:
                masks.append(np.full(cx.n, a))
            else:
                return NotImplemented
        m = np.vstack(masks)
        if kind == "AND":
            r = m.all(axis=0)
        elif kind == "OR":
            r = m.any(axis=0)
        else:
            r = m.sum(axis=0) % 2 == 1
        return Vec("bool", r)

    return vec


AND.fn.vec = _vec_logic("AND")  # type: ignore[attr-defined]
OR.fn.vec = _vec_logic("OR")  # type: ignore[attr-defined]
XOR.fn.vec = _vec_logic("XOR")  # type: ignore[attr-defined]


@fn("NOT", "B")
def NOT(x: bool) -> Any:
    return not x


@fn("ISBLANK", "V")
def ISBLANK(x: Any) -> Any:
    return x is None


@fn("ISNUMBER", "V")
def ISNUMBER(x: Any) -> Any:
    return x.__class__ in (float, int)


@fn("ISTEXT", "V")
def ISTEXT(x: Any) -> Any:
    return x.__class__ is str


@fn("ISNONTEXT", "V")
def ISNONTEXT(x: Any) -> Any:
    return x.__class__ is not str


@fn("ISLOGICAL", "V")
def ISLOGICAL(x: Any) -> Any:
    return x.__class__ is bool


@fn("ISERROR", "V")
def ISERROR(x: Any) -> Any:
    return x.__class__ is ExcelError


@fn("ISERR", "V")
def ISERR(x: Any) -> Any:
    return x.__class__ is ExcelError and x != "#N/A"


@fn("ISNA", "V")
def ISNA(x: Any) -> Any:
    return x.__class__ is ExcelError and x == "#N/A"


@fn("ISEVEN", "N")
def ISEVEN(x: float) -> Any:
    return math.floor(abs(x)) % 2 == 0


@fn("ISODD", "N")
def ISODD(x: float) -> Any:
    return math.floor(abs(x)) % 2 == 1


@fn("ISREF", "R")
def ISREF(x: Any) -> Any:
    return x.__class__ in (Ref, Areas)


@fn("N", "V")
def N(x: Any) -> Any:
    c = x.__class__
    if c is float or c is int:
        return float(x)
    if c is bool:
        return 1.0 if x else 0.0
    if c is ExcelError:
        return x
    return 0.0


@fn("NA", "")
def NA_() -> Any:
    return NA


_ERROR_TYPES = {"#NULL!": 1, "#DIV/0!": 2, "#VALUE!": 3, "#REF!": 4, "#NAME?": 5, "#NUM!": 6,
                "#N/A": 7, "#GETTING_DATA": 8, "#SPILL!": 9, "#CALC!": 14}


@fn("ERROR.TYPE", "V")
def ERROR_TYPE(x: Any) -> Any:
    if x.__class__ is ExcelError:
        return float(_ERROR_TYPES.get(str(x), 7))
    return NA

