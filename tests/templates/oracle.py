"""Shared checks: build a template, recalculate it in LibreOffice, compare with the core."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from kpi_xl.templates import formulas as fx
from kpi_xl.templates.builder import Built, build
from kpi_xl.templates.evaluate import Evaluator
from kpi_xl.templates.libreoffice import recalculate
from kpi_xl.templates.registry import get_template

FIRST = "2025-01-01"
ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "Err:")


def make(name: str, tmp: Path, **kw: Any) -> Built:
    kw.setdefault("first_month", FIRST)
    kw.setdefault("seed", 7)
    return build(get_template(name), tmp / f"{name}-{kw.get('mode', 'native')}.xlsx", **kw)


def recalc(built: Built, tmp: Path) -> Path:
    return recalculate(built.path, tmp / "lo")


def formula_cells(path: Path) -> dict[tuple[str, str], str]:
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    out[(ws.title, c.coordinate)] = str(c.value)
    return out


def errors_in(recalculated: Path, cells: dict[tuple[str, str], str]) -> dict[tuple[str, str], Any]:
    wb = openpyxl.load_workbook(recalculated, data_only=True)
    bad = {}
    for (sheet, coord) in cells:
        v = wb[sheet][coord].value
        if isinstance(v, str) and v.startswith(ERRORS) and v != "#N/A":
            bad[(sheet, coord)] = v
    return bad


def read_tables(recalculated: Path, built: Built) -> dict[str, pd.DataFrame]:
    frames = {}
    for t in built.spec.tables:
        df = pd.read_excel(recalculated, sheet_name=t.name, engine="openpyxl")
        frames[t.name] = df.dropna(how="all")
    return frames


def defined_values(recalculated: Path) -> dict[str, Any]:
    wb = openpyxl.load_workbook(recalculated, data_only=True)
    out = {}
    for name, dn in wb.defined_names.items():
        if not name.startswith("kpi_"):
            continue
        (sheet, coord), = list(dn.destinations)
        out[name] = wb[sheet][coord.replace("$", "")].value
    return out


def close(a: Any, b: Any) -> bool:
    if b is None:
        return a in (None, "#N/A")
    if not isinstance(a, (int, float)):
        return False
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def expected_values(built: Built, recalculated: Path) -> dict[str, Any]:
    frames = read_tables(recalculated, built)
    ev = Evaluator(built.spec, frames, pd.Timestamp(built.first_month))
    month = pd.Period(built.reporting_month, "M")
    return {f"kpi_{k.id}": ev.value(k, month) for k in built.kpis}


__all__ = ["FIRST", "close", "defined_values", "errors_in", "expected_values", "formula_cells",
           "fx", "make", "recalc"]
