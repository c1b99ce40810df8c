"""Headless recalculation of workbooks: read, evaluate (ordinary formulas and KPI_* calls),
patch the values in place.

The package is callable, so the Python API reads as documented:

>>> import kpi_xl
>>> callable(kpi_xl.recalc)
True

``kpi_xl.recalc(path, output=None, ...)`` is :func:`kpi_xl.recalc.api.recalc`; it returns a
:class:`~kpi_xl.recalc.api.RecalcReport`. Submodules load lazily (the evaluator pulls in
openpyxl's tokenizer).
"""

from __future__ import annotations

import sys
import types
from typing import Any

__all__ = ["RecalcReport", "recalc"]


def __getattr__(name: str) -> Any:
    if name in ("recalc", "RecalcReport"):
        from kpi_xl.recalc import api

        return getattr(api, name)
    raise AttributeError(f"module 'kpi_xl.recalc' has no attribute {name!r}")


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from kpi_xl.recalc.api import recalc

        return recalc(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
