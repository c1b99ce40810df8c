"""Values that flow through evaluation besides scalars.

* :class:`Ref` -- a rectangle on one sheet (what ``A1:B5`` or ``INDEX(...)`` evaluate to);
  :class:`Areas` -- a union of rectangles.
* :class:`Block` -- a rectangle's values materialised as a 2-D object array, clipped to the
  sheet's used range (cells beyond it are blank), with cached typed views for numpy.
* :class:`Vec` -- one scalar per cell of a group of copied formulas (vector mode);
  :class:`VRef` -- one reference per cell of such a group.
* 2-D ``numpy`` object arrays are Excel arrays (``{1,2}``, ``A1:A3*2`` in array context).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from kpi_xl.recalc.model import ExcelError
from kpi_xl.recalc.values import MISSING, REF, VALUE, Unsupported, norm

if TYPE_CHECKING:
    from kpi_xl.recalc.evaluator import Book

__all__ = [
    "Areas",
    "Block",
    "Ref",
    "VRef",
    "Vec",
    "kinds_of",
]

K_BLANK, K_NUM, K_TEXT, K_BOOL, K_ERR, K_OTHER = 0, 1, 2, 3, 4, 5
_KIND_OF = {float: K_NUM, int: K_NUM, str: K_TEXT, bool: K_BOOL, ExcelError: K_ERR,
            type(None): K_BLANK}


class NotVectorisable(Exception):
    """The group cannot be evaluated as one vector operation: evaluate cell by cell."""


def kinds_of(flat: np.ndarray) -> np.ndarray:
    """Kind code of each element of a 1-D object array (normalising odd types in place)."""
    n = len(flat)
    k = np.fromiter(map(_KIND_OF.get, map(type, flat), _OTHERS(n)), np.int8, n)
    if (k == K_OTHER).any():
        for i in np.flatnonzero(k == K_OTHER):
            flat[i] = norm(flat[i])
        k = np.fromiter(map(_KIND_OF.get, map(type, flat), _OTHERS(n)), np.int8, n)
        k[k == K_OTHER] = K_TEXT
    return k


def _OTHERS(n: int) -> Any:
    import itertools

    return itertools.repeat(K_OTHER, n)


class Ref:
    """The rectangle ``r1..r2 x c1..c2`` (0-based, inclusive) of ``sheet``."""

    __slots__ = ("book", "c1", "c2", "r1", "r2", "sheet")

    def __init__(self, book: Book, sheet: str, r1: int, c1: int, r2: int, c2: int) -> None:
        self.book, self.sheet = book, sheet
        self.r1, self.c1, self.r2, self.c2 = r1, c1, r2, c2

    @property
    def nrows(self) -> int:
        return self.r2 - self.r1 + 1

    @property
    def ncols(self) -> int:
        return self.c2 - self.c1 + 1

    @property
    def size(self) -> int:
        return self.nrows * self.ncols

    def is_cell(self) -> bool:
        return self.r1 == self.r2 and self.c1 == self.c2

    def value(self) -> Any:
        """The value of a single-cell reference."""
        return self.book.cell(self.sheet, self.r1, self.c1)

    def block(self) -> Block:
        return self.book.block(self)

    def key(self) -> tuple[str, int, int, int, int]:
        return (self.sheet, self.r1, self.c1, self.r2, self.c2)

    def intersect(self, row: int, col: int) -> Any:
        """Implicit intersection with the formula's cell ``(row, col)``."""
        if self.r1 == self.r2 and self.c1 == self.c2:
            return self.value()
        if self.r1 == self.r2 and self.c1 <= col <= self.c2:
            return self.book.cell(self.sheet, self.r1, col)
        if self.c1 == self.c2 and self.r1 <= row <= self.r2:
            return self.book.cell(self.sheet, row, self.c1)
        return VALUE

    def sub(self, r1: int, c1: int, r2: int, c2: int) -> Ref:
        """A sub-rectangle, offsets relative to this one's top-left."""
        return Ref(self.book, self.sheet, self.r1 + r1, self.c1 + c1, self.r1 + r2, self.c1 + c2)

    def __repr__(self) -> str:
        from kpi_xl.recalc.refs import a1

        return f"Ref({self.sheet}!{a1(self.r1, self.c1)}:{a1(self.r2, self.c2)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ref) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())


class Areas(tuple):  # type: ignore[type-arg]
    """A union of references ``(A1:A3,C1:C3)``."""

    __slots__ = ()


class Block:
    """A rectangle's values: ``obj`` (clipped to the used range) and its logical shape."""

    __slots__ = ("_first_err", "_folded", "_full", "_index", "_kinds", "_numbers", "_nums",
                 "cache", "ncols", "nrows", "obj", "ref")

    def __init__(self, obj: np.ndarray, nrows: int, ncols: int, ref: Ref | None = None) -> None:
        self.obj = obj
        self.nrows, self.ncols = nrows, ncols
        self.ref = ref
        self._kinds: np.ndarray | None = None
        self._nums: np.ndarray | None = None
        self._numbers: np.ndarray | None = None
        self._first_err: Any = MISSING
        self._folded: np.ndarray | None = None
        self._full: np.ndarray | None = None
        self._index: dict[Any, Any] | None = None
        self.cache: dict[Any, Any] = {}

    @classmethod
    def of_array(cls, arr: np.ndarray) -> Block:
        return cls(arr, arr.shape[0], arr.shape[1])

    @property
    def size(self) -> int:
        return self.nrows * self.ncols

    @property
    def clipped_size(self) -> int:
        return int(self.obj.size)

    def kinds(self) -> np.ndarray:
        """Kind codes (``K_*``), shape of ``obj``."""
        if self._kinds is None:
            shape = self.obj.shape
            flat = self.obj.reshape(-1)  # a view, or a copy for strided slices
            self._kinds = kinds_of(flat).reshape(shape)  # normalises odd types in place
            self.obj = flat.reshape(shape)
        return self._kinds

    def nums(self) -> np.ndarray:
        """Float view, NaN where the cell is not a number (shape of ``obj``)."""
        if self._nums is None:
            k = self.kinds()
            out = np.full(k.shape, np.nan)
            m = k == K_NUM
            if m.any():
                out[m] = self.obj[m].astype(np.float64)
            self._nums = out
        return self._nums

    def numbers(self) -> np.ndarray:
        """The numeric cells in row-major order (text, booleans, blanks, errors skipped)."""
        if self._numbers is None:
            k = self.kinds()
            self._numbers = self.nums()[k == K_NUM]
        return self._numbers

    def first_error(self) -> ExcelError | None:
        """The first error value in row-major order, or None."""
        if self._first_err is MISSING:
            k = self.kinds()
            idx = np.flatnonzero(k.reshape(-1) == K_ERR)
            self._first_err = self.obj.reshape(-1)[idx[0]] if idx.size else None
        return self._first_err

    def folded(self) -> np.ndarray:
        """Case-folded text of text cells (object array; None elsewhere)."""
        if self._folded is None:
            k = self.kinds()
            out = np.empty(k.shape, dtype=object)
            m = k == K_TEXT
            if m.any():
                out[m] = [s.casefold() for s in self.obj[m]]
            self._folded = out
        return self._folded

    def count_kind(self, kind: int) -> int:
        return int((self.kinds() == kind).sum())

    def full(self, max_cells: int = 5_000_000) -> np.ndarray:
        """The values padded with blanks to the logical shape."""
        if self._full is None:
            if self.obj.shape == (self.nrows, self.ncols):
                self._full = self.obj
            else:
                if self.nrows * self.ncols > max_cells:
                    raise Unsupported("range too large for an array operation")
                out = np.full((self.nrows, self.ncols), None, dtype=object)
                h, w = self.obj.shape
                out[:h, :w] = self.obj
                self._full = out
        return self._full

    def get(self, i: int, j: int) -> Any:
        """Value at logical position ``(i, j)``."""
        h, w = self.obj.shape
        if i < h and j < w:
            return self.obj[i, j]
        return None

    def flat_values(self) -> list[Any]:
        """The clipped values in row-major order as Python objects."""
        return self.obj.reshape(-1).tolist()

    def is_vector(self) -> bool:
        return self.nrows == 1 or self.ncols == 1

    def vector(self) -> np.ndarray:
        """A single row or column as a 1-D object array (clipped)."""
        if self.nrows == 1:
            return self.obj[0, :] if self.obj.shape[0] else np.empty(0, dtype=object)
        return self.obj[:, 0] if self.obj.shape[1] else np.empty(0, dtype=object)

    @property
    def length(self) -> int:
        return self.ncols if self.nrows == 1 else self.nrows


# --- vector mode --------------------------------------------------------------------------


class Vec:
    """One scalar per cell of a formula group. ``kind`` is ``num`` (float64, all numbers),
    ``bool`` (all booleans) or ``obj`` (object array of scalars)."""

    __slots__ = ("data", "kind")

    def __init__(self, kind: str, data: np.ndarray) -> None:
        self.kind, self.data = kind, data

    def __len__(self) -> int:
        return len(self.data)

    def at(self, i: int) -> Any:
        v = self.data[i]
        if self.kind == "num":
            return float(v)
        if self.kind == "bool":
            return bool(v)
        return v

    def objects(self) -> np.ndarray:
        if self.kind == "obj":
            return self.data
        out = np.empty(len(self.data), dtype=object)
        out[:] = self.data.tolist()
        return out

    def tolist(self) -> list[Any]:
        return self.data.tolist()

    @staticmethod
    def of(values: Any) -> Vec:
        """From a list or 1-D object array of scalars (classified)."""
        if isinstance(values, np.ndarray) and values.dtype == object:
            arr = values
        else:
            arr = np.empty(len(values), dtype=object)
            arr[:] = values
        if not len(arr):
            return Vec("obj", arr)
        types = set(map(type, arr))
        if types == {float}:
            return Vec("num", arr.astype(np.float64))
        if types == {bool}:
            return Vec("bool", arr.astype(bool))
        if types - {float, str, bool, ExcelError, type(None)}:
            arr = np.array([norm(x) for x in arr] + [None], dtype=object)[:-1]
            return Vec.of(arr)
        return Vec("obj", arr)

    @staticmethod
    def num(x: np.ndarray) -> Vec:
        return Vec("num", x)

    def __repr__(self) -> str:
        return f"Vec({self.kind}, {self.data[:5]!r}{'...' if len(self.data) > 5 else ''})"


class VRef:
    """One rectangle per cell of a formula group (relative references in vector mode)."""

    __slots__ = ("bad", "book", "c1", "c2", "r1", "r2", "sheet")

    def __init__(self, book: Book, sheet: str, r1: np.ndarray, c1: np.ndarray, r2: np.ndarray,
                 c2: np.ndarray, bad: np.ndarray | None) -> None:
        self.book, self.sheet = book, sheet
        self.r1, self.c1, self.r2, self.c2 = r1, c1, r2, c2
        self.bad = bad

    def __len__(self) -> int:
        return len(self.r1)

    def single(self) -> bool:
        return bool(np.array_equal(self.r1, self.r2) and np.array_equal(self.c1, self.c2))

    def same_shape(self) -> tuple[int, int] | None:
        h = self.r2 - self.r1
        w = self.c2 - self.c1
        if len(h) and (h == h[0]).all() and (w == w[0]).all():
            return int(h[0]) + 1, int(w[0]) + 1
        return None

    def at(self, i: int) -> Any:
        if self.bad is not None and self.bad[i]:
            return REF
        return Ref(self.book, self.sheet, int(self.r1[i]), int(self.c1[i]), int(self.r2[i]),
                   int(self.c2[i]))

    def gather(self, dr: int = 0, dc: int = 0) -> np.ndarray:
        """Object array of the values at ``(r1 + dr, c1 + dc)`` of every cell."""
        out = self.book.gather(self.sheet, self.r1 + dr, self.c1 + dc)
        if self.bad is not None and self.bad.any():
            out[self.bad] = REF
        return out

    def values(self) -> Vec:
        """The values of single-cell references."""
        return Vec.of(self.gather())

    def planes(self, max_cells: int) -> np.ndarray:
        """For same-shape rectangles: an ``n x (h*w)`` object matrix, row-major cells."""
        shape = self.same_shape()
        if shape is None:
            raise NotVectorisable("ranges of different shapes")
        h, w = shape
        if len(self) * h * w > max_cells:
            raise NotVectorisable("too large")
        out = np.empty((len(self), h * w), dtype=object)
        for i in range(h):
            for j in range(w):
                out[:, i * w + j] = self.gather(i, j)
        return out


def is_vec(x: Any) -> bool:
    return x.__class__ is Vec or x.__class__ is VRef


def first_or(arr: np.ndarray) -> Any:
    """Top-left element of a 2-D array (how a single cell shows an array result)."""
    if arr.size == 0:
        return VALUE
    return arr[0, 0]
