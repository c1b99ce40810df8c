"""Marketing KPIs (spec §3.3, entries 24–34): acquisition cost, return on spend, conversion,
click-through and engagement rates, and content output per period."""

from __future__ import annotations

import datetime as _dt
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from kpi_xl.catalog.rollups import sums
from kpi_xl.catalog.schema import AMOUNT_BLANKS, Example, Param, Rollup, kpi
from kpi_xl.core.errors import DomainError, KpiTypeError, MissingValueError
from kpi_xl.core.validate import (
    amount,
    choice,
    count,
    divide,
    flatten,
    is_blank,
    nonnegative,
    number,
    per,
    share_of,
    subset,
    to_datetime64,
    value_array,
)

__all__ = [
    "cac",
    "click_through_rate",
    "content_per_period",
    "conversion_rate",
    "cost_per_lead",
    "cpa",
    "cta_conversion_rate",
    "email_click_through_rate",
    "marketing_roi",
    "roas",
    "social_engagement_rate",
]

ROI_BASES = ("revenue", "gross_profit")
EMAIL_BASES = ("delivered", "opens")
COUNTINGS = ("people", "events")
BASE_TYPES = ("followers", "impressions", "reach")
PERIOD_UNITS = ("month", "day", "week", "quarter", "year")


def _flag(value: Any, name: str) -> bool:
    """An Excel logical: TRUE/FALSE (a number counts as TRUE unless 0); blank is FALSE."""
    if isinstance(value, (list, tuple, np.ndarray)) or hasattr(value, "to_numpy"):
        arr = flatten(value)
        if arr.size > 1:
            raise KpiTypeError.bad(name, value, "expected a single TRUE or FALSE")
        value = arr[0] if arr.size else None
    if is_blank(value):
        return False
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Real):
        return value != 0
    raise KpiTypeError.bad(name, value, "expected TRUE or FALSE")


def _optional_count(value: Any, name: str) -> float:
    """An optional count: omitted or entirely blank means 0."""
    return 0.0 if value_array(value, name).size == 0 else count(value, name)


def _zero_when_absent(builder: Callable[[Callable[..., Any]], Rollup], optional: str,
                      like: str) -> Callable[[Callable[..., Any]], Rollup]:
    """A :func:`sums` roll-up in which an optional column that is not given contributes 0."""

    def build(fn: Callable[..., Any]) -> Rollup:
        base = builder(fn)

        def prepare(**columns: Any) -> dict[str, np.ndarray]:
            if columns.get(optional) is None:
                columns[optional] = np.zeros(np.shape(np.asarray(columns[like], dtype=float)))
            return base.prepare(**columns)

        return Rollup(components=base.components, prepare=prepare, finalize=base.finalize,
                      numerator=base.numerator, denominator=base.denominator)

    return build


@kpi(
    excel="KPI_CAC", name="Customer acquisition cost", category="marketing", level="strategic",
    indicator="lagging", unit="currency", direction="lower_is_better",
    description="Fully loaded cost of winning a paying customer: total sales and marketing "
                "spend in the period / new customers acquired in the same period.",
    formula="sales_and_marketing_spend / new_customers",
    params={"sales_and_marketing_spend": ("amount", "Total sales and marketing spend for the "
                                                    "period; a range (marketing cells plus "
                                                    "sales cells) is summed."),
            "new_customers": ("count", "New paying customers acquired in the same period.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("new_customers = 0 -> E-DIV0", "negative spend -> E-NEG",
                "negative or fractional new_customers -> E-NEG"),
    examples=(Example(([30_000, 20_000], 125), 400.0, note="marketing + sales spend"),
              Example(([5_000, 5_000], 10), 1_000.0,
                      note="mycalculator: ads + sales rep, not 500"),
              Example((50_000, 0), error="E-DIV0"), Example((-1, 10), error="E-NEG"),
              Example((50_000, None), error="E-MISSING")),
    references=("[hubspot-cac]", "[kpitree-cac]", "[mycalculator-saas]"),
    rollup=sums("sales_and_marketing_spend", "new_customers"),
    native="SUM({sales_and_marketing_spend})/SUM({new_customers})",
)
def cac(sales_and_marketing_spend: Any, new_customers: Any) -> float:
    """
    >>> cac([30_000, 20_000], 125)
    400.0
    """
    return per(sales_and_marketing_spend, "sales_and_marketing_spend",
                     new_customers, "new_customers")


@kpi(
    excel="KPI_CPA", name="Cost per acquisition (action)", category="marketing",
    level="operational", indicator="leading", unit="currency", direction="lower_is_better",
    description="Campaign cost per acquisition event (order, SQL, trial, booking): cost / "
                "acquisitions. Define the event in the KPI's metadata.",
    formula="cost / acquisitions",
    params={"cost": ("amount", "Campaign cost for the period."),
            "acquisitions": ("count", "Acquisition events in the same period (e.g. orders).")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("acquisitions = 0 -> E-DIV0", "negative cost -> E-NEG",
                "CAC differs: per new paying customer with fully loaded sales and marketing cost"),
    examples=(Example((5_000, 200), 25.0), Example((5_000, 0), error="E-DIV0"),
              Example((-5_000, 200), error="E-NEG"), Example((None, 200), error="E-MISSING")),
    references=("[consultevo-cpa]",),
    rollup=sums("cost", "acquisitions"),
    native="SUM({cost})/SUM({acquisitions})",
    event="order",
    event_note="The acquisition event (order, SQL, trial, booking) must be defined and "
               "stored with the KPI.",
)
def cpa(cost: Any, acquisitions: Any) -> float:
    """
    >>> cpa(5_000, 200)
    25.0
    """
    return per(cost, "cost", acquisitions, "acquisitions")


@kpi(
    excel="KPI_CPL", name="Cost per lead", kind="variant", variant_of="cpa",
    category="marketing", level="operational", indicator="leading", unit="currency",
    direction="lower_is_better",
    description="Spend per lead generated: spend / leads. This is CPA with the acquisition "
                "event set to a lead (MQL or SQL).",
    formula="spend / leads",
    params={"spend": ("amount", "Marketing spend for the period."),
            "leads": ("count", "Leads generated in the same period.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("leads = 0 -> E-DIV0", "negative spend -> E-NEG"),
    examples=(Example((5_000, 400), 12.5), Example((5_000, 0), error="E-DIV0"),
              Example((-1, 400), error="E-NEG"), Example((5_000, None), error="E-MISSING")),
    references=("[consultevo-cpa]",),
    rollup=sums("spend", "leads"),
    native="SUM({spend})/SUM({leads})",
    event="lead",
)
def cost_per_lead(spend: Any, leads: Any) -> float:
    """
    >>> cost_per_lead(5_000, 400)
    12.5
    """
    return per(spend, "spend", leads, "leads")


@kpi(
    excel="KPI_MARKETING_ROI", name="Marketing ROI", category="marketing", level="strategic",
    indicator="lagging", unit="ratio", direction="higher_is_better",
    description="Return on marketing spend: (attributable sales - marketing cost) / marketing "
                "cost. basis='gross_profit' reads the first argument as attributable gross "
                "profit. 4.0 means 400%.",
    formula="(attributable_revenue - marketing_cost) / marketing_cost",
    params={"attributable_revenue": ("amount", "Sales attributable to marketing (basis "
                                               "'revenue'), or the gross profit on them (basis "
                                               "'gross_profit', may be negative)."),
            "marketing_cost": ("amount", "Marketing cost for the same period or campaign."),
            "basis": Param("basis", "'revenue' (default): the first argument is attributable "
                           "sales, >= 0; 'gross_profit': it is attributable gross profit (the "
                           "margin-based ROI).", kind="text", choices=ROI_BASES)},
    blanks=AMOUNT_BLANKS + " A blank basis means 'revenue'.",
    edge_cases=("marketing_cost = 0 -> E-DIV0", "negative marketing_cost -> E-NEG",
                "negative attributable revenue -> E-NEG (basis 'revenue' only)",
                "basis other than 'revenue'/'gross_profit' -> E-DOMAIN"),
    examples=(Example((50_000, 10_000), 4.0, note="shopify example, 400%"),
              Example((20_000, 10_000), 1.0, kwargs={"basis": "gross_profit"}),
              Example((-5_000, 10_000), -1.5, kwargs={"basis": "gross_profit"}),
              Example((50_000, 0), error="E-DIV0"), Example((50_000, -1), error="E-NEG"),
              Example((-5_000, 10_000), error="E-NEG"),
              Example((50_000, 10_000), error="E-DOMAIN", kwargs={"basis": "profit"}),
              Example((None, 10_000), error="E-MISSING")),
    references=("[shopify-mroi]", "[freshlogistics-mroi]", "[weberlo-mroi]",
                "[the-definition-mroi]", "[measured-mroi]"),
    rollup=sums("attributable_revenue", "marketing_cost"),
    native="(SUM({attributable_revenue})-SUM({marketing_cost}))/SUM({marketing_cost})",
    variants=ROI_BASES,
)
def marketing_roi(attributable_revenue: Any, marketing_cost: Any, *, basis: str = "revenue"
                  ) -> float:
    """
    >>> marketing_roi(50_000, 10_000)
    4.0
    """
    kind = choice(basis, "basis", ROI_BASES)
    gain = amount(attributable_revenue, "attributable_revenue")
    if kind == "revenue":
        nonnegative(gain, "attributable_revenue")
    cost = nonnegative(amount(marketing_cost, "marketing_cost"), "marketing_cost")
    return divide(gain - cost, cost, "marketing_cost")


@kpi(
    excel="KPI_ROAS", name="Return on ad spend", category="marketing", level="operational",
    indicator="lagging", unit="multiple", direction="higher_is_better",
    description="Revenue from ads per unit of ad spend: ad revenue / ad spend, as a multiple "
                "(4.0 = 4:1 = 400%).",
    formula="ad_revenue / ad_spend",
    params={"ad_revenue": ("amount", "Revenue (conversion value) attributed to the ads."),
            "ad_spend": ("amount", "Cost of the ad interactions in the same period.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("ad_spend = 0 -> E-DIV0", "negative values -> E-NEG"),
    examples=(Example((40_000, 10_000), 4.0), Example((5_000, 1_000), 5.0),
              Example((5_000, 0), error="E-DIV0"), Example((5_000, -1), error="E-NEG"),
              Example((5_000, None), error="E-MISSING")),
    references=("[romainberg-roas]", "[verticalrail-roas]", "[gads-metrics]"),
    rollup=sums("ad_revenue", "ad_spend"),
    native="SUM({ad_revenue})/SUM({ad_spend})",
)
def roas(ad_revenue: Any, ad_spend: Any) -> float:
    """
    >>> roas(40_000, 10_000)
    4.0
    """
    return per(ad_revenue, "ad_revenue", ad_spend, "ad_spend", base_is_count=False)


@kpi(
    excel="KPI_CONVERSION_RATE", name="Conversion rate", category="marketing",
    level="operational", indicator="leading", unit="ratio", direction="higher_is_better",
    description="Conversions per opportunity: conversions / sessions (or visitors, or ad "
                "interactions). Set allow_over_1 to TRUE when one interaction may record "
                "several conversions.",
    formula="conversions / opportunities",
    params={"conversions": ("amount", "Conversions in the period (fractions allowed, as "
                                      "attribution models produce)."),
            "opportunities": ("count", "Sessions, visitors or ad interactions in the period."),
            "allow_over_1": ("flag", "FALSE (default): conversions > opportunities is an error; "
                                     "TRUE: allowed (several conversions per interaction).")},
    blanks=AMOUNT_BLANKS + " A blank allow_over_1 means FALSE.",
    edge_cases=("opportunities = 0 -> E-DIV0",
                "conversions > opportunities -> E-SUBSET unless allow_over_1 is TRUE",
                "negative values, or fractional opportunities -> E-NEG",
                "roll-ups are a ratio of sums: 10/100 and 90/1,000 give 100/1,100 = 0.0909"),
    examples=(Example((150, 6_000), 0.025),
              Example(([10, 90], [100, 1_000]), 0.09090909090909091,
                      note="ratio of sums, not the mean of 0.10 and 0.09 (0.095)"),
              Example((0, 0), error="E-DIV0"), Example((7, 5), error="E-SUBSET"),
              Example((7, 5, True), 1.4), Example((-1, 5), error="E-NEG"),
              Example((1, 2.5), error="E-NEG"), Example((None, 5), error="E-MISSING"),
              Example((1, 5, "yes"), error="E-TYPE")),
    references=("[gads-metrics]",),
    rollup=sums("conversions", "opportunities"),
    native="SUM({conversions})/SUM({opportunities})",
    denominator_type="sessions",
    denominator_note="Store what the denominator counts with the KPI: sessions (default), "
                     "visitors or ad interactions.",
)
def conversion_rate(conversions: Any, opportunities: Any, allow_over_1: Any = False) -> float:
    """
    >>> conversion_rate(150, 6_000)
    0.025
    >>> conversion_rate(7, 5, True)
    1.4
    """
    over = _flag(allow_over_1, "allow_over_1")
    conv = nonnegative(amount(conversions, "conversions"), "conversions")
    opp = count(opportunities, "opportunities")
    if not over:
        subset(conv, "conversions", opp, "opportunities")
    return divide(conv, opp, "opportunities")


@kpi(
    excel="KPI_CTR", name="Click-through rate", category="marketing", level="operational",
    indicator="leading", unit="ratio", direction="higher_is_better",
    description="Clicks per impression: clicks / impressions (5 clicks on 100 impressions is "
                "5%). Ranges are summed, so a column of periods gives a ratio of sums.",
    formula="clicks / impressions",
    params={"clicks": ("count", "Clicks in the period."),
            "impressions": ("count", "Impressions in the same period.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("impressions = 0 -> E-DIV0", "clicks > impressions -> E-SUBSET",
                "negative or fractional counts -> E-NEG"),
    examples=(Example((5, 100), 0.05, note="Google Ads help example"),
              Example(([5, 15], [100, 300]), 0.05), Example((0, 0), error="E-DIV0"),
              Example((101, 100), error="E-SUBSET"), Example((-5, 100), error="E-NEG"),
              Example((5, None), error="E-MISSING")),
    references=("[karthik-ctr]",),
    rollup=sums("clicks", "impressions"),
    native="SUM({clicks})/SUM({impressions})",
)
def click_through_rate(clicks: Any, impressions: Any) -> float:
    """
    >>> click_through_rate(5, 100)
    0.05
    """
    return share_of(clicks, "clicks", impressions, "impressions")


@kpi(
    excel="KPI_EMAIL_CTR", name="Email click-through rate", category="marketing",
    level="operational", indicator="leading", unit="ratio", direction="higher_is_better",
    description="Email click rate: unique clicks / delivered (sent - bounced). basis='opens' "
                "gives the click-to-open rate: unique clicks / unique opens, passed as the "
                "second argument.",
    formula="delivered: unique_clicks / (sent - bounced); opens: unique_clicks / unique_opens",
    params={"unique_clicks": ("count", "Recipients who clicked at least one link."),
            "sent": ("count", "Emails sent (basis 'delivered'), or unique opens (basis "
                              "'opens')."),
            "bounced": ("count", "Bounced emails, subtracted from sent; blank or omitted means "
                                 "0. Must be 0 with basis 'opens'."),
            "basis": Param("basis", "'delivered' (default): click rate on delivered emails; "
                           "'opens': click-to-open rate.", kind="text", choices=EMAIL_BASES)},
    blanks=AMOUNT_BLANKS.replace("an argument", "unique_clicks or sent") + " A blank bounced "
           "counts as 0; a blank basis means 'delivered'.",
    edge_cases=("delivered = 0 (or 0 opens) -> E-DIV0", "bounced > sent -> E-SUBSET",
                "unique_clicks > delivered (or opens) -> E-SUBSET",
                "bounced given with basis 'opens' -> E-DOMAIN",
                "negative or fractional counts -> E-NEG"),
    examples=(Example((294, 10_000, 200), 0.03, note="294 / 9,800 delivered"),
              Example((294, 1_960), 0.15, kwargs={"basis": "opens"},
                      note="click-to-open with 1,960 unique opens"),
              Example((294, 9_800), 0.03),
              Example((0, 100, 100), error="E-DIV0"), Example((1, 100, 200), error="E-SUBSET"),
              Example((200, 100), error="E-SUBSET"), Example((-1, 100), error="E-NEG"),
              Example((294, 1_960, 10), error="E-DOMAIN", kwargs={"basis": "opens"}),
              Example((None, 100), error="E-MISSING")),
    references=("[cnsg-mailchimp]", "[reloadify-ctr]", "[dashthis-ctr]"),
    rollup=_zero_when_absent(sums("unique_clicks", "sent", "bounced",
                                  numerator=("unique_clicks",), denominator=("sent", "bounced")),
                             "bounced", like="sent"),
    native="SUM({unique_clicks})/(SUM({sent})-SUM({bounced}))",
    variants=EMAIL_BASES,
)
def email_click_through_rate(unique_clicks: Any, sent: Any, bounced: Any = 0, *,
                             basis: str = "delivered") -> float:
    """
    >>> email_click_through_rate(294, 10_000, 200)
    0.03
    >>> email_click_through_rate(294, 1_960, basis="opens")
    0.15
    """
    kind = choice(basis, "basis", EMAIL_BASES)
    clicks = count(unique_clicks, "unique_clicks")
    s = count(sent, "sent")
    b = _optional_count(bounced, "bounced")
    if kind == "opens":
        if b:
            raise DomainError.bad("bounced", b, "bounces do not apply to basis='opens'; pass "
                                  "unique opens as the second argument")
        subset(clicks, "unique_clicks", s, "sent (unique opens)")
        return divide(clicks, s, "sent (unique opens)")
    subset(b, "bounced", s, "sent")
    subset(clicks, "unique_clicks", s - b, "sent - bounced")
    return divide(clicks, s - b, "sent - bounced")


@kpi(
    excel="KPI_CTA_RATE", name="CTA conversion rate", category="marketing",
    level="operational", indicator="leading", unit="ratio", direction="higher_is_better",
    description="Call-to-action conversion rate as the seed article defines it: interactions "
                "/ total content distribution. counting='events' allows more interactions "
                "than distribution.",
    formula="interactions / total_content_distribution",
    params={"interactions": ("count", "CTA interactions (clicks, sign-ups) in the period."),
            "total_content_distribution": ("count", "Total content distribution (deliveries, "
                                                    "views) in the same period."),
            "counting": Param("counting", "'people' (default): interactions are unique people "
                              "and cannot exceed the distribution; 'events': several per person "
                              "are allowed.", kind="text", choices=COUNTINGS)},
    blanks=AMOUNT_BLANKS + " A blank counting means 'people'.",
    edge_cases=("total_content_distribution = 0 -> E-DIV0",
                "interactions > distribution -> E-SUBSET unless counting='events'",
                "negative or fractional counts -> E-NEG"),
    examples=(Example((360, 12_000), 0.03), Example((0, 0), error="E-DIV0"),
              Example((13_000, 12_000), error="E-SUBSET"),
              Example((13_000, 12_000), 1.0833333333333333, kwargs={"counting": "events"}),
              Example((-1, 12_000), error="E-NEG"), Example((None, 12_000), error="E-MISSING")),
    references=("seed article (no external source)",),
    rollup=sums("interactions", "total_content_distribution"),
    native="SUM({interactions})/SUM({total_content_distribution})",
    counting="people", variants=COUNTINGS,
)
def cta_conversion_rate(interactions: Any, total_content_distribution: Any, *,
                        counting: str = "people") -> float:
    """
    >>> cta_conversion_rate(360, 12_000)
    0.03
    """
    kind = choice(counting, "counting", COUNTINGS)
    i = count(interactions, "interactions")
    d = count(total_content_distribution, "total_content_distribution")
    if kind == "people":
        subset(i, "interactions", d, "total_content_distribution")
    return divide(i, d, "total_content_distribution")


@kpi(
    excel="KPI_ENGAGEMENT_RATE", name="Social engagement rate", category="marketing",
    level="operational", indicator="leading", unit="ratio", direction="higher_is_better",
    description="Social interactions (likes + comments + shares [+ saves]) / base, where the "
                "base is followers (default), impressions or reach. Pass the interaction cells "
                "as one range; they are summed.",
    formula="(likes + comments + shares [+ saves]) / base",
    params={"interactions": ("count", "Interactions: likes, comments, shares (and saves), "
                                      "summed when given as a range."),
            "base": ("count", "Followers, impressions or reach, as named by base_type."),
            "base_type": Param("base_type", "'followers' (default; the rate may exceed 1), "
                               "'impressions' (interactions may not exceed impressions) or "
                               "'reach'.", kind="text", choices=BASE_TYPES)},
    blanks=AMOUNT_BLANKS + " A blank base_type means 'followers'.",
    edge_cases=("base = 0 -> E-DIV0",
                "base_type 'impressions': interactions > impressions -> E-SUBSET",
                "followers or reach base: the rate may exceed 1 (viral posts)",
                "negative or fractional counts -> E-NEG"),
    examples=(Example(([420, 35, 45], 10_000), 0.05, note="500 interactions / followers"),
              Example(([420, 35, 45], 25_000), 0.02, kwargs={"base_type": "impressions"}),
              Example((600, 500), 1.2, note="a viral post on a followers base"),
              Example((500, 0), error="E-DIV0"),
              Example((600, 500), error="E-SUBSET", kwargs={"base_type": "impressions"}),
              Example((-1, 500), error="E-NEG"),
              Example((500, 10_000), error="E-DOMAIN", kwargs={"base_type": "views"}),
              Example((500, None), error="E-MISSING")),
    references=("[tribe-eng]", "[calcmasters-eng]"),
    rollup=sums("interactions", "base"),
    native="SUM({interactions})/SUM({base})",
    variants=BASE_TYPES,
)
def social_engagement_rate(interactions: Any, base: Any, *, base_type: str = "followers"
                           ) -> float:
    """
    >>> social_engagement_rate([420, 35, 45], 10_000)
    0.05
    >>> social_engagement_rate([420, 35, 45], 25_000, base_type="impressions")
    0.02
    """
    kind = choice(base_type, "base_type", BASE_TYPES)
    i, b = count(interactions, "interactions"), count(base, "base")
    if kind == "impressions":
        subset(i, "interactions", b, "base (impressions)")
    return divide(i, b, "base")


# --- content per period -----------------------------------------------------------------

_DAY = np.timedelta64(1, "D")


def _given(value: Any) -> bool:
    """False for an omitted or entirely blank argument."""
    return any(not is_blank(v) for v in flatten(value))


def _is_date(value: Any) -> bool:
    return isinstance(value, (_dt.date, np.datetime64)) or type(value).__name__ == "Timestamp"


def _one_day(value: Any, name: str) -> np.datetime64:
    stamps = to_datetime64(value, name)
    if stamps.size > 1:
        raise KpiTypeError.bad(name, value, "expected a single date, got a range")
    if stamps.size == 0 or np.isnat(stamps[0]):
        raise MissingValueError(f"E-MISSING: argument {name!r} is blank", argument=name)
    return stamps[0].astype("datetime64[D]")


def _add_months(day: np.datetime64, months: int) -> np.datetime64:
    """Excel EDATE: the same day ``months`` later, clamped to the end of a shorter month."""
    first = day.astype("datetime64[M]")
    offset = int((day - first.astype("datetime64[D]")) // _DAY)
    target = first + np.timedelta64(months, "M")
    length = int(((target + np.timedelta64(1, "M")).astype("datetime64[D]")
                  - target.astype("datetime64[D]")) // _DAY)
    return target.astype("datetime64[D]") + np.timedelta64(min(offset, length - 1), "D")


def _months_between(start: np.datetime64, stop: np.datetime64) -> float:
    """Calendar months from ``start`` to ``stop`` (exclusive); a partial month counts by days."""
    whole = int((stop.astype("datetime64[M]") - start.astype("datetime64[M]"))
                // np.timedelta64(1, "M"))
    if _add_months(start, whole) > stop:
        whole -= 1
    anchor, following = _add_months(start, whole), _add_months(start, whole + 1)
    return whole + int((stop - anchor) // _DAY) / int((following - anchor) // _DAY)


def _periods_in(start: np.datetime64, stop: np.datetime64, unit: str) -> float:
    days = int((stop - start) // _DAY)
    if unit == "day":
        return float(days)
    if unit == "week":
        return days / 7.0
    months = _months_between(start, stop)
    return {"month": months, "quarter": months / 3.0, "year": months / 12.0}[unit]


@kpi(
    excel="KPI_PER_PERIOD", name="Content per period (e.g. blog posts per month)",
    category="marketing", level="operational", indicator="leading", unit="rate",
    direction="higher_is_better",
    description="Items per period, e.g. blog posts published per month. Count form: count / "
                "periods. Date form: dates in [start, end] / periods in that window, with "
                "period 'month' (default), 'day', 'week', 'quarter' or 'year'.",
    formula="count / periods; date form: count(start <= date <= end) / periods(start, end)",
    params={"count_or_dates": ("range", "Count form: the number of items (a range is summed). "
                                        "Date form: the publication dates of the items."),
            "periods_or_start": ("number", "Count form: the number of periods. Date form: the "
                                           "first day of the window."),
            "end": ("date", "Date form only: the last day of the window (inclusive). Omit for "
                            "the count form."),
            "period": Param("period", "Date form: the period unit, 'month' (default), 'day', "
                            "'week', 'quarter' or 'year'. Ignored by the count form.",
                            kind="text", choices=PERIOD_UNITS)},
    blanks="Count form: a blank count or periods is E-MISSING (None; #N/A). Date form: blank "
           "dates are skipped; a blank start or end is E-MISSING; no dates in the window give 0.",
    edge_cases=("count form: periods = 0 -> E-DIV0; periods < 0 -> E-DOMAIN",
                "count form: negative or fractional counts -> E-NEG",
                "date form: dates outside [start, end] are excluded; times of day are ignored",
                "date form: periods are calendar lengths of the window; a partial month counts "
                "by its days (Jan 15 - Feb 14 is 1 month, a week is 7 days)",
                "date form: end before start -> E-DOMAIN; unknown period -> E-DOMAIN"),
    examples=(Example((18, 6), 3.0, note="18 posts over 6 months"),
              Example(([3, 4, 2, 3, 3, 3], 6), 3.0, note="monthly counts are summed"),
              Example(([_dt.date(2024, m, d) for m in range(1, 7) for d in (5, 12, 20)]
                       + [None, _dt.date(2023, 12, 31), _dt.date(2024, 7, 1)],
                       _dt.date(2024, 1, 1), _dt.date(2024, 6, 30)), 3.0,
                      note="date form: 18 posts Jan-Jun 2024; the blank and the two dates "
                           "outside the window are skipped"),
              Example((["2024-01-02", "2024-01-09", "2024-01-16"], "2024-01-01", "2024-01-21"),
                      1.0, kwargs={"period": "week"}),
              Example(([_dt.date(2024, 1, 20), _dt.date(2024, 2, 1)],
                       _dt.date(2024, 1, 15), _dt.date(2024, 2, 14)), 2.0,
                      note="a partial window: Jan 15 - Feb 14 is one month"),
              Example((18, 0), error="E-DIV0"), Example((18, -6), error="E-DOMAIN"),
              Example((-1, 6), error="E-NEG"), Example((None, 6), error="E-MISSING"),
              Example(([_dt.date(2024, 1, 5)], _dt.date(2024, 2, 1), _dt.date(2024, 1, 1)),
                      error="E-DOMAIN"),
              Example(([_dt.date(2024, 1, 5)], _dt.date(2024, 1, 1), _dt.date(2024, 1, 31)),
                      error="E-DOMAIN", kwargs={"period": "fortnight"})),
    references=("seed article (no external source)",),
    native="SUM({count_or_dates})/{periods_or_start}",
    native_note="The native formula covers the count form only: SUM(counts) / periods, e.g. posts "
                "per month = the month's post counts / 1. Unlike KPI_PER_PERIOD it does not turn "
                "blank, negative or fractional inputs into #N/A / #NUM!; the date form needs "
                "KPI_PER_PERIOD.",
)
def content_per_period(count_or_dates: Any, periods_or_start: Any, end: Any = None, *,
                       period: str = "month") -> float:
    """
    >>> content_per_period(18, 6)
    3.0
    >>> import datetime
    >>> posts = [datetime.date(2024, 1, 3), datetime.date(2024, 2, 7), None]
    >>> content_per_period(posts, datetime.date(2024, 1, 1), datetime.date(2024, 2, 29))
    1.0
    """
    if not _given(end):
        first = flatten(periods_or_start)
        if first.size == 1 and _is_date(first[0]):
            raise MissingValueError("E-MISSING: argument 'end' is blank (the date form needs "
                                    "start and end)", argument="end")
        items = count(count_or_dates, "count_or_dates")
        periods = number(periods_or_start, "periods_or_start")
        if periods < 0:
            raise DomainError.bad("periods_or_start", periods, "the number of periods must be "
                                  ">= 0")
        return divide(items, periods, "periods_or_start")
    unit = choice(period, "period", PERIOD_UNITS)
    start_day = _one_day(periods_or_start, "periods_or_start")
    end_day = _one_day(end, "end")
    if end_day < start_day:
        raise DomainError.bad("end", str(end_day), f"is before the start {start_day}")
    stamps = to_datetime64(count_or_dates, "count_or_dates")
    days = stamps[~np.isnat(stamps)].astype("datetime64[D]")
    items = int(np.count_nonzero((days >= start_day) & (days <= end_day)))
    return items / _periods_in(start_day, end_day + _DAY, unit)
