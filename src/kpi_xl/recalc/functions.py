"""The function registry: built-in Excel functions and ``KPI_*`` catalog functions.

Each function is an :class:`Fn`: its implementation on scalars and ranges plus a *kind* per
parameter, which tells the evaluator how to prepare the argument:

``V``  a value: a range is implicitly intersected (or, in array context, the function is
       applied element by element); the implementation receives a scalar.
``N`` / ``I`` / ``T`` / ``B``  a value coerced to number / integer / text / logical; an error
       in it is the result (the implementation is not called).
``R``  a reference, array or value as it is (``Ref``, ``Areas``, 2-D array, scalar).
``A``  like ``R`` but evaluated in array context (SUMPRODUCT's arguments).

An omitted argument in the middle (``IF(A1,,1)``) arrives as ``MISSING`` (numbers: 0, text:
"", logical: FALSE); arguments left off the end take the implementation's Python defaults.

:func:`resolve_function` maps a name as stored in a file to its :class:`Fn`.

>>> resolve_function("_xlfn.STDEV.S").name
'STDEV.S'
>>> resolve_function("[1]!KPI_NPS").name, resolve_function("_xldudf_XLWINGS_KPI_NPS").name
('KPI_NPS', 'KPI_NPS')
>>> resolve_function("NO_SUCH_FUNCTION") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["REGISTRY", "Fn", "canonical_name", "fn", "resolve_function", "supported_functions"]


class Fn:
    """A function the evaluator can call."""

    __slots__ = ("cell", "ctx", "impl", "kinds", "max", "min", "name", "refs", "rep",
                 "special", "vec", "volatile")

    def __init__(self, name: str, impl: Callable[..., Any], kinds: str, *, min_args: int,
                 max_args: int | None, rep: int = 0, ctx: bool = False,
                 special: Callable[..., Any] | None = None,
                 vec: Callable[..., Any] | None = None, refs: bool = False,
                 volatile: bool = False, cell: bool = False) -> None:
        self.name, self.impl, self.kinds = name, impl, kinds
        self.min, self.max, self.rep = min_args, max_args, rep
        self.ctx = ctx  # the implementation takes the evaluation context first
        self.special = special  # evaluator-level handler (lazy forms such as IF)
        self.vec = vec  # fast path for vector mode: vec(args, ctx) -> value or NotImplemented
        self.refs = refs  # may return a reference
        self.volatile = volatile
        self.cell = cell  # the result depends on the formula's own cell (ROW(), COLUMN())

    def kind(self, i: int) -> str:
        k = self.kinds
        if i < len(k):
            return k[i]
        if self.rep:
            base = len(k) - self.rep
            return k[base + (i - base) % self.rep]
        return k[-1] if k else "V"

    def check_arity(self, n: int) -> str | None:
        if n < self.min:
            return f"{self.name} needs at least {self.min} argument(s)"
        if self.max is not None and n > self.max:
            return f"{self.name} takes at most {self.max} argument(s)"
        return None

    def __call__(self, *args: Any) -> Any:
        """Call with plain Python values (lists become arrays); for scalar-only use outside
        the evaluator, e.g. ``resolve_function("ROUND")(2.5, 0)``."""
        conv = [np.array(a, dtype=object).reshape(len(a), -1) if isinstance(a, list) else a
                for a in args]
        from kpi_xl.recalc.evaluator import call_plain

        return call_plain(self, conv)

    def __repr__(self) -> str:
        return f"Fn({self.name})"


#: Built-in functions by canonical (upper-case) name.
REGISTRY: dict[str, Fn] = {}


def fn(name: str, kinds: str = "", *, min_args: int | None = None, max_args: int | None = -1,
       rep: int = 0, ctx: bool = False, refs: bool = False, volatile: bool = False,
       cell: bool = False, aliases: tuple[str, ...] = ()) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an implementation. ``max_args=-1`` means ``len(kinds)`` (None: unbounded)."""

    def deco(impl: Callable[..., Any]) -> Callable[..., Any]:
        import inspect

        sig = inspect.signature(impl)
        params = [p for p in sig.parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if ctx:
            params = params[1:]
        required = sum(1 for p in params if p.default is inspect.Parameter.empty)
        lo = required if min_args is None else min_args
        hi = len(kinds) if max_args == -1 else max_args
        f = Fn(name, impl, kinds, min_args=lo, max_args=hi, rep=rep, ctx=ctx, refs=refs,
               volatile=volatile, cell=cell)
        for n in (name, *aliases):
            REGISTRY[n] = f
        impl.fn = f  # type: ignore[attr-defined]
        return impl

    return deco


def special(name: str, handler: Callable[..., Any], *, min_args: int, max_args: int | None,
            refs: bool = False, vec: bool = True) -> Fn:
    """Register an evaluator-level form (lazy arguments)."""
    f = Fn(name, handler, "", min_args=min_args, max_args=max_args, special=handler, refs=refs)
    REGISTRY[name] = f
    return f


_PREFIX_RE = re.compile(r"^(?:_xlfn\.|_xlws\.|_xludf\.|_xlfn\._xlws\.)", re.IGNORECASE)
_BOOK_RE = re.compile(r"^(?:\[\d+\]|'[^']*'|[^!(]*)!")


def canonical_name(name: str) -> tuple[str, bool]:
    """The name without file-format prefixes (``_xlfn.``, ``_xludf.``, ``[1]!``, ``_xldudf_``),
    upper-cased, and whether it was a custom-function form (add-in, Office.js)."""
    n = name.strip()
    custom = False
    m = _BOOK_RE.match(n)
    if m:
        n = n[m.end():]
        custom = True
    while True:
        m = _PREFIX_RE.match(n)
        if not m:
            break
        if m.group(0).lower() == "_xludf.":
            custom = True
        n = n[m.end():]
    if n.lower().startswith("_xldudf_"):
        n = n[len("_xldudf_"):]
        custom = True
    return n.upper(), custom


def _kpi(name: str) -> Fn | None:
    if not name.startswith("KPI_"):
        return None
    cached = _KPI_CACHE.get(name)
    if cached is not None:
        return cached
    try:
        from kpi_xl import catalog

        definition = catalog.get(name)
    except Exception:  # unknown KPI, or the catalog is unavailable
        return None
    if definition.excel_name != name:
        return None
    from kpi_xl.recalc.fn_kpi import kpi_function

    f = kpi_function(definition)
    _KPI_CACHE[name] = f
    return f


_KPI_CACHE: dict[str, Fn] = {}


def resolve_function(name: str) -> Fn | None:
    """The function a formula's ``name(`` refers to, or None if unsupported.

    Handles the forms files store: plain (``SUM``, ``KPI_NPS``), future functions
    (``_xlfn.STDEV.S``, ``_xlfn._xlws.SORT``), UDFs clashing with new names (``_xludf.X``),
    add-in calls (``[1]!KPI_NPS``, ``'addin.xlam'!KPI_NPS``), Office.js custom functions
    (``_xldudf_NAMESPACE_KPI_NPS``) and namespaced names (``KPIXL.KPI_NPS``,
    ``XLWINGS.KPI_NPS``). A namespace is only stripped to reach a ``KPI_*`` function, so a
    custom ``FOO.SUM`` never resolves to ``SUM``.
    """
    _load()
    n, custom = canonical_name(name)
    if not custom:
        f = REGISTRY.get(n)
        if f is not None:
            return f
    f = _kpi(n)
    if f is not None:
        return f
    # namespace prefixes: KPIXL.KPI_NPS, XLWINGS_KPI_NPS (Office.js: _xldudf_XLWINGS_KPI_NPS)
    for m in re.finditer(r"[._]", n):
        rest = n[m.end():]
        if rest.startswith("KPI_"):
            f = _kpi(rest)
            if f is not None:
                return f
    return None


def supported_functions() -> list[str]:
    """Every built-in Excel function the evaluator implements (``KPI_*`` come on top)."""
    _load()
    return sorted(REGISTRY)


_LOADED = False


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    from kpi_xl.recalc import (  # noqa: F401 - registration side effects
        evaluator,
        fn_date,
        fn_info,
        fn_lookup,
        fn_math,
        fn_stats,
        fn_text,
    )
