"""Hostile and malformed workbooks, built at test time (each file small on disk).

:data:`CASES` maps a case name to ``(build(folder) -> path, pattern)``: ``pattern`` is a
regular expression the one-line error must match. The zip bombs are written by a small
hand-rolled zip writer (:func:`write_zip`) with a deflate stream made of one flushed block
repeated: an 8 GiB sheet part costs about 8 MB of disk and no time to build. Used by the tests
(``test_hostile_workbooks.py``) and by ``measure.py`` (docs/reliability.md).
"""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from openpyxl.workbook.defined_name import DefinedName
from rel_support import make_book, make_fill_template

GiB = 1024**3
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# --- a zip writer for raw deflate members ------------------------------------------------------

class Member:
    """A zip member: stored/deflated from ``data``, or a raw deflate stream with its sizes."""

    def __init__(self, name: str, data: bytes = b"", *, raw: bytes | None = None,
                 size: int = 0, crc: int = 0, declared_size: int | None = None,
                 method: int = zipfile.ZIP_DEFLATED) -> None:
        self.name = name
        if raw is None:
            if method == zipfile.ZIP_DEFLATED:
                c = zlib.compressobj(6, zlib.DEFLATED, -15)
                raw = c.compress(data) + c.flush()
            else:
                raw = data
            size, crc = len(data), zlib.crc32(data)
        self.raw, self.size, self.crc, self.method = raw, size, crc, method
        self.declared = size if declared_size is None else declared_size


def write_zip(path: Path, members: list[Member]) -> Path:
    """Write members in order; zip64 extra fields where a size passes 4 GiB."""
    out = io.BytesIO()
    central = []
    for m in members:
        name = m.name.encode()
        offset = out.tell()
        big = m.declared >= 0xFFFFFFFF or len(m.raw) >= 0xFFFFFFFF
        extra = struct.pack("<HHQQ", 1, 16, m.declared, len(m.raw)) if big else b""
        usize, csize = (0xFFFFFFFF, 0xFFFFFFFF) if big else (m.declared, len(m.raw))
        version = 45 if big else 20
        out.write(struct.pack("<4sHHHHHLLLHH", b"PK\x03\x04", version, 0, m.method, 0, 0x21,
                              m.crc, csize, usize, len(name), len(extra)))
        out.write(name + extra)
        out.write(m.raw)
        central.append(struct.pack("<4sHHHHHHLLLHHHHHLL", b"PK\x01\x02", version, version, 0,
                                   m.method, 0, 0x21, m.crc, csize, usize, len(name),
                                   len(extra), 0, 0, 0, 0, offset) + name + extra)
    cd_offset = out.tell()
    cd = b"".join(central)
    out.write(cd)
    out.write(struct.pack("<4sHHHHLLH", b"PK\x05\x06", 0, 0, len(members), len(members),
                          len(cd), cd_offset, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())
    return path


def _gf2_times(mat: list[int], vec: int) -> int:
    s, i = 0, 0
    while vec:
        if vec & 1:
            s ^= mat[i]
        vec >>= 1
        i += 1
    return s


def _gf2_square(mat: list[int]) -> list[int]:
    return [_gf2_times(mat, mat[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of A+B from crc(A), crc(B) and len(B) (zlib's crc32_combine)."""
    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while True:
        even = _gf2_square(odd)
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def crc32_repeat(block: bytes, n: int) -> int:
    """CRC-32 of ``block * n`` without building it."""
    result, result_len = 0, 0
    piece, piece_len = zlib.crc32(block), len(block)
    while n:
        if n & 1:
            result = crc32_combine(result, piece, piece_len) if result_len else piece
            result_len += piece_len
        n >>= 1
        if n:
            piece = crc32_combine(piece, piece, piece_len)
            piece_len *= 2
    return result


def deflate_bomb(prefix: bytes, chunk: bytes, total: int, suffix: bytes
                 ) -> tuple[bytes, int, int]:
    """A raw deflate stream of ``prefix + chunk * k + suffix`` (about ``total`` bytes):
    ``(stream, inflated size, crc32)``. ``chunk`` is compressed once, fully flushed (no
    back-references across it), and its block repeated."""
    n = max(1, (total - len(prefix) - len(suffix)) // len(chunk))
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    assert block == again, "a fully flushed block must repeat byte for byte"
    tail = c.compress(suffix) + c.flush()
    stream = head + block * n + tail
    size = len(prefix) + len(chunk) * n + len(suffix)
    crc = crc32_combine(crc32_combine(zlib.crc32(prefix), crc32_repeat(chunk, n),
                                      len(chunk) * n), zlib.crc32(suffix), len(suffix))
    return stream, size, crc


def cells_chunk(kind: str) -> bytes:
    """1 MiB of sheet XML. ``sparse``: cells padded with blanks (~740:1 deflated);
    ``dense``: the same cell with a random value every 200th (~260:1, under the ratio limit)."""
    cell = b'<c r="A1"><v>1</v></c>'
    if kind == "rows":  # whole rows, all the same cell: a regular sheet to a streaming scanner
        unit = b'<row r="1">' + cell + b"</row>"
        return unit * ((1 << 20) // len(unit))
    if kind == "sparse":
        unit = cell + b" " * 4000
        return unit * ((1 << 20) // len(unit))
    rng, parts, n = random.Random(1), [], 0
    while n < (1 << 20):
        v = rng.randrange(10**6) if len(parts) % 200 == 0 else 1
        parts.append(b'<c r="A1"><v>%d</v></c>' % v)
        n += len(parts[-1])
    return b"".join(parts)


# --- base workbooks ------------------------------------------------------------------------------

def base_members(folder: Path, kind: str = "book") -> dict[str, bytes]:
    """The members of a small valid workbook (``book``: formulas; ``fill``: an Excel Table)."""
    p = folder / f".base-{kind}.xlsx"
    if not p.exists():
        (make_book if kind == "book" else make_fill_template)(p)
        with zipfile.ZipFile(p) as z:
            parts = {n: z.read(n) for n in z.namelist()}
        if kind == "book":  # openpyxl writes inline strings: add a shared-string table
            parts = _with_shared_strings(parts)
        repack(p, parts)
    with zipfile.ZipFile(p) as z:
        return {n: z.read(n) for n in z.namelist()}


def _with_shared_strings(parts: dict[str, bytes]) -> dict[str, bytes]:
    inline = b'<c r="A1" t="inlineStr"><is><t>value</t></is></c>'
    assert inline in parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        inline, b'<c r="A1" t="s"><v>0</v></c>')
    parts["xl/sharedStrings.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN}" '
        f'count="1" uniqueCount="1"><si><t>value</t></si></sst>').encode()
    rel = ('<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/'
           '2006/relationships/sharedStrings" Target="sharedStrings.xml"/>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", rel.encode() + b"</Relationships>")
    ov = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
          'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", ov.encode() + b"</Types>")
    return parts


def repack(path: Path, parts: dict[str, bytes], extra: list[Member] | None = None) -> Path:
    members = [Member(n, d) for n, d in parts.items()]
    return write_zip(path, members + (extra or []))


def sheet(rows: str, *, dimension: str | None = None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{MAIN}">{dim}<sheetData>{rows}</sheetData></worksheet>').encode()


SHEET_HEAD = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              f'<worksheet xmlns="{MAIN}"><sheetData>').encode()
SHEET_TAIL = b"</sheetData></worksheet>"


def zip_bomb(folder: Path, *, total: int = 8 * GiB, lie: bool = False, name: str = "",
             kind: str = "book", chunk: str = "sparse") -> Path:
    """sheet1.xml inflating to ``total`` bytes of cells; ``lie``: its headers declare 64 KB."""
    parts = base_members(folder, kind)
    del parts["xl/worksheets/sheet1.xml"]
    rows = chunk == "rows"
    stream, size, crc = deflate_bomb(SHEET_HEAD + (b"" if rows else b'<row r="1">'),
                                     cells_chunk(chunk), total,
                                     (b"" if rows else b"</row>") + SHEET_TAIL)
    bomb = Member("xl/worksheets/sheet1.xml", raw=stream, size=size, crc=crc,
                  declared_size=64 * 1024 if lie else size)
    order = list(parts)
    i = order.index("xl/workbook.xml")
    members = [Member(n, parts[n]) for n in order[:i + 1]] + [bomb] + \
              [Member(n, parts[n]) for n in order[i + 1:]]
    return write_zip(folder / (name or f"bomb-{'liar' if lie else 'honest'}.xlsx"), members)


def many_members(folder: Path, kind: str) -> Path:
    parts = base_members(folder, kind)
    extra = [Member(f"customXml/item{i}.xml", b"<a/>") for i in range(12_000)]
    return repack(folder / "many-members.xlsx", parts, extra)


def billion_laughs_doc(root: bytes) -> bytes:
    ents = ['<!ENTITY lol0 "lol">']
    for i in range(1, 10):
        ents.append(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">')
    dtd = "<!DOCTYPE r [" + "".join(ents) + "]>"
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + dtd.encode()
            + root.replace(b">", b">&lol9;", 1))


def xxe_doc(root: bytes) -> bytes:
    dtd = ('<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
           '<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>')
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + dtd.encode()
            + root.replace(b">", b">&xxe;", 1))


def _strip_decl(xml: bytes) -> bytes:
    if xml.startswith(b"<?xml"):
        xml = xml[xml.index(b"?>") + 2:].lstrip()
    return xml


def dtd_in_part(folder: Path, kind: str, part: str, attack: str, *, utf16: bool = False
                ) -> Path:
    parts = base_members(folder, kind)
    if part == "xl/sharedStrings.xml" and part not in parts:
        part = "xl/styles.xml"  # (the fill template has no shared strings)
    assert part in parts, sorted(parts)
    root = _strip_decl(parts[part])
    doc = billion_laughs_doc(root) if attack == "laughs" else xxe_doc(root)
    if utf16:
        doc = doc.replace(b'encoding="UTF-8"', b'encoding="UTF-16"').decode().encode("utf-16")
    parts[part] = doc
    safe = part.replace("/", "_").replace("[", "").replace("]", "")
    return repack(folder / f"{attack}-{safe}{'-utf16' if utf16 else ''}.xlsx", parts)


def unsafe_name(folder: Path, kind: str, member: str, label: str) -> Path:
    parts = base_members(folder, kind)
    return repack(folder / f"name-{label}.xlsx", parts, [Member(member, b"<evil/>")])


# OLE compound files (MS-CFB): a 512-byte header, one FAT sector, a directory sector and
# mini-stream-free streams of at least 4096 bytes (regular sectors) each.

def ole_file(streams: dict[str, bytes]) -> bytes:
    sector = 512
    free, endchain, fatsect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    names = list(streams)
    data_sectors: list[list[int]] = []
    nxt = 2  # sector 0: FAT, sector 1: directory
    for n in names:
        size = max(len(streams[n]), 4096)
        count = -(-size // sector)
        data_sectors.append(list(range(nxt, nxt + count)))
        nxt += count
    fat = [fatsect, endchain] + [free] * (nxt - 2)
    for secs in data_sectors:
        for a, b in zip(secs, [*secs[1:], endchain], strict=True):
            fat[a] = b
    assert len(fat) <= 128, "one FAT sector"
    fat += [free] * (128 - len(fat))

    def entry(name: str, typ: int, child: int, start: int, size: int, left: int = free,
              right: int = free) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), typ, 1)
                + struct.pack("<LLL", left, right, child) + b"\0" * 16 + b"\0" * 4
                + b"\0" * 16 + struct.pack("<LLL", start, size, 0))

    entries = [entry("Root Entry", 5, 1 if names else free, endchain, 0)]
    for i, n in enumerate(names):
        # a degenerate red-black tree: each stream is the right sibling of the previous
        right = i + 2 if i + 1 < len(names) else free
        entries.append(entry(n, 2, free, data_sectors[i][0], max(len(streams[n]), 4096),
                             right=right))
    directory = b"".join(entries).ljust(sector, b"\0")
    assert len(directory) == sector, "one directory sector"
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<LLLLLLLLL", 0, 1, 1, 0, 4096, endchain, 0, endchain, 0)
              + struct.pack("<L", 0) + struct.pack("<L", free) * 108)
    assert len(header) == 512
    body = struct.pack("<128L", *fat) + directory
    for n in names:
        body += streams[n].ljust(-(-max(len(streams[n]), 4096) // sector) * sector, b"\0")
    return header + body


def encrypted(folder: Path) -> Path:
    """What Excel writes for a password-protected .xlsx: an OLE file with EncryptionInfo and
    EncryptedPackage streams (agile encryption, XML descriptor)."""
    info = struct.pack("<HHL", 4, 4, 0x40) + (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<encryption '
        b'xmlns="http://schemas.microsoft.com/office/2006/encryption"><keyData saltSize="16" '
        b'blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
        b'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/>'
        b"</encryption>")
    package = struct.pack("<Q", 4096) + random.Random(1).randbytes(4096)
    p = folder / "encrypted.xlsx"
    p.write_bytes(ole_file({"EncryptionInfo": info, "EncryptedPackage": package}))
    return p


def legacy_xls(folder: Path) -> Path:
    bof = struct.pack("<HHHHLL", 0x0809, 16, 0x0600, 0x0005, 0, 0)
    p = folder / "legacy.xlsx"
    p.write_bytes(ole_file({"Workbook": bof + b"\0" * 100}))
    return p


def ods(folder: Path) -> Path:
    content = (b'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               b'office:version="1.2"><office:body><office:spreadsheet/></office:body>'
               b"</office:document-content>")
    manifest = (b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                b'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                b'<manifest:file-entry manifest:full-path="/" '
                b'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                b"</manifest:manifest>")
    return write_zip(folder / "spreadsheet.xlsx", [
        Member("mimetype", b"application/vnd.oasis.opendocument.spreadsheet",
               method=zipfile.ZIP_STORED),
        Member("content.xml", content), Member("META-INF/manifest.xml", manifest)])


def truncated(folder: Path, kind: str, keep: float) -> Path:
    base_members(folder, kind)
    data = (folder / f".base-{kind}.xlsx").read_bytes()
    p = folder / f"truncated-{int(keep * 100)}.xlsx"
    p.write_bytes(data[:int(len(data) * keep)])
    return p


def raw_file(folder: Path, name: str, data: bytes) -> Path:
    p = folder / name
    p.write_bytes(data)
    return p


def with_cells(folder: Path, kind: str, fname: str, cells: dict[str, str],
               names: dict[str, str] | None = None) -> Path:
    """The base workbook with extra cells (``=...`` are formulas) and defined names."""
    import openpyxl

    src = folder / f".base-{kind}.xlsx"
    base_members(folder, kind)
    wb = openpyxl.load_workbook(src)
    ws = wb["Data"]
    for ref, value in cells.items():
        ws[ref] = value
    for name, text in (names or {}).items():
        wb.defined_names[name] = DefinedName(name, attr_text=text)
    p = folder / fname
    wb.save(p)
    return p


def declared_dimension(folder: Path, kind: str) -> Path:
    """``<dimension ref="A1:XFD1048576"/>`` in a sheet whose cells are all near A1."""
    parts = base_members(folder, kind)
    xml = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = re.sub(rb'<dimension ref="[^"]*"/>',
                                               b'<dimension ref="A1:XFD1048576"/>', xml, count=1)
    assert parts["xl/worksheets/sheet1.xml"] != xml
    return repack(folder / "dimension-declared.xlsx", parts)


Builder = Callable[[Path, str], Path]

#: name -> (builder, pattern of the one-line error, what the case is).
CASES: dict[str, tuple[Builder, str, str]] = {
    "zip-bomb-8GiB": (lambda f, k: zip_bomb(f, kind=k), r"inflates to \d+ MB",
                      "sheet1.xml inflates to 8 GiB (12 MB file), sizes declared honestly"),
    "zip-bomb-lying-header": (lambda f, k: zip_bomb(f, kind=k, lie=True), r"corrupt|CRC",
                              "the same stream, headers declare 64 KB"),
    "zip-bomb-under-size-limit": (lambda f, k: zip_bomb(f, kind=k, total=900 * 1024**2,
                                                        name="bomb-900MB.xlsx"),
                                  r"ratio", "900 MB part (under the 1 GB part limit) at ~740:1"),
    "zip-bomb-one-huge-row": (lambda f, k: zip_bomb(f, kind=k, total=1000 * 1024**2,
                                                    chunk="dense", name="bomb-row.xlsx"),
                              r"cells|row|limit",
                              "1,000 MB part at ~260:1 (4 MB file): one row of 45 million "
                              "cells, under the size and ratio limits"),
    "zip-bomb-repeated-rows": (lambda f, k: zip_bomb(f, kind=k, total=1000 * 1024**2,
                                                     chunk="rows", name="bomb-rows.xlsx"),
                               r"cells|row|limit",
                               "1,000 MB part at ~340:1 (3 MB file): row 1 repeated 27 million "
                               "times, under the size and ratio limits"),
    "zip-12000-members": (many_members, r"members", "12,000 zip members"),
    "billion-laughs-sheet": (lambda f, k: dtd_in_part(f, k, "xl/worksheets/sheet1.xml",
                                                      "laughs"),
                             r"DTD", "10^9 entity expansion in sheet1.xml"),
    "billion-laughs-sheet-utf16": (lambda f, k: dtd_in_part(f, k, "xl/worksheets/sheet1.xml",
                                                            "laughs", utf16=True),
                                   r"DTD|entit", "the same, sheet1.xml encoded as UTF-16"),
    "billion-laughs-content-types": (lambda f, k: dtd_in_part(f, k, "[Content_Types].xml",
                                                              "laughs"), r"DTD",
                                     "in [Content_Types].xml"),
    "billion-laughs-shared-strings": (lambda f, k: dtd_in_part(f, k, "xl/sharedStrings.xml",
                                                               "laughs"), r"DTD",
                                      "in xl/sharedStrings.xml"),
    "billion-laughs-styles": (lambda f, k: dtd_in_part(f, k, "xl/styles.xml", "laughs"),
                              r"DTD", "in xl/styles.xml"),
    "billion-laughs-core-props": (lambda f, k: dtd_in_part(f, k, "docProps/core.xml",
                                                           "laughs"),
                                  r"DTD", "in docProps/core.xml (a part recalc never parses)"),
    "billion-laughs-theme": (lambda f, k: dtd_in_part(f, k, "xl/theme/theme1.xml", "laughs"),
                             r"DTD", "in xl/theme/theme1.xml (a part recalc never parses)"),
    "xxe-workbook": (lambda f, k: dtd_in_part(f, k, "xl/workbook.xml", "xxe"), r"DTD",
                     "file:///etc/passwd + remote DTD in xl/workbook.xml"),
    "xxe-rels": (lambda f, k: dtd_in_part(f, k, "_rels/.rels", "xxe"), r"DTD",
                 "in _rels/.rels"),
    "xxe-workbook-rels": (lambda f, k: dtd_in_part(f, k, "xl/_rels/workbook.xml.rels", "xxe"),
                          r"DTD", "in xl/_rels/workbook.xml.rels"),
    "xxe-sheet": (lambda f, k: dtd_in_part(f, k, "xl/worksheets/sheet1.xml", "xxe"), r"DTD",
                  "in sheet1.xml"),
    "xxe-app-props": (lambda f, k: dtd_in_part(f, k, "docProps/app.xml", "xxe"), r"DTD",
                      "in docProps/app.xml (a part recalc never parses)"),
    "zip-slip-dotdot": (lambda f, k: unsafe_name(f, k, "../../evil.xml", "dotdot"), r"unsafe",
                        "member ../../evil.xml"),
    "zip-slip-inner-dotdot": (lambda f, k: unsafe_name(f, k, "xl/../../evil.xml", "inner"),
                              r"unsafe", "member xl/../../evil.xml"),
    "zip-slip-absolute": (lambda f, k: unsafe_name(f, k, "/etc/evil.xml", "abs"), r"unsafe",
                          "member /etc/evil.xml"),
    "zip-slip-windows": (lambda f, k: unsafe_name(f, k, "C:\\evil.xml", "win"), r"unsafe",
                         "member C:\\evil.xml"),
    "encrypted-ole": (lambda f, k: encrypted(f), r"password|encrypt",
                      "password-protected workbook (OLE: EncryptionInfo, EncryptedPackage)"),
    "legacy-xls": (lambda f, k: legacy_xls(f), r"\.xls", ".xls (BIFF8 in OLE) named .xlsx"),
    "ods": (lambda f, k: ods(f), r"OpenDocument", ".ods named .xlsx"),
    "csv": (lambda f, k: raw_file(f, "data.xlsx", b"name,amount\n=1+1,2\nb,3\n"), r"CSV",
            ".csv named .xlsx"),
    "random-bytes": (lambda f, k: raw_file(f, "random.xlsx", random.Random(6).randbytes(65536)),
                     r"not a zip", "64 KB of random bytes named .xlsx"),
    "empty-file": (lambda f, k: raw_file(f, "empty.xlsx", b""), r"empty", "0 bytes"),
    "truncated-half": (lambda f, k: truncated(f, k, 0.5), r"corrupt|truncated", "first half"),
    "truncated-no-directory": (lambda f, k: truncated(f, k, 0.97), r"corrupt|truncated",
                               "central directory cut off"),
    "dimension-XFD1048576-cells": (
        lambda f, k: with_cells(f, k, "dimension-cells.xlsx", {"XFD1048576": "1"}),
        r"cells", "a cell at XFD1048576: a 17-billion-cell used range"),
    "formula-10000-chars": (
        lambda f, k: with_cells(f, k, "long-formula.xlsx", {"H1": "=" + "1+" * 4999 + "1"}),
        r"characters", "one formula of 10,000 characters"),
    "formula-nested-1000-parens": (
        lambda f, k: with_cells(f, k, "nested-parens.xlsx",
                                {"H1": "=" + "(" * 1000 + "1" + ")" * 1000}),
        r"nest", "=((((...1...)))) 1,000 deep"),
    "formula-nested-1000-calls": (
        lambda f, k: with_cells(f, k, "nested-calls.xlsx",
                                {"H1": "=" + "ABS(" * 1000 + "1" + ")" * 1000}),
        r"nest", "=ABS(ABS(...)) 1,000 deep"),
    "defined-name-10000-chars": (
        lambda f, k: with_cells(f, k, "long-name.xlsx", {"H1": "=Big"},
                                {"Big": "1+" * 4999 + "1"}),
        r"characters", "a defined name of 10,000 characters"),
    "circular-reference": (
        lambda f, k: with_cells(f, k, "circular.xlsx",
                                {"H1": "=I1+1", "I1": "=J1+1", "J1": "=H1+1"}),
        r"circular", "H1 -> I1 -> J1 -> H1"),
    "defined-name-self-reference": (
        lambda f, k: with_cells(f, k, "name-loop.xlsx", {"H1": "=Loop*2"}, {"Loop": "Loop+1"}),
        r"circular|refers to itself", "name Loop = Loop+1, H1 = Loop*2"),
    "defined-names-mutual": (
        lambda f, k: with_cells(f, k, "names-mutual.xlsx", {"H1": "=Ping"},
                                {"Ping": "Pong+1", "Pong": "Ping+1"}),
        r"circular|refers to itself", "names Ping = Pong+1, Pong = Ping+1"),
}

#: Not refused, by design: a declared (not used) dimension is a hint the reader ignores.
BOUNDED_CASES: dict[str, tuple[Builder, str]] = {
    "dimension-XFD1048576-declared": (
        declared_dimension, '<dimension ref="A1:XFD1048576"/> declared, cells near A1 only'),
}
