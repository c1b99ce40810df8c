"""Math: ABS, SIGN, INT, TRUNC, MOD, POWER, SQRT, EXP, LN, LOG, LOG10, PI, ROUND*, CEILING*,
FLOOR*, MROUND, EVEN, ODD, QUOTIENT, RRI."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from kpi_xl.recalc.functions import fn
from kpi_xl.recalc.runtime import Vec
from kpi_xl.recalc.values import (
    DIV0,
    MISSING,
    NUM,
    ExcelError,
    num_result,
    power,
    snap,
    xl_round,
)


def _vec_unary(np_fn: Any, guard: Any = None) -> Any:
    """A vector fast path for one-number functions over an all-number Vec."""

    def vec(args: list[Any], cx: Any) -> Any:
        if len(args) != 1 or args[0].__class__ is not Vec or args[0].kind != "num":
            return NotImplemented
        x = args[0].data
        if guard is not None and not guard(x):
            return NotImplemented
        with np.errstate(all="ignore"):
            r = np_fn(x)
        if not np.isfinite(r).all():
            return NotImplemented
        return Vec("num", r + 0.0)

    return vec


@fn("ABS", "N")
def ABS(x: float) -> Any:
    return abs(x)


ABS.fn.vec = _vec_unary(np.abs)  # type: ignore[attr-defined]


@fn("SIGN", "N")
def SIGN(x: float) -> Any:
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


SIGN.fn.vec = _vec_unary(np.sign)  # type: ignore[attr-defined]


@fn("INT", "N")
def INT(x: float) -> Any:
    return float(math.floor(x))


INT.fn.vec = _vec_unary(np.floor)  # type: ignore[attr-defined]


@fn("TRUNC", "NN", min_args=1)
def TRUNC(x: float, digits: float = 0.0) -> Any:
    return xl_round(x, digits, "down")


@fn("MOD", "NN")
def MOD(a: float, b: float) -> Any:
    if b == 0:
        return DIV0
    q = a / b
    if abs(q) > 2 ** 50:
        return NUM
    r = a - b * math.floor(snap(q))
    if r != 0 and abs(r) < abs(b) * 1e-15:
        r = 0.0
    if r != 0 and (r < 0) != (b < 0):
        r += b
    return num_result(r)


@fn("QUOTIENT", "NN")
def QUOTIENT(a: float, b: float) -> Any:
    if b == 0:
        return DIV0
    q = a / b
    if not math.isfinite(q):
        return NUM
    return float(math.trunc(q))


@fn("POWER", "NN")
def POWER(x: float, y: float) -> Any:
    return power(x, y)


@fn("SQRT", "N")
def SQRT(x: float) -> Any:
    if x < 0:
        return NUM
    return math.sqrt(x)


SQRT.fn.vec = _vec_unary(np.sqrt, lambda x: (x >= 0).all())  # type: ignore[attr-defined]


@fn("EXP", "N")
def EXP(x: float) -> Any:
    try:
        return num_result(math.exp(x))
    except OverflowError:
        return NUM


@fn("LN", "N")
def LN(x: float) -> Any:
    if x <= 0:
        return NUM
    return math.log(x)


LN.fn.vec = _vec_unary(np.log, lambda x: (x > 0).all())  # type: ignore[attr-defined]


@fn("LOG10", "N")
def LOG10(x: float) -> Any:
    if x <= 0:
        return NUM
    return math.log10(x)


@fn("LOG", "NN", min_args=1)
def LOG(x: float, base: float = 10.0) -> Any:
    if x <= 0 or base <= 0:
        return NUM
    if base == 1:
        return DIV0
    return num_result(math.log(x) / math.log(base))


@fn("PI", "")
def PI() -> Any:
    return math.pi


def _round_vec(mode: str) -> Any:
    def vec(args: list[Any], cx: Any) -> Any:
        x, d = [*args, MISSING][:2]
        if x.__class__ is not Vec or x.kind != "num":
            return NotImplemented
        if d is MISSING:
            d = 0.0
        if d.__class__ is not float:
            return NotImplemented
        n = math.trunc(d)
        if n > 15 or n < -15:
            return NotImplemented
        a = x.data
        scale = 10.0 ** abs(n)
        with np.errstate(all="ignore"):
            y = np.abs(a) * scale if n >= 0 else np.abs(a) / scale
            if mode == "half":
                f = np.floor(y)
                r = np.where(y - f >= 0.5 - y * 2.0 ** -50, f + 1.0, f)
            else:
                rr = np.floor(y + 0.5)
                ys = np.where(np.abs(y - rr) <= np.abs(y) * 2.0 ** -50, rr, y)
                r = np.ceil(ys) if mode == "up" else np.floor(ys)
            out = r / scale if n >= 0 else r * scale
            out = np.copysign(out, a)
        out = np.where(a == 0, 0.0, out) + 0.0
        if not np.isfinite(out).all():
            return NotImplemented
        return Vec("num", out)

    return vec


@fn("ROUND", "NN")
def ROUND(x: float, digits: float) -> Any:
    return xl_round(x, digits, "half")


@fn("ROUNDUP", "NN")
def ROUNDUP(x: float, digits: float) -> Any:
    return xl_round(x, digits, "up")


@fn("ROUNDDOWN", "NN")
def ROUNDDOWN(x: float, digits: float) -> Any:
    return xl_round(x, digits, "down")


ROUND.fn.vec = _round_vec("half")  # type: ignore[attr-defined]
ROUNDUP.fn.vec = _round_vec("up")  # type: ignore[attr-defined]
ROUNDDOWN.fn.vec = _round_vec("down")  # type: ignore[attr-defined]


def _multiple(x: float, sig: float, up: bool, negate: bool = False) -> Any:
    """``x`` rounded up/down to a multiple of ``sig`` (``negate``: the result's negative);
    #NUM! when the quotient or the result is past the largest number."""
    q = x / sig
    if not math.isfinite(q):
        return NUM
    q = snap(q)
    k = math.ceil(q) if up else math.floor(q)
    return num_result(-(k * sig) if negate else k * sig)


@fn("CEILING", "NN")
def CEILING(x: float, sig: float) -> Any:
    if sig == 0 or x == 0:
        return 0.0
    if x > 0 and sig < 0:
        return NUM
    if x < 0 and sig < 0:
        return _multiple(-x, -sig, True, negate=True)
    return _multiple(x, sig, True)


@fn("FLOOR", "NN")
def FLOOR(x: float, sig: float) -> Any:
    if sig == 0:
        return 0.0 if x == 0 else DIV0
    if x == 0:
        return 0.0
    if x > 0 and sig < 0:
        return NUM
    if x < 0 and sig < 0:
        return _multiple(-x, -sig, False, negate=True)
    return _multiple(x, sig, False)


@fn("CEILING.MATH", "NNN", min_args=1)
def CEILING_MATH(x: float, sig: float = 1.0, mode: float = 0.0) -> Any:
    if sig == 0 or x == 0:
        return 0.0
    sig = abs(sig)
    if x < 0 and mode != 0:
        return _multiple(-x, sig, True, negate=True)
    return _multiple(x, sig, True)


@fn("FLOOR.MATH", "NNN", min_args=1)
def FLOOR_MATH(x: float, sig: float = 1.0, mode: float = 0.0) -> Any:
    if sig == 0 or x == 0:
        return 0.0
    sig = abs(sig)
    if x < 0 and mode != 0:
        return _multiple(-x, sig, False, negate=True)
    return _multiple(x, sig, False)


@fn("MROUND", "NN")
def MROUND(x: float, m: float) -> Any:
    if m == 0:
        return 0.0
    if (x > 0 and m < 0) or (x < 0 and m > 0):
        return NUM
    q = xl_round(x / m, 0, "half")
    if q.__class__ is ExcelError:  # the quotient is past the largest number
        return q
    return num_result(q * m)


@fn("EVEN", "N")
def EVEN(x: float) -> Any:
    k = math.ceil(snap(abs(x)) / 2) * 2
    return math.copysign(float(k), x) if x else 0.0


@fn("ODD", "N")
def ODD(x: float) -> Any:
    a = snap(abs(x))
    k = math.ceil(a)
    if k % 2 == 0:
        k += 1
    return math.copysign(float(k), x) if x else 1.0


@fn("RRI", "NNN")
def RRI(n: float, pv: float, fv: float) -> Any:
    """Equivalent interest rate for growth: ``(fv/pv)^(1/n) - 1``."""
    if n <= 0:
        return NUM
    if pv == 0:
        return NUM
    r = power(fv / pv, 1.0 / n)
    if r.__class__ is not float:
        return r
    return num_result(r - 1.0)


@fn("TRUE", "")
def TRUE_() -> Any:
    return True


@fn("FALSE", "")
def FALSE_() -> Any:
    return False
