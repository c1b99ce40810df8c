"""Invariants over every catalog entry (sklearn-style registry tests)."""

from __future__ import annotations

import inspect
import re

import pytest

import kpi_xl
from kpi_xl import catalog
from kpi_xl.catalog.schema import (
    CATEGORIES,
    DIRECTIONS,
    ENTRY_KINDS,
    INDICATORS,
    LEVELS,
    PARAM_KINDS,
    UNITS,
)
from kpi_xl.core.errors import ERROR_CLASSES

ENTRIES = catalog.all_entries()
EXCEL_NAME = re.compile(r"^KPI_[A-Z][A-Z0-9_]*$")

# Spec §2 index: the Excel name of every KPI row (62–68 are the helpers), and §0's helper ids.
SPEC_EXCEL_NAMES = """
KPI_ROI KPI_GROWTH KPI_SALES_GROWTH KPI_CAGR KPI_MARKET_SHARE KPI_GROSS_MARGIN KPI_NET_MARGIN
KPI_ROA KPI_MRR KPI_ARR KPI_MRR_GROWTH KPI_ARPU KPI_CHURN_RATE KPI_CHURN_ANNUALIZE
KPI_RETENTION_RATE KPI_GROSS_MRR_CHURN KPI_NRR KPI_LTV KPI_LTV_REVENUE KPI_LTV_AOV
KPI_CUSTOMER_LIFETIME KPI_LTV_CAC KPI_CAC_PAYBACK KPI_CAC KPI_CPA KPI_CPL KPI_MARKETING_ROI
KPI_ROAS KPI_CONVERSION_RATE KPI_CTR KPI_EMAIL_CTR KPI_CTA_RATE KPI_ENGAGEMENT_RATE
KPI_PER_PERIOD KPI_TRAFFIC KPI_SHARE KPI_BOUNCE_RATE KPI_PAGES_PER_SESSION KPI_TXN_RATE
KPI_LEAD_CONVERSION KPI_WIN_RATE KPI_AOV KPI_PURCHASE_FREQUENCY KPI_QUOTA_ATTAINMENT
KPI_ACTIVITY_PER_REP KPI_RESOLUTION_RATE KPI_CSAT KPI_CSAT_MEAN KPI_NPS KPI_NPS_COUNTS KPI_CES
KPI_FRT KPI_BUSINESS_HOURS KPI_MTTR KPI_FCR KPI_SLA_ATTAINMENT KPI_AVG_SHIPPING_COST
KPI_SHRINKAGE_RATE KPI_SHRINKAGE_VALUE KPI_INVENTORY_TURNOVER
KPI_DELTA KPI_ATTAINMENT KPI_VARIANCE KPI_PROGRESS KPI_STATUS KPI_TREND
KPI_ROI_NET KPI_CSAT_COUNTS KPI_FRT_FROM_TIMES KPI_SHIPPING_PER_ORDER KPI_SHRINKAGE_AVG
KPI_DAYS_INVENTORY KPI_VARIANCE_PCT KPI_STATUS_CODE
KPI_NPS_MOE KPI_WILSON_INTERVAL KPI_RATE_CHANGE_TEST
""".split()
SPEC_HELPER_IDS = ("status", "status_code", "progress", "attainment", "variance",
                   "variance_pct", "growth", "delta", "trend")


def test_every_spec_function_is_in_the_catalog():
    have = {d.excel_name for d in ENTRIES}
    missing = [n for n in SPEC_EXCEL_NAMES if n not in have]
    assert not missing, f"spec functions missing from the catalog: {missing}"


def test_spec_helper_ids_are_python_functions():
    for name in SPEC_HELPER_IDS:
        assert callable(getattr(kpi_xl, name)), name


def test_ids_and_excel_names_are_unique_and_valid():
    ids = [d.id for d in ENTRIES] + [a for d in ENTRIES for a in d.aliases]
    assert len(ids) == len(set(ids))
    names = [d.excel_name for d in ENTRIES]
    assert len(names) == len(set(names))
    for d in ENTRIES:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", d.id), d.id
        assert EXCEL_NAME.match(d.excel_name), d.excel_name
        # Excel function names: <= 255 chars and must not look like a cell reference (KPI1).
        assert len(d.excel_name) <= 255


@pytest.mark.parametrize("d", ENTRIES, ids=[d.id for d in ENTRIES])
def test_metadata_complete(d):
    assert d.name and d.formula and d.blanks.strip()
    assert 0 < len(d.description) <= 255, f"{d.id}: description is {len(d.description)} chars"
    assert d.kind in ENTRY_KINDS
    assert d.category in CATEGORIES
    assert d.level is None or d.level in LEVELS
    assert d.indicator is None or d.indicator in INDICATORS
    assert d.unit in UNITS
    assert d.direction in DIRECTIONS
    if d.kind == "kpi":
        assert (d.level in LEVELS and d.indicator in INDICATORS) or d.id in {
            "churn_annualize", "customer_lifetime", "business_hours_elapsed"}, d.id
    if d.kind == "variant":
        assert d.variant_of in catalog.ids(), f"{d.id}: variant_of {d.variant_of!r}"
    assert d.examples, f"{d.id} has no worked example"
    assert d.references or d.kind in ("helper",), f"{d.id} cites no source"
    for e in d.examples:
        assert e.error is None or e.error in ERROR_CLASSES


@pytest.mark.parametrize("d", ENTRIES, ids=[d.id for d in ENTRIES])
def test_signature_matches_declared_parameters(d):
    sig = inspect.signature(d.function)
    assert [p.name for p in d.params] == list(sig.parameters)
    for p in d.params:
        sp = sig.parameters[p.name]
        assert p.default == sp.default or (p.default is sp.default)
        assert p.keyword_only == (sp.kind is inspect.Parameter.KEYWORD_ONLY)
        assert 0 < len(p.description) <= 255, f"{d.id}.{p.name}"
        assert p.kind in PARAM_KINDS, f"{d.id}.{p.name}: {p.kind}"
        if p.choices:
            assert p.default in (*p.choices, inspect.Parameter.empty), f"{d.id}.{p.name}"
    # Data positional, options keyword-only: no positional parameter after a text option.
    assert getattr(kpi_xl, d.id) is d.function


@pytest.mark.parametrize("d", ENTRIES, ids=[d.id for d in ENTRIES])
def test_docstring_is_composed_from_metadata(d):
    doc = d.function.__doc__
    assert d.excel_name in doc and d.formula in doc and d.blanks in doc
    assert ">>>" in doc, f"{d.id} has no doctest"


@pytest.mark.parametrize("d", [d for d in ENTRIES if d.native], ids=lambda d: d.id)
def test_native_template_names_only_declared_parameters(d):
    fields = set(re.findall(r"\{(\w+)\}", d.native))
    assert fields <= {p.name for p in d.params}, d.native
    assert d.native_formula(**{f: "A1" for f in fields})


@pytest.mark.parametrize("d", [d for d in ENTRIES if d.rollup], ids=lambda d: d.id)
def test_rollup_components_declared(d):
    assert d.rollup.components
    assert set(d.rollup.numerator) | set(d.rollup.denominator) <= set(d.rollup.components)
    data = {p.name for p in d.data_params}
    assert data, f"{d.id} rolls up but has no data parameter"
