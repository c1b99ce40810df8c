"""Roll-up recipes shared by many catalog entries (spec §1.3: ratio of sums, never an
average of ratios).

Each builder returns a function of the KPI's strict function, so the finalize step of a
ratio KPI *is* the KPI applied to the summed components: its validation (E-DIV0, E-SUBSET)
runs on the totals exactly as it would in a worksheet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from kpi_xl.catalog.schema import Rollup
from kpi_xl.core.errors import EmptyInputError
from kpi_xl.core.validate import number_rows, value_array

__all__ = ["mean_of", "sums"]


def _as_float(values: Any, name: str) -> np.ndarray:
    return number_rows(values, name)


def sums(*params: str, numerator: tuple[str, ...] = (), denominator: tuple[str, ...] = ()
         ) -> Callable[[Callable[..., Any]], Rollup]:
    """Components are the sums of ``params``; finalize calls the KPI on the totals."""

    def build(fn: Callable[..., Any]) -> Rollup:
        def prepare(**columns: Any) -> dict[str, np.ndarray]:
            return {p: _as_float(columns[p], p) for p in params}

        def finalize(**totals: Any) -> Any:
            args = [totals.pop(p) for p in params]
            return fn(*args, **totals)

        return Rollup(components=params, prepare=prepare, finalize=finalize,
                      numerator=numerator or params[:1], denominator=denominator or params[1:])

    return build


def mean_of(param: str, check: Callable[[np.ndarray, str], None] | None = None
            ) -> Callable[[Callable[..., Any]], Rollup]:
    """A mean as a ratio of sums: components ``<param>_sum`` and ``<param>_n``."""
    total, n = f"{param}_sum", f"{param}_n"

    def build(fn: Callable[..., Any]) -> Rollup:
        def prepare(**columns: Any) -> dict[str, np.ndarray]:
            vals = _as_float(columns[param], param)
            valid = ~np.isnan(vals)
            if check is not None:
                check(value_array(vals, param), param)
            return {total: np.where(valid, vals, 0.0), n: valid.astype(float)}

        def finalize(**totals: Any) -> float:
            if totals[n] == 0:
                raise EmptyInputError(f"E-EMPTY: argument {param!r} has no values", argument=param)
            return float(totals[total] / totals[n])

        return Rollup(components=(total, n), prepare=prepare, finalize=finalize,
                      numerator=(total,), denominator=(n,))

    return build
