"""The in-memory workbook model shared by the reader, the evaluator and the writer.

Coordinates are 0-based ``(row, col)``; sheet names are as in the workbook. Cell values are
``float`` (numbers and dates as serials), ``str``, ``bool``, ``None`` (blank) or
:class:`ExcelError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "ERROR_CODES",
    "CellRef",
    "DefinedName",
    "ExcelError",
    "FormulaCell",
    "SheetModel",
    "TableModel",
    "WorkbookModel",
]

CellRef = tuple[int, int]

ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
               "#GETTING_DATA", "#SPILL!", "#CALC!")


class ExcelError(str):
    """An Excel error value such as ``#DIV/0!`` (a ``str`` subclass, so it prints as itself,
    but never equal-by-type to ordinary text: check ``isinstance(v, ExcelError)``)."""

    __slots__ = ()

    def __new__(cls, code: str) -> ExcelError:
        if code not in ERROR_CODES:
            raise ValueError(f"not an Excel error value: {code!r}")
        return super().__new__(cls, code)

    def __repr__(self) -> str:
        return f"ExcelError({str(self)!r})"


@dataclass(slots=True)
class FormulaCell:
    """A formula as stored in the file (text without the leading ``=``, ``_xlfn.`` kept)."""

    row: int
    col: int
    text: str
    shared_index: int | None = None  # the ``si`` of a shared-formula group (master or child)
    array_ref: str | None = None  # the ``ref`` of an array formula (``t="array"``)
    cached: Any = None  # the cached value in the file (what Excel last computed)


@dataclass
class SheetModel:
    name: str
    part: str  # zip member, e.g. "xl/worksheets/sheet1.xml"
    values: np.ndarray  # 2-D object array, rows x cols, covering the used range from A1
    formulas: dict[CellRef, FormulaCell] = field(default_factory=dict)


@dataclass
class TableModel:
    name: str  # the table's name (displayName)
    sheet: str
    ref: str  # e.g. "A1:D101", header row included
    columns: list[str]
    header_rows: int = 1
    totals_rows: int = 0
    calculated: dict[str, str] = field(default_factory=dict)  # column -> calculatedColumnFormula


@dataclass
class DefinedName:
    name: str
    text: str  # what it refers to: "Sheet1!$A$1:$A$10", "0.1", a formula
    local_sheet: str | None = None  # None: workbook scope


@dataclass
class WorkbookModel:
    path: str
    sheets: dict[str, SheetModel]  # in workbook order
    defined_names: dict[str, DefinedName] = field(default_factory=dict)  # key: upper-cased name
    tables: dict[str, TableModel] = field(default_factory=dict)  # key: upper-cased name
    external_links: dict[int, str] = field(default_factory=dict)  # [n]! index -> target file
    date1904: bool = False
