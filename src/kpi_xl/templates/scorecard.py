"""The generic KPI scorecard: a register of any KPI, with monthly actuals typed in.

Sample rows come from the catalog (one strategic KPI per category, its name, level,
leading/lagging, direction and unit from the metadata, magnitudes from its worked example);
users overwrite them with their own KPIs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from kpi_xl import catalog
from kpi_xl.templates import builder as B
from kpi_xl.templates import formulas as fx
from kpi_xl.templates.sampledata import scorecard_actuals
from kpi_xl.templates.spec import BoundKpi, TemplateSpec
from kpi_xl.templates.style import F, Grid, print_setup

__all__ = ["REGISTER_COLS", "build_scorecard", "register_entries"]

REGISTER_COLS = ("KPI id", "KPI", "Owner", "Level", "Leading / lagging", "Direction", "Unit",
                 "Baseline", "Target", "Due date", "At-risk tolerance")
MONTH0 = len(REGISTER_COLS) + 1  # first monthly actual column
OWNERS = {"strategic": "CEO", "finance": "CFO", "saas": "VP Revenue", "customer": "Head of CX",
          "marketing": "Head of Marketing", "website": "Head of Digital", "sales": "Head of Sales",
          "service": "Head of Customer Service", "it": "Head of IT", "operations": "COO"}


def register_entries() -> list[Any]:
    """One KPI per category: the first strategic one, else the first KPI (catalog order)."""
    picked: dict[str, Any] = {}
    for d in catalog.all_entries(kind="kpi"):
        if d.category in ("cross-cutting", "uncertainty") or d.unit not in B_UNITS:
            continue
        cur = picked.get(d.category)
        if cur is None or (cur.level != "strategic" and d.level == "strategic"):
            picked[d.category] = d
    return list(picked.values())


B_UNITS = ("ratio", "currency", "count", "multiple", "score", "duration", "scale_mean", "rate")


def _scale(d: Any) -> float:
    for e in d.examples:
        if isinstance(e.expected, (int, float)) and not isinstance(e.expected, bool) and e.expected:
            return abs(float(e.expected))
    return 100.0


def build_scorecard(spec: TemplateSpec, path: Path, *, mode: str, rows: int | None, empty: bool,
                    seed: int, first_month: Any) -> B.Built:
    first = pd.Timestamp(first_month).to_period("M").to_timestamp() if first_month is not None \
        else B.default_first_month()
    months = B._months(first)
    rng = np.random.default_rng(seed)
    entries = [] if empty else register_entries()
    if rows is not None and not empty:
        entries = (entries * (rows // max(len(entries), 1) + 1))[:rows]
    months_done = 12  # (LibreOffice draws #N/A months as 0 in charts; Excel leaves gaps)
    reporting = months[months_done - 1] if not empty else months[-1]

    reg_rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for d in entries:
        n = seen.get(d.id, 0)
        seen[d.id] = n + 1
        kid = d.id if n == 0 else f"{d.id}_{n + 1}"
        scale = _scale(d)
        lower = d.direction == "lower_is_better"
        baseline = B._nice(scale * (1.1 if lower else 0.9))
        target = B._nice(scale * (0.9 if lower else 1.1))
        if d.unit == "ratio" and target >= 1 > scale:
            target = 0.99
        reach = (1.15, 0.75, 0.2)[len(reg_rows) % 3]  # on track, at risk, off track
        decimals = 0 if d.unit in ("count", "score") else (2 if d.unit == "currency" else 4)
        acts = scorecard_actuals(rng, target, baseline, 12, months_done, reach, decimals)
        reg_rows.append({"id": kid, "d": d, "owner": OWNERS.get(d.category, spec.owner),
                         "baseline": baseline, "target": target, "actuals": acts})

    wb = Workbook(write_only=True)
    kpis = tuple(BoundKpi(d=r["d"], args={}, owner=r["owner"]) for r in reg_rows)
    B.write_start(wb, spec, kpis, mode, extra=[("", (
        "• Sheet 'Register': one row per KPI you track — name, owner, level, leading or "
        "lagging, direction, unit, baseline, target, due date, at-risk tolerance — and one "
        "column of actuals per month. Targets and the dashboard read it; add rows by copying "
        "the last one on every sheet (the sample rows come from the kpi-xl catalog)."))])
    _write_register(wb, reg_rows, months)
    # Targets mirror the register (formulas), so the dashboard logic is the one of every template
    targets, ids = {}, []
    for j, r in enumerate(reg_rows):
        rr = 2 + j
        targets[r["id"]] = {
            "direction": F(f"=Register!$F${rr}"), "at_risk_tolerance": F(f"=Register!$K${rr}"),
            "on_track_tolerance": 0.0, "tolerance_type": "relative", "deadband": 0.0,
            "owner": F(f"=Register!$C${rr}"), "cadence": "monthly",
            "due": F(f'=IF(Register!$J${rr}="","",Register!$J${rr})'),
            "target": F(f'=IF(Register!$I${rr}="","",Register!$I${rr})'),
            "baseline": F(f'=IF(Register!$H${rr}="","",Register!$H${rr})')}
        ids.append((r["id"], r["d"].name, f"{r['d'].unit}|{r['d'].number_format}"))
    B.write_targets(wb, spec, ids, targets, first, "=" + _excel_date(reporting))
    target_rows = {r["id"]: B.T_HEADER + 1 + j for j, r in enumerate(reg_rows)}
    _write_definitions(wb, reg_rows, target_rows)

    dash: list[B.DashRow] = []
    for j, r in enumerate(reg_rows):
        rr = 2 + j
        span = f"Register!${get_column_letter(MONTH0)}${rr}:${get_column_letter(MONTH0 + 11)}${rr}"

        def pick(row: int, span: str = span) -> str:
            idx = f"({fx.PERIODS}!$D${row}+1)"
            return (f'=IF(OR({idx}<1,{idx}>12),NA(),IF(INDEX({span},1,{idx})="",NA(),'
                    f"INDEX({span},1,{idx})))")

        cells = [f"Register!{get_column_letter(MONTH0 + i)}{rr}" for i in range(12)]
        dash.append(B.DashRow(
            id=r["id"], name=r["d"].name, unit=r["d"].unit, number_format=r["d"].number_format,
            current=pick(fx.CURRENT_ROW), prior=pick(fx.PRIOR_ROW),
            months=[f'=IF({c}="",NA(),{c})' for c in cells], target_row=target_rows[r["id"]],
            direction=r["d"].direction, udf=mode == "udf"))
    chart_rows = B.write_periods(wb, spec, dash)
    names: dict[str, str] = {}
    B.write_dashboard(wb, spec, dash, mode, chart_rows, names)
    B._finish(wb)
    wb.save(str(path))
    frame = pd.DataFrame([{"KPI id": r["id"], **{m.strftime("%Y-%m"): a for m, a in
                                                  zip(months, r["actuals"], strict=True)}} for r in reg_rows])
    tg = {r["id"]: {"target": r["target"], "baseline": r["baseline"],
                    "direction": r["d"].direction, "at_risk_tolerance": 0.10} for r in reg_rows}
    return B.Built(spec, path, mode, kpis, {"Register": frame}, first, reporting, tg, names)


def _excel_date(ts: pd.Timestamp) -> str:
    return f"DATE({ts.year},{ts.month},1)"


def _write_register(wb: Workbook, reg_rows: list[dict[str, Any]], months: list[pd.Timestamp]) -> None:
    ws = wb.create_sheet("Register")
    g = Grid()
    heads = [*REGISTER_COLS, *(m.strftime("%Y-%m") for m in months)]
    g.row(1, 1, heads, "header")
    for j, r in enumerate(reg_rows):
        rr = 2 + j
        d = r["d"]
        fmt = d.number_format
        g.row(rr, 1, (r["id"], d.name, r["owner"], d.level or "", d.indicator or "",
                      d.direction, d.unit), "input")
        g.put(rr, 8, r["baseline"], "input", fmt)
        g.put(rr, 9, r["target"], "input", fmt)
        g.put(rr, 10, (months[-1] + pd.offsets.MonthEnd(0)).to_pydatetime(), "input", "yyyy-mm-dd")
        g.put(rr, 11, 0.10, "input", "0%")
        for i, a in enumerate(r["actuals"]):
            g.put(rr, MONTH0 + i, a, "input", fmt)
    widths = (22, 30, 22, 11, 10, 16, 10, 11, 11, 11, 9) + (10,) * 12
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    end = 1 + max(len(reg_rows), 1)
    for letter, choices in (("D", ("strategic", "operational", "functional")),
                            ("E", ("leading", "lagging")), ("F", B.DIRECTIONS),
                            ("G", tuple(B_UNITS))):
        dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                            showErrorMessage=True, error="Pick a value from the list.")
        dv.add(f"{letter}2:{letter}{B.LAST_ROW}")
        ws.data_validations.append(dv)
    dv = DataValidation(type="date", operator="between", formula1="36526", formula2="73051",
                        allow_blank=True, showErrorMessage=True, error="Enter a date.")
    dv.add(f"J2:J{B.LAST_ROW}")
    ws.data_validations.append(dv)
    dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                        allow_blank=True, showErrorMessage=True, error="Enter a fraction >= 0.")
    dv.add(f"K2:K{B.LAST_ROW}")
    ws.data_validations.append(dv)
    last = get_column_letter(len(heads))
    ref = f"A1:{last}{end}"
    table = Table(displayName="Register", ref=ref,
                  tableColumns=[TableColumn(id=i, name=h) for i, h in enumerate(heads, 1)],
                  tableStyleInfo=TableStyleInfo(name="TableStyleMedium2", showRowStripes=True))
    table._initialise_columns = lambda: None
    table.autoFilter = AutoFilter(ref=ref)
    B._add_table(ws, table)
    ws.freeze_panes = "C2"
    print_setup(ws, title_rows="1:1")
    g.flush(ws, heights={1: 30})


def _write_definitions(wb: Workbook, reg_rows: list[dict[str, Any]], target_rows: dict[str, int]) -> None:
    kpis = [BoundKpi(d=r["d"], args={}, owner=r["owner"]) for r in reg_rows]
    B.write_definitions(wb, TemplateSpec("scorecard", "", "", ()), kpis,
                        {r["id"]: target_rows[r["id"]] for r in reg_rows} | {
                            r["d"].id: target_rows[r["id"]] for r in reg_rows})
