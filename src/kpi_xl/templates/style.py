"""Cell styles and a small write-only sheet helper (one consistent look for every template)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.properties import PageSetupProperties

__all__ = ["STYLES", "F", "Grid", "print_setup", "text_cell"]

NAVY, TEAL, GREY = "1F3A5F", "2E75B6", "D9D9D9"
_thin = Side(style="thin", color="BFBFBF")
_box = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)

#: name -> (font, fill, alignment, border)
STYLES: dict[str, dict[str, Any]] = {
    "title": {"font": Font(size=16, bold=True, color=NAVY)},
    "subtitle": {"font": Font(size=11, italic=True, color="595959")},
    "h2": {"font": Font(size=12, bold=True, color=NAVY)},
    "header": {"font": Font(bold=True, color="FFFFFF"), "fill": PatternFill("solid", fgColor=NAVY),
               "alignment": Alignment(horizontal="center", vertical="center", wrap_text=True),
               "border": _box},
    "label": {"font": Font(bold=True), "border": _box,
              "alignment": Alignment(vertical="center")},
    "value": {"border": _box, "alignment": Alignment(horizontal="right", vertical="center")},
    "center": {"border": _box, "alignment": Alignment(horizontal="center", vertical="center")},
    "text": {"border": _box, "alignment": Alignment(vertical="top", wrap_text=True)},
    "input": {"border": _box, "fill": PatternFill("solid", fgColor="FFF2CC")},
    "note": {"font": Font(color="595959"), "alignment": Alignment(wrap_text=True, vertical="top")},
    "para": {"alignment": Alignment(wrap_text=True, vertical="top")},
    "bold": {"font": Font(bold=True)},
    "plain": {},
}


class F(str):
    """A formula (text starting with '='); plain ``str`` values are always written as text."""


def text_cell(ws: Any, value: str) -> WriteOnlyCell:
    """A cell that stays text even if it starts with =, +, -, @, tab or CR (no injection)."""
    c = WriteOnlyCell(ws, value=value)
    c.data_type = "s"
    return c


def _styled(ws: Any, value: Any, style: str | None, fmt: str | None) -> WriteOnlyCell:
    if isinstance(value, str) and not isinstance(value, F):
        c = text_cell(ws, value)
    else:
        c = WriteOnlyCell(ws, value=str(value) if isinstance(value, F) else value)
    for attr, v in STYLES.get(style or "plain", {}).items():
        setattr(c, attr, v)
    if fmt:
        c.number_format = fmt
    return c


@dataclass
class Grid:
    """Cells of a small sheet collected by position, then streamed in row order."""

    def __post_init__(self) -> None:
        self.cells: dict[tuple[int, int], tuple[Any, str | None, str | None]] = {}

    def put(self, row: int, col: int, value: Any, style: str | None = None,
            fmt: str | None = None) -> None:
        self.cells[(row, col)] = (value, style, fmt)

    def row(self, row: int, col: int, values: Iterable[Any], style: str | None = None,
            fmt: str | None = None) -> None:
        for i, v in enumerate(values):
            self.put(row, col + i, v, style, fmt)

    def flush(self, ws: Any, heights: dict[int, float] | None = None) -> None:
        if not self.cells:
            return
        max_row = max(r for r, _ in self.cells)
        max_col = max(c for _, c in self.cells)
        for r in range(1, max_row + 1):
            if heights and r in heights:
                ws.row_dimensions[r].height = heights[r]
            out: list[Any] = [None] * max_col
            for c in range(1, max_col + 1):
                spec = self.cells.get((r, c))
                if spec is not None:
                    out[c - 1] = _styled(ws, *spec)
            ws.append(out)


def print_setup(ws: Any, *, landscape: bool = True, title_rows: str | None = None) -> None:
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
