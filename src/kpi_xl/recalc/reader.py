"""Read an .xlsx/.xlsm package into a :class:`~kpi_xl.recalc.model.WorkbookModel`.

* **Values** come from python-calamine (Rust, fast); calamine turns error cells and empty
  strings into ``""`` and date-formatted numbers into ``datetime``: the package XML puts the
  errors and empty strings back, and dates go back to serial numbers.
* **Formulas** (plain, shared-formula groups, array and data-table formulas), their cached
  values and cell types, **defined names**, **tables** (``xl/tables/*.xml`` through each sheet's
  relationships), **external links** (for ``[1]!`` add-in calls) and ``date1904`` come from the
  package XML.

Hostile input is refused with one line (:class:`WorkbookError`) before any parser sees it:
non-zip files, legacy and encrypted OLE files, OpenDocument and .xlsb packages, unsafe member
names (``../``, absolute, duplicates), zip bombs (declared sizes, compression ratio, and the
actual inflated size -- :mod:`zipfile` stops at the declared size and checks the CRC), and any
XML part with a DTD (``<!DOCTYPE``: billion laughs, external entities). Small parts are parsed
with lxml hardened (no entity resolution, no network, no huge trees). Sheet parts are scanned
in streamed chunks of whole rows: a byte-level scanner handles the regular form every
spreadsheet writer produces (``<c r="A1" ...><f>...</f><v>...</v></c>``) and checks its own
work by counting; anything it does not recognise sends the sheet to lxml's hardened
``iterparse``, which is exact but about 10x slower.

Formula text is kept exactly as stored (the evaluator resolves the stored forms of ``KPI_*``
calls); the reader counts which forms a workbook uses (:attr:`ReadInfo.kpi_forms`):
``KPI_NPS(`` (UDFs imported into the workbook), ``[1]!KPI_NPS(`` (add-in, via an externalLink
part), ``_xldudf_NS_KPI_NPS(`` (Office.js custom function of namespace ``NS``, after Excel
resolved it), ``NS.KPI_NPS(`` (Office.js function entered before the add-in loaded) and
``_xll.KPI_NPS(`` (XLL add-in). :func:`normalize_kpi_calls` rewrites all of them to the plain
form.
"""

from __future__ import annotations

import datetime as _dt
import io
import posixpath
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

from kpi_xl.recalc.limits import MB, LimitExceeded, Limits, flag_for
from kpi_xl.recalc.model import (
    ERROR_CODES,
    DefinedName,
    ExcelError,
    FormulaCell,
    SheetModel,
    TableModel,
    WorkbookModel,
)

__all__ = [
    "Package",
    "ReadInfo",
    "WorkbookError",
    "col_letters",
    "col_number",
    "load",
    "normalize_kpi_calls",
    "read",
    "split_ref",
]

MAIN_NS = (b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
           b"http://purl.oclc.org/ooxml/spreadsheetml/main")
WORKBOOK_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.ms-excel.addin.macroEnabled.main+xml",
}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CHUNK = 4 * MB
_XML_SUFFIXES = (".xml", ".rels", ".vml")
MAX_ROW_BYTES = 64 * MB


class WorkbookError(ValueError):
    """The file is not a workbook kpi-xl can read safely (one line, names the file)."""


# --- cell references ---------------------------------------------------------------------

_COL_CACHE: dict[str, int] = {}
_LETTERS_CACHE: dict[int, str] = {}


def col_number(letters: str) -> int:
    """0-based column index of ``letters`` (``"A"`` -> 0, ``"AA"`` -> 26)."""
    n = _COL_CACHE.get(letters)
    if n is None:
        n = 0
        for ch in letters.upper():
            n = n * 26 + ord(ch) - 64
        n -= 1
        _COL_CACHE[letters] = n
    return n


def col_letters(col: int) -> str:
    """Letters of the 0-based column ``col`` (0 -> ``"A"``)."""
    s = _LETTERS_CACHE.get(col)
    if s is None:
        n, s = col + 1, ""
        while n:
            n, rem = divmod(n - 1, 26)
            s = chr(65 + rem) + s
        _LETTERS_CACHE[col] = s
    return s


_REF_RE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def split_ref(ref: str) -> tuple[int, int]:
    """``"B3"`` -> ``(2, 1)`` (0-based row, col); ``$`` signs allowed."""
    m = _REF_RE.match(ref.strip())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)) - 1, col_number(m.group(1).upper())


def range_bounds(ref: str) -> tuple[int, int, int, int]:
    """``"A1:C3"`` -> ``(r0, c0, r1, c1)`` 0-based inclusive (a single cell is 1x1)."""
    a, _, b = ref.partition(":")
    r0, c0 = split_ref(a)
    r1, c1 = split_ref(b) if b else (r0, c0)
    return min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)


# --- the package -------------------------------------------------------------------------


_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
         (b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"),
         (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"))


def _check_prolog(name: str, head: bytes) -> None:
    """Refuse a DTD in an XML part (entity expansion, external entities), in any encoding.

    ``name`` labels the part in messages: ``"book.xlsx: xl/workbook.xml"`` (the workbook's
    file name first, as every :class:`WorkbookError` does)."""
    for bom, enc in _BOMS:
        if head.startswith(bom):
            head = head.decode(enc, errors="replace").encode("utf-8", errors="replace")
            break
    i = 0
    n = len(head)
    while True:
        j = head.find(b"<", i)
        if j < 0:
            if n >= 64 * 1024:
                raise WorkbookError(f"{name}: XML prolog longer than 64 KB")
            return
        nxt = head[j + 1:j + 2]
        if nxt == b"?":
            k = head.find(b"?>", j)
            if k < 0:
                return
            i = k + 2
        elif head.startswith(b"<!--", j):
            k = head.find(b"-->", j)
            if k < 0:
                return
            i = k + 3
        elif nxt == b"!":
            raise WorkbookError(f"{name}: XML with a DTD (<!DOCTYPE/<!ENTITY) is refused "
                                "(entity expansion / external entities)")
        else:
            return


def _xml_parser() -> Any:
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           load_dtd=False, dtd_validation=False, remove_comments=True,
                           remove_pis=True)


def _local(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


class Package:
    """A zip package checked against :class:`Limits` and safe-name rules, opened for reading."""

    def __init__(self, path: str | Path, limits: Limits | None = None) -> None:
        self.path = Path(path)
        self.limits = limits or Limits()
        self.name = self.path.name
        if not self.path.is_file():
            raise WorkbookError(f"{self.path}: no such file")
        with open(self.path, "rb") as fh:
            head = fh.read(8)
            if not head:
                raise WorkbookError(f"{self.name}: empty file")
            if head == OLE_MAGIC:
                fh.seek(0)
                blob = fh.read(4 * MB)
                if "EncryptionInfo".encode("utf-16-le") in blob:
                    raise WorkbookError(f"{self.name}: password-protected (encrypted) workbook; "
                                        "save it without a password first")
                raise WorkbookError(f"{self.name}: legacy .xls (OLE2) workbook; save it as .xlsx")
            if not head.startswith(b"PK\x03\x04"):
                kind = "text/CSV" if _looks_text(head) else "not a zip package"
                raise WorkbookError(f"{self.name}: not an .xlsx/.xlsm workbook ({kind})")
        try:
            self.zf = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise WorkbookError(f"{self.name}: corrupt or truncated zip package ({exc})") from None
        try:
            self._check_members()
        except BaseException:
            self.zf.close()
            raise

    def _check_members(self) -> None:
        lim = self.limits
        infos = self.zf.infolist()
        if len(infos) > lim.max_members:
            raise LimitExceeded(f"{self.name}: {len(infos)} zip members (limit {lim.max_members})")
        seen: set[str] = set()
        total = 0
        for info in infos:
            nm = info.filename
            low = nm.lower()
            if (nm.startswith(("/", "\\")) or "\\" in nm or "\x00" in nm or re.match(r"[A-Za-z]:", nm)
                    or any(part == ".." for part in nm.split("/"))):
                raise WorkbookError(f"{self.name}: unsafe zip member name {nm!r}")
            if low in seen:
                raise WorkbookError(f"{self.name}: duplicate zip member {nm!r}")
            seen.add(low)
            if info.flag_bits & 0x1:
                raise WorkbookError(f"{self.name}: encrypted zip member {nm!r}")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise WorkbookError(f"{self.name}: unsupported compression in {nm!r}")
            if info.file_size > lim.max_part_bytes:
                raise LimitExceeded(
                    f"{self.name}: member {nm} inflates to {info.file_size // MB} MB "
                    f"(limit {lim.max_part_bytes // MB} MB; raise with {flag_for('max_part_bytes')})")
            if (info.file_size > lim.ratio_floor_bytes and info.compress_size
                    and info.file_size / info.compress_size > lim.max_ratio):
                raise LimitExceeded(
                    f"{self.name}: member {nm} has compression ratio "
                    f"{info.file_size / info.compress_size:.0f}:1 (zip bomb?)")
            total += info.file_size
        if total > lim.max_total_bytes:
            raise LimitExceeded(
                f"{self.name}: package inflates to {total // MB} MB (limit "
                f"{lim.max_total_bytes // MB} MB; raise with {flag_for('max_total_bytes')})")
        names = {i.filename for i in infos}
        if "mimetype" in names:
            mt = self.zf.read("mimetype")[:100]
            if b"opendocument" in mt:
                raise WorkbookError(f"{self.name}: OpenDocument spreadsheet (.ods); "
                                    "save it as .xlsx")
        if "[Content_Types].xml" not in names:
            raise WorkbookError(f"{self.name}: not an Office Open XML package "
                                "(no [Content_Types].xml)")
        self.members = {i.filename: i for i in infos}
        # every XML part -- also those kpi-xl never parses but copies into its output -- is
        # refused if it carries a DTD (only the first 64 KB of each is inflated for this)
        for info in infos:
            if info.filename.lower().endswith(_XML_SUFFIXES) and info.file_size:
                try:
                    with self.zf.open(info) as fh:
                        _check_prolog(f"{self.name}: {info.filename}", fh.read(64 * 1024))
                except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                    raise WorkbookError(
                        f"{self.name}: corrupt zip member {info.filename} ({exc})") from None

    def has(self, name: str) -> bool:
        return name in self.members

    def stream(self, name: str, chunk: int = CHUNK) -> Iterator[bytes]:
        """The inflated member in chunks; the first chunk's XML prolog is checked."""
        info = self.members.get(name)
        if info is None:
            raise WorkbookError(f"{self.name}: missing part {name}")
        try:
            with self.zf.open(info) as fh:
                first = True
                while True:
                    data = fh.read(chunk)
                    if not data:
                        break
                    if first and name.lower().endswith(_XML_SUFFIXES):
                        _check_prolog(f"{self.name}: {name}", data[:64 * 1024])
                    first = False
                    yield data
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise WorkbookError(f"{self.name}: corrupt zip member {name} ({exc})") from None

    def read(self, name: str) -> bytes:
        return b"".join(self.stream(name))

    def verify(self, name: str) -> None:
        """Inflate a member to its end (CRC and size checked), discarding the data."""
        for _ in self.stream(name):
            pass

    def xml(self, name: str) -> Any:
        """A small XML part parsed with the hardened lxml parser."""
        from lxml import etree

        data = self.read(name)
        try:
            return etree.fromstring(data, _xml_parser())
        except etree.XMLSyntaxError as exc:
            raise WorkbookError(f"{self.name}: malformed XML in {name}: {exc}") from None

    def rels(self, part: str) -> dict[str, tuple[str, str, str]]:
        """Relationships of ``part``: id -> (type, resolved target, target mode)."""
        folder, base = posixpath.split(part)
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        if rels_name not in self.members:
            return {}
        out = {}
        for el in self.xml(rels_name):
            if _local(el.tag) != "Relationship":
                continue
            target = el.get("Target", "")
            mode = el.get("TargetMode", "Internal")
            if mode != "External":
                target = resolve_target(folder, target)
            out[el.get("Id", "")] = (el.get("Type", ""), target, mode)
        return out

    def close(self) -> None:
        self.zf.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _looks_text(head: bytes) -> bool:
    return all(32 <= b < 127 or b in (9, 10, 13) for b in head)


def resolve_target(folder: str, target: str) -> str:
    """A relationship target resolved to a member name (``/`` rooted or relative)."""
    if target.startswith("/"):
        path = target.lstrip("/")
    else:
        path = posixpath.normpath(posixpath.join(folder, target))
    if path.startswith("../") or path == "..":
        return ""
    return path


# --- escaped strings ---------------------------------------------------------------------

_XESC_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


class _NeedsParser(Exception):
    """The fast scanner met something it does not handle: use lxml for this sheet."""


def xstring(text: str) -> str:
    """Decode OOXML's ``_xHHHH_`` escapes (``_x000D_`` -> carriage return)."""
    if "_x" not in text:
        return text
    return _XESC_RE.sub(lambda m: chr(int(m.group(1), 16)), text)


# --- KPI_* call forms --------------------------------------------------------------------

_KPI_CALL_RE = re.compile(
    r"(?<![\w.$])(\[\d+\]!|_xll\.|_xldudf_[A-Za-z0-9_.]*?|[A-Za-z_][A-Za-z0-9_]*\.)?"
    r"(KPI_[A-Za-z0-9_]+)(?=\()", re.IGNORECASE)


def _kpi_names() -> frozenset[str]:
    global _KPI_NAMES
    if _KPI_NAMES is None:
        try:
            from kpi_xl import catalog

            _KPI_NAMES = frozenset(d.excel_name.upper() for d in catalog.all_entries())
        except Exception:  # pragma: no cover - catalog unavailable
            _KPI_NAMES = frozenset()
    return _KPI_NAMES


_KPI_NAMES: frozenset[str] | None = None


def normalize_kpi_calls(text: str, forms: Counter[str] | None = None) -> str:
    """Rewrite every stored form of a ``KPI_*`` call to the plain ``KPI_NAME(``.

    >>> normalize_kpi_calls('[1]!KPI_NPS(A1:A9)+_xldudf_XLWINGS_KPI_CSAT(B1:B9,4)')
    'KPI_NPS(A1:A9)+KPI_CSAT(B1:B9,4)'
    >>> normalize_kpi_calls('XLWINGS.KPI_NPS(A1:A9)&"[1]!KPI_NPS("')
    'KPI_NPS(A1:A9)&"[1]!KPI_NPS("'
    >>> normalize_kpi_calls('_xll.kpi_nps(A1:A9)')
    'KPI_NPS(A1:A9)'
    """
    if "kpi_" not in text.lower():
        return text
    known = _kpi_names()
    pieces = text.split('"')
    for i in range(0, len(pieces), 2):  # outside string literals
        seg = pieces[i]
        if "kpi_" not in seg.lower():
            continue

        def sub(m: re.Match[str]) -> str:
            prefix, name = m.group(1) or "", m.group(2).upper()
            if prefix.lower().startswith("_xldudf_"):
                # _xldudf_<NAMESPACE>_<NAME>: the namespace's dots became underscores.
                full = (prefix[8:] + name).upper()
                parts = full.split("_")
                for k in range(len(parts)):
                    cand = "_".join(parts[k:])
                    if cand in known:
                        name = cand
                        break
                if forms is not None:
                    forms["officejs"] += 1
                return name
            if name not in known:
                return m.group(0)
            if forms is not None:
                p = prefix.lower()
                forms["plain" if not p else "addin" if p.startswith("[") else
                      "xll" if p == "_xll." else "officejs-unresolved"] += 1
            return name

        pieces[i] = _KPI_CALL_RE.sub(sub, seg)
    return '"'.join(pieces)


# --- shared formulas ---------------------------------------------------------------------

_A1_RE = re.compile(r"^(\$?)([A-Za-z]{1,3})(\$?)([0-9]{1,7})$")


class _SharedTemplate:
    """A shared formula's master, tokenized once; children are made by shifting references."""

    def __init__(self, text: str, row: int, col: int) -> None:
        from openpyxl.formula.tokenizer import Token, Tokenizer

        self.text, self.row, self.col = text, row, col
        self.parts: list[Any] = []
        try:
            tokens = Tokenizer("=" + text).items
        except Exception:
            tokens = None
        if tokens is None:
            self.parts = [text]
            return
        lit: list[str] = []
        for tok in tokens:
            if tok.type == Token.OPERAND and tok.subtype == Token.RANGE:
                if lit:
                    self.parts.append("".join(lit))
                    lit = []
                self.parts.append(self._compile(tok.value))
            else:
                lit.append(tok.value)
        if lit:
            self.parts.append("".join(lit))

    @staticmethod
    def _compile(value: str) -> Any:
        sheet, bang, ref = value.rpartition("!")
        prefix = sheet + bang
        ends = ref.split(":")
        if len(ends) <= 2:
            out = []
            for e in ends:
                m = _A1_RE.match(e)
                if not m:
                    return ("slow", value)
                out.append((m.group(1), col_number(m.group(2).upper()), m.group(3),
                            int(m.group(4))))
            return ("a1", prefix, out)
        return ("slow", value)

    def at(self, row: int, col: int) -> str:
        dr, dc = row - self.row, col - self.col
        if dr == 0 and dc == 0:
            return self.text
        from openpyxl.formula.translate import Translator, TranslatorError

        out = []
        for p in self.parts:
            if isinstance(p, str):
                out.append(p)
            elif p[0] == "a1":
                ends = []
                for cabs, c, rabs, r in p[2]:
                    nc = c if cabs else c + dc
                    nr = r if rabs else r + dr
                    if nc < 0 or nc > 16383 or nr < 1 or nr > 1048576:
                        ends = None
                        break
                    ends.append(f"{cabs}{col_letters(nc)}{rabs}{nr}")
                out.append(p[1] + ":".join(ends) if ends else "#REF!")
            else:
                try:
                    out.append(Translator.translate_range(p[1], dr, dc))
                except TranslatorError:
                    out.append("#REF!")
        return "".join(out)


# --- sheet scanning ----------------------------------------------------------------------


class _Builder:
    """Turns the formula cells of one sheet into :class:`FormulaCell` objects."""

    def __init__(self, sheet: str, fname: str, limits: Limits, forms: Counter[str]) -> None:
        self.sheet, self.fname, self.forms = sheet, fname, forms
        self.max_len, self.max_nest = limits.max_formula_length, limits.max_nesting
        self.max_cells = limits.max_cells
        self.formulas: dict[tuple[int, int], FormulaCell] = {}
        self.masters: dict[str, _SharedTemplate] = {}
        self.orphans: list[tuple[int, int, str, Any]] = []
        self.from_values: list[tuple[int, int]] = []  # cached value is calamine's (t="s")

    def check(self, row: int, col: int, text: str) -> str:
        if len(text) > self.max_len:
            raise LimitExceeded(
                f"{self.fname}: formula in {self.sheet}!{col_letters(col)}{row + 1} is "
                f"{len(text):,} characters (limit {self.max_len:,}; raise with "
                f"{flag_for('max_formula_length')})")
        if text.count("(") > self.max_nest and _nesting(text) > self.max_nest:
            raise LimitExceeded(
                f"{self.fname}: formula in {self.sheet}!{col_letters(col)}{row + 1} nests "
                f"deeper than {self.max_nest} (raise with {flag_for('max_nesting')})")
        if "_" in text and "kpi_" in text.lower():
            normalize_kpi_calls(text, self.forms)  # counts the stored forms; text stays as is
        return text

    def add(self, row: int, col: int, t: str | None, fattrs: dict[str, str], text: str,
            vtext: str | None) -> None:
        text = self.check(row, col, text)
        if t == "s":
            cached = None
            self.from_values.append((row, col))
        else:
            cached = _cached(t, vtext)
        ftype = fattrs.get("t")
        if ftype is None or ftype == "normal":
            fc = FormulaCell(row, col, text, None, None, cached)
        elif ftype == "shared":
            si = fattrs.get("si", "")
            si_int = int(si) if si.isdigit() else None
            if text:
                self.masters[si] = _SharedTemplate(text, row, col)
                fc = FormulaCell(row, col, text, si_int, None, cached)
            elif si in self.masters:
                fc = FormulaCell(row, col, self.masters[si].at(row, col), si_int, None, cached)
            else:
                self.orphans.append((row, col, si, cached))
                return
        elif ftype == "array":
            fc = FormulaCell(row, col, text, None,
                             fattrs.get("ref") or f"{col_letters(col)}{row + 1}", cached)
        elif ftype == "dataTable":
            args = ",".join(x for x in (fattrs.get("r1"), fattrs.get("r2")) if x)
            fc = FormulaCell(row, col, f"TABLE({args})", None, fattrs.get("ref"), cached)
        else:
            fc = FormulaCell(row, col, text, None, None, cached)
        self.formulas[(row, col)] = fc

    def finish(self) -> dict[tuple[int, int], FormulaCell]:
        for row, col, si, cached in self.orphans:
            if si in self.masters:
                text = self.masters[si].at(row, col)
            else:  # a shared-formula child without its master: keep the cached value
                text = "#REF!"
            self.formulas[(row, col)] = FormulaCell(row, col, text,
                                                    int(si) if si.isdigit() else None, None,
                                                    cached)
        self.orphans = []
        return self.formulas


@dataclass
class _Scan:
    builder: _Builder
    errors: list[tuple[int, int, str]] = field(default_factory=list)
    empty: list[tuple[int, int]] = field(default_factory=list)
    max_row: int = -1
    max_col: int = -1
    fast: bool = True
    cells: int = 0  # <c> elements seen

    def check(self, max_cells: int) -> None:
        """Stop as soon as the sheet is too big, or has more cells than its range holds."""
        b = self.builder
        dense = (self.max_row + 1) * (self.max_col + 1)
        if dense > max_cells or self.cells > max_cells:
            what = (f"spans {self.max_row + 1:,} rows x {self.max_col + 1:,} columns"
                    if dense > max_cells else f"has more than {max_cells:,} cells")
            raise LimitExceeded(f"{b.fname}: sheet {b.sheet!r} {what} (limit {max_cells:,} "
                                f"cells; raise with {flag_for('max_cells')})")
        if self.cells > dense:
            raise WorkbookError(f"{b.fname}: sheet {b.sheet!r} has duplicate cell references "
                                f"({self.cells:,} cells in a range of {dense:,})")


_ATTR_RE = re.compile(r"""([A-Za-z_:][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _attrs(raw: str) -> dict[str, str]:
    return {m.group(1): _unescape_str(m.group(2) if m.group(2) is not None else m.group(3))
            for m in _ATTR_RE.finditer(raw)}


_ENT_STR_RE = re.compile(r"&(#[0-9]+|#x[0-9A-Fa-f]+|[A-Za-z]+);")


def _unescape_str(s: str) -> str:
    if "&" not in s:
        return s
    t = s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
    if "&" not in t:
        return t
    if "&#" not in t and t.count("&") == t.count("&amp;"):
        return t.replace("&amp;", "&")

    def sub(m: re.Match[str]) -> str:
        ent = m.group(1)
        if ent[0] == "#":
            return chr(int(ent[2:], 16) if ent[1] == "x" else int(ent[1:]))
        try:
            return _STR_ENTITIES[ent]
        except KeyError:
            raise _NeedsParser from None

    if s.count("&") != len(_ENT_STR_RE.findall(s)):
        raise _NeedsParser  # a bare "&": not well-formed
    return _ENT_STR_RE.sub(sub, s)


_STR_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


class _FastPatterns:
    def __init__(self, prefix: str) -> None:
        p = re.escape(prefix)
        self.formula = re.compile(
            r"<" + p + r'c r="([A-Z]{1,3})([0-9]{1,7})"([^>]*?)(?<!/)>\s*<' + p
            + r"f((?:\s[^>]*?)?)(?:/>|>([^<]*)</" + p + r"f>)\s*(?:<" + p
            + r"v>([^<]*)</" + p + r"v>|<" + p + r"v/>)?")
        # the same without whitespace between elements: most files, and twice as fast
        self.formula_tight = re.compile(
            r"<" + p + r'c r="([A-Z]{1,3})([0-9]{1,7})"([^>]*)><' + p
            + r"f([^>]*?)(?:/>|>([^<]*)</" + p + r"f>)(?:<" + p
            + r"v>([^<]*)</" + p + r"v>|<" + p + r"v/>)?")
        self.f_count = ("<" + prefix + "f>", "<" + prefix + "f ", "<" + prefix + "f/")
        self.c_any = ("<" + prefix + "c ", "<" + prefix + "c>", "<" + prefix + "c/")
        self.c_r = "<" + prefix + 'c r="'
        self.ref_rows = re.compile(r"<" + p + r'c r="[A-Z]{1,3}([0-9]{1,7})"')
        self.ref_cols = re.compile(r"<" + p + r'c r="([A-Z]{1,3})[0-9]')
        self.errors = re.compile(
            r"<" + p + r'c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*?\st="e"[^>]*>\s*<' + p
            + r"v>([^<]*)</" + p + r"v>")
        self.inline_empty = re.compile(
            r"<" + p + r'c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*?\st="inlineStr"[^>]*>\s*<' + p
            + r"is>\s*(?:<" + p + r"t(?:\s[^>]*)?(?:/>|></" + p + r"t>)\s*)?</" + p + r"is>")
        self.shared = re.compile(
            r"<" + p + r'c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*?\st="s"[^>]*>\s*<' + p
            + r"v>\s*([0-9]+)\s*</" + p + r"v>")
        self.row_end = ("</" + prefix + "row>").encode()


_ROOT_RE = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet\b([^>]*)>", re.S)


def _main_prefix(head: bytes) -> str:
    m = _ROOT_RE.search(head)
    if not m:
        raise _NeedsParser
    prefix = m.group(1) or b""
    decls = dict(re.findall(rb'xmlns(?::([\w.-]+))?\s*=\s*"([^"]*)"', m.group(2)))
    ns = decls.get(prefix[:-1] if prefix else b"")
    if ns not in MAIN_NS:
        raise _NeedsParser
    return prefix.decode()


def _row_chunks(stream: Iterator[bytes], sep: bytes) -> Iterator[bytes]:
    """Re-cut a byte stream so that every chunk but the last ends just after ``sep``."""
    buf = b""
    for piece in stream:
        buf = buf + piece if buf else piece
        cut = buf.rfind(sep)
        if cut < 0:
            if len(buf) > MAX_ROW_BYTES:
                raise _NeedsParser  # no row end in 64 MB: not the regular form
            continue
        cut += len(sep)
        yield buf[:cut]
        buf = buf[cut:]
    if buf:
        yield buf


def _scan_fast(pkg: Package, part: str, empty_sst: frozenset[int], b: _Builder) -> _Scan:
    stream = pkg.stream(part)
    first = next(stream, b"")
    head = first[:64 * 1024]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _NeedsParser
    decl = head[:200]
    if b"encoding" in decl and not re.search(rb"""encoding\s*=\s*["'](?i:utf-8)["']""", decl):
        raise _NeedsParser
    prefix = _main_prefix(head)
    pat = _FastPatterns(prefix)
    scan = _Scan(b)

    def pieces() -> Iterator[bytes]:
        yield first
        yield from stream

    max_col_letters = ""
    col_get = _COL_CACHE.get
    formulas = b.formulas
    max_len, max_nest, FC = b.max_len, b.max_nest, FormulaCell
    min_check = min(max_len, 2 * max_nest)  # shorter formulas can be neither too long nor deep
    c_lt, c_r, f_count = "<" + prefix + "c", pat.c_r, pat.f_count
    tight_findall, formula_findall = pat.formula_tight.findall, pat.formula.findall
    rows_findall, cols_findall = pat.ref_rows.findall, pat.ref_cols.findall
    unescape, check = _unescape_str, b.check
    # plain cells are collected in columns, then made into FormulaCells in bulk (in order)
    keys: list[tuple[int, int]] = []
    rows: list[int] = []
    cols: list[int] = []
    texts: list[str] = []
    vtexts: list[str] = []

    def flush() -> None:
        try:
            cached = list(map(float, vtexts))
        except ValueError:
            cached = []
            for v in vtexts:
                if v:
                    try:
                        cached.append(float(v))
                    except ValueError:
                        cached.append(None)
                else:
                    cached.append(None)
        n = len(rows)
        formulas.update(zip(keys, map(FC, rows, cols, texts, repeat(None, n), repeat(None, n),
                                      cached), strict=True))
        keys.clear()
        rows.clear()
        cols.clear()
        texts.clear()
        vtexts.clear()

    for raw in _row_chunks(pieces(), pat.row_end):
        chunk = raw.decode("utf-8")
        del raw
        if "<!--" in chunk or "<![CDATA[" in chunk or chunk.find("<?", 2) >= 0:
            raise _NeedsParser
        n_c = chunk.count(c_r)
        # every '<c r="' is one of the c_any forms, and each of those starts with "<c"
        if chunk.count(c_lt) != n_c and sum(chunk.count(t) for t in pat.c_any) != n_c:
            raise _NeedsParser  # a cell without r, or r not its first attribute
        n_f = sum(chunk.count(t) for t in f_count)
        found = tight_findall(chunk) if n_f else []
        if len(found) != n_f:
            found = formula_findall(chunk)
            if len(found) != n_f:
                raise _NeedsParser
        if n_c:
            mr = max(map(int, set(rows_findall(chunk)))) - 1
            if mr > scan.max_row:
                scan.max_row = mr
            for letters in set(cols_findall(chunk)):
                if (len(letters), letters) > (len(max_col_letters), max_col_letters):
                    max_col_letters = letters
                    scan.max_col = col_number(letters)
            scan.cells += n_c
            scan.check(b.max_cells)
        for letters, digits, cattrs, fattrs, ftext, vtext in found:
            row = int(digits) - 1
            col = col_get(letters)
            if col is None:
                col = col_number(letters)
            if "&" in ftext:  # _unescape_str's first step inlined: it is almost always enough
                text = ftext.replace("&lt;", "<").replace("&gt;", ">").replace(
                    "&quot;", '"').replace("&apos;", "'")
                ftext = text if "&" not in text else unescape(ftext)
            if cattrs or fattrs:
                if rows:
                    flush()
                t = _attrs(cattrs).get("t") if "t=" in cattrs else None
                if "&" in vtext:
                    vtext = unescape(vtext)
                b.add(row, col, t, _attrs(fattrs) if fattrs else {}, ftext, vtext)
                continue
            # the common case: <c r="A1"><f>text</f><v>number</v></c>
            if "_" in ftext or (len(ftext) > min_check and (
                    len(ftext) > max_len or ftext.count("(") > max_nest)):
                ftext = check(row, col, ftext)
            keys.append((row, col))
            rows.append(row)
            cols.append(col)
            texts.append(ftext)
            vtexts.append(vtext)
        if rows:
            flush()
        if 't="e"' in chunk:
            for letters, digits, v in pat.errors.findall(chunk):
                scan.errors.append((int(digits) - 1, col_number(letters), _unescape_str(v)))
        if 't="inlineStr"' in chunk:
            for letters, digits in pat.inline_empty.findall(chunk):
                scan.empty.append((int(digits) - 1, col_number(letters)))
        if empty_sst and 't="s"' in chunk:
            for letters, digits, idx in pat.shared.findall(chunk):
                if int(idx) in empty_sst:
                    scan.empty.append((int(digits) - 1, col_number(letters)))
    if max_col_letters:
        scan.max_col = col_number(max_col_letters)
    return scan


def _scan_lxml(pkg: Package, part: str, empty_sst: frozenset[int], b: _Builder) -> _Scan:
    """The exact path: lxml's hardened streaming parser, one row at a time."""
    from lxml import etree

    class _Reader(io.RawIOBase):
        def __init__(self) -> None:
            self.it = pkg.stream(part, 1 * MB)
            self.buf = b""

        def readable(self) -> bool:
            return True

        def readinto(self, buf: Any) -> int:
            while not self.buf:
                try:
                    self.buf = next(self.it)
                except StopIteration:
                    return 0
            n = min(len(buf), len(self.buf))
            buf[:n] = self.buf[:n]
            self.buf = self.buf[n:]
            return n

    scan = _Scan(b, fast=False)
    row_i = -1
    col_i = -1
    max_cells = b.max_cells
    try:
        for event, el in etree.iterparse(io.BufferedReader(_Reader()), events=("start", "end"),
                                         tag=("{*}row", "{*}c"), resolve_entities=False,
                                         no_network=True, huge_tree=False, load_dtd=False,
                                         remove_comments=True):
            if _local(el.tag) == "row":
                if event == "start":
                    r_attr = el.get("r")
                    row_i = int(r_attr) - 1 if r_attr else row_i + 1
                    col_i = -1
                else:
                    el.clear()
                    parent = el.getparent()
                    if parent is not None:
                        while el.getprevious() is not None:
                            del parent[0]
                continue
            if event == "start":
                continue
            c = el
            ref = c.get("r")
            if ref:
                r, col_i = split_ref(ref)
            else:
                r, col_i = row_i, col_i + 1
            if r > scan.max_row:
                scan.max_row = r
            if col_i > scan.max_col:
                scan.max_col = col_i
            scan.cells += 1
            if scan.cells > max_cells or scan.cells & 0xFFF == 0:
                scan.check(max_cells)
            t = c.get("t")
            f = v = is_ = None
            for ch in c:
                name = _local(ch.tag)
                if name == "f":
                    f = ch
                elif name == "v":
                    v = ch
                elif name == "is":
                    is_ = ch
            if f is not None:
                b.add(r, col_i, t, dict(f.attrib), f.text or "",
                      (v.text or "") if v is not None else None)
            elif t == "e" and v is not None:
                scan.errors.append((r, col_i, v.text or ""))
            elif t == "inlineStr" and is_ is not None and not "".join(is_.itertext()):
                scan.empty.append((r, col_i))
            elif t == "s" and v is not None and empty_sst:
                try:
                    if int(v.text or "-1") in empty_sst:
                        scan.empty.append((r, col_i))
                except ValueError:
                    pass
            c.clear()
            parent = c.getparent()
            if parent is not None:
                while c.getprevious() is not None:
                    del parent[0]
        scan.check(max_cells)
    except etree.XMLSyntaxError as exc:
        raise WorkbookError(f"{pkg.name}: malformed XML in {part}: {exc}") from None
    except ValueError as exc:
        if isinstance(exc, (WorkbookError, LimitExceeded)):
            raise
        raise WorkbookError(f"{pkg.name}: bad cell reference in {part}: {exc}") from None
    return scan


def _scan_sheet(pkg: Package, name: str, part: str, empty_sst: frozenset[int],
                limits: Limits, info: ReadInfo) -> _Scan:
    forms = Counter(info.kpi_forms)
    try:
        return _scan_fast(pkg, part, empty_sst, _Builder(name, pkg.name, limits, info.kpi_forms))
    except (_NeedsParser, UnicodeDecodeError):
        info.kpi_forms.clear()
        info.kpi_forms.update(forms)  # forget what the abandoned fast scan counted
        info.slow_sheets.append(name)
        return _scan_lxml(pkg, part, empty_sst, _Builder(name, pkg.name, limits, info.kpi_forms))


_SST_ITEM_RE = re.compile(rb"<(?:[\w.-]+:)?si\b[^>]*?(?:/>|>(.*?)</(?:[\w.-]+:)?si>)", re.S)
_T_TEXT_RE = re.compile(rb"<(?:[\w.-]+:)?t\b[^>]*?(?:/>|>([^<]*)</(?:[\w.-]+:)?t>)")


def _empty_shared_strings(pkg: Package, part: str | None) -> frozenset[int]:
    """Indexes of empty items in the shared-string table (calamine reports them as blanks)."""
    if not part or not pkg.has(part):
        return frozenset()
    data = pkg.read(part)
    if not (b"<t/>" in data or b"></t>" in data or b"<si/>" in data or b"<si></si>" in data
            or b":t/>" in data):
        return frozenset()
    out = set()
    for i, m in enumerate(_SST_ITEM_RE.finditer(data)):
        body = m.group(1) or b""
        texts = [t.group(1) or b"" for t in _T_TEXT_RE.finditer(body)
                 if not body[:t.start()].endswith(b"<rPh>")]
        if not any(texts):
            out.add(i)
    return frozenset(out)


# --- values --------------------------------------------------------------------------------

_EPOCH_1900 = _dt.datetime(1899, 12, 30)
_EPOCH_1904 = _dt.datetime(1904, 1, 1)
_PLAIN = {float, str, bool, type(None)}


def to_serial(value: Any, date1904: bool = False) -> float:
    """A datetime/date/time/timedelta as an Excel serial number."""
    if isinstance(value, _dt.timedelta):
        return value.total_seconds() / 86400.0
    if isinstance(value, _dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second
                + value.microsecond / 1e6) / 86400.0
    if not isinstance(value, _dt.datetime):
        value = _dt.datetime(value.year, value.month, value.day)
    if date1904:
        delta = value - _EPOCH_1904
    else:
        delta = value - _EPOCH_1900
        if value < _dt.datetime(1900, 3, 1):
            delta -= _dt.timedelta(days=1)  # before Excel's phantom 1900-02-29
    return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400.0


def _values(rows: list[list[Any]], n_rows: int, n_cols: int, date1904: bool) -> np.ndarray:
    if rows and rows[0]:
        arr = np.array(rows, dtype=object)
        if arr.ndim != 2:  # ragged (should not happen)
            arr = np.empty((len(rows), max(len(r) for r in rows)), dtype=object)
            for i, r in enumerate(rows):
                arr[i, :len(r)] = r
    else:
        arr = np.empty((0, 0), dtype=object)
    if arr.size:
        arr[arr == ""] = None
        if not set(map(type, arr.ravel())) <= _PLAIN:  # dates/ints present: find them
            kinds = np.frompyfunc(type, 1, 1)(arr)
            cls = ~(np.equal(kinds, float) | np.equal(kinds, str) | np.equal(kinds, bool)
                    | np.equal(kinds, type(None)))
            for i, j in zip(*np.nonzero(cls), strict=True):
                v = arr[i, j]
                arr[i, j] = float(v) if isinstance(v, int) else to_serial(v, date1904)
    if arr.shape[0] < n_rows or arr.shape[1] < n_cols:
        out = np.empty((max(n_rows, arr.shape[0]), max(n_cols, arr.shape[1])), dtype=object)
        out[:arr.shape[0], :arr.shape[1]] = arr
        arr = out
    return arr


def _cached(t: str | None, v: str | None) -> Any:
    if v is None:
        return None
    if t is None or t == "n":
        if v == "":
            return None
        try:
            return float(v)
        except ValueError:
            return None
    if t == "str" or t == "inlineStr":
        return xstring(v)
    if t == "b":
        return v.strip() in ("1", "true")
    if t == "e":
        v = v.strip()
        return ExcelError(v) if v in ERROR_CODES else v
    if t == "d":
        try:
            return to_serial(_dt.datetime.fromisoformat(v))
        except ValueError:
            return None
    return None


# --- the workbook ----------------------------------------------------------------------------


@dataclass
class ReadInfo:
    """What the reader saw beyond the model: for the report and the writer."""

    kpi_forms: Counter[str] = field(default_factory=Counter)  # plain/addin/officejs/xll
    slow_sheets: list[str] = field(default_factory=list)  # sheets read by the lxml path
    workbook_part: str = "xl/workbook.xml"
    macro_enabled: bool = False


def _content_type(pkg: Package, part: str) -> str:
    root = pkg.xml("[Content_Types].xml")
    ext = part.rsplit(".", 1)[-1].lower()
    default = ""
    for el in root:
        name = _local(el.tag)
        if name == "Override" and el.get("PartName", "").lstrip("/") == part:
            return el.get("ContentType", "")
        if name == "Default" and el.get("Extension", "").lower() == ext:
            default = el.get("ContentType", "")
    return default


def read(path: str | Path, limits: Limits | None = None) -> tuple[WorkbookModel, ReadInfo]:
    """Read a workbook; raises :class:`WorkbookError` / :class:`LimitExceeded` on bad input."""
    limits = limits or Limits()
    with Package(path, limits) as pkg:
        return _read(pkg, limits)


def load(path: str | Path, limits: Limits | None = None) -> WorkbookModel:
    """The :class:`WorkbookModel` of ``path`` (see :func:`read`)."""
    return read(path, limits)[0]


def _read(pkg: Package, limits: Limits) -> tuple[WorkbookModel, ReadInfo]:
    info = ReadInfo()
    root_rels = pkg.rels("")
    wb_part = next((t for (typ, t, _) in root_rels.values() if typ.endswith("/officeDocument")),
                   "xl/workbook.xml")
    if not pkg.has(wb_part):
        raise WorkbookError(f"{pkg.name}: no workbook part")
    ctype = _content_type(pkg, wb_part)
    if "binary" in ctype:
        raise WorkbookError(f"{pkg.name}: binary .xlsb workbook; save it as .xlsx")
    if ctype and ctype not in WORKBOOK_TYPES:
        raise WorkbookError(f"{pkg.name}: not a spreadsheet package ({ctype})")
    info.workbook_part = wb_part
    info.macro_enabled = "macroEnabled" in ctype
    wb = pkg.xml(wb_part)
    wb_rels = pkg.rels(wb_part)

    date1904 = False
    all_sheets: list[tuple[str, str, str]] = []  # (name, rel type, part)
    ext_refs: list[str] = []
    names_el = None
    for el in wb:
        tag = _local(el.tag)
        if tag == "workbookPr":
            date1904 = el.get("date1904", "0").lower() in ("1", "true")
        elif tag == "sheets":
            for sh in el:
                if _local(sh.tag) != "sheet":
                    continue
                rid = next((v for k, v in sh.attrib.items() if _local(k) == "id"), "")
                typ, target, _ = wb_rels.get(rid, ("", "", ""))
                all_sheets.append((sh.get("name", ""), typ, target))
        elif tag == "externalReferences":
            for er in el:
                rid = next((v for k, v in er.attrib.items() if _local(k) == "id"), "")
                ext_refs.append(wb_rels.get(rid, ("", "", ""))[1])
        elif tag == "definedNames":
            names_el = el

    sst_part = next((t for (typ, t, _) in wb_rels.values() if typ.endswith("/sharedStrings")), None)
    styles_part = next((t for (typ, t, _) in wb_rels.values() if typ.endswith("/styles")), None)
    for part in (sst_part, styles_part):  # read by calamine: inflate-check them first
        if part and pkg.has(part):
            pkg.verify(part)
    empty_sst = _empty_shared_strings(pkg, sst_part)

    # external links: [n]! -> target file
    external: dict[int, str] = {}
    for i, part in enumerate(ext_refs, start=1):
        target = ""
        if part and pkg.has(part):
            for _, (typ, tgt, mode) in pkg.rels(part).items():
                if "externalLinkPath" in typ or mode == "External":
                    target = tgt
                    break
        external[i] = target

    # sheets
    sheet_scans: list[tuple[str, str, _Scan]] = []
    tables: dict[str, TableModel] = {}
    for name, typ, part in all_sheets:
        if not typ.endswith("/worksheet") or not part:
            continue
        if not pkg.has(part):
            raise WorkbookError(f"{pkg.name}: sheet {name!r} has no part {part}")
        scan = _scan_sheet(pkg, name, part, empty_sst, limits, info)
        cells = (scan.max_row + 1) * (scan.max_col + 1)
        if cells > limits.max_cells:
            raise LimitExceeded(
                f"{pkg.name}: sheet {name!r} spans {scan.max_row + 1:,} rows x "
                f"{scan.max_col + 1:,} columns = {cells:,} cells (limit {limits.max_cells:,}; "
                f"raise with {flag_for('max_cells')})")
        sheet_scans.append((name, part, scan))
        for typ2, target, _ in pkg.rels(part).values():
            if typ2.endswith("/table") and target and pkg.has(target):
                tm = _table(pkg, target, name)
                if tm is not None:
                    tables[tm.name.upper()] = tm

    # values (calamine), after every part it reads has been checked
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        cal = CalamineWorkbook.from_path(str(pkg.path))
    except (CalamineError, OSError, ValueError) as exc:
        raise WorkbookError(f"{pkg.name}: cannot read cell values ({exc})") from None
    sheets: dict[str, SheetModel] = {}
    try:
        for name, part, scan in sheet_scans:
            try:
                rows = cal.get_sheet_by_name(name).to_python(skip_empty_area=False)
            except (CalamineError, ValueError) as exc:
                raise WorkbookError(f"{pkg.name}: cannot read sheet {name!r} ({exc})") from None
            values = _values(rows, scan.max_row + 1, scan.max_col + 1, date1904)
            del rows
            sheets[name] = _sheet_model(name, part, scan, values)
    finally:
        cal.close()

    defined: dict[str, DefinedName] = {}
    if names_el is not None:
        visible = [n for n, _, _ in all_sheets]
        for el in names_el:
            if _local(el.tag) != "definedName":
                continue
            nm = el.get("name", "")
            text = el.text or ""
            if len(text) > limits.max_formula_length:
                raise LimitExceeded(f"{pkg.name}: defined name {nm} is {len(text):,} characters "
                                    f"(limit {limits.max_formula_length:,})")
            local = el.get("localSheetId")
            local_sheet = None
            if local is not None and local.isdigit() and int(local) < len(visible):
                local_sheet = visible[int(local)]
            dn = DefinedName(nm, text, local_sheet)
            key = nm.upper()
            if key in defined:
                if local_sheet is None:
                    prev = defined.pop(key)
                    defined[key] = dn
                    if prev.local_sheet:
                        defined[f"{prev.local_sheet.upper()}!{key}"] = prev
                    continue
                key = f"{local_sheet.upper()}!{key}"
            defined[key] = dn

    model = WorkbookModel(path=str(pkg.path), sheets=sheets, defined_names=defined,
                          tables=tables, external_links=external, date1904=date1904)
    return model, info


_NEST_RE = re.compile(r'"[^"]*"')


def _nesting(text: str) -> int:
    depth = best = 0
    for ch in _NEST_RE.sub("", text):
        if ch == "(":
            depth += 1
            if depth > best:
                best = depth
        elif ch == ")":
            depth -= 1
    return best


def _sheet_model(name: str, part: str, scan: _Scan, values: np.ndarray) -> SheetModel:
    b = scan.builder
    for row, col in b.from_values:  # t="s" formula cells: calamine has the shared string
        fc = b.formulas.get((row, col))
        if fc is not None:
            fc.cached = values[row, col]
    formulas = b.finish()
    if formulas:
        n = len(formulas)
        rows = np.fromiter((k[0] for k in formulas), np.intp, count=n)
        cols = np.fromiter((k[1] for k in formulas), np.intp, count=n)
        cached = np.empty(n, dtype=object)
        cached[:] = [fc.cached for fc in formulas.values()]
        values[rows, cols] = cached
    for row, col, code in scan.errors:
        code = code.strip()
        values[row, col] = ExcelError(code) if code in ERROR_CODES else code
    for row, col in scan.empty:
        if (row, col) not in formulas:
            values[row, col] = ""
    return SheetModel(name=name, part=part, values=values, formulas=formulas)


def _table(pkg: Package, part: str, sheet: str) -> TableModel | None:
    root = pkg.xml(part)
    if _local(root.tag) != "table":
        return None
    columns: list[str] = []
    calculated: dict[str, str] = {}
    for el in root:
        if _local(el.tag) != "tableColumns":
            continue
        for col in el:
            if _local(col.tag) != "tableColumn":
                continue
            cname = xstring(col.get("name", ""))
            columns.append(cname)
            for ch in col:
                if _local(ch.tag) == "calculatedColumnFormula" and ch.text:
                    calculated[cname] = ch.text
    name = root.get("displayName") or root.get("name") or ""
    return TableModel(name=name, sheet=sheet, ref=root.get("ref", ""), columns=columns,
                      header_rows=int(root.get("headerRowCount", "1") or 1),
                      totals_rows=int(root.get("totalsRowCount", "0") or 0),
                      calculated=calculated)
