"""File input/output for the CLI: reading data tables and writing files atomically.

Kept out of the core (which does no I/O). Writes are atomic (:mod:`kpi_xl.fsutil`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from kpi_xl.cli import UserError
from kpi_xl.fsutil import write_bytes_atomic

__all__ = ["read_table", "write_atomic"]


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV or Parquet file; a mistake gives one clear :class:`UserError`."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"no such file: {p}")
    suffix = p.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(p)
        if suffix in (".csv", ".txt", ".tsv"):
            return pd.read_csv(p, sep="\t" if suffix == ".tsv" else ",")
    except ImportError as exc:
        raise UserError(f"reading {p.name} needs an optional package: {exc}") from None
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {p.name}: {str(exc).splitlines()[0]}") from None
    raise UserError(f"{p.name}: unsupported file type {suffix!r}; use .csv or .parquet")


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` via temp file + fsync + atomic rename."""
    write_bytes_atomic(path, data)
