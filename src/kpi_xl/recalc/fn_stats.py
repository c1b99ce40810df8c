"""Aggregates and statistics: SUM, COUNT*, AVERAGE*, MIN/MAX(IFS), SUMIF(S), SUMPRODUCT,
MEDIAN, PERCENTILE, QUARTILE, STDEV, VAR, LARGE, SMALL, RANK, PRODUCT."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from kpi_xl.recalc.argutil import as_block, criteria_mask, numbers_of
from kpi_xl.recalc.functions import fn
from kpi_xl.recalc.model import ExcelError
from kpi_xl.recalc.runtime import (
    K_BLANK,
    K_BOOL,
    K_ERR,
    K_NUM,
    K_TEXT,
    Areas,
    Block,
    Ref,
    Vec,
    VRef,
    kinds_of,
)
from kpi_xl.recalc.values import (
    DIV0,
    MISSING,
    NA,
    NUM,
    VALUE,
    Criterion,
    num_result,
    to_bool,
    to_number,
)

# --- SUM and friends ------------------------------------------------------------------------


def _fsum(x: np.ndarray) -> float:
    if not len(x):
        return 0.0
    if len(x) >= 64:
        return float(np.sum(x))
    try:
        return float(math.fsum(x))
    except OverflowError:  # an intermediate sum past the largest number: +-inf (or nan),
        with np.errstate(over="ignore", invalid="ignore"):  # which num_result makes #NUM!
            return float(np.sum(x))


@fn("SUM", "R", rep=1, min_args=1, max_args=255)
def SUM(*args: Any) -> Any:
    x, err = numbers_of(args)
    if err is not None:
        return err
    return num_result(_fsum(x))


@fn("PRODUCT", "R", rep=1, min_args=1, max_args=255)
def PRODUCT(*args: Any) -> Any:
    x, err = numbers_of(args, skip_missing=True)
    if err is not None:
        return err
    if not len(x):
        return 0.0
    return num_result(float(np.prod(x)))


@fn("SUMSQ", "R", rep=1, min_args=1, max_args=255)
def SUMSQ(*args: Any) -> Any:
    x, err = numbers_of(args)
    if err is not None:
        return err
    return num_result(float(np.sum(x * x)))


@fn("AVERAGE", "R", rep=1, min_args=1, max_args=255)
def AVERAGE(*args: Any) -> Any:
    x, err = numbers_of(args)
    if err is not None:
        return err
    if not len(x):
        return DIV0
    return num_result(_fsum(x) / len(x))


@fn("MIN", "R", rep=1, min_args=1, max_args=255)
def MIN(*args: Any) -> Any:
    x, err = numbers_of(args)
    if err is not None:
        return err
    return float(x.min()) if len(x) else 0.0


@fn("MAX", "R", rep=1, min_args=1, max_args=255)
def MAX(*args: Any) -> Any:
    x, err = numbers_of(args)
    if err is not None:
        return err
    return float(x.max()) if len(x) else 0.0


def _direct_countable(a: Any) -> bool:
    c = a.__class__
    if c is float or c is int or c is bool:
        return True
    if c is str:
        from kpi_xl.recalc.values import parse_number

        return parse_number(a) is not None
    return False


@fn("COUNT", "R", rep=1, min_args=1, max_args=255)
def COUNT(*args: Any) -> Any:
    n = 0
    for a in args:
        c = a.__class__
        if c is Ref or c is np.ndarray or c is Areas:
            for r in (a if c is Areas else (a,)):
                blk = r.block() if r.__class__ is Ref else Block.of_array(r)
                n += blk.count_kind(K_NUM)
        elif a is MISSING:
            n += 1
        elif _direct_countable(a):
            n += 1
    return float(n)


@fn("COUNTA", "R", rep=1, min_args=1, max_args=255)
def COUNTA(*args: Any) -> Any:
    n = 0
    for a in args:
        c = a.__class__
        if c is Ref or c is np.ndarray or c is Areas:
            for r in (a if c is Areas else (a,)):
                blk = r.block() if r.__class__ is Ref else Block.of_array(r)
                n += int((blk.kinds() != K_BLANK).sum())
        elif a is None:
            continue
        else:
            n += 1
    return float(n)


@fn("COUNTBLANK", "R")
def COUNTBLANK(rng: Any) -> Any:
    if rng.__class__ is not Ref:
        if rng.__class__ is np.ndarray:
            return VALUE
        return VALUE
    blk = rng.block()
    k = blk.kinds()
    nonblank = int(((k != K_BLANK) & ~((k == K_TEXT) & (blk.obj == ""))).sum())
    return float(blk.size - nonblank)


# --- vector fast path for per-row aggregates (SUM(B2:D2) copied down) ------------------------

def _planes(args: list[Any], cx: Any) -> tuple[list[np.ndarray], list[Any]] | None:
    """Per-cell matrices for VRef arguments; other arguments must be constant."""
    mats = []
    direct = []
    for a in args:
        if a.__class__ is VRef:
            mats.append(a.planes(cx.book.limits.max_cells))
        elif a.__class__ is Vec or a.__class__ is Ref or a.__class__ is Areas or \
                a.__class__ is np.ndarray:
            return None
        else:
            direct.append(a)
    return mats, direct


def _vec_aggregate(name: str) -> Any:
    def vec(args: list[Any], cx: Any) -> Any:
        got = _planes(args, cx)
        if got is None or got[1]:
            return NotImplemented
        mats = got[0]
        m = np.concatenate(mats, axis=1) if len(mats) > 1 else mats[0]
        n, k = m.shape
        kinds = kinds_of(m.reshape(-1)).reshape(n, k)
        isnum = kinds == K_NUM
        nums = np.zeros((n, k))
        if isnum.any():
            nums[isnum] = m[isnum].astype(np.float64)
        cnt = isnum.sum(axis=1)
        if name == "COUNT":
            return Vec("num", cnt.astype(np.float64))
        if name == "COUNTA":
            return Vec("num", (kinds != K_BLANK).sum(axis=1).astype(np.float64))
        iserr = kinds == K_ERR
        if name == "SUM":
            res = nums.sum(axis=1)
        elif name == "AVERAGE":
            with np.errstate(all="ignore"):
                res = nums.sum(axis=1) / np.where(cnt == 0, 1, cnt)
        elif name == "MIN":
            res = np.where(cnt == 0, 0.0, np.where(isnum, nums, np.inf).min(axis=1))
        else:
            res = np.where(cnt == 0, 0.0, np.where(isnum, nums, -np.inf).max(axis=1))
        out: Any = res
        bad = iserr.any(axis=1) | ~np.isfinite(res) | ((cnt == 0) & (name == "AVERAGE"))
        if bad.any():
            obj = np.empty(n, dtype=object)
            obj[:] = res.tolist()
            for i in np.flatnonzero(bad):
                if iserr[i].any():
                    obj[i] = m[i, int(np.argmax(iserr[i]))]
                elif cnt[i] == 0 and name == "AVERAGE":
                    obj[i] = DIV0
                else:
                    obj[i] = NUM
            return Vec.of(obj)
        return Vec("num", out + 0.0)

    return vec


for _name, _f in (("SUM", SUM), ("AVERAGE", AVERAGE), ("MIN", MIN), ("MAX", MAX),
                  ("COUNT", COUNT), ("COUNTA", COUNTA)):
    _f.fn.vec = _vec_aggregate(_name)  # type: ignore[attr-defined]


# --- criteria functions ---------------------------------------------------------------------

def _crit_blocks(pairs: list[tuple[Any, Any]]) -> tuple[list[tuple[Block, Criterion]], Any]:
    out = []
    shape = None
    for rng, crit in pairs:
        if rng.__class__ is not Ref and rng.__class__ is not np.ndarray:
            return [], VALUE
        blk = as_block(rng)
        if blk.__class__ is ExcelError:
            return [], blk
        if shape is None:
            shape = (blk.nrows, blk.ncols)
        elif (blk.nrows, blk.ncols) != shape:
            return [], VALUE
        if crit.__class__ is np.ndarray:
            crit = crit[0, 0] if crit.size else VALUE
        if crit.__class__ is Ref:
            crit = crit.value() if crit.is_cell() else VALUE
        if crit.__class__ is ExcelError:
            return [], crit  # an error given as the criteria is the result
        out.append((blk, Criterion(crit)))
    return out, shape


def _common_shape(blocks: list[Block], logical: tuple[int, int]) -> tuple[int, int]:
    h = max(b.obj.shape[0] for b in blocks)
    w = max(b.obj.shape[1] for b in blocks)
    return min(h, logical[0]), min(w, logical[1])


def _match_all(crits: list[tuple[Block, Criterion]], shape: tuple[int, int]) -> np.ndarray:
    m = np.ones(shape, dtype=bool)
    for blk, crit in crits:
        m &= criteria_mask(blk, crit, shape)
    return m


def _pairs(args: tuple[Any, ...]) -> list[tuple[Any, Any]]:
    return [(args[i], args[i + 1]) for i in range(0, len(args) - 1, 2)]


@fn("COUNTIF", "RV")
def COUNTIF(rng: Any, crit: Any) -> Any:
    return COUNTIFS(rng, crit)


@fn("COUNTIFS", "RV", rep=2, min_args=2, max_args=254)
def COUNTIFS(*args: Any) -> Any:
    if len(args) % 2:
        return VALUE
    crits, logical = _crit_blocks(_pairs(args))
    if not crits:
        return logical
    shape = _common_shape([b for b, _ in crits], logical)
    n = int(_match_all(crits, shape).sum())
    tail = logical[0] * logical[1] - shape[0] * shape[1]
    if tail and all(c.match(None) for _, c in crits):
        n += tail
    return float(n)


def _resized(rng: Any, shape: tuple[int, int]) -> Any:
    """SUMIF's sum_range: the range of ``shape`` starting at its top-left cell."""
    if rng.__class__ is Ref:
        return Ref(rng.book, rng.sheet, rng.r1, rng.c1, rng.r1 + shape[0] - 1,
                   rng.c1 + shape[1] - 1)
    return rng


def _selected(sum_rng: Any, crits: list[tuple[Block, Criterion]], logical: tuple[int, int]
              ) -> tuple[np.ndarray, ExcelError | None]:
    """The numbers of ``sum_rng`` where every criterion matches (first error if one of them
    is an error)."""
    blk = as_block(sum_rng)
    if blk.__class__ is ExcelError:
        return np.empty(0), blk
    if (blk.nrows, blk.ncols) != logical:
        return np.empty(0), VALUE
    shape = _common_shape([b for b, _ in crits] + [blk], logical)
    m = _match_all(crits, shape)
    k = blk.kinds()
    h, w = min(k.shape[0], shape[0]), min(k.shape[1], shape[1])
    mm = m[:h, :w]
    kk = k[:h, :w]
    errs = mm & (kk == K_ERR)
    if errs.any():
        idx = np.argwhere(errs)[0]
        return np.empty(0), blk.obj[idx[0], idx[1]]
    sel = mm & (kk == K_NUM)
    return blk.nums()[:h, :w][sel], None


@fn("SUMIF", "RVR", min_args=2)
def SUMIF(rng: Any, crit: Any, sum_rng: Any = MISSING) -> Any:
    crits, logical = _crit_blocks([(rng, crit)])
    if not crits:
        return logical
    target = rng if sum_rng is MISSING else _resized(sum_rng, logical)
    x, err = _selected(target, crits, logical)
    if err is not None:
        return err
    return num_result(float(np.sum(x)))


def _ifs_values(target: Any, args: tuple[Any, ...]) -> tuple[Any, Any]:
    """The values of ``target`` selected by the (range, criteria) pairs of a *IFS call:
    ``(values, None)``, or ``(None, error)`` for an odd pair list or a bad range/criteria."""
    if len(args) % 2:
        return None, VALUE
    crits, logical = _crit_blocks(_pairs(args))
    if not crits:
        return None, logical
    return _selected(target, crits, logical)


@fn("SUMIFS", "RRV", rep=2, min_args=3, max_args=255)
def SUMIFS(sum_rng: Any, *args: Any) -> Any:
    x, err = _ifs_values(sum_rng, args)
    if err is not None:
        return err
    return num_result(float(np.sum(x)))


@fn("AVERAGEIF", "RVR", min_args=2)
def AVERAGEIF(rng: Any, crit: Any, avg_rng: Any = MISSING) -> Any:
    crits, logical = _crit_blocks([(rng, crit)])
    if not crits:
        return logical
    target = rng if avg_rng is MISSING else _resized(avg_rng, logical)
    x, err = _selected(target, crits, logical)
    if err is not None:
        return err
    if not len(x):
        return DIV0
    return num_result(float(np.sum(x)) / len(x))


@fn("AVERAGEIFS", "RRV", rep=2, min_args=3, max_args=255)
def AVERAGEIFS(avg_rng: Any, *args: Any) -> Any:
    x, err = _ifs_values(avg_rng, args)
    if err is not None:
        return err
    if not len(x):
        return DIV0
    return num_result(float(np.sum(x)) / len(x))


@fn("MINIFS", "RRV", rep=2, min_args=3, max_args=255)
def MINIFS(rng: Any, *args: Any) -> Any:
    x, err = _ifs_values(rng, args)
    if err is not None:
        return err
    return float(x.min()) if len(x) else 0.0


@fn("MAXIFS", "RRV", rep=2, min_args=3, max_args=255)
def MAXIFS(rng: Any, *args: Any) -> Any:
    x, err = _ifs_values(rng, args)
    if err is not None:
        return err
    return float(x.max()) if len(x) else 0.0


@fn("SUMPRODUCT", "A", rep=1, min_args=1, max_args=255)
def SUMPRODUCT(*args: Any) -> Any:
    mats = []
    shape = None
    for a in args:
        if a is MISSING:
            return VALUE
        if a.__class__ is Ref:
            arr = a.block().full()
        elif a.__class__ is np.ndarray:
            arr = a
        elif a.__class__ is Areas:
            return VALUE
        else:
            arr = np.empty((1, 1), dtype=object)
            arr[0, 0] = a
        if shape is None:
            shape = arr.shape
        elif arr.shape != shape:
            return VALUE
        mats.append(arr)
    total = None
    for arr in mats:
        flat = arr.reshape(-1)
        k = kinds_of(flat)
        e = np.flatnonzero(k == K_ERR)
        if e.size:
            return flat[e[0]]
        x = np.zeros(len(flat))
        m = k == K_NUM
        if m.any():
            x[m] = flat[m].astype(np.float64)
        total = x if total is None else total * x
    return num_result(float(np.sum(total))) if total is not None else 0.0


# --- order statistics -------------------------------------------------------------------------

def _nums(args: Any) -> tuple[np.ndarray, Any]:
    return numbers_of(args)


@fn("MEDIAN", "R", rep=1, min_args=1, max_args=255)
def MEDIAN(*args: Any) -> Any:
    x, err = _nums(args)
    if err is not None:
        return err
    if not len(x):
        return NUM
    return float(np.median(x))


def _percentile_inc(x: np.ndarray, k: float) -> Any:
    if not len(x) or k < 0 or k > 1:
        return NUM
    s = np.sort(x)
    pos = (len(s) - 1) * k
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    frac = pos - lo
    return num_result(float(s[lo] + (s[hi] - s[lo]) * frac))


def _percentile_exc(x: np.ndarray, k: float) -> Any:
    n = len(x)
    if not n or k <= 0 or k >= 1:
        return NUM
    pos = (n + 1) * k - 1
    if pos < 0 or pos > n - 1:
        return NUM
    s = np.sort(x)
    lo = math.floor(pos)
    hi = min(lo + 1, n - 1)
    return num_result(float(s[lo] + (s[hi] - s[lo]) * (pos - lo)))


@fn("PERCENTILE.INC", "RN", aliases=("PERCENTILE",))
def PERCENTILE_INC(arr: Any, k: float) -> Any:
    x, err = numbers_of([arr])
    if err is not None:
        return err
    return _percentile_inc(x, k)


@fn("PERCENTILE.EXC", "RN")
def PERCENTILE_EXC(arr: Any, k: float) -> Any:
    x, err = numbers_of([arr])
    if err is not None:
        return err
    return _percentile_exc(x, k)


@fn("QUARTILE.INC", "RI", aliases=("QUARTILE",))
def QUARTILE_INC(arr: Any, q: int) -> Any:
    x, err = numbers_of([arr])
    if err is not None:
        return err
    if q < 0 or q > 4:
        return NUM
    return _percentile_inc(x, q / 4)


@fn("QUARTILE.EXC", "RI")
def QUARTILE_EXC(arr: Any, q: int) -> Any:
    x, err = numbers_of([arr])
    if err is not None:
        return err
    if q <= 0 or q >= 4:
        return NUM
    return _percentile_exc(x, q / 4)


def _var(x: np.ndarray, ddof: int) -> Any:
    n = len(x)
    if n - ddof <= 0:
        return DIV0
    m = float(np.mean(x))
    return num_result(float(np.sum((x - m) ** 2)) / (n - ddof))


@fn("VAR.S", "R", rep=1, min_args=1, max_args=255, aliases=("VAR",))
def VAR_S(*args: Any) -> Any:
    x, err = _nums(args)
    return err if err is not None else _var(x, 1)


@fn("VAR.P", "R", rep=1, min_args=1, max_args=255, aliases=("VARP",))
def VAR_P(*args: Any) -> Any:
    x, err = _nums(args)
    return err if err is not None else _var(x, 0)


@fn("STDEV.S", "R", rep=1, min_args=1, max_args=255, aliases=("STDEV",))
def STDEV_S(*args: Any) -> Any:
    x, err = _nums(args)
    if err is not None:
        return err
    v = _var(x, 1)
    return v if v.__class__ is ExcelError else math.sqrt(v)


@fn("STDEV.P", "R", rep=1, min_args=1, max_args=255, aliases=("STDEVP",))
def STDEV_P(*args: Any) -> Any:
    x, err = _nums(args)
    if err is not None:
        return err
    v = _var(x, 0)
    return v if v.__class__ is ExcelError else math.sqrt(v)


@fn("LARGE", "RI")
def LARGE(arr: Any, k: int) -> Any:
    x, err = numbers_of([arr])
    if err is not None:
        return err
    if k < 1 or k > len(x):
        return NUM
    return float(np.sort(x)[::-1][k - 1])


@fn("SMALL", "RI")
def SMALL(arr: Any, k: int) -> Any:
    x, err = numbers_of([arr])
    if err is not None:
        return err
    if k < 1 or k > len(x):
        return NUM
    return float(np.sort(x)[k - 1])


@fn("RANK.EQ", "NRV", min_args=2, aliases=("RANK",))
def RANK_EQ(number: float, ref: Any, order: Any = 0.0) -> Any:
    if ref.__class__ is not Ref and ref.__class__ is not Areas:
        return VALUE
    x, err = numbers_of([ref])
    if err is not None:
        return err
    o = to_bool(order)
    if o.__class__ is ExcelError:
        return o
    if not (x == number).any():
        return NA
    return float((x < number).sum() + 1) if o else float((x > number).sum() + 1)


@fn("RANK.AVG", "NRV", min_args=2)
def RANK_AVG(number: float, ref: Any, order: Any = 0.0) -> Any:
    r = RANK_EQ(number, ref, order)
    if r.__class__ is ExcelError:
        return r
    x, _ = numbers_of([ref])
    ties = int((x == number).sum())
    return r + (ties - 1) / 2


@fn("AVERAGEA", "R", rep=1, min_args=1, max_args=255)
def AVERAGEA(*args: Any) -> Any:
    vals: list[float] = []
    for a in args:
        c = a.__class__
        if c is Ref or c is np.ndarray:
            blk = as_block(a)
            e = blk.first_error()
            if e is not None:
                return e
            k = blk.kinds()
            vals.extend(blk.nums()[k == K_NUM].tolist())
            vals.extend([1.0 if b else 0.0 for b in blk.obj[k == K_BOOL]])
            vals.extend([0.0] * int((k == K_TEXT).sum()))
        elif a is MISSING:
            vals.append(0.0)
        else:
            x = to_number(a)
            if x.__class__ is ExcelError:
                return x
            vals.append(x)
    if not vals:
        return DIV0
    return num_result(sum(vals) / len(vals))
