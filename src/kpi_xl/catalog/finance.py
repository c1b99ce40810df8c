"""Strategic and finance KPIs (spec §3.1, entries 1–8)."""

from __future__ import annotations

from typing import Any

from kpi_xl.catalog.rollups import sums
from kpi_xl.catalog.schema import AMOUNT_BLANKS, SCALAR_BLANKS, Example, kpi
from kpi_xl.core.errors import DomainError
from kpi_xl.core.validate import (
    amount,
    check_finite,
    divide,
    nonnegative,
    number,
    optional_number,
    share_of,
)

__all__ = [
    "cagr",
    "gross_profit_margin",
    "market_share",
    "monthly_sales_growth",
    "net_profit_margin",
    "return_on_assets",
    "revenue_growth",
    "roi",
    "roi_net",
]



def _positive(x: float, name: str, why: str) -> float:
    if x <= 0:
        raise DomainError.bad(name, x, why)
    return x


@kpi(
    excel="KPI_ROI", name="Return on investment", category="finance", level="strategic",
    indicator="lagging", unit="ratio", direction="higher_is_better",
    description="Return on investment: (gain - cost) / cost, where gain is the total value "
                "returned, cost included. 0.25 means 25%.",
    formula="(gain - cost) / cost",
    params={"gain": ("amount", "Total value returned by the investment, cost included (not net profit)."),
            "cost": ("amount", "Cost of the investment; must be > 0.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("cost = 0 -> E-DIV0", "cost < 0 -> E-DOMAIN",
                "a negative gain is allowed and gives a ratio below -1"),
    examples=(Example((150_000, 120_000), 0.25),
              Example((120, 100), 0.20, note="bots.io: buy at 100, sell at 120"),
              Example((100, 0), error="E-DIV0"), Example((100, -5), error="E-DOMAIN"),
              Example((None, 100), error="E-MISSING")),
    references=("[formulas-today]", "[bots-roi]", "[piping-roi]"),
    rollup=sums("gain", "cost"),
    native="(SUM({gain})-SUM({cost}))/SUM({cost})",
)
def roi(gain: Any, cost: Any) -> float:
    """
    >>> roi(150_000, 120_000)
    0.25
    >>> roi(100, 0) is None
    True
    """
    g, c = amount(gain, "gain"), amount(cost, "cost")
    if c < 0:
        raise DomainError.bad("cost", c, "an investment cost must be positive")
    return divide(g - c, c, "cost")


@kpi(
    excel="KPI_ROI_NET", name="Return on investment (net profit form)", kind="variant",
    variant_of="roi", category="finance", level="strategic", indicator="lagging", unit="ratio",
    direction="higher_is_better",
    description="Return on investment from net profit: net_profit / cost. Use this form when "
                "you have net profit, so it is never fed into KPI_ROI's gain.",
    formula="net_profit / cost",
    params={"net_profit": ("amount", "Net profit of the investment (gain minus cost)."),
            "cost": ("amount", "Cost of the investment; must be > 0.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("cost = 0 -> E-DIV0", "cost < 0 -> E-DOMAIN"),
    examples=(Example((30_000, 120_000), 0.25), Example((20, 100), 0.20)),
    references=("[piping-roi]",),
    rollup=sums("net_profit", "cost"),
    native="SUM({net_profit})/SUM({cost})",
)
def roi_net(net_profit: Any, cost: Any) -> float:
    """
    >>> roi_net(30_000, 120_000)
    0.25
    """
    p, c = amount(net_profit, "net_profit"), amount(cost, "cost")
    if c < 0:
        raise DomainError.bad("cost", c, "an investment cost must be positive")
    return divide(p, c, "cost")


def _growth(current: Any, prior: Any, cur_name: str, prior_name: str) -> float:
    cur, pri = amount(current, cur_name), amount(prior, prior_name)
    return divide(cur - pri, abs(pri), prior_name)


_GROWTH_EDGES = ("prior = 0 -> E-DIV0",
                 "a negative prior divides by |prior|, so a loss shrinking reads as growth",
                 "for ratio KPIs report the change in percentage points with KPI_DELTA")


@kpi(
    excel="KPI_GROWTH", name="Period growth (revenue growth)", category="strategic",
    level="strategic", indicator="lagging", unit="ratio", direction="higher_is_better",
    aliases=("growth", "period_growth"),
    description="Relative change between two equal-length periods: (current - prior) / |prior|. "
                "0.2 means +20%. For ratio KPIs use KPI_DELTA for percentage points.",
    formula="(current - prior) / |prior|",
    params={"current": ("amount", "Value of the measure in the current period."),
            "prior": ("amount", "Value of the same measure in the prior period.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=_GROWTH_EDGES,
    examples=(Example((120_000, 100_000), 0.20), Example((-20, -50), 0.60),
              Example((0.030, 0.025), 0.2, note="relative change of a rate; delta is 0.005"),
              Example((5, 0), error="E-DIV0")),
    references=("[wshobson-startup]", "[infor-inc]"),
    rollup=sums("current", "prior"),
    native="(SUM({current})-SUM({prior}))/ABS(SUM({prior}))",
)
def revenue_growth(current: Any, prior: Any) -> float:
    """
    >>> revenue_growth(120_000, 100_000)
    0.2
    """
    return _growth(current, prior, "current", "prior")


@kpi(
    excel="KPI_SALES_GROWTH", name="Monthly sales growth", category="sales",
    level="operational", indicator="lagging", unit="ratio", direction="higher_is_better",
    kind="variant", variant_of="revenue_growth",
    description="Month-over-month sales growth: (this month - last month) / |last month|.",
    formula="(this_month_sales - last_month_sales) / |last_month_sales|",
    params={"this_month_sales": ("amount", "Sales in the current month."),
            "last_month_sales": ("amount", "Sales in the previous month.")},
    blanks=AMOUNT_BLANKS, edge_cases=_GROWTH_EDGES,
    examples=(Example((52_000, 48_000), 0.08333333333333333),),
    references=("[wshobson-startup]",),
    rollup=sums("this_month_sales", "last_month_sales"),
    native="(SUM({this_month_sales})-SUM({last_month_sales}))/ABS(SUM({last_month_sales}))",
)
def monthly_sales_growth(this_month_sales: Any, last_month_sales: Any) -> float:
    """
    >>> round(monthly_sales_growth(52_000, 48_000), 6)
    0.083333
    """
    return _growth(this_month_sales, last_month_sales, "this_month_sales", "last_month_sales")


@kpi(
    excel="KPI_CAGR", name="Compound annual growth rate", category="strategic",
    level="strategic", indicator="lagging", unit="ratio", direction="higher_is_better",
    description="Compound growth rate per period: (end / begin)^(1 / periods) - 1. Same as "
                "Excel RRI(periods, begin, end). Months as periods give a monthly rate (CMGR).",
    formula="(end_value / begin_value)^(1 / periods) - 1",
    params={"begin_value": ("number", "Value at the start; must be > 0."),
            "end_value": ("number", "Value at the end; must be >= 0."),
            "periods": ("number", "Number of periods (years for CAGR); must be > 0.")},
    blanks=SCALAR_BLANKS,
    edge_cases=("begin <= 0, end < 0 or periods <= 0 -> E-DOMAIN (RRI gives #NUM!)",
                "end = 0 -> -1"),
    examples=(Example((100_000, 161_051, 5), 0.10000000000000009),
              Example((10_000, 11_000, 96), 0.0009933073762913, note="Microsoft's RRI example"),
              Example((100, 0, 3), -1.0), Example((0, 10, 3), error="E-DOMAIN")),
    references=("[bplans-cagr]", "[inch-cagr]", "[ms-rri]"),
    native="({end_value}/{begin_value})^(1/{periods})-1",
)
def cagr(begin_value: Any, end_value: Any, periods: Any) -> float:
    """
    >>> round(cagr(100_000, 161_051, 5), 12)
    0.1
    """
    b = _positive(number(begin_value, "begin_value"), "begin_value", "must be > 0")
    e = number(end_value, "end_value")
    if e < 0:
        raise DomainError.bad("end_value", e, "must be >= 0")
    n = _positive(number(periods, "periods"), "periods", "must be > 0")
    try:
        return check_finite((e / b) ** (1.0 / n) - 1.0, "periods")
    except OverflowError:
        raise DomainError("E-DOMAIN: the result overflows", argument="periods") from None


@kpi(
    excel="KPI_MARKET_SHARE", name="Market share", category="strategic", level="strategic",
    indicator="lagging", unit="ratio", direction="higher_is_better",
    description="Company sales as a share of total market sales, both on the same basis "
                "(value or units), market, region and period.",
    formula="company_sales / total_market_sales",
    params={"company_sales": ("amount", "The company's sales (value or units)."),
            "total_market_sales": ("amount", "Total market sales on the same basis.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("total = 0 -> E-DIV0", "company > total -> E-SUBSET", "negative values -> E-NEG"),
    examples=(Example((2_500_000, 20_000_000), 0.125), Example((1_000, 5_000), 0.20),
              Example((6, 5), error="E-SUBSET"), Example((-1, 5), error="E-NEG")),
    references=("[apt-share]", "[financebase-share]"),
    rollup=sums("company_sales", "total_market_sales"),
    native="SUM({company_sales})/SUM({total_market_sales})",
)
def market_share(company_sales: Any, total_market_sales: Any) -> float:
    """
    >>> market_share(2_500_000, 20_000_000)
    0.125
    """
    return share_of(company_sales, "company_sales", total_market_sales, "total_market_sales",
                    counts=False)


@kpi(
    excel="KPI_GROSS_MARGIN", name="Gross profit margin", category="finance", level="functional",
    indicator="lagging", unit="ratio", direction="higher_is_better",
    description="Gross profit as a share of revenue: (revenue - COGS) / revenue.",
    formula="(revenue - cogs) / revenue",
    params={"revenue": ("amount", "Revenue (net sales) for the period; must be > 0."),
            "cogs": ("amount", "Cost of goods sold for the same period; must be >= 0.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("revenue <= 0 -> E-DOMAIN (a margin on no sales is not meaningful)",
                "cogs < 0 -> E-NEG", "cogs > revenue gives a negative margin"),
    examples=(Example((500_000, 300_000), 0.40), Example((1_000_000, 500_000), 0.50),
              Example((0, 10), error="E-DOMAIN"), Example((100, -1), error="E-NEG")),
    references=("[skfolio-gm]", "[mymarketingdeal-gpm]"),
    rollup=sums("revenue", "cogs"),
    native="(SUM({revenue})-SUM({cogs}))/SUM({revenue})",
)
def gross_profit_margin(revenue: Any, cogs: Any) -> float:
    """
    >>> gross_profit_margin(500_000, 300_000)
    0.4
    """
    r = _positive(amount(revenue, "revenue"), "revenue", "a margin needs revenue > 0")
    c = nonnegative(amount(cogs, "cogs"), "cogs")
    return (r - c) / r


@kpi(
    excel="KPI_NET_MARGIN", name="Net profit margin", category="finance", level="functional",
    indicator="lagging", unit="ratio", direction="higher_is_better",
    description="Net income earned per unit of revenue (net sales): net_income / revenue.",
    formula="net_income / revenue",
    params={"net_income": ("amount", "Net income for the period; may be negative."),
            "revenue": ("amount", "Revenue (net sales) for the period; must be > 0.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("revenue <= 0 -> E-DOMAIN", "a negative net income is allowed"),
    examples=(Example((45_000, 500_000), 0.09), Example((-10, 100), -0.1),
              Example((10, 0), error="E-DOMAIN")),
    references=("[haider-ratios]",),
    rollup=sums("net_income", "revenue"),
    native="SUM({net_income})/SUM({revenue})",
)
def net_profit_margin(net_income: Any, revenue: Any) -> float:
    """
    >>> net_profit_margin(45_000, 500_000)
    0.09
    """
    n = amount(net_income, "net_income")
    r = _positive(amount(revenue, "revenue"), "revenue", "a margin needs revenue > 0")
    return n / r


@kpi(
    excel="KPI_ROA", name="Return on assets", category="finance", level="functional",
    indicator="lagging", unit="ratio", direction="higher_is_better",
    description="Net income over average total assets ((begin + end) / 2); with only one "
                "asset value, that value is used (ending-assets basis).",
    formula="net_income / ((total_assets_begin + total_assets_end) / 2)",
    params={"net_income": ("amount", "Net income for the period."),
            "total_assets_begin": ("number", "Total assets at the start of the period."),
            "total_assets_end": ("number", "Total assets at the end; omit to use the first value as is.")},
    blanks="net_income and total_assets_begin blank -> E-MISSING (None; #N/A); a blank "
           "total_assets_end means 'not given' and the single asset value is used.",
    edge_cases=("average assets <= 0 -> E-DOMAIN",),
    examples=(Example((45_000, 400_000, 500_000), 0.10), Example((45_000, 450_000), 0.10),
              Example((1, 0, 0), error="E-DOMAIN")),
    references=("[playaccounting-roa]", "[skfolio-roa]"),
    native="{net_income}/AVERAGE({total_assets_begin},{total_assets_end})",
    assets_basis="average",
)
def return_on_assets(net_income: Any, total_assets_begin: Any, total_assets_end: Any = None) -> float:
    """
    >>> return_on_assets(45_000, 400_000, 500_000)
    0.1
    """
    n = amount(net_income, "net_income")
    begin = number(total_assets_begin, "total_assets_begin")
    end = optional_number(total_assets_end, "total_assets_end")
    assets = begin if end is None else (begin + end) / 2
    assets = _positive(assets, "total_assets_begin" if end is None else "total_assets_end",
                       "average total assets must be > 0")
    return n / assets
