"""The one definition of a KPI: its function and every piece of metadata, together (spec §8).

A KPI is defined by decorating its math with :func:`kpi`::

    @kpi(excel="KPI_CTR", name="Click-through rate", category="marketing", ...)
    def click_through_rate(clicks, impressions): ...

The decorator builds a :class:`KpiDef`, registers it, and returns the *public* function:
the same math, with the spec's Python defaults applied (E-DIV0, E-EMPTY and E-MISSING give
``None``) and a docstring composed from the metadata, so the name, formula, unit and edge cases
are written once. Excel functions, templates, the CLI and docs/kpi-reference.md are all derived
from the registry.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kpi_xl.core.errors import DomainError, NoResultError

__all__ = [
    "AMOUNT_BLANKS",
    "CATEGORIES",
    "DIRECTIONS",
    "ENTRY_KINDS",
    "INDICATORS",
    "LEVELS",
    "PARAM_KINDS",
    "REGISTRY",
    "SCALAR_BLANKS",
    "UNITS",
    "Example",
    "KpiDef",
    "Param",
    "Rollup",
    "kpi",
]

#: Output unit kinds (spec §1.2) and their Excel number formats.
UNITS: dict[str, str] = {
    "ratio": "0.0%",
    "multiple": '0.00"x"',
    "currency": "#,##0.00",
    "count": "#,##0",
    "rate": "#,##0.0",  # counts per period / per rep
    "duration": '0.0" h"',
    "periods": '0.0',  # lifetimes and paybacks in the caller's period unit
    "score": "0",
    "scale_mean": "0.00",
    "label": "@",
    "code": "0",
    "p_value": "0.0000",
    "statistic": "0.000",
}
CATEGORIES = ("strategic", "finance", "saas", "customer", "marketing", "website", "sales",
              "service", "it", "operations", "cross-cutting", "uncertainty")
LEVELS = ("strategic", "operational", "functional")
INDICATORS = ("leading", "lagging")
DIRECTIONS = ("higher_is_better", "lower_is_better", "target_is_best", "context")
ENTRY_KINDS = ("kpi", "variant", "helper", "uncertainty")
#: How an argument is read. ``amount``/``count`` accept a scalar or a range that is summed;
#: ``list`` is a range that is not one value per data row (holidays).
PARAM_KINDS = ("number", "amount", "count", "ratio", "range", "scores", "durations", "dates",
               "date", "text", "flag", "integer", "list")
#: Arguments that take a whole column of data in a KPI table (kpi_xl.frame).
DATA_KINDS = ("amount", "count", "range", "scores", "durations", "dates")

_REQUIRED = inspect.Parameter.empty

#: The blank/NaN behaviour of the shared validators (``core.validate.amount``/``count`` and
#: ``number``), stated once for every entry whose arguments use them.
AMOUNT_BLANKS = ("A scalar, or a range that is summed with blanks skipped (Excel SUM); an "
                 "argument that is entirely blank, None or NaN is E-MISSING (None; Excel #N/A).")
SCALAR_BLANKS = "A blank, None or NaN argument is E-MISSING (None; Excel #N/A)."


@dataclass(frozen=True)
class Param:
    """One argument: its description (<= 255 chars, shown in Excel's Function Wizard)."""

    name: str
    description: str
    kind: str = "number"
    choices: tuple[str, ...] = ()
    default: Any = _REQUIRED
    keyword_only: bool = False

    @property
    def optional(self) -> bool:
        return self.default is not _REQUIRED

    @property
    def is_data(self) -> bool:
        return self.kind in DATA_KINDS


@dataclass(frozen=True)
class Example:
    """A worked example (a spec test vector): arguments and the value or error expected."""

    args: tuple[Any, ...]
    expected: Any = None
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None  # a spec code such as "E-RANGE"
    note: str = ""

    def call_text(self, name: str) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{name}({', '.join(parts)})"


@dataclass(frozen=True)
class Rollup:
    """How a KPI rolls up: additive components, combined by summing, then finalised.

    ``prepare(**columns, **options)`` maps row-level arrays (keyed by parameter name) to
    row-level component arrays; component totals are plain sums, so partial aggregates from
    any split of the data (pandas groups, Dask partitions) combine by addition;
    ``finalize(**totals, **options)`` turns the totals into the KPI value. For a ratio KPI
    this is the ratio of sums (spec §1.3).
    """

    components: tuple[str, ...]
    prepare: Callable[..., Mapping[str, np.ndarray]]
    finalize: Callable[..., Any]
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()


@dataclass(frozen=True)
class KpiDef:
    """Everything about one catalog entry. Build it with :func:`kpi`, never by hand."""

    id: str
    excel_name: str
    name: str
    kind: str
    category: str
    level: str | None
    indicator: str | None
    unit: str
    direction: str
    description: str
    formula: str
    params: tuple[Param, ...]
    blanks: str
    edge_cases: tuple[str, ...]
    examples: tuple[Example, ...]
    references: tuple[str, ...]
    rollup: Rollup | None
    native: str | None
    aliases: tuple[str, ...]
    variant_of: str | None
    uses: tuple[str, ...]
    returns: str
    extra: Mapping[str, Any]
    function: Callable[..., Any] = field(repr=False, compare=False)
    raw: Callable[..., Any] = field(repr=False, compare=False)

    @property
    def number_format(self) -> str:
        return self.extra.get("number_format", UNITS[self.unit])

    @property
    def aggregation(self) -> str:
        """How values combine over periods or groups (spec §8 ``aggregation``)."""
        if self.rollup is not None:
            return "recompute_from_components"
        return self.extra.get("aggregation", "none")

    @property
    def data_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.is_data)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.id} has no parameter {name!r}")

    def evaluate(self, *args: Any, strict: bool = False, **kwargs: Any) -> Any:
        """Call the KPI. With ``strict=True`` the no-result codes raise instead of giving None."""
        return (self.raw if strict else self.function)(*args, **kwargs)

    def native_formula(self, **refs: str) -> str | None:
        """The native Excel formula with each ``{param}`` replaced by a cell reference."""
        return None if self.native is None else self.native.format(**refs)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (used by ``kpi-xl list --json`` and the reference docs)."""
        return {
            "id": self.id,
            "excel_name": self.excel_name,
            "python_function": f"kpi_xl.{self.id}",
            "name": self.name,
            "kind": self.kind,
            "category": self.category,
            "level": self.level,
            "indicator": self.indicator,
            "unit": self.unit,
            "number_format": self.number_format,
            "direction": self.direction,
            "description": self.description,
            "formula": self.formula,
            "returns": self.returns,
            "blanks": self.blanks,
            "parameters": [
                {"name": p.name, "kind": p.kind, "description": p.description,
                 "optional": p.optional, "default": None if not p.optional else p.default,
                 "choices": list(p.choices)}
                for p in self.params
            ],
            "edge_cases": list(self.edge_cases),
            "aggregation": self.aggregation,
            "components": list(self.rollup.components) if self.rollup else [],
            "native_formula": self.native,
            "aliases": list(self.aliases),
            "variant_of": self.variant_of,
            "uses": list(self.uses),
            "references": list(self.references),
            "examples": [
                {"call": e.call_text(self.id), "expected": e.expected, "error": e.error, "note": e.note}
                for e in self.examples
            ],
            **{k: v for k, v in self.extra.items() if k != "number_format"},
        }


#: id -> definition, in registration order (the order of spec §2).
REGISTRY: dict[str, KpiDef] = {}


def _guard(result: Any, name: str) -> Any:
    """No NaN or inf ever leaves a KPI function (spec §1.3)."""
    if isinstance(result, float) and not math.isfinite(result):
        raise DomainError(f"E-DOMAIN: {name} has no finite result for these arguments")
    if isinstance(result, tuple):
        for item in result:
            _guard(item, name)
    return result


def kpi(
    *,
    excel: str,
    name: str,
    category: str,
    unit: str,
    direction: str,
    description: str,
    formula: str,
    params: Mapping[str, Param | tuple[str, str] | str],
    blanks: str,
    examples: Sequence[Example] = (),
    edge_cases: Sequence[str] = (),
    references: Sequence[str] = (),
    level: str | None = None,
    indicator: str | None = None,
    kind: str = "kpi",
    rollup: Rollup | Callable[[Callable[..., Any]], Rollup] | None = None,
    native: str | None = None,
    aliases: Sequence[str] = (),
    variant_of: str | None = None,
    uses: Sequence[str] = (),
    returns: str = "",
    id: str | None = None,
    **extra: Any,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a catalog entry and return its public function.

    ``params`` maps each argument name to ``(kind, description)`` (or a full :class:`Param`);
    defaults and keyword-only-ness are read from the signature, so they are not repeated.
    ``rollup`` may be a function of the raw KPI function (so a ratio's finalize step *is* the
    KPI function applied to the sums).
    """

    def decorate(raw: Callable[..., Any]) -> Callable[..., Any]:
        kpi_id = id or raw.__name__
        sig = inspect.signature(raw)
        declared = dict(params)
        if list(declared) != list(sig.parameters):
            raise TypeError(f"{kpi_id}: params {list(declared)} do not match the signature "
                            f"{list(sig.parameters)}")
        plist = []
        for pname, spec in declared.items():
            sp = sig.parameters[pname]
            if isinstance(spec, Param):
                base = spec
            elif isinstance(spec, tuple):
                base = Param(pname, spec[1], kind=spec[0])
            else:
                base = Param(pname, spec)
            plist.append(Param(pname, base.description, base.kind, base.choices, sp.default,
                               sp.kind is inspect.Parameter.KEYWORD_ONLY))

        @functools.wraps(raw)
        def public(*args: Any, **kwargs: Any) -> Any:
            try:
                return _guard(raw(*args, **kwargs), kpi_id)
            except NoResultError:
                return None

        @functools.wraps(raw)
        def strict(*args: Any, **kwargs: Any) -> Any:
            return _guard(raw(*args, **kwargs), kpi_id)

        definition = KpiDef(
            id=kpi_id, excel_name=excel, name=name, kind=kind, category=category, level=level,
            indicator=indicator, unit=unit, direction=direction, description=description,
            formula=formula, params=tuple(plist), blanks=blanks, edge_cases=tuple(edge_cases),
            examples=tuple(examples), references=tuple(references),
            rollup=rollup(strict) if callable(rollup) and not isinstance(rollup, Rollup) else rollup,
            native=native, aliases=tuple(aliases), variant_of=variant_of, uses=tuple(uses),
            returns=returns or f"{unit}", extra=dict(extra), function=public, raw=strict,
        )
        _register(definition)
        public.__doc__ = _docstring(definition, raw.__doc__ or "")
        public.kpi = definition  # type: ignore[attr-defined]
        return public

    return decorate


def _register(d: KpiDef) -> None:
    if d.id in REGISTRY:
        raise ValueError(f"duplicate KPI id {d.id!r}")
    for other in REGISTRY.values():
        if other.excel_name == d.excel_name:
            raise ValueError(f"{d.id}: Excel name {d.excel_name} is already used by {other.id}")
    REGISTRY[d.id] = d


def _docstring(d: KpiDef, own: str) -> str:
    """Compose the public docstring: metadata first (written once), then the function's own
    text (NaN/blank notes, doctests)."""
    lines = [f"{d.name} — Excel ``={d.excel_name}(...)``.", "", d.description, "",
             f"Formula: ``{d.formula}``", "", f"Returns: {d.returns} (unit: {d.unit}; "
             f"{d.direction.replace('_', ' ')}).", "", "Parameters", "----------"]
    for p in d.params:
        opt = f", default {p.default!r}" if p.optional else ""
        choices = f" One of {', '.join(map(repr, p.choices))}." if p.choices else ""
        lines += [f"{p.name} : {p.kind}{opt}", f"    {p.description}{choices}"]
    lines += ["", f"Blanks and NaN: {d.blanks}"]
    if d.edge_cases:
        lines += ["", "Edge cases", "----------", *[f"* {e}" for e in d.edge_cases]]
    if d.references:
        lines += ["", "References", "----------", *[f"* {r}" for r in d.references]]
    text = inspect.cleandoc(own) if own.strip() else ""
    return "\n".join(lines) + ("\n\n" + text if text else "") + "\n"
