"""The Excel edge of the catalog: Excel-shaped arguments in, Excel-shaped results out.

Everything here is derived from the registry (:mod:`kpi_xl.catalog`); no xlwings import, so
the same code is used by the UDF module (:mod:`kpi_xl.excel.udfs`), the tests and the
benchmark. Rules, in the order they are applied:

Arguments
    Every argument is read by xlwings as a 2-D list (``ndim=2``) with error cells as text
    (``err_to_str=True``), so ``#DIV/0!`` in an input cell is never mistaken for a blank.

    * An **optional** argument that is omitted takes the catalog default; so does an
      optional scalar argument given a blank cell. (A data range given to an optional data
      argument is used even when all its cells are blank.)
    * An **error value** (``#DIV/0!``, ``#N/A``, ...) in any argument is the result, as with
      Excel's own functions (``=SUM(A1:A9)`` with a ``#N/A`` inside is ``#N/A``). Errors Excel
      cannot receive back from Python (``#SPILL!``, ``#CALC!``, ...) become ``#VALUE!``.
    * **Data** parameters (kinds ``amount``, ``count``, ``range``, ``scores``, ``durations``,
      ``dates``) get the range flattened in row order; blanks stay blanks and the core skips
      them. A column of plain numbers is passed as a ``float64`` array.
    * **Scalar** parameters (``number``, ``ratio``, ``integer``, ``date``, ``text``,
      ``flag``) take one cell. ``flag`` accepts TRUE/FALSE, numbers (0 is FALSE) and the
      text TRUE/FALSE; a text option matches its choices in any case (``"IGNORE"``). A
      multi-cell range is ``#VALUE!``, except for *helper* entries.
    * **Helper** entries (``kind="helper"``: status, progress, trend, ...) are lifted the way
      Excel lifts its own scalar functions: when scalar arguments get ranges, the function is
      evaluated cell by cell and the results spill in the shape of those ranges (all ranges
      the same shape; single cells are repeated). An error in one cell affects only that
      cell of the result.

Results
    Numbers, text and booleans as they are; ``None`` (no value, e.g. a status code without
    data) is ``#N/A``; a tuple spills as one row (wrap the formula in ``TRANSPOSE`` for a
    column); each :class:`~kpi_xl.core.errors.KpiError` becomes its Excel error value
    (``exc.excel``). Anything unexpected is logged and shown as ``#VALUE!``: no NaN, inf
    or traceback ever reaches a cell.
"""

from __future__ import annotations

import datetime as _dt
import inspect
import logging
import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np

from kpi_xl import catalog
from kpi_xl.catalog.schema import DATA_KINDS, KpiDef, Param
from kpi_xl.core.errors import KpiError, KpiTypeError

__all__ = [
    "CATALOG_COLUMNS",
    "CATALOG_FUNCTION",
    "ERROR_VALUES",
    "VBA_RESERVED",
    "ExcelFunction",
    "UdfParam",
    "catalog_table",
    "clip",
    "excel_functions",
    "to_result",
]

logger = logging.getLogger(__name__)

#: Error values xlwings can hand back to Excel as real errors (Office.js runtimes).
ERROR_VALUES = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"})
#: Newer Excel errors that arrive as text but cannot be returned: they become #VALUE!.
_OTHER_ERRORS = frozenset({"#SPILL!", "#CALC!", "#FIELD!", "#CONNECT!", "#BLOCKED!",
                           "#UNKNOWN!", "#BUSY!", "#GETTING_DATA", "#PYTHON!", "#DATA!"})
_ALL_ERRORS = ERROR_VALUES | _OTHER_ERRORS

#: Words a VBA parameter may not be called: the reserved identifiers of MS-VBAL 3.3.5.2 and
#: the names used inside the VBA wrapper xlwings generates. An argument with such a name gets
#: a trailing underscore in Excel (``end`` -> ``end_``), so the generated VBA module compiles.
VBA_RESERVED = frozenset("""
addressof and any application array as attribute base binary boolean byref byte byval call
case caller cbool cbyte ccur cdate cdbl cdec cint circle clng clnglng clngptr close compare
const csng cstr currency cvar cverr date debug decimal declare defbool defbyte defcur defdate
defdbl defdec defint deflng deflnglng deflngptr defobj defsng defstr defvar dim do double
each else elseif empty end endif enum eqv erase err error event exit explicit false for
friend function get global gosub goto if imp implements in input int integer is k lbound
len let lib like line lock long longlong longptr loop lset me mid mod name new next not
nothing null object on open option optional or paramarray preserve print private property
ptrsafe public put raiseevent range redim rem resume return rset scale seek select set
shared single spc static step stop string sub tab then thisworkbook activeworkbook to true
type typeof ubound until variant wend while width with withevents write xlpy xor argsarray
abs doevents fix lenb pset sgn unlock inputb lineinput cdecl defdec time
""".split())

_DATA_KINDS = frozenset(DATA_KINDS)
_EMPTY = inspect.Parameter.empty


def _is_error(value: Any) -> bool:
    return value.__class__ is str and value in _ALL_ERRORS


def _error_value(value: str) -> str:
    return value if value in ERROR_VALUES else "#VALUE!"


def _grid(value: Any) -> list[list[Any]] | None:
    """An argument as a 2-D list (rows of cells); ``None`` when it was omitted.

    xlwings passes 2-D lists (``ndim=2``); COM arrays arrive as tuples of tuples; a default
    substituted for an omitted argument, or a direct Python call, may be anything.
    """
    if value is None:
        return None
    cls = value.__class__
    if cls is list or cls is tuple:
        if not value:
            return []
        first = value[0].__class__
        if first is list or first is tuple:
            return value  # type: ignore[return-value]
        return [value]  # type: ignore[list-item]
    if isinstance(value, np.ndarray):
        return _grid(value.tolist())
    return [[value]]


def _blank(value: Any) -> bool:
    return value is None or (value.__class__ is str and value == "") or (
        value.__class__ is float and math.isnan(value))


def _all_blank(grid: Sequence[Sequence[Any]]) -> bool:
    return all(_blank(v) for row in grid for v in row)


_PLAIN_NUMBERS = frozenset({float, int, type(None)})
_first = itemgetter(0)


def _flag(value: Any) -> Any:
    """Excel's reading of a logical argument: TRUE/FALSE, a number (0 is FALSE) or text."""
    if value.__class__ is bool or value is None:
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().upper() in ("TRUE", "FALSE"):
        return value.strip().upper() == "TRUE"
    return value


class UdfParam:
    """One Excel argument: the catalog parameter and the name it has in Excel."""

    __slots__ = ("choices", "is_data", "is_flag", "name", "optional", "param")

    def __init__(self, param: Param, name: str) -> None:
        self.param = param
        self.name = name  # the Excel/VBA-facing name (the catalog name unless VBA reserves it)
        self.is_data = param.kind in _DATA_KINDS
        self.is_flag = param.kind == "flag"
        self.optional = param.optional
        self.choices = {c.lower(): c for c in param.choices if isinstance(c, str)}

    def __repr__(self) -> str:
        return f"UdfParam({self.param.name!r}, {self.name!r})"

    def scalar(self, value: Any) -> Any:
        """One cell for a one-cell parameter."""
        if _blank(value):
            return None
        if self.is_flag:
            return _flag(value)
        if self.choices and value.__class__ is str:
            # Excel users type "IGNORE" or " median": hand the core the catalog's spelling.
            return self.choices.get(value.strip().lower(), value)
        return value

    def doc(self) -> str:
        """The argument description shown in Excel (<= 255 characters)."""
        p = self.param
        text = p.description.strip()
        if p.choices and not all(c in text for c in p.choices):
            text += " One of: " + ", ".join(f'"{c}"' for c in p.choices) + "."
        if p.optional:
            text += f" Optional (default: {_excel_literal(p.default)})."
        return clip(text)


def _excel_literal(value: Any) -> str:
    if value is None or value == ():
        return "none"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def clip(text: str, limit: int = 255) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _vba_safe(name: str, taken: set[str]) -> str:
    out = name
    while out.lower() in VBA_RESERVED or out.lower() in taken:
        out += "_"
    taken.add(out.lower())
    return out


class ExcelFunction:
    """The Excel function of one catalog entry: its signature, documentation and call."""

    def __init__(self, definition: KpiDef) -> None:
        self.definition = definition
        self.name = definition.excel_name
        taken: set[str] = set()
        # Keyword-only options become trailing optional arguments in declared order.
        self.params: tuple[UdfParam, ...] = tuple(
            UdfParam(p, _vba_safe(p.name, taken)) for p in definition.params)
        self.liftable = definition.kind == "helper"
        self._raw = definition.raw

    # -- metadata ------------------------------------------------------------------------
    @property
    def doc(self) -> str:
        return clip(self.definition.description)

    @property
    def signature(self) -> inspect.Signature:
        """All positional, in catalog order. A required keyword-only option declared after
        optional arguments cannot be required in Excel: it is optional there and a blank
        is reported by the core (E-MISSING, #N/A)."""
        params, seen_optional = [], False
        for p in self.params:
            seen_optional = seen_optional or p.optional
            default = p.param.default if p.optional else None if seen_optional else _EMPTY
            params.append(inspect.Parameter(p.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                            default=default))
        return inspect.Signature(params)

    @property
    def syntax(self) -> str:
        """``KPI_CSAT(responses, [scale_max], [top_boxes], [invalid])``."""
        args = [f"[{p.name}]" if p.optional else p.name for p in self.params]
        return f"{self.name}({', '.join(args)})"

    # -- calling -------------------------------------------------------------------------
    def __call__(self, *args: Any) -> Any:
        try:
            return self._call(args)
        except KpiError as exc:
            return exc.excel
        except Exception:  # a bug must not become a traceback in a cell
            logger.exception("kpi-xl: %s failed", self.name)
            return "#VALUE!"

    def _call(self, args: Sequence[Any]) -> Any:
        kwargs: dict[str, Any] = {}
        lifted: dict[UdfParam, list[list[Any]]] = {}
        nargs = len(args)
        for i, p in enumerate(self.params):
            grid = _grid(args[i]) if i < nargs else None
            if grid is None:
                if p.optional:
                    continue  # omitted: the catalog default applies
                grid = [[None]]  # a required argument left out: a blank cell
            elif p.optional and (not grid or (not p.is_data and _all_blank(grid))):
                continue  # a blank option: the catalog default applies
            if len(grid) == 1 and len(grid[0]) == 1:  # one cell, the common case
                cell = grid[0][0]
                if cell.__class__ is str and cell in _ALL_ERRORS:
                    return _error_value(cell)
                kwargs[p.param.name] = _one_cell_data(cell) if p.is_data else p.scalar(cell)
            elif p.is_data:
                value = _data(grid)
                if value.__class__ is str:
                    return _error_value(value)
                kwargs[p.param.name] = value
            elif self.liftable and grid and grid[0]:
                lifted[p] = [list(row) for row in grid]
            else:
                raise KpiTypeError.bad(p.name, _preview(grid),
                                       "expected a single cell, got a range")
        if lifted:
            return self._lift(kwargs, lifted)
        return to_result(self._raw(**kwargs))

    def _lift(self, kwargs: dict[str, Any], lifted: dict[UdfParam, list[list[Any]]]) -> Any:
        shapes = {(len(g), len(g[0])) for g in lifted.values()}
        if len(shapes) != 1 or any(len(row) != len(g[0]) for g in lifted.values() for row in g):
            raise KpiTypeError("E-TYPE: ranges given to "
                               f"{', '.join(p.name for p in lifted)} differ in shape")
        nrows, ncols = shapes.pop()
        out: list[list[Any]] = []
        for i in range(nrows):
            row: list[Any] = []
            for j in range(ncols):
                row.append(self._one(kwargs, lifted, i, j))
            out.append(row)
        if any(isinstance(c, list) for row in out for c in row):
            if ncols != 1:
                raise KpiTypeError("E-TYPE: a function with several results can only be "
                                   "applied to a single column of values")
            width = max(len(r[0]) if isinstance(r[0], list) else 1 for r in out)
            out = [_pad(r[0] if isinstance(r[0], list) else [r[0]], width) for r in out]
        return out

    def _one(self, kwargs: dict[str, Any], lifted: dict[UdfParam, list[list[Any]]],
             i: int, j: int) -> Any:
        call = dict(kwargs)
        for p, grid in lifted.items():
            cell = grid[i][j]
            if _is_error(cell):
                return _error_value(cell)
            if _blank(cell) and p.optional:
                continue
            call[p.param.name] = p.scalar(cell)
        try:
            result = to_result(self._raw(**call))
        except KpiError as exc:
            return exc.excel
        if isinstance(result, list):  # a tuple result: one row
            return result[0]
        return result


def _pad(row: list[Any], width: int) -> list[Any]:
    return row + ["#N/A"] * (width - len(row))


def _preview(grid: Sequence[Sequence[Any]]) -> str:
    return f"a range of {len(grid)}x{len(grid[0]) if grid else 0} cells"


def _data(grid: Sequence[Sequence[Any]]) -> Any:
    """A data argument flattened in row order; an error string if a cell holds an error."""
    if not grid:
        return np.empty(0)
    # xlwings hands over rectangular ranges; a column (the usual data range) is the fast case.
    flat = list(map(_first, grid)) if len(grid[0]) == 1 else list(chain.from_iterable(grid))
    types = set(map(type, flat))
    if types <= _PLAIN_NUMBERS:
        # The common case, a range of numbers and blanks: hand the core a float64 array
        # (blanks as NaN, which the core treats exactly like blank cells).
        if type(None) in types:
            return np.array(flat, dtype=float)
        return np.fromiter(flat, dtype=float, count=len(flat))
    if str in types:
        for v in flat:
            if v.__class__ is str and v in _ALL_ERRORS:
                return v
    return flat


def _one_cell_data(cell: Any) -> Any:
    """A one-cell range for a data parameter (still a range to the core)."""
    cls = cell.__class__
    if cls is float or cls is int or cell is None:
        return np.array([cell], dtype=float)
    return [cell]


def to_result(value: Any) -> Any:
    """A core result as an Excel value: a scalar, or a 2-D list that spills."""
    if value.__class__ is float:
        return value if math.isfinite(value) else "#NUM!"
    if isinstance(value, (tuple, list)):
        if value and all(isinstance(v, (tuple, list)) for v in value):
            return [[_cell(v) for v in row] for row in value]
        return [[_cell(v) for v in value]]
    if isinstance(value, np.ndarray):
        return to_result(value.tolist()) if value.ndim else _cell(value.item())
    return _cell(value)


def _cell(value: Any) -> Any:
    if value is None:
        return "#N/A"
    cls = value.__class__
    if cls is float:
        return value if math.isfinite(value) else "#NUM!"
    if cls is bool or cls is int or cls is str:
        return value
    if isinstance(value, np.generic):
        return _cell(value.item())
    if isinstance(value, numbers.Real):
        return _cell(float(value))
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time, _dt.timedelta)):
        return value
    logger.warning("kpi-xl: cannot show a %s in a cell", cls.__name__)
    return "#VALUE!"


# -- the catalog as a table ------------------------------------------------------------------

#: Name of the function that lists the catalog (not a catalog entry itself).
CATALOG_FUNCTION = "KPI_CATALOG"

#: Columns of ``KPI_CATALOG()``: (header, value for one entry).
CATALOG_COLUMNS: tuple[tuple[str, Callable[[ExcelFunction], Any]], ...] = (
    ("function", lambda f: f.name),
    ("syntax", lambda f: f.syntax),
    ("name", lambda f: f.definition.name),
    ("category", lambda f: f.definition.category),
    ("kind", lambda f: f.definition.kind),
    ("unit", lambda f: f.definition.unit),
    ("number_format", lambda f: f.definition.number_format),
    ("direction", lambda f: f.definition.direction),
    ("formula", lambda f: f.definition.formula),
    ("description", lambda f: f.definition.description),
    ("python", lambda f: f"kpi_xl.{f.definition.id}"),
)


def excel_functions(entries: Iterable[KpiDef] | None = None) -> tuple[ExcelFunction, ...]:
    """One :class:`ExcelFunction` per catalog entry, in catalog order."""
    return tuple(ExcelFunction(d) for d in (catalog.all_entries() if entries is None else entries))


def catalog_table(category: Any = None) -> list[list[Any]]:
    """The catalog as rows under a header row, optionally for one category."""
    cat = None
    if not _blank(category):
        known = catalog.categories()
        cat = str(category).strip().lower()
        if cat not in known:
            from kpi_xl.core.errors import DomainError

            raise DomainError.bad("category", category,
                                  f"expected one of {', '.join(map(repr, known))}")
    rows: list[list[Any]] = [[h for h, _ in CATALOG_COLUMNS]]
    for f in excel_functions(catalog.all_entries(category=cat)):
        rows.append([get(f) for _, get in CATALOG_COLUMNS])
    return rows
