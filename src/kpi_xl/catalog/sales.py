"""Sales KPIs (spec §3.5, entries 40–45).

Sales by region (§3.5 entry 46) is ``KPI_SHARE``, defined once with traffic-source share in
:mod:`kpi_xl.catalog.website` (spec §0); ``kpi_xl.sales_by_region`` is its alias.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from kpi_xl.catalog.rollups import sums
from kpi_xl.catalog.schema import AMOUNT_BLANKS, Example, Param, Rollup, kpi
from kpi_xl.core.errors import DomainError
from kpi_xl.core.validate import (
    amount,
    choice,
    count,
    divide,
    nonnegative,
    number,
    per,
    share_of,
    value_array,
)

__all__ = [
    "average_purchase_value",
    "lead_to_customer_rate",
    "purchase_frequency",
    "quota_attainment",
    "sales_activity_per_rep",
    "win_rate",
]

WIN_BASES = ("closed", "pipeline")


def _zero_when_absent(builder: Callable[[Callable[..., Any]], Rollup], optional: str,
                      like: str) -> Callable[[Callable[..., Any]], Rollup]:
    """Wrap a :func:`sums` roll-up so an optional count column that is not given (or blank)
    contributes 0, as its Python default and Excel's SUM of a blank cell do."""

    def build(fn: Callable[..., Any]) -> Rollup:
        base = builder(fn)

        def prepare(**columns: Any) -> dict[str, np.ndarray]:
            if columns.get(optional) is None:
                columns[optional] = np.zeros(np.shape(np.asarray(columns[like], dtype=float)))
            return base.prepare(**columns)

        return dataclasses.replace(base, prepare=prepare)

    return build


@kpi(
    excel="KPI_LEAD_CONVERSION", name="Lead-to-customer conversion rate", category="sales",
    level="operational", indicator="leading", unit="ratio", direction="higher_is_better",
    description="Share of leads that became customers: new customers / leads, both for the "
                "same period (default) or the same lead cohort.",
    formula="new_customers / leads",
    params={"new_customers": ("count", "Customers won from the leads (same period or cohort)."),
            "leads": ("count", "Leads in the period or cohort; new_customers must not exceed it.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("leads = 0 -> E-DIV0", "new_customers > leads -> E-SUBSET",
                "negative or fractional counts -> E-NEG"),
    examples=(Example((40, 500), 0.08), Example((0, 0), error="E-DIV0"),
              Example((501, 500), error="E-SUBSET"), Example((-1, 500), error="E-NEG"),
              Example((40, None), error="E-MISSING")),
    references=("[startupmetrics-lcr]", "[freebiz-l2c]"),
    rollup=sums("new_customers", "leads"),
    native="SUM({new_customers})/SUM({leads})",
    basis="period",
    basis_note="Period-based by default: customers won in the period / leads created in the "
               "period. A cohort-based rate counts the customers eventually won from one "
               "period's leads. Record which one a KPI uses in its metadata.",
)
def lead_to_customer_rate(new_customers: Any, leads: Any) -> float:
    """
    >>> lead_to_customer_rate(40, 500)
    0.08
    """
    return share_of(new_customers, "new_customers", leads, "leads")


@kpi(
    excel="KPI_WIN_RATE", name="Win rate (opportunity-to-deal ratio)", category="sales",
    level="operational", indicator="leading", unit="ratio", direction="higher_is_better",
    description="Share of opportunities won. basis 'closed' (default): won / (won + lost), "
                "open deals excluded; 'pipeline': won / (won + lost + open).",
    formula="closed: won / (won + lost); pipeline: won / (won + lost + open)",
    params={"won": ("count", "Opportunities won in the period."),
            "lost": ("count", "Opportunities lost in the period."),
            "open": ("count", "Opportunities still open (used only by the pipeline basis); "
                              "blank or omitted means 0."),
            "basis": Param("basis", "'closed' (default): won / (won + lost); 'pipeline': won / "
                           "all opportunities, open ones included.", kind="text",
                           choices=WIN_BASES)},
    blanks="Scalars, or ranges summed with blanks skipped (Excel SUM). won or lost entirely "
           "blank is E-MISSING (None; #N/A); a blank open counts as 0; a blank basis means "
           "'closed'.",
    edge_cases=("closed basis: won + lost = 0 -> E-DIV0",
                "pipeline basis: won + lost + open = 0 -> E-DIV0",
                "negative or fractional counts -> E-NEG",
                "basis other than 'closed'/'pipeline' -> E-DOMAIN"),
    examples=(Example((45, 135, 80), 0.25, note="closed basis ignores the 80 open deals"),
              Example((45, 135, 80), 0.17307692307692307, kwargs={"basis": "pipeline"}),
              Example((45, 135), 0.25),
              Example((0, 0, 5), error="E-DIV0"),
              Example((0, 0, 5), 0.0, kwargs={"basis": "pipeline"}),
              Example((-1, 135), error="E-NEG"),
              Example((45, 135), error="E-DOMAIN", kwargs={"basis": "won"}),
              Example((None, 135), error="E-MISSING")),
    references=("[contextaware-win]", "[orm-win]", "[salesmotion-win]", "[calc76-win]"),
    rollup=_zero_when_absent(sums("won", "lost", "open", numerator=("won",),
                                  denominator=("won", "lost", "open")), "open", like="won"),
    native='SUM({won})/(SUM({won})+SUM({lost})+IF(LOWER(TRIM({basis}))="pipeline",'
           'SUM({open}),0))',
    variants=WIN_BASES,
)
def win_rate(won: Any, lost: Any, open: Any = 0, *, basis: str = "closed") -> float:
    """
    >>> win_rate(45, 135, 80)
    0.25
    >>> round(win_rate(45, 135, 80, basis="pipeline"), 9)
    0.173076923
    """
    kind = choice(basis, "basis", WIN_BASES)
    w, lo = count(won, "won"), count(lost, "lost")
    op = 0.0 if value_array(open, "open").size == 0 else count(open, "open")
    if kind == "pipeline":
        return divide(w, w + lo + op, "won + lost + open")
    return divide(w, w + lo, "won + lost")


@kpi(
    excel="KPI_AOV", name="Average purchase value (AOV)", category="sales",
    level="operational", indicator="lagging", unit="currency", direction="higher_is_better",
    aliases=("aov",),
    description="Average order value: revenue / number of orders. Revenue is net of returns "
                "and excludes tax and shipping unless the KPI's metadata says otherwise.",
    formula="revenue / orders",
    params={"revenue": ("amount", "Revenue from the orders, net of returns, excluding tax and "
                                  "shipping; must be >= 0."),
            "orders": ("count", "Number of orders in the same period.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("orders = 0 -> E-DIV0", "negative revenue or orders, fractional orders -> E-NEG"),
    examples=(Example((100_000, 2_000), 50.0), Example((100, 0), error="E-DIV0"),
              Example((-100, 2), error="E-NEG"), Example((None, 2_000), error="E-MISSING")),
    references=("[kpitree-aov]", "[wbi-aov]", "[calclet-aov]"),
    rollup=sums("revenue", "orders"),
    native="SUM({revenue})/SUM({orders})",
    revenue_basis="net of returns, excluding tax and shipping",
)
def average_purchase_value(revenue: Any, orders: Any) -> float:
    """
    >>> average_purchase_value(100_000, 2_000)
    50.0
    """
    return per(revenue, "revenue", orders, "orders")


@kpi(
    excel="KPI_PURCHASE_FREQUENCY", name="Purchase frequency", category="sales",
    level="operational", indicator="lagging", unit="multiple", direction="higher_is_better",
    description="Average orders per purchasing customer: orders / unique customers in the "
                "period. Count each customer once per period.",
    formula="orders / unique_customers",
    params={"orders": ("count", "Orders in the period."),
            "unique_customers": ("count", "Distinct customers who ordered in the same period.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("unique_customers = 0 -> E-DIV0", "negative or fractional counts -> E-NEG"),
    examples=(Example((2_000, 800), 2.5), Example((5, 0), error="E-DIV0"),
              Example((2_000, -1), error="E-NEG"), Example((2_000, None), error="E-MISSING")),
    references=("[softscotch]",),
    rollup=sums("orders", "unique_customers"),
    native="SUM({orders})/SUM({unique_customers})",
    aggregation_note="A ratio of sums across disjoint customer segments. Distinct customers "
                     "are not additive over time (one customer buying in two months is one "
                     "customer for the quarter): for a longer period use its own distinct count.",
)
def purchase_frequency(orders: Any, unique_customers: Any) -> float:
    """
    >>> purchase_frequency(2_000, 800)
    2.5
    """
    return divide(count(orders, "orders"), count(unique_customers, "unique_customers"),
                  "unique_customers")


@kpi(
    excel="KPI_QUOTA_ATTAINMENT", name="Quota attainment", category="sales",
    level="operational", indicator="lagging", unit="ratio", direction="higher_is_better",
    description="Actual sales as a share of quota: actual / quota. 1.0 means 100% of quota; "
                "the value may exceed 1.",
    formula="actual_sales / quota",
    params={"actual_sales": ("amount", "Sales achieved in the quota period (may be negative "
                                       "after returns)."),
            "quota": ("amount", "Quota for the same period; must be > 0.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("quota = 0 -> E-DIV0", "quota < 0 -> E-DOMAIN", "the result may exceed 1"),
    examples=(Example((50_000, 45_000), 1.1111111111111112, note="calcacademy: 111.11%"),
              Example((9_000_000, 10_000_000), 0.90, note="mosaic"),
              Example((50_000, 0), error="E-DIV0"), Example((50_000, -1), error="E-DOMAIN"),
              Example((50_000, None), error="E-MISSING")),
    references=("[mosaic-quota]", "[calcacademy-quota]"),
    rollup=sums("actual_sales", "quota"),
    native="SUM({actual_sales})/SUM({quota})",
)
def quota_attainment(actual_sales: Any, quota: Any) -> float:
    """
    >>> quota_attainment(9_000_000, 10_000_000)
    0.9
    """
    a, q = amount(actual_sales, "actual_sales"), amount(quota, "quota")
    if q < 0:
        raise DomainError.bad("quota", q, "a quota must be > 0")
    return divide(a, q, "quota")


def _activity_rollup(fn: Callable[..., Any]) -> Rollup:
    """Calls and emails are summed over the group's rows; reps and months describe the group
    (one value each, passed as options), so they are never summed."""

    def prepare(calls: Any, emails: Any, **_: Any) -> dict[str, np.ndarray]:
        return {"calls": np.asarray(calls, dtype=float), "emails": np.asarray(emails, dtype=float)}

    def finalize(calls: float, emails: float, reps: Any = None, months: Any = None) -> float:
        return fn(calls, emails, reps, months)

    return Rollup(components=("calls", "emails"), prepare=prepare, finalize=finalize,
                  numerator=("calls", "emails"), denominator=())


@kpi(
    excel="KPI_ACTIVITY_PER_REP", name="Sales activity per rep (monthly calls and emails)",
    category="sales", level="operational", indicator="leading", unit="rate",
    direction="higher_is_better",
    description="Calls plus emails per sales rep per month: (calls + emails) / reps / months.",
    formula="(calls + emails) / reps / months",
    params={"calls": ("count", "Sales calls made by the team in the period."),
            "emails": ("count", "Sales emails sent by the team in the period."),
            "reps": ("number", "Number of reps (full-time equivalents, so 4.5 is allowed); >= 0."),
            "months": ("number", "Length of the period in months (3 for a quarter); >= 0.")},
    blanks="calls and emails: a scalar or a range summed, blanks skipped (Excel SUM). Any "
           "argument entirely blank, None or NaN is E-MISSING (None; Excel #N/A).",
    edge_cases=("reps = 0 or months = 0 -> E-DIV0",
                "negative values, fractional calls or emails -> E-NEG"),
    examples=(Example((1_800, 2_700, 5, 3), 300.0, note="per rep per month"),
              Example((1_800, 2_700, 0, 3), error="E-DIV0"),
              Example((1_800, 2_700, 5, 0), error="E-DIV0"),
              Example((1_800, 2_700, -5, 3), error="E-NEG"),
              Example((1_800, None, 5, 3), error="E-MISSING")),
    references=("[phoenixnap-ll]", "[kpitree-ll]"),
    rollup=_activity_rollup,
    native="(SUM({calls})+SUM({emails}))/{reps}/{months}",
    source="seed article ('monthly calls and emails')",
    aggregation_note="Calls and emails add up over rows; reps and months are the group's "
                     "headcount and length, given once (e.g. reps=5;months=3 for a quarter).",
    decision="Defined by the seed article ('monthly calls and emails'); no external formula "
             "source. The per-rep, per-month normalisation is a project decision.",
)
def sales_activity_per_rep(calls: Any, emails: Any, reps: Any, months: Any) -> float:
    """
    >>> sales_activity_per_rep(1_800, 2_700, 5, 3)
    300.0
    """
    activity = count(calls, "calls") + count(emails, "emails")
    r = nonnegative(number(reps, "reps"), "reps")
    m = nonnegative(number(months, "months"), "months")
    return divide(divide(activity, r, "reps"), m, "months")
