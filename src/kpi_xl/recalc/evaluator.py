"""Evaluate a :class:`~kpi_xl.recalc.model.WorkbookModel`'s formulas, headless.

How it works
------------
1. **Group** formula cells by their relative (R1C1) form: copies of one formula down a column
   (``B2*C2``, ``B3*C3``, ...) share one key (:func:`kpi_xl.recalc.refs.relative_key`;
   shared-formula groups are trusted after checking their first and last cell).
2. **Parse** each group's formula once with openpyxl's tokenizer
   (:mod:`kpi_xl.recalc.parser`) and **bind** it: defined names inlined, structured
   references resolved against the tables, function names resolved
   (:func:`kpi_xl.recalc.functions.resolve_function`). Anything unknown makes the group
   *unsupported*.
3. **Dependencies** between groups come from the references each formula reads (ranges
   computed for all cells of a group at once with numpy); groups are ordered by Tarjan's
   algorithm. A group that reads its own cells (a running total), or groups in a strongly
   connected component, are resolved cell by cell: true cycles are reported and left alone.
4. **Evaluate** each group once, in *vector mode*: a relative reference is the column of
   values for all cells of the group (a :class:`~kpi_xl.recalc.runtime.Vec`), operators and
   functions run as numpy operations over it, and range aggregates are computed once. A
   construct that cannot be vectorised makes the group fall back to cell-by-cell evaluation.
5. Unsupported cells, cells of cycles and cells whose formula fails to parse are *poisoned*:
   their dependents are not evaluated either, and none of them appear in the result values.

All recursion is bounded (formula length and nesting are checked at parse time) and
evaluation can be given a timeout.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kpi_xl.recalc import functions as _functions
from kpi_xl.recalc.functions import Fn, resolve_function, special
from kpi_xl.recalc.model import DefinedName, ExcelError, TableModel, WorkbookModel
from kpi_xl.recalc.parser import ParseError, parse
from kpi_xl.recalc.refs import (
    _KEY_RE,
    MAX_COL,
    MAX_ROW,
    a1,
    parse_range_text,
    parse_structured,
)
from kpi_xl.recalc.runtime import Areas, Block, NotVectorisable, Ref, Vec, VRef
from kpi_xl.recalc.values import (
    BINARY_OPS,
    DIV0,
    MISSING,
    NA,
    NULL,
    NUM,
    REF,
    VALUE,
    Unsupported,
    norm,
    num_result,
    op_neg,
    op_pct,
    op_plus,
    to_bool,
    to_int,
    to_number,
    to_text,
)
from kpi_xl.recalc.vector import array_binary, array_unary, vbinary, vselect, vtruth, vunary

__all__ = ["EvalResult", "Limits", "evaluate"]

_STRICT = os.environ.get("KPI_XL_RECALC_STRICT") == "1"  # tests: re-raise internal errors


@dataclass
class Limits:
    max_formula_length: int = 8192
    max_nesting: int = 64
    max_cells: int = 5_000_000
    timeout_s: float | None = None


@dataclass
class EvalResult:
    values: dict[tuple[str, int, int], Any] = field(default_factory=dict)
    unsupported: list[tuple[str, str, str]] = field(default_factory=list)
    cycles: list[list[tuple[str, str]]] = field(default_factory=list)
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    formulas_seen: int = 0


class _Timeout(Exception):
    pass


# --- the workbook while evaluating ----------------------------------------------------------


class SheetState:
    __slots__ = ("blocks", "grid", "has_formula", "name", "owner", "poison", "poison_sat",
                 "poisoned", "tables")

    def __init__(self, name: str, grid: np.ndarray) -> None:
        self.name = name
        self.grid = grid
        self.owner: np.ndarray | None = None
        self.has_formula: np.ndarray | None = None  # summed-area table of formula cells
        self.poison: np.ndarray | None = None  # int32: 0 clean, k > 0: reason index
        self.poison_sat: np.ndarray | None = None
        self.poisoned = False  # any cell of the sheet poisoned
        self.blocks: dict[tuple[int, int, int, int], Block] = {}
        self.tables: list[tuple[int, int, int, int, TableModel]] = []


def _sat(mask: np.ndarray) -> np.ndarray:
    """Summed-area table with a zero first row/column."""
    out = np.zeros((mask.shape[0] + 1, mask.shape[1] + 1), dtype=np.int64)
    out[1:, 1:] = mask.astype(np.int64).cumsum(0).cumsum(1)
    return out


def _sat_count(sat: np.ndarray, r1: Any, c1: Any, r2: Any, c2: Any) -> Any:
    """Count of marked cells in rectangles (clipped to the table's extent)."""
    h, w = sat.shape[0] - 1, sat.shape[1] - 1
    r1 = np.clip(r1, 0, h)
    c1 = np.clip(c1, 0, w)
    r2 = np.clip(np.asarray(r2) + 1, 0, h)
    c2 = np.clip(np.asarray(c2) + 1, 0, w)
    r2 = np.maximum(r2, r1)
    c2 = np.maximum(c2, c1)
    return sat[r2, c2] - sat[r1, c2] - sat[r2, c1] + sat[r1, c1]


class Book:
    """Working values of every sheet plus lookups (names, tables) and a block cache."""

    def __init__(self, model: WorkbookModel | None, today: _dt.date, limits: Limits) -> None:
        self.model = model
        self.today = today
        self.limits = limits
        self.date1904 = bool(model.date1904) if model is not None else False
        self.sheets: dict[str, SheetState] = {}
        self.upper: dict[str, str] = {}
        self.names: dict[tuple[str, str | None], DefinedName] = {}
        self.tables: dict[str, TableModel] = {}
        if model is None:
            return
        for name, sm in model.sheets.items():
            grid = np.asarray(sm.values, dtype=object)
            if grid.ndim != 2:
                grid = grid.reshape(len(grid), -1) if grid.size else np.empty((0, 0), dtype=object)
            self.sheets[name] = SheetState(name, grid.copy())
            self.upper[name.upper()] = name
        for dn in model.defined_names.values():
            scope = self.sheet_name(dn.local_sheet) if dn.local_sheet else None
            self.names[(dn.name.upper(), scope)] = dn
        for key, t in model.tables.items():
            self.tables[key.upper()] = t
            self.tables[t.name.upper()] = t
            sheet = self.sheet_name(t.sheet)
            rt = parse_range_text(t.ref.replace("$", ""))
            if sheet is not None and rt is not None:
                self.sheets[sheet].tables.append((rt.r1, rt.c1, rt.r2, rt.c2, t))

    def sheet_name(self, name: str | None) -> str | None:
        if name is None:
            return None
        if name in self.sheets:
            return name
        return self.upper.get(name.upper())

    def cell(self, sheet: str, r: int, c: int) -> Any:
        g = self.sheets[sheet].grid
        if 0 <= r < g.shape[0] and 0 <= c < g.shape[1]:
            v = g[r, c]
            cls = v.__class__
            if cls is float or cls is str or v is None or cls is bool or cls is ExcelError:
                return v
            return norm(v)
        return None

    def block(self, ref: Ref) -> Block:
        st = self.sheets[ref.sheet]
        key = (ref.r1, ref.c1, ref.r2, ref.c2)
        blk = st.blocks.get(key)
        if blk is not None:
            return blk
        g = st.grid
        h = max(0, min(ref.r2 + 1, g.shape[0]) - ref.r1)
        w = max(0, min(ref.c2 + 1, g.shape[1]) - ref.c1)
        if h and w:
            obj = g[ref.r1:ref.r1 + h, ref.c1:ref.c1 + w]
        else:
            obj = np.empty((h, w), dtype=object)
        blk = Block(obj, ref.nrows, ref.ncols, ref)
        if len(st.blocks) > 512:
            st.blocks.clear()
        st.blocks[key] = blk
        return blk

    def gather(self, sheet: str, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        g = self.sheets[sheet].grid
        rows = np.asarray(rows)
        cols = np.asarray(cols)
        inside = (rows >= 0) & (cols >= 0) & (rows < g.shape[0]) & (cols < g.shape[1])
        out = np.full(len(rows), None, dtype=object)
        if inside.all():
            out[:] = g[rows, cols]
        elif inside.any():
            out[inside] = g[rows[inside], cols[inside]]
        return out

    def ensure(self, sheet: str, nrows: int, ncols: int) -> None:
        st = self.sheets[sheet]
        g = st.grid
        if nrows <= g.shape[0] and ncols <= g.shape[1]:
            return
        new = np.full((max(nrows, g.shape[0]), max(ncols, g.shape[1])), None, dtype=object)
        new[:g.shape[0], :g.shape[1]] = g
        st.grid = new
        st.blocks.clear()

    def write(self, sheet: str, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
        if not len(rows):
            return
        st = self.sheets[sheet]
        self.ensure(sheet, int(rows.max()) + 1, int(cols.max()) + 1)
        st.grid[rows, cols] = values
        if st.blocks:
            r1, r2, c1, c2 = int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())
            for key in [k for k in st.blocks
                        if not (k[2] < r1 or k[0] > r2 or k[3] < c1 or k[1] > c2)]:
                del st.blocks[key]

    def write_cell(self, sheet: str, r: int, c: int, value: Any) -> None:
        st = self.sheets[sheet]
        g = st.grid
        if r >= g.shape[0] or c >= g.shape[1]:
            self.write(sheet, np.array([r]), np.array([c]), _obj([value]))
            return
        g[r, c] = value
        if st.blocks:
            for key in [k for k in st.blocks if k[0] <= r <= k[2] and k[1] <= c <= k[3]]:
                del st.blocks[key]

    def table_at(self, sheet: str, r: int, c: int) -> TableModel | None:
        for r1, c1, r2, c2, t in self.sheets[sheet].tables:
            if r1 <= r <= r2 and c1 <= c <= c2:
                return t
        return None


# --- evaluation context ---------------------------------------------------------------------


class Ctx:
    """Where a formula is evaluated: one cell (scalar mode) or a group (vector mode).

    ``refs`` says the value being computed is consumed as a reference (an argument of SUM,
    an operand of ``:``); IF/CHOOSE/IFERROR in vector mode must then keep references."""

    __slots__ = ("_variants", "array", "book", "col", "cols", "n", "refs", "row", "rows",
                 "sheet", "vec")

    def __init__(self, book: Book, sheet: str, row: int = 0, col: int = 0,
                 rows: np.ndarray | None = None, cols: np.ndarray | None = None,
                 array: bool = False, refs: bool = False) -> None:
        self.book, self.sheet = book, sheet
        self.row, self.col = row, col
        self.rows, self.cols = rows, cols
        self.vec = rows is not None
        self.n = len(rows) if rows is not None else 1
        self.array = array
        self.refs = refs
        self._variants: dict[tuple[bool, bool], Ctx] | None = None

    def variant(self, array: bool, refs: bool) -> Ctx:
        if array == self.array and refs == self.refs:
            return self
        if self._variants is None:
            self._variants = {}
        c = self._variants.get((array, refs))
        if c is None:
            c = Ctx(self.book, self.sheet, self.row, self.col, self.rows, self.cols, array, refs)
            self._variants[(array, refs)] = c
        return c

    def arr(self) -> Ctx:
        return self.variant(True, self.refs)

    def at(self, i: int) -> Ctx:
        assert self.rows is not None and self.cols is not None
        return Ctx(self.book, self.sheet, int(self.rows[i]), int(self.cols[i]), array=self.array)

    @property
    def date1904(self) -> bool:
        return self.book.date1904


# --- evaluation -----------------------------------------------------------------------------

Node = tuple[Any, ...]


def ev(node: Node, cx: Ctx) -> Any:
    return _EV[node[0]](node, cx)


def _ev_lit(node: Node, cx: Ctx) -> Any:
    return node[1]


def _ev_missing(node: Node, cx: Ctx) -> Any:
    return MISSING


def _ev_arr(node: Node, cx: Ctx) -> Any:
    return node[1]


def _ev_aref(node: Node, cx: Ctx) -> Any:
    return node[1]


def _ev_ref(node: Node, cx: Ctx) -> Any:
    _, sheet, r1, c1, r2, c2, rel, extra = node
    book = cx.book
    if not cx.vec:
        if rel & 1:
            r1 += cx.row
        if rel & 2:
            c1 += cx.col
        if rel & 4:
            r2 += cx.row
        if rel & 8:
            c2 += cx.col
        if r1 > r2:
            r1, r2 = r2, r1
        if c1 > c2:
            c1, c2 = c2, c1
        if r1 < 0 or c1 < 0 or r2 >= MAX_ROW or c2 >= MAX_COL:
            return REF
        if extra is not None and not extra[1] <= cx.row <= extra[2]:
            return VALUE
        return Ref(book, sheet, r1, c1, r2, c2)
    n = cx.n
    rows, cols = cx.rows, cx.cols
    R1 = rows + r1 if rel & 1 else np.full(n, r1)
    C1 = cols + c1 if rel & 2 else np.full(n, c1)
    R2 = rows + r2 if rel & 4 else np.full(n, r2)
    C2 = cols + c2 if rel & 8 else np.full(n, c2)
    R1, R2 = np.minimum(R1, R2), np.maximum(R1, R2)
    C1, C2 = np.minimum(C1, C2), np.maximum(C1, C2)
    bad = (R1 < 0) | (C1 < 0) | (R2 >= MAX_ROW) | (C2 >= MAX_COL)
    if extra is not None and ((rows < extra[1]) | (rows > extra[2])).any():
        raise NotVectorisable("this-row reference outside the table")
    return VRef(book, sheet, R1, C1, R2, C2, bad if bad.any() else None)


def implicit_vec(ref: Ref, cx: Ctx) -> Vec:
    """Implicit intersection of a constant multi-cell reference with every cell of a group."""
    rows, cols = cx.rows, cx.cols
    n = cx.n
    if ref.r1 == ref.r2:
        ok = (cols >= ref.c1) & (cols <= ref.c2)
        vals = cx.book.gather(ref.sheet, np.full(n, ref.r1), cols)
    elif ref.c1 == ref.c2:
        ok = (rows >= ref.r1) & (rows <= ref.r2)
        vals = cx.book.gather(ref.sheet, rows, np.full(n, ref.c1))
    else:
        return Vec.of([VALUE] * n)
    if not ok.all():
        vals[~ok] = VALUE
    return Vec.of(vals)


def implicit_vref(v: VRef, cx: Ctx) -> Vec:
    rows, cols = cx.rows, cx.cols
    single = (v.r1 == v.r2) & (v.c1 == v.c2)
    hrow = (v.r1 == v.r2) & (cols >= v.c1) & (cols <= v.c2)
    vcol = (v.c1 == v.c2) & (rows >= v.r1) & (rows <= v.r2)
    rr = np.where(single, v.r1, np.where(hrow, v.r1, rows))
    cc = np.where(single, v.c1, np.where(hrow, cols, v.c1))
    vals = cx.book.gather(v.sheet, rr, cc)
    ok = single | hrow | vcol
    if not ok.all():
        vals[~ok] = VALUE
    if v.bad is not None:
        vals[v.bad] = REF
    return Vec.of(vals)


def val(x: Any, cx: Ctx) -> Any:
    """A reference as a value: a single cell's value; a range intersected with the formula's
    cell, or (array context) the range's values as an array."""
    c = x.__class__
    if c is Ref:
        if x.r1 == x.r2 and x.c1 == x.c2:
            return x.value()
        if cx.array:
            return x.block().full(cx.book.limits.max_cells)
        if cx.vec:
            return implicit_vec(x, cx)
        return x.intersect(cx.row, cx.col)
    if c is VRef:
        if x.single():
            return x.values()
        if cx.array:
            raise NotVectorisable("per-cell ranges in array context")
        return implicit_vref(x, cx)
    if c is Areas:
        if len(x) == 1:
            return val(x[0], cx)
        return VALUE
    return x


def binop(op: str, a: Any, b: Any) -> Any:
    ca, cb = a.__class__, b.__class__
    if ca is Vec or cb is Vec:
        if ca is np.ndarray or cb is np.ndarray:
            raise NotVectorisable("array and vector")
        return vbinary(op, a, b)
    if ca is np.ndarray or cb is np.ndarray:
        return array_binary(op, a, b)
    return BINARY_OPS[op](a, b)


def _ev_ops(node: Node, cx: Ctx) -> Any:
    ops, operands = node[1], node[2]
    if cx.refs:
        cx = cx.variant(cx.array, False)
    acc = val(ev(operands[0], cx), cx)
    for op, operand in zip(ops, operands[1:], strict=False):
        acc = binop(op, acc, val(ev(operand, cx), cx))
    return acc


_UNARY = {"neg": op_neg, "pct": op_pct, "pos": op_plus}


def _ev_unary(node: Node, cx: Ctx) -> Any:
    if cx.refs:
        cx = cx.variant(cx.array, False)
    x = val(ev(node[1], cx), cx)
    c = x.__class__
    if c is Vec:
        return vunary(node[0], x)
    if c is np.ndarray:
        return array_unary(node[0], x)
    return _UNARY[node[0]](x)


def _ev_at(node: Node, cx: Ctx) -> Any:
    x = ev(node[1], cx)
    c = x.__class__
    if c is Ref:
        if cx.vec:
            return implicit_vec(x, cx) if not x.is_cell() else x.value()
        return x.intersect(cx.row, cx.col)
    if c is VRef:
        return implicit_vref(x, cx)
    if c is np.ndarray:
        return x[0, 0] if x.size else VALUE
    return val(x, cx)


def _ev_range(node: Node, cx: Ctx) -> Any:
    if cx.vec and not cx.refs:
        cx = cx.variant(cx.array, True)
    a = ev(node[1], cx)
    b = ev(node[2], cx)
    if a.__class__ is ExcelError:
        return a
    if b.__class__ is ExcelError:
        return b
    if a.__class__ is Ref and b.__class__ is Ref:
        if a.sheet != b.sheet:
            return REF
        return Ref(cx.book, a.sheet, min(a.r1, b.r1), min(a.c1, b.c1), max(a.r2, b.r2),
                   max(a.c2, b.c2))
    if a.__class__ in (Ref, VRef) and b.__class__ in (Ref, VRef):
        if a.sheet != b.sheet:
            return REF
        n = cx.n

        def arrs(x: Any) -> tuple[Any, Any, Any, Any, Any]:
            if x.__class__ is Ref:
                return (np.full(n, x.r1), np.full(n, x.c1), np.full(n, x.r2), np.full(n, x.c2),
                        None)
            return x.r1, x.c1, x.r2, x.c2, x.bad

        ar, ac, ar2, ac2, abad = arrs(a)
        br, bc, br2, bc2, bbad = arrs(b)
        bad = abad if bbad is None else (bbad if abad is None else abad | bbad)
        return VRef(cx.book, a.sheet, np.minimum(ar, br), np.minimum(ac, bc),
                    np.maximum(ar2, br2), np.maximum(ac2, bc2), bad)
    if a.__class__ is Vec or b.__class__ is Vec:
        raise NotVectorisable("range of computed references")
    return VALUE


def _ev_isect(node: Node, cx: Ctx) -> Any:
    if cx.vec and not cx.refs:
        cx = cx.variant(cx.array, True)
    a = ev(node[1], cx)
    b = ev(node[2], cx)
    if a.__class__ is ExcelError:
        return a
    if b.__class__ is ExcelError:
        return b
    if a.__class__ is VRef or b.__class__ is VRef:
        raise NotVectorisable("intersection of per-cell references")
    if a.__class__ is Ref and b.__class__ is Ref:
        if a.sheet != b.sheet:
            return VALUE
        r1, c1 = max(a.r1, b.r1), max(a.c1, b.c1)
        r2, c2 = min(a.r2, b.r2), min(a.c2, b.c2)
        if r1 > r2 or c1 > c2:
            return NULL
        return Ref(cx.book, a.sheet, r1, c1, r2, c2)
    return VALUE


def _ev_union(node: Node, cx: Ctx) -> Any:
    if cx.vec and not cx.refs:
        cx = cx.variant(cx.array, True)
    a = ev(node[1], cx)
    b = ev(node[2], cx)
    parts: list[Ref] = []
    for x in (a, b):
        if x.__class__ is ExcelError:
            return x
        if x.__class__ is Ref:
            parts.append(x)
        elif x.__class__ is Areas:
            parts.extend(x)
        elif x.__class__ is VRef:
            raise NotVectorisable("union of per-cell references")
        else:
            return VALUE
    return Areas(parts)


def _ev_fn(node: Node, cx: Ctx) -> Any:
    f: Fn = node[1]
    argnodes = node[2]
    if f.special is not None:
        return f.special(argnodes, cx)
    args = []
    for i, a in enumerate(argnodes):
        if a[0] == "missing":
            args.append(MISSING)
            continue
        k = f.kind(i)
        if k in "RA":
            sub = cx.variant(cx.array or k == "A", True) if cx.vec or k == "A" else cx
            args.append(ev(a, sub))
        else:
            sub = cx.variant(cx.array, False) if cx.vec else cx
            args.append(val(ev(a, sub), sub))
    return call(f, args, cx)


_EV = {
    "num": _ev_lit, "str": _ev_lit, "bool": _ev_lit, "err": _ev_lit, "missing": _ev_missing,
    "arrv": _ev_arr, "aref": _ev_aref, "ref": _ev_ref, "ops": _ev_ops, "neg": _ev_unary,
    "pos": _ev_unary, "pct": _ev_unary, "at": _ev_at, "range": _ev_range, "isect": _ev_isect,
    "union": _ev_union, "fn": _ev_fn,
}


# --- calling functions ----------------------------------------------------------------------

_COERCE = {"N": to_number, "I": to_int, "T": to_text, "B": to_bool}


def _is_vec(x: Any) -> bool:
    return x.__class__ is Vec or x.__class__ is VRef


def call(f: Fn, args: list[Any], cx: Ctx) -> Any:
    """Call ``f`` with prepared arguments (vector mode: per cell unless it has a fast path)."""
    if cx.vec and (f.cell or any(_is_vec(a) for a in args)):
        if f.vec is not None:
            try:
                r = f.vec(args, cx)
            except (OverflowError, ZeroDivisionError):
                r = NotImplemented  # per cell below: only the cells concerned get the error
            if r is not NotImplemented:
                return r
        n = cx.n
        per = [i for i, a in enumerate(args) if _is_vec(a)]
        out: list[Any] = []
        ai = list(args)
        for i in range(n):
            for j in per:
                ai[j] = args[j].at(i)
            out.append(call_scalar(f, ai, cx.at(i) if f.ctx else cx))
        return _collect(out, cx)
    return call_scalar(f, args, cx)


def _collect(out: list[Any], cx: Ctx) -> Any:
    """Per-cell results as a Vec (or a VRef when they are references)."""
    kinds = {x.__class__ for x in out}
    if Ref in kinds:
        if kinds - {Ref}:
            raise NotVectorisable("mixed references and values")
        sheets = {x.sheet for x in out}
        if len(sheets) != 1:
            raise NotVectorisable("references to several sheets")
        return VRef(cx.book, sheets.pop(), np.array([x.r1 for x in out]),
                    np.array([x.c1 for x in out]), np.array([x.r2 for x in out]),
                    np.array([x.c2 for x in out]), None)
    if np.ndarray in kinds or Areas in kinds:
        raise NotVectorisable("array results per cell")
    return Vec.of(out)


def call_scalar(f: Fn, args: list[Any], cx: Ctx) -> Any:
    """Call ``f`` for one cell: lift over arrays given to value parameters, coerce, call."""
    lifted = None
    for i, a in enumerate(args):
        if a.__class__ is np.ndarray and f.kind(i) not in "RA":
            lifted = lifted or []
            lifted.append(i)
    if lifted:
        return _lift(f, args, lifted, cx)
    conv = args
    for i, a in enumerate(args):
        k = f.kind(i)
        co = _COERCE.get(k)
        if co is not None:
            if conv is args:
                conv = list(args)
            x = co(a)
            if x.__class__ is ExcelError:
                return x
            conv[i] = x
    # Numeric code that overflows (math.fsum, int(inf), math.ceil(inf)...) or divides by zero
    # gives Excel's answer for numbers out of range: #NUM! / #DIV/0!, never an internal error.
    # Only these two: any other exception is a bug and must stay visible.
    try:
        if f.ctx:
            return f.impl(cx, *conv)
        return f.impl(*conv)
    except OverflowError:
        return NUM
    except ZeroDivisionError:
        return DIV0


def _lift(f: Fn, args: list[Any], lifted: list[int], cx: Ctx) -> np.ndarray:
    from kpi_xl.recalc.vector import _pad, broadcast_shape

    arrays = [args[i] for i in lifted]
    rows, cols = broadcast_shape(*arrays)
    if rows * cols > cx.book.limits.max_cells:
        raise Unsupported("array too large")
    padded = {i: _pad(args[i], rows, cols) for i in lifted}
    out = np.empty((rows, cols), dtype=object)
    ai = list(args)
    for r in range(rows):
        for c in range(cols):
            for i in lifted:
                ai[i] = padded[i][r, c]
            v = call_scalar(f, ai, cx)
            if v.__class__ is Ref:
                v = v.value() if v.is_cell() else VALUE
            elif v.__class__ is np.ndarray:
                v = v[0, 0] if v.size else VALUE
            out[r, c] = v
    return out


def call_plain(f: Fn, args: list[Any]) -> Any:
    """Call a function outside a workbook (scalars and arrays only)."""
    from kpi_xl.recalc.values import MISSING as _M

    book = Book(None, _dt.date.today(), Limits())
    cx = Ctx(book, "")
    if f.special is not None:
        raise TypeError(f"{f.name} needs a formula context")
    r = call_scalar(f, [(_M if a is None else a) for a in args], cx)
    return r


# --- lazy forms: IF, IFERROR, IFNA, IFS, SWITCH, CHOOSE -------------------------------------

def _branch(node: Node | None, cx: Ctx, default: Any) -> Any:
    if node is None:
        return default
    if node[0] == "missing":
        return 0.0
    return ev(node, cx)


def _as_value(x: Any, cx: Ctx) -> Any:
    """A branch result as a per-cell value in vector mode (constants stay scalars). Where
    the result is consumed as a reference, a reference branch cannot be flattened."""
    if cx.refs and (x.__class__ is Ref or x.__class__ is VRef or x.__class__ is Areas):
        raise NotVectorisable("a reference chosen per cell")
    if x.__class__ is Ref:
        if x.is_cell():
            return x.value()
        return implicit_vec(x, cx) if not cx.array else x.block().full()
    return val(x, cx)


def _sp_if(args: tuple[Node, ...], cx: Ctx) -> Any:
    vcx = cx.variant(cx.array, False) if cx.refs else cx
    cond = val(ev(args[0], vcx), vcx)
    then = args[1] if len(args) > 1 else None
    other = args[2] if len(args) > 2 else None
    if cond.__class__ is Vec:
        mask, errs = vtruth(cond, cx.n)
        a = _as_value(_branch(then, cx, True), cx) if (mask.any() or then is None) else False
        b = _as_value(_branch(other, cx, False), cx) if (not mask.all()) else False
        if a.__class__ is np.ndarray or b.__class__ is np.ndarray:
            raise NotVectorisable("IF over arrays per cell")
        if a is MISSING:
            a = 0.0
        if b is MISSING:
            b = 0.0
        return vselect(mask, a, b, cx.n, errs)
    if cond.__class__ is np.ndarray:
        c = np.empty(cond.shape, dtype=object)
        c[:] = [[to_bool(x) for x in row] for row in cond.tolist()]
        a = val(_branch(then, cx.arr(), True), cx.arr())
        b = val(_branch(other, cx.arr(), False), cx.arr())
        return _array_select(c, a, b)
    t = to_bool(cond)
    if t.__class__ is ExcelError:
        return t
    return _branch(then, cx, True) if t else _branch(other, cx, False)


def _array_select(c: np.ndarray, a: Any, b: Any) -> np.ndarray:
    from kpi_xl.recalc.vector import _pad, broadcast_shape

    arrays = [x for x in (c, a, b) if isinstance(x, np.ndarray)]
    rows, cols = broadcast_shape(*arrays)
    cp = _pad(c, rows, cols)
    ap = _pad(a, rows, cols) if isinstance(a, np.ndarray) else None
    bp = _pad(b, rows, cols) if isinstance(b, np.ndarray) else None
    out = np.empty((rows, cols), dtype=object)
    for r in range(rows):
        for k in range(cols):
            t = cp[r, k]
            if t.__class__ is ExcelError:
                out[r, k] = t
            elif t:
                out[r, k] = ap[r, k] if ap is not None else a
            else:
                out[r, k] = bp[r, k] if bp is not None else b
    return out


def _is_err(x: Any, na_only: bool) -> bool:
    return x.__class__ is ExcelError and (not na_only or x == "#N/A")


def _sp_iferror(args: tuple[Node, ...], cx: Ctx, na_only: bool = False) -> Any:
    vcx = cx.variant(cx.array, False) if cx.refs else cx
    x = val(ev(args[0], vcx), vcx)
    if x.__class__ is Vec:
        if x.kind != "obj":
            return x
        objs = x.data
        m = np.fromiter((_is_err(v, na_only) for v in objs), bool, len(objs))
        if not m.any():
            return x
        alt = _as_value(_branch(args[1], cx, 0.0), cx)
        if alt.__class__ is np.ndarray:
            raise NotVectorisable("IFERROR over arrays per cell")
        if alt is MISSING:
            alt = 0.0
        return vselect(m, alt, x, cx.n)
    if x.__class__ is np.ndarray:
        alt = val(_branch(args[1], cx.arr(), 0.0), cx.arr())
        c = np.empty(x.shape, dtype=object)
        c[:] = [[_is_err(v, na_only) for v in row] for row in x.tolist()]
        return _array_select(c, alt, x)
    if _is_err(x, na_only):
        return _branch(args[1], cx, 0.0)
    if x is MISSING or x is None:
        return 0.0
    return x


def _sp_ifna(args: tuple[Node, ...], cx: Ctx) -> Any:
    return _sp_iferror(args, cx, na_only=True)


def _sp_ifs(args: tuple[Node, ...], cx: Ctx) -> Any:
    if len(args) % 2:
        return NA
    if cx.vec:
        n = cx.n
        done = np.zeros(n, dtype=bool)
        out = np.full(n, None, dtype=object)
        for i in range(0, len(args), 2):
            vcx = cx.variant(cx.array, False) if cx.refs else cx
            cond = val(ev(args[i], vcx), vcx)
            if cond.__class__ is np.ndarray:
                raise NotVectorisable("IFS over arrays")
            mask, errs = vtruth(cond, n)
            take = ~done & mask
            if errs is not None:
                em = ~done & np.fromiter((e is not None for e in errs), bool, n)
                out[em] = errs[em]
                done |= em
                take &= ~em
            if take.any():
                v = _as_value(_branch(args[i + 1], cx, 0.0), cx)
                if v.__class__ is np.ndarray:
                    raise NotVectorisable("IFS over arrays")
                out[take] = v.objects()[take] if v.__class__ is Vec else v
            done |= take
            if done.all():
                break
        out[~done] = NA
        return Vec.of(out)
    for i in range(0, len(args), 2):
        vcx = cx.variant(cx.array, False) if cx.refs else cx
        cond = val(ev(args[i], vcx), vcx)
        if cond.__class__ is np.ndarray:
            raise Unsupported("IFS over arrays")
        t = to_bool(cond)
        if t.__class__ is ExcelError:
            return t
        if t:
            return _branch(args[i + 1], cx, 0.0)
    return NA


def _sp_switch(args: tuple[Node, ...], cx: Ctx) -> Any:
    from kpi_xl.recalc.values import compare

    if cx.vec:
        raise NotVectorisable("SWITCH")
    vcx = cx.variant(cx.array, False) if cx.refs else cx
    x = val(ev(args[0], vcx), vcx)
    if x.__class__ is np.ndarray:
        raise Unsupported("SWITCH over arrays")
    if x.__class__ is ExcelError:
        return x
    rest = args[1:]
    pairs = len(rest) // 2
    for i in range(pairs):
        y = val(ev(rest[2 * i], cx), cx)
        if y.__class__ is ExcelError:
            return y
        if y.__class__ is np.ndarray:
            raise Unsupported("SWITCH over arrays")
        xx = 0.0 if x is None or x is MISSING else x
        yy = 0.0 if y is None or y is MISSING else y
        if xx.__class__ is yy.__class__ or {xx.__class__, yy.__class__} <= {float, int}:
            if compare(xx, yy) == 0:
                return _branch(rest[2 * i + 1], cx, 0.0)
    if len(rest) % 2:
        return _branch(rest[-1], cx, 0.0)
    return NA


def _sp_choose(args: tuple[Node, ...], cx: Ctx) -> Any:
    vcx = cx.variant(cx.array, False) if cx.refs else cx
    idx = val(ev(args[0], vcx), vcx)
    options = args[1:]
    if idx.__class__ is Vec:
        n = cx.n
        ints = [to_int(v) for v in idx.tolist()]
        out = np.full(n, None, dtype=object)
        needed = {i for i in ints if i.__class__ is int and 1 <= i <= len(options)}
        cache = {}
        for k in needed:
            v = _as_value(_branch(options[k - 1], cx, 0.0), cx)
            if v.__class__ is np.ndarray:
                raise NotVectorisable("CHOOSE over arrays")
            cache[k] = v.objects() if v.__class__ is Vec else v
        for i, k in enumerate(ints):
            if k.__class__ is ExcelError:
                out[i] = k
            elif k in cache:
                v = cache[k]
                out[i] = v[i] if isinstance(v, np.ndarray) else v
            else:
                out[i] = VALUE
        return Vec.of([0.0 if v is MISSING else v for v in out])
    if idx.__class__ is np.ndarray:
        raise Unsupported("CHOOSE with an array index")
    k = to_int(idx)
    if k.__class__ is ExcelError:
        return k
    if not 1 <= k <= len(options):
        return VALUE
    return _branch(options[k - 1], cx, 0.0)


def _sp_single(args: tuple[Node, ...], cx: Ctx) -> Any:
    """``_xlfn.SINGLE(x)``: how files store Excel 365's implicit intersection ``@x``."""
    return _ev_at(("at", args[0]), cx.variant(cx.array, False) if cx.refs else cx)


special("IF", _sp_if, min_args=1, max_args=3, refs=True)
special("SINGLE", _sp_single, min_args=1, max_args=1)
special("IFERROR", _sp_iferror, min_args=2, max_args=2, refs=True)
special("IFNA", _sp_ifna, min_args=2, max_args=2, refs=True)
special("IFS", _sp_ifs, min_args=2, max_args=254, refs=True)
special("SWITCH", _sp_switch, min_args=3, max_args=254, refs=True)
special("CHOOSE", _sp_choose, min_args=2, max_args=255, refs=True)


# --- finalising results ---------------------------------------------------------------------

def cell_value(x: Any) -> Any:
    """A scalar as a cell shows it: blank -> 0, NaN/inf -> #NUM!."""
    c = x.__class__
    if c is float:
        return num_result(x)
    if c is str or c is bool or c is ExcelError:
        return x
    if x is None or x is MISSING:
        return 0.0
    if c is int:
        return float(x)
    return norm(x)


def finalize(x: Any, cx: Ctx) -> Any:
    c = x.__class__
    if c is Ref:
        x = x.value() if x.is_cell() else x.intersect(cx.row, cx.col)
    elif c is Areas:
        x = finalize(x[0], cx) if len(x) == 1 else VALUE
    elif c is np.ndarray:
        x = x[0, 0] if x.size else VALUE
        if x.__class__ is np.ndarray:
            x = VALUE
    return cell_value(x)


def finalize_vec(x: Any, cx: Ctx) -> list[Any]:
    n = cx.n
    c = x.__class__
    if c is Vec:
        if x.kind == "num":
            d = x.data
            if np.isfinite(d).all():
                return (d + 0.0).tolist()
        if x.kind == "bool":
            return x.data.tolist()
        return [cell_value(v) for v in x.data.tolist()]
    if c is VRef:
        return finalize_vec(val(x, cx), cx)
    if c is Ref:
        if x.is_cell():
            return [cell_value(x.value())] * n
        return finalize_vec(implicit_vec(x, cx), cx)
    if c is Areas:
        if len(x) == 1:
            return finalize_vec(x[0], cx)
        return [VALUE] * n
    if c is np.ndarray:
        v = x[0, 0] if x.size else VALUE
        return [cell_value(v)] * n
    return [cell_value(x)] * n


# --- binding ---------------------------------------------------------------------------------


class _Bind:
    """Resolve names, structured references, sheets and functions in a parsed formula."""

    def __init__(self, book: Book, sheet: str, table: TableModel | None) -> None:
        self.book, self.sheet, self.table = book, sheet, table
        self.unsupported: list[str] = []
        self.arity: list[str] = []
        self.volatile = False
        self.depth = 0

    def __call__(self, node: Node) -> Node:
        tag = node[0]
        if tag in ("num", "str", "bool", "err", "missing"):
            return node
        if tag == "arr":
            arr = np.empty((len(node[1]), len(node[1][0])), dtype=object)
            for i, row in enumerate(node[1]):
                for j, v in enumerate(row):
                    arr[i, j] = v
            return ("arrv", arr)
        if tag == "ref":
            sheet = self.book.sheet_name(node[1]) if node[1] is not None else self.sheet
            if sheet is None:
                self.unsupported.append(f"sheet {node[1]}")
                return ("err", REF)
            if node[6] == 0 and node[7] is None:
                r1, c1, r2, c2 = node[2:6]
                return ("aref", Ref(self.book, sheet, min(r1, r2), min(c1, c2), max(r1, r2),
                                    max(c1, c2)))
            return ("ref", sheet, *node[2:])
        if tag == "name":
            return self.name(node)
        if tag == "sref":
            return self.sref(node[1])
        if tag == "ext":
            self.unsupported.append(f"external reference {node[1]}")
            return ("err", REF)
        if tag == "fn":
            f = resolve_function(node[1])
            if f is None:
                self.unsupported.append(_display_name(node[1]))
                return ("err", ExcelError("#NAME?"))
            msg = f.check_arity(len(node[2]))
            if msg:
                self.arity.append(msg)
            if f.volatile:
                self.volatile = True
            return ("fn", f, tuple(self(a) for a in node[2]))
        if tag == "ops":
            return ("ops", node[1], tuple(self(a) for a in node[2]))
        if tag in ("neg", "pos", "pct", "at"):
            return (tag, self(node[1]))
        if tag in ("range", "isect", "union"):
            return (tag, self(node[1]), self(node[2]))
        self.unsupported.append(f"construct {tag}")
        return ("err", VALUE)

    def name(self, node: Node) -> Node:
        qual, name = node[1], node[2]
        book = self.book
        dn = None
        if qual is not None:
            scope = book.sheet_name(qual)
            dn = book.names.get((name, scope))
        else:
            dn = book.names.get((name, self.sheet)) or book.names.get((name, None))
        if dn is None:
            if qual is None and name in book.tables:  # a table's name is its data body
                return self.sref(f"{book.tables[name].name}[]")
            self.unsupported.append(f"name {name}")
            return ("err", ExcelError("#NAME?"))
        if self.depth > 16:
            self.unsupported.append(f"name {name} (nested too deeply)")
            return ("err", VALUE)
        text = dn.text.strip()
        if text.startswith("="):
            text = text[1:]
        try:
            sub = parse(text, 0, 0, max_length=book.limits.max_formula_length,
                        max_nesting=book.limits.max_nesting)
        except ParseError:
            self.unsupported.append(f"name {name} (cannot parse {text!r})")
            return ("err", VALUE)
        self.depth += 1
        try:
            return self(sub)
        finally:
            self.depth -= 1

    def sref(self, text: str) -> Node:
        book = self.book
        sr = parse_structured(text)
        if sr is None:
            self.unsupported.append(f"structured reference {text}")
            return ("err", REF)
        t = book.tables.get(sr.table.upper()) if sr.table else self.table
        if t is None:
            self.unsupported.append(f"table {sr.table or text}")
            return ("err", REF)
        sheet = book.sheet_name(t.sheet)
        rt = parse_range_text(t.ref.replace("$", ""))
        if sheet is None or rt is None:
            self.unsupported.append(f"table {t.name}")
            return ("err", REF)
        r1, c1, r2, c2 = rt.r1, rt.c1, rt.r2, rt.c2
        cols = [c.upper() for c in t.columns]
        if sr.first is None:
            cc1, cc2 = c1, c2
        else:
            try:
                cc1 = c1 + cols.index(sr.first.upper())
                cc2 = c1 + cols.index((sr.last or sr.first).upper())
            except ValueError:
                self.unsupported.append(f"column {sr.first} of table {t.name}")
                return ("err", REF)
            cc1, cc2 = min(cc1, cc2), max(cc1, cc2)
        head, tot = int(t.header_rows or 0), int(t.totals_rows or 0)
        d1, d2 = r1 + head, r2 - tot
        items = set(sr.items)
        if "this_row" in items:
            return ("ref", sheet, 0, cc1, 0, cc2, 1 | 4, ("this_row", d1, d2))
        if not items:
            items = {"data"}
        if "all" in items:
            lo, hi = r1, r2
        else:
            spans = []
            if "headers" in items:
                if not head:
                    return ("err", REF)
                spans.append((r1, r1 + head - 1))
            if "data" in items:
                spans.append((d1, d2))
            if "totals" in items:
                if not tot:
                    return ("err", REF)
                spans.append((r2 - tot + 1, r2))
            lo, hi = min(s[0] for s in spans), max(s[1] for s in spans)
        if hi < lo:
            return ("err", REF)
        return ("aref", Ref(book, sheet, lo, cc1, hi, cc2))


def _display_name(name: str) -> str:
    n, _ = _functions.canonical_name(name)
    return n


# --- dependency extents ----------------------------------------------------------------------

def _extents(bound: Node) -> list[Any]:
    """What a bound formula reads: ``("ref", node)`` per reference and ``("bbox", [nodes])``
    for ranges between computed references (``INDEX(...):INDEX(...)``)."""
    out: list[Any] = []
    stack = [bound]
    while stack:
        n = stack.pop()
        tag = n[0]
        if tag in ("ref", "aref"):
            out.append(("ref", n))
        elif tag == "fn":
            stack.extend(n[2])
        elif tag == "ops":
            stack.extend(n[2])
        elif tag in ("neg", "pos", "pct", "at"):
            stack.append(n[1])
        elif tag in ("range", "isect", "union"):
            if tag == "range" and not (n[1][0] in ("ref", "aref") and n[2][0] in ("ref", "aref")):
                refs = [m for m in _walk(n) if m[0] in ("ref", "aref")]
                by_sheet: dict[str, list[Node]] = defaultdict(list)
                for m in refs:
                    by_sheet[_node_sheet(m)].append(m)
                for group in by_sheet.values():
                    out.append(("bbox", group))
            stack.append(n[1])
            stack.append(n[2])
    return out


def _walk(node: Node):  # type: ignore[no-untyped-def]
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        tag = n[0]
        if tag in ("fn", "ops"):
            stack.extend(n[2])
        elif tag in ("neg", "pos", "pct", "at"):
            stack.append(n[1])
        elif tag in ("range", "isect", "union"):
            stack.append(n[1])
            stack.append(n[2])


def _node_sheet(n: Node) -> str:
    return n[1].sheet if n[0] == "aref" else n[1]


def _node_rects(n: Node, rows: np.ndarray, cols: np.ndarray) -> tuple[str, Any, Any, Any, Any]:
    """Per-cell rectangles read by a reference node (arrays, or ints when constant)."""
    if n[0] == "aref":
        r = n[1]
        return r.sheet, r.r1, r.c1, r.r2, r.c2
    _, sheet, r1, c1, r2, c2, rel, _extra = n
    R1 = rows + r1 if rel & 1 else r1
    C1 = cols + c1 if rel & 2 else c1
    R2 = rows + r2 if rel & 4 else r2
    C2 = cols + c2 if rel & 8 else c2
    return sheet, np.minimum(R1, R2), np.minimum(C1, C2), np.maximum(R1, R2), np.maximum(C1, C2)


def _spec_rects(spec: Any, rows: np.ndarray, cols: np.ndarray) -> tuple[str, Any, Any, Any, Any]:
    if spec[0] == "ref":
        return _node_rects(spec[1], rows, cols)
    parts = [_node_rects(m, rows, cols) for m in spec[1]]
    sheet = parts[0][0]
    r1 = parts[0][1]
    c1 = parts[0][2]
    r2 = parts[0][3]
    c2 = parts[0][4]
    for p in parts[1:]:
        r1, c1 = np.minimum(r1, p[1]), np.minimum(c1, p[2])
        r2, c2 = np.maximum(r2, p[3]), np.maximum(c2, p[4])
    return sheet, r1, c1, r2, c2


# --- groups ------------------------------------------------------------------------------------


class Group:
    __slots__ = ("array_ref", "bound", "col0", "cols", "deps", "error", "extents", "gid",
                 "reason", "row0", "rows", "self_dep", "sheet", "text", "volatile")

    def __init__(self, gid: int, sheet: str, rows: np.ndarray, cols: np.ndarray, text: str,
                 array_ref: str | None = None) -> None:
        self.gid = gid
        self.sheet = sheet
        self.rows, self.cols = rows, cols
        self.row0, self.col0 = int(rows[0]), int(cols[0])
        self.text = text
        self.array_ref = array_ref
        self.bound: Node | None = None
        self.reason: str | None = None  # unsupported
        self.error: str | None = None  # parse error
        self.extents: list[Any] = []
        self.deps: set[int] = set()
        self.self_dep = False
        self.volatile = False


_DIGIT_TO_HASH = str.maketrans("0123456789", "##########")
_DIGIT_TO_HASH_B = bytes.maketrans(b"0123456789", b"##########")


def _group_cells(book: Book, model: WorkbookModel) -> list[Group]:
    """Group formula cells by their relative (R1C1) form, vectorised.

    Cells are bucketed by the formula text with every digit replaced by ``#`` (plus the
    cell's column, and its table for structured references): copies of one formula differ
    only in the digits of their relative row numbers. Within a bucket, the digit runs are
    read with numpy; runs that are relative row numbers must be at a constant offset from
    the cell's row and all other runs must be equal. Cells that differ are split by their
    exact signature, so a group always holds cells of one relative form.
    """
    groups: list[Group] = []
    table = _DIGIT_TO_HASH_B
    for sname, sm in model.sheets.items():
        fm = sm.formulas
        if not fm:
            continue
        has_tables = bool(book.sheets[sname].tables)
        buckets: dict[tuple[bytes, int], tuple[list[int], list[str]]] = {}
        for (r, c), fc in fm.items():
            text = fc.text
            if fc.array_ref:
                groups.append(Group(len(groups), sname, np.array([r]), np.array([c]),
                                    _strip(text), fc.array_ref))
                continue
            key = text.encode().translate(table)
            if has_tables and "[" in text:
                t = book.table_at(sname, r, c)
                key += b"\x00" + (t.name.encode() if t is not None else b"")
            b = buckets.get((key, c))
            if b is None:
                buckets[(key, c)] = ([r], [text])
            else:
                b[0].append(r)
                b[1].append(text)
        for (_key, c), (rows, texts) in buckets.items():
            if any(rows[i] > rows[i + 1] for i in range(len(rows) - 1)):
                order = sorted(range(len(rows)), key=rows.__getitem__)
                rows = [rows[i] for i in order]
                texts = [texts[i] for i in order]
            parts = [(rows, texts)] if len(rows) == 1 else _split_bucket(rows, texts)
            for prows, ptexts in parts:
                groups.append(Group(len(groups), sname, np.array(prows, dtype=np.int64),
                                    np.full(len(prows), c, dtype=np.int64),
                                    _strip(ptexts[0])))
    return groups


def _strip(text: str) -> str:
    return text[1:] if text[:1] == "=" else text


def _split_bucket(rows: list[int], texts: list[str]) -> list[tuple[list[int], list[str]]]:
    """Split a bucket of same-skeleton formulas into groups of one relative form."""
    texts = [_strip(t) for t in texts] if texts[0][:1] == "=" else texts
    skel = texts[0].translate(_DIGIT_TO_HASH)
    if "#" not in skel:
        return [(rows, texts)]
    runs = [(m.start(), m.end()) for m in re.finditer("#+", skel)]
    relative: set[int] = set()
    for m in _KEY_RE.finditer(texts[0]):
        for g in (7, 13, 15):  # relative row digits of a cell or a row range
            if m.group(g) is not None and not m.group(g - 1):
                relative.add(m.start(g))
    codes = np.array(texts).view(np.uint32).reshape(len(texts), -1)
    r = np.asarray(rows, dtype=np.int64)
    sig = []
    for start, end in runs:
        block = codes[:, start:end]
        if start in relative and end - start <= 9:
            digits = block.astype(np.int64) - 48
            val = digits @ (10 ** np.arange(end - start - 1, -1, -1, dtype=np.int64))
            sig.append(val - 1 - r)
        else:
            if (block == block[0]).all():
                continue
            # differing constants: label each distinct spelling
            _, inv = np.unique(block, axis=0, return_inverse=True)
            sig.append(inv.reshape(-1).astype(np.int64))
    if not sig:
        return [(rows, texts)]
    mat = np.stack(sig, axis=1)
    if (mat == mat[0]).all():
        return [(rows, texts)]
    _, inv = np.unique(mat, axis=0, return_inverse=True)
    out: dict[int, tuple[list[int], list[str]]] = {}
    for i, k in enumerate(inv.reshape(-1).tolist()):
        part = out.setdefault(k, ([], []))
        part[0].append(rows[i])
        part[1].append(texts[i])
    return list(out.values())


# --- the graph ---------------------------------------------------------------------------------


def _tarjan(n: int, adj: list[list[int]]) -> list[list[int]]:
    """Strongly connected components, each after every component it depends on."""
    index = [-1] * n
    low = [0] * n
    onstack = [False] * n
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for s in range(n):
        if index[s] != -1:
            continue
        index[s] = low[s] = counter
        counter += 1
        stack.append(s)
        onstack[s] = True
        work = [(s, 0)]
        while work:
            v, i = work[-1]
            nbrs = adj[v]
            if i < len(nbrs):
                work[-1] = (v, i + 1)
                w = nbrs[i]
                if index[w] == -1:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    onstack[w] = True
                    work.append((w, 0))
                elif onstack[w] and index[w] < low[v]:
                    low[v] = index[w]
            else:
                work.pop()
                if work:
                    u = work[-1][0]
                    if low[v] < low[u]:
                        low[u] = low[v]
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        onstack[w] = False
                        comp.append(w)
                        if w == v:
                            break
                    out.append(comp)
    return out


class _Engine:
    def __init__(self, model: WorkbookModel, today: _dt.date, limits: Limits) -> None:
        self.model = model
        self.limits = limits
        self.book = Book(model, today, limits)
        self.result = EvalResult()
        self.reasons: list[str] = [""]
        self.deadline = (time.monotonic() + limits.timeout_s) if limits.timeout_s is not None else None
        self.groups: list[Group] = []
        self.ticks = 0
        self.done: set[int] = set()
        self.any_poison = False

    # -- setup -----------------------------------------------------------------------------
    def prepare(self) -> None:
        model, book = self.model, self.book
        self.result.formulas_seen = sum(len(s.formulas) for s in model.sheets.values())
        self.groups = _group_cells(book, model)
        for g in self.groups:
            book.ensure(g.sheet, int(g.rows.max()) + 1, int(g.cols.max()) + 1)
        for g in self.groups:
            self.check_time()
            self.bind(g)
            if g.array_ref:
                rt = parse_range_text(g.array_ref.replace("$", ""))
                if rt is not None:
                    book.ensure(g.sheet, rt.r2 + 1, rt.c2 + 1)
        for st in book.sheets.values():
            st.owner = np.full(st.grid.shape, -1, dtype=np.int32)
        for g in self.groups:
            st = book.sheets[g.sheet]
            st.owner[g.rows, g.cols] = g.gid
            if g.array_ref:
                rt = parse_range_text(g.array_ref.replace("$", ""))
                if rt is not None:
                    sub = st.owner[rt.r1:rt.r2 + 1, rt.c1:rt.c2 + 1]
                    sub[sub == -1] = g.gid
        for st in book.sheets.values():
            st.has_formula = _sat(st.owner >= 0)

    def bind(self, g: Group) -> None:
        lim = self.limits
        try:
            ast = parse(g.text, g.row0, g.col0, max_length=lim.max_formula_length,
                        max_nesting=lim.max_nesting)
        except ParseError as exc:
            g.error = str(exc)
            return
        except RecursionError:
            g.error = "formula nested too deeply"
            return
        table = self.book.table_at(g.sheet, g.row0, g.col0) if "[" in g.text else None
        b = _Bind(self.book, g.sheet, table)
        try:
            bound = b(ast)
        except RecursionError:
            g.error = "formula nested too deeply"
            return
        if b.arity:
            g.error = b.arity[0]
            return
        if b.unsupported:
            g.reason = b.unsupported[0]
            return
        g.bound = bound
        g.volatile = b.volatile
        g.extents = _extents(bound)

    # -- dependencies ----------------------------------------------------------------------
    def owners_in(self, sheet: str, r1: Any, c1: Any, r2: Any, c2: Any,
                  rows_n: int) -> np.ndarray:
        """Group ids of formula cells inside per-cell rectangles (conservatively, the
        rectangles' bounding box)."""
        st = self.book.sheets[sheet]
        owner = st.owner
        assert owner is not None and st.has_formula is not None
        h, w = owner.shape
        if isinstance(r1, np.ndarray) or isinstance(c1, np.ndarray) or \
                isinstance(r2, np.ndarray) or isinstance(c2, np.ndarray):
            R1 = np.broadcast_to(r1, (rows_n,))
            C1 = np.broadcast_to(c1, (rows_n,))
            R2 = np.broadcast_to(r2, (rows_n,))
            C2 = np.broadcast_to(c2, (rows_n,))
            if np.array_equal(R1, R2) and np.array_equal(C1, C2):
                ok = (R1 >= 0) & (C1 >= 0) & (R1 < h) & (C1 < w)
                if not ok.any():
                    return np.empty(0, dtype=np.int32)
                ids = owner[R1[ok], C1[ok]]
                return np.unique(ids[ids >= 0])
            r1, c1, r2, c2 = int(R1.min()), int(C1.min()), int(R2.max()), int(C2.max())
        r1, c1 = max(int(r1), 0), max(int(c1), 0)
        r2, c2 = min(int(r2), h - 1), min(int(c2), w - 1)
        if r1 > r2 or c1 > c2:
            return np.empty(0, dtype=np.int32)
        if _sat_count(st.has_formula, r1, c1, r2, c2) == 0:
            return np.empty(0, dtype=np.int32)
        sub = owner[r1:r2 + 1, c1:c2 + 1]
        ids = np.unique(sub)
        return ids[ids >= 0]

    def build_graph(self) -> list[list[int]]:
        adj: list[list[int]] = []
        for g in self.groups:
            self.check_time()
            deps: set[int] = set()
            if g.bound is not None:
                for spec in g.extents:
                    sheet, r1, c1, r2, c2 = _spec_rects(spec, g.rows, g.cols)
                    deps.update(int(x) for x in self.owners_in(sheet, r1, c1, r2, c2, len(g.rows)))
            g.self_dep = g.gid in deps
            deps.discard(g.gid)
            g.deps = deps
            adj.append(sorted(deps) + ([g.gid] if g.self_dep else []))
        return adj

    # -- poison ----------------------------------------------------------------------------
    def reason_id(self, reason: str) -> int:
        self.reasons.append(reason)
        return len(self.reasons) - 1

    def poison(self, sheet: str, rows: np.ndarray, cols: np.ndarray, rid: int) -> None:
        st = self.book.sheets[sheet]
        if st.poison is None:
            st.poison = np.zeros(st.grid.shape, dtype=np.int32)
        elif st.poison.shape != st.grid.shape:
            new = np.zeros(st.grid.shape, dtype=np.int32)
            new[:st.poison.shape[0], :st.poison.shape[1]] = st.poison
            st.poison = new
        st.poison[rows, cols] = rid
        st.poison_sat = None
        st.poisoned = True
        self.any_poison = True

    def poisoned_by(self, g: Group, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Per cell: the reason id of a poisoned cell it reads (0: none)."""
        out = np.zeros(len(rows), dtype=np.int32)
        if not self.any_poison:
            return out
        for spec in g.extents:
            sheet = _node_sheet(spec[1]) if spec[0] == "ref" else _node_sheet(spec[1][0])
            st = self.book.sheets[sheet]
            if not st.poisoned or st.poison is None:
                continue
            sheet, r1, c1, r2, c2 = _spec_rects(spec, rows, cols)
            p = st.poison
            h, w = p.shape
            R1 = np.broadcast_to(r1, out.shape)
            C1 = np.broadcast_to(c1, out.shape)
            R2 = np.broadcast_to(r2, out.shape)
            C2 = np.broadcast_to(c2, out.shape)
            if np.array_equal(R1, R2) and np.array_equal(C1, C2):
                ok = (R1 >= 0) & (C1 >= 0) & (R1 < h) & (C1 < w)
                vals = np.zeros(len(rows), dtype=np.int32)
                vals[ok] = p[R1[ok], C1[ok]]
                out = np.maximum(out, vals)
                continue
            if st.poison_sat is None:
                st.poison_sat = _sat(p > 0)
            hit = _sat_count(st.poison_sat, R1, C1, R2, C2) > 0
            for i in np.flatnonzero(hit):
                a, b = max(int(R1[i]), 0), max(int(C1[i]), 0)
                sub = p[a:int(R2[i]) + 1, b:int(C2[i]) + 1]
                out[i] = max(out[i], int(sub.max()) if sub.size else 0)
        return out

    # -- running ---------------------------------------------------------------------------
    def check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise _Timeout

    def tick(self) -> None:
        self.ticks += 1
        if self.deadline is not None and self.ticks % 256 == 0:
            self.check_time()

    def run(self) -> EvalResult:
        try:
            self.prepare()
            for g in self.groups:
                if g.error is not None:
                    rid = self.reason_id(f"depends on {g.sheet}!{a1(g.row0, g.col0)}, whose "
                                         f"formula cannot be evaluated ({g.error})")
                    self.poison(g.sheet, g.rows, g.cols, rid)
                    for r, c in zip(g.rows.tolist(), g.cols.tolist(), strict=False):
                        self.result.errors.append((g.sheet, a1(r, c), g.error))
            comps = _tarjan(len(self.groups), self.build_graph())
            for comp in comps:
                self.check_time()
                if len(comp) == 1 and not self.groups[comp[0]].self_dep:
                    g = self.groups[comp[0]]
                    if g.error is None:
                        self.run_group(g)
                else:
                    self.run_component([self.groups[i] for i in comp])
                self.done.update(comp)
        except _Timeout:
            self.timed_out()
        self.report_unsupported()
        return self.result

    def timed_out(self) -> None:
        """Every formula not finished is reported as not evaluated (errors)."""
        msg = f"not evaluated: timeout after {self.limits.timeout_s} s"
        reported = {(s, c) for s, c, _ in self.result.errors}
        finished = {(g.sheet, int(r), int(c)) for g in self.groups if g.gid in self.done
                    for r, c in zip(g.rows, g.cols, strict=False)}
        for sname, sm in self.model.sheets.items():
            for (r, c) in sm.formulas:
                if (sname, r, c) in finished or (sname, a1(r, c)) in reported:
                    continue
                self.result.values.pop((sname, r, c), None)
                self.result.errors.append((sname, a1(r, c), msg))

    def report_unsupported(self) -> None:
        errors = {(s, c) for s, c, _ in self.result.errors}
        in_cycles = {cell for cyc in self.result.cycles for cell in cyc}
        for g in self.groups:
            st = self.book.sheets[g.sheet]
            if st.poison is None:
                continue
            ids = st.poison[g.rows, g.cols]
            for i in np.flatnonzero(ids):
                key = (g.sheet, a1(int(g.rows[i]), int(g.cols[i])))
                if key in errors or key in in_cycles:
                    continue
                self.result.unsupported.append((key[0], key[1], self.reasons[int(ids[i])]))

    def run_group(self, g: Group) -> None:
        rows, cols = g.rows, g.cols
        if g.reason is not None:
            self.poison(g.sheet, rows, cols, self.reason_id(g.reason))
            return
        if g.bound is None:
            return
        pid = self.poisoned_by(g, rows, cols)
        if pid.any():
            bad = pid > 0
            for rid in np.unique(pid[bad]):
                m = pid == rid
                self.poison(g.sheet, rows[m], cols[m], int(rid))
            rows, cols = rows[~bad], cols[~bad]
        if not len(rows):
            return
        if g.array_ref:
            self.run_array(g)
            return
        if len(rows) > 1:
            cx = Ctx(self.book, g.sheet, rows=rows, cols=cols)
            try:
                out = finalize_vec(ev(g.bound, cx), cx)
            except (NotVectorisable, Unsupported):
                pass
            except _Timeout:
                raise
            except Exception:
                if _STRICT:
                    raise
            else:
                self.store(g.sheet, rows, cols, out)
                return
        self.run_cells(g, rows, cols)

    def run_cells(self, g: Group, rows: np.ndarray, cols: np.ndarray) -> None:
        book = self.book
        out_rows: list[int] = []
        out_cols: list[int] = []
        out_vals: list[Any] = []
        for r, c in zip(rows.tolist(), cols.tolist(), strict=False):
            self.tick()
            cx = Ctx(book, g.sheet, r, c)
            try:
                v = finalize(ev(g.bound, cx), cx)  # type: ignore[arg-type]
            except Unsupported as exc:
                self.poison(g.sheet, np.array([r]), np.array([c]), self.reason_id(exc.what))
                continue
            except _Timeout:
                raise
            except RecursionError:
                self.poison(g.sheet, np.array([r]), np.array([c]),
                            self.reason_id("formula nested too deeply"))
                continue
            except Exception as exc:
                if _STRICT:
                    raise
                self.poison(g.sheet, np.array([r]), np.array([c]),
                            self.reason_id(f"internal error: {type(exc).__name__}: {exc}"))
                continue
            # single-cell writes keep later cells of the same group consistent
            book.write_cell(g.sheet, r, c, v)
            out_rows.append(r)
            out_cols.append(c)
            out_vals.append(v)
        values = self.result.values
        for r, c, v in zip(out_rows, out_cols, out_vals, strict=False):
            values[(g.sheet, r, c)] = v

    def run_array(self, g: Group) -> None:
        """An array formula: evaluated in array context, spread over its range."""
        rt = parse_range_text((g.array_ref or "").replace("$", ""))
        r0, c0 = int(g.rows[0]), int(g.cols[0])
        if rt is None:
            rt_r1, rt_c1, rt_r2, rt_c2 = r0, c0, r0, c0
        else:
            rt_r1, rt_c1, rt_r2, rt_c2 = rt.r1, rt.c1, rt.r2, rt.c2
        cx = Ctx(self.book, g.sheet, r0, c0, array=True)
        try:
            x = ev(g.bound, cx)  # type: ignore[arg-type]
        except Unsupported as exc:
            self.poison(g.sheet, g.rows, g.cols, self.reason_id(exc.what))
            return
        except _Timeout:
            raise
        except Exception as exc:
            if _STRICT:
                raise
            self.poison(g.sheet, g.rows, g.cols,
                        self.reason_id(f"internal error: {type(exc).__name__}: {exc}"))
            return
        if x.__class__ is Ref or x.__class__ is Areas:
            x = val(x if x.__class__ is Ref else (x[0] if len(x) == 1 else VALUE), cx)
        h, w = rt_r2 - rt_r1 + 1, rt_c2 - rt_c1 + 1
        if x.__class__ is np.ndarray:
            from kpi_xl.recalc.vector import _pad

            arr = _pad(x, h, w) if x.size else np.full((h, w), VALUE, dtype=object)
        else:
            arr = np.full((h, w), None, dtype=object)
            arr[:, :] = x
        rr, cc = np.meshgrid(np.arange(rt_r1, rt_r2 + 1), np.arange(rt_c1, rt_c2 + 1),
                             indexing="ij")
        vals = [cell_value(v) for v in arr.reshape(-1).tolist()]
        self.store(g.sheet, rr.reshape(-1), cc.reshape(-1), vals)

    def store(self, sheet: str, rows: np.ndarray, cols: np.ndarray, out: list[Any]) -> None:
        self.book.write(sheet, rows, cols, _obj(out))
        self.result.values.update(zip(zip([sheet] * len(out), rows.tolist(), cols.tolist(), strict=False),
                                      out, strict=False))

    def run_component(self, comp: list[Group]) -> None:
        """Groups that read each other (or themselves): resolve cell by cell."""
        book = self.book
        cells: list[tuple[Group, int, int]] = []
        for g in comp:
            if g.reason is not None:
                self.poison(g.sheet, g.rows, g.cols, self.reason_id(g.reason))
                continue
            if g.bound is None:
                continue
            cells.extend((g, r, c) for r, c in zip(g.rows.tolist(), g.cols.tolist(), strict=False))
        if not cells:
            return
        local: dict[str, np.ndarray] = {}
        for i, (g, r, c) in enumerate(cells):
            arr = local.get(g.sheet)
            if arr is None:
                arr = local[g.sheet] = np.full(book.sheets[g.sheet].grid.shape, -1, np.int64)
            arr[r, c] = i
        adj: list[list[int]] = [[] for _ in cells]
        by_group: dict[int, list[int]] = defaultdict(list)
        for i, (g, _r, _c) in enumerate(cells):
            by_group[g.gid].append(i)
        for gid, idxs in by_group.items():
            g = self.groups[gid]
            rows = np.array([cells[i][1] for i in idxs])
            cols = np.array([cells[i][2] for i in idxs])
            for spec in g.extents:
                self.check_time()
                sheet, r1, c1, r2, c2 = _spec_rects(spec, rows, cols)
                arr = local.get(sheet)
                if arr is None:
                    continue
                h, w = arr.shape
                R1 = np.broadcast_to(r1, rows.shape)
                C1 = np.broadcast_to(c1, rows.shape)
                R2 = np.broadcast_to(r2, rows.shape)
                C2 = np.broadcast_to(c2, rows.shape)
                if np.array_equal(R1, R2) and np.array_equal(C1, C2):
                    ok = (R1 >= 0) & (C1 >= 0) & (R1 < h) & (C1 < w)
                    tgt = np.full(len(idxs), -1, np.int64)
                    tgt[ok] = arr[R1[ok], C1[ok]]
                    for k in np.flatnonzero(tgt >= 0):
                        adj[idxs[k]].append(int(tgt[k]))
                    continue
                for k, i in enumerate(idxs):
                    a, b = max(int(R1[k]), 0), max(int(C1[k]), 0)
                    sub = arr[a:min(int(R2[k]), h - 1) + 1, b:min(int(C2[k]), w - 1) + 1]
                    if sub.size:
                        hits = sub[sub >= 0]
                        adj[i].extend(int(x) for x in np.unique(hits))
        order = _tarjan(len(cells), adj)
        for comp_cells in order:
            self.check_time()
            if len(comp_cells) > 1 or comp_cells[0] in adj[comp_cells[0]]:
                cyc = [(cells[i][0].sheet, a1(cells[i][1], cells[i][2])) for i in comp_cells]
                cyc.sort()
                self.result.cycles.append(cyc)
                rid = self.reason_id("depends on a circular reference")
                for i in comp_cells:
                    g, r, c = cells[i]
                    self.poison(g.sheet, np.array([r]), np.array([c]), rid)
                continue
            g, r, c = cells[comp_cells[0]]
            rows, cols = np.array([r]), np.array([c])
            pid = self.poisoned_by(g, rows, cols)
            if pid[0]:
                self.poison(g.sheet, rows, cols, int(pid[0]))
                continue
            self.run_cells(g, rows, cols)


def _obj(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def evaluate(model: WorkbookModel, *, today: _dt.date | None = None,
             limits: Limits | None = None) -> EvalResult:
    """Evaluate every formula of ``model``; see :class:`EvalResult`.

    ``today`` is what ``TODAY()`` returns (default: the current date).
    """
    limits = limits or Limits()
    today = today or _dt.date.today()
    # recursion is bounded by the nesting limit (checked at parse time); make room for it
    # (only ever raised: restoring it could race with another thread evaluating)
    need = limits.max_nesting * 40 + 2000
    if sys.getrecursionlimit() < need:
        sys.setrecursionlimit(need)
    return _Engine(model, today, limits).run()

