"""Text: LEN, LEFT, RIGHT, MID, UPPER, LOWER, PROPER, TRIM, CONCAT, CONCATENATE, TEXTJOIN,
SUBSTITUTE, REPLACE, FIND, SEARCH, REPT, EXACT, VALUE, TEXT, T, CHAR, CODE, CLEAN."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from kpi_xl.recalc.functions import fn
from kpi_xl.recalc.model import ExcelError
from kpi_xl.recalc.numfmt import fmt, text_section
from kpi_xl.recalc.runtime import Areas, Block, Ref
from kpi_xl.recalc.values import (
    MISSING,
    VALUE,
    general_text,
    parse_number,
    to_number,
    to_text,
    wildcard_regex,
)

_MAX_TEXT = 32767


def _cap(s: str) -> Any:
    return s if len(s) <= _MAX_TEXT else VALUE


@fn("LEN", "T")
def LEN(s: str) -> Any:
    return float(len(s))


@fn("LEFT", "TN", min_args=1)
def LEFT(s: str, n: float = 1.0) -> Any:
    if n < 0:
        return VALUE
    return s[: int(n)]


@fn("RIGHT", "TN", min_args=1)
def RIGHT(s: str, n: float = 1.0) -> Any:
    if n < 0:
        return VALUE
    k = int(n)
    return s[max(0, len(s) - k):] if k else ""


@fn("MID", "TNN")
def MID(s: str, start: float, n: float) -> Any:
    if start < 1 or n < 0:
        return VALUE
    a = int(start) - 1
    return s[a:a + int(n)]


@fn("UPPER", "T")
def UPPER(s: str) -> Any:
    return s.upper()


@fn("LOWER", "T")
def LOWER(s: str) -> Any:
    return s.lower()


@fn("PROPER", "T")
def PROPER(s: str) -> Any:
    out = []
    prev_alpha = False
    for ch in s:
        out.append(ch.lower() if prev_alpha else ch.upper())
        prev_alpha = ch.isalpha()
    return "".join(out)


@fn("TRIM", "T")
def TRIM(s: str) -> Any:
    return re.sub(" +", " ", s.strip(" "))


@fn("CLEAN", "T")
def CLEAN(s: str) -> Any:
    return "".join(ch for ch in s if ord(ch) >= 32)


def _texts(args: Any, skip_empty: bool = False) -> tuple[list[str], Any]:
    out: list[str] = []
    for a in args:
        c = a.__class__
        if c is Ref or c is np.ndarray or c is Areas:
            for r in (a if c is Areas else (a,)):
                blk = r.block() if r.__class__ is Ref else Block.of_array(r)
                e = blk.first_error()
                if e is not None:
                    return [], e
                for v in blk.flat_values():
                    if v is None:
                        if not skip_empty:
                            out.append("")
                        continue
                    t = general_text(v)
                    if skip_empty and t == "":
                        continue
                    out.append(t)
        elif a is MISSING:
            if not skip_empty:
                out.append("")
        else:
            t = to_text(a)
            if t.__class__ is ExcelError:
                return [], t
            if skip_empty and t == "":
                continue
            out.append(t)
    return out, None


@fn("CONCAT", "R", rep=1, min_args=1, max_args=254)
def CONCAT(*args: Any) -> Any:
    parts, err = _texts(args)
    return err if err is not None else _cap("".join(parts))


@fn("CONCATENATE", "T", rep=1, min_args=1, max_args=255)
def CONCATENATE(*args: str) -> Any:
    return _cap("".join(args))


@fn("TEXTJOIN", "TBR", rep=1, min_args=3, max_args=255)
def TEXTJOIN(delim: str, ignore_empty: bool, *args: Any) -> Any:
    parts, err = _texts(args, skip_empty=ignore_empty)
    return err if err is not None else _cap(delim.join(parts))


@fn("SUBSTITUTE", "TTTN", min_args=3)
def SUBSTITUTE(s: str, old: str, new: str, instance: Any = None) -> Any:
    if old == "":
        return s
    if instance is None:
        return _cap(s.replace(old, new))
    k = int(instance)
    if k < 1:
        return VALUE
    idx = -1
    for _ in range(k):
        idx = s.find(old, idx + 1)
        if idx < 0:
            return s
    return _cap(s[:idx] + new + s[idx + len(old):])


@fn("REPLACE", "TNNT")
def REPLACE(s: str, start: float, n: float, new: str) -> Any:
    if start < 1 or n < 0:
        return VALUE
    a = int(start) - 1
    return _cap(s[:a] + new + s[a + int(n):])


@fn("FIND", "TTN", min_args=2)
def FIND(needle: str, hay: str, start: float = 1.0) -> Any:
    k = int(start)
    if k < 1 or k > len(hay) + 1:
        return VALUE
    i = hay.find(needle, k - 1)
    return VALUE if i < 0 else float(i + 1)


@fn("SEARCH", "TTN", min_args=2)
def SEARCH(needle: str, hay: str, start: float = 1.0) -> Any:
    k = int(start)
    if k < 1 or k > len(hay) + 1:
        return VALUE
    rx = wildcard_regex(needle)
    m = re.compile(rx.pattern, re.IGNORECASE | re.DOTALL).search(hay, k - 1)
    return VALUE if m is None else float(m.start() + 1)


@fn("REPT", "TN")
def REPT(s: str, n: float) -> Any:
    if n < 0:
        return VALUE
    if len(s) * int(n) > _MAX_TEXT:
        return VALUE
    return s * int(n)


@fn("EXACT", "TT")
def EXACT(a: str, b: str) -> Any:
    return a == b


@fn("VALUE", "V")
def VALUE_(v: Any) -> Any:
    c = v.__class__
    if c is ExcelError:
        return v
    if c is bool:
        return VALUE
    if c is str:
        x = parse_number(v)
        return VALUE if x is None else x
    return to_number(v)


@fn("T", "V")
def T(v: Any) -> Any:
    if v.__class__ is ExcelError:
        return v
    return v if v.__class__ is str else ""


@fn("TEXT", "VT")
def TEXT(v: Any, f: str) -> Any:
    c = v.__class__
    if c is ExcelError:
        return v
    if c is bool:
        return "TRUE" if v else "FALSE"
    if c is str:
        x = parse_number(v)
        if x is None:
            return text_section(v, f)
        v = x
    if v is None or v is MISSING:
        v = 0.0
    return fmt(float(v), f)


@fn("CHAR", "N")
def CHAR(n: float) -> Any:
    k = int(n)
    if not 1 <= k <= 255:
        return VALUE
    return bytes([k]).decode("cp1252", errors="replace")


@fn("CODE", "T")
def CODE(s: str) -> Any:
    if not s:
        return VALUE
    try:
        return float(s[0].encode("cp1252")[0])
    except UnicodeEncodeError:
        return 63.0
