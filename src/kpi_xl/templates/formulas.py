"""KPI selection from the catalog, and the Excel formula text of every computed cell.

Periods are rows of the *Periods* sheet: each holds the first and last row (1-based, inside
the table body) of every data table for one month. A column restricted to a month is the
range ``INDEX(T[C],first):INDEX(T[C],last)`` -- a real range, so COUNTIFS, MEDIAN and the
add-in's KPI_* functions all accept it. A month with no rows gives ``#N/A`` (no data).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kpi_xl import catalog
from kpi_xl.templates.spec import (
    Binding,
    BoundKpi,
    Breakdown,
    Col,
    Const,
    Elapsed,
    Of,
    Ratio,
    TemplateSpec,
    cols_of,
)

__all__ = ["PERIODS", "PeriodRef", "breakdown_share", "breakdown_sum", "kpi_formula",
           "select_kpis", "share_params", "skipped_kpis", "xlfn"]

PERIODS = "Periods"
MONTH_ROW0 = 6  # month i (-1..12) is on row MONTH_ROW0 + i; month 1 is the first month
PRIOR2_ROW, PRIOR_ROW, CURRENT_ROW = 21, 22, 23  # the reporting month and the two before it
ELAPSED_COL = "D"
TABLE_COL0 = 5  # E: first row of table 0, F: last row of table 0, G/H: table 1 ...

#: Functions added after Excel 2007: the file format stores them with the _xlfn. prefix.
_NEW_FUNCTIONS = (
    "PERCENTILE.INC", "PERCENTILE.EXC", "QUARTILE.INC", "QUARTILE.EXC", "STDEV.S", "STDEV.P",
    "VAR.S", "VAR.P", "MODE.SNGL", "RANK.EQ", "RANK.AVG", "NORM.S.DIST", "NORM.S.INV",
    "NORM.DIST", "NORM.INV", "T.DIST", "T.INV", "IFNA", "IFS", "SWITCH", "MAXIFS", "MINIFS",
    "XLOOKUP", "XMATCH", "CONCAT", "TEXTJOIN", "RRI", "DAYS", "NETWORKDAYS.INTL", "WORKDAY.INTL",
    "AGGREGATE", "CEILING.MATH", "FLOOR.MATH", "FILTER", "UNIQUE", "SORT", "SEQUENCE", "LET",
)
_XLFN_RE = re.compile(r"(?<![\w.])(" + "|".join(re.escape(f) for f in _NEW_FUNCTIONS) + r")\(",
                      re.IGNORECASE)


def xlfn(formula: str) -> str:
    """Prefix post-2007 functions with ``_xlfn.`` as the file format requires.

    >>> xlfn("=IFNA(PERCENTILE.INC(A1:A9,0.9),0)+_xlfn.STDEV.S(B1:B3)")
    '=_xlfn.IFNA(_xlfn.PERCENTILE.INC(A1:A9,0.9),0)+_xlfn.STDEV.S(B1:B3)'
    """
    return _XLFN_RE.sub(lambda m: f"_xlfn.{m.group(1).upper()}(", formula)


# --- selection ------------------------------------------------------------------------


def _bind(spec: TemplateSpec, d: Any, depth: int = 0) -> dict[str, Binding] | None:
    args: dict[str, Binding] = {}
    for p in d.params:
        b = spec.binding(d, p.name)
        if isinstance(b, Of) and not _of_ok(spec, b, depth):
            b = None
        if b is not None:
            args[p.name] = b
        elif not p.optional:
            return None
    return args


def _of_ok(spec: TemplateSpec, b: Of, depth: int) -> bool:
    """An Of binding works when that KPI is in the catalog and bindable itself."""
    if depth > 3 or b.kpi not in catalog.ids():
        return False
    other = catalog.get(b.kpi)
    return other.native is not None and _bind(spec, other, depth + 1) is not None


def bind(spec: TemplateSpec, kpi_id: str) -> BoundKpi:
    d = catalog.get(kpi_id)
    args = _bind(spec, d)
    if args is None:
        raise KeyError(f"{kpi_id} cannot be bound in template {spec.name}")
    return BoundKpi(d=d, args=args, owner=str(d.extra.get("owner") or spec.owner))


def _candidates(spec: TemplateSpec) -> Iterable[Any]:
    for d in catalog.all_entries():
        if d.id in spec.exclude:
            continue
        if d.id in spec.also or (d.category in spec.categories and d.kind in spec.kinds):
            yield d


def select_kpis(spec: TemplateSpec) -> tuple[BoundKpi, ...]:
    """The template's KPIs: catalog entries of its categories that its data can feed."""
    out = []
    for d in _candidates(spec):
        args = _bind(spec, d)
        if args is None or d.native is None:
            continue
        owner = str(d.extra.get("owner") or spec.owner)
        out.append(BoundKpi(d=d, args=args, owner=owner))
    return tuple(out)


def skipped_kpis(spec: TemplateSpec) -> dict[str, str]:
    """Entries of the template's categories left out, with the reason (for docs and --list)."""
    out = {}
    for d in _candidates(spec):
        args = _bind(spec, d)
        if args is None:
            missing = [p.name for p in d.params if not p.optional and spec.binding(d, p.name) is None]
            out[d.id] = "no data column for " + ", ".join(missing)
        elif d.native is None:
            out[d.id] = "no native formula in the catalog"
    return out


# --- formula text ---------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodRef:
    """Rows of the Periods sheet that a formula reads: the period, its prior, the first."""

    current: int  # rows are in month order, so the prior month is always one row up

    def row(self, period: str) -> int:
        return {"current": self.current, "prior": self.current - 1,
                "first": MONTH_ROW0 + 1}[period]

    def shift(self, period: str) -> PeriodRef:
        return PeriodRef(self.row(period))

    @classmethod
    def month(cls, i: int) -> PeriodRef:
        """Month ``i`` (1..12) of the by-month table."""
        return cls(MONTH_ROW0 + i)


REPORTING = PeriodRef(CURRENT_ROW)
REPORTING_PRIOR = PeriodRef(PRIOR_ROW)


def _col_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def bounds(table_index: int, row: int) -> tuple[str, str]:
    first = f"{PERIODS}!${_col_letter(TABLE_COL0 + 2 * table_index)}${row}"
    last = f"{PERIODS}!${_col_letter(TABLE_COL0 + 2 * table_index + 1)}${row}"
    return first, last


def literal(value: Any) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    return repr(value)


class _Writer:
    def __init__(self, spec: TemplateSpec, per: PeriodRef, mode: str = "native") -> None:
        self.spec, self.per, self.mode = spec, per, mode
        self.table_index = {t.name: i for i, t in enumerate(spec.tables)}
        self.conditions: dict[str, None] = {}

    def col(self, c: Col) -> str:
        row = self.per.row(c.period)
        first, last = bounds(self.table_index[c.table], row)
        self.conditions[f"{last}<{first}"] = None
        ref = f"{c.table}[{c.column}]"
        rng = f"INDEX({ref},{first}):INDEX({ref},{last})"
        return f"SUM({rng})" if c.agg == "sum" else rng

    def arg(self, b: Binding) -> str:
        if isinstance(b, Col):
            return self.col(b)
        if isinstance(b, Ratio):
            return f"({self.col(b.num)}/{self.col(b.den)})"
        if isinstance(b, Const):
            return literal(b.value)
        if isinstance(b, Elapsed):
            cell = f"{PERIODS}!${ELAPSED_COL}${self.per.current}"
            self.conditions[f"{cell}<1"] = None
            return cell
        if isinstance(b, Of):  # the other KPI's native formula, nested
            inner = _Writer(self.spec, self.per.shift(b.period), self.mode)
            body = _body(inner, bind(self.spec, b.kpi))
            self.conditions.update(inner.conditions)
            return f"({body})"
        raise TypeError(b)


def _body(w: _Writer, k: BoundKpi) -> str:
    if w.mode == "udf":
        parts: list[str] = []
        pending: list[str] = []
        for p in k.d.params:
            if p.name in k.args:
                parts += [*pending, w.arg(k.args[p.name])]
                pending = []
            else:  # an unbound optional argument: its default, only if a later one is given
                pending.append(literal(p.default))
        return f"{k.d.excel_name}({','.join(parts)})"
    if w.mode == "native":
        refs = {p.name: (w.arg(k.args[p.name]) if p.name in k.args else literal(p.default))
                for p in k.d.params}
        return k.d.native_formula(**refs) or ""
    raise ValueError(f"unknown formula mode {w.mode!r}: use native or udf")


def kpi_formula(spec: TemplateSpec, k: BoundKpi, per: PeriodRef, mode: str = "native") -> str:
    """The formula of one KPI cell for one period, in ``native`` or ``udf`` mode."""
    w = _Writer(spec, per, mode)
    return _guarded(w, _body(w, k))


def _guarded(w: _Writer, body: str) -> str:
    if w.conditions:
        body = f"IF(OR({','.join(w.conditions)}),NA(),{body})"
    return xlfn("=" + body)


def breakdown_sum(spec: TemplateSpec, b: Breakdown, group_cell: str, per: PeriodRef) -> str:
    """One group's total of ``b.value`` in the period: SUMIFS over the month's rows."""
    w = _Writer(spec, per)
    values, groups = w.col(Col(b.table, b.value)), w.col(Col(b.table, b.group))
    return _guarded(w, f"SUMIFS({values},{groups},{group_cell})")


def share_params(b: Breakdown) -> tuple[Any, str, str]:
    """The share entry of a breakdown and its (part, total) parameter names."""
    d = catalog.get(b.kpi)
    required = [p.name for p in d.params if not p.optional]
    if len(required) != 2 or d.native is None:
        raise ValueError(f"{b.kpi}: a breakdown needs a part/total entry with a native formula")
    return d, required[0], required[1]


def breakdown_share(spec: TemplateSpec, b: Breakdown, part_cell: str, per: PeriodRef,
                    mode: str = "native") -> str:
    """A group's share of the period's total: the share entry applied to (part cell, month's
    rows of ``b.value``) -- its native template, or its KPI_* call in udf mode."""
    d, part, total = share_params(b)
    w = _Writer(spec, per, mode)
    rng = w.col(Col(b.table, b.value))
    if mode == "udf":
        body = f"{d.excel_name}({part_cell},{rng})"
    elif mode == "native":
        body = d.native_formula(**{part: part_cell, total: rng}) or ""
    else:
        raise ValueError(f"unknown formula mode {mode!r}: use native or udf")
    return _guarded(w, body)


def binding_text(b: Binding) -> str:
    """How a parameter is fed, for the KPI definitions sheet."""
    if isinstance(b, Col):
        when = {"current": "", "prior": " (prior month)", "first": " (first month)"}[b.period]
        return f"{'SUM of ' if b.agg == 'sum' else ''}{b.table}[{b.column}]{when}"
    if isinstance(b, Ratio):
        return f"{binding_text(b.num)} / {binding_text(b.den)}"
    if isinstance(b, Const):
        return literal(b.value)
    if isinstance(b, Of):
        return f"{catalog.get(b.kpi).name}{' (prior month)' if b.period == 'prior' else ''}"
    return "months since the first month"


def inputs_text(k: BoundKpi) -> str:
    return "; ".join(f"{name} = {binding_text(b)}" for name, b in k.args.items())


def referenced_tables(k: BoundKpi) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for b in k.args.values():
        for c in cols_of(b):
            seen.setdefault(c.table, None)
    return tuple(seen)


def table_columns(spec: TemplateSpec) -> Mapping[str, int]:
    return {t.name: TABLE_COL0 + 2 * i for i, t in enumerate(spec.tables)}
