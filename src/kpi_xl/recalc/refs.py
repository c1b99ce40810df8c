"""A1 references: cell and range text, sheet prefixes, structured references, R1C1 keys.

Coordinates are 0-based ``(row, col)`` as in :mod:`kpi_xl.recalc.model`.

>>> parse_cell("$B3")
(2, 1, False, True)
>>> a1(2, 27)
'AB3'
>>> split_sheet("'My Sheet'!A1:B2")
('My Sheet', 'A1:B2')
>>> relative_key("B2*C2+$A$1", 1, 3) == relative_key("B9*C9+$A$1", 8, 3)
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "MAX_COL",
    "MAX_ROW",
    "StructuredRef",
    "a1",
    "col_index",
    "col_letters",
    "parse_cell",
    "parse_col",
    "parse_range_text",
    "parse_row",
    "parse_structured",
    "relative_key",
    "split_sheet",
]

MAX_ROW = 1_048_576
MAX_COL = 16_384

_CELL_RE = re.compile(r"^(\$?)([A-Za-z]{1,3})(\$?)([0-9]{1,7})$")
_COL_RE = re.compile(r"^(\$?)([A-Za-z]{1,3})$")
_ROW_RE = re.compile(r"^(\$?)([0-9]{1,7})$")


@lru_cache(maxsize=4096)
def col_index(letters: str) -> int:
    """0-based column index of column letters (``"A"`` -> 0)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


@lru_cache(maxsize=4096)
def col_letters(index: int) -> str:
    """Column letters of a 0-based index (``27`` -> ``"AB"``)."""
    n = index + 1
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def a1(row: int, col: int) -> str:
    return f"{col_letters(col)}{row + 1}"


def parse_cell(text: str) -> tuple[int, int, bool, bool] | None:
    """``(row, col, row_absolute, col_absolute)`` of ``$A$1``-style text, or None."""
    m = _CELL_RE.match(text)
    if not m:
        return None
    col = col_index(m.group(2))
    row = int(m.group(4)) - 1
    if col >= MAX_COL or not 0 <= row < MAX_ROW:
        return None
    return row, col, bool(m.group(3)), bool(m.group(1))


def parse_col(text: str) -> tuple[int, bool] | None:
    m = _COL_RE.match(text)
    if not m:
        return None
    col = col_index(m.group(2))
    return (col, bool(m.group(1))) if col < MAX_COL else None


def parse_row(text: str) -> tuple[int, bool] | None:
    m = _ROW_RE.match(text)
    if not m:
        return None
    row = int(m.group(2)) - 1
    return (row, bool(m.group(1))) if 0 <= row < MAX_ROW else None


def split_sheet(text: str) -> tuple[str | None, str]:
    """Split ``Sheet!rest`` / ``'My ''Sheet'''!rest``; ``(None, text)`` when unqualified.

    An external prefix (``[1]Sheet1``) stays part of the sheet text (callers reject it).
    """
    if text.startswith("'"):
        i = 1
        while i < len(text):
            if text[i] == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    i += 2
                    continue
                break
            i += 1
        if i + 1 < len(text) and text[i + 1] == "!":
            return text[1:i].replace("''", "'"), text[i + 2:]
        return None, text
    # the last "!" outside brackets
    depth = 0
    for i, ch in enumerate(text):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "!" and depth == 0:
            return text[:i], text[i + 1:]
    return None, text


def split_colons(text: str) -> list[str]:
    """Split on ``:`` outside quotes and brackets."""
    parts: list[str] = []
    depth = 0
    quote = False
    start = 0
    for i, ch in enumerate(text):
        if ch == "'":
            quote = not quote
        elif quote:
            continue
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == ":" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


@dataclass(frozen=True)
class RangeText:
    """A parsed ``A1``/``A1:B2``/``A:A``/``1:1`` part (no sheet)."""

    r1: int
    c1: int
    r2: int
    c2: int
    r1abs: bool
    c1abs: bool
    r2abs: bool
    c2abs: bool
    kind: str  # "cell", "area", "cols", "rows"


def parse_range_text(text: str) -> RangeText | None:
    """``A1``, ``A1:B2``, ``A:C``, ``3:5`` (with ``$`` anywhere allowed), else None."""
    if ":" not in text:
        c = parse_cell(text)
        if c is None:
            return None
        return RangeText(c[0], c[1], c[0], c[1], c[2], c[3], c[2], c[3], "cell")
    left, _, right = text.partition(":")
    a, b = parse_cell(left), parse_cell(right)
    if a is not None and b is not None:
        return RangeText(a[0], a[1], b[0], b[1], a[2], a[3], b[2], b[3], "area")
    ca, cb = parse_col(left), parse_col(right)
    if ca is not None and cb is not None:
        return RangeText(0, ca[0], MAX_ROW - 1, cb[0], True, ca[1], True, cb[1], "cols")
    ra, rb = parse_row(left), parse_row(right)
    if ra is not None and rb is not None:
        return RangeText(ra[0], 0, rb[0], MAX_COL - 1, ra[1], True, rb[1], True, "rows")
    return None


# --- structured references ---------------------------------------------------------------

_SPECIALS = {"#ALL": "all", "#DATA": "data", "#HEADERS": "headers", "#TOTALS": "totals",
             "#THIS ROW": "this_row"}


@dataclass(frozen=True)
class StructuredRef:
    """``Table1[[#Data],[A]:[C]]``: the table ("" = the table holding the formula), the
    special items (``data``, ``all``, ``headers``, ``totals``, ``this_row``) and the first
    and last column name (None = all columns)."""

    table: str
    items: tuple[str, ...]
    first: str | None
    last: str | None


def _unescape(name: str) -> str:
    """Column names escape ``[ ] # '`` with a leading ``'``."""
    return re.sub(r"'(.)", r"\1", name)


def _bracket_items(body: str) -> list[str] | None:
    """Split ``[#This Row],[Col]`` (the inside of the outer brackets) into bracket bodies and
    the ``:`` separators."""
    items: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        ch = body[i]
        if ch in " ,":
            i += 1
            continue
        if ch == ":":
            items.append(":")
            i += 1
            continue
        if ch != "[":
            return None
        j = i + 1
        buf = []
        while j < n and body[j] != "]":
            if body[j] == "'" and j + 1 < n:
                buf.append(body[j:j + 2])
                j += 2
                continue
            buf.append(body[j])
            j += 1
        if j >= n:
            return None
        items.append("".join(buf))
        i = j + 1
    return items


def parse_structured(text: str) -> StructuredRef | None:
    """Parse ``T[Col]``, ``T[[#This Row],[Col]]``, ``T[@Col]``, ``T[@[Col 1]]``, ``T[#Totals]``,
    ``T[[#Data],[A]:[C]]``, ``T[]``, ``[@Col]``; None if ``text`` is not one.

    >>> parse_structured("T[[#Data],[A]:[C]]")
    StructuredRef(table='T', items=('data',), first='A', last='C')
    >>> parse_structured("Sales[@Amount]")
    StructuredRef(table='Sales', items=('this_row',), first='Amount', last='Amount')
    """
    i = text.find("[")
    if i < 0 or not text.endswith("]"):
        return None
    table = text[:i]
    if table and not re.match(r"^[A-Za-z_\\][\w.\\]*$", table):
        return None
    body = text[i + 1:-1]
    items: list[str] = []
    if body.startswith("@"):
        items.append("this_row")
        body = body[1:].strip()
        if not body:
            return StructuredRef(table, ("this_row",), None, None)
        if not body.startswith("["):
            body = "[" + body + "]"
    elif not body.startswith("[") and not body.startswith("#"):
        name = _unescape(body)
        return StructuredRef(table, (), name, name) if body else StructuredRef(table, (), None, None)
    elif body.startswith("#"):
        sp = _SPECIALS.get(body.upper())
        return StructuredRef(table, (sp,), None, None) if sp else None
    parts = _bracket_items(body)
    if parts is None:
        return None
    cols: list[str] = []
    colon = False
    for p in parts:
        if p == ":":
            colon = True
            continue
        if p.startswith("#"):
            sp = _SPECIALS.get(p.upper())
            if sp is None:
                return None
            items.append(sp)
        else:
            cols.append(_unescape(p))
    if len(cols) > 2 or (colon and len(cols) != 2):
        return None
    first = cols[0] if cols else None
    last = cols[-1] if cols else None
    return StructuredRef(table, tuple(items), first, last)


# --- R1C1 keys for grouping copied formulas -----------------------------------------------

_KEY_RE = re.compile(
    r"""("(?:[^"]|"")*")"""                                  # 1 string literal
    r"""|('(?:[^']|'')*')"""                                 # 2 quoted sheet name
    r"""|(\[(?:[^\[\]']|'.|\[(?:[^\[\]']|'.)*\])*\])"""      # 3 brackets (tables, [1]!)
    r"""|(?<![\w.$])(\$?)([A-Za-z]{1,3})(\$?)([0-9]{1,7})(?![\w(.!\[])"""      # 4-7 cell
    r"""|(?<![\w.$])(\$?)([A-Za-z]{1,3}):(\$?)([A-Za-z]{1,3})(?![\w(.!\[])"""  # 8-11 cols
    r"""|(?<![\w.$])(\$?)([0-9]{1,7}):(\$?)([0-9]{1,7})(?![\w(.!\[])"""        # 12-15 rows
)


def _key_sub(m: re.Match[str], row: int, col: int) -> str:
    if m.group(4) is not None:
        c = col_index(m.group(5))
        r = int(m.group(7)) - 1
        if c >= MAX_COL or not 0 <= r < MAX_ROW:
            return m.group(0)
        rs = f"R{r}" if m.group(6) else f"R[{r - row}]"
        cs = f"C{c}" if m.group(4) else f"C[{c - col}]"
        return rs + cs
    if m.group(8) is not None:
        c1, c2 = col_index(m.group(9)), col_index(m.group(11))
        if c1 >= MAX_COL or c2 >= MAX_COL:
            return m.group(0)
        a = f"C{c1}" if m.group(8) else f"C[{c1 - col}]"
        b = f"C{c2}" if m.group(10) else f"C[{c2 - col}]"
        return f"{a}:{b}"
    if m.group(12) is not None:
        r1, r2 = int(m.group(13)) - 1, int(m.group(15)) - 1
        a = f"R{r1}" if m.group(12) else f"R[{r1 - row}]"
        b = f"R{r2}" if m.group(14) else f"R[{r2 - row}]"
        return f"{a}:{b}"
    return m.group(0)


def relative_key(text: str, row: int, col: int) -> str:
    """The formula text with every A1 reference rewritten relative to ``(row, col)``.

    Copies of one formula (``B2*C2`` in row 2, ``B3*C3`` in row 3) get the same key. Only
    used to *group* cells; each group is parsed with the real tokenizer once.
    """
    if not any(ch.isdigit() for ch in text) and ":" not in text:
        return text
    return _KEY_RE.sub(lambda m: _key_sub(m, row, col), text)
