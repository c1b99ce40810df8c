"""Excel functions for every catalog entry: the module to name in xlwings' ``UDF Modules``.

``kpi_xl.excel.udfs`` holds one function per catalog entry, named by its Excel name
(``KPI_NPS``, ``KPI_ROI``, ...), plus ``KPI_CATALOG()``. They are generated from the registry
when the module is imported, so a new catalog entry is a new Excel function without any
change here. The same module serves

* desktop Excel on Windows (xlwings' COM runtime, ``xlwings addin install`` then *Import
  Functions*), and
* the Office.js runtimes, xlwings Lite and xlwings Server (``XLWINGS_ON_SERVER=true``
  selects xlwings' Office.js decorators when xlwings is imported).

Only options both runtimes understand are used: ``doc``, ``ndim=2`` and ``err_to_str=True``
on every argument, the function's docstring as its description and the category ``KPI``
(read by the COM runtime only). How arguments and results are converted is described in
:mod:`kpi_xl.excel.adapter`.

Without an Excel runtime (plain Python on Linux/macOS) the decorators do nothing and the
functions can be called directly with 2-D lists:

>>> from kpi_xl.excel.udfs import KPI_NPS
>>> KPI_NPS([[10], [9], [9], [8], [7], [6], [5], [10], [3], [9]])
20.0
>>> KPI_NPS([[10], ["#N/A"]])
'#N/A'
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import xlwings as xw

from kpi_xl.core.errors import KpiError
from kpi_xl.excel.adapter import (
    CATALOG_FUNCTION,
    ERROR_VALUES,
    ExcelFunction,
    catalog_table,
    clip,
    excel_functions,
)

#: Function Wizard category (COM runtime).
CATEGORY = "KPI"
#: How every argument is read: a 2-D list, error cells as their text ("#DIV/0!").
ARG_OPTIONS: dict[str, Any] = {"ndim": 2, "err_to_str": True}


def _udf(name: str, doc: str, signature: inspect.Signature,
         call: Callable[..., Any]) -> Callable[..., Any]:
    """A plain function named ``name`` with ``signature``, for xlwings to decorate."""

    def udf(*args: Any) -> Any:
        return call(*args)

    udf.__name__ = udf.__qualname__ = name
    udf.__doc__ = doc
    udf.__module__ = __name__
    udf.__signature__ = signature  # type: ignore[attr-defined]
    udf.__annotations__ = {}  # no type hints: xlwings must not pick converters from them
    return udf


def _decorate(udf: Callable[..., Any], arg_docs: dict[str, str]) -> Callable[..., Any]:
    for arg, doc in arg_docs.items():
        udf = xw.arg(arg, doc=doc, **ARG_OPTIONS)(udf)
    return xw.func(category=CATEGORY)(udf)


def _build(adapters: tuple[ExcelFunction, ...]) -> dict[str, Callable[..., Any]]:
    functions: dict[str, Callable[..., Any]] = {}
    for fn in adapters:
        if fn.name in functions or fn.name == CATALOG_FUNCTION:
            raise ValueError(f"Excel name {fn.name} is used twice")
        udf = _udf(fn.name, fn.doc, fn.signature, fn)
        functions[fn.name] = _decorate(udf, {p.name: p.doc() for p in fn.params})
    functions[CATALOG_FUNCTION] = _catalog_udf()
    return functions


def _catalog_udf() -> Callable[..., Any]:
    from kpi_xl import catalog

    def call(category: Any = None) -> Any:
        if isinstance(category, (list, tuple)):
            cells = [v for row in category for v in (row if isinstance(row, (list, tuple)) else [row])]
            if len(cells) != 1:
                return "#VALUE!"
            category = cells[0]
        if isinstance(category, str) and category.startswith("#") and category in ERROR_VALUES:
            return category  # an error in the category cell propagates
        try:
            return catalog_table(category)
        except KpiError as exc:
            return exc.excel

    signature = inspect.Signature([inspect.Parameter(
        "category", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None)])
    udf = _udf(CATALOG_FUNCTION,
               "The kpi-xl catalog as a table with a header row: function, syntax, name, "
               "category, unit, number format, formula and description of every KPI.",
               signature, call)
    return _decorate(udf, {"category": clip(
        "Optional: list only this category (" + ", ".join(catalog.categories()) + ").")})


#: The adapters behind the functions, by Excel name (for tests and benchmarks).
ADAPTERS: dict[str, ExcelFunction] = {f.name: f for f in excel_functions()}

_FUNCTIONS = _build(tuple(ADAPTERS.values()))
globals().update(_FUNCTIONS)

#: Every Excel function of this module (``from kpi_xl.excel.udfs import *`` in xlwings Lite).
__all__ = list(_FUNCTIONS)
