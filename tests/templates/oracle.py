"""Shared checks: build a template, recalculate it in LibreOffice, compare with the core."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from kpi_xl.templates import formulas as fx
from kpi_xl.templates.builder import Built, build
from kpi_xl.templates.evaluate import Evaluator
from kpi_xl.templates.libreoffice import available, recalculate
from kpi_xl.templates.registry import get_template

FIRST = "2025-01-01"
ERRORS = ("#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "Err:")


@pytest.fixture
def need_libreoffice() -> None:
    """LibreOffice tests run, never skip, in CI (CI=true): a missing soffice fails there.

    A fixture here, imported by the test modules, rather than a tests/templates/conftest.py:
    under ``--doctest-modules`` pytest 9 imports every non-package conftest.py as the module
    ``conftest``, so a second one next to tests/excel/conftest.py fails collection.
    """
    if available():
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("LibreOffice (soffice) is required when CI=true")
    pytest.skip("LibreOffice (soffice) is not installed")


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
    out = {f"kpi_{k.id}": ev.value(k, month) for k in built.kpis}
    for b in built.spec.breakdowns:  # share cells of e.g. sales by region
        for group, (_, share) in ev.breakdown(b, month).items():
            out[b.defined_name(group)] = share
    return out


__all__ = ["FIRST", "close", "defined_values", "errors_in", "expected_values", "formula_cells",
           "fx", "make", "need_libreoffice", "recalc"]
