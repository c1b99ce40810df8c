"""The workbook's numbers computed in Python with the core, on the same data.

Used by ``kpi-xl demo`` for its summary, and by the tests as the expected values of the
LibreOffice-recalculated workbook: each KPI is the catalog function applied to the rows of
one month, exactly as the workbook restricts each table column to that month's rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import kpi_xl
from kpi_xl.templates.formulas import bind, share_params
from kpi_xl.templates.spec import BoundKpi, Breakdown, Col, Const, Elapsed, Of, Ratio, TemplateSpec

__all__ = ["Evaluator", "Summary", "summarize"]


class Evaluator:
    """KPI values per month over data frames (one per table, the Date column first)."""

    def __init__(self, spec: TemplateSpec, frames: Mapping[str, pd.DataFrame],
                 first_month: pd.Timestamp) -> None:
        self.spec = spec
        self.first = pd.Period(first_month, "M")
        self.groups: dict[str, dict[pd.Period, pd.DataFrame]] = {}
        for t in spec.tables:
            df = frames[t.name]
            months = pd.to_datetime(df[t.date_column]).dt.to_period("M") if len(df) else []
            self.groups[t.name] = {m: g for m, g in df.groupby(months)} if len(df) else {}

    def _rows(self, c: Col, month: pd.Period) -> pd.DataFrame | None:
        m = {"current": month, "prior": month - 1, "first": self.first}[c.period]
        g = self.groups[c.table].get(m)
        return g if g is not None and len(g) else None

    def _arg(self, b: Any, month: pd.Period) -> Any:
        if isinstance(b, Col):
            rows = self._rows(b, month)
            if rows is None:
                raise _NoData
            values = pd.to_numeric(rows[b.column], errors="coerce").to_numpy(dtype=float)
            return float(np.nansum(values)) if b.agg == "sum" else values
        if isinstance(b, Ratio):
            return self._arg(b.num, month) / self._arg(b.den, month)
        if isinstance(b, Const):
            return b.value
        if isinstance(b, Elapsed):
            n = (month - self.first).n
            if n < 1:
                raise _NoData
            return n
        if isinstance(b, Of):
            other = bind(self.spec, b.kpi)
            value = self.value(other, month if b.period == "current" else month - 1)
            if value is None:
                raise _NoData
            return value
        raise TypeError(b)

    def value(self, k: BoundKpi, month: pd.Period) -> Any:
        """The KPI for one month: None for no data (Excel #N/A) or no result (E-DIV0...)."""
        try:
            args = {name: self._arg(b, month) for name, b in k.args.items()}
        except _NoData:
            return None
        return k.d.function(**args)


    def breakdown(self, b: Breakdown, month: pd.Period) -> dict[str, tuple[Any, Any]]:
        """Per group of a breakdown: (sum of its value, its share of the month's total) with
        the catalog share function; (None, None) for a month without rows."""
        groups = b.groups(self.spec)
        rows = self.groups[b.table].get(month)
        if rows is None or not len(rows):
            return {g: (None, None) for g in groups}
        d, part, total = share_params(b)
        values = pd.to_numeric(rows[b.value], errors="coerce").to_numpy(dtype=float)
        names = rows[b.group].astype(str).str.strip().str.lower().to_numpy()
        out = {}
        for g in groups:
            s = float(np.nansum(values[names == g.strip().lower()]))
            out[g] = (s, d.function(**{part: s, total: values}))
        return out


class _NoData(Exception):
    pass


@dataclass(frozen=True)
class Summary:
    """One dashboard row computed with the core."""

    kpi: BoundKpi
    current: Any
    prior: Any
    target: Any
    status: str


def summarize(spec: TemplateSpec, kpis: tuple[BoundKpi, ...], frames: Mapping[str, pd.DataFrame],
              first_month: pd.Timestamp, reporting_month: pd.Timestamp,
              targets: Mapping[str, Mapping[str, Any]]) -> list[Summary]:
    ev = Evaluator(spec, frames, first_month)
    month = pd.Period(reporting_month, "M")
    out = []
    for k in kpis:
        cur, pri = ev.value(k, month), ev.value(k, month - 1)
        t = targets.get(k.id, {})
        label = kpi_xl.status(cur, t.get("target"), t.get("direction", k.direction),
                              t.get("at_risk_tolerance", 0.10))
        out.append(Summary(k, cur, pri, t.get("target"), label))
    return out
