"""Documented Excel-vs-LibreOffice differences (docs/recalc-differences.md).

The evaluator implements Excel's documented behaviour. When the random corpus disagrees
with LibreOffice, the test accepts the cell only if one of these differences explains it,
checked mechanically where possible (e.g. re-evaluating with LibreOffice's boolean model).
Each id here has a section in docs/recalc-differences.md.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kpi_xl.recalc.model import ExcelError


@dataclass
class Case:
    sheet: str
    row: int
    col: int
    text: str
    ours: Any
    lo: Any  # a value, or lo_oracle.LoError
    lo_view: Any = None  # ours, evaluated on LibreOffice's data model (booleans as numbers)
    ref_errors: set[str] = field(default_factory=set)  # LO's errors in the cells read
    ref_blank: bool = False  # the formula reads a blank cell
    ref_numeric_text: bool = False  # ... or a text cell that spells a number ("3")

    @property
    def functions(self) -> set[str]:
        return {m.upper().removeprefix("_XLFN.") for m in
                re.findall(r"((?:_xlfn\.)?[A-Za-z][A-Za-z0-9.]*)\(", self.text)}

    @property
    def lo_error(self) -> str | None:
        return getattr(self.lo, "text", None) if type(self.lo).__name__ == "LoError" else None

    @property
    def ours_error(self) -> str | None:
        return str(self.ours) if isinstance(self.ours, ExcelError) else None


_NUMBER_IN_TEXT = re.compile(r"-?\d+(?:\.\d+)?(?:E[+-]\d+)?")


def _same_text(a: str, b: str) -> bool:
    """Equal, or equal up to the last of 15 significant digits of numbers written in them
    (floating-point noise of a sum shows in its 15th digit)."""
    if a == b:
        return True
    if _NUMBER_IN_TEXT.sub("#", a) != _NUMBER_IN_TEXT.sub("#", b):
        return False
    return all(math.isclose(float(x), float(y), rel_tol=1e-13, abs_tol=1e-300)
               for x, y in zip(_NUMBER_IN_TEXT.findall(a), _NUMBER_IN_TEXT.findall(b), strict=False))


def same(ours: Any, lo: Any) -> bool:
    """Equal as Excel values (numbers to 1e-9 relative)."""
    if type(lo).__name__ == "LoError":
        return isinstance(ours, ExcelError) and str(ours) == lo.text
    if isinstance(ours, ExcelError):
        return False
    if isinstance(ours, bool) or isinstance(lo, bool):
        return type(ours) is type(lo) and ours == lo
    if isinstance(ours, float) and isinstance(lo, (int, float)):
        return math.isclose(ours, lo, rel_tol=1e-9, abs_tol=1e-9)
    if lo is None:
        return ours == ""
    if isinstance(ours, str) and isinstance(lo, str):
        return _same_text(ours, lo)
    return ours == lo


@dataclass(frozen=True)
class Difference:
    id: str
    title: str
    explains: Callable[[Case], bool]


_CRITERIA = {"COUNTIF", "COUNTIFS", "SUMIF", "SUMIFS", "AVERAGEIF", "AVERAGEIFS", "MINIFS",
             "MAXIFS"}
_AGGREGATES = {"SUM", "AVERAGE", "MIN", "MAX", "PRODUCT", "SUMSQ", "MEDIAN", "COUNT",
               "STDEV", "STDEV.S", "STDEV.P", "VAR", "VAR.S", "VAR.P", "AVERAGEA"}
_DATES = {"YEAR", "MONTH", "DAY", "WEEKDAY", "WEEKNUM", "ISOWEEKNUM", "EOMONTH", "EDATE",
          "TEXT", "DATEDIF", "NETWORKDAYS", "WORKDAY", "DAYS"}
_ORDER_STATS = {"PERCENTILE", "PERCENTILE.INC", "PERCENTILE.EXC", "QUARTILE", "QUARTILE.INC",
                "QUARTILE.EXC", "SMALL", "LARGE", "MEDIAN"}

DIFFERENCES: tuple[Difference, ...] = (
    Difference(
        "booleans-are-numbers",
        "LibreOffice has no logical type: TRUE/FALSE are the numbers 1/0",
        lambda c: (c.lo_view is not None and (same(c.lo_view, c.lo) or (
            isinstance(c.lo, bool) and isinstance(c.lo_view, float)
            and c.lo_view == float(c.lo))))
        or (isinstance(c.ours, str) and isinstance(c.lo, str)
            and c.ours.replace("TRUE", "1").replace("FALSE", "0") == c.lo)),
    Difference(
        "libreoffice-error-codes",
        "LibreOffice's own error codes (Err:502 invalid argument, Err:504 parameter error) "
        "where Excel returns a specific standard error",
        lambda c: ((c.ours_error is not None or isinstance(c.lo_view, ExcelError))
                   and (c.lo_error or "").startswith("Err:"))
        or any(e.startswith("Err:") for e in c.ref_errors)),
    Difference(
        "first-of-several-errors",
        "A range holding several different errors: Excel returns the first, LibreOffice "
        "may return another",
        lambda c: c.ours_error is not None and c.lo_error is not None
        and len(c.ref_errors) >= 2 and c.lo_error in c.ref_errors),
    Difference(
        "empty-number-set",
        "Order statistics of a set without numbers: Excel #NUM!, LibreOffice #VALUE!",
        lambda c: c.ours_error == "#NUM!" and c.lo_error == "#VALUE!"
        and bool(c.functions & _ORDER_STATS)),
    Difference(
        "switch-no-match",
        "SWITCH: LibreOffice returns #VALUE! when a value to compare has another type than "
        "the expression (text against a number, a blank); Excel just compares (no match) and "
        "falls back to the default, or #N/A without one; LibreOffice also matches the text "
        '"3" to the number 3',
        lambda c: "SWITCH" in c.functions and (c.lo_error == "#VALUE!" or c.ref_numeric_text)),
    Difference(
        "zero-to-negative-power",
        "0 to a negative power: Excel #DIV/0!, LibreOffice #NUM!; 0^0: Excel #NUM!, "
        "LibreOffice 1",
        lambda c: ("POWER" in c.functions or "^" in c.text)
        and ((c.ours_error == "#DIV/0!" and c.lo_error == "#NUM!")
             or (c.ours_error == "#NUM!" and c.lo == 1.0)
             or re.search(r"\^\s*\(?0\b|POWER\([^()]*,0\)", c.text) is not None)),
    Difference(
        "rank-of-missing-number",
        "RANK of a number that is not in the list: Excel #N/A, LibreOffice a rank",
        lambda c: c.ours_error == "#N/A" and (isinstance(c.lo, float) or c.lo_error == "#VALUE!")
        and bool(c.functions & {"RANK", "RANK.EQ", "RANK.AVG"})),
    Difference(
        "text-format-trailing-point",
        'TEXT(100,"#.##"): Excel keeps the decimal point ("100."), LibreOffice drops it',
        lambda c: "TEXT" in c.functions and '"#.##"' in c.text),
    Difference(
        "serials-before-1900-03-01",
        "Serial numbers below 61 (a blank read as a date is serial 0): Excel's 1900 "
        "calendar has day 0 (1900-01-00) and the fictitious 1900-02-29, LibreOffice's "
        "serial 0 is 1899-12-30",
        lambda c: c.ref_blank and bool(c.functions & _DATES)),
    Difference(
        "iseven-isodd-blank",
        "ISEVEN/ISODD of a blank cell: Excel reads the blank as 0, LibreOffice Err:504",
        lambda c: isinstance(c.ours, bool) and c.lo_error == "Err:504"
        and bool(c.functions & {"ISEVEN", "ISODD"})),
    Difference(
        "criteria-text-of-numbers",
        "Text criteria with wildcards: LibreOffice also matches the displayed text of number "
        "and logical cells (TRUE, FALSE), Excel only text cells",
        lambda c: bool(c.functions & _CRITERIA) and re.search(r'"[^"]*[*?][^"]*"', c.text)
        is not None),
    Difference(
        "numeric-criteria-match-numeric-text",
        'Numeric criteria (3, "3", ">=2"...) against a text cell spelling a number ("3"): '
        "Excel's criteria functions read the text as the number, LibreOffice does not",
        lambda c: bool(c.functions & _CRITERIA) and c.ref_numeric_text),
    Difference(
        "argument-error-order",
        "MOD/QUOTIENT of text or an error by zero: Excel reads the arguments first (#VALUE!, "
        "the error), LibreOffice checks the divisor first (#DIV/0!)",
        lambda c: bool(c.functions & {"MOD", "QUOTIENT"}) and c.ours_error is not None
        and c.lo_error == "#DIV/0!"),
    Difference(
        "lookup-numeric-text",
        'Exact-match lookups: Excel tells the text "3" from the number 3 (the classic '
        '"numbers stored as text" #N/A), LibreOffice matches them',
        lambda c: bool(c.functions & {"MATCH", "VLOOKUP", "HLOOKUP", "XLOOKUP", "LOOKUP"})
        and c.ref_numeric_text),
    Difference(
        "direct-text-numbers",
        'SUM("5",15,TRUE) and friends: Excel converts text typed directly as an argument '
        "(21), LibreOffice returns #VALUE!",
        lambda c: bool(c.functions & _AGGREGATES) and c.lo_error in ("#VALUE!", "Err:504")
        and '"' in c.text and not isinstance(c.ours, ExcelError)),
    Difference(
        "weeknum-end-of-year",
        "WEEKNUM of the last days of a year: Excel counts on (53, 54), LibreOffice 1",
        lambda c: "WEEKNUM" in c.functions and c.lo == 1.0 and c.ours in (53.0, 54.0)),
    Difference(
        "code-of-empty-text",
        'CODE(""): Excel #VALUE!, LibreOffice 0',
        lambda c: "CODE" in c.functions and c.ours_error == "#VALUE!" and c.lo == 0.0),
)


def explain(case: Case) -> str | None:
    """The id of the documented difference explaining a mismatch, or None."""
    for d in DIFFERENCES:
        try:
            if d.explains(case):
                return d.id
        except Exception:
            continue
    return None
