"""Shared input validation: turn Python, numpy and pandas inputs into checked floats.

The rules are the spec's §1.3, implemented once here and used by every KPI:

* ``None``, ``NaN``, ``pd.NA``/``NaT`` and ``""`` are *blank*. Blanks inside a range are
  skipped; a blank scalar argument is E-MISSING.
* Text (other than ``""``) and booleans where a number is required are E-TYPE. Survey and
  value ranges take ``invalid="ignore"`` to drop them instead.
* Ranges may be any iterable, nested lists (Excel 2-D ranges, flattened in row order), numpy
  arrays of any shape or pandas Series/DataFrames.
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from kpi_xl.core.errors import (
    DivisionByZeroError,
    DomainError,
    EmptyInputError,
    KpiTypeError,
    MissingValueError,
    NegativeValueError,
    OutOfRangeError,
    SubsetError,
)

__all__ = [
    "INVALID_MODES",
    "amount",
    "check_finite",
    "choice",
    "count",
    "divide",
    "flatten",
    "is_blank",
    "nonnegative",
    "number",
    "number_rows",
    "optional_number",
    "per",
    "score_array",
    "score_rows",
    "share_of",
    "subset",
    "to_datetime64",
    "value_array",
]

INVALID_MODES = ("error", "ignore")


def is_blank(value: Any) -> bool:
    """True for the values kpi-xl treats as an empty cell: None, NaN, NA, NaT and ``""``.

    >>> [is_blank(v) for v in (None, float("nan"), "", 0, "x")]
    [True, True, True, False, False]
    """
    if value is None:
        return True
    if isinstance(value, str):
        return value == ""
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, (np.floating, np.datetime64, np.timedelta64)):
        return bool(np.isnan(value))
    # pandas' NA and NaT without importing pandas (keeps the core import light)
    return type(value).__name__ in ("NAType", "NaTType")


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _describe_type(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "a boolean is not a number"
    if isinstance(value, str):
        return "text is not a number"
    return f"{type(value).__name__} is not a number"


def flatten(values: Any) -> np.ndarray:
    """Flatten a scalar or range into a 1-D numpy array, in row order.

    Numeric input comes back as ``float64`` (blanks as NaN); mixed input as ``object``.

    >>> flatten([[1, 2], [None, 4]])
    array([ 1.,  2., nan,  4.])
    >>> flatten(3)
    array([3.])
    """
    if values is None:
        return np.empty(0, dtype=float)
    to_numpy = getattr(values, "to_numpy", None)
    if to_numpy is not None and (hasattr(values, "dtype") or hasattr(values, "dtypes")):
        kind = _pandas_kind(values)
        if kind == "numeric":
            return np.asarray(to_numpy(dtype=float, na_value=np.nan)).ravel()
        if kind == "datetime":
            return np.asarray(to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT"))).ravel()
        arr = np.asarray(to_numpy(dtype=object)).ravel()
        return arr
    if isinstance(values, np.ndarray):
        if values.dtype.kind in "iuf":
            return values.astype(float, copy=False).ravel()
        if values.dtype.kind == "M":  # keep timestamps as timestamps (object would give ints)
            return values.ravel()
        return values.astype(object).ravel()
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        values = [values]
    flat: list[Any] = []
    _flatten_into(values, flat)
    if all(v is None or _is_number(v) for v in flat):
        return np.asarray([np.nan if v is None else v for v in flat], dtype=float)
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out


def _pandas_kind(obj: Any) -> str:
    dtypes = [obj.dtype] if hasattr(obj, "dtype") else list(obj.dtypes)
    kinds = {getattr(dt, "kind", "O") for dt in dtypes}
    if kinds <= set("iuf"):
        return "numeric"
    if kinds == {"M"} and all(getattr(dt, "tz", None) is None for dt in dtypes):
        return "datetime"
    return "object"


def _flatten_into(values: Iterable[Any], out: list[Any]) -> None:
    for v in values:
        # Nested ranges (lists, arrays, Series) are flattened; scalars that merely have a
        # to_numpy method (pandas Timestamp, NaT) are not ranges.
        if isinstance(v, (list, tuple, np.ndarray)) or (
            hasattr(v, "to_numpy") and hasattr(v, "__len__") and not isinstance(v, (str, bytes))
        ):
            _flatten_into(np.asarray(v, dtype=object).ravel().tolist(), out)
        else:
            out.append(v)


def value_array(values: Any, name: str, *, invalid: str = "error") -> np.ndarray:
    """The numeric values of a range as ``float64``, blanks skipped.

    Text and booleans raise E-TYPE unless ``invalid="ignore"``, which drops them.

    >>> value_array([1, None, "", 2.5], "x")
    array([1. , 2.5])
    """
    mode = choice(invalid, "invalid", INVALID_MODES)
    arr = flatten(values)
    if arr.dtype == object:
        keep = np.empty(len(arr), dtype=bool)
        nums = np.empty(len(arr), dtype=float)
        for i, v in enumerate(arr):
            if is_blank(v):
                keep[i] = False
            elif _is_number(v):
                keep[i] = True
                nums[i] = float(v)
            elif mode == "ignore":
                keep[i] = False
            else:
                raise KpiTypeError.bad(name, v, f"{_describe_type(v)} (pass invalid='ignore' to skip it)")
        arr = nums[keep]
    blank = np.isnan(arr)
    if blank.any():
        arr = arr[~blank]
    # A sum is the cheapest full pass that notices an infinity; only then look closer.
    with np.errstate(over="ignore", invalid="ignore"):
        suspicious = arr.size and not math.isfinite(float(arr.sum()))
    if suspicious:
        infinite = np.isinf(arr)
        if infinite.any():
            if mode == "error":
                raise OutOfRangeError.bad(name, float(arr[infinite][0]),
                                          "infinite values are not valid observations")
            arr = arr[~infinite]
    return arr


def score_array(values: Any, name: str, low: int, high: int, *, invalid: str = "error") -> np.ndarray:
    """Survey responses as ``float64``: whole numbers in ``[low, high]``, blanks skipped.

    Off-scale or fractional scores are E-RANGE, text and booleans E-TYPE; ``invalid="ignore"``
    drops both. An empty result is E-EMPTY.

    >>> score_array([10, 9, None, 0], "scores", 0, 10)
    array([10.,  9.,  0.])
    """
    invalid = choice(invalid, "invalid", INVALID_MODES)
    arr = value_array(values, name, invalid=invalid)
    # Two cheap reductions first: the common, valid case never allocates a mask.
    if arr.size and (arr.min() < low or arr.max() > high or not np.array_equal(arr, np.floor(arr))):
        bad_mask = (arr < low) | (arr > high) | (arr != np.floor(arr))
        if invalid == "ignore":
            arr = arr[~bad_mask]
        else:
            bad = arr[bad_mask][0]
            raise OutOfRangeError.bad(
                name, _plain(bad),
                f"a valid response is a whole number from {low} to {high} "
                "(pass invalid='ignore' to skip it)")
    if arr.size == 0:
        raise EmptyInputError(f"E-EMPTY: argument {name!r} has no valid responses", argument=name)
    return arr


def _plain(x: float) -> float | int:
    return int(x) if float(x).is_integer() else float(x)


def number(value: Any, name: str) -> float:
    """A required scalar number. Blank is E-MISSING; text/boolean is E-TYPE.

    A one-cell range (``[5]`` or ``[[5]]``, as Excel passes a single cell) is accepted.

    >>> number(5, "cost")
    5.0
    """
    if isinstance(value, (list, tuple, np.ndarray)) or hasattr(value, "to_numpy"):
        arr = flatten(value)
        if arr.size != 1:
            raise KpiTypeError.bad(name, value, "expected a single number, got a range")
        value = arr[0]
    if is_blank(value):
        raise MissingValueError(f"E-MISSING: argument {name!r} is blank", argument=name, value=value)
    if not _is_number(value):
        raise KpiTypeError.bad(name, value, _describe_type(value))
    out = float(value)
    if not math.isfinite(out):
        raise OutOfRangeError.bad(name, out, "must be a finite number")
    return out


def optional_number(value: Any, name: str, default: float | None = None) -> float | None:
    """Like :func:`number`, but a blank gives ``default``."""
    if is_blank(value) or (isinstance(value, (list, tuple)) and len(value) == 0):
        return default
    return number(value, name)


def amount(value: Any, name: str) -> float:
    """A scalar or a range that is summed (blanks skipped), as Excel's SUM would.

    An argument that is entirely blank is E-MISSING; text or booleans are E-TYPE.

    >>> amount([30_000, None, 20_000], "spend")
    50000.0
    """
    arr = flatten(value)
    if arr.size == 1 and not (arr.dtype != object and np.isnan(arr[0])):
        return number(arr[0], name)
    if arr.dtype != object and arr.size:
        # Fast path for numeric ranges: one pass, blanks (NaN) skipped as SUM does.
        total = float(np.nansum(arr))
        if math.isfinite(total) and (total != 0 or not np.isnan(arr).all()):
            return total
    vals = value_array(arr, name)
    if vals.size == 0:
        raise MissingValueError(f"E-MISSING: argument {name!r} is blank", argument=name)
    return float(vals.sum())


def nonnegative(x: float, name: str) -> float:
    """Raise E-NEG when ``x < 0``."""
    if x < 0:
        raise NegativeValueError.bad(name, _plain(x), "must not be negative")
    return x


def count(value: Any, name: str) -> float:
    """A non-negative whole number (scalar, or a range summed). E-NEG otherwise.

    >>> count(25, "customers_lost")
    25.0
    """
    x = nonnegative(amount(value, name), name)
    if not float(x).is_integer():
        raise NegativeValueError.bad(name, x, "a count must be a whole number")
    return x


def subset(part: float, part_name: str, whole: float, whole_name: str) -> None:
    """Raise E-SUBSET when a subset ``part`` exceeds its universe ``whole``."""
    if part > whole:
        raise SubsetError(
            f"E-SUBSET: argument {part_name!r} = {_plain(part)} exceeds "
            f"{whole_name!r} = {_plain(whole)}", argument=part_name, value=part)


def share_of(part: Any, part_name: str, whole: Any, whole_name: str, *, counts: bool = True
             ) -> float:
    """``part / whole`` for a part drawn from its whole (clicks of impressions, customers lost
    of customers at start): both non-negative (whole numbers when ``counts``), the part no
    larger than the whole (E-SUBSET), a zero whole E-DIV0.

    >>> share_of(5, "clicks", 100, "impressions")
    0.05
    """
    read = count if counts else (lambda v, n: nonnegative(amount(v, n), n))
    p, w = read(part, part_name), read(whole, whole_name)
    subset(p, part_name, w, whole_name)
    return divide(p, w, whole_name)


def per(amount_value: Any, amount_name: str, base: Any, base_name: str, *,
        base_is_count: bool = True) -> float:
    """An amount per unit of a base (cost per lead, revenue per order): a non-negative amount
    over a count (or, with ``base_is_count=False``, a non-negative amount); E-NEG for negatives,
    E-DIV0 for a zero base.

    >>> per(5_000, "spend", 400, "leads")
    12.5
    """
    a = nonnegative(amount(amount_value, amount_name), amount_name)
    b = count(base, base_name) if base_is_count else nonnegative(amount(base, base_name), base_name)
    return divide(a, b, base_name)


def divide(numerator: float, denominator: float, denominator_name: str) -> float:
    """``numerator / denominator``; a zero denominator is E-DIV0."""
    if denominator == 0:
        raise DivisionByZeroError(f"E-DIV0: argument {denominator_name!r} is 0",
                                  argument=denominator_name, value=denominator)
    return check_finite(numerator / denominator, denominator_name)


def check_finite(x: float, name: str) -> float:
    """Guard against overflow: a non-finite result is E-DOMAIN, never returned."""
    if not math.isfinite(x):
        raise DomainError(f"E-DOMAIN: the result overflows (argument {name!r})", argument=name)
    return x


def choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """A text option, case-insensitive, one of ``choices``; anything else is E-DOMAIN.

    >>> choice("GA4", "definition", ("ga4", "ua"))
    'ga4'
    """
    if isinstance(value, str) and value.strip().lower() in choices:
        return value.strip().lower()
    if is_blank(value) and choices:
        return choices[0]
    raise DomainError.bad(name, value, f"expected one of {', '.join(map(repr, choices))}")


def to_datetime64(values: Any, name: str) -> np.ndarray:
    """Timestamps (datetime, numpy/pandas datetimes, ISO text or Excel serial numbers)
    as ``datetime64[ns]``; blanks become NaT."""
    flat = flatten(values)
    if flat.dtype.kind == "M":
        return flat.astype("datetime64[ns]")
    out = np.empty(len(flat), dtype="datetime64[ns]")
    for i, v in enumerate(flat):
        out[i] = _one_datetime(v, name)
    return out


_EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")
_MAX_SERIAL = 132_000.0  # 2261-05-24, inside datetime64[ns]'s range


def _one_datetime(v: Any, name: str) -> np.datetime64:
    if is_blank(v):
        return np.datetime64("NaT", "ns")
    if isinstance(v, (bool, np.bool_)):
        raise KpiTypeError.bad(name, v, "a boolean is not a date")
    if _is_number(v):  # an Excel serial date (1900 date system)
        # datetime64[ns] ends in April 2262 (serial curtailed there, not wrapped around)
        if not math.isfinite(float(v)) or not 0 <= float(v) < _MAX_SERIAL:
            raise DomainError.bad(name, v, "not a valid Excel date serial")
        return _EXCEL_EPOCH + np.timedelta64(round(float(v) * 86_400_000_000), "us")
    if isinstance(v, (_dt.datetime, _dt.date, np.datetime64)) or type(v).__name__ == "Timestamp":
        return np.datetime64(v, "ns")
    if isinstance(v, str):
        try:
            return np.datetime64(_dt.datetime.fromisoformat(v.strip()), "ns")
        except ValueError:
            raise KpiTypeError.bad(name, v, "text is not a date (use ISO 8601, e.g. 2024-03-01 09:30)") from None
    raise KpiTypeError.bad(name, v, f"{type(v).__name__} is not a date")


def number_rows(values: Any, name: str, *, invalid: str = "error") -> np.ndarray:
    """Row-aligned numbers for roll-ups: ``float64`` of the input's length, blanks as NaN.

    Text and booleans are E-TYPE, or NaN with ``invalid="ignore"``.

    >>> number_rows([1, None, "", 2], "x")
    array([ 1., nan, nan,  2.])
    """
    arr = flatten(values)
    if arr.dtype != object:
        return arr
    out = np.full(len(arr), np.nan)
    for i, v in enumerate(arr):
        if is_blank(v):
            continue
        if _is_number(v):
            out[i] = float(v)
        elif invalid == "error":
            raise KpiTypeError.bad(name, v, f"{_describe_type(v)} (pass invalid='ignore' to skip it)")
    return out


def score_rows(values: Any, name: str, low: int, high: int, *, invalid: str = "error") -> np.ndarray:
    """Row-aligned survey responses for roll-ups: a ``float64`` array of the same length as
    the input, blanks (and, with ``invalid="ignore"``, invalid responses) as NaN.

    >>> score_rows([10, None, 7], "scores", 0, 10)
    array([10., nan,  7.])
    """
    mode = choice(invalid, "invalid", INVALID_MODES)
    arr = number_rows(values, name, invalid=mode).copy()
    with np.errstate(invalid="ignore"):
        bad = (arr < low) | (arr > high) | (arr != np.floor(arr))
    bad &= ~np.isnan(arr)
    if bad.any():
        if mode == "error":
            raise OutOfRangeError.bad(name, _plain(arr[bad][0]),
                                      f"a valid response is a whole number from {low} to {high}")
        arr[bad] = np.nan
    return arr
