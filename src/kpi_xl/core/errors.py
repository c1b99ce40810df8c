"""The one error contract of kpi-xl (spec §1.3).

Every failure a KPI function can report is a :class:`KpiError`. Each subclass carries

* ``code`` -- the spec's error code (``E-DIV0`` ... ``E-DOMAIN``), and
* ``excel`` -- the Excel error value it becomes at the Excel edge (``#DIV/0!``, ``#N/A``,
  ``#NUM!``, ``#VALUE!``).

The tree::

    KpiError
    ├── KpiValueError (ValueError)
    │   ├── NoResultError            -- "no answer" conditions; public functions return None
    │   │   ├── DivisionByZeroError  E-DIV0    #DIV/0!
    │   │   ├── EmptyInputError      E-EMPTY   #DIV/0!
    │   │   └── MissingValueError    E-MISSING #N/A
    │   ├── NegativeValueError       E-NEG     #NUM!
    │   ├── SubsetError              E-SUBSET  #NUM!
    │   ├── OutOfRangeError          E-RANGE   #NUM!
    │   └── DomainError              E-DOMAIN  #NUM!
    ├── KpiTypeError (TypeError)     E-TYPE    #VALUE!
    └── UnknownKpiError (KeyError)   E-NAME    #NAME?  -- no catalog entry by that name

The three :class:`NoResultError` conditions are raised inside the math and turned into ``None``
by the public functions (the spec's Python default); the Excel face and
:meth:`kpi_xl.catalog.KpiDef.evaluate` with ``strict=True`` see the exception itself so they
can show the right Excel error value.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "ERROR_CLASSES",
    "DivisionByZeroError",
    "DomainError",
    "EmptyInputError",
    "KpiError",
    "KpiTypeError",
    "KpiValueError",
    "MissingValueError",
    "NegativeValueError",
    "NoResultError",
    "OutOfRangeError",
    "SubsetError",
    "UnknownKpiError",
    "error_for_code",
]


def _show(value: Any) -> str:
    """A short, readable rendering of a bad value for error messages."""
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:  # numpy scalar -> plain
        value = value.item()
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class KpiError(Exception):
    """Base class of every error kpi-xl raises for bad KPI input."""

    code: ClassVar[str] = "E-VALUE"
    excel: ClassVar[str] = "#VALUE!"

    def __init__(self, message: str, *, argument: str | None = None, value: Any = None) -> None:
        super().__init__(message)
        self.argument = argument
        self.value = value

    @classmethod
    def bad(cls, argument: str, value: Any, why: str) -> KpiError:
        """Build the standard message: ``<code>: argument 'x' = <value>: <why>``."""
        return cls(f"{cls.code}: argument {argument!r} = {_show(value)}: {why}",
                   argument=argument, value=value)


class KpiValueError(KpiError, ValueError):
    """A value error in the contract (E-NEG, E-SUBSET, E-RANGE, E-DOMAIN and the no-result codes)."""


class KpiTypeError(KpiError, TypeError):
    """E-TYPE: text or a boolean where a number is required."""

    code = "E-TYPE"
    excel = "#VALUE!"


class UnknownKpiError(KpiError, KeyError):
    """No catalog entry has this id, alias or Excel name."""

    code = "E-NAME"
    excel = "#NAME?"

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class NoResultError(KpiValueError):
    """Conditions for which the spec's Python default is to return ``None``."""


class DivisionByZeroError(NoResultError):
    """E-DIV0: the denominator is 0."""

    code = "E-DIV0"
    excel = "#DIV/0!"


class EmptyInputError(NoResultError):
    """E-EMPTY: no valid observations are left after blanks are skipped."""

    code = "E-EMPTY"
    excel = "#DIV/0!"


class MissingValueError(NoResultError):
    """E-MISSING: a required scalar argument is blank, None or NaN."""

    code = "E-MISSING"
    excel = "#N/A"


class NegativeValueError(KpiValueError):
    """E-NEG: a non-negative quantity is negative, or a count is not a whole number."""

    code = "E-NEG"
    excel = "#NUM!"


class SubsetError(KpiValueError):
    """E-SUBSET: a subset numerator exceeds its universe (bounces > sessions, won > closed)."""

    code = "E-SUBSET"
    excel = "#NUM!"


class OutOfRangeError(KpiValueError):
    """E-RANGE: a survey response is off-scale or fractional, or a ratio is outside its range."""

    code = "E-RANGE"
    excel = "#NUM!"


class DomainError(KpiValueError):
    """E-DOMAIN: a mathematically invalid argument (CAGR begin <= 0, end before start, ...)."""

    code = "E-DOMAIN"
    excel = "#NUM!"


ERROR_CLASSES: dict[str, type[KpiError]] = {
    cls.code: cls
    for cls in (DivisionByZeroError, EmptyInputError, MissingValueError, NegativeValueError,
                SubsetError, OutOfRangeError, DomainError, KpiTypeError)
}


def error_for_code(code: str) -> type[KpiError]:
    """The error class for a spec code such as ``"E-DIV0"``.

    >>> error_for_code("E-RANGE").excel
    '#NUM!'
    """
    try:
        return ERROR_CLASSES[code]
    except KeyError:
        raise KeyError(f"unknown error code {code!r}; known: {', '.join(ERROR_CLASSES)}") from None
