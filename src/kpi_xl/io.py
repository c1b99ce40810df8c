"""File input/output for the CLI: reading data tables and writing files atomically.

Kept out of the core (which does no I/O). Writes go to a temporary file in the target
folder, are fsynced, then atomically renamed over the target: a crash never leaves a
half-written file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from kpi_xl.cli import UserError

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
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

