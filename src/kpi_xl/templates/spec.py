"""What a template is: data tables, and a vocabulary that binds catalog parameters to columns.

A template never lists KPIs by name. It names catalog *categories* (plus a few cross-category
ids in ``also``), and a *vocabulary* mapping parameter names to table columns. The KPIs of a
template are every catalog entry of those categories whose required parameters the
vocabulary can bind and which has a native formula -- so entries appear as the catalog grows.

Bindings (what a parameter becomes, for one reporting period):

* :class:`Col` -- the period's rows of a table column (a range; ``agg="sum"`` makes it one
  number), in the current, prior or first period.
* :class:`Ratio` -- ``SUM(a) / SUM(b)`` of two columns (a derived input such as ARPU).
* :class:`Const` -- a literal value.
* :class:`Elapsed` -- months from the first month to the period (CAGR's ``periods``).

A :class:`Breakdown` adds a share-of-total block to the dashboard (e.g. sales by region):
one row per choice of a category column, each group's share computed by a catalog share
entry (``KPI_SHARE``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kpi_xl.catalog.schema import UNITS, KpiDef

__all__ = [
    "Binding",
    "BoundKpi",
    "Breakdown",
    "Col",
    "Column",
    "Const",
    "DataTable",
    "Elapsed",
    "Of",
    "Ratio",
    "TemplateSpec",
]

#: Column kinds: number format and data validation of each.
COLUMN_KINDS: dict[str, str] = {
    "date": "yyyy-mm-dd",
    "text": "@",
    "choice": "@",
    "score": "0",
    "count": "#,##0",
    "flag": "0",
    "amount": "#,##0.00",
    "signed_amount": "#,##0.00",
    "hours": "0.0",
    "ratio": "0.0%",
    "number": "#,##0.00",
}


@dataclass(frozen=True)
class Column:
    """One column of a data table."""

    name: str
    kind: str
    help: str
    low: float | None = None  # scores: scale bounds
    high: float | None = None
    choices: tuple[str, ...] = ()
    width: float = 14.0

    @property
    def number_format(self) -> str:
        return COLUMN_KINDS[self.kind]


@dataclass(frozen=True)
class DataTable:
    """An Excel Table on its own sheet; rows sorted by the ``Date`` column."""

    name: str  # table name and sheet name
    purpose: str
    columns: tuple[Column, ...]
    rows_per_month: int  # sample density
    grain: str = "row"  # "row" (one row per event) or "month" (one row per month/group)

    @property
    def date_column(self) -> str:
        return self.columns[0].name

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name} has no column {name!r}")


@dataclass(frozen=True)
class Col:
    table: str
    column: str
    period: str = "current"  # current | prior | first
    agg: str = "range"  # range | sum


@dataclass(frozen=True)
class Ratio:
    num: Col
    den: Col


@dataclass(frozen=True)
class Const:
    value: Any


@dataclass(frozen=True)
class Elapsed:
    """Months from the first month of the workbook to the period (0 in the first month)."""


@dataclass(frozen=True)
class Of:
    """The value of another catalog KPI of the same template (e.g. LTV fed by ARPU)."""

    kpi: str
    period: str = "current"  # current | prior


Binding = Col | Ratio | Const | Elapsed | Of


def cols_of(b: Binding) -> tuple[Col, ...]:
    if isinstance(b, Col):
        return (b,)
    if isinstance(b, Ratio):
        return (b.num, b.den)
    return ()


@dataclass(frozen=True)
class Breakdown:
    """A share-of-total block on the dashboard: one row per choice of a category column.

    Per group: the current- and prior-month sum of ``value`` (SUMIFS over the month's rows),
    its share of the month's total through the catalog entry ``kpi`` (a ``part``/``total``
    entry such as KPI_SHARE: its native template, or the KPI_* call in udf mode), and the
    change in percentage points; a total row checks that the shares sum to 100%. Each group's
    current share cell is named ``kpi_<name>_<group>``.
    """

    title: str  # "Sales by region"
    kpi: str  # catalog id or alias of the share entry
    table: str
    group: str  # a choice column of ``table``: one row per choice
    value: str  # the column summed per group
    name: str  # defined-name stem
    value_label: str = "Sales"

    def groups(self, spec: TemplateSpec) -> tuple[str, ...]:
        return spec.table(self.table).column(self.group).choices

    def defined_name(self, group: str) -> str:
        slug = "".join(ch if ch.isalnum() else "_" for ch in group.strip().lower())
        return f"kpi_{self.name}_{slug}"


@dataclass(frozen=True)
class BoundKpi:
    """A catalog entry with its parameters bound to this template's columns."""

    d: KpiDef
    args: Mapping[str, Binding]
    owner: str

    @property
    def id(self) -> str:
        return self.d.id

    @property
    def is_ratio(self) -> bool:
        return self.d.unit == "ratio"

    @property
    def number_format(self) -> str:
        return self.d.number_format

    @property
    def direction(self) -> str:
        return self.d.direction if self.d.direction != "context" else "higher_is_better"


@dataclass(frozen=True)
class TemplateSpec:
    name: str
    title: str
    purpose: str
    tables: tuple[DataTable, ...]
    categories: tuple[str, ...] = ()
    also: tuple[str, ...] = ()  # cross-category entries (e.g. CPA in finance)
    exclude: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ("kpi", "variant")
    vocabulary: Mapping[str, Binding] = field(default_factory=dict)
    owner: str = "Team lead"
    main_table: str = ""
    sample: Callable[..., Any] | None = None  # (rng, months, rows) -> {table: DataFrame}
    scorecard: bool = False
    breakdowns: tuple[Breakdown, ...] = ()  # share-of-total blocks on the dashboard
    labels: Mapping[str, str] = field(default_factory=dict)  # kpi id -> dashboard label

    def table(self, name: str) -> DataTable:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(f"template {self.name} has no table {name!r}")

    @property
    def main(self) -> DataTable:
        return self.table(self.main_table) if self.main_table else self.tables[0]

    def binding(self, d: KpiDef, param: str) -> Binding | None:
        return self.vocabulary.get(f"{d.id}.{param}", self.vocabulary.get(param))


def unit_format(unit: str) -> str:
    return UNITS.get(unit, "General")
