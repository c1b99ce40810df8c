"""Operations KPIs (spec §3.7, entries 58–61): shipping cost, inventory shrinkage and
inventory turnover."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from kpi_xl.catalog.rollups import mean_of, sums
from kpi_xl.catalog.schema import AMOUNT_BLANKS, Example, Param, Rollup, kpi
from kpi_xl.core.errors import (
    DomainError,
    EmptyInputError,
    MissingValueError,
    NegativeValueError,
)
from kpi_xl.core.validate import (
    amount,
    choice,
    divide,
    nonnegative,
    number,
    optional_number,
    per,
    value_array,
)

__all__ = [
    "avg_monthly_shipping_cost",
    "days_inventory",
    "inventory_shrinkage_rate",
    "inventory_shrinkage_value",
    "inventory_turnover",
    "shipping_per_order",
    "shrinkage_avg",
]

MEAN_BLANKS = ("Blank, None and NaN cells are skipped; zeros count (Excel AVERAGE). No values "
               "at all -> E-EMPTY (None; Excel #DIV/0!). Text or booleans -> E-TYPE.")
SHRINK_BASES = ("book", "sales")
TURNOVER_BAND = ("Higher is better only within the industry's normal band: very high turnover "
                 "can mean stock-outs. Metadata may set the direction to target_is_best.")


def _no_negatives(values: np.ndarray, name: str) -> None:
    if values.size and values.min() < 0:
        bad = float(values[values < 0][0])
        raise NegativeValueError.bad(name, int(bad) if bad.is_integer() else bad,
                                     "must not be negative")


def _mean(values: Any, name: str, *, allow_negative: bool) -> float:
    vals = value_array(values, name)
    if not allow_negative:
        _no_negatives(vals, name)
    if vals.size == 0:
        raise EmptyInputError(f"E-EMPTY: argument {name!r} has no values", argument=name)
    return float(vals.mean())


# --- Shipping -----------------------------------------------------------------------------

@kpi(
    excel="KPI_AVG_SHIPPING_COST", name="Average monthly shipping cost", category="operations",
    level="operational", indicator="lagging", unit="currency", direction="lower_is_better",
    description="Mean of monthly shipping cost totals (Excel AVERAGE semantics: blanks "
                "skipped, zero months counted).",
    formula="sum(monthly_costs) / count(non-blank monthly_costs)",
    params={"monthly_costs": ("range", "Shipping cost totals, one cell per month; each >= 0.")},
    blanks=MEAN_BLANKS,
    edge_cases=("no numeric months -> E-EMPTY", "a negative cost -> E-NEG",
                "a zero month counts (it lowers the average)"),
    examples=(Example(([4_200, 3_900, None, 4_500],), 4_200.0, note="12,600 / 3 months"),
              Example(([4_200, 0],), 2_100.0, note="a zero month is a value"),
              Example(([None, None],), error="E-EMPTY"),
              Example(([4_200, -10],), error="E-NEG"),
              Example(([4_200, "n/a"],), error="E-TYPE")),
    references=("[ms-average]",),
    rollup=mean_of("monthly_costs", check=_no_negatives),
    native="AVERAGE({monthly_costs})",
)
def avg_monthly_shipping_cost(monthly_costs: Any) -> float:
    """
    >>> avg_monthly_shipping_cost([4_200, 3_900, None, 4_500])
    4200.0
    >>> avg_monthly_shipping_cost([None]) is None
    True
    """
    return _mean(monthly_costs, "monthly_costs", allow_negative=False)


@kpi(
    excel="KPI_SHIPPING_PER_ORDER", name="Shipping cost per order", kind="variant",
    variant_of="avg_monthly_shipping_cost", category="operations", level="operational",
    indicator="lagging", unit="currency", direction="lower_is_better",
    description="Shipping cost per order: total shipping cost / number of orders shipped in "
                "the same period.",
    formula="total_cost / orders",
    params={"total_cost": ("amount", "Total shipping cost for the period; must be >= 0."),
            "orders": ("count", "Orders shipped in the same period.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("orders = 0 -> E-DIV0", "negative cost or orders, fractional orders -> E-NEG"),
    examples=(Example((12_600, 3_150), 4.0),
              Example(([4_200, 3_900, None, 4_500], 3_150), 4.0, note="monthly costs summed"),
              Example((12_600, 0), error="E-DIV0"), Example((-1, 3_150), error="E-NEG"),
              Example((12_600, None), error="E-MISSING")),
    references=("[ms-average]",),
    rollup=sums("total_cost", "orders"),
    native="SUM({total_cost})/SUM({orders})",
)
def shipping_per_order(total_cost: Any, orders: Any) -> float:
    """
    >>> shipping_per_order(12_600, 3_150)
    4.0
    """
    return per(total_cost, "total_cost", orders, "orders")


# --- Shrinkage ----------------------------------------------------------------------------

def _book_physical(book_inventory: Any, physical_inventory: Any) -> tuple[float, float]:
    book = amount(book_inventory, "book_inventory")
    physical = nonnegative(amount(physical_inventory, "physical_inventory"), "physical_inventory")
    return book, physical


def _shrinkage_rate_rollup(fn: Callable[..., Any]) -> Rollup:
    """Book, physical and sales are summed; the rate is recomputed from the totals (a
    book-weighted rate on the book basis, total shrink / total sales on the sales basis)."""

    def prepare(book_inventory: Any, physical_inventory: Any, sales: Any = None,
                basis: str = "book", **_: Any) -> dict[str, np.ndarray]:
        book = np.asarray(book_inventory, dtype=float)
        out = {"book_inventory": book,
               "physical_inventory": np.asarray(physical_inventory, dtype=float)}
        if choice(basis, "basis", SHRINK_BASES) == "sales":
            if sales is None:
                raise MissingValueError("E-MISSING: the sales basis needs a 'sales' column",
                                        argument="sales")
            out["sales"] = np.asarray(sales, dtype=float)
        else:
            out["sales"] = np.zeros(book.shape)
        return out

    def finalize(book_inventory: float, physical_inventory: float, sales: float,
                 basis: str = "book") -> float:
        sales_total = sales if choice(basis, "basis", SHRINK_BASES) == "sales" else None
        return fn(book_inventory, physical_inventory, sales_total, basis=basis)

    return Rollup(components=("book_inventory", "physical_inventory", "sales"), prepare=prepare,
                  finalize=finalize, numerator=("book_inventory", "physical_inventory"),
                  denominator=("book_inventory", "sales"))


@kpi(
    excel="KPI_SHRINKAGE_RATE", name="Inventory shrinkage rate", category="operations",
    level="operational", indicator="lagging", unit="ratio", direction="lower_is_better",
    description="Inventory shrinkage rate. basis 'book' (default): (book - physical) / book. "
                "basis 'sales' (retail/NRF style): (book - physical) / sales. Negative = swell.",
    formula="book: (book_inventory - physical_inventory) / book_inventory; "
            "sales: (book_inventory - physical_inventory) / sales",
    params={"book_inventory": ("amount", "Recorded (book) inventory value; must be > 0."),
            "physical_inventory": ("amount", "Counted (physical) inventory value on the same "
                                             "valuation (cost or retail); >= 0."),
            "sales": ("amount", "Sales for the period, same valuation; required for the sales "
                                "basis, ignored for the book basis."),
            "basis": Param("basis", "'book' (default): shrink / book inventory; 'sales': "
                           "shrink / sales (retail, NRF style).", kind="text",
                           choices=SHRINK_BASES)},
    blanks=AMOUNT_BLANKS + " A blank sales is E-MISSING on the sales basis only; a blank "
           "basis means 'book'.",
    edge_cases=("book_inventory <= 0 -> E-DOMAIN",
                "physical > book gives a negative rate (swell); allowed",
                "negative physical inventory or sales -> E-NEG",
                "sales basis: sales = 0 -> E-DIV0, sales blank -> E-MISSING",
                "basis other than 'book'/'sales' -> E-DOMAIN"),
    examples=(Example((5_200, 4_900), 0.057692307692307696,
                      note="cin7 prints 5.7%; the exact value is 5.769...%"),
              Example((115_000, 100_000, 1_000_000), 0.015, kwargs={"basis": "sales"},
                      note="15,000 shrink on 1,000,000 sales"),
              Example((4_900, 5_200), -0.061224489795918366, note="swell: physical > book"),
              Example((0, 10), error="E-DOMAIN"), Example((100, -1), error="E-NEG"),
              Example((115_000, 100_000, 0), error="E-DIV0", kwargs={"basis": "sales"}),
              Example((115_000, 100_000), error="E-MISSING", kwargs={"basis": "sales"}),
              Example((5_200, 4_900), error="E-DOMAIN", kwargs={"basis": "retail"})),
    references=("[cin7-shrink]", "[ehow-shrink]", "[mfp-shrink]", "[setupmyhotel-shrink]",
                "[mangoreport-shrink]"),
    rollup=_shrinkage_rate_rollup,
    native='IF(LOWER(TRIM({basis}))="sales",(SUM({book_inventory})-SUM({physical_inventory}))'
           '/SUM({sales}),(SUM({book_inventory})-SUM({physical_inventory}))'
           '/SUM({book_inventory}))',
    variants=SHRINK_BASES,
    valuation_note="State whether inventory and sales are valued at cost or at retail.",
)
def inventory_shrinkage_rate(book_inventory: Any, physical_inventory: Any, sales: Any = None,
                             *, basis: str = "book") -> float:
    """
    >>> inventory_shrinkage_rate(5_200, 4_900)
    0.057692307692307696
    >>> inventory_shrinkage_rate(115_000, 100_000, 1_000_000, basis="sales")
    0.015
    """
    kind = choice(basis, "basis", SHRINK_BASES)
    book, physical = _book_physical(book_inventory, physical_inventory)
    if book <= 0:
        raise DomainError.bad("book_inventory", book, "recorded inventory must be > 0")
    if kind == "sales":
        s = nonnegative(amount(sales, "sales"), "sales")
        return divide(book - physical, s, "sales")
    return (book - physical) / book


@kpi(
    excel="KPI_SHRINKAGE_VALUE", name="Inventory shrinkage value", category="operations",
    level="operational", indicator="lagging", unit="currency", direction="lower_is_better",
    description="Value of inventory lost: recorded (book) inventory - counted (physical) "
                "inventory. Negative means swell (more counted than recorded).",
    formula="book_inventory - physical_inventory",
    params={"book_inventory": ("amount", "Recorded (book) inventory value; >= 0."),
            "physical_inventory": ("amount", "Counted (physical) inventory value; >= 0.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("physical > book gives a negative value (swell); allowed",
                "negative inventory values -> E-NEG"),
    examples=(Example((5_200, 4_900), 300.0), Example((4_900, 5_200), -300.0, note="swell"),
              Example((-1, 0), error="E-NEG"), Example((5_200, None), error="E-MISSING")),
    references=("[cin7-shrink]",),
    rollup=sums("book_inventory", "physical_inventory"),
    native="SUM({book_inventory})-SUM({physical_inventory})",
)
def inventory_shrinkage_value(book_inventory: Any, physical_inventory: Any) -> float:
    """
    >>> inventory_shrinkage_value(5_200, 4_900)
    300.0
    """
    book, physical = _book_physical(book_inventory, physical_inventory)
    nonnegative(book, "book_inventory")
    return book - physical


@kpi(
    excel="KPI_SHRINKAGE_AVG", name="Average inventory shrinkage value", kind="variant",
    variant_of="inventory_shrinkage_value", category="operations", level="operational",
    indicator="lagging", unit="currency", direction="lower_is_better",
    description="Average shrinkage value over stock counts or periods (the seed's 'lost "
                "inventory average value'), with Excel AVERAGE semantics.",
    formula="sum(values) / count(non-blank values)",
    params={"values": ("range", "Shrinkage values (book - physical), one cell per count or "
                                "period; negative values (swell) are allowed.")},
    blanks=MEAN_BLANKS,
    edge_cases=("no values -> E-EMPTY", "negative values (swell) are allowed"),
    examples=(Example(([300, 450, 150],), 300.0),
              Example(([300, None, -100],), 100.0, note="blank skipped; swell counts"),
              Example(([None],), error="E-EMPTY"), Example(([300, "x"],), error="E-TYPE")),
    references=("[cin7-shrink]", "[ms-average]"),
    rollup=mean_of("values"),
    native="AVERAGE({values})",
)
def shrinkage_avg(values: Any) -> float:
    """
    >>> shrinkage_avg([300, 450, 150])
    300.0
    """
    return _mean(values, "values", allow_negative=True)


# --- Turnover -----------------------------------------------------------------------------

def _turnover_rollup(fn: Callable[..., Any]) -> Rollup:
    def prepare(cogs: Any, **_: Any) -> dict[str, np.ndarray]:
        return {"cogs": np.asarray(cogs, dtype=float)}

    def finalize(cogs: float, inventory_begin: Any = None, inventory_end: Any = None) -> float:
        return fn(cogs, inventory_begin, inventory_end)

    return Rollup(components=("cogs",), prepare=prepare, finalize=finalize,
                  numerator=("cogs",), denominator=())


@kpi(
    excel="KPI_INVENTORY_TURNOVER", name="Inventory turnover", category="operations",
    level="operational", indicator="lagging", unit="multiple", direction="higher_is_better",
    band_note=TURNOVER_BAND,
    description="Times inventory is sold through in the period: COGS / average inventory, "
                "average = (begin + end) / 2; with one inventory value that value is used.",
    formula="cogs / ((inventory_begin + inventory_end) / 2)",
    params={"cogs": ("amount", "Cost of goods sold for the period; >= 0."),
            "inventory_begin": ("number", "Inventory (at cost) at the start of the period; >= 0."),
            "inventory_end": ("number", "Inventory at the end; omit to use inventory_begin "
                                        "alone (e.g. an average you computed).")},
    blanks="cogs and inventory_begin blank -> E-MISSING (None; #N/A); a blank inventory_end "
           "means 'not given' and inventory_begin is used alone.",
    edge_cases=("average inventory <= 0 -> E-DOMAIN", "negative COGS or inventory -> E-NEG",
                "revenue in place of COGS is a practitioner variant, not the default"),
    examples=(Example((600_000, 140_000, 160_000), 4.0),
              Example((600_000, 150_000), 4.0, note="one (average) inventory value"),
              Example((600_000, 0, 0), error="E-DOMAIN"),
              Example((600_000, -10, 160_000), error="E-NEG"),
              Example((None, 140_000, 160_000), error="E-MISSING")),
    references=("[dqydj-turnover]", "[asystems-turnover]"),
    rollup=_turnover_rollup,
    native="SUM({cogs})/AVERAGE({inventory_begin},{inventory_end})",
    aggregation_note="COGS (a flow) is summed over the group's rows; inventory (a stock) is "
                     "given once per group as options and never summed.",
)
def inventory_turnover(cogs: Any, inventory_begin: Any, inventory_end: Any = None) -> float:
    """
    >>> inventory_turnover(600_000, 140_000, 160_000)
    4.0
    """
    c = nonnegative(amount(cogs, "cogs"), "cogs")
    begin = nonnegative(number(inventory_begin, "inventory_begin"), "inventory_begin")
    end = optional_number(inventory_end, "inventory_end")
    if end is None:
        avg, name = begin, "inventory_begin"
    else:
        avg, name = (begin + nonnegative(end, "inventory_end")) / 2, "inventory_end"
    if avg <= 0:
        raise DomainError.bad(name, avg, "average inventory must be > 0")
    return c / avg


@kpi(
    excel="KPI_DAYS_INVENTORY", name="Days of inventory", kind="helper",
    variant_of="inventory_turnover", category="operations", level="operational",
    indicator="lagging", unit="periods", direction="lower_is_better", band_note=TURNOVER_BAND,
    description="Days of inventory on hand: days in period / inventory turnover (365 for a "
                "year, 91 for a quarter).",
    formula="days_in_period / turnover",
    params={"turnover": ("number", "Inventory turnover for the period (KPI_INVENTORY_TURNOVER); "
                                   "must be > 0."),
            "days_in_period": ("number", "Days in the period the turnover covers: 365 (year, "
                                         "default), 91 (quarter).")},
    blanks="A blank turnover is E-MISSING (None; #N/A); a blank days_in_period means 365.",
    edge_cases=("turnover = 0 -> E-DIV0 (never infinite days)", "turnover < 0 -> E-DOMAIN",
                "days_in_period <= 0 -> E-DOMAIN"),
    examples=(Example((4,), 91.25), Example((4, 91), 22.75, note="quarterly"),
              Example((0,), error="E-DIV0"), Example((-4,), error="E-DOMAIN"),
              Example((4, 0), error="E-DOMAIN"), Example((None,), error="E-MISSING")),
    references=("[dqydj-turnover]",),
    native='IF({days_in_period}="",365,{days_in_period})/{turnover}',
    returns="days (the unit of days_in_period)",
)
def days_inventory(turnover: Any, days_in_period: Any = 365) -> float:
    """
    >>> days_inventory(4)
    91.25
    >>> days_inventory(4, 91)
    22.75
    """
    t = number(turnover, "turnover")
    days = optional_number(days_in_period, "days_in_period", 365.0)
    assert days is not None
    if days <= 0:
        raise DomainError.bad("days_in_period", days, "must be > 0")
    if t < 0:
        raise DomainError.bad("turnover", t, "inventory turnover must be >= 0")
    return divide(days, t, "turnover")
