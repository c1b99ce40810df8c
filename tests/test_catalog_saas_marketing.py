"""SaaS, customer and marketing entries (spec §3.2 and §3.3): identities between entries,
roll-ups as ratios of sums, MRR ranges, the two forms of KPI_PER_PERIOD, and properties."""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import kpi_xl
from helpers import assert_close
from kpi_xl import catalog
from kpi_xl.catalog import marketing, saas
from kpi_xl.core.errors import (
    DomainError,
    KpiError,
    KpiTypeError,
    MissingValueError,
    NegativeValueError,
    SubsetError,
)

MINE = {
    "mrr": "KPI_MRR", "arr": "KPI_ARR", "mrr_growth_rate": "KPI_MRR_GROWTH",
    "arpu": "KPI_ARPU", "customer_churn_rate": "KPI_CHURN_RATE",
    "churn_annualize": "KPI_CHURN_ANNUALIZE", "churn_deannualize": "KPI_CHURN_DEANNUALIZE",
    "customer_retention_rate": "KPI_RETENTION_RATE", "gross_mrr_churn_rate": "KPI_GROSS_MRR_CHURN",
    "net_revenue_retention": "KPI_NRR", "ltv_gross_margin": "KPI_LTV",
    "ltv_revenue": "KPI_LTV_REVENUE", "ltv_aov": "KPI_LTV_AOV",
    "customer_lifetime": "KPI_CUSTOMER_LIFETIME", "ltv_to_cac": "KPI_LTV_CAC",
    "cac_payback": "KPI_CAC_PAYBACK",
    "cac": "KPI_CAC", "cpa": "KPI_CPA", "cost_per_lead": "KPI_CPL",
    "marketing_roi": "KPI_MARKETING_ROI", "roas": "KPI_ROAS",
    "conversion_rate": "KPI_CONVERSION_RATE", "click_through_rate": "KPI_CTR",
    "email_click_through_rate": "KPI_EMAIL_CTR", "cta_conversion_rate": "KPI_CTA_RATE",
    "social_engagement_rate": "KPI_ENGAGEMENT_RATE", "content_per_period": "KPI_PER_PERIOD",
}
ENTRIES = [catalog.get(i) for i in MINE]
CODE = re.compile(r"E-[A-Z0-9]+")


def rollup(kpi_id, parts, **options):
    """Apply an entry's roll-up to several partitions of row data; combine by summing."""
    d = catalog.get(kpi_id)
    totals = dict.fromkeys(d.rollup.components, 0.0)
    for cols in parts:
        prepared = d.rollup.prepare(**cols, **options)
        for c in d.rollup.components:
            totals[c] += float(np.nansum(prepared[c]))
    return d.rollup.finalize(**totals, **options)


# --- the catalog entries themselves ------------------------------------------------------

def test_entries_and_excel_names():
    assert sorted(saas.__all__) == saas.__all__ and sorted(marketing.__all__) == marketing.__all__
    assert set(saas.__all__) | set(marketing.__all__) == set(MINE)
    for kpi_id, excel in MINE.items():
        d = catalog.get(kpi_id)
        assert d.excel_name == excel
        assert catalog.get(excel) is d
        assert getattr(kpi_xl, kpi_id) is d.function


@pytest.mark.parametrize("d", ENTRIES, ids=lambda d: d.id)
def test_every_named_error_code_has_an_example(d):
    named = {c for e in d.edge_cases for c in CODE.findall(e)}
    shown = {e.error for e in d.examples if e.error}
    assert named <= shown, f"{d.id}: no example for {sorted(named - shown)}"
    assert any(e.error is None for e in d.examples)


@pytest.mark.parametrize("d", ENTRIES, ids=lambda d: d.id)
def test_descriptions_fit_the_function_wizard(d):
    assert len(d.description) <= 255
    assert all(len(p.description) <= 255 for p in d.params)


def test_variants_and_options():
    assert catalog.get("churn_deannualize").variant_of == "churn_annualize"
    assert catalog.get("ltv_revenue").variant_of == "ltv_gross_margin"
    assert catalog.get("ltv_aov").variant_of == "ltv_gross_margin"
    assert catalog.get("cost_per_lead").variant_of == "cpa"
    nrr = catalog.get("net_revenue_retention").param("variant")
    assert nrr.keyword_only and nrr.choices == ("standard", "baremetrics")
    assert catalog.get("churn_annualize").rollup is None
    assert catalog.get("ltv_gross_margin").rollup is None


# --- spec identities ------------------------------------------------------------------------

def test_section_1_3_rollup_is_a_ratio_of_sums():
    weeks = [{"conversions": np.array([10.0]), "opportunities": np.array([100.0])},
             {"conversions": np.array([90.0]), "opportunities": np.array([1_000.0])}]
    assert_close(rollup("conversion_rate", weeks), 100 / 1_100)
    assert_close(kpi_xl.conversion_rate([10, 90], [100, 1_000]), 0.09090909090909091)
    assert not math.isclose(rollup("conversion_rate", weeks), 0.095)


def test_retention_is_one_minus_churn_on_the_spec_example():
    # #15: S = 500, N = 60, E = 535 -> 0.95; #13: 25 lost of 500 -> 0.05; 500 - 25 + 60 = 535.
    assert_close(kpi_xl.customer_retention_rate(535, 60, 500), 0.95)
    assert_close(kpi_xl.customer_retention_rate(535, 60, 500),
                 1 - kpi_xl.customer_churn_rate(25, 500))


@given(st.integers(1, 10**6), st.data())
def test_retention_plus_churn_is_one(start, data):
    lost = data.draw(st.integers(0, start))
    new = data.draw(st.integers(0, 10**6))
    end = start - lost + new
    assert math.isclose(kpi_xl.customer_retention_rate(end, new, start)
                        + kpi_xl.customer_churn_rate(lost, start), 1.0, rel_tol=1e-12)


def test_churn_annualize_spec_example_and_inverse():
    annual = kpi_xl.churn_annualize(0.05)
    assert math.isclose(annual, 0.45963991233736, rel_tol=1e-12)
    assert annual != pytest.approx(12 * 0.05)
    assert_close(kpi_xl.churn_deannualize(annual), 0.05)
    assert kpi_xl.churn_annualize(0.05, None) == annual  # a blank periods_per_year is 12


@given(st.floats(0, 1), st.floats(0.1, 365))
def test_churn_annualize_deannualize_round_trip(c, k):
    annual = kpi_xl.churn_annualize(c, k)
    assert 0 <= annual <= 1
    assume(annual < 1 - 1e-6)  # (1 - a) loses the digits of c when a rounds to 1
    assert math.isclose(kpi_xl.churn_deannualize(annual, k), c, rel_tol=1e-6, abs_tol=1e-9)


def test_grr_and_nrr_components_agree():
    gross = kpi_xl.gross_mrr_churn_rate(8_000, 5_000, 100_000)
    assert_close(1 - gross, 0.87)
    nrr = kpi_xl.net_revenue_retention(100_000, 15_000, 5_000, 8_000)
    assert_close(nrr, 1 - gross + 15_000 / 100_000)
    # Baremetrics omits contraction: it can only be higher, by contraction / start.
    bare = kpi_xl.net_revenue_retention(100_000, 15_000, 5_000, 8_000, variant="baremetrics")
    assert_close(bare - nrr, 5_000 / 100_000)
    with pytest.raises(SubsetError):
        kpi_xl.net_revenue_retention(100_000, 0, 0, 100_001, variant="baremetrics")


def test_ltv_family_is_consistent():
    ltv = kpi_xl.ltv_gross_margin(100, 0.8, 0.05)
    assert_close(ltv, 100 * 0.8 * kpi_xl.customer_lifetime(0.05))
    assert_close(kpi_xl.ltv_revenue(100, 0.05), kpi_xl.ltv_gross_margin(100, 1, 0.05))
    cac = kpi_xl.cac([30_000, 20_000], 125)
    assert_close(kpi_xl.ltv_to_cac(ltv, cac), 4.0)
    assert_close(kpi_xl.cac_payback(cac, 100, 0.8), 5.0)
    assert kpi_xl.ltv_aov(70, 3, 3, None) == kpi_xl.ltv_aov(70, 3, 3)  # blank margin means 1
    assert kpi_xl.customer_lifetime(0) is None  # never inf
    assert kpi_xl.ltv_gross_margin(100, 0.8, 0) is None


def test_seed_mrr_target():
    # §9.7 P1: baseline 12,000, actual 13,800 -> growth to date 0.15; ARR of the §3 MRR.
    assert_close(kpi_xl.mrr_growth_rate(13_800, 12_000), 0.15)
    monthly = kpi_xl.mrr([50, 1_200, 300], [1, 12, 3], [10, 2, 1])
    assert_close(kpi_xl.arr(monthly), 9_600.0)


# --- MRR ----------------------------------------------------------------------------------

def test_mrr_accepts_numpy_pandas_and_2d_ranges():
    expected = 800.0
    assert kpi_xl.mrr(np.array([50, 1_200, 300]), pd.Series([1, 12, 3]),
                      [[10], [2], [1]]) == expected
    assert kpi_xl.mrr(pd.Series([50, 1_200, 300, None]), [1, 12, 3, None],
                      [10, 2, 1, None]) == expected  # a fully blank row is skipped


def test_mrr_currencies():
    rows = ([50, 60, None], [1, 1, 1])
    assert kpi_xl.mrr(*rows, currencies=["USD", " usd", "EUR"]) == 110.0  # EUR row is blank
    assert kpi_xl.mrr(*rows, currencies="USD") == 110.0
    assert kpi_xl.mrr(*rows, currencies=[None, "USD", None]) == 110.0
    with pytest.raises(KpiTypeError, match="currencies"):
        kpi_xl.mrr(*rows, currencies=["USD", "GBP", None])
    with pytest.raises(KpiTypeError):
        kpi_xl.mrr(*rows, currencies=[1, 1, 1])
    with pytest.raises(DomainError):
        kpi_xl.mrr(*rows, currencies=["USD", "USD"])


def test_mrr_row_errors():
    with pytest.raises(KpiTypeError):
        kpi_xl.mrr([50, "x"], 1)
    with pytest.raises(KpiTypeError):
        kpi_xl.mrr([50, True], 1)
    with pytest.raises(DomainError):
        kpi_xl.mrr([50], [-1])
    with pytest.raises(NegativeValueError):
        kpi_xl.mrr([50], [1], [-2])
    assert kpi_xl.mrr([50, 60], [1, 1], [None, None]) == 110.0  # blank quantities: 1 each
    assert kpi_xl.mrr([50, 60], [1, 1], [2, None]) is None  # a row's quantity is missing


def test_mrr_rollup_over_partitions():
    part1 = {"amounts": np.array([50.0, 1_200.0]), "billing_period_months": np.array([1.0, 12.0]),
             "quantities": np.array([10.0, 2.0])}
    part2 = {"amounts": np.array([300.0, np.nan]), "billing_period_months": np.array([3.0, 1.0]),
             "quantities": np.array([1.0, np.nan])}
    assert_close(rollup("mrr", [part1, part2]), 800.0)
    empty = {"amounts": np.array([np.nan]), "billing_period_months": np.array([1.0])}
    with pytest.raises(MissingValueError):
        rollup("mrr", [empty])


def test_email_ctr_rollup_without_bounced_column():
    parts = [{"unique_clicks": np.array([294.0]), "sent": np.array([9_800.0])},
             {"unique_clicks": np.array([6.0]), "sent": np.array([200.0])}]
    assert_close(rollup("email_click_through_rate", parts), 0.03)
    assert kpi_xl.email_click_through_rate(294, 10_000, None) == 294 / 10_000


def test_sum_rollups_match_the_kpi_on_summed_ranges():
    parts = [{"starting_mrr": np.array([60_000.0]), "expansion_mrr": np.array([10_000.0]),
              "contraction_mrr": np.array([2_000.0]), "churned_mrr": np.array([5_000.0])},
             {"starting_mrr": np.array([40_000.0]), "expansion_mrr": np.array([5_000.0]),
              "contraction_mrr": np.array([3_000.0]), "churned_mrr": np.array([3_000.0])}]
    assert_close(rollup("net_revenue_retention", parts), 1.02)
    assert_close(rollup("net_revenue_retention", parts, variant="baremetrics"), 1.07)
    assert_close(kpi_xl.net_revenue_retention([60_000, 40_000], [10_000, 5_000],
                                              [2_000, 3_000], [5_000, 3_000]), 1.02)


# --- options ------------------------------------------------------------------------------

def test_conversion_rate_flag():
    assert kpi_xl.conversion_rate(7, 5, 1) == 1.4
    assert kpi_xl.conversion_rate(7, 5, [True]) == 1.4
    assert kpi_xl.conversion_rate(4.5, 5) == 0.9  # attributed conversions may be fractional
    with pytest.raises(SubsetError):
        kpi_xl.conversion_rate(7, 5, 0)
    with pytest.raises(SubsetError):
        kpi_xl.conversion_rate(7, 5, None)


def test_text_options_are_case_insensitive_and_checked():
    assert kpi_xl.social_engagement_rate(600, 500, base_type="Reach") == 1.2
    assert kpi_xl.cta_conversion_rate(13, 12, counting=" EVENTS ") == 13 / 12
    with pytest.raises(DomainError):
        kpi_xl.marketing_roi(1, 1, basis="margin")
    with pytest.raises(DomainError):
        kpi_xl.email_click_through_rate(1, 10, basis="clicks")


# --- content per period -------------------------------------------------------------------

def _jan_to_jun():
    return [dt.date(2024, m, d) for m in range(1, 7) for d in (5, 12, 20)]


@pytest.mark.parametrize(("period", "expected"), [
    ("month", 3.0), ("quarter", 9.0), ("year", 36.0), ("day", 18 / 182), ("week", 18 / 26),
])
def test_per_period_date_form_units(period, expected):
    got = kpi_xl.content_per_period(_jan_to_jun(), dt.date(2024, 1, 1), dt.date(2024, 6, 30),
                                    period=period)
    assert_close(got, expected)


def test_per_period_date_form_inputs():
    start, end = dt.date(2024, 1, 1), dt.date(2024, 6, 30)
    stamps = pd.Series(pd.to_datetime([str(d) + " 17:45" for d in _jan_to_jun()]))
    assert kpi_xl.content_per_period(stamps, start, end) == 3.0  # times of day are ignored
    assert kpi_xl.content_per_period(stamps, "2024-01-01", "2024-06-30") == 3.0
    serials = [(d - dt.date(1899, 12, 30)).days for d in _jan_to_jun()]
    assert kpi_xl.content_per_period(serials, 45292, 45473) == 3.0  # Excel serial dates
    assert kpi_xl.content_per_period([None, None], start, end) == 0.0
    assert kpi_xl.content_per_period([dt.date(2024, 6, 30)], end, end, period="day") == 1.0


def test_per_period_partial_months():
    posts = [dt.date(2024, 1, 31)]
    # Jan 31 + one month is Feb 29 (EDATE clamps), so Jan 31 - Feb 28 is exactly one month.
    assert kpi_xl.content_per_period(posts, dt.date(2024, 1, 31), dt.date(2024, 2, 28)) == 1.0
    # Jan 1 - Jan 15: 15 of January's 31 days.
    assert_close(kpi_xl.content_per_period([dt.date(2024, 1, 2)], dt.date(2024, 1, 1),
                                           dt.date(2024, 1, 15)), 31 / 15)


def test_per_period_form_errors():
    assert kpi_xl.content_per_period(_jan_to_jun(), dt.date(2024, 1, 1)) is None  # no end
    assert kpi_xl.content_per_period(_jan_to_jun(), None, dt.date(2024, 6, 30)) is None
    with pytest.raises(KpiTypeError):
        kpi_xl.content_per_period(_jan_to_jun(), [dt.date(2024, 1, 1), dt.date(2024, 2, 1)],
                                  dt.date(2024, 6, 30))
    with pytest.raises(KpiTypeError):
        kpi_xl.content_per_period(_jan_to_jun(), 6)  # dates without a window
    with pytest.raises(KpiTypeError):
        kpi_xl.content_per_period(["not a date"], "2024-01-01", "2024-01-31")


# --- properties ---------------------------------------------------------------------------

RATIOS = ["customer_churn_rate", "click_through_rate", "conversion_rate", "cta_conversion_rate",
          "social_engagement_rate", "cac", "cpa", "cost_per_lead", "roas", "arpu",
          "mrr_growth_rate", "marketing_roi"]


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(RATIOS), st.integers(-3, 10**9), st.integers(-3, 10**9))
def test_two_argument_kpis_never_return_nan_or_inf(kpi_id, a, b):
    fn = getattr(kpi_xl, kpi_id)
    try:
        result = fn(a, b)
    except KpiError:
        return
    assert result is None or (isinstance(result, float) and math.isfinite(result))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1_000), st.integers(0, 1_000)), min_size=1,
                max_size=20))
def test_ctr_of_ranges_is_ratio_of_sums(rows):
    rows = [(min(c, i), i) for c, i in rows]
    clicks, imps = [c for c, _ in rows], [i for _, i in rows]
    got = kpi_xl.click_through_rate(clicks, imps)
    if sum(imps) == 0:
        assert got is None
    else:
        assert math.isclose(got, sum(clicks) / sum(imps), rel_tol=1e-12)
        parts = [{"clicks": np.array([c], float), "impressions": np.array([i], float)}
                 for c, i in rows]
        assert math.isclose(rollup("click_through_rate", parts), got, rel_tol=1e-12)
