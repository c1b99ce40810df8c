"""Website KPIs (spec §3.4, entries 35–39), plus the share-of-total function that also serves
sales by region (§3.5 entry 46; one Excel function, one catalog entry, spec §0)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from kpi_xl.catalog.rollups import sums
from kpi_xl.catalog.schema import AMOUNT_BLANKS, Example, Param, Rollup, kpi
from kpi_xl.core.errors import EmptyInputError, NegativeValueError
from kpi_xl.core.validate import (
    choice,
    count,
    divide,
    share_of,
    subset,
    value_array,
)

__all__ = [
    "bounce_rate",
    "ecommerce_conversion_rate",
    "pages_per_session",
    "traffic_source_share",
    "website_traffic",
]

DEFINITIONS = ("ga4", "ua")


def _whole_counts(values: np.ndarray, name: str) -> np.ndarray:
    """Every value of a count range must be a non-negative whole number (E-NEG)."""
    if values.size and (values.min() < 0 or not np.array_equal(values, np.floor(values))):
        bad = values[(values < 0) | (values != np.floor(values))][0]
        why = "must not be negative" if bad < 0 else "a count must be a whole number"
        raise NegativeValueError.bad(name, int(bad) if float(bad).is_integer() else float(bad), why)
    return values


def _total_of(param: str) -> Callable[[Callable[..., Any]], Rollup]:
    """A range total that rolls up by addition: components ``<param>_sum`` and ``<param>_n``
    (the count of non-blank rows, so an all-blank roll-up is E-EMPTY, as the KPI is)."""
    total, n = f"{param}_sum", f"{param}_n"

    def build(fn: Callable[..., Any]) -> Rollup:
        def prepare(**columns: Any) -> dict[str, np.ndarray]:
            vals = np.asarray(columns[param], dtype=float)
            valid = ~np.isnan(vals)
            _whole_counts(vals[valid], param)
            return {total: np.where(valid, vals, 0.0), n: valid.astype(float)}

        def finalize(**totals: Any) -> float:
            if totals[n] == 0:
                raise EmptyInputError(f"E-EMPTY: argument {param!r} has no values", argument=param)
            return float(totals[total])

        return Rollup(components=(total, n), prepare=prepare, finalize=finalize,
                      numerator=(total,), denominator=())

    return build


@kpi(
    excel="KPI_TRAFFIC", name="Website traffic (sessions)", category="website",
    level="operational", indicator="leading", unit="count", direction="higher_is_better",
    description="Total sessions (visits) in the period: the sum of a range of session counts, "
                "blanks skipped, zeros counted. A base measure; track its change with KPI_GROWTH.",
    formula="sum(sessions)",
    params={"sessions": ("range", "Session (visit) counts, e.g. one cell per day or week; "
                                  "whole numbers >= 0.")},
    blanks="Blank, None and NaN cells are skipped; zeros count (Excel SUM). A range with no "
           "values at all is E-EMPTY (None; Excel #DIV/0!), so 'no data' is not read as 0 traffic.",
    edge_cases=("no values -> E-EMPTY", "a negative or fractional count -> E-NEG",
                "text or booleans -> E-TYPE"),
    examples=(Example(([1_200, 1_350, None, 1_500],), 4_050.0, note="the blank is skipped"),
              Example(([0, 0],), 0.0, note="zeros are values: no traffic, not no data"),
              Example((1_500,), 1_500.0),
              Example(([None, None],), error="E-EMPTY"),
              Example(([1_200, -5],), error="E-NEG"),
              Example(([1_200, 10.5],), error="E-NEG"),
              Example(([1_200, "x"],), error="E-TYPE")),
    references=("[ga4-session]",),
    rollup=_total_of("sessions"),
    native="SUM({sessions})",
)
def website_traffic(sessions: Any) -> float:
    """
    >>> website_traffic([1_200, 1_350, None, 1_500])
    4050.0
    >>> website_traffic([None]) is None
    True
    """
    vals = _whole_counts(value_array(sessions, "sessions"), "sessions")
    if vals.size == 0:
        raise EmptyInputError("E-EMPTY: argument 'sessions' has no values", argument="sessions")
    return float(vals.sum())


@kpi(
    excel="KPI_SHARE", name="Share of total (traffic-source share, sales by region)",
    category="website", level="operational", indicator="leading", unit="ratio",
    direction="context", aliases=("share", "sales_by_region"),
    uses=("Traffic-source share (#36): sessions from one source (organic, paid, referral ...) "
          "/ total sessions. Direction depends on the source (context).",
          "Sales by region (#46, category sales, lagging, higher is better): one region's "
          "sales, e.g. SUMIFS(sales, region, \"North\"), / total sales. The shares of all "
          "regions sum to 1."),
    description="Share of a total: part / total, e.g. sessions from one traffic source / all "
                "sessions, or one region's sales / total sales. 0.25 means 25%.",
    formula="part / total",
    params={"part": ("amount", "The part: sessions from one source, or one region's sales "
                               "(e.g. a SUMIFS). Must be >= 0 and <= total."),
            "total": ("amount", "The whole on the same basis and period: all sessions, or "
                                "total sales.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("total = 0 -> E-DIV0", "part > total -> E-SUBSET", "negative values -> E-NEG"),
    examples=(Example((2_400, 6_000), 0.40, note="organic sessions / all sessions"),
              Example((250_000, 1_000_000), 0.25, note="sales by region: North / total"),
              Example(([100_000, 150_000], [400_000, 600_000]), 0.25,
                      note="ranges are summed: a ratio of sums"),
              Example((0, 0), error="E-DIV0"), Example((7_000, 6_000), error="E-SUBSET"),
              Example((-1, 6_000), error="E-NEG"), Example((None, 6_000), error="E-MISSING")),
    references=("[apt-share]",),
    rollup=sums("part", "total"),
    native="SUM({part})/SUM({total})",
    direction_note="Traffic-source share has no fixed good direction (context); a region's "
                   "share of sales is usually higher-is-better for that region's owner.",
    categories=("website", "sales"),
)
def traffic_source_share(part: Any, total: Any) -> float:
    """
    >>> traffic_source_share(2_400, 6_000)
    0.4
    >>> traffic_source_share(250_000, 1_000_000)
    0.25
    """
    return share_of(part, "part", total, "total", counts=False)


@kpi(
    excel="KPI_BOUNCE_RATE", name="Bounce rate", category="website", level="operational",
    indicator="leading", unit="ratio", direction="lower_is_better",
    description="Bounce rate. GA4 (default): 1 - engaged sessions / sessions. Universal "
                "Analytics: single-page sessions / sessions. The two are not comparable.",
    formula='ga4: 1 - engaged_or_bounced / sessions; ua: engaged_or_bounced / sessions',
    params={"sessions": ("count", "Sessions in the period."),
            "engaged_or_bounced": ("count", "GA4: engaged sessions. UA: bounced (single-page) "
                                            "sessions. Must not exceed sessions."),
            "definition": Param("definition", "'ga4' (default): 1 - engaged / sessions; "
                                "'ua': bounces / sessions.", kind="text", choices=DEFINITIONS)},
    blanks=AMOUNT_BLANKS + " A blank definition means 'ga4'.",
    edge_cases=("sessions = 0 -> E-DIV0", "engaged or bounced > sessions -> E-SUBSET",
                "negative or fractional counts -> E-NEG",
                "definition other than 'ga4'/'ua' -> E-DOMAIN"),
    examples=(Example((1_000, 700), 0.30, note="GA4; computes 0.30000000000000004"),
              Example((5_000, 2_300), 0.46, kwargs={"definition": "ua"}),
              Example((1_000, 700), 0.30, kwargs={"definition": "GA4"}),
              Example((0, 0), error="E-DIV0"), Example((100, 101), error="E-SUBSET"),
              Example((100, -1), error="E-NEG"),
              Example((100, 50), error="E-DOMAIN", kwargs={"definition": "ga3"}),
              Example((None, 50), error="E-MISSING")),
    references=("[ga4-session]", "[snifflytics-bounce]", "[oneanalytics-bounce]"),
    rollup=sums("sessions", "engaged_or_bounced", numerator=("engaged_or_bounced",),
                denominator=("sessions",)),
    native='IF(LOWER(TRIM({definition}))="ua",SUM({engaged_or_bounced})/SUM({sessions}),'
           '1-SUM({engaged_or_bounced})/SUM({sessions}))',
    variants=DEFINITIONS,
    definition_note="Store the definition with the KPI: GA4 and UA bounce rates are not "
                    "comparable.",
)
def bounce_rate(sessions: Any, engaged_or_bounced: Any, *, definition: str = "ga4") -> float:
    """
    >>> round(bounce_rate(1_000, 700), 12)
    0.3
    >>> bounce_rate(5_000, 2_300, definition="ua")
    0.46
    """
    kind = choice(definition, "definition", DEFINITIONS)
    s = count(sessions, "sessions")
    e = count(engaged_or_bounced, "engaged_or_bounced")
    subset(e, "engaged_or_bounced", s, "sessions")
    share = divide(e, s, "sessions")
    return share if kind == "ua" else 1.0 - share


@kpi(
    excel="KPI_PAGES_PER_SESSION", name="Pages per session", category="website",
    level="operational", indicator="leading", unit="multiple", direction="higher_is_better",
    description="Average page views per session: page views / sessions.",
    formula="pageviews / sessions",
    params={"pageviews": ("count", "Page (or screen) views in the period."),
            "sessions": ("count", "Sessions in the same period.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("sessions = 0 -> E-DIV0", "negative or fractional counts -> E-NEG"),
    examples=(Example((15_000, 6_000), 2.5), Example((100, 0), error="E-DIV0"),
              Example((-1, 10), error="E-NEG"), Example((100, None), error="E-MISSING")),
    references=("[mapp-ppv]",),
    rollup=sums("pageviews", "sessions"),
    native="SUM({pageviews})/SUM({sessions})",
)
def pages_per_session(pageviews: Any, sessions: Any) -> float:
    """
    >>> pages_per_session(15_000, 6_000)
    2.5
    """
    return divide(count(pageviews, "pageviews"), count(sessions, "sessions"), "sessions")


@kpi(
    excel="KPI_TXN_RATE", name="Ecommerce conversion rate (transactions per session)",
    category="website", level="operational", indicator="lagging", unit="ratio",
    direction="higher_is_better", aliases=("transactions_per_session",),
    description="Ecommerce conversion rate: transactions / sessions (UA transactionsPerSession, "
                "reproduced in GA4 as transactions / sessions).",
    formula="transactions / sessions",
    params={"transactions": ("count", "Ecommerce transactions (purchases) in the period."),
            "sessions": ("count", "Sessions in the same period.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("sessions = 0 -> E-DIV0", "negative or fractional counts -> E-NEG",
                "transactions > sessions is allowed (several purchases in one session) and "
                "gives a value above 1"),
    examples=(Example((120, 6_000), 0.02), Example((10, 0), error="E-DIV0"),
              Example((-1, 6_000), error="E-NEG"), Example((None, 6_000), error="E-MISSING")),
    references=("[volc-txn]",),
    rollup=sums("transactions", "sessions"),
    native="SUM({transactions})/SUM({sessions})",
)
def ecommerce_conversion_rate(transactions: Any, sessions: Any) -> float:
    """
    >>> ecommerce_conversion_rate(120, 6_000)
    0.02
    """
    return divide(count(transactions, "transactions"), count(sessions, "sessions"), "sessions")
