"""Dates as serial numbers: DATE, YEAR, MONTH, DAY, TODAY, EOMONTH, EDATE, NETWORKDAYS,
WORKDAY, WEEKDAY, WEEKNUM, ISOWEEKNUM, DAYS, DATEDIF, DATEVALUE, TIME, HOUR, MINUTE, SECOND."""

from __future__ import annotations

import calendar
import datetime as _dt
import math
from typing import Any

import numpy as np

from kpi_xl.recalc.argutil import numbers_of
from kpi_xl.recalc.functions import fn
from kpi_xl.recalc.model import ExcelError
from kpi_xl.recalc.values import (
    MAX_SERIAL,
    MISSING,
    NUM,
    VALUE,
    date_from_serial,
    parse_number,
    serial_from_date,
    serial_ymd,
)


def _ymd(cx: Any, serial: float) -> Any:
    return date_from_serial(serial, cx.date1904)


@fn("DATE", "NNN", ctx=True)
def DATE(cx: Any, y: float, m: float, d: float) -> Any:
    return serial_ymd(int(y), math.floor(m), math.floor(d), cx.date1904)


@fn("YEAR", "N", ctx=True)
def YEAR(cx: Any, s: float) -> Any:
    r = _ymd(cx, s)
    return r if r.__class__ is ExcelError else float(r[0])


@fn("MONTH", "N", ctx=True)
def MONTH(cx: Any, s: float) -> Any:
    r = _ymd(cx, s)
    return r if r.__class__ is ExcelError else float(r[1])


@fn("DAY", "N", ctx=True)
def DAY(cx: Any, s: float) -> Any:
    r = _ymd(cx, s)
    return r if r.__class__ is ExcelError else float(r[2])


@fn("TODAY", "", ctx=True, volatile=True)
def TODAY(cx: Any) -> Any:
    t = cx.book.today
    return float(serial_from_date(t.year, t.month, t.day, cx.date1904))


def _real(cx: Any, s: float) -> _dt.date | ExcelError:
    r = _ymd(cx, s)
    if r.__class__ is ExcelError:
        return r
    y, m, d = r
    if d == 0:  # serial 0: 1900-01-00
        return _dt.date(1899, 12, 31)
    if (y, m, d) == (1900, 2, 29):
        return _dt.date(1900, 2, 28)
    return _dt.date(y, m, d)


def _add_months(cx: Any, start: float, months: float, end: bool) -> Any:
    d = _real(cx, start)
    if d.__class__ is ExcelError:
        return d
    k = math.trunc(months)
    total = d.year * 12 + (d.month - 1) + k
    y, m = divmod(total, 12)
    m += 1
    if y < 1900 or y > 9999:
        return NUM
    last = calendar.monthrange(y, m)[1]
    day = last if end else min(d.day, last)
    s = serial_from_date(y, m, day, cx.date1904)
    if s < 0 or s > MAX_SERIAL:
        return NUM
    return float(s)


@fn("EOMONTH", "NN", ctx=True)
def EOMONTH(cx: Any, start: float, months: float) -> Any:
    if start < 0:
        return NUM
    return _add_months(cx, start, months, True)


@fn("EDATE", "NN", ctx=True)
def EDATE(cx: Any, start: float, months: float) -> Any:
    if start < 0:
        return NUM
    return _add_months(cx, start, months, False)


def _holidays(h: Any) -> Any:
    if h is MISSING:
        return set()
    x, err = numbers_of([h], skip_missing=True)
    if err is not None:
        return err
    return {math.floor(v) for v in x}


def _weekday0(serial: int) -> int:
    """0 = Monday .. 6 = Sunday (serials from 1900-03-01 on)."""
    return (serial + 5) % 7


#: numpy day (days since 1970-01-01, a Thursday) with the weekday of serial 0:
#: ``(serial + _NP_DAY_OFFSET + 3) % 7 == _weekday0(serial)``.
_NP_DAY_OFFSET = 2


@fn("NETWORKDAYS", "NNR", min_args=2, ctx=True)
def NETWORKDAYS(cx: Any, start: float, end: float, holidays: Any = MISSING) -> Any:
    hs = _holidays(holidays)
    if hs.__class__ is ExcelError:
        return hs
    a, b = math.floor(start), math.floor(end)
    sign = 1
    if a > b:
        a, b, sign = b, a, -1
    if a < 0 or b > MAX_SERIAL:  # before 1900-01-00 or after 9999-12-31
        return NUM
    # counted arithmetically (no array of days): serial s is the numpy day s + 2, which has
    # the same weekday as _weekday0(s); busday_count counts Mon-Fri in [begin, end) minus
    # the holidays in that span
    hol = np.array(sorted(h for h in hs if a <= h <= b), dtype=np.int64) + _NP_DAY_OFFSET
    n = np.busday_count(np.datetime64(a + _NP_DAY_OFFSET, "D"),
                        np.datetime64(b + 1 + _NP_DAY_OFFSET, "D"),
                        holidays=hol.astype("datetime64[D]"))
    return float(sign * int(n))


@fn("WORKDAY", "NNR", min_args=2, ctx=True)
def WORKDAY(cx: Any, start: float, n: float, holidays: Any = MISSING) -> Any:
    hs = _holidays(holidays)
    if hs.__class__ is ExcelError:
        return hs
    d = math.floor(start)
    k = math.trunc(n)
    step = 1 if k >= 0 else -1
    left = abs(k)
    if left > 1_000_000:
        return NUM
    while left:
        d += step
        if _weekday0(d) < 5 and d not in hs:
            left -= 1
    if d < 0 or d > MAX_SERIAL:
        return NUM
    return float(d)


@fn("WEEKDAY", "NN", min_args=1)
def WEEKDAY(s: float, rtype: float = 1.0) -> Any:
    if s < 0:
        return NUM
    n = math.floor(s)
    sun0 = (n + 6) % 7 if n >= 61 else (n - 1) % 7  # 0 = Sunday
    t = int(rtype)
    if t == 1 or t == 17:
        return float(sun0 + 1)
    if t == 2 or t == 11:
        return float((sun0 + 6) % 7 + 1)
    if t == 3:
        return float((sun0 + 6) % 7)
    if 12 <= t <= 16:  # week starts Tuesday (12) .. Saturday (16)
        first = t - 10  # 2 = Tuesday as a Sunday-0 index
        return float((sun0 - first) % 7 + 1)
    return NUM


@fn("WEEKNUM", "NN", min_args=1, ctx=True)
def WEEKNUM(cx: Any, s: float, rtype: float = 1.0) -> Any:
    d = _real(cx, s)
    if d.__class__ is ExcelError:
        return d
    t = int(rtype)
    if t == 21:
        return float(d.isocalendar()[1])
    starts = {1: 6, 17: 6, 2: 0, 11: 0, 12: 1, 13: 2, 14: 3, 15: 4, 16: 5}  # Monday = 0
    if t not in starts:
        return NUM
    jan1 = _dt.date(d.year, 1, 1)
    offset = (jan1.weekday() - starts[t]) % 7
    return float((d - jan1).days + offset) // 7 + 1


@fn("ISOWEEKNUM", "N", ctx=True)
def ISOWEEKNUM(cx: Any, s: float) -> Any:
    d = _real(cx, s)
    if d.__class__ is ExcelError:
        return d
    return float(d.isocalendar()[1])


@fn("DAYS", "NN")
def DAYS(end: float, start: float) -> Any:
    return float(math.floor(end) - math.floor(start))


@fn("DATEDIF", "NNT", ctx=True)
def DATEDIF(cx: Any, start: float, end: float, unit: str) -> Any:
    if start > end:
        return NUM
    a, b = _real(cx, start), _real(cx, end)
    if a.__class__ is ExcelError:
        return a
    if b.__class__ is ExcelError:
        return b
    u = unit.upper()
    months = (b.year - a.year) * 12 + (b.month - a.month) - (1 if b.day < a.day else 0)
    if u == "D":
        return float(math.floor(end) - math.floor(start))
    if u == "M":
        return float(months)
    if u == "Y":
        return float(months // 12)
    if u == "YM":
        return float(months % 12)
    if u == "MD":
        if b.day >= a.day:
            return float(b.day - a.day)
        pm = b.month - 1 or 12
        py = b.year if b.month > 1 else b.year - 1
        return float(calendar.monthrange(py, pm)[1] - a.day + b.day)
    if u == "YD":
        try:
            shifted = a.replace(year=b.year)
        except ValueError:
            shifted = _dt.date(b.year, 3, 1)
        if shifted > b:
            try:
                shifted = a.replace(year=b.year - 1)
            except ValueError:
                shifted = _dt.date(b.year - 1, 3, 1)
        return float((b - shifted).days)
    return NUM


@fn("DATEVALUE", "T")
def DATEVALUE(s: str) -> Any:
    x = parse_number(s)
    if x is None or (":" in s and "-" not in s and "/" not in s):
        return VALUE
    if not any(ch in s for ch in "-/") and not any(ch.isalpha() for ch in s):
        return VALUE
    return float(math.floor(x))


@fn("TIME", "NNN")
def TIME(h: float, m: float, s: float) -> Any:
    total = int(h) * 3600 + int(m) * 60 + int(s)
    if total < 0:
        return NUM
    return (total % 86400) / 86400


def _hms(s: float) -> Any:
    if s < 0:
        return NUM
    secs = round((s - math.floor(s)) * 86400)
    if secs >= 86400:
        secs -= 86400
    return secs


@fn("HOUR", "N")
def HOUR(s: float) -> Any:
    x = _hms(s)
    return x if x.__class__ is ExcelError else float(x // 3600)


@fn("MINUTE", "N")
def MINUTE(s: float) -> Any:
    x = _hms(s)
    return x if x.__class__ is ExcelError else float(x % 3600 // 60)


@fn("SECOND", "N")
def SECOND(s: float) -> Any:
    x = _hms(s)
    return x if x.__class__ is ExcelError else float(x % 60)
