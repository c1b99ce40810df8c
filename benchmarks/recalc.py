"""Headless recalculation: ``kpi-xl recalc`` vs LibreOffice headless vs formulas 1.3.4.

    pip install xlsxwriter 'formulas==1.3.4'   # optional: faster generation; the formulas column
    python benchmarks/recalc.py [--runs 3] [--formulas-runs 1] [--only 10k,100k,kpi] [--keep DIR]

Workloads, generated at run time (nothing is checked in):

* ``10k``  -- 10,000 rows x 2 formulas per row (``=A*B``, ``=IF(B>0,A/B,0)``)
* ``100k`` -- the same with 100,000 rows
* ``kpi``  -- 23 KPI formulas over 100,000 data rows: ``KPI_*`` calls (udf form) for kpi-xl,
  the catalog's native-formula equivalents for LibreOffice (which has no KPI functions)

Every tool runs as a whole process (start-up, read, recalculate, write), timed with GNU
``time`` when available (wall seconds and peak resident memory of the process tree); the
table shows the median of ``--runs`` runs and the ratios. formulas 1.3.4 runs on ``10k`` only.
LibreOffice recalculates on load because of a private profile (``OOXMLRecalcMode`` = 0).
Goals (issue 5): at 100k rows kpi-xl <= 0.5x LibreOffice's time and <= 400 MB; at 10k rows
>= 50x faster than formulas. ``--profile`` adds where kpi-xl's time goes (read / evaluate /
write, from its own report).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
KPI_ROWS = 100_000
N_KPIS = 23


# --- workloads ---------------------------------------------------------------------------


def _writer(path: Path) -> Any:
    try:
        import xlsxwriter

        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        return "xlsxwriter", wb
    except ImportError:
        import openpyxl

        return "openpyxl", openpyxl.Workbook(write_only=True)


def make_rows_workbook(path: Path, n: int) -> Path:
    rng = np.random.default_rng(5)
    a = np.round(rng.random(n) * 1000, 2)
    b = rng.integers(0, 9, n)
    kind, wb = _writer(path)
    if kind == "xlsxwriter":
        ws = wb.add_worksheet("Data")
        ws.write_row(0, 0, ["a", "b", "product", "ratio"])
        for i in range(n):
            r = i + 1
            ws.write_number(r, 0, float(a[i]))
            ws.write_number(r, 1, int(b[i]))
            ws.write_formula(r, 2, f"=A{r + 1}*B{r + 1}", None, 0)
            ws.write_formula(r, 3, f"=IF(B{r + 1}>0,A{r + 1}/B{r + 1},0)", None, 0)
        wb.close()
    else:
        ws = wb.create_sheet("Data")
        ws.append(["a", "b", "product", "ratio"])
        for i in range(n):
            r = i + 2
            ws.append([float(a[i]), int(b[i]), f"=A{r}*B{r}", f"=IF(B{r}>0,A{r}/B{r},0)"])
        wb.save(path)
    return path


DATA_COLS = ["score", "csat", "small", "big", "amount", "cost", "hours", "months"]
#: 23 catalog KPIs and the data columns that feed their required arguments, in order
KPI_CALLS = [
    ("KPI_NPS", ["score"]), ("KPI_CSAT", ["csat"]), ("KPI_CSAT_MEAN", ["csat"]),
    ("KPI_FRT", ["hours"]), ("KPI_MTTR", ["hours"]), ("KPI_CTR", ["small", "big"]),
    ("KPI_CONVERSION_RATE", ["small", "big"]), ("KPI_CHURN_RATE", ["small", "big"]),
    ("KPI_ROI", ["amount", "cost"]), ("KPI_GROSS_MARGIN", ["amount", "cost"]),
    ("KPI_ARPU", ["amount", "big"]), ("KPI_MRR", ["amount", "months", "big"]),
    ("KPI_AOV", ["amount", "big"]), ("KPI_ROAS", ["amount", "cost"]),
    ("KPI_CAC", ["cost", "big"]), ("KPI_CPL", ["cost", "small"]),
    ("KPI_RESOLUTION_RATE", ["small", "big"]), ("KPI_FCR", ["small", "big"]),
    ("KPI_PAGES_PER_SESSION", ["big", "small"]), ("KPI_LEAD_CONVERSION", ["small", "big"]),
    ("KPI_TRAFFIC", ["big"]), ("KPI_SHARE", ["small", "big"]),
    ("KPI_WIN_RATE", ["small", "small", "big"]), ("KPI_AVG_SHIPPING_COST", ["cost"]),
    ("KPI_ROI_NET", ["amount", "cost"]),
]


def kpi_formulas(rows: int) -> list[tuple[str, str, str]]:
    """(id, udf formula, native formula) for 23 catalog KPIs fed by whole columns."""
    from kpi_xl import catalog

    col = {name: f"Data!${chr(65 + i)}$2:${chr(65 + i)}${rows + 1}"
           for i, name in enumerate(DATA_COLS)}
    out = []
    for excel_name, cols in KPI_CALLS:
        d = catalog.get(excel_name)
        required = [p for p in d.params if not p.optional]
        args = {p.name: col[c] for p, c in zip(d.params, cols, strict=False)}
        if len(required) > len(cols) or not d.native:
            continue
        refs = dict(args)
        for p in d.params:  # optional arguments the native formula spells out: their defaults
            if p.name not in refs and isinstance(p.default, (int, float)) \
                    and not isinstance(p.default, bool):
                refs[p.name] = repr(p.default)
            elif p.name not in refs and isinstance(p.default, str):
                refs[p.name] = '"' + p.default + '"'
        try:
            native = d.native_formula(**refs)
        except KeyError:
            continue
        if native is None:
            continue
        out.append((d.id, f"={excel_name}({','.join(args.values())})", "=" + native))
        if len(out) == N_KPIS:
            break
    if len(out) < N_KPIS:
        raise SystemExit(f"only {len(out)} KPIs can be fed by whole columns")
    return out


def make_kpi_workbooks(folder: Path, rows: int) -> tuple[Path, Path, list[tuple[str, str, str]]]:
    from kpi_xl.templates.formulas import xlfn

    rng = np.random.default_rng(11)
    data = {
        "score": rng.integers(0, 11, rows), "csat": rng.integers(1, 6, rows),
        "small": rng.integers(0, 5, rows), "big": rng.integers(10, 50, rows),
        "amount": np.round(rng.random(rows) * 500 + 50, 2),
        "cost": np.round(rng.random(rows) * 200 + 10, 2),
        "hours": np.round(rng.lognormal(0.4, 1.0, rows), 3),
        "months": rng.choice([1, 3, 12], rows),
    }
    kpis = kpi_formulas(rows)
    paths = []
    for mode in ("udf", "native"):
        path = folder / f"kpi-{mode}.xlsx"
        kind, wb = _writer(path)
        if kind == "xlsxwriter":
            ws = wb.add_worksheet("Data")
            ws.write_row(0, 0, DATA_COLS)
            cols = [data[name].tolist() for name in DATA_COLS]
            for i, row in enumerate(zip(*cols, strict=True)):  # constant_memory: row by row
                ws.write_row(i + 1, 0, row)
            ks = wb.add_worksheet("KPIs")
            for i, (kid, udf, native) in enumerate(kpis):
                ks.write_string(i, 0, kid)
                ks.write_formula(i, 1, udf if mode == "udf" else xlfn(native), None, 0)
            wb.close()
        else:
            ws = wb.create_sheet("Data")
            ws.append(DATA_COLS)
            for i in range(rows):
                ws.append([data[c][i].item() for c in DATA_COLS])
            ks = wb.create_sheet("KPIs")
            for kid, udf, native in kpis:
                ks.append([kid, udf if mode == "udf" else xlfn(native)])
            wb.save(path)
        paths.append(path)
    return paths[0], paths[1], kpis


# --- running -----------------------------------------------------------------------------


def timed(cmd: list[str], cwd: Path | None = None, timeout: float = 3600) -> tuple[float, float | None, str]:
    """(wall seconds, peak RSS in MB or None, stderr tail) of one whole process."""
    gnu_time = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)
    full = ([gnu_time, "-f", "KPIXL-TIME %e %M", *cmd]) if gnu_time else cmd
    t0 = time.perf_counter()
    proc = subprocess.run(full, capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          check=False)
    wall = time.perf_counter() - t0
    peak = None
    err = proc.stderr
    for line in err.splitlines():
        if line.startswith("KPIXL-TIME "):
            _, e, m = line.split()
            wall, peak = float(e), int(m) / 1024
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])}... failed ({proc.returncode}): {err[-800:]}")
    return wall, peak, err


def run_kpi_xl(src: Path, out: Path) -> tuple[float, float | None, dict[str, Any]]:
    report = out / f"{src.stem}.report.json"
    wall, peak, _ = timed([sys.executable, "-m", "kpi_xl", "recalc", str(src), "-o", str(out),
                           "--report", str(report), "-q"])
    doc = json.loads(report.read_text())["files"][0]
    return wall, peak, doc


def run_libreoffice(src: Path, out: Path) -> tuple[float, float | None]:
    from kpi_xl.templates.libreoffice import profile_dir, soffice

    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    profile = profile_dir("benchmark")
    wall, peak, _ = timed([exe, "--headless", "--norestore", "--nolockcheck",
                           f"-env:UserInstallation={profile.as_uri()}", "--convert-to",
                           "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(src)])
    return wall, peak


FORMULAS_SCRIPT = """
import sys, formulas
xl = formulas.ExcelModel().loads(sys.argv[1]).finish()
xl.calculate()
xl.write(dirpath=sys.argv[2])
"""


def run_formulas(src: Path, out: Path) -> tuple[float, float | None]:
    wall, peak, _ = timed([sys.executable, "-c", FORMULAS_SCRIPT, str(src), str(out)])
    return wall, peak


def have_formulas() -> str | None:
    proc = subprocess.run([sys.executable, "-c", "import formulas; print(formulas.__version__)"],
                          capture_output=True, text=True, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def median_of(fn: Any, runs: int) -> tuple[float, float | None, Any]:
    walls, peaks, extra = [], [], None
    for _ in range(runs):
        res = fn()
        walls.append(res[0])
        if res[1] is not None:
            peaks.append(res[1])
        extra = res[2] if len(res) > 2 else extra
    return statistics.median(walls), (max(peaks) if peaks else None), extra


def check_kpis(ours: Path, theirs: Path) -> float:
    """Largest relative difference between kpi-xl's KPI values and LibreOffice's."""
    from kpi_xl.recalc import reader

    a = reader.load(ours).sheets["KPIs"].values[:, 1]
    b = reader.load(theirs).sheets["KPIs"].values[:, 1]
    worst = 0.0
    for x, y in zip(a, b, strict=True):
        if isinstance(x, float) and isinstance(y, float):
            worst = max(worst, abs(x - y) / max(abs(y), 1e-300))
        elif str(x) != str(y):
            worst = float("inf")
    return worst


def fmt(x: float | None, unit: str = "") -> str:
    return "—" if x is None else f"{x:,.2f}{unit}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="runs per tool (median)")
    ap.add_argument("--formulas-runs", type=int, default=1, help="runs of formulas 1.3.4")
    ap.add_argument("--only", default="10k,100k,kpi", help="workloads to run")
    ap.add_argument("--keep", default=None, help="keep the generated files in this folder")
    ap.add_argument("--profile", action="store_true", help="show kpi-xl's read/evaluate/write")
    args = ap.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="kpi-xl-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(","))
    formulas_version = have_formulas()
    rows: list[dict[str, Any]] = []
    try:
        for name, n in (("10k", 10_000), ("100k", 100_000)):
            if name not in only:
                continue
            src = make_rows_workbook(work / f"rows-{name}.xlsx", n)
            label = f"{n:,} rows x 2 formulas"
            rows.append(bench(label, src, src, work / name, args, formulas_version
                              if name == "10k" else None))
        if "kpi" in only:
            udf, native, _kpis = make_kpi_workbooks(work, KPI_ROWS)
            r = bench(f"{N_KPIS} KPI formulas over {KPI_ROWS:,} rows", udf, native, work / "kpi",
                      args, None)
            r["kpi_check"] = check_kpis(work / "kpi" / "kpi-xl" / udf.name,
                                        work / "kpi" / "lo" / native.name)
            rows.append(r)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print_table(rows, formulas_version, args)


def bench(label: str, ours_src: Path, lo_src: Path, folder: Path, args: Any,
          formulas_version: str | None) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    print(f"… {label}", file=sys.stderr, flush=True)
    k = median_of(lambda: run_kpi_xl(ours_src, folder / "kpi-xl"), args.runs)
    lo = median_of(lambda: run_libreoffice(lo_src, folder / "lo"), args.runs)
    fo = None
    if formulas_version:
        fo = median_of(lambda: run_formulas(ours_src, folder / "formulas"), args.formulas_runs)
    report = k[2]
    return {"label": label, "kpi": k, "lo": lo, "formulas": fo, "report": report}


def print_table(rows: list[dict[str, Any]], formulas_version: str | None, args: Any) -> None:
    import platform

    print(f"\nkpi-xl recalc vs LibreOffice headless vs formulas "
          f"{formulas_version or '(not installed: pip install formulas==1.3.4)'}; "
          f"whole process, median of {args.runs} run(s) "
          f"({args.formulas_runs} for formulas); {os.cpu_count()} cores, "
          f"Python {platform.python_version()}\n")
    print("| workload | kpi-xl | LibreOffice | formulas 1.3.4 | kpi-xl / LibreOffice "
          "| formulas / kpi-xl |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        k, lo, fo = r["kpi"], r["lo"], r["formulas"]
        cell = lambda m: f"{m[0]:.2f} s, {fmt(m[1], ' MB')}" if m else "—"  # noqa: E731
        ratio_lo = f"{k[0] / lo[0]:.2f}x" if lo else "—"
        ratio_fo = f"{fo[0] / k[0]:.1f}x faster" if fo else "—"
        print(f"| {r['label']} | {cell(k)} | {cell(lo)} | {cell(fo)} | {ratio_lo} | {ratio_fo} |")
    goals = []
    for r in rows:
        k, lo, fo = r["kpi"], r["lo"], r["formulas"]
        if r["label"].startswith("100,000 rows") and lo:
            goals.append(f"100k rows: {k[0] / lo[0]:.2f}x LibreOffice's time (goal <= 0.5x): "
                         f"{'met' if k[0] <= 0.5 * lo[0] else 'NOT met'}; peak "
                         f"{fmt(k[1], ' MB')} (goal <= 400 MB): "
                         f"{'met' if k[1] is not None and k[1] <= 400 else 'not met'}")
        if fo:
            goals.append(f"10k rows: {fo[0] / k[0]:.1f}x faster than formulas (goal >= 50x): "
                         f"{'met' if fo[0] >= 50 * k[0] else 'NOT met'}")
    if goals:
        print("\nGoals: " + "; ".join(goals))
    for r in rows:
        rep = r["report"] or {}
        extra = ""
        if "kpi_check" in r:
            extra = f"; KPI values vs LibreOffice: max rel. diff {r['kpi_check']:.1e}"
        unsup = rep.get("unsupported_functions") or {}
        print(f"\n{r['label']}: kpi-xl recalculated {rep.get('recalculated', 0):,} of "
              f"{rep.get('formulas_seen', 0):,} formulas"
              f"{', unsupported: ' + str(unsup) if unsup else ''}{extra}")
        if args.profile:
            t = rep.get("timings", {})
            print(f"  in-process: read {t.get('read', 0):.2f} s, evaluate "
                  f"{t.get('evaluate', 0):.2f} s, compare {t.get('compare', 0):.2f} s, "
                  f"write {t.get('write', 0):.2f} s "
                  f"(of {rep.get('seconds', 0):.2f} s; the rest of the wall time is start-up)")


if __name__ == "__main__":
    main()
