"""Benchmark: the service template with 100,000 survey rows vs XlsxWriter (constant_memory).

Both write the same cells -- the two data tables (values and number formats) and every
formula and text cell of the other sheets -- measured side by side in one run: median wall
time of 3 runs and peak Python memory (tracemalloc). kpi-xl's time also includes generating
the sample data and computing the sample targets with the core.

    python benchmarks/templates.py [ROWS]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import xlsxwriter

from kpi_xl.templates import builder
from kpi_xl.templates.registry import get_template

FIRST = "2025-01-01"


def kpi_xl_build(path: Path, rows: int) -> None:
    builder.build(get_template("service"), path, rows=rows, seed=0, first_month=FIRST)


def xlsxwriter_write(path: Path, frames: dict[str, pd.DataFrame], other: dict) -> None:
    spec = get_template("service")
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    fmts = {}
    for t in spec.tables:
        ws = wb.add_worksheet(t.name)
        cols = [c for c in t.columns]
        for j, c in enumerate(cols):
            fmts.setdefault(c.number_format, wb.add_format({"num_format": c.number_format}))
            ws.write_string(0, j, c.name)
        df = frames[t.name]
        data = []
        for c in cols:
            s = df[c.name]
            if c.kind == "date":
                data.append(builder._serial(s).tolist())
            elif c.kind in ("text", "choice"):
                data.append(s.astype(str).tolist())
            else:
                data.append(pd.to_numeric(s).tolist())
        for r in range(len(df)):
            for j, c in enumerate(cols):
                v = data[j][r]
                if isinstance(v, str):
                    ws.write_string(r + 1, j, v)
                elif v == v:  # not NaN
                    ws.write_number(r + 1, j, v, fmts[c.number_format])
        ws.add_table(0, 0, max(len(df), 1), len(cols) - 1,
                     {"name": t.name, "columns": [{"header": c.name} for c in cols]})
    for sheet, cells in other.items():
        ws = wb.add_worksheet(sheet)
        for (r, c), v in sorted(cells.items()):
            if isinstance(v, str) and v.startswith("="):
                ws.write_formula(r - 1, c - 1, v)
            elif isinstance(v, str):
                ws.write_string(r - 1, c - 1, v)
            elif v is not None:
                ws.write(r - 1, c - 1, v)
    wb.close()


def measure(fn, repeat: int = 3) -> tuple[float, float]:
    """Median wall time (untraced runs), then peak traced memory of one more run."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return statistics.median(times), peak


def main(rows: int) -> None:
    warnings.filterwarnings("ignore", message="add_table")  # XlsxWriter: no tables in this mode
    spec = get_template("service")
    months = builder._months(pd.Timestamp(FIRST))
    frames = builder.sample_frames(spec, months, rows, 0)
    with tempfile.TemporaryDirectory() as tmp:
        ref = Path(tmp) / "ref.xlsx"
        kpi_xl_build(ref, rows)
        wb = openpyxl.load_workbook(ref)
        other = {ws.title: {(c.row, c.column): c.value for row in ws.iter_rows() for c in row
                            if c.value is not None}
                 for ws in wb.worksheets if ws.title not in ("Survey", "Tickets")}
        n_cells = sum(len(v) for v in other.values()) + sum(
            df.notna().sum().sum() + len(df.columns) for df in frames.values())
        t_x, m_x = measure(lambda: xlsxwriter_write(Path(tmp) / "x.xlsx", frames, other))
        t_k, m_k = measure(lambda: kpi_xl_build(Path(tmp) / "k.xlsx", rows))
        t_k10, m_k10 = measure(lambda: kpi_xl_build(Path(tmp) / "k10.xlsx", rows // 10), 1)
    print(f"service template, {rows:,} survey rows (+{len(frames['Tickets']):,} tickets), "
          f"{n_cells:,} cells")
    print(f"{'writer':<44}{'median s':>10}{'peak MiB':>10}{'time ratio':>12}")
    print(f"{'XlsxWriter constant_memory (same cells)':<44}{t_x:>10.2f}{m_x:>10.1f}{1:>12.2f}")
    print(f"{'kpi-xl template (openpyxl write-only)':<44}{t_k:>10.2f}{m_k:>10.1f}{t_k / t_x:>12.2f}")
    print(f"{'kpi-xl template, rows / 10 (memory scaling)':<44}{t_k10:>10.2f}{m_k10:>10.1f}"
          f"{'':>12}")
    print(f"goal: time ratio <= 3.0 -> {'met' if t_k / t_x <= 3 else 'NOT met'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
