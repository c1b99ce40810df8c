"""LibreOffice headless as the reference: recalculate an xlsx and read every cell's value.

The xlsx is recalculated on load (the profile of :mod:`kpi_xl.templates.libreoffice` sets
``OOXMLRecalcMode`` = 0) and saved as ODS, because ODS keeps what LibreOffice computed
exactly: full-precision numbers and LibreOffice's own error codes (``Err:502`` for an
invalid argument, which an xlsx export would flatten to ``#VALUE!``).
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree

_NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "calcext": "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0",
}


def _q(prefix: str, name: str) -> str:
    return f"{{{_NS[prefix]}}}{name}"


@dataclass(frozen=True)
class LoError:
    """An error value as LibreOffice shows it: ``#DIV/0!``, ``#N/A``, ``Err:502``..."""

    text: str


def require_soffice() -> None:
    """Skip when LibreOffice is missing, except in CI (CI=true), where the test must run."""
    if shutil.which("soffice") or shutil.which("libreoffice"):
        return
    if os.environ.get("CI") == "true":
        pytest.fail("LibreOffice (soffice) is required when CI=true")
    pytest.skip("LibreOffice (soffice) is not installed")


def recalc_to_ods(xlsx: Path, outdir: Path, worker: str | None = None) -> Path:
    from kpi_xl.templates.libreoffice import convert

    return convert(xlsx, outdir, "ods", worker=worker, timeout=240)


_DUR = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?")


def _cell_value(cell: Any) -> Any:
    vt = cell.get(_q("calcext", "value-type")) or cell.get(_q("office", "value-type"))
    text = "".join(p.text or "" for p in cell.iter(_q("text", "p")))
    if vt == "error":
        return LoError(text)
    if vt in ("float", "percentage", "currency"):
        return float(cell.get(_q("office", "value")))
    if vt == "boolean":
        v = cell.get(_q("office", "boolean-value"))
        if v in ("true", "false"):
            return v == "true"
        return float(v)  # a number LibreOffice formats as a logical
    if vt == "date":
        v = cell.get(_q("office", "date-value"))
        d = _dt.datetime.fromisoformat(v)
        return (d - _dt.datetime(1899, 12, 30)).total_seconds() / 86400
    if vt == "time":
        m = _DUR.fullmatch(cell.get(_q("office", "time-value")))
        if m is None:
            return text
        h, mi, s = (float(x or 0) for x in m.groups())
        return (h * 3600 + mi * 60 + s) / 86400
    if vt == "string":
        v = cell.get(_q("office", "string-value"))
        return text if v is None else v
    return None


def read_ods(path: Path) -> dict[tuple[str, int, int], Any]:
    """``(sheet, row, col) -> value`` (0-based) for every non-empty cell of an ODS file."""
    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("content.xml"))
    out: dict[tuple[str, int, int], Any] = {}
    for table in root.iter(_q("table", "table")):
        name = table.get(_q("table", "name"))
        r = 0
        for row in table.iter(_q("table", "table-row")):
            rrep = int(row.get(_q("table", "number-rows-repeated"), "1"))
            c = 0
            for cell in row:
                if cell.tag not in (_q("table", "table-cell"), _q("table", "covered-table-cell")):
                    continue
                crep = int(cell.get(_q("table", "number-columns-repeated"), "1"))
                if cell.get(_q("office", "value-type")) or cell.get(_q("calcext", "value-type")):
                    v = _cell_value(cell)
                    for dr in range(min(rrep, 1000)):
                        for dc in range(min(crep, 1000)):
                            out[(name, r + dr, c + dc)] = v
                c += crep
            r += rrep
    return out


def recalc_values(xlsx: Path, outdir: Path, worker: str | None = None
                  ) -> dict[tuple[str, int, int], Any]:
    return read_ods(recalc_to_ods(xlsx, outdir, worker))
