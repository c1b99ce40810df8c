"""The KPI catalog: every KPI and helper, defined once (function + metadata).

>>> from kpi_xl import catalog
>>> catalog.get("nps").excel_name
'KPI_NPS'
>>> catalog.get("KPI_CTR").id
'click_through_rate'
"""

from __future__ import annotations

# Importing the entry modules registers their definitions, in spec order.
from kpi_xl.catalog import (  # noqa: F401
    finance,
    marketing,
    operations,
    saas,
    sales,
    service,
    targets,
    uncertainty,
    website,
)
from kpi_xl.catalog.schema import REGISTRY, Example, KpiDef, Param, Rollup
from kpi_xl.core.errors import UnknownKpiError

__all__ = ["Example", "KpiDef", "Param", "Rollup", "all_entries", "categories", "get", "ids"]


def all_entries(*, category: str | None = None, kind: str | None = None) -> tuple[KpiDef, ...]:
    """Every catalog entry in spec order, optionally filtered by category or kind."""
    return tuple(d for d in REGISTRY.values()
                 if (category is None or d.category == category.lower())
                 and (kind is None or d.kind == kind))


def ids() -> tuple[str, ...]:
    return tuple(REGISTRY)


def categories() -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for d in REGISTRY.values():
        seen.setdefault(d.category, None)
    return tuple(seen)


def get(key: str) -> KpiDef:
    """Look an entry up by id, alias or Excel name (case-insensitive)."""
    k = key.strip()
    if k in REGISTRY:
        return REGISTRY[k]
    low, up = k.lower(), k.upper()
    for d in REGISTRY.values():
        if d.id == low or d.excel_name == up or low in d.aliases:
            return d
    raise UnknownKpiError(f"unknown KPI {key!r}; run 'kpi-xl list' to see the catalog",
                          argument="kpi", value=key)


