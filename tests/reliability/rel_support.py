"""Helpers of the reliability suite: measured CLI runs, small workbooks, sheet XML checks."""

from __future__ import annotations

import hashlib
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table, TableFormula, TableStyleInfo

KPI_XL = [sys.executable, "-m", "kpi_xl"]
#: A safety net for runs on hostile files: address space the child may map. The asserted
#: bound (peak RSS < 1 GB) is measured, this only keeps a runaway from taking the machine.
ADDRESS_SPACE_CAP = 3 * 1024**3
MB = 1024 * 1024


@dataclass
class Run:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float
    timed_out: bool

    @property
    def error_lines(self) -> list[str]:
        return [ln for ln in self.stderr.splitlines() if ln.strip()]


def _cap() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))


def run_measured(argv: list[str], *, timeout: float = 60, cwd: str | Path | None = None,
                 env: dict[str, str] | None = None, cap: bool = True) -> Run:
    """Run ``argv``; wall time and the child's own peak RSS (``wait4`` rusage, in MB)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                cwd=cwd, env=env, preexec_fn=_cap if cap else None)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t0 > timeout:
                timed_out = True
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
        out.seek(0)
        err.seek(0)
        return Run(argv, proc.returncode, out.read().decode("utf-8", "replace"),
                   err.read().decode("utf-8", "replace"), seconds, usage.ru_maxrss / 1024,
                   timed_out)


def kpi_xl(*args: str, timeout: float = 60, cwd: str | Path | None = None) -> Run:
    return run_measured([*KPI_XL, *args], timeout=timeout, cwd=cwd)


def sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) with its hash."""
    return {str(p.relative_to(folder)): sha256(p) for p in sorted(folder.rglob("*"))
            if p.is_file()}


# --- small workbooks -------------------------------------------------------------------------

def make_book(path: Path, *, rows: int = 10, factor: int = 2) -> Path:
    """A small workbook with formulas whose cached values are stale (so recalc writes)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"] = "value"
    for i in range(2, rows + 2):
        ws[f"A{i}"] = i * 3 % 11
        ws[f"B{i}"] = f"=A{i}*{factor}"
        ws[f"C{i}"] = f'=IF(B{i}>10,"high","low")'
    ws["D1"] = f"=SUM(B2:B{rows + 1})"
    ws["E1"] = f"=KPI_NPS(A2:A{rows + 1})"
    ws["F1"] = f"=AVERAGE(A2:A{rows + 1})"
    wb.defined_names["kpi_total"] = DefinedName("kpi_total", attr_text="Data!$D$1")
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


FILL_HEADER = ["Label", "Amount", "Note", "Double"]


def make_fill_template(path: Path) -> Path:
    """A workbook with one Excel Table (``Sales``) and a calculated column."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(FILL_HEADER)
    for label, amount in (("a", 1), ("b", 2)):
        ws.append([label, amount, "n", "=Sales[[#This Row],[Amount]]*2"])
    t = Table(displayName="Sales", ref="A1:D3")
    t.tableStyleInfo = TableStyleInfo(name="TableStyleMedium9", showRowStripes=True)
    t._initialise_columns()
    for col, h in zip(t.tableColumns, FILL_HEADER, strict=True):
        col.name = h
    t.tableColumns[3].calculatedColumnFormula = TableFormula(
        attr_text="Sales[[#This Row],[Amount]]*2")
    ws.add_table(t)
    ws["F1"] = "=SUM(Sales[Amount])"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# --- sheet XML -------------------------------------------------------------------------------

_XESC = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    return _XESC.sub(lambda m: chr(int(m.group(1), 16)), text)


def sheet_cells(path: str | Path, part: str = "xl/worksheets/sheet1.xml"
                ) -> dict[str, dict[str, Any]]:
    """Cells of a sheet part: ref -> {"t", "f" (formula text or None), "text"}.

    ``text`` is the cell's literal string for ``s``/``inlineStr``/``str`` cells, with OOXML's
    ``_xHHHH_`` escapes decoded -- what Excel shows.
    """
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read(part))
        sst: list[str] = []
        if "xl/sharedStrings.xml" in z.namelist():
            for si in etree.fromstring(z.read("xl/sharedStrings.xml")):
                sst.append("".join(t.text or "" for t in si.iter() if _local(t.tag) == "t"))
    out: dict[str, dict[str, Any]] = {}
    for c in root.iter():
        if _local(c.tag) != "c":
            continue
        t = c.get("t", "n")
        f = next((ch for ch in c if _local(ch.tag) == "f"), None)
        v = next((ch for ch in c if _local(ch.tag) == "v"), None)
        text = None
        if t == "inlineStr":
            text = "".join(x.text or "" for x in c.iter() if _local(x.tag) == "t")
        elif t == "s" and v is not None:
            text = sst[int(v.text)]
        elif t == "str" and v is not None:
            text = v.text or ""
        out[c.get("r")] = {"t": t, "f": None if f is None else (f.text or ""),
                           "text": None if text is None else _unescape(text)}
    return out


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def kill_after(proc: subprocess.Popen[bytes], delay: float) -> None:
    time.sleep(delay)
    try:
        proc.send_signal(signal.SIGKILL)
    except ProcessLookupError:
        pass
