"""Time arithmetic for response and resolution times (spec #53–#55), numpy only.

* :func:`timestamps` / :func:`timestamp` read timestamps (``datetime``, numpy/pandas datetimes,
  ISO text, Excel serial numbers) as ``datetime64[ns]``; blanks become NaT.
* :func:`intervals` pairs start and end columns row by row, drops unfinished rows (blank end)
  and counts them, and rejects an end before its start (E-DOMAIN).
* :class:`Schedule` is a weekly business-hours schedule: one open/close time for every working
  day, a ``NETWORKDAYS.INTL`` weekend and a holiday list. Timestamps are naive local times in
  the schedule's time zone; overnight shifts are out of scope (spec #54).

Business time is vectorised (no Python loop per timestamp). With ``L = close - open``, the
business time before ``t`` counted from a fixed reference day is::

    F(t) = busday_count(ref, day(t)) * L + (clip(time_of_day(t) - open, 0, L) if is_busday(day(t)) else 0)

so the business time in ``[start, end)`` is ``F(end) - F(start)``; ``ref`` cancels out, leaving
``busday_count(day(start), day(end)) * L`` plus the two partial days.

>>> s = Schedule.build()
>>> start, end = timestamps(["2024-03-01 17:30"], "start"), timestamps(["2024-03-04 09:30"], "end")
>>> s.elapsed(start, end, "h").tolist()     # Fri 17:30 -> Mon 09:30, Mon-Fri 09:00-18:00
[1.0]
>>> calendar_elapsed(start, end, "h").tolist()
[64.0]
"""

from __future__ import annotations

import datetime as _dt
import numbers
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from kpi_xl.core.errors import DomainError, KpiTypeError, MissingValueError
from kpi_xl.core.validate import is_blank, to_datetime64

__all__ = [
    "BASES",
    "DURATION_UNITS",
    "UNIT_NS",
    "WEEKEND_CODES",
    "Intervals",
    "Schedule",
    "calendar_elapsed",
    "intervals",
    "time_of_day",
    "timestamp",
    "timestamps",
    "weekmask",
]

#: Duration units: hours, minutes, days, seconds (first = default). ``"m"`` is minutes.
DURATION_UNITS: tuple[str, ...] = ("h", "m", "d", "s")
UNIT_NS: dict[str, int] = {"h": 3_600 * 10**9, "m": 60 * 10**9, "d": 86_400 * 10**9, "s": 10**9}
#: Time bases for elapsed time (first = default, spec #53 DECISION).
BASES: tuple[str, ...] = ("calendar", "business")

_DAY_NS = 86_400 * 10**9
_NAT = np.datetime64("NaT", "ns")

#: Excel ``NETWORKDAYS.INTL`` weekend codes as Excel weekend strings (Mon..Sun, 1 = weekend).
WEEKEND_CODES: dict[int, str] = {
    1: "0000011", 2: "1000001", 3: "1100000", 4: "0110000", 5: "0011000", 6: "0001100",
    7: "0000110", 11: "0000001", 12: "1000000", 13: "0100000", 14: "0010000", 15: "0001000",
    16: "0000100", 17: "0000010",
}
_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


# --- timestamps -------------------------------------------------------------------------

def timestamps(values: Any, name: str) -> np.ndarray:
    """A range of timestamps as a 1-D ``datetime64[ns]`` array, blanks as NaT.

    numpy ``datetime64`` arrays and tz-naive pandas datetime columns are converted in one
    step; everything else goes through :func:`kpi_xl.core.validate.to_datetime64`.

    >>> timestamps(["2024-03-01 09:30", None, 45352.5], "created").tolist()[1] is None
    True
    """
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        return np.asarray(values).astype("datetime64[ns]").ravel()
    if isinstance(values, (list, tuple)) or (
            values is not None and dtype is None and not isinstance(values, (str, bytes))
            and not hasattr(values, "__iter__")):
        # Flatten here so pandas Timestamps/NaT (which have .to_numpy) and datetime64 arrays
        # nested in lists stay scalars: validate.flatten would recurse into them.
        flat: list[Any] = []
        _scalars(values if isinstance(values, (list, tuple)) else [values], flat)
        values = np.empty(len(flat), dtype=object)
        values[:] = flat
    return to_datetime64(values, name)


def _scalars(values: Any, out: list[Any]) -> None:
    for v in values:
        dtype = getattr(v, "dtype", None)
        if isinstance(dtype, np.dtype) and dtype.kind == "M":
            out.extend(np.asarray(v).astype("datetime64[ns]").ravel())
        elif isinstance(v, (list, tuple, np.ndarray)) or (dtype is not None
                                                         and hasattr(v, "to_numpy")):
            _scalars(np.asarray(v, dtype=object).ravel().tolist(), out)
        else:
            out.append(v)


def timestamp(value: Any, name: str) -> np.datetime64:
    """One timestamp (a one-cell range is accepted). Blank is E-MISSING; a range is E-TYPE.

    >>> timestamp("2024-03-01 17:30", "start")
    np.datetime64('2024-03-01T17:30:00.000000000')
    """
    if is_blank(value):
        raise MissingValueError(f"E-MISSING: argument {name!r} is blank", argument=name)
    arr = timestamps(value, name)
    if arr.size == 0:
        raise MissingValueError(f"E-MISSING: argument {name!r} is blank", argument=name)
    if arr.size != 1:
        raise KpiTypeError.bad(name, value, "expected a single timestamp, got a range")
    if np.isnat(arr[0]):
        raise MissingValueError(f"E-MISSING: argument {name!r} is blank", argument=name)
    return arr[0]


class Intervals(NamedTuple):
    """Complete (start, end) pairs, the number of rows still open (start but no end), and
    which input rows are complete (a boolean mask, for row-aligned results)."""

    start: np.ndarray
    end: np.ndarray
    unfinished: int
    complete: np.ndarray


def intervals(starts: Any, ends: Any, start_name: str, end_name: str) -> Intervals:
    """Pair two timestamp ranges row by row.

    A row with both timestamps is kept; a start with a blank end is *unfinished* (counted,
    excluded); a row with a blank start is skipped. Ranges of different lengths, or an end
    before its start, are E-DOMAIN.

    >>> iv = intervals(["2024-03-01 09:00", "2024-03-01 10:00"], ["2024-03-01 09:30", None],
    ...                "created_range", "first_reply_range")
    >>> iv.start.size, iv.unfinished
    (1, 1)
    """
    s, e = timestamps(starts, start_name), timestamps(ends, end_name)
    if s.size != e.size:
        raise DomainError(f"E-DOMAIN: {start_name!r} has {s.size} values but {end_name!r} has "
                          f"{e.size}; the ranges must be paired row by row", argument=end_name,
                          value=e.size)
    has_start, has_end = ~np.isnat(s), ~np.isnat(e)
    both = has_start & has_end
    unfinished = int(np.count_nonzero(has_start & ~has_end))
    before = both & (e < s)
    if before.any():
        row = int(np.argmax(before))
        raise DomainError.bad(end_name, str(e[row]),
                              f"is before {start_name} {s[row]} (row {row + 1}); an end "
                              "cannot precede its start")
    return Intervals(s[both], e[both], unfinished, both)


def calendar_elapsed(start: np.ndarray, end: np.ndarray, unit: str = "h") -> np.ndarray:
    """Calendar time from ``start`` to ``end`` (``datetime64[ns]``, end >= start) in ``unit``."""
    ns = (end - start).astype(np.int64)
    if ns.size and ns.min() < 0:  # wrapped around: more than ~292 years apart
        raise DomainError("E-DOMAIN: the timestamps are too far apart to measure in nanoseconds")
    return ns / UNIT_NS[unit]


# --- schedule arguments -----------------------------------------------------------------

def time_of_day(value: Any, name: str, default: str | None = None) -> int:
    """A clock time as nanoseconds after midnight, 0 to 24 h inclusive.

    Accepts ``"HH:MM"``/``"HH:MM:SS"`` text (``"24:00"`` is the end of the day), a
    ``datetime.time``, the time part of a ``datetime``, or an Excel time (a day fraction
    0-1). Malformed or out-of-day values are E-DOMAIN; booleans E-TYPE.

    >>> time_of_day("09:30", "open") // 10**9
    34200
    >>> time_of_day(0.375, "open") == time_of_day("09:00", "open")
    True
    """
    if is_blank(value) and default is not None:
        value = default
    if isinstance(value, (bool, np.bool_)):
        raise KpiTypeError.bad(name, value, "a boolean is not a time of day")
    if isinstance(value, str):
        m = _TIME_RE.fullmatch(value.strip())
        if m is None:
            raise DomainError.bad(name, value, "expected a time such as '09:00' or '17:30:00'")
        h, mi, se = int(m[1]), int(m[2]), int(m[3] or 0)
        ns = ((h * 60 + mi) * 60 + se) * 10**9
        if mi > 59 or se > 59 or ns > _DAY_NS:
            raise DomainError.bad(name, value, "a time of day runs from 00:00 to 24:00")
        return ns
    if isinstance(value, _dt.datetime):
        value = value.time()
    if isinstance(value, _dt.time):
        return (((value.hour * 60 + value.minute) * 60 + value.second) * 10**6
                + value.microsecond) * 1000
    if isinstance(value, numbers.Real):
        x = float(value)
        if not 0.0 <= x <= 1.0:
            raise DomainError.bad(name, value, "an Excel time is a day fraction from 0 to 1")
        return round(x * 86_400_000_000) * 1000
    raise KpiTypeError.bad(name, value, f"{type(value).__name__} is not a time of day")


def weekmask(weekend: Any, name: str = "weekend") -> str:
    """numpy's weekmask (Mon..Sun, ``1`` = working day) for an Excel ``NETWORKDAYS.INTL``
    weekend argument: a code 1-7 or 11-17, or a 7-character string (Mon..Sun, ``1`` =
    non-working). Blank means 1 (Saturday and Sunday).

    >>> weekmask(1), weekmask(11), weekmask("0000110")
    ('1111100', '1111110', '1111001')
    """
    if is_blank(weekend):
        weekend = 1
    if isinstance(weekend, (bool, np.bool_)):
        raise KpiTypeError.bad(name, weekend, "a boolean is not a weekend code")
    excel_mask: str | None = None
    if isinstance(weekend, str):
        text = weekend.strip()
        if len(text) == 7 and set(text) <= {"0", "1"}:
            excel_mask = text
        elif text.isdigit() and len(text) <= 2:
            weekend = int(text)
        else:
            raise DomainError.bad(name, weekend, "expected a NETWORKDAYS.INTL weekend code "
                                  "(1-7, 11-17) or a 7-character string such as '0000011'")
    if excel_mask is None:
        if not isinstance(weekend, numbers.Real):
            raise KpiTypeError.bad(name, weekend, f"{type(weekend).__name__} is not a weekend code")
        code = float(weekend)
        if not code.is_integer() or int(code) not in WEEKEND_CODES:
            raise DomainError.bad(name, weekend, "a weekend code is 1-7 or 11-17 (as in "
                                  "NETWORKDAYS.INTL)")
        excel_mask = WEEKEND_CODES[int(code)]
    if excel_mask == "1111111":
        raise DomainError.bad(name, weekend, "the weekend leaves no working days")
    return excel_mask.translate(str.maketrans("01", "10"))


@dataclass(frozen=True)
class Schedule:
    """A weekly business-hours schedule; build it with :meth:`build`."""

    open_ns: int
    close_ns: int
    calendar: np.busdaycalendar

    @classmethod
    def build(cls, open: Any = "09:00", close: Any = "18:00", weekend: Any = 1,
              holidays: Any = None) -> Schedule:
        """Validate the spec #54 arguments (open >= close is E-DOMAIN).

        >>> Schedule.build("08:00", "16:30", "0000011", ["2024-12-25"]).day_ns / 3.6e12
        8.5
        """
        o = time_of_day(open, "open", "09:00")
        c = time_of_day(close, "close", "18:00")
        if o >= c:
            raise DomainError.bad("close", close, f"must be after open = {open!r} "
                                  "(overnight shifts are not supported)")
        days = np.empty(0, dtype="datetime64[D]")
        if not (holidays is None or (isinstance(holidays, (list, tuple)) and len(holidays) == 0)):
            h = timestamps(holidays, "holidays")
            days = np.unique(h[~np.isnat(h)].astype("datetime64[D]"))
        return cls(o, c, np.busdaycalendar(weekmask=weekmask(weekend), holidays=days))

    @property
    def day_ns(self) -> int:
        """Length of a working day in nanoseconds."""
        return self.close_ns - self.open_ns

    def _before(self, t: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Business time on ``day`` before ``t`` (ns): clip(time of day - open, 0, L)."""
        tod = (t - day).astype(np.int64)
        part = np.clip(tod - self.open_ns, 0, self.day_ns)
        return np.where(np.is_busday(day, busdaycal=self.calendar), part, 0)

    def elapsed_ns(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Business time in ``[start, end)`` in nanoseconds (float), element-wise."""
        d0, d1 = start.astype("datetime64[D]"), end.astype("datetime64[D]")
        full = np.busday_count(d0, d1, busdaycal=self.calendar)
        partial = self._before(end, d1) - self._before(start, d0)
        return full.astype(float) * self.day_ns + partial.astype(float)

    def elapsed(self, start: np.ndarray, end: np.ndarray, unit: str = "h") -> np.ndarray:
        """Business time in ``[start, end)`` in ``unit`` (``h``, ``m``, ``d`` or ``s``)."""
        return self.elapsed_ns(start, end) / UNIT_NS[unit]
