"""SaaS and customer KPIs (spec §3.2, entries 9–23): recurring revenue, churn, retention,
lifetime value and payback."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from kpi_xl.catalog.rollups import sums
from kpi_xl.catalog.schema import AMOUNT_BLANKS, SCALAR_BLANKS, Example, Param, Rollup, kpi
from kpi_xl.core.errors import (
    DomainError,
    KpiTypeError,
    MissingValueError,
    NegativeValueError,
    OutOfRangeError,
    SubsetError,
)
from kpi_xl.core.validate import (
    amount,
    choice,
    count,
    divide,
    flatten,
    is_blank,
    nonnegative,
    number,
    optional_number,
    per,
    share_of,
    subset,
)

__all__ = [
    "arpu",
    "arr",
    "cac_payback",
    "churn_annualize",
    "churn_deannualize",
    "customer_churn_rate",
    "customer_lifetime",
    "customer_retention_rate",
    "gross_mrr_churn_rate",
    "ltv_aov",
    "ltv_gross_margin",
    "ltv_revenue",
    "ltv_to_cac",
    "mrr",
    "mrr_growth_rate",
    "net_revenue_retention",
]

NRR_VARIANTS = ("standard", "baremetrics")


# --- shared checks ----------------------------------------------------------------------

def _unit_interval(x: float, name: str, *, zero_ok: bool = True) -> float:
    """E-RANGE unless ``x`` is in [0, 1] (or (0, 1] with ``zero_ok=False``)."""
    if x > 1 or x < 0 or (x == 0 and not zero_ok):
        interval = "[0, 1]" if zero_ok else "(0, 1]"
        raise OutOfRangeError.bad(name, x, f"must be a fraction in {interval} (0.05 means 5%)")
    return x


def _churn(value: Any, name: str = "churn_rate") -> float:
    """A periodic churn rate used as a divisor: 0 is E-DIV0, outside (0, 1] E-RANGE."""
    c = number(value, name)
    if c == 0:
        divide(1.0, c, name)  # raises E-DIV0: an infinite lifetime is never returned
    return _unit_interval(c, name, zero_ok=False)


def _margin(value: Any, name: str = "gross_margin") -> float:
    return _unit_interval(number(value, name), name)


# --- MRR (row-aligned subscription ranges) ----------------------------------------------

def _rows(values: Any, name: str) -> np.ndarray:
    """A range as row-aligned floats: blanks become NaN; text or booleans are E-TYPE."""
    arr = flatten(values)
    if arr.dtype != object:
        out = arr.astype(float)
    else:
        out = np.full(len(arr), np.nan)
        for i, v in enumerate(arr):
            if is_blank(v):
                continue
            if not isinstance(v, numbers.Real) or isinstance(v, (bool, np.bool_)):
                raise KpiTypeError.bad(name, v, "text or a boolean is not a number")
            out[i] = float(v)
    if np.isinf(out).any():
        raise OutOfRangeError.bad(name, float(out[np.isinf(out)][0]), "must be a finite number")
    return out


def _align(arr: np.ndarray, name: str, n: int) -> np.ndarray:
    """One cell is used for every row; otherwise the range must have one cell per row."""
    if arr.size == n:
        return arr
    if arr.size == 1:
        return np.repeat(arr, n)
    raise DomainError.bad(name, f"{arr.size} cells",
                          f"must be one cell or the same size as 'amounts' ({n} cells)")


def _single_currency(currencies: Any, active: np.ndarray) -> None:
    if currencies is None:
        return
    cur = flatten(currencies)
    if cur.size == 0:
        return
    cur = _align(cur.astype(object), "currencies", active.size)
    seen: set[str] = set()
    for v in cur[active]:
        if is_blank(v):
            continue
        if not isinstance(v, str):
            raise KpiTypeError.bad("currencies", v, "a currency is a text code such as 'USD'")
        seen.add(v.strip().upper())
    if len(seen) > 1:
        raise KpiTypeError.bad("currencies", sorted(seen),
                               "MRR never sums across currencies; compute one MRR per currency")


def _mrr_rows(amounts: Any, billing_period_months: Any, quantities: Any = None,
              currencies: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Per-row monthly amounts (0 for blank rows) and the mask of active (non-blank) rows."""
    amt = _rows(amounts, "amounts")
    n = amt.size
    months = _align(_rows(billing_period_months, "billing_period_months"),
                    "billing_period_months", n)
    qty_raw = _rows(quantities, "quantities") if quantities is not None else np.empty(0)
    qty = np.ones(n) if np.isnan(qty_raw).all() else _align(qty_raw, "quantities", n)
    active = ~np.isnan(amt)
    _single_currency(currencies, active)
    a, m, q = amt[active], months[active], qty[active]
    for values, name in ((m, "billing_period_months"), (q, "quantities")):
        if np.isnan(values).any():
            raise MissingValueError(f"E-MISSING: argument {name!r} is blank in a row that has "
                                    "an amount", argument=name)
    if (a < 0).any():
        raise NegativeValueError.bad("amounts", float(a[a < 0][0]),
                                     "must not be negative (record credits as contraction)")
    if (m <= 0).any():
        raise DomainError.bad("billing_period_months", float(m[m <= 0][0]),
                              "a billing period must be > 0 months")
    bad_q = (q < 0) | (q != np.floor(q))
    if bad_q.any():
        raise NegativeValueError.bad("quantities", float(q[bad_q][0]),
                                     "a quantity must be a whole number >= 0")
    out = np.zeros(n)
    out[active] = a * q / m
    return out, active


def _mrr_rollup(fn: Callable[..., Any]) -> Rollup:
    def prepare(amounts: Any, billing_period_months: Any, quantities: Any = None,
                currencies: Any = None, **_options: Any) -> dict[str, np.ndarray]:
        rows, active = _mrr_rows(amounts, billing_period_months, quantities, currencies)
        return {"mrr": rows, "subscriptions": active.astype(float)}

    def finalize(mrr: float, subscriptions: float, **_options: Any) -> float:
        if subscriptions == 0:
            raise MissingValueError("E-MISSING: argument 'amounts' is blank", argument="amounts")
        return float(mrr)

    return Rollup(components=("mrr", "subscriptions"), prepare=prepare, finalize=finalize,
                  numerator=("mrr",), denominator=())


@kpi(
    excel="KPI_MRR", name="Monthly recurring revenue", category="saas", level="strategic",
    indicator="lagging", unit="currency", direction="higher_is_better",
    description="Monthly recurring revenue: sum of amount x quantity / billing period in months "
                "over active subscriptions, so annual and quarterly plans count per month. "
                "Exclude one-time fees, usage and tax; one currency.",
    formula="sum(amount_i * quantity_i / billing_period_months_i)",
    params={"amounts": ("range", "Current recurring price per billing period of each active "
                                 "subscription, discounts applied; one row per subscription."),
            "billing_period_months": ("range", "Billing period of each row in months (1 "
                                               "monthly, 3 quarterly, 12 annual); one cell "
                                               "applies to every row."),
            "quantities": ("range", "Seats or units per row (whole numbers); omit for 1 each."),
            "currencies": ("range", "Optional currency code of each row; more than one "
                                    "distinct currency is an error (E-TYPE).")},
    blanks="Rows with a blank amount are skipped (not active). A blank period or quantity in a "
           "row with an amount is E-MISSING (None; #N/A), as is a range with no amounts.",
    edge_cases=("billing_period_months <= 0 -> E-DOMAIN",
                "a negative amount -> E-NEG (credits belong in contraction MRR)",
                "a negative or fractional quantity -> E-NEG",
                "more than one distinct currency in currencies -> E-TYPE",
                "ranges of different sizes (other than one cell) -> E-DOMAIN"),
    examples=(Example(([50, 1_200, 300], [1, 12, 3], [10, 2, 1]), 800.0,
                      note="10 x $50 monthly + 2 x $1,200 annual + 1 x $300 quarterly"),
              Example(([500, None, 2_400], [1, 12, 12]), 700.0,
                      note="the blank row is skipped; quantities default to 1"),
              Example(([50, 100], 1), 150.0, note="one period cell for every row"),
              Example(([50, 60], [1, 1]), 110.0, kwargs={"currencies": ["USD", "usd"]}),
              Example(([50, 60], [1, 1]), error="E-TYPE", kwargs={"currencies": ["USD", "EUR"]}),
              Example(([50, 60], [1, 0]), error="E-DOMAIN"),
              Example(([50, -60], [1, 1]), error="E-NEG"),
              Example(([50, 60], [1, 1], [1, 2.5]), error="E-NEG"),
              Example(([50, 60], [1, None]), error="E-MISSING"),
              Example(([None, None], [1, 1]), error="E-MISSING"),
              Example(([50, 60], [1, 1, 1]), error="E-DOMAIN")),
    references=("[stripe-mcp-mrr]", "[lago-mrr]", "[insight-mrr]", "[pricingnest]"),
    rollup=_mrr_rollup,
    native="SUMPRODUCT({amounts}*{quantities}/{billing_period_months})",
    aggregation_note="Sums across subscriptions and segments; over time MRR is a level (take "
                     "the last period), never a sum of months.",
)
def mrr(amounts: Any, billing_period_months: Any, quantities: Any = None, *,
        currencies: Any = None) -> float:
    """
    >>> mrr([50, 1_200, 300], [1, 12, 3], [10, 2, 1])
    800.0
    >>> mrr([50, 60], 1, currencies=["USD", "EUR"])
    Traceback (most recent call last):
    ...
    kpi_xl.core.errors.KpiTypeError: E-TYPE: argument 'currencies' = ['EUR', 'USD']: MRR never sums across currencies; compute one MRR per currency
    """
    rows, active = _mrr_rows(amounts, billing_period_months, quantities, currencies)
    if not active.any():
        raise MissingValueError("E-MISSING: argument 'amounts' is blank", argument="amounts")
    return float(rows.sum())


@kpi(
    excel="KPI_ARR", name="Annual recurring revenue", category="saas", level="strategic",
    indicator="lagging", unit="currency", direction="higher_is_better",
    description="Annual recurring revenue: MRR x 12.",
    formula="mrr * 12",
    params={"mrr": ("amount", "Monthly recurring revenue (a range of segment MRRs is summed).")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("negative MRR -> E-NEG",),
    examples=(Example((800,), 9_600.0), Example(([500, 300],), 9_600.0),
              Example((-1,), error="E-NEG"), Example((None,), error="E-MISSING")),
    references=("[growrate]", "[pricingnest]"),
    rollup=sums("mrr"),
    native="SUM({mrr})*12",
)
def arr(mrr: Any) -> float:
    """
    >>> arr(800)
    9600.0
    """
    return nonnegative(amount(mrr, "mrr"), "mrr") * 12.0


@kpi(
    excel="KPI_MRR_GROWTH", name="MRR growth rate", category="saas", level="strategic",
    indicator="lagging", unit="ratio", direction="higher_is_better", kind="variant",
    variant_of="revenue_growth",
    description="Relative change in MRR between two periods: (MRR now - MRR prior) / MRR "
                "prior. 0.15 means +15%.",
    formula="(mrr_now - mrr_prior) / mrr_prior",
    params={"mrr_now": ("amount", "MRR at the end of the current period."),
            "mrr_prior": ("amount", "MRR at the end of the prior period.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("mrr_prior = 0 -> E-DIV0", "negative MRR -> E-NEG"),
    examples=(Example((13_800, 12_000), 0.15), Example((100, 0), error="E-DIV0"),
              Example((100, -5), error="E-NEG"), Example((None, 12_000), error="E-MISSING")),
    references=("[wshobson-startup]",),
    rollup=sums("mrr_now", "mrr_prior"),
    native="(SUM({mrr_now})-SUM({mrr_prior}))/SUM({mrr_prior})",
)
def mrr_growth_rate(mrr_now: Any, mrr_prior: Any) -> float:
    """
    >>> mrr_growth_rate(13_800, 12_000)
    0.15
    """
    now = nonnegative(amount(mrr_now, "mrr_now"), "mrr_now")
    prior = nonnegative(amount(mrr_prior, "mrr_prior"), "mrr_prior")
    return divide(now - prior, prior, "mrr_prior")


@kpi(
    excel="KPI_ARPU", name="Average revenue per user (account)", category="saas",
    level="operational", indicator="lagging", unit="currency", direction="higher_is_better",
    description="Average revenue per user or account: period revenue / active users in the "
                "same period (the period-average count by default).",
    formula="revenue / active_users",
    params={"revenue": ("amount", "Revenue for the period."),
            "active_users": ("amount", "Active users or accounts in the period: the average "
                                       "count by default (fractions allowed).")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("active_users = 0 -> E-DIV0", "negative revenue or users -> E-NEG",
                "ranges are summed: monthly revenues over monthly active users give a "
                "user-month weighted ARPU"),
    examples=(Example((50_000, 1_250), 40.0), Example((50_000, 0), error="E-DIV0"),
              Example((-1, 1_250), error="E-NEG"), Example((50_000, None), error="E-MISSING")),
    references=("[redash-saas]",),
    rollup=sums("revenue", "active_users"),
    native="SUM({revenue})/SUM({active_users})",
    users_basis="average",
    users_basis_note="State the basis of active_users with the KPI: average (default), "
                     "end-of-period or distinct-in-period.",
)
def arpu(revenue: Any, active_users: Any) -> float:
    """
    >>> arpu(50_000, 1_250)
    40.0
    """
    return per(revenue, "revenue", active_users, "active_users", base_is_count=False)


@kpi(
    excel="KPI_CHURN_RATE", name="Customer churn rate", category="customer", level="strategic",
    indicator="lagging", unit="ratio", direction="lower_is_better",
    description="Share of the customers at the start of the period who were lost during it. "
                "Customers won during the period are excluded.",
    formula="customers_lost / customers_at_start",
    params={"customers_lost": ("count", "Customers from the starting cohort lost in the period."),
            "customers_at_start": ("count", "Customers at the start of the period.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("customers_at_start = 0 -> E-DIV0",
                "customers_lost > customers_at_start -> E-SUBSET (losses come from the "
                "starting cohort)", "negative or fractional counts -> E-NEG",
                "Displayr's definitions for multi-year contracts, partial periods and "
                "within-period joins differ; they are not this entry"),
    examples=(Example((25, 500), 0.05), Example((500 - 450, 500), 0.10, note="Brett777"),
              Example((0, 0), error="E-DIV0"), Example((501, 500), error="E-SUBSET"),
              Example((-1, 500), error="E-NEG"), Example((2.5, 500), error="E-NEG"),
              Example((None, 500), error="E-MISSING")),
    references=("[brett-churn]", "[displayr-churn]"),
    rollup=sums("customers_lost", "customers_at_start"),
    native="SUM({customers_lost})/SUM({customers_at_start})",
)
def customer_churn_rate(customers_lost: Any, customers_at_start: Any) -> float:
    """
    >>> customer_churn_rate(25, 500)
    0.05
    """
    return share_of(customers_lost, "customers_lost", customers_at_start, "customers_at_start")


def _periods_per_year(value: Any) -> float:
    k = optional_number(value, "periods_per_year", 12.0)
    assert k is not None
    if k <= 0:
        raise DomainError.bad("periods_per_year", k, "must be > 0 (12 for monthly churn)")
    return k


def _compound(rate: float, exponent: float, name: str) -> float:
    try:
        return 1.0 - (1.0 - rate) ** exponent
    except OverflowError:  # pragma: no cover - (1 - rate) is in [0, 1]
        raise DomainError("E-DOMAIN: the result overflows", argument=name) from None


_PERIODS_PER_YEAR = ("number", "Periods per year of the periodic churn: 12 for monthly "
                               "(default), 4 for quarterly, 52 for weekly.")


@kpi(
    excel="KPI_CHURN_ANNUALIZE", name="Annualized churn rate", kind="helper",
    category="customer", unit="ratio", direction="lower_is_better",
    description="Converts a periodic churn rate to an annual one assuming constant churn with "
                "compounding retention: 1 - (1 - churn)^periods_per_year. Never 12 x churn.",
    formula="1 - (1 - periodic_churn)^periods_per_year",
    params={"periodic_churn": ("ratio", "Churn rate per period, a fraction in [0, 1]."),
            "periods_per_year": _PERIODS_PER_YEAR},
    blanks="A blank periodic_churn is E-MISSING (None; #N/A); a blank periods_per_year means 12.",
    edge_cases=("periodic_churn outside [0, 1] -> E-RANGE", "periods_per_year <= 0 -> E-DOMAIN",
                "the inverse is KPI_CHURN_DEANNUALIZE"),
    examples=(Example((0.05,), 0.45963991233736334, note="5% monthly"),
              Example((0.05, 4), 0.18549375000000012, note="5% quarterly"),
              Example((0.0,), 0.0), Example((1.0,), 1.0),
              Example((1.05,), error="E-RANGE"), Example((-0.01,), error="E-RANGE"),
              Example((0.05, 0), error="E-DOMAIN"), Example((None,), error="E-MISSING")),
    references=("[brett-churn]",),
    native="1-(1-{periodic_churn})^{periods_per_year}",
)
def churn_annualize(periodic_churn: Any, periods_per_year: Any = 12) -> float:
    """
    >>> round(churn_annualize(0.05), 12)
    0.459639912337
    """
    c = _unit_interval(number(periodic_churn, "periodic_churn"), "periodic_churn")
    return _compound(c, _periods_per_year(periods_per_year), "periods_per_year")


@kpi(
    excel="KPI_CHURN_DEANNUALIZE", name="Periodic churn from annual churn", kind="variant",
    variant_of="churn_annualize", category="customer", unit="ratio",
    direction="lower_is_better",
    description="The inverse of KPI_CHURN_ANNUALIZE: the constant per-period churn that "
                "compounds to an annual rate, 1 - (1 - annual_churn)^(1 / periods_per_year).",
    formula="1 - (1 - annual_churn)^(1 / periods_per_year)",
    params={"annual_churn": ("ratio", "Annual churn rate, a fraction in [0, 1]."),
            "periods_per_year": _PERIODS_PER_YEAR},
    blanks="A blank annual_churn is E-MISSING (None; #N/A); a blank periods_per_year means 12.",
    edge_cases=("annual_churn outside [0, 1] -> E-RANGE", "periods_per_year <= 0 -> E-DOMAIN"),
    examples=(Example((0.45963991233736334,), 0.05, note="inverse of the 5% monthly example"),
              Example((0.18549375000000012, 4), 0.05),
              Example((1.5,), error="E-RANGE"), Example((0.4, -12), error="E-DOMAIN"),
              Example((None,), error="E-MISSING")),
    references=("[brett-churn]",),
    native="1-(1-{annual_churn})^(1/{periods_per_year})",
)
def churn_deannualize(annual_churn: Any, periods_per_year: Any = 12) -> float:
    """
    >>> round(churn_deannualize(0.45963991233736334), 12)
    0.05
    """
    a = _unit_interval(number(annual_churn, "annual_churn"), "annual_churn")
    return _compound(a, 1.0 / _periods_per_year(periods_per_year), "periods_per_year")


@kpi(
    excel="KPI_RETENTION_RATE", name="Customer retention rate", category="customer",
    level="strategic", indicator="lagging", unit="ratio", direction="higher_is_better",
    description="Share of the starting customers still customers at the end: (customers at "
                "end - new customers) / customers at start. Equals 1 - churn rate.",
    formula="(customers_end - new_customers) / customers_start",
    params={"customers_end": ("count", "Customers at the end of the period."),
            "new_customers": ("count", "Customers acquired during the period."),
            "customers_start": ("count", "Customers at the start of the period.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("customers_start = 0 -> E-DIV0",
                "new_customers > customers_end, or customers_end - new_customers > "
                "customers_start -> E-SUBSET (inconsistent data)",
                "negative or fractional counts -> E-NEG"),
    examples=(Example((535, 60, 500), 0.95, note="475 / 500; churn 25 / 500 = 0.05"),
              Example((0, 0, 0), error="E-DIV0"), Example((50, 60, 500), error="E-SUBSET"),
              Example((600, 60, 500), error="E-SUBSET"), Example((535, -1, 500), error="E-NEG"),
              Example((535, None, 500), error="E-MISSING")),
    references=("[exprimere-crr]", "[piwik-crr]", "[edna-crr]"),
    rollup=sums("customers_end", "new_customers", "customers_start",
                numerator=("customers_end", "new_customers"), denominator=("customers_start",)),
    native="(SUM({customers_end})-SUM({new_customers}))/SUM({customers_start})",
)
def customer_retention_rate(customers_end: Any, new_customers: Any, customers_start: Any) -> float:
    """
    >>> customer_retention_rate(535, 60, 500)
    0.95
    """
    end = count(customers_end, "customers_end")
    new = count(new_customers, "new_customers")
    start = count(customers_start, "customers_start")
    subset(new, "new_customers", end, "customers_end")
    if end - new > start:
        raise SubsetError(f"E-SUBSET: customers_end - new_customers = {end - new:g} exceeds "
                          f"'customers_start' = {start:g}", argument="customers_end", value=end)
    return divide(end - new, start, "customers_start")


@kpi(
    excel="KPI_GROSS_MRR_CHURN", name="Gross MRR churn rate", category="saas",
    level="strategic", indicator="lagging", unit="ratio", direction="lower_is_better",
    description="MRR lost from existing customers through cancellations and downgrades: "
                "(churned + contraction MRR) / starting MRR. Gross revenue retention (GRR) = "
                "1 - this value.",
    formula="(churned_mrr + contraction_mrr) / starting_mrr",
    params={"churned_mrr": ("amount", "MRR lost to cancelled subscriptions in the period."),
            "contraction_mrr": ("amount", "MRR lost to downgrades and discounts in the period."),
            "starting_mrr": ("amount", "MRR at the start of the period.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("starting_mrr = 0 -> E-DIV0", "negative components -> E-NEG",
                "churned + contraction > starting_mrr -> E-SUBSET (losses come from the "
                "starting MRR)", "expansion and new MRR are excluded"),
    examples=(Example((8_000, 5_000, 100_000), 0.13, note="GRR = 0.87"),
              Example((0, 0, 0), error="E-DIV0"), Example((-1, 5_000, 100_000), error="E-NEG"),
              Example((80_000, 30_000, 100_000), error="E-SUBSET"),
              Example((8_000, None, 100_000), error="E-MISSING")),
    references=("[brett-churn]", "[theprime-nrr]"),
    rollup=sums("churned_mrr", "contraction_mrr", "starting_mrr",
                numerator=("churned_mrr", "contraction_mrr"), denominator=("starting_mrr",)),
    native="(SUM({churned_mrr})+SUM({contraction_mrr}))/SUM({starting_mrr})",
)
def gross_mrr_churn_rate(churned_mrr: Any, contraction_mrr: Any, starting_mrr: Any) -> float:
    """
    >>> gross_mrr_churn_rate(8_000, 5_000, 100_000)
    0.13
    """
    ch = nonnegative(amount(churned_mrr, "churned_mrr"), "churned_mrr")
    co = nonnegative(amount(contraction_mrr, "contraction_mrr"), "contraction_mrr")
    start = nonnegative(amount(starting_mrr, "starting_mrr"), "starting_mrr")
    subset(ch + co, "churned_mrr + contraction_mrr", start, "starting_mrr")
    return divide(ch + co, start, "starting_mrr")


@kpi(
    excel="KPI_NRR", name="Net revenue retention", category="saas", level="strategic",
    indicator="lagging", unit="ratio", direction="higher_is_better",
    description="MRR kept from existing customers, expansion included: (start + expansion - "
                "contraction - churn) / start. Can exceed 1. variant='baremetrics' omits "
                "contraction.",
    formula="(starting_mrr + expansion_mrr - contraction_mrr - churned_mrr) / starting_mrr",
    params={"starting_mrr": ("amount", "MRR of existing customers at the start of the period."),
            "expansion_mrr": ("amount", "MRR added by upgrades of those customers."),
            "contraction_mrr": ("amount", "MRR lost to their downgrades (ignored, and may be "
                                          "blank, with variant='baremetrics')."),
            "churned_mrr": ("amount", "MRR lost to their cancellations."),
            "variant": Param("variant", "'standard' (default): contraction is subtracted; "
                             "'baremetrics': Baremetrics' published form without contraction.",
                             kind="text", choices=NRR_VARIANTS)},
    blanks=AMOUNT_BLANKS + " A blank variant means 'standard'.",
    edge_cases=("starting_mrr = 0 -> E-DIV0", "any component negative -> E-NEG",
                "contraction + churn > start + expansion -> E-SUBSET (NRR would be negative)",
                "new-customer MRR is excluded", "variant other than 'standard'/'baremetrics' "
                "-> E-DOMAIN"),
    examples=(Example((100_000, 15_000, 5_000, 8_000), 1.02, note="theprimecalculator example"),
              Example((100_000, 15_000, 5_000, 8_000), 1.07, kwargs={"variant": "baremetrics"}),
              Example((100_000, 15_000, None, 8_000), 1.07, kwargs={"variant": "Baremetrics"}),
              Example((0, 0, 0, 0), error="E-DIV0"),
              Example((100_000, -1, 5_000, 8_000), error="E-NEG"),
              Example((100_000, 0, 60_000, 50_000), error="E-SUBSET"),
              Example((100_000, 15_000, 5_000, 8_000), error="E-DOMAIN",
                      kwargs={"variant": "net"}),
              Example((None, 15_000, 5_000, 8_000), error="E-MISSING")),
    references=("[theprime-nrr]", "[kpiformulas-nrr]", "[baremetrics-nrr]"),
    rollup=sums("starting_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr",
                numerator=("starting_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr"),
                denominator=("starting_mrr",)),
    native='(SUM({starting_mrr})+SUM({expansion_mrr})-IF(LOWER(TRIM({variant}))="baremetrics",'
           '0,SUM({contraction_mrr}))-SUM({churned_mrr}))/SUM({starting_mrr})',
    variants=NRR_VARIANTS,
)
def net_revenue_retention(starting_mrr: Any, expansion_mrr: Any, contraction_mrr: Any,
                          churned_mrr: Any, *, variant: str = "standard") -> float:
    """
    >>> net_revenue_retention(100_000, 15_000, 5_000, 8_000)
    1.02
    >>> net_revenue_retention(100_000, 15_000, 5_000, 8_000, variant="baremetrics")
    1.07
    """
    form = choice(variant, "variant", NRR_VARIANTS)
    start = nonnegative(amount(starting_mrr, "starting_mrr"), "starting_mrr")
    exp = nonnegative(amount(expansion_mrr, "expansion_mrr"), "expansion_mrr")
    con = 0.0 if form == "baremetrics" else nonnegative(
        amount(contraction_mrr, "contraction_mrr"), "contraction_mrr")
    ch = nonnegative(amount(churned_mrr, "churned_mrr"), "churned_mrr")
    losses = "churned_mrr" if form == "baremetrics" else "contraction_mrr + churned_mrr"
    subset(con + ch, losses, start + exp, "starting_mrr + expansion_mrr")
    return divide(start + exp - con - ch, start, "starting_mrr")


# --- lifetime value ---------------------------------------------------------------------

_LTV_RANGE_EDGES = ("churn_rate = 0 -> E-DIV0 (never an infinite value)",
                    "churn_rate outside (0, 1] -> E-RANGE")
_CHURN_PARAM = ("ratio", "Churn rate per period, in the same period as ARPU (e.g. monthly), a "
                         "fraction in (0, 1].")


@kpi(
    excel="KPI_LTV", name="Customer lifetime value (gross-margin basis)", category="marketing",
    level="strategic", indicator="lagging", unit="currency", direction="higher_is_better",
    description="Customer lifetime value on gross margin: ARPU x gross margin / churn rate. "
                "ARPU and churn must use the same period (e.g. both monthly).",
    formula="arpu * gross_margin / churn_rate",
    params={"arpu": ("number", "Average revenue per user (account) per period."),
            "gross_margin": ("ratio", "Gross margin as a fraction in [0, 1] (0.8 = 80%)."),
            "churn_rate": _CHURN_PARAM},
    blanks=SCALAR_BLANKS,
    edge_cases=(*_LTV_RANGE_EDGES, "gross_margin outside [0, 1] -> E-RANGE", "arpu < 0 -> E-NEG",
                "omitting margin gives lifetime revenue (KPI_LTV_REVENUE), not value"),
    examples=(Example((100, 0.80, 0.05), 1_600.0), Example((100, 0.80, 0), error="E-DIV0"),
              Example((100, 1.2, 0.05), error="E-RANGE"), Example((100, 0.8, 1.5), error="E-RANGE"),
              Example((-100, 0.8, 0.05), error="E-NEG"), Example((None, 0.8, 0.05), error="E-MISSING")),
    references=("[finmark-ltv]", "[mycalculator-saas]", "[7busyboss]", "[churnlens-ltv]"),
    native="{arpu}*{gross_margin}/{churn_rate}",
    variant="gross_margin", variants=("gross_margin", "revenue", "aov"),
)
def ltv_gross_margin(arpu: Any, gross_margin: Any, churn_rate: Any) -> float:
    """
    >>> ltv_gross_margin(100, 0.80, 0.05)
    1600.0
    """
    a = nonnegative(number(arpu, "arpu"), "arpu")
    gm = _margin(gross_margin)
    c = _churn(churn_rate)
    return divide(a * gm, c, "churn_rate")


@kpi(
    excel="KPI_LTV_REVENUE", name="Customer lifetime value (revenue basis)", kind="variant",
    variant_of="ltv_gross_margin", category="marketing", level="strategic",
    indicator="lagging", unit="currency", direction="higher_is_better",
    description="Lifetime revenue per customer: ARPU / churn rate, no margin applied. Use "
                "KPI_LTV for lifetime value on gross margin.",
    formula="arpu / churn_rate",
    params={"arpu": ("number", "Average revenue per user (account) per period."),
            "churn_rate": _CHURN_PARAM},
    blanks=SCALAR_BLANKS,
    edge_cases=(*_LTV_RANGE_EDGES, "arpu < 0 -> E-NEG"),
    examples=(Example((100, 0.05), 2_000.0), Example((100, 0), error="E-DIV0"),
              Example((100, 2), error="E-RANGE"), Example((-1, 0.05), error="E-NEG"),
              Example((100, None), error="E-MISSING")),
    references=("[insivia-ltv]", "[churnlens-ltv]"),
    native="{arpu}/{churn_rate}",
    variant="revenue",
)
def ltv_revenue(arpu: Any, churn_rate: Any) -> float:
    """
    >>> ltv_revenue(100, 0.05)
    2000.0
    """
    a = nonnegative(number(arpu, "arpu"), "arpu")
    return divide(a, _churn(churn_rate), "churn_rate")


@kpi(
    excel="KPI_LTV_AOV", name="Customer lifetime value (order-value basis)", kind="variant",
    variant_of="ltv_gross_margin", category="marketing", level="strategic",
    indicator="lagging", unit="currency", direction="higher_is_better",
    description="E-commerce lifetime value: average order value x purchases per period x "
                "lifespan in periods, times gross margin when given (1 = revenue basis).",
    formula="aov * purchase_frequency * lifespan * gross_margin",
    params={"aov": ("number", "Average order value."),
            "purchase_frequency": ("number", "Purchases per customer per period (e.g. 3 a year)."),
            "lifespan": ("number", "Customer lifespan in the same periods (e.g. 3 years)."),
            "gross_margin": ("ratio", "Gross margin in [0, 1]; omit (1) for lifetime revenue.")},
    blanks="aov, purchase_frequency or lifespan blank -> E-MISSING (None; #N/A); a blank "
           "gross_margin means 1 (revenue basis).",
    edge_cases=("any negative input -> E-NEG", "gross_margin outside [0, 1] -> E-RANGE"),
    examples=(Example((70, 3, 3), 630.0, note="feverbee"),
              Example((70, 3, 3, 0.30), 189.0, note="feverbee, with 30% margin"),
              Example((70, -3, 3), error="E-NEG"), Example((70, 3, 3, 1.3), error="E-RANGE"),
              Example((70, None, 3), error="E-MISSING")),
    references=("[feverbee-clv]", "[glossary-digital-clv]", "[softscotch]"),
    native="{aov}*{purchase_frequency}*{lifespan}*{gross_margin}",
    variant="aov",
)
def ltv_aov(aov: Any, purchase_frequency: Any, lifespan: Any, gross_margin: Any = 1) -> float:
    """
    >>> ltv_aov(70, 3, 3)
    630.0
    >>> round(ltv_aov(70, 3, 3, 0.30), 9)
    189.0
    """
    value = nonnegative(number(aov, "aov"), "aov")
    freq = nonnegative(number(purchase_frequency, "purchase_frequency"), "purchase_frequency")
    life = nonnegative(number(lifespan, "lifespan"), "lifespan")
    gm = optional_number(gross_margin, "gross_margin", 1.0)
    assert gm is not None
    return value * freq * life * _unit_interval(gm, "gross_margin")


@kpi(
    excel="KPI_CUSTOMER_LIFETIME", name="Customer lifetime", category="saas",
    indicator="lagging", unit="periods", direction="higher_is_better",
    description="Expected customer lifetime: 1 / churn rate, in the churn rate's period "
                "(5% monthly churn -> 20 months).",
    formula="1 / churn_rate",
    params={"churn_rate": ("ratio", "Churn rate per period, a fraction in (0, 1].")},
    blanks=SCALAR_BLANKS,
    edge_cases=_LTV_RANGE_EDGES,
    examples=(Example((0.05,), 20.0, note="months"), Example((0,), error="E-DIV0"),
              Example((1.5,), error="E-RANGE"), Example((None,), error="E-MISSING")),
    references=("[stuart-hall-skok]",),
    native="1/{churn_rate}",
)
def customer_lifetime(churn_rate: Any) -> float:
    """
    >>> customer_lifetime(0.05)
    20.0
    """
    return divide(1.0, _churn(churn_rate), "churn_rate")


@kpi(
    excel="KPI_LTV_CAC", name="LTV to CAC ratio", category="marketing", level="strategic",
    indicator="lagging", unit="multiple", direction="higher_is_better",
    description="Lifetime value per unit of acquisition cost: LTV / CAC. 3.0 (3:1) is the "
                "commonly cited benchmark.",
    formula="ltv / cac",
    params={"ltv": ("number", "Customer lifetime value (e.g. KPI_LTV)."),
            "cac": ("number", "Customer acquisition cost (e.g. KPI_CAC).")},
    blanks=SCALAR_BLANKS,
    edge_cases=("cac = 0 -> E-DIV0", "negative ltv or cac -> E-NEG"),
    examples=(Example((1_600, 400), 4.0), Example((1_600, 0), error="E-DIV0"),
              Example((1_600, -400), error="E-NEG"), Example((None, 400), error="E-MISSING")),
    references=("[hubspot-cac]", "[mycalculator-saas]"),
    native="{ltv}/{cac}",
    benchmark=3.0,
)
def ltv_to_cac(ltv: Any, cac: Any) -> float:
    """
    >>> ltv_to_cac(1_600, 400)
    4.0
    """
    value = nonnegative(number(ltv, "ltv"), "ltv")
    cost = nonnegative(number(cac, "cac"), "cac")
    return divide(value, cost, "cac")


@kpi(
    excel="KPI_CAC_PAYBACK", name="CAC payback period", category="marketing",
    level="operational", indicator="lagging", unit="periods", direction="lower_is_better",
    description="Periods of gross profit needed to earn back acquisition cost: CAC / (ARPU x "
                "gross margin); months when ARPU is monthly.",
    formula="cac / (arpu * gross_margin)",
    params={"cac": ("number", "Customer acquisition cost."),
            "arpu": ("number", "Average revenue per user (account) per period."),
            "gross_margin": ("ratio", "Gross margin as a fraction in [0, 1].")},
    blanks=SCALAR_BLANKS,
    edge_cases=("arpu x gross_margin = 0 -> E-DIV0", "negative cac or arpu -> E-NEG",
                "gross_margin outside [0, 1] -> E-RANGE"),
    examples=(Example((400, 100, 0.8), 5.0, note="months"), Example((400, 0, 0.8), error="E-DIV0"),
              Example((400, 100, 0), error="E-DIV0"), Example((-400, 100, 0.8), error="E-NEG"),
              Example((400, 100, 80), error="E-RANGE"), Example((400, None, 0.8), error="E-MISSING")),
    references=("[finmark-ltv]", "[pricingnest]"),
    native="{cac}/({arpu}*{gross_margin})",
)
def cac_payback(cac: Any, arpu: Any, gross_margin: Any) -> float:
    """
    >>> cac_payback(400, 100, 0.8)
    5.0
    """
    cost = nonnegative(number(cac, "cac"), "cac")
    a = nonnegative(number(arpu, "arpu"), "arpu")
    gm = _margin(gross_margin)
    return divide(cost, a * gm, "arpu * gross_margin")

