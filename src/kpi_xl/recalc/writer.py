"""Write recalculated values into the original package, changing nothing else.

Only the ``<v>`` element and the ``t`` attribute of the patched cells change:

=============  ======================================  =========================
value          ``<v>``                                 ``t``
=============  ======================================  =========================
number         shortest round-trip repr (``0.1``)      removed
text           the text, XML-escaped                   ``str``
boolean        ``1`` / ``0``                           ``b``
error          ``#DIV/0!`` ...                         ``e``
=============  ======================================  =========================

Every other zip member is copied **byte for byte** -- its local header, compressed data and
central-directory record -- in the original order; a patched sheet part is re-compressed with
the same method. Sheet XML is patched in streamed chunks of whole rows (no DOM): a cell is
found by its ``<c r="REF"`` start tag, and a sheet whose cells are not all in that form (cells
without ``r``, comments or CDATA in the sheet data) goes through a slower token-by-token path.

The result is written to a temporary file in the target folder, fsynced, then atomically
renamed over the target: a crash leaves either the old file or the complete new one.
``xl/calcChain.xml`` is kept as it is (recalculation adds and removes no formula), and
``fullCalcOnLoad`` is not set: the written values are final.
"""

from __future__ import annotations

import contextlib
import math
import re
import struct
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from kpi_xl import fsutil
from kpi_xl.recalc.model import ExcelError
from kpi_xl.recalc.reader import MAX_ROW_BYTES, MB, WorkbookError, col_letters, col_number

__all__ = ["WriteStats", "atomic_output", "format_value", "patch_sheet", "write_package"]

CellPatches = Mapping[tuple[int, int], Any]
_LOCAL_SIG = b"PK\x03\x04"
_CENTRAL_SIG = b"PK\x01\x02"
_EOCD_SIG = b"PK\x05\x06"


@dataclass
class WriteStats:
    patched: int = 0  # cells whose <v>/t were written
    missing: list[tuple[str, str]] = field(default_factory=list)  # (part, ref) not in the XML
    parts: list[str] = field(default_factory=list)  # members rewritten


# --- values --------------------------------------------------------------------------------

_BAD_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


def _xml_text(s: str) -> str:
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if _BAD_XML_CHARS.search(s):
        s = _BAD_XML_CHARS.sub(lambda m: f"_x{ord(m.group(0)):04X}_", s)
    return s.replace("\r", "&#13;")


def format_value(value: Any) -> tuple[str | None, str]:
    """``(t attribute or None, text of <v>)`` for a computed value.

    >>> format_value(3.0), format_value(0.1), format_value(True), format_value("a<b")
    ((None, '3'), (None, '0.1'), ('b', '1'), ('str', 'a&lt;b'))
    >>> format_value(ExcelError("#N/A")), format_value(float("nan"))
    (('e', '#N/A'), ('e', '#NUM!'))
    """
    if isinstance(value, ExcelError):
        return "e", str(value)
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if value is None:
        return None, "0"
    if isinstance(value, (int, float)) or (hasattr(value, "__float__") and not isinstance(value, str)):
        try:
            x = float(value)
        except (TypeError, ValueError):
            return "str", _xml_text(str(value))
        if not math.isfinite(x):
            return "e", "#NUM!"
        if x == 0:
            return None, "0"
        if x.is_integer() and abs(x) < 1e15:
            return None, str(int(x))
        return None, repr(x)
    return "str", _xml_text(str(value))


# --- sheet patching ------------------------------------------------------------------------


class _Slow(Exception):
    """The fast patcher cannot place every cell: use the token-by-token path."""


_ROOT_RE = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet\b")
_ATTR_T_RE = re.compile(rb"""\st\s*=\s*(?:"[^"]*"|'[^']*')""")


class _Tags:
    """Byte strings of one namespace prefix (``b""`` or ``b"x:"``)."""

    _cache: ClassVar[dict[bytes, _Tags]] = {}

    def __init__(self, prefix: bytes) -> None:
        p = prefix
        self.prefix = p
        self.v_open, self.v_close, self.v_empty = b"<" + p + b"v>", b"</" + p + b"v>", b"<" + p + b"v/>"
        self.f_close = b"</" + p + b"f>"
        self.c_open, self.c_close = b"<" + p + b"c", b"</" + p + b"c>"
        self.is_open = b"<" + p + b"is"
        ep = re.escape(p)
        self.v_any = re.compile(rb"<" + ep + rb"v\s*/>|<" + ep + rb"v(?:\s[^>]*)?>[^<]*</" + ep + rb"v>")
        self.is_any = re.compile(rb"<" + ep + rb"is\b.*?</" + ep + rb"is>|<" + ep + rb"is\s*/>", re.S)
        self.f_end = re.compile(rb"<" + ep + rb"f\b[^>]*?/>|</" + ep + rb"f>")

    @classmethod
    def of(cls, prefix: bytes) -> _Tags:
        t = cls._cache.get(prefix)
        if t is None:
            t = cls._cache[prefix] = cls(prefix)
        return t


def _cell_xml(prefix: bytes, attrs: bytes, inner: bytes | None, value: Any) -> bytes:
    """The new cell element: same attributes except ``t``, same children except v/is."""
    tags = _Tags.of(prefix)
    t, text = format_value(value)
    if b"t" in attrs and _ATTR_T_RE.search(attrs):
        attrs = _ATTR_T_RE.sub(b"", attrs)
    if t is not None:
        attrs = attrs + b' t="' + t.encode() + b'"'
    v = tags.v_open + text.encode("utf-8") + tags.v_close
    if inner is None:
        body = v
    else:
        body = _replace_v(tags, inner, v)
    return tags.c_open + attrs + b">" + body + tags.c_close


def _replace_v(tags: _Tags, inner: bytes, v: bytes) -> bytes:
    # the common shape: <f>...</f><v>...</v>
    vi = inner.find(tags.v_open)
    if vi >= 0 and tags.is_open not in inner:
        ve = inner.find(tags.v_close, vi)
        if ve >= 0 and inner.find(b"<", vi + len(tags.v_open)) == ve:
            return inner[:vi] + v + inner[ve + len(tags.v_close):]
    # general: drop the old value and any inline string, keep the formula and the rest
    inner = tags.v_any.sub(b"", inner, count=1)
    inner = tags.is_any.sub(b"", inner, count=1)
    m = tags.f_end.search(inner)
    if m:
        return inner[:m.end()] + v + inner[m.end():]
    return v + inner


def _chunks_by_row(stream: Iterator[bytes], sep: bytes) -> Iterator[bytes]:
    buf = b""
    for piece in stream:
        buf = buf + piece if buf else piece
        cut = buf.rfind(sep)
        if cut < 0:
            if len(buf) > MAX_ROW_BYTES:
                raise _Slow  # no row end in 64 MB: not the regular form
            continue
        cut += len(sep)
        yield buf[:cut]
        buf = buf[cut:]
    if buf:
        yield buf


def _fmt_all(values: list[Any]) -> list[tuple[bytes | None, bytes]]:
    """format_value for many values, with a fast path for finite floats."""
    out: list[tuple[bytes | None, bytes]] = []
    append = out.append
    for v in values:
        if v.__class__ is float and v == v and v not in (_INF, _NINF):
            if v == 0:
                append((None, b"0"))
                continue
            r = repr(v)
            append((None, (r[:-2] if r.endswith(".0") else r).encode()))
        else:
            t, text = format_value(v)
            append((t.encode() if t else None, text.encode("utf-8")))
    return out


_INF, _NINF = float("inf"), float("-inf")
_T_IN_TAG_RE = re.compile(rb"""\st\s*=\s*["']([^"']*)["']""")


def patch_sheet(stream: Iterator[bytes], patches: CellPatches, stats: WriteStats,
                part: str = "") -> Iterator[bytes]:
    """Patch the cells of one sheet part, streaming; yields the new XML in pieces.

    Raises :class:`_Slow` when the fast path cannot be used (cells without ``r``, comments,
    CDATA); :func:`write_package` then rewinds and runs :func:`patch_sheet_slow`.
    """
    first = next(stream, b"")
    m = _ROOT_RE.search(first[:64 * 1024])
    prefix = (m.group(1) or b"") if m else b""
    tags = _Tags.of(prefix)
    order = sorted(patches)
    c_start = b"<" + prefix + b'c r="'
    needles = [c_start + f"{col_letters(c)}{r + 1}".encode() + b'"' for r, c in order]
    vals = _fmt_all([patches[k] for k in order])
    del order
    c_end, v_open, v_close = tags.c_close, tags.v_open, tags.v_close
    lv = len(v_open)
    sep = b"</" + prefix + b"row>"

    def pieces() -> Iterator[bytes]:
        yield first
        yield from stream

    i = 0
    n = len(needles)
    c_any = (b"<" + prefix + b"c ", b"<" + prefix + b"c>", b"<" + prefix + b"c/")
    attrs_skip = 2 + len(prefix)  # '<' + prefix + 'c': attributes start at the space
    for chunk in _chunks_by_row(pieces(), sep):
        if b"<!--" in chunk or b"<![CDATA[" in chunk:
            raise _Slow
        if sum(chunk.count(t) for t in c_any) != chunk.count(c_start):
            raise _Slow  # a cell without r, or r not its first attribute
        out: list[bytes] = []
        append = out.append
        find = chunk.find
        pos = 0
        while i < n:
            at = find(needles[i], pos)
            if at < 0:
                break
            gt = find(b">", at)
            new_t, text = vals[i]
            i += 1
            stats.patched += 1
            if chunk[gt - 1] != 47:  # not "/>"
                close = find(c_end, gt)
                if close < 0:
                    raise _Slow
                vi = find(v_open, gt, close)
                if vi >= 0 and chunk.find(b"<", vi + lv, close) == (ve := find(v_close, vi, close)):
                    tm = _T_IN_TAG_RE.search(chunk, at, gt) if find(b"t=", at, gt) >= 0 else None
                    old_t = tm.group(1) if tm else None
                    if old_t == new_t or (old_t in (b"n", None) and new_t is None):
                        append(chunk[pos:vi + lv])
                    else:
                        attrs = chunk[at + attrs_skip:gt]
                        if tm:
                            attrs = attrs[:tm.start() - at - attrs_skip] + attrs[tm.end() - at - attrs_skip:]
                        if new_t is not None:
                            attrs += b' t="' + new_t + b'"'
                        append(chunk[pos:at])
                        append(tags.c_open + attrs + b">")
                        append(chunk[gt + 1:vi + lv])
                    append(text)
                    pos = ve
                    continue
                inner = chunk[gt + 1:close]
                end = close + len(c_end)
                attrs = chunk[at + attrs_skip:gt]
            else:
                inner = None
                end = gt + 1
                attrs = chunk[at + attrs_skip:gt - 1]
            append(chunk[pos:at])
            append(_cell_bytes(tags, attrs, inner, new_t, text))
            pos = end
        append(chunk[pos:])
        yield b"".join(out)
    for ref in needles[i:]:
        stats.missing.append((part, ref[len(c_start):-1].decode()))


def _cell_bytes(tags: _Tags, attrs: bytes, inner: bytes | None, t: bytes | None,
                text: bytes) -> bytes:
    if b"t" in attrs and _ATTR_T_RE.search(attrs):
        attrs = _ATTR_T_RE.sub(b"", attrs)
    if t is not None:
        attrs = attrs + b' t="' + t + b'"'
    v = tags.v_open + text + tags.v_close
    body = v if inner is None else _replace_v(tags, inner, v)
    return tags.c_open + attrs + b">" + body + tags.c_close


_TOKEN_RE = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
    rb"|<(?P<p>[A-Za-z_][\w.-]*:)?(?P<tag>row|c)(?P<attrs>(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(?P<end>/?)>",
    re.S)
_R_ATTR_RE = re.compile(rb"""\sr\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def patch_sheet_slow(data: bytes, patches: CellPatches, stats: WriteStats,
                     part: str = "") -> bytes:
    """Token-by-token patching: cells without ``r``, comments, CDATA, any attribute order."""
    m = _ROOT_RE.search(data[:64 * 1024])
    main_prefix = (m.group(1) or b"") if m else b""
    todo = dict(patches)
    out: list[bytes] = []
    pos = 0
    row_i, col_i = -1, -1
    start = data.find(b"<" + main_prefix + b"sheetData")
    if start < 0:
        for (r, c) in todo:
            stats.missing.append((part, f"{col_letters(c)}{r + 1}"))
        return data
    for tm in _TOKEN_RE.finditer(data, start):
        tag = tm.group("tag")
        if tag is None or (tm.group("p") or b"") != main_prefix:
            continue
        ra = _R_ATTR_RE.search(tm.group("attrs"))
        ref = (ra.group(1) if ra.group(1) is not None else ra.group(2)).decode() if ra else None
        if tag == b"row":
            row_i = int(ref) - 1 if ref else row_i + 1
            col_i = -1
            continue
        if ref:
            mm = re.match(r"\$?([A-Za-z]{1,3})\$?([0-9]+)$", ref)
            if not mm:
                raise WorkbookError(f"{part}: bad cell reference {ref!r}")
            r, col_i = int(mm.group(2)) - 1, col_number(mm.group(1).upper())
        else:
            r, col_i = row_i, col_i + 1
        if (r, col_i) not in todo:
            continue
        value = todo.pop((r, col_i))
        prefix = tm.group("p") or b""
        attrs = tm.group("attrs")
        if not ref:
            attrs = b' r="' + f"{col_letters(col_i)}{r + 1}".encode() + b'"' + attrs
        if tm.group("end"):
            inner, end = None, tm.end()
        else:
            close = _find_close(data, tm.end(), b"</" + prefix + b"c>")
            inner, end = data[tm.end():close], close + len(prefix) + 4
        out.append(data[pos:tm.start()])
        out.append(_cell_xml(prefix, attrs, inner, value))
        stats.patched += 1
        pos = end
        if not todo:
            break
    out.append(data[pos:])
    for (r, c) in todo:
        stats.missing.append((part, f"{col_letters(c)}{r + 1}"))
    return b"".join(out)


def _find_close(data: bytes, pos: int, close: bytes) -> int:
    """Position of ``close`` after ``pos``, skipping comments and CDATA sections."""
    while True:
        j = data.find(close, pos)
        if j < 0:
            raise WorkbookError("unterminated cell element")
        k1 = data.find(b"<![CDATA[", pos, j)
        k2 = data.find(b"<!--", pos, j)
        ks = [k for k in (k1, k2) if k >= 0]
        if not ks:
            return j
        k = min(ks)
        end = data.find(b"]]>" if k == k1 else b"-->", k)
        if end < 0:
            raise WorkbookError("unterminated CDATA or comment")
        pos = end + 3


# --- the zip container -------------------------------------------------------------------


@dataclass
class _Entry:
    name: str
    offset: int  # local header offset in the source
    central: bytes  # the raw central-directory record
    method: int
    flags: int
    compress_size: int
    usize: int = 0  # uncompressed size
    end: int = 0  # end of this member's bytes (next header or central directory)


def _read_directory(fh: BinaryIO, size: int) -> tuple[list[_Entry], int, bytes]:
    """Entries in central-directory order, the central directory offset, the EOCD comment."""
    tail_len = min(size, 65536 + 22)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    at = tail.rfind(_EOCD_SIG)
    if at < 0 or len(tail) - at < 22:
        raise WorkbookError("no zip end-of-central-directory record")
    (_, disk, cd_disk, n_disk, n_total, cd_size, cd_offset,
     comment_len) = struct.unpack("<4s4H2LH", tail[at:at + 22])
    if disk or cd_disk or n_disk != n_total or n_total == 0xFFFF or cd_offset == 0xFFFFFFFF:
        raise WorkbookError("multi-disk or ZIP64 packages are not supported")
    comment = tail[at + 22:at + 22 + comment_len]
    fh.seek(cd_offset)
    cd = fh.read(cd_size)
    entries: list[_Entry] = []
    p = 0
    for _ in range(n_total):
        if cd[p:p + 4] != _CENTRAL_SIG:
            raise WorkbookError("corrupt zip central directory")
        (flags, method, _crc, csize, usize, nlen, xlen, clen, offset) = struct.unpack(
            "<HH4xLLLHHH8xL", cd[p + 8:p + 46])
        rec_len = 46 + nlen + xlen + clen
        raw = cd[p:p + rec_len]
        name_b = cd[p + 46:p + 46 + nlen]
        name = name_b.decode("utf-8" if flags & 0x800 else "cp437")
        if csize == 0xFFFFFFFF or usize == 0xFFFFFFFF or offset == 0xFFFFFFFF:
            raise WorkbookError("ZIP64 members are not supported")
        entries.append(_Entry(name, offset, raw, method, flags, csize, usize))
        p += rec_len
    by_offset = sorted(entries, key=lambda e: e.offset)
    for a, b in zip(by_offset, [*by_offset[1:], None], strict=True):
        a.end = b.offset if b is not None else cd_offset
    return entries, cd_offset, comment


def _inflate(fh: BinaryIO, entry: _Entry) -> Iterator[bytes]:
    fh.seek(entry.offset)
    hdr = fh.read(30)
    if hdr[:4] != _LOCAL_SIG:
        raise WorkbookError(f"corrupt local header of {entry.name}")
    nlen, xlen = struct.unpack("<HH", hdr[26:30])
    fh.seek(entry.offset + 30 + nlen + xlen)
    left = entry.compress_size
    d = zlib.decompressobj(-15) if entry.method == 8 else None
    while left > 0:
        raw = fh.read(min(left, 1 * MB))
        if not raw:
            raise WorkbookError(f"truncated member {entry.name}")
        left -= len(raw)
        if d is None:
            yield raw
        else:
            out = d.decompress(raw, 16 * MB)
            while True:
                if out:
                    yield out
                if not d.unconsumed_tail:
                    break
                out = d.decompress(d.unconsumed_tail, 16 * MB)
    if d is not None:
        rest = d.flush()
        if rest:
            yield rest


_LEVELS = {0: 6, 1: 9, 2: 1, 3: 1}  # general-purpose flag bits 1-2: normal/max/fast/superfast
#: Parts larger than this are re-compressed at zlib level 1 (about 10% bigger, twice as fast),
#: in a second thread (zlib releases the GIL) while the main thread patches the next rows.
BIG_PART = 4 * MB


def _write_member(out: BinaryIO, entry: _Entry, pieces: Iterator[bytes], src_local: bytes,
                  size_hint: int = 0) -> tuple[int, int, int, int]:
    """Write a new local header + data; returns (offset, crc, compressed, uncompressed)."""
    offset = out.tell()
    nlen = struct.unpack("<H", src_local[26:28])[0]
    name_b = src_local[30:30 + nlen]
    flags = entry.flags & ~0x8  # sizes in the local header, no data descriptor
    header = bytearray(struct.pack("<4sHHHHHLLLHH", _LOCAL_SIG,
                                   struct.unpack("<H", src_local[4:6])[0], flags, entry.method,
                                   *struct.unpack("<HH", src_local[10:14]), 0, 0, 0, nlen, 0))
    out.write(header + name_b)
    big = size_hint > BIG_PART
    level = 1 if big else _LEVELS.get((entry.flags >> 1) & 3, 6)
    comp = zlib.compressobj(level, zlib.DEFLATED, -15) if entry.method == 8 else None
    state = {"crc": 0, "usize": 0, "csize": 0}

    def consume(piece: bytes) -> None:
        state["crc"] = zlib.crc32(piece, state["crc"])
        state["usize"] += len(piece)
        data = comp.compress(piece) if comp is not None else piece
        if data:
            out.write(data)
            state["csize"] += len(data)

    if big:
        _pipelined(pieces, consume)
    else:
        for piece in pieces:
            consume(piece)
    if comp is not None:
        data = comp.flush()
        out.write(data)
        state["csize"] += len(data)
    end = out.tell()
    out.seek(offset + 14)
    out.write(struct.pack("<LLL", state["crc"], state["csize"], state["usize"]))
    out.seek(end)
    return offset, state["crc"], state["csize"], state["usize"]


def _pipelined(pieces: Iterator[bytes], consume: Callable[[bytes], None]) -> None:
    """Run ``consume`` over ``pieces`` in a second thread, overlapping production."""
    import queue
    import threading

    q: queue.Queue[bytes | None] = queue.Queue(maxsize=3)
    failure: list[BaseException] = []

    def worker() -> None:
        while True:
            piece = q.get()
            if piece is None:
                return
            if failure:
                continue  # keep draining so the producer never blocks
            try:
                consume(piece)
            except BaseException as exc:
                failure.append(exc)

    t = threading.Thread(target=worker, name="kpi-xl-deflate", daemon=True)
    t.start()
    try:
        for piece in pieces:
            if failure:
                break
            q.put(piece)
    finally:
        q.put(None)
        t.join()
    if failure:
        raise failure[0]


def write_package(src: str | Path, dst_fh: BinaryIO,
                  sheet_patches: Mapping[str, CellPatches] | None = None,
                  replace: Mapping[str, bytes | Callable[[], Iterator[bytes]]] | None = None,
                  drop: set[str] | frozenset[str] = frozenset(),
                  slow_parts: set[str] | frozenset[str] = frozenset()) -> WriteStats:
    """Copy the package ``src`` into ``dst_fh``, patching cells of some sheet parts.

    ``sheet_patches``: part name -> {(row, col): value}. ``replace``: part name -> new
    content (bytes, or a callable giving pieces) for other edits (``fill``). ``drop``: members
    to leave out. ``slow_parts``: sheet parts the reader could not scan fast (patched
    token by token). Every other member is copied byte for byte.
    """
    sheet_patches = {k: v for k, v in (sheet_patches or {}).items() if v}
    replace = dict(replace or {})
    stats = WriteStats()
    src = Path(src)
    size = src.stat().st_size
    with open(src, "rb") as fh:
        entries, cd_offset, comment = _read_directory(fh, size)
        names = {e.name for e in entries}
        for part in list(sheet_patches) + list(replace):
            if part not in names:
                raise WorkbookError(f"{src.name}: no part {part} to patch")
        by_offset = sorted(entries, key=lambda e: e.offset)
        first = by_offset[0].offset if by_offset else cd_offset
        if first:
            raise WorkbookError(f"{src.name}: unexpected data before the zip package")
        new_central: dict[str, bytes] = {}
        for e in by_offset:
            if e.name in drop:
                continue
            if e.name in sheet_patches or e.name in replace:
                fh.seek(e.offset)
                local = fh.read(30)
                nlen = struct.unpack("<H", local[26:28])[0]
                local += fh.read(nlen)
                if e.name in sheet_patches:
                    offset, crc, csize, usize = _write_sheet(dst_fh, fh, e, local,
                                                             sheet_patches[e.name], stats,
                                                             e.name in slow_parts)
                else:
                    r = replace[e.name]
                    pieces = iter([r]) if isinstance(r, bytes) else r()
                    offset, crc, csize, usize = _write_member(dst_fh, e, pieces, local)
                stats.parts.append(e.name)
                rec = bytearray(e.central)
                struct.pack_into("<H", rec, 8, e.flags & ~0x8)
                struct.pack_into("<LLL", rec, 16, crc, csize, usize)
                struct.pack_into("<L", rec, 42, offset)
                new_central[e.name] = bytes(rec)
            else:
                offset = dst_fh.tell()
                fh.seek(e.offset)
                left = e.end - e.offset
                while left > 0:
                    buf = fh.read(min(left, 4 * MB))
                    if not buf:
                        raise WorkbookError(f"{src.name}: truncated member {e.name}")
                    dst_fh.write(buf)
                    left -= len(buf)
                rec = bytearray(e.central)
                struct.pack_into("<L", rec, 42, offset)
                new_central[e.name] = bytes(rec)
        cd_start = dst_fh.tell()
        count = 0
        for e in entries:
            if e.name in new_central:
                dst_fh.write(new_central[e.name])
                count += 1
        cd_size = dst_fh.tell() - cd_start
        dst_fh.write(struct.pack("<4s4H2LH", _EOCD_SIG, 0, 0, count, count, cd_size, cd_start,
                                 len(comment)) + comment)
    return stats


def _write_sheet(dst: BinaryIO, fh: BinaryIO, e: _Entry, local: bytes, patches: CellPatches,
                 stats: WriteStats, slow: bool = False) -> tuple[int, int, int, int]:
    """Write one patched sheet member: streamed fast path, else (rewound) the slow path."""
    start = dst.tell()
    part_stats = WriteStats()
    try:
        if slow:
            raise _Slow
        result = _write_member(dst, e, patch_sheet(_inflate(fh, e), patches, part_stats, e.name),
                               local, e.usize)
        if part_stats.missing:
            raise _Slow
    except _Slow:
        dst.seek(start)
        dst.truncate()
        part_stats = WriteStats()
        data = b"".join(_inflate(fh, e))
        result = _write_member(dst, e, iter([patch_sheet_slow(data, patches, part_stats,
                                                              e.name)]), local, e.usize)
    stats.patched += part_stats.patched
    stats.missing.extend(part_stats.missing)
    return result


# --- atomic output -------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_output(target: str | Path, *, backup: str | Path | None = None,
                  clean_stale: bool = False) -> Iterator[BinaryIO]:
    """A temporary file next to ``target``; on success it is fsynced and renamed over it
    (:func:`kpi_xl.fsutil.atomic_output`: the replaced file's permissions are kept).

    With ``backup``, the existing target is first hard-linked (or copied) to ``backup``, so at
    every moment ``target`` is either the intact original or the complete new file.
    ``clean_stale``: first remove temporary files that killed runs left for this target (only
    safe while holding the target's lock, as ``recalc --in-place`` does).
    """
    if clean_stale:
        remove_stale_temps(target)
    with fsutil.atomic_output(target, backup=backup) as fh:
        yield fh


remove_stale_temps = fsutil.remove_stale_temps
