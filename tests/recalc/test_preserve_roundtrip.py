"""Preservation: a workbook with a chart, an image, a comment, data validation, conditional
formats (data bars), sparklines, defined names, a table and a VBA project is recalculated;
only the patched sheet part changes -- and only in <v>/t -- and the result opens in openpyxl
and in LibreOffice."""

from __future__ import annotations

import csv
import io
import os
import re
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule, DataBarRule
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from test_io_support import members, strip_values

from kpi_xl.recalc import reader
from kpi_xl.recalc.api import recalc

SPARKLINES = (
    '<extLst><ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:sparklineGroups xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:sparklineGroup displayEmptyCellsAs="gap"><x14:colorSeries rgb="FF376092"/>'
    '<x14:colorNegative rgb="FFD00000"/><x14:colorAxis rgb="FF000000"/>'
    '<x14:colorMarkers rgb="FFD00000"/><x14:colorFirst rgb="FFD00000"/>'
    '<x14:colorLast rgb="FFD00000"/><x14:colorHigh rgb="FFD00000"/>'
    '<x14:colorLow rgb="FFD00000"/><x14:sparklines><x14:sparkline><xm:f>Data!A2:A6</xm:f>'
    "<xm:sqref>E2</xm:sqref></x14:sparkline></x14:sparklines></x14:sparklineGroup>"
    "</x14:sparklineGroups></ext></extLst>")
PIC_ANCHOR = (
    '<xdr:oneCellAnchor xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/'
    'spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    '<xdr:from><xdr:col>8</xdr:col><xdr:colOff>0</xdr:colOff>'
    "<xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
    '<xdr:ext cx="952500" cy="952500"/><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="9" name="Logo"/>'
    '<xdr:cNvPicPr><a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr>'
    '<xdr:blipFill><a:blip xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships" r:embed="rIdPic"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>'
    '<xdr:spPr><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic>'
    "<xdr:clientData/></xdr:oneCellAnchor>")


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\0" + bytes([200, 30, 30]) * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def vba_blob() -> bytes:
    """A stand-in vbaProject.bin: an OLE signature and fixed bytes (never parsed by kpi-xl)."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 16


def build(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Value", "Double", "Share", "Flag"])
    for i, v in enumerate([3, 5, 2, 8, 6], start=2):
        ws.append([v, f"=A{i}*2", f"=A{i}/SUM($A$2:$A$6)", f'=IF(A{i}>4,"high","low")'])
    ws["G1"] = "=SUM(Table1[Double])"
    ws["G2"] = "=MAX(A2:A6)>7"
    ws["G3"] = "=1/0"
    ws["G4"] = "=IFERROR(G3,-1)"
    table = Table(displayName="Table1", ref="A1:D6")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=6), titles_from_data=True)
    ws.add_chart(chart, "I10")
    ws["A1"].comment = Comment("Raw values", "kpi-xl")
    dv = DataValidation(type="whole", operator="between", formula1="0", formula2="100")
    dv.add("A2:A6")
    ws.add_data_validation(dv)
    ws.conditional_formatting.add("A2:A6", DataBarRule(start_type="min", end_type="max",
                                                       color="FF638EC6"))
    ws.conditional_formatting.add("B2:B6", CellIsRule(operator="greaterThan", formula=["10"],
                                                      fill=PatternFill("solid", fgColor="FFFF00")))
    wb.defined_names["kpi_total"] = DefinedName("kpi_total", attr_text="Data!$G$1")
    wb.defined_names["Values"] = DefinedName("Values", attr_text="Data!$A$2:$A$6")
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    # add what openpyxl cannot write: sparklines, a picture, a VBA project
    parts = {}
    with zipfile.ZipFile(tmp) as z:
        order = [i.filename for i in z.infolist()]
        for n in order:
            parts[n] = z.read(n)
    tmp.unlink()
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    assert "<extLst>" not in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace("</worksheet>", SPARKLINES + "</worksheet>").encode()
    drawing = parts["xl/drawings/drawing1.xml"].decode()
    assert drawing.rstrip().endswith("</wsDr>")
    parts["xl/drawings/drawing1.xml"] = drawing.replace("</wsDr>", PIC_ANCHOR + "</wsDr>").encode()
    rels = parts["xl/drawings/_rels/drawing1.xml.rels"].decode()
    parts["xl/drawings/_rels/drawing1.xml.rels"] = rels.replace(
        "</Relationships>",
        '<Relationship Id="rIdPic" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/image" Target="../media/image1.png"/></Relationships>').encode()
    parts["xl/media/image1.png"] = tiny_png()
    parts["xl/vbaProject.bin"] = vba_blob()
    ct = parts["[Content_Types].xml"].decode()
    ct = ct.replace("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    ct = ct.replace("<Default ", '<Default Extension="png" ContentType="image/png"/>'
                    '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                    "<Default ", 1)
    parts["[Content_Types].xml"] = ct.encode()
    wbrels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = wbrels.replace(
        "</Relationships>",
        '<Relationship Id="rIdVBA" Type="http://schemas.microsoft.com/office/2006/relationships/'
        'vbaProject" Target="vbaProject.bin"/></Relationships>').encode()
    order += ["xl/media/image1.png", "xl/vbaProject.bin"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n in order:
            z.writestr(n, parts[n])
    return path


EXPECTED = {"B2": 6.0, "C2": 0.125, "D2": "low", "D5": "high", "G1": 48.0, "G2": True,
            "G3": "#DIV/0!", "G4": -1.0}


def _check_values(path: Path) -> None:
    v = reader.load(path).sheets["Data"].values
    for ref, want in EXPECTED.items():
        r, c = reader.split_ref(ref)
        assert v[r, c] == want, (ref, v[r, c])


def test_only_values_change(tmp_path: Path) -> None:
    src = build(tmp_path / "full.xlsm")
    assert reader.read(src)[1].slow_sheets == []  # validations, formats, sparklines: fast path
    out = tmp_path / "out" / "full.xlsm"
    rep = recalc(src, out)
    assert rep.ok and not rep.unsupported and rep.changed == rep.recalculated == 19
    assert rep.kpi_names == {"kpi_total": 48.0}
    a, b = members(src), members(out)
    assert list(a) == list(b)
    assert [n for n in a if a[n] != b[n]] == ["xl/worksheets/sheet1.xml"]
    assert strip_values(a["xl/worksheets/sheet1.xml"]) == strip_values(b["xl/worksheets/sheet1.xml"])
    for kept in ("xl/vbaProject.bin", "xl/media/image1.png", "xl/charts/chart1.xml",
                 "xl/drawings/drawing1.xml", "xl/tables/table1.xml", "xl/comments/comment1.xml"):
        assert kept in b and a[kept] == b[kept]
    assert b"x14:sparklineGroups" in b["xl/worksheets/sheet1.xml"]
    _check_values(out)
    wb = openpyxl.load_workbook(out, keep_vba=True)
    ws = wb["Data"]
    assert ws["A1"].comment.text == "Raw values" and ws.tables["Table1"].ref == "A1:D6"
    assert wb.vba_archive is not None
    wb_values = openpyxl.load_workbook(out, data_only=True)["Data"]
    assert wb_values["B3"].value == 10 and wb_values["D5"].value == "high"
    # recalculating the result again changes nothing at all
    again = recalc(out, tmp_path / "again.xlsm")
    assert again.changed == 0 and (tmp_path / "again.xlsm").read_bytes() == out.read_bytes()


@pytest.mark.libreoffice
def test_result_opens_in_libreoffice(tmp_path: Path) -> None:
    from kpi_xl.templates import libreoffice

    if not libreoffice.available():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("LibreOffice (soffice) is required when CI=true")
        pytest.skip("LibreOffice (soffice) is not installed")
    src = build(tmp_path / "full.xlsm")
    out = tmp_path / "out" / "full.xlsm"
    recalc(src, out)
    csv_path = libreoffice.convert(out, tmp_path / "lo", "csv:Text - txt - csv (StarCalc):44,34,76,1")
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    got = {f"{reader.col_letters(c)}{r + 1}": val for r, row in enumerate(rows)
           for c, val in enumerate(row)}
    for ref, want in EXPECTED.items():
        if isinstance(want, bool):
            assert got[ref].upper() == str(want).upper()
        elif isinstance(want, float):
            assert float(got[ref]) == pytest.approx(want)
        else:
            assert got[ref] == want
    # and LibreOffice reads our patched sheet part as a valid workbook with its parts intact
    xlsx = libreoffice.convert(out, tmp_path / "lo2", "xlsx:Calc MS Excel 2007 XML")
    with zipfile.ZipFile(xlsx) as z:
        names = z.namelist()
    assert any(re.match(r"xl/charts/chart\d+\.xml", n) for n in names)
    assert any(n.startswith("xl/media/") for n in names)
