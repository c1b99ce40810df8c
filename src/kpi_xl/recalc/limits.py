"""Every resource limit of reading, evaluating and writing a workbook -- in one place.

A workbook comes from anywhere (mail attachments, shared drives), so everything that grows
with the input is bounded: the package (number of zip members, declared and actual
uncompressed sizes, compression ratio), the sheets (cells of the dense used range), the
formulas (length, nesting) and the time per file. Each limit can be raised from the command
line (``kpi-xl recalc --max-cells 20000000 ...``) or from Python
(``recalc(path, limits=Limits(max_cells=20_000_000))``).

The evaluator receives its share (formula length, nesting, cells, timeout) through
:meth:`Limits.for_evaluator`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

__all__ = ["MB", "LimitExceeded", "Limits", "cli_options"]

MB = 1024 * 1024


class LimitExceeded(ValueError):
    """The input goes past a limit; the message names the limit and the flag that raises it."""


@dataclass(frozen=True)
class Limits:
    #: Members of the zip package.
    max_members: int = 10_000
    #: Uncompressed size of one member (declared in the zip directory and actually inflated).
    max_part_bytes: int = 1024 * MB
    #: Uncompressed size of all members together.
    max_total_bytes: int = 2048 * MB
    #: Uncompressed / compressed size of one member larger than ``ratio_floor_bytes``.
    #: Spreadsheet XML compresses 5-40x; zip bombs 1000x and more.
    max_ratio: float = 400.0
    ratio_floor_bytes: int = 16 * MB
    #: Cells of one sheet's dense used range (rows x columns, from A1).
    max_cells: int = 5_000_000
    #: Characters of one formula (Excel's own limit is 8,192).
    max_formula_length: int = 8192
    #: Nesting depth of function calls and parentheses in one formula (Excel's is 64).
    max_nesting: int = 64
    #: Wall-clock seconds for evaluating one workbook; None: no limit.
    timeout_s: float | None = None

    def replace(self, **changes: Any) -> Limits:
        """A copy with some limits changed (``None`` values are ignored)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def for_evaluator(self) -> Any:
        """The evaluator's own ``Limits`` object, built from these values."""
        from kpi_xl.recalc import evaluator

        cls = getattr(evaluator, "Limits", None)
        if cls is None:  # pragma: no cover - evaluator without limits
            return None
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in dataclasses.asdict(self).items() if k in names})


#: Command-line flag -> (field, type, help) for each limit a user may raise.
cli_options: dict[str, tuple[str, type, str]] = {
    "--max-part-mb": ("max_part_bytes", int, "Largest uncompressed zip member, in MB."),
    "--max-total-mb": ("max_total_bytes", int, "Largest uncompressed package, in MB."),
    "--max-cells": ("max_cells", int, "Largest dense used range of one sheet, in cells."),
    "--max-formula-length": ("max_formula_length", int, "Longest formula, in characters."),
    "--max-nesting": ("max_nesting", int, "Deepest formula nesting."),
    "--timeout": ("timeout_s", float, "Seconds allowed for evaluating one workbook."),
}


def flag_for(field: str) -> str:
    """The command-line flag that raises ``field`` (for error messages)."""
    for flag, (name, _, _) in cli_options.items():
        if name == field:
            return flag
    return f"Limits({field}=...)"
