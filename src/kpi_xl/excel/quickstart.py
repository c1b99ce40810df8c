"""``kpi-xl excel quickstart``: a ready workbook for the Excel functions.

The workbook has

* an ``Examples`` sheet with one working formula per KPI category next to its sample data,
  built from the catalog's worked examples (the first entry of each category whose example
  fits in cells), with the value kpi-xl's Python core gives for the same inputs, and
* an ``xlwings.conf`` sheet setting ``UDF Modules`` to :data:`UDF_MODULE`.

The default ``.xlsm`` starts from the ``quickstart.xlsm`` that ships with xlwings (the file
``xlwings quickstart`` copies): its VBA project holds the reference to the xlwings add-in that
the functions imported by *Import Functions* need on Windows. ``macro=False`` writes a plain
``.xlsx`` for xlwings Lite and xlwings Server, which need no VBA.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from kpi_xl import catalog
from kpi_xl.catalog.schema import Example, KpiDef
from kpi_xl.excel.adapter import ExcelFunction
from kpi_xl.fsutil import atomic_path

__all__ = ["CONF_SHEET", "EXAMPLES_SHEET", "UDF_MODULE", "Block", "build_workbook",
           "example_blocks", "write_quickstart"]

#: The module users name in xlwings' ``UDF Modules`` setting.
UDF_MODULE = "kpi_xl.excel.udfs"
EXAMPLES_SHEET = "Examples"
CONF_SHEET = "xlwings.conf"

_KIND_ORDER = {"kpi": 0, "variant": 1, "helper": 2, "uncertainty": 3}
_SCALARS = (int, float, str, bool, dt.date, type(None))
_FIRST_ROW = 5
_BOLD = Font(bold=True)


@dataclass(frozen=True)
class Block:
    """One category's example: the entry, its worked example and the Excel arguments."""

    category: str
    definition: KpiDef
    example: Example
    values: tuple[Any, ...]  # one per Excel argument up to the last given; _MISSING if left out

    @property
    def function(self) -> ExcelFunction:
        return ExcelFunction(self.definition)

    @property
    def expected(self) -> tuple[Any, ...]:
        value = self.example.expected
        return tuple(value) if isinstance(value, (tuple, list)) else (value,)

    @property
    def height(self) -> int:
        lengths = [len(v) for v in self.values if isinstance(v, list)]
        return max([3, *(n + 1 for n in lengths)])


_MISSING = object()


def _excel_values(d: KpiDef, ex: Example) -> tuple[Any, ...] | None:
    """The example's arguments in Excel order, or None if they do not fit in cells."""
    values: list[Any] = []
    for i, p in enumerate(d.params):
        if i < len(ex.args):
            v = ex.args[i]
        elif p.name in ex.kwargs:
            v = ex.kwargs[p.name]
        else:
            values.append(_MISSING)
            continue
        if v is None and p.optional:
            values.append(_MISSING)
        elif isinstance(v, (list, tuple)):
            if not all(isinstance(x, _SCALARS) for x in v):
                return None
            values.append([_cell_value(x, p.kind) for x in v])
        elif isinstance(v, _SCALARS):
            values.append(_cell_value(v, p.kind))
        else:
            return None
    while values and values[-1] is _MISSING:
        values.pop()
    return tuple(values)


def _cell_value(value: Any, kind: str) -> Any:
    """A date given as ISO text goes into the sheet as a real date, as a user would have it."""
    if kind in ("date", "dates") and isinstance(value, str):
        with contextlib.suppress(ValueError):
            return dt.datetime.fromisoformat(value.strip())
    return value


def example_blocks(entries: Iterable[KpiDef] | None = None) -> list[Block]:
    """One block per category, in catalog order."""
    entries = tuple(catalog.all_entries() if entries is None else entries)
    blocks: list[Block] = []
    for category in dict.fromkeys(d.category for d in entries):
        candidates = sorted((d for d in entries if d.category == category),
                            key=lambda d: _KIND_ORDER.get(d.kind, 9))
        block = _first_block(category, candidates)
        if block is not None:
            blocks.append(block)
    return blocks


def _first_block(category: str, candidates: Sequence[KpiDef]) -> Block | None:
    for d in candidates:
        for ex in d.examples:
            if ex.error is not None or ex.expected is None:
                continue
            values = _excel_values(d, ex)
            if values is not None and values:
                return Block(category, d, ex, values)
    return None


def build_workbook(*, macro: bool = True, blocks: Sequence[Block] | None = None) -> Workbook:
    """The quickstart workbook (not saved)."""
    if macro:
        wb = load_workbook(xlwings_template(), keep_vba=True)
        # Keep both sheets of the template: their VBA document modules (Sheet1, Sheet2)
        # stay attached. The disabled "_xlwings.conf" becomes the active "xlwings.conf".
        examples, conf = wb.worksheets[0], wb.worksheets[1]
        conf.delete_rows(1, conf.max_row)
    else:
        wb = Workbook()
        examples, conf = wb.active, wb.create_sheet()
    examples.title, conf.title = EXAMPLES_SHEET, CONF_SHEET
    _fill_examples(examples, example_blocks() if blocks is None else blocks)
    # Only the one setting: an entry in the sheet overrides the user's xlwings.conf.
    conf["A1"], conf["B1"] = "UDF Modules", UDF_MODULE
    conf.column_dimensions["A"].width = 16
    conf.column_dimensions["B"].width = 24
    return wb


def xlwings_template() -> Path:
    """xlwings' ``quickstart.xlsm`` (found without importing xlwings, which is slow)."""
    spec = importlib.util.find_spec("xlwings")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        template = Path(folder) / "quickstart.xlsm"
        if template.is_file():
            return template
    raise FileNotFoundError("xlwings' quickstart.xlsm was not found; is xlwings installed? "
                            "(--xlsx writes a workbook without it)")


def _fill_examples(ws: Worksheet, blocks: Sequence[Block]) -> None:
    ws["A1"] = "kpi-xl: one worked example per KPI category"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = ("Result cells call the Python functions of kpi_xl.excel.udfs through xlwings "
                f"(see the {CONF_SHEET} sheet; on Windows click Import Functions on the "
                "xlwings ribbon once). Expected is what kpi-xl's Python core returns for the "
                "same inputs. =KPI_CATALOG() lists every function.")
    width = max([1, *(len(b.expected) for b in blocks)])
    first_input = 4 + width + 1  # column after the results, plus a gap
    for col, header in enumerate(("Category", "KPI", "", "Result / expected / formula"), 1):
        ws.cell(_FIRST_ROW - 1, col, header).font = _BOLD
    ws.cell(_FIRST_ROW - 1, first_input, "Inputs").font = _BOLD
    row = _FIRST_ROW
    for block in blocks:
        _fill_block(ws, block, row, first_input)
        row += block.height + 1
    for col, w in ((1, 16), (2, 40), (3, 10)):
        ws.column_dimensions[get_column_letter(col)].width = w
    for col in range(4, first_input + 12):
        ws.column_dimensions[get_column_letter(col)].width = 14


def _fill_block(ws: Worksheet, block: Block, row: int, first_input: int) -> None:
    fn, d = block.function, block.definition
    ws.cell(row, 1, block.category).font = _BOLD
    ws.cell(row, 2, f"{d.name} ({fn.name})")
    refs: list[str] = []
    for i, value in enumerate(block.values):
        if value is _MISSING:
            refs.append("")
            continue
        col = first_input + i
        letter = get_column_letter(col)
        ws.cell(row, col, fn.params[i].name).font = _BOLD
        cells = value if isinstance(value, list) else [value]
        for k, v in enumerate(cells or [None]):
            c = ws.cell(row + 1 + k, col, v)
            if isinstance(v, dt.datetime):
                c.number_format = "yyyy-mm-dd hh:mm"
        last = row + max(len(cells), 1)
        refs.append(f"{letter}{row + 1}:{letter}{last}" if isinstance(value, list)
                    else f"{letter}{row + 1}")
    formula = f"={fn.name}({','.join(refs)})"
    width = len(block.expected)
    for label, r in (("Result", row), ("Expected", row + 1), ("Formula", row + 2)):
        ws.cell(r, 3, label)
    if width == 1:
        ws.cell(row, 4, formula)
    else:
        span = f"D{row}:{get_column_letter(3 + width)}{row}"
        ws.cell(row, 4).value = ArrayFormula(span, formula)
    for k, value in enumerate(block.expected):
        ws.cell(row + 1, 4 + k, value)
        for r in (row, row + 1):
            ws.cell(r, 4 + k).number_format = d.number_format
    text = ws.cell(row + 2, 4, formula)
    text.data_type = "s"  # shown as text, not evaluated


def write_quickstart(name: str, directory: str | os.PathLike[str] = ".", *,
                     force: bool = False, macro: bool = True) -> Path:
    """Write the workbook ``directory/name.xlsm`` (``.xlsx`` without ``macro``).

    An existing file is replaced only with ``force``; the workbook is written to a temporary
    file next to the target and renamed over it, so a failure never leaves half a file.
    """
    stem = name.strip()
    for suffix in (".xlsm", ".xlsx"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    if not stem or stem in (".", "..") or any(c in stem for c in '/\\:*?"<>|'):
        raise ValueError(f"invalid workbook name {name!r}: give a plain file name "
                         "(use --output for the folder)")
    folder = Path(directory)
    target = folder / f"{stem}{'.xlsm' if macro else '.xlsx'}"
    if target.exists() and not force:
        raise FileExistsError(f"{target} already exists (pass --force to replace it)")
    wb = build_workbook(macro=macro)
    with atomic_path(target, overwrite=force) as tmp:
        wb.save(tmp)
    return target


