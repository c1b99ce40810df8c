"""``kpi-xl excel quickstart``: the workbook, its formulas and the CLI's file handling."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.formula import ArrayFormula

from kpi_xl import catalog
from kpi_xl.excel import quickstart
from kpi_xl.excel.quickstart import CONF_SHEET, EXAMPLES_SHEET, UDF_MODULE, write_quickstart
from kpi_xl.excel.udfs import ADAPTERS

# The console script's entry point (``python -m kpi_xl.cli`` would import kpi_xl.cli twice).
ENTRY = "import sys; from kpi_xl.cli import main; sys.argv[0] = 'kpi-xl'; main()"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", ENTRY, "excel", "quickstart", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("quickstart")
    proc = cli("demo", "-o", str(folder / "out"), cwd=folder)
    assert proc.returncode == 0, proc.stderr
    path = folder / "out" / "demo.xlsm"
    assert f"wrote {path.relative_to(folder)}" in proc.stdout or str(path) in proc.stdout
    return path


def test_xlsm_with_conf_sheet_and_vba_project(demo):
    wb = load_workbook(demo, keep_vba=True)
    assert wb.sheetnames == [EXAMPLES_SHEET, CONF_SHEET]
    assert [list(r) for r in wb[CONF_SHEET].values] == [["UDF Modules", UDF_MODULE]]
    assert UDF_MODULE == "kpi_xl.excel.udfs"
    with zipfile.ZipFile(demo) as z:
        assert "xl/vbaProject.bin" in z.namelist()
        assert "macroEnabled" in z.read("[Content_Types].xml").decode()
    mask = os.umask(0)
    os.umask(mask)
    assert demo.stat().st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's 0600


def _cells(ws, ref: str) -> list[list]:
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    return [[ws.cell(r, c).value for c in range(min_col, max_col + 1)]
            for r in range(min_row, max_row + 1)]


def _formulas(ws):
    for row in ws.iter_rows():
        for cell in row:
            value = cell.value
            if isinstance(value, ArrayFormula):
                yield cell, value.text, value.ref
            elif isinstance(value, str) and value.startswith("=") and cell.data_type == "f":
                yield cell, value, cell.coordinate


def test_one_working_formula_per_category(demo):
    """Evaluate every formula as Excel would: read the referenced cells, call the function."""
    ws = load_workbook(demo)[EXAMPLES_SHEET]
    categories = []
    for cell, text, ref in _formulas(ws):
        m = re.fullmatch(r"=(KPI_\w+)\((.*)\)", text)
        assert m, text
        name, refs = m.group(1), m.group(2).split(",")
        args = [None if not r else _cells(ws, r) for r in refs]
        result = ADAPTERS[name](*args)
        row = [result] if not isinstance(result, list) else result[0]
        min_col, min_row, max_col, _ = range_boundaries(ref)
        expected = [ws.cell(min_row + 1, c).value for c in range(min_col, max_col + 1)]
        assert len(row) == len(expected), (text, row, expected)
        for got, want in zip(row, expected, strict=True):
            assert isinstance(got, (int, float)) or got == want, (text, got, want)
            if isinstance(want, (int, float)):
                assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), (text, got, want)
        categories.append(ws.cell(cell.row, 1).value)
    assert categories == list(catalog.categories())


def test_formula_text_is_shown_next_to_each_result(demo):
    ws = load_workbook(demo)[EXAMPLES_SHEET]
    for cell, text, _ in _formulas(ws):
        assert ws.cell(cell.row + 2, cell.column).value == text
        assert ws.cell(cell.row + 2, cell.column).data_type == "s"


def test_never_overwrites_without_force(demo):
    folder = demo.parent
    before = demo.read_bytes()
    proc = cli("demo", "-o", str(folder), cwd=folder)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("kpi-xl: error: ")
    assert "--force" in proc.stderr and "Traceback" not in proc.stderr
    assert demo.read_bytes() == before
    proc = cli("demo", "-o", str(folder), "--force", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["demo.xlsm"]  # no temp files left


def test_xlsx_for_lite_and_server(tmp_path):
    proc = cli("lite.xlsx", "--xlsx", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "lite.xlsx"
    with zipfile.ZipFile(path) as z:
        assert "xl/vbaProject.bin" not in z.namelist()
    wb = load_workbook(path)
    assert wb.sheetnames == [EXAMPLES_SHEET, CONF_SHEET]


@pytest.mark.parametrize("name", ["a/b", "", "..", "x:y", ".xlsm"])
def test_bad_names_are_refused(tmp_path, name):
    with pytest.raises(ValueError, match="invalid workbook name"):
        write_quickstart(name, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_bad_name_is_a_one_line_user_error(tmp_path):
    proc = cli("a/b", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("kpi-xl: error: ") and proc.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    target = write_quickstart("demo", tmp_path, macro=False)
    before = target.read_bytes()

    def broken_save(self, filename):
        Path(filename).write_bytes(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(quickstart.Workbook, "save", broken_save)
    with pytest.raises(OSError):
        write_quickstart("demo", tmp_path, macro=False, force=True)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["demo.xlsx"]


@pytest.mark.libreoffice
def test_libreoffice_opens_the_workbook(demo, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI")
        pytest.skip("LibreOffice is not installed")
    profile = (tmp_path / "profile").as_uri()
    proc = subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless",
                           "--convert-to", "csv", "--outdir", str(tmp_path / "csv"), str(demo)],
                          capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "csv" / "demo.csv").read_text(encoding="utf-8", errors="replace")
    first = next(d for d in catalog.all_entries() if d.category == catalog.categories()[0])
    assert "kpi-xl" in text and catalog.categories()[0] in text and first.excel_name in text
