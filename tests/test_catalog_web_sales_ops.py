"""Website (§3.4), sales (§3.5) and operations (§3.7) entries beyond their worked examples:
metadata completeness, ratio-of-sums roll-ups, region shares summing to 1, and properties."""

from __future__ import annotations

import math
import string

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kpi_xl
from helpers import assert_close
from kpi_xl import catalog
from kpi_xl.catalog.schema import CATEGORIES, DIRECTIONS, PARAM_KINDS, UNITS
from kpi_xl.core.errors import (
    DivisionByZeroError,
    DomainError,
    EmptyInputError,
    KpiTypeError,
    MissingValueError,
    NegativeValueError,
    SubsetError,
)
from kpi_xl.frame import finalize, kpi_table, partial_aggregate

MODULES = ("website", "sales", "operations")
ENTRIES = [d for d in catalog.all_entries()
           if d.function.__module__.rsplit(".", 1)[-1] in MODULES]
EXPECTED = {
    "website_traffic": "KPI_TRAFFIC", "traffic_source_share": "KPI_SHARE",
    "bounce_rate": "KPI_BOUNCE_RATE", "pages_per_session": "KPI_PAGES_PER_SESSION",
    "ecommerce_conversion_rate": "KPI_TXN_RATE",
    "lead_to_customer_rate": "KPI_LEAD_CONVERSION", "win_rate": "KPI_WIN_RATE",
    "average_purchase_value": "KPI_AOV", "purchase_frequency": "KPI_PURCHASE_FREQUENCY",
    "quota_attainment": "KPI_QUOTA_ATTAINMENT", "sales_activity_per_rep": "KPI_ACTIVITY_PER_REP",
    "avg_monthly_shipping_cost": "KPI_AVG_SHIPPING_COST",
    "shipping_per_order": "KPI_SHIPPING_PER_ORDER",
    "inventory_shrinkage_rate": "KPI_SHRINKAGE_RATE",
    "inventory_shrinkage_value": "KPI_SHRINKAGE_VALUE", "shrinkage_avg": "KPI_SHRINKAGE_AVG",
    "inventory_turnover": "KPI_INVENTORY_TURNOVER", "days_inventory": "KPI_DAYS_INVENTORY",
}
CODES = ("E-DIV0", "E-EMPTY", "E-MISSING", "E-NEG", "E-SUBSET", "E-RANGE", "E-TYPE", "E-DOMAIN")


def rollup(kpi_id: str, rows: list[dict], **options):
    """Roll rows up the way a KPI table does: prepare row components, add them, finalize."""
    r = catalog.get(kpi_id).rollup
    assert r is not None
    columns = {k: np.array([row.get(k) for row in rows], dtype=float) for k in rows[0]}
    parts = r.prepare(**columns, **options)
    totals = {c: float(np.nansum(parts[c])) for c in r.components}  # pandas sum skips NaN
    return r.finalize(**totals, **options)


# --- the catalog rows -------------------------------------------------------------------

def test_every_entry_is_registered_with_its_excel_name():
    assert {d.id: d.excel_name for d in ENTRIES} == EXPECTED
    for module in MODULES:
        mod = getattr(catalog, module)
        assert sorted(mod.__all__) == sorted(d.id for d in ENTRIES
                                             if d.function.__module__.endswith(module))
        for name in mod.__all__:
            assert getattr(kpi_xl, name) is getattr(mod, name)


@pytest.mark.parametrize("d", ENTRIES, ids=lambda d: d.id)
def test_metadata_is_complete(d):
    assert d.category in CATEGORIES and d.unit in UNITS and d.direction in DIRECTIONS
    assert d.level == "operational" and d.indicator in ("leading", "lagging")
    assert 0 < len(d.description) <= 255 and d.formula and d.blanks
    for p in d.params:
        assert 0 < len(p.description) <= 255 and p.kind in PARAM_KINDS
        if p.kind == "text":
            assert p.choices and p.keyword_only and p.default == p.choices[0]
    if d.kind in ("variant", "helper"):
        assert d.variant_of in catalog.ids()
    if d.native:
        fields = {f[1] for f in string.Formatter().parse(d.native) if f[1]}
        assert fields <= {p.name for p in d.params}
    assert d.examples and any(e.error is None for e in d.examples)
    # every error code an edge case names has a worked example
    named = {c for c in CODES for e in d.edge_cases if c in e}
    assert named <= {e.error for e in d.examples}
    assert ">>>" in d.function.__doc__


def test_share_serves_both_uses():
    d = catalog.get("KPI_SHARE")
    assert d.id == "traffic_source_share" and d.aliases == ("share", "sales_by_region")
    assert catalog.get("sales_by_region") is d and catalog.get("share") is d
    assert len(d.uses) == 2 and d.direction == "context"
    assert kpi_xl.sales_by_region is kpi_xl.share is kpi_xl.traffic_source_share
    assert kpi_xl.aov is kpi_xl.average_purchase_value
    assert kpi_xl.transactions_per_session is kpi_xl.ecommerce_conversion_rate


def test_turnover_direction_is_banded():
    d = catalog.get("inventory_turnover")
    assert d.direction == "higher_is_better" and "band" in d.extra["band_note"]


# --- sales by region --------------------------------------------------------------------

def test_region_shares_sum_to_one():
    regions = {"North": 250_000, "South": 400_000, "East": 150_000, "West": 200_000}
    total = sum(regions.values())
    shares = {r: kpi_xl.sales_by_region(v, total) for r, v in regions.items()}
    assert_close(shares["North"], 0.25)
    assert math.isclose(math.fsum(shares.values()), 1.0, rel_tol=1e-12)


def test_region_share_from_sumifs_style_ranges():
    sales = pd.DataFrame({"region": ["N", "S", "N", "E"], "amount": [100.0, 50.0, None, 50.0]})
    north = sales.loc[sales.region == "N", "amount"]
    assert_close(kpi_xl.share(north, sales["amount"]), 0.5)


@given(st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=30)
       .filter(lambda xs: sum(xs) > 0))
def test_shares_of_a_partition_sum_to_one(values):
    total = sum(values)
    shares = [kpi_xl.share(v, total) for v in values]
    assert all(0.0 <= s <= 1.0 for s in shares)
    assert math.isclose(math.fsum(shares), 1.0, rel_tol=1e-9)


# --- roll-ups are ratios of sums --------------------------------------------------------

def test_spec_rollup_example_is_ratio_of_sums():
    rows = [{"transactions": 10, "sessions": 100}, {"transactions": 90, "sessions": 1_000}]
    assert_close(rollup("ecommerce_conversion_rate", rows), 100 / 1_100)
    assert not math.isclose(rollup("ecommerce_conversion_rate", rows), 0.095)


@pytest.mark.parametrize("kpi_id, rows", [
    ("traffic_source_share", [{"part": 2_400, "total": 6_000}, {"part": 100, "total": 4_000}]),
    ("pages_per_session", [{"pageviews": 15_000, "sessions": 6_000},
                           {"pageviews": 10, "sessions": 10}]),
    ("lead_to_customer_rate", [{"new_customers": 40, "leads": 500},
                               {"new_customers": 1, "leads": 100}]),
    ("average_purchase_value", [{"revenue": 100_000, "orders": 2_000},
                                {"revenue": 500, "orders": 50}]),
    ("quota_attainment", [{"actual_sales": 50_000, "quota": 45_000},
                          {"actual_sales": 9e6, "quota": 1e7}]),
    ("shipping_per_order", [{"total_cost": 12_600, "orders": 3_150},
                            {"total_cost": 100, "orders": 10}]),
])
def test_two_component_rollups(kpi_id, rows):
    fn = catalog.get(kpi_id).function
    a, b = catalog.get(kpi_id).rollup.components
    expected = fn(sum(r[a] for r in rows), sum(r[b] for r in rows))
    assert_close(rollup(kpi_id, rows), expected)
    mean_of_ratios = sum(fn(r[a], r[b]) for r in rows) / len(rows)
    assert not math.isclose(expected, mean_of_ratios)


def test_bounce_rate_rollup_keeps_the_definition():
    rows = [{"sessions": 1_000, "engaged_or_bounced": 700},
            {"sessions": 5_000, "engaged_or_bounced": 2_300}]
    assert_close(rollup("bounce_rate", rows), 1 - 3_000 / 6_000)
    assert_close(rollup("bounce_rate", rows, definition="ua"), 3_000 / 6_000)
    with pytest.raises(SubsetError):
        rollup("bounce_rate", [{"sessions": 10, "engaged_or_bounced": 11}])


def test_win_rate_rollup_with_and_without_open():
    rows = [{"won": 45, "lost": 135, "open": 80}, {"won": 5, "lost": 15, "open": 20}]
    assert_close(rollup("win_rate", rows), 50 / 200)
    assert_close(rollup("win_rate", rows, basis="pipeline"), 50 / 300)
    no_open = [{"won": 45, "lost": 135}, {"won": 5, "lost": 15}]
    assert_close(rollup("win_rate", no_open, basis="pipeline"), 50 / 200)


def test_activity_rollup_sums_activity_and_takes_headcount_once():
    months = [{"calls": c, "emails": e} for c, e in ((600, 900), (500, 1_000), (700, 800))]
    assert_close(rollup("sales_activity_per_rep", months, reps=5, months=3),
                 kpi_xl.sales_activity_per_rep(1_800, 2_700, 5, 3))
    assert_close(rollup("sales_activity_per_rep", months, reps=5, months=3), 300.0)
    with pytest.raises(MissingValueError):
        rollup("sales_activity_per_rep", months)


def test_shrinkage_rate_rollups():
    rows = [{"book_inventory": 5_200, "physical_inventory": 4_900, "sales": 50_000},
            {"book_inventory": 4_800, "physical_inventory": 4_700, "sales": 30_000}]
    assert_close(rollup("inventory_shrinkage_rate", rows), 400 / 10_000)
    assert_close(rollup("inventory_shrinkage_rate", rows, basis="sales"), 400 / 80_000)
    book_only = [{k: v for k, v in r.items() if k != "sales"} for r in rows]
    assert_close(rollup("inventory_shrinkage_rate", book_only), 400 / 10_000)
    assert_close(rollup("inventory_shrinkage_value", book_only), 400.0)


def test_range_total_and_mean_rollups():
    weeks = [{"sessions": 1_200}, {"sessions": 1_350}, {"sessions": None}, {"sessions": 1_500}]
    assert_close(rollup("website_traffic", weeks), 4_050.0)
    with pytest.raises(EmptyInputError):
        rollup("website_traffic", [{"sessions": None}])
    months = [{"monthly_costs": v} for v in (4_200, 3_900, None, 4_500)]
    assert_close(rollup("avg_monthly_shipping_cost", months), 4_200.0)
    with pytest.raises(NegativeValueError):
        rollup("avg_monthly_shipping_cost", [{"monthly_costs": -1}])
    assert_close(rollup("shrinkage_avg", [{"values": v} for v in (300, 450, None, 150)]), 300.0)


def test_stock_and_distinct_count_kpis_document_their_rollup():
    for kpi_id in ("purchase_frequency", "inventory_turnover", "sales_activity_per_rep"):
        d = catalog.get(kpi_id)
        assert d.rollup is not None and d.extra["aggregation_note"]
    rows = [{"cogs": 150_000}, {"cogs": None}, {"cogs": 450_000}]
    assert_close(rollup("inventory_turnover", rows, inventory_begin=140_000,
                        inventory_end=160_000), 4.0)
    d = catalog.get("days_inventory")
    assert d.rollup is None and d.aggregation == "none"


# --- specific behaviour -----------------------------------------------------------------

def test_inventory_days_annual_and_quarterly():
    turnover = kpi_xl.inventory_turnover(600_000, 140_000, 160_000)
    assert_close(turnover, 4.0)
    assert_close(kpi_xl.days_inventory(turnover), 91.25)
    assert_close(kpi_xl.days_inventory(turnover, 91), 22.75)
    assert_close(kpi_xl.days_inventory(turnover, None), 91.25)  # a blank means 365


def test_bounce_rate_definitions_are_complements():
    assert_close(kpi_xl.bounce_rate(1_000, 700), 0.3)
    assert_close(kpi_xl.bounce_rate(1_000, 700, definition="ua"), 0.7)


def test_ranges_are_summed():
    assert_close(kpi_xl.pages_per_session([7_000, 8_000], [2_000, None, 4_000]), 2.5)
    assert_close(kpi_xl.win_rate([20, 25], np.array([100, 35.0]), [np.nan]), 0.25)
    assert_close(kpi_xl.inventory_shrinkage_value(pd.Series([5_000, 200]), [4_900]), 300.0)


def test_errors_name_the_argument_and_value():
    with pytest.raises(SubsetError, match=r"engaged_or_bounced.*101"):
        kpi_xl.bounce_rate(100, 101)
    with pytest.raises(NegativeValueError, match="'lost' = -1"):
        kpi_xl.win_rate(1, -1)
    with pytest.raises(DomainError, match="quota"):
        kpi_xl.quota_attainment(1, -1)
    with pytest.raises(DomainError, match="definition"):
        kpi_xl.bounce_rate(10, 1, definition="ga3")
    with pytest.raises(KpiTypeError, match="sessions"):
        kpi_xl.website_traffic([1, "x"])
    with pytest.raises(DivisionByZeroError):
        catalog.get("days_inventory").evaluate(0, strict=True)


def test_text_options_are_case_insensitive_and_blank_means_default():
    assert_close(kpi_xl.win_rate(45, 135, 80, basis=" Pipeline "), 45 / 260)
    assert_close(kpi_xl.win_rate(45, 135, 80, basis=None), 0.25)
    assert_close(kpi_xl.inventory_shrinkage_rate(5_200, 4_900, 1e6, basis="BOOK"), 300 / 5_200)


def test_results_are_floats():
    assert type(kpi_xl.website_traffic([1, 2])) is float
    assert type(kpi_xl.pages_per_session(3, 1)) is float
    assert type(kpi_xl.inventory_shrinkage_value(5, 3)) is float


# --- properties -------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=10**9)
cells = st.lists(st.one_of(st.none(), st.integers(0, 10**6)), min_size=1, max_size=40)


@given(cells)
def test_traffic_is_sum_of_non_blank_cells(values):
    got = kpi_xl.website_traffic(values)
    nums = [v for v in values if v is not None]
    assert got == (float(sum(nums)) if nums else None)


@given(cells)
def test_average_shipping_cost_matches_numpy_mean(values):
    got = kpi_xl.avg_monthly_shipping_cost(values)
    nums = [v for v in values if v is not None]
    if nums:
        assert math.isclose(got, float(np.mean(nums)), rel_tol=1e-9)
    else:
        assert got is None


@given(counts, counts, counts)
def test_win_rate_pipeline_never_exceeds_closed(won, lost, open_):
    closed = kpi_xl.win_rate(won, lost, open_)
    pipeline = kpi_xl.win_rate(won, lost, open_, basis="pipeline")
    if won + lost == 0:
        assert closed is None
    else:
        assert 0.0 <= pipeline <= closed <= 1.0


@given(st.integers(1, 10**9), st.data())
def test_bounce_rates_stay_in_unit_interval(sessions, data):
    part = data.draw(st.integers(0, sessions))
    for definition in ("ga4", "ua"):
        r = kpi_xl.bounce_rate(sessions, part, definition=definition)
        assert 0.0 <= r <= 1.0 and math.isfinite(r)


@given(st.floats(1e-3, 1e9), st.floats(0, 1e9))
def test_shrinkage_rate_and_value_agree(book, physical):
    rate = kpi_xl.inventory_shrinkage_rate(book, physical)
    value = kpi_xl.inventory_shrinkage_value(book, physical)
    assert math.isfinite(rate) and rate <= 1.0
    assert math.isclose(rate * book, value, rel_tol=1e-9, abs_tol=1e-6)


@given(st.one_of(st.just(0.0), st.floats(1e-3, 1e12)), st.floats(1e-3, 1e9), st.floats(0, 1e9))
def test_turnover_times_days_is_the_period(cogs, begin, end):
    t = kpi_xl.inventory_turnover(cogs, begin, end)
    assert_close(t, cogs / ((begin + end) / 2))
    days = kpi_xl.days_inventory(t)
    if t == 0:
        assert days is None
    else:
        assert math.isclose(days * t, 365.0, rel_tol=1e-9)


# --- KPI tables (kpi_xl.frame) ----------------------------------------------------------

@pytest.fixture
def web():
    return pd.DataFrame({
        "date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-15", "2024-02-05",
                                "2024-02-12"]),
        "channel": ["organic", "paid", "organic", "organic", "paid"],
        "sessions": [1_200, 1_350, None, 1_500, 500],
        "engaged": [840, 945, None, 1_000, 400],
        "organic": [1_200, 0, None, 1_500, 0],
        "transactions": [24, 27, None, 30, 10],
    })


def test_web_kpi_table_by_month(web):
    t = kpi_table(web, ["website_traffic:sessions", "bounce_rate:sessions,engaged",
                        "ua=bounce_rate:sessions,engaged:definition=ua",
                        "share=share:organic,sessions", "ecommerce_conversion_rate:transactions,sessions"],
                  by="month")
    assert list(t["website_traffic"]) == [2_550.0, 2_000.0]
    assert_close(float(t["bounce_rate"][0]), 1 - 1_785 / 2_550)
    assert_close(float(t["ua"][1]), 1_400 / 2_000)
    assert_close(float(t["share"][0]), 1_200 / 2_550)
    assert_close(float(t["ecommerce_conversion_rate"][1]), 40 / 2_000)


def test_region_shares_over_row_level_sales_sum_to_one():
    df = pd.DataFrame({"region": ["N", "S", "N", "E", "W"],
                       "sales": [100.0, 250.0, 150.0, 500.0, None]})
    shares = {r: kpi_xl.sales_by_region(g["sales"], df["sales"])  # SUMIFS(...) / SUM(...)
              for r, g in df.groupby("region")}
    assert shares["W"] is None  # no sales recorded for W: E-MISSING, not a 0% share
    assert_close(shares["N"], 0.25)
    assert math.isclose(math.fsum(v for v in shares.values() if v is not None), 1.0,
                        rel_tol=1e-12)


def test_sales_and_ops_tables_take_group_options():
    df = pd.DataFrame({"date": pd.to_datetime(["2024-01-31", "2024-02-29", "2024-03-31"]),
                       "calls": [600, 500, 700], "emails": [900, 1_000, 800],
                       "won": [15, 15, 15], "lost": [45, 45, 45],
                       "cogs": [150_000, 200_000, 250_000]})
    t = kpi_table(df, ["sales_activity_per_rep:calls,emails:reps=5;months=3",
                       "win_rate:won,lost",
                       "inventory_turnover:cogs:inventory_begin=140000;inventory_end=160000"],
                  by="quarter")
    assert_close(float(t["sales_activity_per_rep"][0]), 300.0)
    assert_close(float(t["win_rate"][0]), 0.25)
    assert_close(float(t["inventory_turnover"][0]), 4.0)


def test_shrinkage_sales_basis_needs_a_sales_column():
    df = pd.DataFrame({"book": [5_200, 4_800], "physical": [4_900, 4_700]})
    t = kpi_table(df, ["inventory_shrinkage_rate:book,physical"])
    assert_close(float(t["inventory_shrinkage_rate"][0]), 0.04)
    with pytest.raises(MissingValueError, match="sales"):
        kpi_table(df, ["inventory_shrinkage_rate:book,physical:basis=sales"])


@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), min_size=2,
                max_size=50), st.integers(1, 49))
def test_partial_aggregates_combine_to_the_whole(rows, cut):
    df = pd.DataFrame(rows, columns=["orders", "cost"])
    specs = ["shipping_per_order:cost,orders", "website_traffic:orders",
             "avg_monthly_shipping_cost:cost"]
    cut = min(cut, len(df) - 1)
    parts = [partial_aggregate(df.iloc[:cut], specs), partial_aggregate(df.iloc[cut:], specs)]
    combined = finalize(pd.concat(parts).sum().to_frame().T, specs)
    total_orders = sum(o for o, _ in rows)
    assert combined["website_traffic"][0] == total_orders
    assert_close(float(combined["avg_monthly_shipping_cost"][0]),
                 float(np.mean([c for _, c in rows])))
    if total_orders:
        assert_close(float(combined["shipping_per_order"][0]),
                     sum(c for _, c in rows) / total_orders)
    else:
        assert combined["shipping_per_order"].isna()[0]
