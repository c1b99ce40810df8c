"""Every template, recalculated headless in LibreOffice, against the core on the same data."""

from __future__ import annotations

import math

import openpyxl
import pandas as pd
import pytest
from oracle import (  # noqa: F401  (need_libreoffice: a fixture)
    close,
    defined_values,
    errors_in,
    expected_values,
    formula_cells,
    make,
    need_libreoffice,
    recalc,
)

import kpi_xl
from kpi_xl.templates import formulas as fx
from kpi_xl.templates.registry import TEMPLATES

pytestmark = [pytest.mark.libreoffice, pytest.mark.usefixtures("need_libreoffice")]
CATALOG_TEMPLATES = [n for n, t in TEMPLATES.items() if not t.scorecard]


@pytest.mark.parametrize("name", CATALOG_TEMPLATES)
def test_recalculated_values_equal_the_core(name, tmp_path):
    built = make(name, tmp_path)
    out = recalc(built, tmp_path)
    cells = formula_cells(built.path)
    assert cells
    assert errors_in(out, cells) == {}  # only #N/A (no data) is allowed
    got = defined_values(out)
    expected = expected_values(built, out)
    assert set(got) == set(expected) == set(built.names)
    assert {f"kpi_{k.id}" for k in built.kpis} <= set(built.names)
    assert sum(v is not None for v in expected.values()) >= len(expected) - 1
    bad = {k: (got[k], v) for k, v in expected.items() if not close(got[k], v)}
    assert bad == {}


@pytest.mark.parametrize("name", CATALOG_TEMPLATES)
def test_dashboard_helpers_equal_the_core(name, tmp_path):
    """Attainment, status code and trend columns, and the whole by-month table."""
    built = make(name, tmp_path)
    out = recalc(built, tmp_path)
    wb = openpyxl.load_workbook(out, data_only=True)
    dash = wb["Dashboard"]
    from kpi_xl.templates.evaluate import Evaluator

    frames = {t.name: pd.read_excel(out, sheet_name=t.name, engine="openpyxl") for t in built.spec.tables}
    ev = Evaluator(built.spec, frames, pd.Timestamp(built.first_month))
    month = pd.Period(built.reporting_month, "M")
    n = len(built.kpis)
    for j, k in enumerate(built.kpis):
        r = 6 + j
        a, p = ev.value(k, month), ev.value(k, month - 1)
        t = built.targets[k.id]
        if a is not None and t["target"] is not None:
            assert close(dash[f"F{r}"].value, kpi_xl.attainment(a, t["target"], t["direction"]))
            assert dash[f"H{r}"].value == kpi_xl.status_code(a, t["target"], t["direction"], 0.10)
            label = kpi_xl.status(a, t["target"], t["direction"], 0.10).replace("_", " ")
            assert dash[f"I{r}"].value == label
        if a is not None and p:
            assert dash[f"J{r}"].value == kpi_xl.trend(a, p, t["direction"], 0.0,
                                                       target=t["target"])
        for i in range(12):  # by-month table
            want = ev.value(k, pd.Period(built.first_month, "M") + i)
            got = dash.cell(row=6 + n + 3 + j, column=2 + i).value
            assert close(got, want), (k.id, i, got, want)


def _cell(wb, ref):
    sheet, coord = ref.split("!")
    return wb[sheet][coord.replace("$", "")]


@pytest.mark.parametrize("mode", ["native", "udf"])
def test_sales_by_region_equals_the_core(mode, tmp_path):
    """Issue 4: sales by region -- SUMIFS per region, share via KPI_SHARE's native template,
    prior share, change in pp; shares sum to 1 and the check cell says OK."""
    built = make("sales", tmp_path, mode=mode)
    (b,) = built.spec.breakdowns
    d = built.spec.table("Regions").column("Region")
    wb = openpyxl.load_workbook(built.path)
    for region in d.choices:
        f = _cell(wb, built.names[b.defined_name(region)]).value
        assert ("KPI_SHARE(" in f) == (mode == "udf")
        assert "SUMIFS(" in _cell(wb, built.names[b.defined_name(region)].replace("$D$", "$B$")).value
    if mode == "udf":
        return  # values need the add-in or kpi-xl recalc
    out = recalc(built, tmp_path)
    assert errors_in(out, formula_cells(built.path)) == {}
    wb = openpyxl.load_workbook(out, data_only=True)
    df = pd.read_excel(out, sheet_name="Regions", engine="openpyxl")
    month = pd.Period(built.reporting_month, "M")
    months = pd.to_datetime(df["Date"]).dt.to_period("M")
    shares = []
    for region in d.choices:
        ref = built.names[b.defined_name(region)]
        dash, coord = ref.split("!")
        r = int(coord.split("$")[-1])
        ws = wb[dash]
        for col, m, kind in (("B", month, "sales"), ("C", month - 1, "sales"),
                             ("D", month, "share"), ("E", month - 1, "share")):
            rows = df[months == m]
            part = float(rows.loc[rows["Region"] == region, "Revenue"].sum())
            want = part if kind == "sales" else kpi_xl.sales_by_region(part, rows["Revenue"])
            assert close(ws[f"{col}{r}"].value, want), (region, col)
        assert close(ws[f"F{r}"].value, (ws[f"D{r}"].value - ws[f"E{r}"].value) * 100)
        shares.append(ws[f"D{r}"].value)
    assert math.isclose(sum(shares), 1.0, rel_tol=1e-12)
    assert math.isclose(ws[f"D{r + 1}"].value, 1.0, rel_tol=1e-12)
    assert ws[f"F{r + 1}"].value == "OK"


def test_posts_per_month_equals_the_core(tmp_path):
    """Issue 4: posts per month on the marketing dashboard (KPI_PER_PERIOD, count form)."""
    built = make("marketing", tmp_path)
    assert "content_per_period" in {k.id for k in built.kpis}
    out = recalc(built, tmp_path)
    got = defined_values(out)["kpi_content_per_period"]
    df = pd.read_excel(out, sheet_name="Social", engine="openpyxl")
    month = pd.Period(built.reporting_month, "M")
    posts = df.loc[pd.to_datetime(df["Date"]).dt.to_period("M") == month, "Posts"]
    assert len(posts) and close(got, kpi_xl.content_per_period(posts.tolist(), 1))
    assert got == posts.sum()


def test_scorecard_recalculates(tmp_path):
    built = make("scorecard", tmp_path)
    out = recalc(built, tmp_path)
    cells = formula_cells(built.path)
    assert errors_in(out, cells) == {}
    got = defined_values(out)
    reg = pd.read_excel(out, sheet_name="Register", engine="openpyxl").set_index("KPI id")
    month = built.reporting_month.strftime("%Y-%m")
    wb = openpyxl.load_workbook(out, data_only=True)
    codes = set()
    for j, kid in enumerate(reg.index):
        actual = float(reg.loc[kid, month])
        assert math.isclose(got[f"kpi_{kid}"], actual, rel_tol=1e-12)
        code = kpi_xl.status_code(actual, float(reg.loc[kid, "Target"]), reg.loc[kid, "Direction"],
                                  float(reg.loc[kid, "At-risk tolerance"]))
        assert wb["Dashboard"][f"H{6 + j}"].value == code
        codes.add(code)
    assert codes == {1, 0, -1}  # the sample shows every traffic light


@pytest.mark.parametrize("name", ["service", "sales", "scorecard"])
def test_empty_workbook_shows_no_data(name, tmp_path):
    built = make(name, tmp_path, empty=True)
    out = recalc(built, tmp_path)
    assert errors_in(out, formula_cells(built.path)) == {}
    assert all(v in (None, "#N/A") for v in defined_values(out).values())
    wb = openpyxl.load_workbook(out, data_only=True)
    for b in built.spec.breakdowns:  # the share check says "no data", not "not 100%"
        last = built.names[b.defined_name(b.groups(built.spec)[-1])]
        row = int(last.rsplit("$", 1)[1]) + 1
        assert wb["Dashboard"][f"F{row}"].value == "no data"


def test_big_table_recalculates(tmp_path):
    built = make("service", tmp_path, rows=20_000)
    out = recalc(built, tmp_path)
    got, expected = defined_values(out), expected_values(built, out)
    assert {k: v for k, v in expected.items() if not close(got[k], v)} == {}


def test_text_stays_text_after_recalc(tmp_path):
    """Hostile text in a data column is data, never a formula (no injection)."""
    from kpi_xl.templates import builder

    spec = TEMPLATES["service"]
    months = builder._months(pd.Timestamp("2025-01-01"))
    frames = builder.sample_frames(spec, months, 24, 1)
    evil = ["=1+1", "+SUM(1)", "-2+3", "@cmd", "\tx", "\rx"]
    frames["Tickets"].loc[: len(evil) - 1, "Ticket"] = evil
    path = tmp_path / "evil.xlsx"
    orig = builder.sample_frames
    try:
        builder.sample_frames = lambda *a, **k: frames
        builder.build(spec, path, first_month="2025-01-01")
    finally:
        builder.sample_frames = orig
    out = recalc(type("B", (), {"path": path})(), tmp_path)
    for p in (path, out):
        ws = openpyxl.load_workbook(p)["Tickets"]
        cells = [ws.cell(row=2 + i, column=2) for i in range(len(evil))]
        assert [c.data_type for c in cells] == ["s"] * len(evil)
        assert [c.value for c in cells][:4] == evil[:4]


def test_udf_mode_has_the_same_layout(tmp_path):
    for name in TEMPLATES:
        native = formula_cells(make(name, tmp_path, mode="native").path)
        udf_built = make(name, tmp_path, mode="udf")
        udf = formula_cells(udf_built.path)
        assert native.keys() == udf.keys()
        wb = openpyxl.load_workbook(udf_built.path)
        for k in udf_built.kpis if not udf_built.spec.scorecard else ():
            dn = wb.defined_names[f"kpi_{k.id}"]
            (sheet, coord), = list(dn.destinations)
            formula = wb[sheet][coord.replace("$", "")].value
            assert f"{k.d.excel_name}(" in formula
            assert formula == fx.kpi_formula(udf_built.spec, k, fx.REPORTING, "udf")
