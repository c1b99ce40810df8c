"""Workbook structure after an openpyxl reload, selection from the catalog, CLI."""

from __future__ import annotations

import openpyxl
import pytest
from oracle import make
from typer.testing import CliRunner

from kpi_xl import catalog
from kpi_xl.templates import formulas as fx
from kpi_xl.templates.registry import TEMPLATES

ISSUE_KPIS = {
    "marketing": {"marketing_roi", "ltv_gross_margin", "cac", "conversion_rate",
                  "click_through_rate", "email_click_through_rate", "cta_conversion_rate",
                  "social_engagement_rate", "content_per_period", "roas", "cost_per_lead"},
    "sales": {"monthly_sales_growth", "sales_activity_per_rep", "win_rate",
              "average_purchase_value", "quota_attainment"},
    "service": {"resolution_rate", "csat", "first_response_time", "nps", "mttr",
                "first_contact_resolution", "sla_attainment"},
    "website": {"website_traffic", "traffic_source_share", "pages_per_session", "bounce_rate",
                "ecommerce_conversion_rate"},
    "finance": {"roi", "revenue_growth", "cagr", "market_share", "gross_profit_margin",
                "net_profit_margin", "return_on_assets", "cpa", "avg_monthly_shipping_cost",
                "inventory_shrinkage_rate", "inventory_turnover"},
    "saas": {"mrr", "arr", "mrr_growth_rate", "customer_churn_rate", "customer_retention_rate",
             "net_revenue_retention", "arpu", "ltv_gross_margin", "ltv_to_cac", "cac_payback"},
}


@pytest.mark.parametrize("name", sorted(ISSUE_KPIS))
def test_template_kpis_come_from_the_catalog(name):
    ids = {k.id for k in fx.select_kpis(TEMPLATES[name])}
    assert ids <= set(catalog.ids())
    assert ISSUE_KPIS[name] & set(catalog.ids()) <= ids


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_vocabulary_keys_name_catalog_parameters(name):
    """A "<id>.<param>" key that names no parameter would silently bind nothing."""
    spec = TEMPLATES[name]
    params = {p.name for d in catalog.all_entries() for p in d.params}
    for key in spec.vocabulary:
        kid, _, param = key.rpartition(".")
        if kid:
            assert param in {p.name for p in catalog.get(kid).params}, key
        else:
            assert param in params, key


def test_sales_by_region_block():
    """Issue 4's "sales by region": a share block from the KPI_SHARE catalog entry."""
    spec = TEMPLATES["sales"]
    (b,) = spec.breakdowns
    assert catalog.get(b.kpi).excel_name == "KPI_SHARE"
    names = [b.defined_name(g) for g in b.groups(spec)]
    assert names == [f"kpi_sales_by_region_{g.lower()}" for g in spec.table("Regions").column(
        "Region").choices]
    assert not {n.removeprefix("kpi_") for n in names} & set(catalog.ids())  # unique names


@pytest.mark.parametrize("name", list(TEMPLATES))
@pytest.mark.parametrize("mode", ["native", "udf"])
def test_workbook_structure(name, mode, tmp_path):
    built = make(name, tmp_path, mode=mode)
    wb = openpyxl.load_workbook(built.path)
    assert wb.sheetnames[:2] == ["Start here", "Dashboard"]
    assert {"Targets", "KPI definitions", "Periods"} <= set(wb.sheetnames)
    dash = wb["Dashboard"]
    assert len(dash._charts) == len(built.kpis) + len(built.spec.breakdowns) > 0
    assert len(built.names) == len(built.kpis) + sum(
        len(b.groups(built.spec)) for b in built.spec.breakdowns)
    assert dash.conditional_formatting
    rules = [r for cf in dash.conditional_formatting for r in cf.rules]
    assert {r.type for r in rules} >= {"expression", "iconSet"}
    assert dash.freeze_panes == "B6"
    assert dash.sheet_properties.pageSetUpPr.fitToPage
    tables = {t for ws in wb.worksheets for t in ws.tables}
    for t in built.spec.tables:
        assert t.name in tables
        assert wb[t.name].data_validations.dataValidation
    assert wb["Targets"].data_validations.dataValidation
    for n, ref in built.names.items():
        dn = wb.defined_names[n]
        assert dn.localSheetId is None and dn.attr_text == ref
    formulas = [c.value for row in dash.iter_rows() for c in row if c.data_type == "f"]
    if mode == "native":
        assert not any("KPI_" in f for f in formulas)
    if name == "service" and mode == "native":
        assert any("COUNTIFS(" in f for f in formulas)


def test_post_2007_functions_get_the_prefix():
    assert fx.xlfn("=PERCENTILE.INC(A1:A3,0.9)") == "=_xlfn.PERCENTILE.INC(A1:A3,0.9)"
    assert fx.xlfn("=COUNTIFS(A:A,1)") == "=COUNTIFS(A:A,1)"


def _run(args):
    from kpi_xl.cli import _register_faces, app

    _register_faces()
    return CliRunner().invoke(app, args)


def test_cli_list_and_write(tmp_path):
    res = _run(["template", "--list"])
    assert res.exit_code == 0
    for name in TEMPLATES:
        assert name in res.output
    out = tmp_path / "s.xlsx"
    res = _run(["template", "service", "-o", str(out), "--rows", "500", "--seed", "3"])
    assert res.exit_code == 0, res.output
    assert out.exists()
    res = _run(["template", "service", "-o", str(out)])
    assert res.exit_code == 2 and "--force" in res.output
    assert _run(["template", "service", "-o", str(out), "--force", "--empty"]).exit_code == 0
    assert _run(["template", "nope", "-o", str(tmp_path / "x.xlsx")]).exit_code == 2
    assert _run(["template", "sales", "-o", str(tmp_path / "x.xlsx"),
                 "--formulas", "vba"]).exit_code == 2
    assert not list(tmp_path.glob(".*"))  # no temp files left behind


def test_cli_demo(tmp_path):
    res = _run(["demo", "-o", str(tmp_path / "demo")])
    assert res.exit_code == 0, res.output
    assert len(list((tmp_path / "demo").glob("*.xlsx"))) == len(TEMPLATES)
    for word in ("Net Promoter Score", "on track", "current", "target"):
        assert word in res.output
    assert _run(["demo", "-o", str(tmp_path / "demo")]).exit_code == 2
    assert _run(["demo", "-o", str(tmp_path / "demo"), "--force"]).exit_code == 0
    assert not list((tmp_path / "demo").glob(".*"))  # no temp files left behind


def test_demo_fills_cached_values(tmp_path):
    """demo recalculates its workbooks headless: a reader that does not calculate
    (python-calamine) sees every kpi_<id> value, equal to the core's."""
    import math

    from python_calamine import CalamineWorkbook

    from kpi_xl.recalc.reader import read

    res = _run(["demo", "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    path = tmp_path / "service-kpis.xlsx"
    model, _ = read(path)
    assert "KPI_NPS" in model.defined_names
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Dashboard").to_python()
    nps_row = next(r for r in sheet if r and r[0] == "Net Promoter Score")
    assert isinstance(nps_row[1], float) and math.isfinite(nps_row[1])
