"""Build :class:`~kpi_xl.recalc.model.WorkbookModel` objects directly in Python for the
evaluator's unit tests (no files needed).

>>> r = calc({"S": {"A1": 2, "B1": "=A1*3"}})
>>> r["S!B1"]
6.0
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

import numpy as np

from kpi_xl.recalc.evaluator import EvalResult, Limits, evaluate
from kpi_xl.recalc.model import (
    DefinedName,
    ExcelError,
    FormulaCell,
    SheetModel,
    TableModel,
    WorkbookModel,
)
from kpi_xl.recalc.refs import a1, parse_cell

TODAY = _dt.date(2024, 3, 15)


def book(sheets: Mapping[str, Mapping[str, Any]], *, names: Mapping[str, Any] | None = None,
         tables: list[TableModel] | None = None, arrays: Mapping[str, str] | None = None,
         date1904: bool = False) -> WorkbookModel:
    """``sheets``: sheet -> {"A1": value or "=formula"}. Error values: ``ExcelError``.
    ``names``: name -> text, or name -> (text, local sheet). ``arrays``: "S!C1" -> the
    array formula's range ("C1:C3")."""
    out = {}
    for name, cells in sheets.items():
        coords = {}
        for ref, v in cells.items():
            c = parse_cell(ref.replace("$", ""))
            assert c is not None, ref
            coords[(c[0], c[1])] = v
        nr = max((r for r, _ in coords), default=0) + 1
        nc = max((c for _, c in coords), default=0) + 1
        vals = np.full((nr, nc), None, dtype=object)
        formulas = {}
        for (r, c), v in coords.items():
            if isinstance(v, str) and v.startswith("=") and not isinstance(v, ExcelError):
                key = f"{name}!{a1(r, c)}"
                formulas[(r, c)] = FormulaCell(r, c, v[1:], None, (arrays or {}).get(key))
            else:
                vals[r, c] = float(v) if isinstance(v, int) and not isinstance(v, bool) else v
        out[name] = SheetModel(name, f"xl/worksheets/{name}.xml", vals, formulas)
    dnames = {}
    for n, spec in (names or {}).items():
        text, local = (spec, None) if isinstance(spec, str) else spec
        dnames[n.upper() if local is None else f"{local}!{n}".upper()] = DefinedName(n, text, local)
    tbls = {t.name.upper(): t for t in (tables or [])}
    return WorkbookModel("test.xlsx", out, dnames, tbls, {}, date1904)


class Result(dict):  # type: ignore[type-arg]
    """Values by ``"Sheet!A1"``, plus the raw :class:`EvalResult` as ``.raw``."""

    raw: EvalResult


def calc(sheets: Mapping[str, Mapping[str, Any]], *, today: _dt.date = TODAY,
         limits: Limits | None = None, **kw: Any) -> Result:
    raw = evaluate(book(sheets, **kw), today=today, limits=limits)
    out = Result({f"{s}!{a1(r, c)}": v for (s, r, c), v in raw.values.items()})
    out.raw = raw
    return out


def one(formula: str, cells: Mapping[str, Any] | None = None, **kw: Any) -> Any:
    """The value of one formula written in ``S!Z99`` of a sheet holding ``cells``."""
    sheet = dict(cells or {})
    sheet["Z99"] = formula if formula.startswith("=") else "=" + formula
    r = calc({"S": sheet}, **kw)
    if "S!Z99" not in r:
        return ("unsupported", r.raw.unsupported, r.raw.errors, r.raw.cycles)
    return r["S!Z99"]


def err(code: str) -> ExcelError:
    return ExcelError(code)
