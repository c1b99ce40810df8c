"""Write a template workbook (openpyxl write-only mode: bounded memory for big tables).

Sheets, in order: Start here, Dashboard, one sheet per data table, Targets, KPI definitions,
Periods (the month boundaries every formula reads). See docs/templates.md.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import CellIsRule, FormulaRule, IconSetRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from kpi_xl import catalog
from kpi_xl.templates import formulas as fx
from kpi_xl.templates.evaluate import Evaluator
from kpi_xl.templates.spec import BoundKpi, Breakdown, Column, DataTable, TemplateSpec
from kpi_xl.templates.style import F, Grid, print_setup, text_cell

__all__ = ["Built", "DashRow", "build", "default_first_month"]

MODES = ("native", "udf")
DIRECTIONS = ("higher_is_better", "lower_is_better", "target_is_best")
EXCEL_EPOCH = dt.date(1899, 12, 30)
LAST_ROW = 1_048_576
MONTH_FMT = "mmm yyyy"

# Targets sheet layout
T_FIRST, T_REPORT, T_HEADER = 3, 4, 6
T_COLS = ("KPI id", "KPI", "Direction", "Unit", "Baseline", "Target", "At-risk tolerance",
          "On-track tolerance", "Tolerance type", "Trend deadband", "Owner", "Review cadence",
          "Due date")
# Dashboard layout
D_HEADER = 5
D_COLS = ("KPI", "Current", "Prior", "Change", "Target", "Attainment", "Progress", "Code",
          "Status", "Trend", "Unit")
GREEN, AMBER, RED, NODATA = ("C6EFCE", "006100"), ("FFEB9C", "9C5700"), ("FFC7CE", "9C0006"), \
    ("EDEDED", "595959")


def default_first_month(today: dt.date | None = None) -> pd.Timestamp:
    """The first of the 12 complete months before today's month."""
    t = pd.Timestamp(today or dt.date.today()).to_period("M")
    return (t - 12).to_timestamp()


@dataclass
class DashRow:
    """One KPI line of a dashboard, whatever computes it."""

    id: str
    name: str
    unit: str
    number_format: str
    current: str  # formulas
    prior: str
    months: Sequence[str]
    target_row: int
    direction: str
    udf: bool = False


@dataclass
class Built:
    """What was written, for the CLI summary and the tests."""

    spec: TemplateSpec
    path: Path
    mode: str
    kpis: tuple[BoundKpi, ...]
    frames: dict[str, pd.DataFrame]
    first_month: pd.Timestamp
    reporting_month: pd.Timestamp
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # kpi_<id> -> sheet!cell


# --- data ------------------------------------------------------------------------------


def empty_frames(spec: TemplateSpec) -> dict[str, pd.DataFrame]:
    return {t.name: pd.DataFrame({c.name: [] for c in t.columns}) for t in spec.tables}


def sample_frames(spec: TemplateSpec, months: Sequence[pd.Timestamp], rows: int | None,
                  seed: int) -> dict[str, pd.DataFrame]:
    assert spec.sample is not None
    frames = spec.sample(np.random.default_rng(seed), months, rows)
    for t in spec.tables:
        df = frames[t.name]
        missing = [c.name for c in t.columns if c.name not in df.columns]
        if missing:
            raise ValueError(f"sample data for {t.name} lacks {missing}")
        frames[t.name] = df.sort_values(t.date_column, kind="stable").reset_index(drop=True)
    return frames


def _serial(values: Any) -> np.ndarray:
    d = pd.to_datetime(pd.Series(values)).to_numpy("datetime64[D]")
    return (d - np.datetime64(EXCEL_EPOCH, "D")).astype(np.int64)


def _validation(col: Column, letter: str) -> DataValidation | None:
    k = col.kind
    dv: DataValidation | None
    if k == "date":
        dv = DataValidation(type="date", operator="between", formula1="36526", formula2="73051",
                            error="Enter a date between 2000-01-01 and 2099-12-31.")
    elif k in ("score", "flag") or (k == "count" and col.low is not None):
        lo, hi = int(col.low or 0), int(col.high if col.high is not None else 1)
        dv = DataValidation(type="whole", operator="between", formula1=str(lo), formula2=str(hi),
                            error=f"Enter a whole number from {lo} to {hi}.")
    elif k == "count":
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0",
                            error="Enter a whole number >= 0.")
    elif k in ("amount", "hours"):
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                            error="Enter a number >= 0.")
    elif k == "number" and col.high is not None:
        dv = DataValidation(type="decimal", operator="between", formula1=str(col.low or 0),
                            formula2=str(col.high), error=f"Enter a number from {col.low or 0} "
                            f"to {col.high}.")
    elif k == "ratio":
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="1",
                            error="Enter a fraction from 0 to 1 (25% = 0.25).")
    elif k == "choice":
        dv = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"',
                            error="Pick a value from the list.")
    else:
        return None
    dv.errorTitle = f"{col.name}: invalid entry"
    dv.showErrorMessage = True
    dv.promptTitle = col.name[:32]
    dv.prompt = col.help[:255]
    dv.showInputMessage = True
    dv.allow_blank = True
    dv.add(f"{letter}2:{letter}{LAST_ROW}")
    return dv


def write_table(wb: Workbook, t: DataTable, df: pd.DataFrame) -> None:
    """One data sheet: header, rows streamed column-typed, Excel Table, validations."""
    ws = wb.create_sheet(t.name)
    ncol = len(t.columns)
    for i, c in enumerate(t.columns, 1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = c.width
        dv = _validation(c, letter)
        if dv is not None:
            ws.data_validations.append(dv)
    ws.freeze_panes = "B2"
    print_setup(ws, title_rows="1:1")
    header = []
    for c in t.columns:
        cell = text_cell(ws, c.name)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)

    # Whole-number and text columns are written unstyled (General shows them as typed), so
    # openpyxl reuses one cell object for them: the big tables stay fast and memory-flat.
    styles, columns = [], []
    for c in t.columns:
        plain = c.kind in ("count", "flag", "score", "text", "choice")
        if plain:
            styles.append(None)
        else:
            proto = WriteOnlyCell(ws, value=0)
            proto.number_format = c.number_format
            styles.append(proto._style)
        s = df[c.name]
        if c.kind == "date":
            vals: list[Any] = _serial(s).tolist() if len(s) else []
        elif c.kind in ("text", "choice"):
            vals = [None if (v is None or (isinstance(v, float) and np.isnan(v))) else str(v)
                    for v in s.tolist()]
        else:
            arr = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
            ints = plain and bool(np.all(np.isnan(arr) | (arr == np.round(arr))))
            vals = [None if np.isnan(v) else (int(v) if ints else v) for v in arr.tolist()]
        columns.append(vals)

    for r in range(len(df)):
        row: list[Any] = []
        for vals, style in zip(columns, styles, strict=True):
            v = vals[r]
            if style is not None and v is not None:
                cell = WriteOnlyCell(ws, value=v)
                cell._style = style
                v = cell
            elif isinstance(v, str) and v.startswith("="):
                v = text_cell(ws, v)  # text stays text: never a formula (no injection)
            row.append(v)
        ws.append(row)

    last = get_column_letter(ncol)
    ref = f"A1:{last}{max(len(df), 1) + 1}"
    table = Table(displayName=t.name, ref=ref,
                  tableColumns=[TableColumn(id=i, name=c.name) for i, c in enumerate(t.columns, 1)],
                  tableStyleInfo=TableStyleInfo(name="TableStyleMedium2", showRowStripes=True))
    table._initialise_columns = lambda: None  # columns are given (write-only: no cells to read)
    from openpyxl.worksheet.filters import AutoFilter

    table.autoFilter = AutoFilter(ref=ref)
    _add_table(ws, table)


def _add_table(ws: Any, table: Table) -> None:
    with warnings.catch_warnings():  # write-only mode warns even when columns are given
        warnings.simplefilter("ignore", UserWarning)
        ws.add_table(table)


# --- targets ---------------------------------------------------------------------------


def _nice(x: float) -> float:
    if x == 0 or not np.isfinite(x):
        return float(x)
    digits = 3 - int(np.floor(np.log10(abs(x)))) - 1
    return float(round(x, digits))


#: Target offsets relative to the current value (in the good direction): a mix of on track,
#: at risk and off track in the sample.
_TARGET_STEPS = (-0.03, 0.06, 0.16)


def sample_targets(kpis: Sequence[BoundKpi], ev: Evaluator | None, months: Sequence[pd.Timestamp],
                   empty: bool) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    due = (months[-1] + pd.offsets.MonthEnd(3)).date() if months else None
    for i, k in enumerate(kpis):
        row: dict[str, Any] = {"direction": k.direction, "at_risk_tolerance": 0.10,
                               "on_track_tolerance": 0.0, "tolerance_type": "relative",
                               "deadband": 0.0, "owner": k.owner, "cadence": "monthly",
                               "due": due, "target": None, "baseline": None}
        if not empty and ev is not None:
            vals = [ev.value(k, pd.Period(m, "M")) for m in months]
            vals = [v for v in vals if isinstance(v, (int, float))]
            if vals:
                sign = -1.0 if k.direction == "lower_is_better" else 1.0
                step = _TARGET_STEPS[i % len(_TARGET_STEPS)]
                cur = vals[-1]
                target = _nice(cur + sign * step * abs(cur)) if cur else 1.0
                if k.d.unit == "ratio" and 0 < cur < 1 and target >= 1:
                    target = 0.99
                base = _nice(vals[0])
                if base == target:
                    base = _nice(target - sign * 0.2 * abs(target or 1))
                row.update(target=target, baseline=base)
        out[k.id] = row
    return out


def write_targets(wb: Workbook, spec: TemplateSpec, ids: Sequence[tuple[str, str, str]],
                  targets: dict[str, dict[str, Any]], first: pd.Timestamp,
                  reporting_formula: str) -> None:
    ws = wb.create_sheet("Targets")
    g = Grid()
    g.put(1, 1, "Targets and settings", "title")
    g.put(2, 1, "Yellow cells are yours to change. The dashboard compares each KPI with its "
                "target here; the reporting month decides which month is 'current'.", "subtitle")
    g.put(T_FIRST, 1, "First month of the workbook", "label")
    g.put(T_FIRST, 3, first.to_pydatetime(), "input", MONTH_FMT)
    g.put(T_REPORT, 1, "Reporting month (default: latest month with data)", "label")
    g.put(T_REPORT, 3, F(reporting_formula), "input", MONTH_FMT)
    g.row(T_HEADER, 1, T_COLS, "header")
    for j, (kid, name, unit_fmt) in enumerate(ids):
        r = T_HEADER + 1 + j
        t = targets[kid]
        g.put(r, 1, kid, "text")
        g.put(r, 2, name, "text")
        g.put(r, 3, t["direction"], "input")
        g.put(r, 4, unit_fmt.split("|")[0], "text")
        g.put(r, 5, t["baseline"], "input", unit_fmt.split("|")[1])
        g.put(r, 6, t["target"], "input", unit_fmt.split("|")[1])
        g.put(r, 7, t["at_risk_tolerance"], "input", "0%")
        g.put(r, 8, t["on_track_tolerance"], "input", "0%")
        g.put(r, 9, t["tolerance_type"], "input")
        g.put(r, 10, t["deadband"], "input", "0%")
        g.put(r, 11, t["owner"], "input")
        g.put(r, 12, t["cadence"], "input")
        g.put(r, 13, t["due"], "input", "yyyy-mm-dd")
    for letter, w in zip("ABCDEFGHIJKLM", (24, 34, 17, 11, 13, 13, 11, 11, 12, 10, 24, 12, 12), strict=True):
        ws.column_dimensions[letter].width = w
    end = T_HEADER + max(len(ids), 1)
    lists = {"C": DIRECTIONS, "I": ("relative", "absolute"),
             "L": ("weekly", "monthly", "quarterly")}
    for letter, choices in lists.items():
        dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle="Invalid choice",
                            error="Pick a value from the list.")
        dv.add(f"{letter}{T_HEADER + 1}:{letter}{end}")
        ws.data_validations.append(dv)
    for letter in "GHJ":
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                            allow_blank=True, showErrorMessage=True,
                            error="A tolerance is a fraction >= 0 (10% = 0.1).")
        dv.add(f"{letter}{T_HEADER + 1}:{letter}{end}")
        ws.data_validations.append(dv)
    dv = DataValidation(type="date", operator="between", formula1="36526", formula2="73051",
                        allow_blank=True, showErrorMessage=True, error="Enter a date.")
    dv.add(f"M{T_HEADER + 1}:M{end}")
    dv.add(f"C{T_FIRST}:C{T_REPORT}")
    ws.data_validations.append(dv)
    if ids:
        ref = f"A{T_HEADER}:M{end}"
        table = Table(displayName="TargetsTable", ref=ref,
                      tableColumns=[TableColumn(id=i, name=n) for i, n in enumerate(T_COLS, 1)],
                      tableStyleInfo=TableStyleInfo(name="TableStyleLight9", showRowStripes=True))
        table._initialise_columns = lambda: None
        from openpyxl.worksheet.filters import AutoFilter

        table.autoFilter = AutoFilter(ref=ref)
        _add_table(ws, table)
    ws.freeze_panes = f"C{T_HEADER + 1}"
    print_setup(ws, title_rows=f"{T_HEADER}:{T_HEADER}")
    g.flush(ws, heights={T_HEADER: 30})
    wb.defined_names["first_month"] = DefinedName("first_month", attr_text=f"Targets!$C${T_FIRST}")
    wb.defined_names["reporting_month"] = DefinedName("reporting_month",
                                                      attr_text=f"Targets!$C${T_REPORT}")


# --- periods ---------------------------------------------------------------------------


def write_periods(wb: Workbook, spec: TemplateSpec, rows: Sequence[DashRow]) -> dict[str, int]:
    """Month boundaries per table, and the target series of the charts. Returns chart rows."""
    ws = wb.create_sheet(fx.PERIODS)
    g = Grid()
    g.put(1, 1, "Periods (computed: do not edit)", "title")
    g.put(2, 1, "Each row is one month; for every data table it holds the first and last table "
                "row of that month. KPI formulas read a month's rows as INDEX(col, first):"
                "INDEX(col, last), so keep each table sorted by date.", "subtitle")
    heads = ["Period", "Month start", "Next month", "Months since first"]
    for t in spec.tables:
        heads += [f"{t.name} first row", f"{t.name} last row"]
    g.row(4, 1, heads, "header")

    def period_row(r: int, label: str, start: str) -> None:
        g.put(r, 1, label, "label")
        g.put(r, 2, F(start), "value", MONTH_FMT)
        g.put(r, 3, F(f"=EDATE(B{r},1)"), "value", MONTH_FMT)
        g.put(r, 4, F(f"=(YEAR(B{r})-YEAR(first_month))*12+MONTH(B{r})-MONTH(first_month)"),
              "value", "0")
        for i, t in enumerate(spec.tables):
            ref = f"{t.name}[{t.date_column}]"
            c = fx.TABLE_COL0 + 2 * i
            g.put(r, c, F(f'=COUNTIF({ref},"<"&B{r})+1'), "value", "0")
            g.put(r, c + 1, F(f'=COUNTIF({ref},"<"&C{r})'), "value", "0")

    for i in range(-1, 13):
        label = "first month" if i == 1 else (f"month {i}" if i > 0 else f"before ({i})")
        period_row(fx.MONTH_ROW0 + i, label, f"=EDATE(first_month,{i - 1})")
    for r, off, label in ((fx.PRIOR2_ROW, -2, "2 months before reporting"),
                          (fx.PRIOR_ROW, -1, "prior month"), (fx.CURRENT_ROW, 0, "reporting month")):
        period_row(r, label, f"=EDATE(reporting_month,{off})")
    chart_rows: dict[str, int] = {}
    g.put(fx.CURRENT_ROW + 2, 1, "Target series (charts)", "h2")
    for j, row in enumerate(rows):
        r = fx.CURRENT_ROW + 3 + j
        chart_rows[row.id] = r
        g.put(r, 1, "Target", "label")
        tcell = f"Targets!$F${row.target_row}"
        for i in range(12):
            g.put(r, 2 + i, F(f'=IF({tcell}="",NA(),{tcell})'), "value", row.number_format)
    ws.column_dimensions["A"].width = 26
    for i in range(2, 3 + 12):
        ws.column_dimensions[get_column_letter(i)].width = 13
    print_setup(ws)
    g.flush(ws, heights={4: 30})
    return chart_rows


# --- dashboard -------------------------------------------------------------------------


def _change_formula(unit: str, r: int) -> tuple[str, str]:
    if unit == "ratio":
        return f"=(B{r}-C{r})*100", '+0.0" pp";-0.0" pp";0.0" pp"'
    if unit == "score":
        return f"=B{r}-C{r}", '+0.0" pts";-0.0" pts";0.0" pts"'
    return f"=IF(C{r}=0,NA(),(B{r}-C{r})/ABS(C{r}))", "+0.0%;-0.0%;0.0%"


def _helpers(r: int, tr: int, udf: bool) -> dict[int, str]:
    """Attainment, progress, status code, status and trend formulas of dashboard row r."""
    a, p = f"$B{r}", f"$C{r}"
    t, d, b = f"Targets!$F${tr}", f"Targets!$C${tr}", f"Targets!$E${tr}"
    risk, on, tt, db = (f"Targets!$G${tr}", f"Targets!$H${tr}", f"Targets!$I${tr}",
                        f"Targets!$J${tr}")
    guard = f"OR(ISNA({a}),{t}=\"\")"
    if udf:
        att = f"KPI_ATTAINMENT({a},{t},{d})"
        prog = f"KPI_PROGRESS({a},{t},{b})"
        code = f"KPI_STATUS_CODE({a},{t},{d},{risk},{on},{tt})"
        trend = f'KPI_TREND({a},{p},{d},{db},"sentiment",{t})'
    else:
        att = (f'IF({d}="lower_is_better",({t}-({a}-{t}))/ABS({t}),IF({d}="target_is_best",'
               f"1-ABS({a}-{t})/ABS({t}),({a}-{t}+ABS({t}))/ABS({t})))")
        prog = f"({a}-{b})/({t}-{b})"
        gap = (f'IF({d}="lower_is_better",{t}-{a},IF({d}="target_is_best",-ABS({a}-{t}),{a}-{t}))'
               f'/IF({tt}="absolute",1,ABS({t}))')
        eps = f'IF({tt}="absolute",1E-12*MAX(1,ABS({t})),1E-12)'
        code = f"IF({gap}>=-{on}-{eps},1,IF({gap}>=-{risk}-{eps},0,-1))"

        def sign(x: str) -> str:
            return f"IF({x}>{db}+1E-12,1,IF({x}<-{db}-1E-12,-1,0))"

        rel = f"({a}-{p})/ABS({p})"
        moved = f"(ABS({a}-{t})-ABS({p}-{t}))/ABS({p})"
        trend = (f'IF({d}="target_is_best",IF({t}="",NA(),-{sign(moved)}),'
                 f'IF({d}="lower_is_better",-1,1)*{sign(rel)})')
    return {
        6: f"=IF({guard},NA(),{att})",
        7: f'=IF(OR(ISNA({a}),{t}="",{b}="",{t}={b}),NA(),{prog})',
        8: f"=IF({guard},NA(),{code})",
        9: f'=IF(ISNA({a}),"no data",IF({t}="","no target",CHOOSE($H{r}+2,"off track","at risk","on track")))',
        10: f"=IF(OR(ISNA({a}),ISNA({p})),NA(),IF({p}=0,NA(),{trend}))",
    }


def write_dashboard(wb: Workbook, spec: TemplateSpec, rows: Sequence[DashRow], mode: str,
                    chart_rows: dict[str, int], names: dict[str, str]) -> None:
    ws = wb.create_sheet("Dashboard", 1)
    g = Grid()
    g.put(1, 1, f"{spec.title} — dashboard", "title")
    g.put(2, 1, "Reporting month", "label")
    g.put(2, 2, F("=reporting_month"), "value", MONTH_FMT)
    g.put(2, 3, "prior:", "plain")
    g.put(2, 4, F("=EDATE(reporting_month,-1)"), "value", MONTH_FMT)
    g.put(2, 6, f"Formulas: {mode}", "subtitle")
    g.put(3, 1, "Status: on track = target met; at risk = within the tolerance set on Targets; "
                "off track = beyond it; no data = nothing in that month (#N/A). Change: "
                "percentage points (pp) for ratios. Trend: ▲ improving, ▼ worsening.", "subtitle")
    g.row(D_HEADER, 1, D_COLS, "header")
    n = len(rows)
    for j, row in enumerate(rows):
        r = D_HEADER + 1 + j
        tr = row.target_row
        g.put(r, 1, row.name, "label")
        g.put(r, 2, F(row.current), "value", row.number_format)
        g.put(r, 3, F(row.prior), "value", row.number_format)
        change, cfmt = _change_formula(row.unit, r)
        g.put(r, 4, F(change), "value", cfmt)
        g.put(r, 5, F(f'=IF(Targets!$F${tr}="","",Targets!$F${tr})'), "value", row.number_format)
        h = _helpers(r, tr, row.udf)
        g.put(r, 6, F(h[6]), "value", "0%")
        g.put(r, 7, F(h[7]), "value", "0%")
        g.put(r, 8, F(h[8]), "center", "0")
        g.put(r, 9, F(h[9]), "center")
        g.put(r, 10, F(h[10]), "center", "0")
        g.put(r, 11, row.unit, "center")
        names[f"kpi_{row.id}"] = f"Dashboard!$B${r}"
    last = D_HEADER + max(n, 1)
    first = D_HEADER + 1

    # by-month table
    bm = last + 2
    g.put(bm, 1, "By month", "h2")
    g.put(bm + 1, 1, "KPI", "header")
    for i in range(12):
        g.put(bm + 1, 2 + i, F(f"={fx.PERIODS}!$B${fx.MONTH_ROW0 + 1 + i}"), "header", "mmm yy")
    for j, row in enumerate(rows):
        r = bm + 2 + j
        g.put(r, 1, row.name, "label")
        for i, f in enumerate(row.months):
            g.put(r, 2 + i, F(f), "value", row.number_format)
    bm_end = bm + 1 + max(n, 1)

    # conditional formats: traffic lights driven by the numeric status code in column H
    if n:
        rng = f"I{first}:I{last}"
        for cond, (bg, fg) in ((f"$H{first}=1", GREEN), (f"$H{first}=0", AMBER),
                               (f"$H{first}=-1", RED), (f"ISNA($H{first})", NODATA)):
            ws.conditional_formatting.add(rng, FormulaRule(
                formula=[cond], fill=PatternFill("solid", fgColor=bg, bgColor=bg),
                font=Font(color=fg, bold=True), stopIfTrue=True))
        ws.conditional_formatting.add(f"H{first}:H{last}",
                                      IconSetRule("3TrafficLights1", "num", [-1, 0, 1]))
        ws.conditional_formatting.add(f"J{first}:J{last}", IconSetRule("3Arrows", "num", [-1, 0, 1]))

    # share-of-total blocks (e.g. sales by region), each with a column chart beside it
    top = bm_end + 2
    for b in spec.breakdowns:
        top = write_breakdown(ws, g, spec, b, top, mode, names)

    # charts: each KPI by month against its target, three per row
    periods = wb[fx.PERIODS]
    if n:
        g.put(top, 1, "Trend against target", "h2")
    for j, row in enumerate(rows):
        ch = LineChart()
        ch.title = row.name
        ch.height, ch.width = 6.2, 10.2
        ch.legend.position = "b"
        ch.y_axis.number_format = row.number_format
        ch.y_axis.majorGridlines = None
        ch.x_axis.number_format = "mmm"
        ch.x_axis.delete = False
        ch.x_axis.tickLblPos = "low"  # month labels below the plot, even for negative values
        ch.display_blanks = "gap"
        ch.y_axis.delete = False
        r = bm + 2 + j
        ch.add_data(Reference(ws, min_col=1, max_col=13, min_row=r, max_row=r), from_rows=True,
                    titles_from_data=True)
        tr = chart_rows[row.id]
        ch.add_data(Reference(periods, min_col=1, max_col=13, min_row=tr, max_row=tr),
                    from_rows=True, titles_from_data=True)
        ch.set_categories(Reference(ws, min_col=2, max_col=13, min_row=bm + 1, max_row=bm + 1))
        actual, target = ch.series
        actual.marker.symbol = "circle"
        actual.graphicalProperties.line.solidFill = "2E75B6"
        actual.graphicalProperties.line.width = 28575
        target.graphicalProperties.line.solidFill = "C00000"
        target.graphicalProperties.line.dashStyle = "dash"
        target.smooth = False
        actual.smooth = False
        anchor_col = "ADI"[j % 3]
        ws.add_chart(ch, f"{anchor_col}{top + 1 + (j // 3) * 14}")

    widths = {"A": 40}
    for i in range(2, 14):
        widths[get_column_letter(i)] = 11.5
    for k, v in widths.items():
        ws.column_dimensions[k].width = v
    ws.freeze_panes = f"B{first}"
    print_setup(ws, title_rows=f"{D_HEADER}:{D_HEADER}")
    g.flush(ws, heights={1: 24, D_HEADER: 30})
    for name, ref in names.items():
        wb.defined_names[name] = DefinedName(name, attr_text=ref)


BREAKDOWN_COLS = ("{group}", "{value}", "Prior {value_lower}", "Share", "Prior share", "Change")
PP_FMT = '+0.0" pp";-0.0" pp";0.0" pp"'
CHART_ROWS = 13  # rows a 6.2 cm chart covers at the default row height


def write_breakdown(ws: Any, g: Grid, spec: TemplateSpec, b: Breakdown, top: int, mode: str,
                    names: dict[str, str]) -> int:
    """A share-of-total block at row ``top`` with a column chart to its right.

    Returns the first free row below it. Columns: group, current and prior sum (SUMIFS),
    share and prior share (the catalog share entry), change in pp; the total row sums the
    shares and its check cell says OK when they make 100%.
    """
    groups = b.groups(spec)
    amount = spec.table(b.table).column(b.value).number_format
    g.put(top, 1, f"{b.title} — reporting month", "h2")
    hdr = top + 1
    heads = [h.format(group=b.group, value=b.value_label, value_lower=b.value_label.lower())
             for h in BREAKDOWN_COLS]
    g.row(hdr, 1, heads, "header")
    first = hdr + 1
    for i, grp in enumerate(groups):
        r = first + i
        g.put(r, 1, grp, "label")
        g.put(r, 2, F(fx.breakdown_sum(spec, b, f"$A{r}", fx.REPORTING)), "value", amount)
        g.put(r, 3, F(fx.breakdown_sum(spec, b, f"$A{r}", fx.REPORTING_PRIOR)), "value", amount)
        g.put(r, 4, F(fx.breakdown_share(spec, b, f"$B{r}", fx.REPORTING, mode)), "value", "0.0%")
        g.put(r, 5, F(fx.breakdown_share(spec, b, f"$C{r}", fx.REPORTING_PRIOR, mode)), "value",
              "0.0%")
        g.put(r, 6, F(f"=(D{r}-E{r})*100"), "value", PP_FMT)
        name = b.defined_name(grp)
        if name in names:
            raise ValueError(f"defined name {name} is used twice")
        names[name] = f"Dashboard!$D${r}"
    last = first + len(groups) - 1
    tot = last + 1
    g.put(tot, 1, "Total (check: shares sum to 100%)", "label")
    for c, fmt in ((2, amount), (3, amount), (4, "0.0%"), (5, "0.0%")):
        col = get_column_letter(c)
        g.put(tot, c, F(f"=SUM({col}{first}:{col}{last})"), "value", fmt)
    g.put(tot, 6, F(f'=IF(ISNA(D{tot}),"no data",IF(ABS(D{tot}-1)<1E-9,"OK","not 100%"))'),
          "center")
    for text, (bg, fg) in (('"OK"', GREEN), ('"not 100%"', RED), ('"no data"', NODATA)):
        ws.conditional_formatting.add(f"F{tot}", CellIsRule(
            operator="equal", formula=[text], fill=PatternFill("solid", fgColor=bg, bgColor=bg),
            font=Font(color=fg, bold=True), stopIfTrue=True))

    ch = BarChart()
    ch.type = "col"
    ch.title = b.title
    ch.height, ch.width = 6.2, 13.0
    ch.legend.position = "b"
    ch.y_axis.number_format = "#,##0"
    ch.y_axis.majorGridlines = None
    ch.y_axis.delete = False
    ch.x_axis.delete = False
    ch.add_data(Reference(ws, min_col=2, max_col=3, min_row=hdr, max_row=last),
                titles_from_data=True)
    ch.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    for series, color in zip(ch.series, ("2E75B6", "A6A6A6"), strict=True):
        series.graphicalProperties.solidFill = color
        series.graphicalProperties.line.solidFill = color
    ws.add_chart(ch, f"H{top}")
    return max(tot, top + CHART_ROWS) + 2


# --- start here and definitions ---------------------------------------------------------


def write_start(wb: Workbook, spec: TemplateSpec, kpis: Sequence[BoundKpi], mode: str,
                extra: Sequence[tuple[str, str]] = ()) -> None:
    ws = wb.create_sheet("Start here", 0)
    g = Grid()
    r = 1
    g.put(r, 1, f"{spec.title} — workbook", "title")
    r += 1
    g.put(r, 1, spec.purpose, "para")
    r += 2

    def section(title: str, lines: Sequence[str]) -> None:
        nonlocal r
        g.put(r, 1, title, "h2")
        r += 1
        for line in lines:
            g.put(r, 1, line, "para")
            r += 1
        r += 1

    section("How to fill it", [
        *(f"• Sheet '{t.name}': {t.purpose} Columns: " + "; ".join(
            f"{c.name} ({c.help.rstrip('.')})" for c in t.columns) + "." for t in spec.tables),
        "• Paste or type rows at the bottom of each table (it grows automatically). Keep each "
        "table sorted by its Date column: every KPI reads one month as a block of rows.",
        "• Rows of monthly tables are dated on the first day of their month.",
        "• Sheet 'Targets': set each KPI's target, baseline, direction, tolerance, owner and "
        "due date (yellow cells), the first month of the workbook and the reporting month.",
        *(line for _, line in extra),
    ])
    section("How the sheets connect", [
        "• Data tables → 'Periods' (first and last row of every month per table) → KPI "
        "formulas on 'Dashboard' (current month, prior month, and the 12-month table).",
        "• 'Dashboard' compares each KPI with 'Targets': attainment, progress from baseline, "
        "status (traffic light driven by the numeric status code) and trend vs the prior month.",
        "• 'KPI definitions' documents every KPI from the kpi-xl catalog: formula, level, "
        "leading/lagging, direction, which columns feed it, owner and target.",
        "• Each current-month KPI cell has a workbook name kpi_<id> (Formulas ▸ Name Manager), "
        "e.g. " + (f"kpi_{kpis[0].id}" if kpis else "kpi_nps") + ", for scripts and links.",
        *(f"• '{b.title}' on 'Dashboard': each {b.group.lower()}'s {b.value_label.lower()} in "
          f"the reporting and prior month (SUMIFS on '{b.table}'), its share of the month's "
          f"total ({catalog.get(b.kpi).excel_name}) and the change in pp; the total row checks "
          f"that the shares sum to 100%. Share cells are named "
          f"{b.defined_name(b.groups(spec)[0])} etc." for b in spec.breakdowns),
    ])
    section("Formulas", [
        f"• This file uses {mode} formulas. "
        + ("Native: only built-in spreadsheet functions, so it calculates in Excel, "
           "LibreOffice and Google Sheets without any add-in."
           if mode == "native" else
           "UDF: the KPI_* functions of the kpi-xl add-in (Excel with xlwings, or kpi-xl "
           "recalc); without the add-in those cells show #NAME?."),
        "• #N/A means 'no data' for that month (or no target/baseline); any other error "
        "value points at a data problem (e.g. a zero denominator).",
    ])
    g.put(r, 1, f"Generated by kpi-xl ({len(kpis)} KPIs).", "note")
    ws.column_dimensions["A"].width = 120
    print_setup(ws, landscape=False)
    g.flush(ws)


def write_definitions(wb: Workbook, spec: TemplateSpec, kpis: Sequence[BoundKpi],
                      target_rows: dict[str, int]) -> None:
    ws = wb.create_sheet("KPI definitions")
    g = Grid()
    cols = ("KPI", "Id", "Excel function", "Category", "Level", "Leading / lagging", "Direction",
            "Unit", "Description", "Formula", "Fed by", "Owner", "Target", "Baseline",
            "Review cadence")
    g.row(1, 1, cols, "header")
    for j, k in enumerate(kpis):
        r = 2 + j
        d = k.d
        tr = target_rows[k.id]
        vals = (d.name, d.id, d.excel_name, d.category, d.level or "", d.indicator or "",
                d.direction.replace("_", " "), d.unit, d.description, d.formula,
                fx.inputs_text(k))
        g.row(r, 1, vals, "text")
        g.put(r, 12, F(f"=Targets!$K${tr}"), "text")
        g.put(r, 13, F(f'=IF(Targets!$F${tr}="","",Targets!$F${tr})'), "value", k.number_format)
        g.put(r, 14, F(f'=IF(Targets!$E${tr}="","",Targets!$E${tr})'), "value", k.number_format)
        g.put(r, 15, F(f"=Targets!$L${tr}"), "text")
    for letter, w in zip("ABCDEFGHIJKLMNO", (28, 22, 22, 11, 11, 10, 15, 9, 55, 40, 48, 20, 12,
                                               12, 10), strict=True):
        ws.column_dimensions[letter].width = w
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:O{1 + max(len(kpis), 1)}"
    print_setup(ws, title_rows="1:1")
    g.flush(ws, heights={1: 30})


# --- the whole workbook -----------------------------------------------------------------


def _months(first: pd.Timestamp) -> list[pd.Timestamp]:
    p = pd.Period(first, "M")
    return [(p + i).to_timestamp() for i in range(12)]


def build(spec: TemplateSpec, path: Path | str, *, mode: str = "native", rows: int | None = None,
          empty: bool = False, seed: int = 0, first_month: Any = None) -> Built:
    """Write ``spec``'s workbook to ``path`` (overwrites; callers handle atomic writes)."""
    if mode not in MODES:
        raise ValueError(f"unknown formula mode {mode!r}: use native or udf")
    if spec.scorecard:
        from kpi_xl.templates.scorecard import build_scorecard

        return build_scorecard(spec, Path(path), mode=mode, rows=rows, empty=empty, seed=seed,
                               first_month=first_month)
    first = pd.Timestamp(first_month).to_period("M").to_timestamp() if first_month is not None \
        else default_first_month()
    months = _months(first)
    frames = empty_frames(spec) if empty else sample_frames(spec, months, rows, seed)
    kpis = fx.select_kpis(spec)
    ev = Evaluator(spec, frames, first)
    targets = sample_targets(kpis, ev, months, empty)
    target_rows = {k.id: T_HEADER + 1 + j for j, k in enumerate(kpis)}

    main = spec.main
    ref = f"{main.name}[{main.date_column}]"
    reporting = (f"=IF(COUNT({ref})=0,EDATE(first_month,11),"
                 f"DATE(YEAR(MAX({ref})),MONTH(MAX({ref})),1))")
    if empty or frames[main.name].empty:
        reporting_month = months[-1]
    else:
        reporting_month = pd.Timestamp(frames[main.name][main.date_column].max()).to_period(
            "M").to_timestamp()

    wb = Workbook(write_only=True)
    udf = mode == "udf"
    rows_ = [DashRow(
        id=k.id, name=spec.labels.get(k.id, k.d.name), unit=k.d.unit, number_format=k.number_format,
        current=fx.kpi_formula(spec, k, fx.REPORTING, mode),
        prior=fx.kpi_formula(spec, k, fx.REPORTING_PRIOR, mode),
        months=[fx.kpi_formula(spec, k, fx.PeriodRef.month(i), mode) for i in range(1, 13)],
        target_row=target_rows[k.id], direction=k.direction, udf=udf) for k in kpis]
    write_start(wb, spec, kpis, mode)
    for t in spec.tables:
        write_table(wb, t, frames[t.name])
    write_targets(wb, spec, [(k.id, k.d.name, f"{k.d.unit}|{k.number_format}") for k in kpis],
                  targets, first, reporting)
    write_definitions(wb, spec, kpis, target_rows)
    chart_rows = write_periods(wb, spec, rows_)
    names: dict[str, str] = {}
    write_dashboard(wb, spec, rows_, mode, chart_rows, names)
    _finish(wb)
    wb.save(str(path))
    return Built(spec, Path(path), mode, kpis, frames, first, reporting_month, targets, names)


def _finish(wb: Workbook) -> None:
    """Workbook-level settings: recalculate fully on load (Excel), open on the dashboard."""
    from openpyxl.workbook.properties import CalcProperties

    wb.calculation = CalcProperties(fullCalcOnLoad=True)
    titles = [ws.title for ws in wb.worksheets]
    if "Dashboard" in titles:
        wb.active = titles.index("Dashboard")


Builder = Callable[..., Built]
