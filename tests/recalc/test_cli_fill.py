"""``kpi-xl fill``: a table's rows replaced by data, resized, recalculated; text never a formula."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.worksheet.table import Table, TableFormula, TableStyleInfo
from test_cli_recalc import run
from test_io_support import members

from kpi_xl.recalc import reader
from kpi_xl.recalc.fill import FillError, fill

HEADER = ["Name", "Amount", "Date", "Double"]


def make_template(path: Path, *, note_below: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(HEADER)
    for name, amount in (("a", 1), ("b", 2)):
        ws.append([name, amount, None, "=Sales[[#This Row],[Amount]]*2"])
    ws.append(["Total", "=SUM(Sales[Amount])", None, None])
    ws["B2"].number_format = "0.00"
    ws["C2"].number_format = "yyyy-mm-dd"
    t = Table(displayName="Sales", ref="A1:D4")
    t.totalsRowCount = 1
    t.tableStyleInfo = TableStyleInfo(name="TableStyleMedium9", showRowStripes=True)
    t._initialise_columns()
    for col, h in zip(t.tableColumns, HEADER, strict=True):
        col.name = h
    t.tableColumns[3].calculatedColumnFormula = TableFormula(
        attr_text="Sales[[#This Row],[Amount]]*2")
    ws.add_table(t)
    ws["F1"] = "=SUM(Sales[Amount])"
    ws["G1"] = "=COUNTA(Sales[Name])"
    ws["F2"] = "keep me"
    ws.conditional_formatting.add("B2:B3", CellIsRule(operator="greaterThan", formula=["1"],
                                                      fill=PatternFill("solid", fgColor="FF0000")))
    if note_below:
        ws["B6"] = "note"
    wb.save(path)
    return path


INJECT = ["=cmd|' /C calc'!A0", "+1+1", "-2", "@SUM(1)", "\t=1", "\r=2"]


def frame() -> pd.DataFrame:
    return pd.DataFrame({"name": INJECT, "Amount": [5, 6, 7.5, None, 1, 2],
                         "DATE": pd.to_datetime(["2024-01-01"] * 5 + [None])})


def test_fill_resizes_copies_down_and_recalculates(tmp_path: Path) -> None:
    tpl = make_template(tmp_path / "tpl.xlsx")
    rep = fill(tpl, {"Sales": frame()}, tmp_path / "out.xlsx")
    assert rep["tables"] == [{"table": "Sales", "sheet": "Data", "rows": 6, "ref": "A1:D8"}]
    assert rep["recalc"]["ok"]
    m = reader.load(tmp_path / "out.xlsx")
    v = m.sheets["Data"].values
    assert v[1:7, 0].tolist() == INJECT
    assert v[1:7, 1].tolist() == [5.0, 6.0, 7.5, None, 1.0, 2.0]
    assert v[1:7, 2].tolist() == [45292.0] * 5 + [None]
    assert v[1:7, 3].tolist() == [10.0, 12.0, 15.0, 0.0, 2.0, 4.0]
    assert v[0, 5:7].tolist() == [21.5, 6.0]
    assert v[1, 5] == "keep me"
    assert v[7, 0] == "Total" and m.sheets["Data"].formulas[(7, 1)].text == "SUM(Sales[Amount])"
    assert m.tables["SALES"].ref == "A1:D8"
    parts = members(tmp_path / "out.xlsx")
    table = parts["xl/tables/table1.xml"].decode()
    assert 'ref="A1:D8"' in table and '<autoFilter ref="A1:D7"/>' in table
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    assert 'sqref="B2:B7"' in sheet and '<dimension ref="A1:G8"/>' in sheet
    # styles of the first body row carried down
    assert re.search(r'<c r="B6" s="(\d+)"', sheet).group(1) == \
        re.search(r'<c r="B2" s="(\d+)"', sheet).group(1)
    # no injected text became a formula: every <f> is a calculated column or was there before
    formulas = re.findall(r'<c r="([A-Z]+\d+)"[^>]*><f>', sheet)
    assert sorted(formulas) == sorted(["F1", "G1", "B8"] + [f"D{r}" for r in range(2, 8)])
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert [c.value for c in wb["Data"]["A"][1:7]] == INJECT
    assert wb["Data"].tables["Sales"].ref == "A1:D8"


def test_fill_shrinks_and_keeps_other_parts(tmp_path: Path) -> None:
    tpl = make_template(tmp_path / "tpl.xlsx")
    data = pd.DataFrame({"Name": ["only"], "Amount": [3], "Date": [None]})
    fill(tpl, {"sales": data}, tmp_path / "o.xlsx")
    v = reader.load(tmp_path / "o.xlsx").sheets["Data"].values
    assert v[1, :4].tolist() == ["only", 3.0, None, 6.0]
    assert v[2, 0] == "Total" and v[0, 5] == 3.0
    a, b = members(tpl), members(tmp_path / "o.xlsx")
    changed = sorted(n for n in a if a.get(n) != b.get(n))
    assert changed == ["xl/tables/table1.xml", "xl/worksheets/sheet1.xml"]


def test_fill_errors(tmp_path: Path) -> None:
    tpl = make_template(tmp_path / "tpl.xlsx", note_below=True)
    with pytest.raises(FillError, match="no table named 'Nope'"):
        fill(tpl, {"Nope": frame()}, tmp_path / "o.xlsx")
    with pytest.raises(FillError, match="no column 'Date'"):
        fill(tpl, {"Sales": frame()[["name", "Amount"]]}, tmp_path / "o.xlsx")
    with pytest.raises(FillError, match="'Extra' is not in the table"):
        fill(tpl, {"Sales": frame().assign(Extra=1)}, tmp_path / "o.xlsx")
    with pytest.raises(FillError, match="'Double' is calculated"):
        fill(tpl, {"Sales": frame().assign(Double=1)}, tmp_path / "o.xlsx")
    with pytest.raises(FillError, match="would grow over Data!B6"):
        fill(tpl, {"Sales": frame()}, tmp_path / "o.xlsx")
    assert not (tmp_path / "o.xlsx").exists()


def test_cli_fill_csv_and_parquet(tmp_path: Path, capsys) -> None:
    tpl = make_template(tmp_path / "tpl.xlsx")
    frame().to_csv(tmp_path / "d.csv", index=False)
    frame().to_parquet(tmp_path / "d.parquet")
    for src in ("d.csv", "d.parquet"):
        out = tmp_path / f"o-{src}.xlsx"
        code, stdout, err = run(["fill", str(tpl), "--table", f"Sales={tmp_path / src}",
                                 "-o", str(out)], capsys)
        assert code == 0, err
        assert "Sales: 6 rows" in stdout
        v = reader.load(out).sheets["Data"].values
        from kpi_xl.io import read_table

        assert v[1:7, 0].tolist() == read_table(tmp_path / src)["name"].tolist()
        assert v[0, 5] == 21.5
        with zipfile.ZipFile(out) as z:
            xml = z.read("xl/worksheets/sheet1.xml").decode()
        for ref in ("A2", "A3", "A4", "A5", "A6", "A7"):
            cell = re.search(rf'<c r="{ref}"[^>]*>.*?</c>', xml).group(0)
            assert "<f>" not in cell and 't="inlineStr"' in cell
    code, _, err = run(["fill", str(tpl), "--table", "Sales", "-o", str(tmp_path / "x.xlsx")],
                       capsys)
    assert code == 2 and "NAME=data.csv" in err
    code, _, err = run(["fill", str(tpl), "--table", f"Sales={tmp_path / 'none.csv'}", "-o",
                        str(tmp_path / "x.xlsx")], capsys)
    assert code == 2 and "no such file" in err


def test_fill_a_template_equals_building_it_with_that_data(tmp_path: Path) -> None:
    """The nightly pipeline: a template filled with data recalculates to the same KPI values
    as the same template built with that data."""
    registry = pytest.importorskip("kpi_xl.templates.registry")
    builder = pytest.importorskip("kpi_xl.templates.builder")
    spec = registry.get_template("marketing")
    builder.build(spec, tmp_path / "empty.xlsx", mode="udf", seed=3, first_month="2025-01-01")
    builder.build(spec, tmp_path / "full.xlsx", mode="udf", rows=300, seed=9,
                  first_month="2025-01-01")
    full = reader.load(tmp_path / "full.xlsx")
    frames = {}
    for t in spec.tables:
        tm = full.tables[t.name.upper()]
        r0, c0, r1, c1 = reader.range_bounds(tm.ref)
        body = full.sheets[tm.sheet].values[r0 + 1:r1 + 1 - tm.totals_rows, c0:c1 + 1]
        frames[t.name] = pd.DataFrame(body.tolist(), columns=tm.columns).drop(
            columns=list(tm.calculated))
    rep = fill(tmp_path / "empty.xlsx", frames, tmp_path / "filled.xlsx")
    assert rep["recalc"]["ok"] and not rep["recalc"]["unsupported"]
    from kpi_xl.recalc.api import recalc

    direct = recalc(tmp_path / "full.xlsx", tmp_path / "direct.xlsx")
    assert direct.kpi_names and rep["recalc"]["kpi_names"] == direct.kpi_names


def test_cli_fill_takes_the_limit_flags(tmp_path: Path, capsys) -> None:
    tpl = make_template(tmp_path / "tpl.xlsx")
    frame().to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "o.xlsx"
    args = ["fill", str(tpl), "--table", f"Sales={tmp_path / 'd.csv'}", "-o", str(out)]
    code, _, err = run([*args, "--max-formula-length", "10"], capsys)
    assert code == 2 and "tpl.xlsx" in err and "--max-formula-length" in err, err
    assert ".fill." not in err and not out.exists()
    code, _, err = run([*args, "--max-formula-length", "100", "--max-cells", "1000",
                        "--timeout", "60"], capsys)
    assert code == 0, err
