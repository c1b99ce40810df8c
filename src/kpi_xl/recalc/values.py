"""Excel value semantics: scalars, coercions, comparison, operators, dates, criteria.

Scalars are ``float``, ``str``, ``bool``, :class:`ExcelError` and ``None`` (a blank cell).
Everything here works on one scalar at a time and is the single source of truth; the
vectorised fast paths in :mod:`kpi_xl.recalc.vector` must agree with it.

>>> to_number("3") + 1
4.0
>>> compare("abc", "ABC"), compare(1.0, "a"), compare("z", True)
(0, -1, -1)
>>> xl_round(2.675, 2), xl_round(-2.5, 0)
(2.68, -3.0)
>>> general_text(0.1 + 0.2), general_text(1e20), general_text(True)
('0.3', '1E+20', 'TRUE')
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

import numpy as np

from kpi_xl.recalc.model import ExcelError

__all__ = [
    "DIV0",
    "NA",
    "NAME",
    "NULL",
    "NUM",
    "REF",
    "VALUE",
    "Criterion",
    "Unsupported",
    "compare",
    "date_from_serial",
    "general_text",
    "is_error",
    "norm",
    "parse_number",
    "serial_from_date",
    "to_bool",
    "to_number",
    "to_text",
    "xl_round",
]

DIV0 = ExcelError("#DIV/0!")
NA = ExcelError("#N/A")
NAME = ExcelError("#NAME?")
NULL = ExcelError("#NULL!")
NUM = ExcelError("#NUM!")
REF = ExcelError("#REF!")
VALUE = ExcelError("#VALUE!")
CALC = ExcelError("#CALC!")
SPILL = ExcelError("#SPILL!")

_ERRORS = {str(e): e for e in (DIV0, NA, NAME, NULL, NUM, REF, VALUE, CALC, SPILL)}


class Unsupported(Exception):
    """Raised when a formula needs something the evaluator does not implement."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class Missing:
    """An omitted argument (``IF(A1,,1)``)."""

    _inst: Missing | None = None

    def __new__(cls) -> Missing:
        if cls._inst is None:
            cls._inst = super().__new__(cls)
        return cls._inst

    def __repr__(self) -> str:
        return "MISSING"


MISSING = Missing()


def error(code: str) -> ExcelError:
    return _ERRORS.get(code) or ExcelError(code)


def is_error(v: Any) -> bool:
    return v.__class__ is ExcelError


def norm(v: Any) -> Any:
    """A cell value in the evaluator's scalar types."""
    cls = v.__class__
    if cls is float or cls is str or cls is bool or v is None or cls is ExcelError:
        return v
    if cls is int:
        return float(v)
    if isinstance(v, ExcelError):
        return v
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
        return f if math.isfinite(f) else NUM
    if isinstance(v, _dt.datetime):
        return serial_from_datetime(v)
    if isinstance(v, _dt.date):
        return float(serial_from_date(v.year, v.month, v.day))
    if isinstance(v, _dt.time):
        return (v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6) / 86400
    if isinstance(v, str):
        return str(v)
    if isinstance(v, Missing):
        return None
    return str(v)


# --- numbers ------------------------------------------------------------------------------

def num_result(x: float) -> float | ExcelError:
    """A float as a cell value: NaN and infinities are #NUM!, -0.0 is 0.0."""
    if x != x or x in (math.inf, -math.inf):
        return NUM
    return x + 0.0


_EPS48 = 2.0 ** -48


def approx_equal(a: float, b: float) -> bool:
    """Equal up to the last few bits (what both Excel and LibreOffice use in comparisons)."""
    if a == b:
        return True
    d = abs(a - b)
    return d < abs(a) * _EPS48 and d < abs(b) * _EPS48


def approx_add(a: float, b: float) -> float:
    """``a + b``, snapped to 0 when the operands cancel up to rounding noise."""
    if ((a < 0.0 < b) or (b < 0.0 < a)) and approx_equal(a, -b):
        return 0.0
    return a + b


def approx_sub(a: float, b: float) -> float:
    if ((a < 0.0 and b < 0.0) or (a > 0.0 and b > 0.0)) and approx_equal(a, b):
        return 0.0
    return a - b


def snap(y: float) -> float:
    """``y`` snapped to the nearest integer when it is within rounding noise of it
    (so ``ROUNDUP(0.1+0.2, 1)`` is 0.3, as in Excel)."""
    r = math.floor(y + 0.5)
    if abs(y - r) <= abs(y) * 2.0 ** -50:
        return float(r)
    return y


def xl_round(x: float, digits: float, mode: str = "half") -> float | ExcelError:
    """ROUND (``half``: half away from zero), ROUNDUP (``up``) and ROUNDDOWN (``down``)."""
    n = math.trunc(digits)
    if not math.isfinite(x):
        return NUM
    if x == 0:
        return 0.0
    if n > 15:
        n = 15
    if n < -308:
        return 0.0
    scale = 10.0 ** abs(n)
    y = abs(x) * scale if n >= 0 else abs(x) / scale
    if not math.isfinite(y):
        return x
    if mode == "half":
        f = math.floor(y)
        frac = y - f
        if frac >= 0.5 - y * 2.0 ** -50 - 1e-300:
            f += 1.0
        r = f
    else:
        y = snap(y)
        r = math.ceil(y) if mode == "up" else math.floor(y)
    out = r / scale if n >= 0 else r * scale
    out = math.copysign(out, x) if out else 0.0
    return num_result(out)


def general_text(v: Any) -> str:
    """A value as text the way ``&`` and CONCAT show it: up to 15 significant digits, fixed
    notation from 1E-9 up to 1E+15, otherwise scientific (``1E+20``, ``1.5E-12``)."""
    cls = v.__class__
    if cls is str or cls is ExcelError:
        return str(v)
    if cls is bool:
        return "TRUE" if v else "FALSE"
    if v is None:
        return ""
    x = float(v)
    if x == 0 or x != x:
        return "0"
    if x == math.trunc(x) and abs(x) < 1e15:
        return str(int(x))
    s = f"{x:.15g}"
    a = abs(float(s))
    if 1e-9 <= a < 1e15:
        if "e" in s:
            s = format(Decimal(s), "f")
        if "." in s:
            s = s.rstrip("0").rstrip(".")
        return s
    mant, _, exp = f"{x:.14e}".partition("e")
    mant = mant.rstrip("0").rstrip(".")
    e = int(exp)
    return f"{mant}E{'+' if e >= 0 else '-'}{abs(e):02d}"


# --- text to number -----------------------------------------------------------------------

_NUM_RE = re.compile(r"^\s*([+-]?)\s*(\$?)\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(\.[0-9]*)?"
                     r"(?:[eE]([+-]?[0-9]+))?\s*(%?)\s*$")
_ISO_DATE_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?)?\s*$")
_US_DATE_RE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{2,4})\s*$")
_TIME_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?\s*(AM|PM|am|pm)?\s*$")


@lru_cache(maxsize=65536)
def parse_number(s: str) -> float | None:
    """Excel's reading of text as a number (``"3"``, ``" 1,234.5 "``, ``"50%"``,
    ``"$12"``, ``"1e3"``, ``"2024-01-31"``, ``"12:30"``); None if it is not one."""
    m = _NUM_RE.match(s)
    if m and (m.group(3) or (m.group(4) and len(m.group(4)) > 1)):
        sign, _cur, whole, frac, exp, pct = m.groups()
        try:
            x = float(whole.replace(",", "") + (frac or "") + (f"e{exp}" if exp else ""))
        except ValueError:
            return None
        if sign == "-":
            x = -x
        if pct:
            x /= 100.0
        return x if math.isfinite(x) else None
    m = _ISO_DATE_RE.match(s)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        try:
            _dt.date(y, mo, d)
        except ValueError:
            return None
        serial = float(serial_from_date(y, mo, d))
        if m.group(4):
            serial += (int(m.group(4)) * 3600 + int(m.group(5)) * 60
                       + float(m.group(6) or 0)) / 86400
        return serial
    m = _US_DATE_RE.match(s)
    if m:
        mo, d, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if y < 100:
            y += 2000 if y < 30 else 1900
        try:
            _dt.date(y, mo, d)
        except ValueError:
            return None
        return float(serial_from_date(y, mo, d))
    m = _TIME_RE.match(s)
    if m:
        h, mi, sec = int(m.group(1)), int(m.group(2)), float(m.group(3) or 0)
        ap = (m.group(4) or "").upper()
        if ap:
            if not 1 <= h <= 12:
                return None
            h = h % 12 + (12 if ap == "PM" else 0)
        if mi >= 60 or sec >= 60:
            return None
        return (h * 3600 + mi * 60 + sec) / 86400
    return None


def to_number(v: Any) -> float | ExcelError:
    """A scalar as a number for arithmetic: blank 0, TRUE 1, numeric text converted."""
    cls = v.__class__
    if cls is float:
        return v
    if v is None or v is MISSING:
        return 0.0
    if cls is bool:
        return 1.0 if v else 0.0
    if cls is ExcelError:
        return v
    if cls is str:
        x = parse_number(v)
        return VALUE if x is None else x
    if isinstance(v, (int, float)):
        return float(v)
    return VALUE


def to_int(v: Any) -> int | ExcelError:
    x = to_number(v)
    if x.__class__ is ExcelError:
        return x
    if not math.isfinite(x) or abs(x) > 2**53:
        return NUM
    return math.trunc(x)


def to_bool(v: Any) -> bool | ExcelError:
    cls = v.__class__
    if cls is bool:
        return v
    if cls is float or cls is int:
        return v != 0
    if v is None or v is MISSING:
        return False
    if cls is ExcelError:
        return v
    if cls is str:
        u = v.strip().upper()
        if u == "TRUE":
            return True
        if u == "FALSE":
            return False
        return VALUE
    return VALUE


def to_text(v: Any) -> str | ExcelError:
    if v.__class__ is ExcelError:
        return v
    if v is MISSING:
        return ""
    return general_text(v)


# --- comparison ---------------------------------------------------------------------------

def _rank(v: Any) -> int:
    cls = v.__class__
    if cls is bool:
        return 2
    if cls is str:
        return 1
    return 0


def fold(s: str) -> str:
    return s.casefold()


def compare(a: Any, b: Any) -> int:
    """-1, 0 or 1 in Excel's order: numbers < text < FALSE < TRUE; text case-insensitive;
    a blank is 0, "" or FALSE, whichever the other side is. Errors are handled by callers."""
    if a is None or a is MISSING:
        if b is None or b is MISSING:
            return 0
        a = {0: 0.0, 1: "", 2: False}[_rank(b)]
    elif b is None or b is MISSING:
        b = {0: 0.0, 1: "", 2: False}[_rank(a)]
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra == 0:
        x, y = float(a), float(b)
        if approx_equal(x, y):
            return 0
        return -1 if x < y else 1
    if ra == 1:
        x, y = fold(a), fold(b)
        return 0 if x == y else (-1 if x < y else 1)
    return 0 if a == b else (-1 if not a else 1)


_CMP = {
    "=": lambda c: c == 0, "<>": lambda c: c != 0, "<": lambda c: c < 0,
    ">": lambda c: c > 0, "<=": lambda c: c <= 0, ">=": lambda c: c >= 0,
}


def op_compare(op: str, a: Any, b: Any) -> Any:
    if a.__class__ is ExcelError:
        return a
    if b.__class__ is ExcelError:
        return b
    return _CMP[op](compare(a, b))


def op_arith(op: str, a: Any, b: Any) -> Any:
    """Arithmetic: an error operand wins (the left one first), then text is converted."""
    if a.__class__ is ExcelError:
        return a
    if b.__class__ is ExcelError:
        return b
    x = to_number(a)
    if x.__class__ is ExcelError:
        return x
    y = to_number(b)
    if y.__class__ is ExcelError:
        return y
    if op == "+":
        return num_result(approx_add(x, y))
    if op == "-":
        return num_result(approx_sub(x, y))
    if op == "*":
        return num_result(x * y)
    if op == "/":
        if y == 0:
            return DIV0
        return num_result(x / y)
    return power(x, y)


def power(x: float, y: float) -> float | ExcelError:
    if x == 0:
        if y == 0:
            return NUM
        if y < 0:
            return DIV0
        return 0.0
    try:
        if x < 0 and y != math.trunc(y):
            inv = 1.0 / y
            if abs(inv - round(inv)) < 1e-10 and round(inv) % 2 == 1:
                return num_result(-((-x) ** y))
            return NUM
        r = x ** y
    except OverflowError:
        return NUM
    except ZeroDivisionError:
        return DIV0
    if isinstance(r, complex):
        return NUM
    return num_result(float(r))


def op_concat(a: Any, b: Any) -> Any:
    if a.__class__ is ExcelError:
        return a
    if b.__class__ is ExcelError:
        return b
    x = to_text(a)
    if x.__class__ is ExcelError:
        return x
    y = to_text(b)
    if y.__class__ is ExcelError:
        return y
    return x + y


def op_neg(a: Any) -> Any:
    x = to_number(a)
    if x.__class__ is ExcelError:
        return x
    return 0.0 - x


def op_pct(a: Any) -> Any:
    x = to_number(a)
    if x.__class__ is ExcelError:
        return x
    return x / 100.0


def op_plus(a: Any) -> Any:
    """Unary plus: the value unchanged (a blank reads as 0)."""
    return 0.0 if a is None else a


BINARY_OPS = {
    "+": lambda a, b: op_arith("+", a, b),
    "-": lambda a, b: op_arith("-", a, b),
    "*": lambda a, b: op_arith("*", a, b),
    "/": lambda a, b: op_arith("/", a, b),
    "^": lambda a, b: op_arith("^", a, b),
    "&": op_concat,
    "=": lambda a, b: op_compare("=", a, b),
    "<>": lambda a, b: op_compare("<>", a, b),
    "<": lambda a, b: op_compare("<", a, b),
    ">": lambda a, b: op_compare(">", a, b),
    "<=": lambda a, b: op_compare("<=", a, b),
    ">=": lambda a, b: op_compare(">=", a, b),
}


# --- dates --------------------------------------------------------------------------------

_BASE = _dt.date(1899, 12, 30)
_BASE1904 = _dt.date(1904, 1, 1)
MAX_SERIAL = 2958465  # 9999-12-31


def serial_from_date(y: int, m: int, d: int, date1904: bool = False) -> int:
    """Serial of a real calendar date (1900 system: dates before 1900-03-01 are one less,
    because Excel counts the fictional 1900-02-29 as serial 60)."""
    if date1904:
        return (_dt.date(y, m, d) - _BASE1904).days
    days = (_dt.date(y, m, d) - _BASE).days
    return days - 1 if days < 61 else days


def serial_from_datetime(v: _dt.datetime, date1904: bool = False) -> float:
    s = serial_from_date(v.year, v.month, v.day, date1904)
    return s + (v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6) / 86400


def date_from_serial(serial: float, date1904: bool = False) -> tuple[int, int, int] | ExcelError:
    """``(year, month, day)`` of a serial; serial 0 is 1900-01-00 and 60 is 1900-02-29."""
    if serial != serial or serial < 0 or serial >= MAX_SERIAL + 1:
        return NUM
    n = math.floor(serial)
    if date1904:
        d = _BASE1904 + _dt.timedelta(days=n)
        return d.year, d.month, d.day
    if n == 0:
        return 1900, 1, 0
    if n == 60:
        return 1900, 2, 29
    if n < 60:
        n += 1
    d = _BASE + _dt.timedelta(days=n)
    return d.year, d.month, d.day


def serial_ymd(y: int, m: int, d: int, date1904: bool = False) -> float | ExcelError:
    """DATE(y, m, d) with Excel's overflow rules (months and days roll over)."""
    if 0 <= y < 1900 and not date1904:
        y += 1900
    elif 0 <= y < 1904 and date1904:
        y += 1900
    if y < 0 or y > 9999:
        return NUM
    y += (m - 1) // 12
    m = (m - 1) % 12 + 1
    if y < 1900 or y > 9999:
        return NUM
    try:
        first = serial_from_date(y, m, 1, date1904)
    except (ValueError, OverflowError):
        return NUM
    s = first + d - 1
    if s < 0 or s > MAX_SERIAL:
        return NUM
    return float(s)


# --- criteria (COUNTIF, SUMIFS, ...) ------------------------------------------------------

@lru_cache(maxsize=4096)
def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """``*`` any text, ``?`` one character, ``~`` escapes; case-insensitive, whole text."""
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "~" and i + 1 < len(pattern) and pattern[i + 1] in "*?~":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def has_wildcards(s: str) -> bool:
    return "*" in s or "?" in s or "~" in s


class Criterion:
    """A compiled criteria argument: ``">=9"``, ``"<>x"``, ``"a*"``, ``5``, ``TRUE``..."""

    __slots__ = ("kind", "op", "regex", "value")

    def __init__(self, crit: Any) -> None:
        self.regex: re.Pattern[str] | None = None
        cls = crit.__class__
        if crit is None or crit is MISSING:
            # "If the criteria argument is a reference to an empty cell, the COUNTIFS
            # function treats the empty cell as a 0 value." (Excel's documentation)
            self.op, self.kind, self.value = "=", "num", 0.0
            return
        if cls is bool:
            self.op, self.kind, self.value = "=", "bool", crit
            return
        if cls is ExcelError:
            self.op, self.kind, self.value = "=", "err", str(crit)
            return
        if cls is not str:
            self.op, self.kind, self.value = "=", "num", float(crit)
            return
        s = crit
        op = "="
        for cand in ("<=", ">=", "<>", "=", "<", ">"):
            if s.startswith(cand):
                op, s = cand, s[len(cand):]
                break
        self.op = op
        if s == "":
            self.kind, self.value = ("blank" if crit else "blank_or_empty"), None
            if op == "<>":
                self.kind = "nonblank"
            elif op != "=":
                self.kind, self.value = "text", ""
            return
        x = parse_number(s)
        if x is not None:
            self.kind, self.value = "num", x
            return
        u = s.upper()
        if u in ("TRUE", "FALSE"):
            self.kind, self.value = "bool", u == "TRUE"
            return
        if u in _ERRORS:
            self.kind, self.value = "err", u
            return
        self.kind, self.value = "text", s
        if op in ("=", "<>") and has_wildcards(s):
            self.regex = wildcard_regex(s)

    def match(self, v: Any) -> bool:
        kind, op = self.kind, self.op
        cls = v.__class__
        if kind == "blank_or_empty":
            return v is None or (cls is str and v == "")
        if kind == "blank":
            return v is None
        if kind == "nonblank":
            return v is not None
        if kind == "err":
            hit = cls is ExcelError and str(v) == self.value
            return hit if op == "=" else (not hit if op == "<>" else False)
        if kind == "bool":
            if cls is not bool:
                return op == "<>"
            return _CMP[op](compare(v, self.value))
        if kind == "num":
            if cls is float or cls is int:
                return _CMP[op](compare(float(v), self.value))
            if op == "=" and cls is str:
                x = parse_number(v)
                return x is not None and approx_equal(x, self.value)
            return op == "<>" and not (cls is str and parse_number(v) == self.value)
        # text
        if cls is not str or cls is ExcelError:
            if op == "<>":
                return True
            return False
        if self.regex is not None:
            hit = self.regex.fullmatch(v) is not None
            return hit if op == "=" else not hit
        return _CMP[op](compare(v, self.value))
