"""The KPI catalog: every KPI and helper, defined once (function + metadata).

>>> from kpi_xl import catalog
>>> catalog.get("nps").excel_name
'KPI_NPS'
>>> catalog.get("KPI_CTR").id
'click_through_rate'
"""

from __future__ import annotations

import importlib

from kpi_xl.catalog.schema import REGISTRY, Example, KpiDef, Param, Rollup
from kpi_xl.core.errors import UnknownKpiError

#: Entry modules in spec order (§3.1–§3.7, then §4/§9 helpers and uncertainty); importing
#: them registers their definitions, so this order is the catalog's order.
ENTRY_MODULES = ("finance", "saas", "marketing", "website", "sales", "service", "operations",
                 "targets", "uncertainty")
for _module in ENTRY_MODULES:
    importlib.import_module(f"{__name__}.{_module}")

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


