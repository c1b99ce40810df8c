"""``fill``: replace Excel Tables' rows with data, then recalculate -- the nightly pipeline.

For each table: the body rows are replaced by the data (columns matched by name, case and
surrounding blanks ignored), the table's ``ref`` and its autofilter are resized, calculated
columns get their formula copied down, a totals row moves below the new last row, each
column keeps the cell style of its first body row, and conditional formats / data
validations that covered exactly the old body are stretched to the new one.

Data is written as values only: text is an inline string (``t="inlineStr"``) whatever it
starts with (``=``, ``+``, ``-``, ``@``, tab, CR) -- it can never become a formula. Dates
become serial numbers (the column's number format shows them as dates).

Everything else in the package is copied byte for byte, except ``xl/calcChain.xml``, which is
dropped (with its relationship and content type): the set of formula cells changed, and
Excel rebuilds the chain silently when it is absent.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpi_xl.recalc.limits import LimitExceeded, Limits
from kpi_xl.recalc.reader import (
    Package,
    WorkbookError,
    _SharedTemplate,
    col_letters,
    col_number,
    range_bounds,
    to_serial,
)

__all__ = ["FillError", "fill", "fill_tables"]


class FillError(ValueError):
    """The data does not fit the template (one line; exit code 2)."""


@dataclass
class _TableInfo:
    name: str
    sheet: str
    sheet_part: str
    part: str
    ref: str
    header_rows: int
    totals_rows: int
    columns: list[str]
    calculated: dict[str, tuple[str, bool]]  # column -> (formula, is array)


def _locate_tables(pkg: Package) -> tuple[dict[str, _TableInfo], str, bool]:
    """Tables by upper-cased name; the workbook part; date1904."""
    from kpi_xl.recalc.reader import _local

    root_rels = pkg.rels("")
    wb_part = next((t for (typ, t, _) in root_rels.values() if typ.endswith("/officeDocument")),
                   "xl/workbook.xml")
    wb = pkg.xml(wb_part)
    wb_rels = pkg.rels(wb_part)
    date1904 = False
    out: dict[str, _TableInfo] = {}
    for el in wb:
        tag = _local(el.tag)
        if tag == "workbookPr":
            date1904 = el.get("date1904", "0").lower() in ("1", "true")
        if tag != "sheets":
            continue
        for sh in el:
            rid = next((v for k, v in sh.attrib.items() if _local(k) == "id"), "")
            typ, part, _ = wb_rels.get(rid, ("", "", ""))
            if not typ.endswith("/worksheet") or not pkg.has(part):
                continue
            for typ2, tpart, _ in pkg.rels(part).values():
                if not typ2.endswith("/table") or not pkg.has(tpart):
                    continue
                t = pkg.xml(tpart)
                cols: list[str] = []
                calc: dict[str, tuple[str, bool]] = {}
                for tc_parent in t:
                    if _local(tc_parent.tag) != "tableColumns":
                        continue
                    for tc in tc_parent:
                        if _local(tc.tag) != "tableColumn":
                            continue
                        from kpi_xl.recalc.reader import xstring

                        cname = xstring(tc.get("name", ""))
                        cols.append(cname)
                        for ch in tc:
                            if _local(ch.tag) == "calculatedColumnFormula" and ch.text:
                                calc[cname] = (ch.text, ch.get("array") in ("1", "true"))
                name = t.get("displayName") or t.get("name") or ""
                out[name.upper()] = _TableInfo(
                    name, sh.get("name", ""), part, tpart, t.get("ref", ""),
                    int(t.get("headerRowCount", "1") or 1), int(t.get("totalsRowCount", "0") or 0),
                    cols, calc)
    return out, wb_part, date1904


# --- values -> cell XML ------------------------------------------------------------------

_BAD_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


def _text_xml(s: str) -> str:
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if _BAD_XML_CHARS.search(s):
        s = _BAD_XML_CHARS.sub(lambda m: f"_x{ord(m.group(0)):04X}_", s)
    return s.replace("\r", "&#13;")


def _value_cell(ref: str, style: str, value: Any, date1904: bool) -> str:
    """The ``<c>`` element for one data value (never a formula)."""
    s_attr = f' s="{style}"' if style else ""
    if value is None:
        return f'<c r="{ref}"{s_attr}/>' if style else ""
    if isinstance(value, (bool,)) or type(value).__name__ == "bool_":
        return f'<c r="{ref}"{s_attr} t="b"><v>{1 if value else 0}</v></c>'
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time, _dt.timedelta)):
        value = to_serial(value, date1904)
    if isinstance(value, (int, float)) or type(value).__module__ == "numpy":
        try:
            x = float(value)
        except (TypeError, ValueError):
            x = None
        if x is not None:
            if math.isnan(x):
                return f'<c r="{ref}"{s_attr}/>' if style else ""
            if math.isinf(x):
                return f'<c r="{ref}"{s_attr} t="e"><v>#NUM!</v></c>'
            text = str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)
            return f'<c r="{ref}"{s_attr}><v>{text}</v></c>'
    s = str(value)
    space = ' xml:space="preserve"' if s != s.strip() or "\n" in s else ""
    return (f'<c r="{ref}"{s_attr} t="inlineStr"><is><t{space}>{_text_xml(s)}</t></is></c>')


def _plain(value: Any) -> Any:
    """pandas/numpy scalars -> Python values; missing -> None."""
    if value is None:
        return None
    try:
        import pandas as pd

        if value is pd.NaT or (not isinstance(value, (str, bytes, list)) and pd.isna(value)):
            return None
        if isinstance(value, pd.Timestamp):
            return value.to_pydatetime().replace(tzinfo=None)
        if isinstance(value, pd.Timedelta):
            return value.to_pytimedelta()
    except (ImportError, TypeError, ValueError):
        pass
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    return value


# --- the sheet XML -----------------------------------------------------------------------

_ROW_RE = re.compile(rb"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_CELL_RE = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_R_RE = re.compile(rb"""\sr\s*=\s*["']([^"']*)["']""")
_S_RE = re.compile(rb"""\ss\s*=\s*["']([^"']*)["']""")


class _Sheet:
    """A sheet part cut into rows and cells (bytes kept as they are)."""

    def __init__(self, data: bytes, name: str) -> None:
        self.name = name
        if re.search(rb"<[A-Za-z_][\w.-]*:worksheet\b", data[:4096]):
            raise FillError(f"sheet {name}: namespace-prefixed sheet XML is not supported by fill")
        start = data.find(b"<sheetData")
        if start < 0:
            raise FillError(f"sheet {name}: no sheetData")
        gt = data.find(b">", start)
        if data[gt - 1:gt] == b"/":  # <sheetData/>
            self.head, self.tail = data[:start] + b"<sheetData>", b"</sheetData>" + data[gt + 1:]
            body = b""
        else:
            end = data.find(b"</sheetData>", gt)
            if end < 0:
                raise FillError(f"sheet {name}: malformed sheetData")
            self.head, body, self.tail = data[:gt + 1], data[gt + 1:end], data[end:]
        if b"<!--" in body or b"<![CDATA[" in body:
            raise FillError(f"sheet {name}: comments in sheet data are not supported by fill")
        self.rows: dict[int, tuple[bytes, dict[int, bytes]]] = {}
        row_i = -1
        for m in _ROW_RE.finditer(body):
            attrs = m.group(1)
            rm = _R_RE.search(attrs)
            row_i = int(rm.group(1)) - 1 if rm else row_i + 1
            attrs = _R_RE.sub(b"", attrs)
            attrs = re.sub(rb"""\sspans\s*=\s*["'][^"']*["']""", b"", attrs)
            cells: dict[int, bytes] = {}
            col_i = -1
            for cm in _CELL_RE.finditer(m.group(2) or b""):
                crm = _R_RE.search(cm.group(1))
                if crm:
                    ref = crm.group(1).decode()
                    mm = re.match(r"\$?([A-Za-z]{1,3})\$?([0-9]+)$", ref)
                    if not mm:
                        raise FillError(f"sheet {name}: bad cell reference {ref!r}")
                    col_i = col_number(mm.group(1).upper())
                    cell = cm.group(0)
                else:
                    col_i += 1
                    cell = (b'<c r="' + f"{col_letters(col_i)}{row_i + 1}".encode() + b'"'
                            + cm.group(0)[2:])
                cells[col_i] = cell
            self.rows[row_i] = (attrs.rstrip(b"/"), cells)

    def style(self, row: int, col: int) -> str:
        cell = self.rows.get(row, (b"", {}))[1].get(col)
        if cell is None:
            return ""
        m = _S_RE.search(cell[:cell.find(b">") + 1])
        return m.group(1).decode() if m else ""

    def to_bytes(self) -> bytes:
        out = [self.head]
        for r in sorted(self.rows):
            attrs, cells = self.rows[r]
            if not cells and not attrs.strip():
                continue
            out.append(b'<row r="' + str(r + 1).encode() + b'"' + attrs + b">")
            out.extend(cells[c] for c in sorted(cells))
            out.append(b"</row>")
        out.append(self.tail)
        data = b"".join(out)
        return _set_dimension(data, self.rows)


def _set_dimension(data: bytes, rows: dict[int, tuple[bytes, dict[int, bytes]]]) -> bytes:
    used = [(r, c) for r, (_, cells) in rows.items() for c in cells]
    if not used:
        return data
    r0 = min(r for r, _ in used)
    r1 = max(r for r, _ in used)
    c0 = min(c for _, c in used)
    c1 = max(c for _, c in used)
    ref = f"{col_letters(c0)}{r0 + 1}:{col_letters(c1)}{r1 + 1}".encode()
    return re.sub(rb'(<dimension\b[^>]*?\sref=")[^"]*(")', rb"\g<1>" + ref + rb"\g<2>", data,
                  count=1)


def _move_cell(cell: bytes, row: int, col: int) -> bytes:
    ref = f"{col_letters(col)}{row + 1}".encode()
    return _R_RE.sub(b' r="' + ref + b'"', cell, count=1)


def _shift_sqref(data: bytes, c0: int, c1: int, first: int, old_last: int, new_last: int
                 ) -> bytes:
    """Stretch sqref ranges of conditional formats / validations that covered the old body."""
    def fix_range(tok: str) -> str:
        m = re.match(r"^([A-Z]{1,3})([0-9]+):([A-Z]{1,3})([0-9]+)$", tok)
        if not m:
            return tok
        a, b = col_number(m.group(1)), col_number(m.group(3))
        if (c0 <= a <= b <= c1 and int(m.group(2)) - 1 == first
                and int(m.group(4)) - 1 == old_last):
            return f"{m.group(1)}{m.group(2)}:{m.group(3)}{new_last + 1}"
        return tok

    def sub(m: re.Match[bytes]) -> bytes:
        toks = m.group(2).decode().split()
        return m.group(1) + " ".join(fix_range(t) for t in toks).encode() + m.group(3)

    return re.sub(rb'(<(?:conditionalFormatting|dataValidation)\b[^>]*?\ssqref=")([^"]*)(")',
                  sub, data)


def _set_tag_ref(xml: bytes, tag: bytes, ref: str) -> bytes:
    """Set the ``ref`` attribute of the first ``<tag ...>`` element."""
    m = re.search(rb"<" + tag + rb"\b[^>]*>", xml)
    if not m:
        return xml
    return xml[:m.start()] + _set_attr(m.group(0), b"ref", ref) + xml[m.end():]


def _set_attr(tag: bytes, name: bytes, value: str) -> bytes:
    pat = re.compile(rb"(\s" + name + rb'=")[^"]*(")')
    if pat.search(tag):
        return pat.sub(rb"\g<1>" + value.encode() + rb"\g<2>", tag, count=1)
    return tag


# --- fill --------------------------------------------------------------------------------


def _frame(data: Any) -> Any:
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    from kpi_xl.io import read_table

    return read_table(data)


def fill_tables(template: str | os.PathLike[str], tables: Mapping[str, Any],
                output_fh: Any, *, limits: Limits | None = None) -> list[dict[str, Any]]:
    """Write the filled package (not recalculated) to ``output_fh``; one entry per table."""
    from kpi_xl.recalc import reader, writer

    src = Path(template)
    limits = limits or Limits()
    # every check of the reader (sizes, DTDs, cells, duplicates...) before any part is taken
    # whole into memory here
    reader.read(src, limits)
    with Package(src, limits) as pkg:
        infos, wb_part, date1904 = _locate_tables(pkg)
        sheets: dict[str, _Sheet] = {}
        table_xml: dict[str, bytes] = {}
        extra: dict[str, tuple[int, int, int, int, int]] = {}
        done: list[dict[str, Any]] = []
        for tname, data in tables.items():
            info = infos.get(tname.upper())
            if info is None:
                known = ", ".join(sorted(i.name for i in infos.values())) or "none"
                raise FillError(f"{src.name}: no table named {tname!r} (tables: {known})")
            frame = _frame(data)
            sheet = sheets.get(info.sheet_part)
            if sheet is None:
                sheet = sheets[info.sheet_part] = _Sheet(pkg.read(info.sheet_part), info.sheet)
            n = _fill_one(sheet, info, frame, date1904, infos)
            r0, c0, r1, c1 = range_bounds(info.ref)
            first = r0 + info.header_rows
            new_last_body = first + max(n, 1) - 1
            new_r1 = new_last_body + info.totals_rows
            new_ref = f"{col_letters(c0)}{r0 + 1}:{col_letters(c1)}{new_r1 + 1}"
            af_ref = f"{col_letters(c0)}{r0 + 1}:{col_letters(c1)}{new_last_body + 1}"
            body_ref = f"{col_letters(c0)}{first + 1}:{col_letters(c1)}{new_last_body + 1}"
            txml = pkg.read(info.part)
            for tag, ref in ((b"table", new_ref), (b"autoFilter", af_ref), (b"sortState", body_ref)):
                txml = _set_tag_ref(txml, tag, ref)
            table_xml[info.part] = txml
            extra.setdefault(info.sheet_part, (c0, c1, first, r1 - info.totals_rows,
                                               new_last_body))
            info.ref = new_ref
            done.append({"table": info.name, "sheet": info.sheet, "rows": n, "ref": new_ref})
        replace: dict[str, bytes] = dict(table_xml)
        for part, sheet in sheets.items():
            data = sheet.to_bytes()
            if part in extra:
                data = _shift_sqref(data, *extra[part])
            replace[part] = data
        drop: set[str] = set()
        calc_chain = next((t for (typ, t, _) in pkg.rels(wb_part).values()
                           if typ.endswith("/calcChain")), None)
        if calc_chain and pkg.has(calc_chain):
            drop.add(calc_chain)
            folder, base = os.path.split(wb_part)
            rels_name = f"{folder}/_rels/{base}.rels"
            replace[rels_name] = re.sub(rb"<Relationship\b[^>]*?/calcChain\"[^>]*?/>", b"",
                                        pkg.read(rels_name))
            replace["[Content_Types].xml"] = re.sub(
                rb"<Override\b[^>]*?PartName=\"/" + re.escape(calc_chain.encode()) + rb"\"[^>]*?/>",
                b"", pkg.read("[Content_Types].xml"))
    writer.write_package(src, output_fh, replace=replace, drop=drop)
    return done


def _fill_one(sheet: _Sheet, info: _TableInfo, frame: Any, date1904: bool,
              infos: Mapping[str, _TableInfo]) -> int:
    r0, c0, r1, c1 = range_bounds(info.ref)
    h, t = info.header_rows, info.totals_rows
    first, last = r0 + h, r1 - t
    if len(info.columns) != c1 - c0 + 1:
        raise FillError(f"table {info.name}: {len(info.columns)} columns for range {info.ref}")
    norm = {str(c).strip().lower(): c for c in frame.columns}
    inputs = [c for c in info.columns if c not in info.calculated]
    missing = [c for c in inputs if c.strip().lower() not in norm]
    if missing:
        raise FillError(f"table {info.name}: the data has no column {missing[0]!r} "
                        f"(table columns: {', '.join(inputs)})")
    known = {c.strip().lower() for c in info.columns}
    extra = [c for c in frame.columns if str(c).strip().lower() not in known]
    if extra:
        raise FillError(f"table {info.name}: the data column {extra[0]!r} is not in the table "
                        f"(table columns: {', '.join(info.columns)})")
    calc_given = [c for c in info.calculated if c.strip().lower() in norm]
    if calc_given:
        raise FillError(f"table {info.name}: column {calc_given[0]!r} is calculated by the "
                        "table's formula; drop it from the data")
    n = len(frame)
    new_last = first + max(n, 1) - 1
    new_end = new_last + t
    # cells below the table that a longer table would cover
    for r in range(r1 + 1, new_end + 1):
        cells = sheet.rows.get(r, (b"", {}))[1]
        hit = [c for c in cells if c0 <= c <= c1]
        if hit:
            raise FillError(f"table {info.name} would grow over {sheet.name}!"
                            f"{col_letters(hit[0])}{r + 1}; leave room below the table")
    for other in infos.values():
        if other is info or other.sheet_part != info.sheet_part:
            continue
        a0, b0, a1, b1 = range_bounds(other.ref)
        if not (b1 < c0 or b0 > c1 or a1 < r0 or a0 > new_end):
            raise FillError(f"table {info.name} would overlap table {other.name}")
    styles = [sheet.style(first, c) for c in range(c0, c1 + 1)]
    row_attrs = sheet.rows.get(first, (b"", {}))[0]
    totals = {c: sheet.rows.get(last + 1, (b"", {}))[1].get(c) for c in range(c0, c1 + 1)} \
        if t else {}
    # clear the old body and totals row
    for r in range(first, r1 + 1):
        if r in sheet.rows:
            attrs, cells = sheet.rows[r]
            for c in range(c0, c1 + 1):
                cells.pop(c, None)
    # the new body
    cols = []
    for j, cname in enumerate(info.columns):
        col = c0 + j
        if cname in info.calculated:
            text, is_array = info.calculated[cname]
            cols.append(("f", col, _SharedTemplate(text, first, col), is_array, styles[j]))
        else:
            values = [_plain(v) for v in frame[norm[cname.strip().lower()]].tolist()]
            cols.append(("v", col, values, False, styles[j]))
    for i in range(max(n, 1)):
        r = first + i
        if r not in sheet.rows:
            sheet.rows[r] = (row_attrs, {})
        cells = sheet.rows[r][1]
        for kind, col, payload, is_array, style in cols:
            ref = f"{col_letters(col)}{r + 1}"
            if kind == "f":
                text = payload.at(r, col)
                s_attr = f' s="{style}"' if style else ""
                ftag = f'<f t="array" ref="{ref}">' if is_array else "<f>"
                cells[col] = f'<c r="{ref}"{s_attr}>{ftag}{_text_xml(text)}</f></c>'.encode()
            else:
                v = payload[i] if i < n else None
                xml = _value_cell(ref, style, v, date1904)
                if xml:
                    cells[col] = xml.encode()
    if t:
        r = new_last + 1
        if r not in sheet.rows:
            sheet.rows[r] = (sheet.rows.get(last + 1, (row_attrs, {}))[0], {})
        for c, cell in totals.items():
            if cell is not None:
                sheet.rows[r][1][c] = _move_cell(cell, r, c)
    # drop rows that became empty and had no attributes of their own
    for r in list(sheet.rows):
        attrs, cells = sheet.rows[r]
        if not cells and first <= r <= r1 and not attrs.strip():
            del sheet.rows[r]
    return n


def fill(template: str | os.PathLike[str], tables: Mapping[str, Any],
         output: str | os.PathLike[str], *, recalculate: bool = True,
         today: _dt.date | None = None, strict: bool = False, allow_cycles: bool = False,
         limits: Limits | None = None) -> dict[str, Any]:
    """Fill ``tables`` (name -> DataFrame or CSV/Parquet path) of ``template`` into ``output``,
    then recalculate it. Returns ``{"tables": [...], "recalc": report dict or None}``."""
    from kpi_xl.recalc import writer

    src, out = Path(template), Path(output)
    if not src.is_file():
        raise WorkbookError(f"{src}: no such file")
    if out.suffix.lower() != src.suffix.lower():
        raise FillError(f"{out.name}: output must keep the extension {src.suffix}")
    if out.exists() and out.resolve() == src.resolve():
        raise FillError(f"{out.name}: output is the template; write to another file")
    limits = limits or Limits()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not recalculate:
        with writer.atomic_output(out) as fh:
            done = fill_tables(src, tables, fh, limits=limits)
        return {"tables": done, "recalc": None}
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.fill.", suffix=src.suffix, dir=out.parent)
    try:
        with os.fdopen(fd, "w+b") as fh:
            done = fill_tables(src, tables, fh, limits=limits)
        from kpi_xl.recalc.api import RecalcError, recalc

        try:
            rep = recalc(tmp, out, today=today, limits=limits, strict=strict,
                         allow_cycles=allow_cycles)
        except (RecalcError, WorkbookError, LimitExceeded) as exc:
            # the user knows the template, not fill's hidden temporary file: name the template
            msg = str(exc).replace(str(tmp), str(src)).replace(Path(tmp).name, src.name)
            raise type(exc)(msg) from None
        d = rep.to_dict()
        d["path"] = str(src)
        return {"tables": done, "recalc": d}
    finally:
        Path(tmp).unlink(missing_ok=True)
