"""kpi-xl: KPI math for Python and Excel.

Every KPI in the catalog is a plain function here, e.g.

>>> import kpi_xl
>>> kpi_xl.nps([10, 9, 9, 8, 7, 6, 5, 10, 3, 9])
20.0
>>> kpi_xl.conversion_rate(150, 6_000)
0.025

Metadata for each one lives with its definition: ``kpi_xl.catalog.get("nps")``.
KPI tables over a DataFrame: ``kpi_xl.kpi_table`` (imports pandas on first use);
headless recalculation of workbooks: ``kpi_xl.recalc(path, output=None, ...)``.
"""

from __future__ import annotations

from typing import Any

from kpi_xl import catalog
from kpi_xl.catalog.finance import *  # noqa: F403
from kpi_xl.catalog.marketing import *  # noqa: F403
from kpi_xl.catalog.operations import *  # noqa: F403
from kpi_xl.catalog.saas import *  # noqa: F403
from kpi_xl.catalog.sales import *  # noqa: F403
from kpi_xl.catalog.schema import REGISTRY as _REGISTRY
from kpi_xl.catalog.service import *  # noqa: F403
from kpi_xl.catalog.targets import *  # noqa: F403
from kpi_xl.catalog.uncertainty import *  # noqa: F403
from kpi_xl.catalog.website import *  # noqa: F403
from kpi_xl.core.errors import (
    DivisionByZeroError,
    DomainError,
    EmptyInputError,
    KpiError,
    KpiTypeError,
    KpiValueError,
    MissingValueError,
    NegativeValueError,
    NoResultError,
    OutOfRangeError,
    SubsetError,
)

__version__ = "0.1.0"

_ERRORS = [
    "DivisionByZeroError", "DomainError", "EmptyInputError", "KpiError", "KpiTypeError",
    "KpiValueError", "MissingValueError", "NegativeValueError", "NoResultError",
    "OutOfRangeError", "SubsetError",
]

# Aliases named in the catalog (kpi_xl.growth is kpi_xl.revenue_growth, ...): bound from the
# metadata so they are never written twice.
for _d in _REGISTRY.values():
    for _alias in _d.aliases:
        globals()[_alias] = _d.function

__all__ = sorted(
    [*_REGISTRY, *(a for d in _REGISTRY.values() for a in d.aliases), *_ERRORS,
     "catalog", "kpi_table", "recalc", "__version__"]
)


def __getattr__(name: str) -> Any:
    # The DataFrame face needs pandas; load it only when asked for.
    if name == "kpi_table":
        from kpi_xl.frame import kpi_table

        return kpi_table
    if name == "recalc":  # the callable recalc package: kpi_xl.recalc(path, ...)
        import kpi_xl.recalc

        return kpi_xl.recalc
    raise AttributeError(f"module 'kpi_xl' has no attribute {name!r}")
