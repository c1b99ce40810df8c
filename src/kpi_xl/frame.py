"""KPI tables over pandas DataFrames: group by period and dimensions, roll up correctly.

Ratio KPIs roll up as a *ratio of sums* (spec §1.3): every catalog entry with a
:class:`~kpi_xl.catalog.schema.Rollup` maps rows to additive components, the components are
summed per group, and the KPI is computed from the totals. The two steps are public so the
same computation runs on any split of the data (chunks of a large file, Dask partitions):

>>> import pandas as pd
>>> df = pd.DataFrame({"date": pd.to_datetime(["2024-01-03", "2024-01-20", "2024-02-02"]),
...                    "conversions": [10, 90, 5], "sessions": [100, 1000, 50]})
>>> kpi_table(df, ["conversion_rate:conversions,sessions"], by="month")
    period  conversion_rate
0  2024-01         0.090909
1  2024-02              0.1

Entries without additive components (a median response time) are computed per group
from the rows (``aggregation="holistic"``): still exact, but they cannot be combined from
partial aggregates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kpi_xl import catalog
from kpi_xl.catalog.schema import KpiDef
from kpi_xl.core.errors import KpiError, NoResultError

__all__ = ["PERIODS", "KpiSpec", "finalize", "kpi_table", "parse_kpi_spec", "partial_aggregate"]

#: Period names accepted by ``by=``.
PERIODS = ("day", "week", "month", "quarter", "year")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


class FrameError(KpiError, ValueError):
    """A KPI table cannot be built from this input (unknown column, bad spec, ...)."""

    code = "E-INPUT"
    excel = "#VALUE!"


@dataclass(frozen=True)
class KpiSpec:
    """One KPI column of a table: the catalog entry, its data columns and options."""

    kpi: str
    columns: tuple[str, ...]
    options: Mapping[str, Any] = field(default_factory=dict)
    label: str | None = None

    @property
    def definition(self) -> KpiDef:
        return catalog.get(self.kpi)

    @property
    def name(self) -> str:
        return self.label or self.definition.id

    def arguments(self) -> dict[str, str]:
        """Data parameter name -> DataFrame column."""
        d = self.definition
        data = d.data_params
        required = [p for p in data if not p.optional]
        if len(self.columns) < len(required) or len(self.columns) > len(data):
            names = ", ".join(p.name for p in data)
            raise FrameError(f"{d.id} takes {len(required)}"
                             f"{'' if len(required) == len(data) else f'-{len(data)}'} data "
                             f"column(s) ({names}); got {len(self.columns)}: {', '.join(self.columns) or 'none'}")
        return {p.name: col for p, col in zip(data, self.columns, strict=False)}


_SPEC = re.compile(r"^\s*(?P<kpi>[A-Za-z_][\w.]*)\s*(?::(?P<cols>[^:]*))?(?::(?P<opts>.*))?$")


def parse_kpi_spec(text: str) -> KpiSpec:
    """Parse ``"id:col1,col2[:option=value;...]"``, optionally ``label=id:...``.

    >>> parse_kpi_spec("frt=first_response_time:hours:stat=p90")
    KpiSpec(kpi='first_response_time', columns=('hours',), options={'stat': 'p90'}, label='frt')
    """
    label = None
    head = text.split(":", 1)[0]
    if "=" in head:
        label, text = text.split("=", 1)
        label = label.strip()
    m = _SPEC.match(text)
    if not m:
        raise FrameError(f"cannot read KPI spec {text!r}; expected id:column[,column][:option=value]")
    d = catalog.get(m["kpi"])
    cols = tuple(c.strip() for c in (m["cols"] or "").split(",") if c.strip())
    opts: dict[str, Any] = {}
    for item in filter(None, (o.strip() for o in (m["opts"] or "").split(";"))):
        if "=" not in item:
            raise FrameError(f"option {item!r} in {text!r} must look like name=value")
        key, value = (s.strip() for s in item.split("=", 1))
        if key not in {p.name for p in d.params}:
            raise FrameError(f"{d.id} has no option {key!r}; it takes "
                             f"{', '.join(p.name for p in d.params)}")
        opts[key] = _option_value(value)
    return KpiSpec(d.id, cols, opts, label)


def _option_value(text: str) -> Any:
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def _specs(kpis: Iterable[KpiSpec | str] | Mapping[str, str | Sequence[str]]) -> list[KpiSpec]:
    if isinstance(kpis, Mapping):
        return [KpiSpec(catalog.get(k).id, (v,) if isinstance(v, str) else tuple(v))
                for k, v in kpis.items()]
    if isinstance(kpis, (str, KpiSpec)):
        kpis = [kpis]
    out = [k if isinstance(k, KpiSpec) else parse_kpi_spec(k) for k in kpis]
    if not out:
        raise FrameError("no KPI requested")
    names = [s.name for s in out]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise FrameError(f"KPI column {sorted(dup)[0]!r} requested twice; give one a label (label=id:...)")
    return out


def _period_freq(by: str, fiscal_year_start: int) -> str:
    if by not in PERIODS:
        raise FrameError(f"unknown period {by!r}; use one of {', '.join(PERIODS)}")
    if not 1 <= fiscal_year_start <= 12:
        raise FrameError(f"fiscal_year_start must be a month number 1-12, got {fiscal_year_start}")
    year_end = _MONTHS[(fiscal_year_start - 2) % 12]
    return {"day": "D", "week": "W-SUN", "month": "M", "quarter": f"Q-{year_end}",
            "year": f"Y-{year_end}"}[by]


def _keys(data: pd.DataFrame, date: str | None, by: str | None, fiscal_year_start: int,
          dims: Sequence[str]) -> tuple[pd.DataFrame, list[str]]:
    for col in dims:
        _need(data, col, "dimension")
    keys: dict[str, Any] = {}
    if by is not None:
        date = date or _find_date_column(data)
        _need(data, date, "date")
        stamps = pd.to_datetime(data[date], errors="coerce")
        if stamps.isna().all():
            raise FrameError(f"date column {date!r} has no readable dates")
        keys["period"] = stamps.dt.to_period(_period_freq(by, fiscal_year_start))
    for col in dims:
        keys[col] = data[col]
    return pd.DataFrame(keys, index=data.index), list(keys)


def _find_date_column(data: pd.DataFrame) -> str:
    dated = [c for c in data.columns if pd.api.types.is_datetime64_any_dtype(data[c])]
    if len(dated) == 1:
        return str(dated[0])
    for name in ("date", "Date", "timestamp", "created", "created_at"):
        if name in data.columns:
            return name
    raise FrameError("grouping by period needs a date column; name it with date=... (--date)")


def _need(data: pd.DataFrame, col: str, role: str) -> None:
    if col not in data.columns:
        known = ", ".join(map(str, data.columns[:20]))
        raise FrameError(f"{role} column {col!r} not found; columns are: {known}")


def _column(data: pd.DataFrame, col: str) -> np.ndarray | pd.Series:
    _need(data, col, "data")
    s = data[col]
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=float, na_value=np.nan)
    return s


def partial_aggregate(data: pd.DataFrame, kpis: Any, *, keys: Sequence[str] = ()) -> pd.DataFrame:
    """Sum every additive component of ``kpis`` per group of ``keys`` (columns of ``data``).

    Partial aggregates of disjoint chunks combine by ``concat(...).groupby(keys).sum()``;
    :func:`finalize` turns the (combined) components into KPI values.
    """
    specs = _specs(kpis)
    comps: dict[str, np.ndarray] = {}
    for spec in specs:
        d = spec.definition
        if d.rollup is None:
            raise FrameError(f"{d.id} has no additive components (aggregation "
                             f"'{d.aggregation}'); compute it with kpi_table on the rows")
        columns = {p: _column(data, c) for p, c in spec.arguments().items()}
        prepared = d.rollup.prepare(**columns, **spec.options)
        for comp in d.rollup.components:
            comps[f"{spec.name}.{comp}"] = np.asarray(prepared[comp], dtype=float)
    frame = pd.DataFrame(comps, index=data.index)
    if not keys:
        return frame.sum().to_frame().T
    for k in keys:
        frame[k] = data[k]
    return frame.groupby(list(keys), sort=True, observed=True, dropna=True).sum().reset_index()


def finalize(components: pd.DataFrame, kpis: Any, *, keys: Sequence[str] = ()) -> pd.DataFrame:
    """KPI values from summed components (the output of :func:`partial_aggregate`)."""
    specs = _specs(kpis)
    out = components[list(keys)].copy() if keys else pd.DataFrame(index=components.index)
    for spec in specs:
        d = spec.definition
        assert d.rollup is not None
        cols = {c: components[f"{spec.name}.{c}"].to_numpy() for c in d.rollup.components}
        values = [
            _safe(d.rollup.finalize, {c: float(v[i]) for c, v in cols.items()}, spec.options,
                  _group_label(components, keys, i))
            for i in range(len(components))
        ]
        out[spec.name] = pd.array(values, dtype="Float64")
    return out.reset_index(drop=True)


def _group_label(frame: pd.DataFrame, keys: Sequence[str], i: int) -> str:
    if not keys:
        return "all rows"
    return ", ".join(f"{k}={frame[k].iloc[i]}" for k in keys)


def _safe(fn: Any, args: Mapping[str, Any], options: Mapping[str, Any], where: str) -> Any:
    try:
        value = fn(**args, **options)
    except NoResultError:
        return None
    except KpiError as exc:
        raise type(exc)(f"{exc} (group {where})", argument=exc.argument, value=exc.value) from None
    return value


def kpi_table(
    data: pd.DataFrame,
    kpis: Any,
    *,
    by: str | None = None,
    date: str | None = None,
    dims: Sequence[str] = (),
    fiscal_year_start: int = 1,
    targets: Mapping[str, float] | None = None,
    status_options: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """One row per period (and dimension values) with a column per KPI.

    Parameters
    ----------
    data : DataFrame
        Row-level data (one survey answer, one order, one day of traffic per row).
    kpis : list of specs
        ``"id:column[,column...][:option=value;...]"`` strings (``label=`` prefix to rename),
        :class:`KpiSpec` objects, or a mapping ``{id: column or [columns]}``. Columns map, in
        order, onto the entry's data parameters (``kpi-xl explain ID`` lists them).
    by : {'day', 'week', 'month', 'quarter', 'year'}, optional
        Period grain; weeks end on Sunday; quarters and years follow ``fiscal_year_start``
        (a month number; fiscal years are named by the calendar year they end in).
    date : str, optional
        The date column (found automatically when there is exactly one datetime column or
        a column named ``date``).
    dims : columns
        Further grouping columns (region, channel, ...).
    targets : mapping, optional
        KPI column name -> target; adds ``<kpi>_target`` and ``<kpi>_status`` columns
        (``kpi_xl.status`` with the entry's direction and ``status_options``).

    Returns
    -------
    DataFrame with the key columns, then one nullable ``Float64`` column per KPI. Groups with
    no result (E-DIV0, E-EMPTY) hold ``<NA>``, never NaN. Invalid data (E-RANGE, E-NEG, ...)
    raises, naming the group.
    """
    specs = _specs(kpis)
    key_frame, keys = _keys(data, date, by, fiscal_year_start, dims)
    work = data.drop(columns=[c for c in keys if c in data.columns]).join(key_frame)
    additive = [s for s in specs if s.definition.rollup is not None]
    holistic = [s for s in specs if s.definition.rollup is None]
    result: pd.DataFrame | None = None
    if additive:
        result = finalize(partial_aggregate(work, additive, keys=keys), additive, keys=keys)
    if holistic:
        rows = _holistic(work, holistic, keys)
        result = rows if result is None else result.merge(rows, on=keys, how="outer") if keys \
            else pd.concat([result, rows], axis=1)
    assert result is not None
    result = result[[*keys, *(s.name for s in specs)]]
    if by is not None:
        result["period"] = result["period"].astype(str)
    if targets:
        result = _add_status(result, specs, targets, status_options or {})
    return result


def _holistic(data: pd.DataFrame, specs: list[KpiSpec], keys: list[str]) -> pd.DataFrame:
    groups = data.groupby(keys, sort=True, observed=True, dropna=True) if keys else [((), data)]
    rows = []
    for key, part in groups:
        row: dict[str, Any] = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=False))
        for spec in specs:
            args = [_column(part, c) for c in spec.arguments().values()]
            row[spec.name] = _call(spec, args, row, keys)
        rows.append(row)
    out = pd.DataFrame(rows, columns=[*keys, *(s.name for s in specs)])
    for spec in specs:
        out[spec.name] = pd.array(out[spec.name].tolist(), dtype="Float64")
    return out


def _call(spec: KpiSpec, args: list[Any], row: Mapping[str, Any], keys: list[str]) -> Any:
    where = ", ".join(f"{k}={row[k]}" for k in keys) or "all rows"
    try:
        return spec.definition.raw(*args, **spec.options)
    except NoResultError:
        return None
    except KpiError as exc:
        raise type(exc)(f"{exc} (group {where})", argument=exc.argument, value=exc.value) from None


def _add_status(table: pd.DataFrame, specs: list[KpiSpec], targets: Mapping[str, float],
                options: Mapping[str, Any]) -> pd.DataFrame:
    status = catalog.get("status").function
    by_name = {s.name: s for s in specs}
    for name, target in targets.items():
        if name not in by_name:
            raise FrameError(f"target given for {name!r}, which is not a requested KPI "
                             f"({', '.join(by_name)})")
        d = by_name[name].definition
        direction = d.direction if d.direction != "context" else "higher_is_better"
        table[f"{name}_target"] = float(target)
        table[f"{name}_status"] = [
            status(None if pd.isna(v) else float(v), float(target), direction, **options)
            for v in table[name]
        ]
    return table
