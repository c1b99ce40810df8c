"""The reader: values and types, formulas (plain, shared, array), names, tables, external
links, the stored forms of KPI_* calls, the fast scanner against lxml, and hostile files."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_io_support import PKG_REL, REL, package, sheet_xml, write

from kpi_xl.recalc import reader
from kpi_xl.recalc.limits import LimitExceeded, Limits
from kpi_xl.recalc.model import ExcelError
from kpi_xl.recalc.reader import WorkbookError


def _read(tmp_path: Path, data: bytes, name: str = "b.xlsx", **kw):
    return reader.read(write(tmp_path / name, data), **kw)


# --- values ----------------------------------------------------------------------------


def test_values_types_and_blanks(tmp_path: Path) -> None:
    sst = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
           'spreadsheetml/2006/main" count="3" uniqueCount="3"><si><t>hello</t></si><si><t/></si>'
           '<si><r><t>ri</t></r><r><t>ch</t></r></si></sst>')
    rows = ('<row r="1"><c r="A1"><v>1.5</v></c><c r="B1" t="s"><v>0</v></c>'
            '<c r="C1" t="b"><v>1</v></c><c r="D1" t="e"><v>#N/A</v></c>'
            '<c r="E1" t="s"><v>1</v></c><c r="F1" t="inlineStr"><is><t>inl</t></is></c>'
            '<c r="G1" t="inlineStr"><is><t/></is></c><c r="H1" t="s"><v>2</v></c></row>'
            '<row r="3"><c r="B3"><v>-2</v></c><c r="C3" t="str"><v>x</v></c></row>')
    data = package({"S": sheet_xml(rows)},
                   wb_rels_extra=f'<Relationship Id="rId9" Type="{REL}/sharedStrings" '
                                 'Target="sharedStrings.xml"/>',
                   extra_parts={"xl/sharedStrings.xml": sst})
    model, info = _read(tmp_path, data)
    v = model.sheets["S"].values
    assert v.shape == (3, 8)
    assert v[0].tolist() == [1.5, "hello", True, ExcelError("#N/A"), "", "inl", "", "rich"]
    assert isinstance(v[0, 3], ExcelError)
    assert v[1].tolist() == [None] * 8
    assert v[2, 1] == -2.0 and v[2, 0] is None
    assert not info.slow_sheets


def test_dates_become_serials_in_both_date_systems(tmp_path: Path) -> None:
    import openpyxl

    for date1904, expected in ((False, 45292.5), (True, 45292.5 - 1462)):
        wb = openpyxl.Workbook()
        wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904 if date1904 else \
            openpyxl.utils.datetime.CALENDAR_WINDOWS_1900
        ws = wb.active
        ws["A1"] = dt.datetime(2024, 1, 1, 12, 0)
        ws["A2"] = dt.date(1900, 1, 1)
        p = tmp_path / f"d{int(date1904)}.xlsx"
        wb.save(p)
        model = reader.load(p)
        assert model.date1904 is date1904
        assert model.sheets[ws.title].values[0, 0] == pytest.approx(expected)
        if not date1904:
            assert model.sheets[ws.title].values[1, 0] == 1.0


# --- formulas --------------------------------------------------------------------------


SHARED = ('<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:C3" si="0">'
          "A1*$A$1+SUM(A$1:A1)+Other!A1</f><v>3</v></c>"
          '<c r="C1"><f t="shared" si="0"/><v>4</v></c></row>'
          '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><f t="shared" si="0"/><v>5</v></c>'
          '<c r="C2" t="str"><f t="shared" si="0"/><v>s</v></c></row>'
          '<row r="3"><c r="D3"><f t="array" ref="D3:E4">A1:B2*2</f><v>2</v></c>'
          '<c r="E3"><v>4</v></c></row>'
          '<row r="5"><c r="A5" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
          '<c r="B5" t="b"><f>TRUE</f><v>1</v></c>'
          '<c r="C5"><f t="dataTable" ref="C5:C6" dt2D="0" dtr="0" r1="A1"/><v>7</v></c>'
          '<c r="D5"><f>IF(A1&gt;0,"a&amp;b",&quot;c&quot;)</f><v>0</v></c></row>')


def test_formulas_shared_array_and_cached(tmp_path: Path) -> None:
    model, _ = _read(tmp_path, package({"S": sheet_xml(SHARED), "Other": sheet_xml("")}))
    f = model.sheets["S"].formulas
    assert f[(0, 1)].text == "A1*$A$1+SUM(A$1:A1)+Other!A1" and f[(0, 1)].shared_index == 0
    assert f[(0, 2)].text == "B1*$A$1+SUM(B$1:B1)+Other!B1"
    assert f[(1, 1)].text == "A2*$A$1+SUM(A$1:A2)+Other!A2"
    assert f[(1, 2)].text == "B2*$A$1+SUM(B$1:B2)+Other!B2" and f[(1, 2)].cached == "s"
    assert f[(2, 3)].array_ref == "D3:E4" and f[(2, 3)].text == "A1:B2*2"
    assert (2, 4) not in f  # the rest of an array formula's range holds values only
    assert f[(4, 0)].cached == ExcelError("#DIV/0!") and f[(4, 1)].cached is True
    assert f[(4, 2)].text.startswith("TABLE(")
    assert f[(4, 3)].text == 'IF(A1>0,"a&b","c")'
    v = model.sheets["S"].values
    assert v[4, 0] == ExcelError("#DIV/0!") and v[1, 2] == "s" and v[2, 4] == 4.0


def test_shared_formula_translation_matches_openpyxl() -> None:
    from openpyxl.formula.translate import Translator

    text = "SUM($A1:B$2)*C3+Sheet2!D4-'My S'!$E5+A:A+3:3+Name1+T[Col]"
    tpl = reader._SharedTemplate(text, 4, 2)
    for r, c in ((4, 2), (10, 2), (4, 7), (20, 9)):
        want = Translator("=" + text, origin="C5").translate_formula(
            f"{reader.col_letters(c)}{r + 1}")[1:]
        assert tpl.at(r, c) == want


def test_names_tables_external_links_date1904(tmp_path: Path) -> None:
    table = ('<?xml version="1.0" encoding="UTF-8"?><table xmlns="http://schemas.openxmlformats.org/'
             'spreadsheetml/2006/main" id="1" name="T1" displayName="Sales" ref="A1:C4" '
             'totalsRowCount="1"><autoFilter ref="A1:C3"/><tableColumns count="3">'
             '<tableColumn id="1" name="Amount"/><tableColumn id="2" name="Qty"/>'
             '<tableColumn id="3" name="Line_x000a_Total"><calculatedColumnFormula>'
             "Sales[[#This Row],[Amount]]*2</calculatedColumnFormula></tableColumn>"
             "</tableColumns></table>")
    ext = ('<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.openxmlformats.'
           f'org/spreadsheetml/2006/main" xmlns:r="{REL}"><externalBook r:id="rId1"/></externalLink>')
    ext_rels = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
                f'<Relationship Id="rId1" Type="{REL}/externalLinkPath" Target="kpi_xl.xlam" '
                'TargetMode="External"/></Relationships>')
    names = ('<definedNames><definedName name="kpi_total">S!$B$2</definedName>'
             '<definedName name="Rate">0.1</definedName>'
             '<definedName name="Rate" localSheetId="0">0.2</definedName></definedNames>')
    data = package(
        {"S": sheet_xml('<row r="2"><c r="B2"><f>[1]!KPI_NPS(A1:A3)</f><v>1</v></c></row>')},
        names=names, workbook_pr='<workbookPr date1904="1"/>',
        wb_extra='<externalReferences><externalReference r:id="rId8"/></externalReferences>',
        wb_rels_extra=f'<Relationship Id="rId8" Type="{REL}/externalLink" '
                      'Target="externalLinks/externalLink1.xml"/>',
        sheet_rels={1: f'<Relationship Id="rId1" Type="{REL}/table" Target="../tables/table1.xml"/>'},
        extra_parts={"xl/tables/table1.xml": table, "xl/externalLinks/externalLink1.xml": ext,
                     "xl/externalLinks/_rels/externalLink1.xml.rels": ext_rels})
    model, info = _read(tmp_path, data)
    assert model.date1904 is True
    assert model.external_links == {1: "kpi_xl.xlam"}
    t = model.tables["SALES"]
    assert (t.name, t.sheet, t.ref, t.header_rows, t.totals_rows) == ("Sales", "S", "A1:C4", 1, 1)
    assert t.columns == ["Amount", "Qty", "Line\nTotal"]
    assert t.calculated == {"Line\nTotal": "Sales[[#This Row],[Amount]]*2"}
    assert model.defined_names["KPI_TOTAL"].text == "S!$B$2"
    assert model.defined_names["RATE"].text == "0.1" and model.defined_names["RATE"].local_sheet is None
    assert model.defined_names["S!RATE"].local_sheet == "S"
    assert model.sheets["S"].formulas[(1, 1)].text == "[1]!KPI_NPS(A1:A3)"  # as stored
    assert info.kpi_forms == {"addin": 1}


@pytest.mark.parametrize(("stored", "form"), [
    ("KPI_NPS(A1:A3)", "plain"),
    ("[1]!KPI_NPS(A1:A3)", "addin"),
    ("_xldudf_KPI_NPS(A1:A3)", "officejs"),
    ("_xldudf_XLWINGS_KPI_NPS(A1:A3)", "officejs"),
    ("XLWINGS.KPI_NPS(A1:A3)", "officejs-unresolved"),
    ("_xll.KPI_NPS(A1:A3)", "xll"),
])
def test_kpi_call_forms(stored: str, form: str) -> None:
    from collections import Counter

    forms: Counter[str] = Counter()
    assert reader.normalize_kpi_calls(stored, forms) == "KPI_NPS(A1:A3)"
    assert forms == {form: 1}


def test_kpi_forms_not_rewritten_inside_strings() -> None:
    text = 'IF(A1,"[1]!KPI_NPS(x)",_xldudf_NS_KPI_CSAT(B1:B3,4))'
    assert reader.normalize_kpi_calls(text) == 'IF(A1,"[1]!KPI_NPS(x)",KPI_CSAT(B1:B3,4))'
    assert reader.normalize_kpi_calls("MYKPI_NPS(1)+FOO.BAR(2)") == "MYKPI_NPS(1)+FOO.BAR(2)"


# --- the fast scanner agrees with lxml ---------------------------------------------------


def _both_paths(tmp_path: Path, data: bytes, monkeypatch: pytest.MonkeyPatch):
    fast = _read(tmp_path, data, "fast.xlsx")

    def refuse(*a, **k):
        raise reader._NeedsParser

    with monkeypatch.context() as m:
        m.setattr(reader, "_scan_fast", refuse)
        slow = _read(tmp_path, data, "slow.xlsx")
    return fast, slow


def _same(a, b) -> None:
    (ma, _), (mb, _) = a, b
    for name in ma.sheets:
        sa, sb = ma.sheets[name], mb.sheets[name]
        assert sa.formulas == sb.formulas
        assert sa.values.shape == sb.values.shape
        assert [[(type(x), x) for x in row] for row in sa.values.tolist()] == \
            [[(type(x), x) for x in row] for row in sb.values.tolist()]


def test_fast_and_lxml_paths_agree_on_regular_xml(tmp_path, monkeypatch) -> None:
    fast, slow = _both_paths(tmp_path, package({"S": sheet_xml(SHARED), "Other": sheet_xml("")}),
                             monkeypatch)
    assert not fast[1].slow_sheets and slow[1].slow_sheets == ["S", "Other"]
    _same(fast, slow)


@pytest.mark.parametrize("variant", ["prefix", "no-r", "comment", "cdata", "attr-order", "spaces"])
def test_irregular_xml_goes_to_lxml_and_reads_right(tmp_path: Path, variant: str) -> None:
    rows = '<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>A1*3</f><v>6</v></c></row>'
    kw = {}
    if variant == "prefix":
        rows = rows.replace("<", "<x:").replace("<x:/", "</x:")
        kw = {"prefix": "x"}
    elif variant == "no-r":
        rows = '<row r="1"><c><v>2</v></c><c><f>A1*3</f><v>6</v></c></row>'
    elif variant == "comment":
        rows = rows.replace("<c r=\"B1\">", "<!-- <c r=\"Z9\"><f>1</f></c> --><c r=\"B1\">")
    elif variant == "cdata":
        rows = rows.replace("<f>A1*3</f>", "<f><![CDATA[A1*3]]></f>")
    elif variant == "attr-order":
        rows = rows.replace('<c r="B1">', '<c s="0" r="B1">')
    elif variant == "spaces":
        rows = rows.replace("><", ">\n  <")
    model, info = _read(tmp_path, package({"S": sheet_xml(rows, **kw)}))
    s = model.sheets["S"]
    assert s.values[0, 0] == 2.0 and s.formulas[(0, 1)].text == "A1*3"
    assert s.formulas[(0, 1)].cached == 6.0
    assert (variant in ("prefix", "spaces")) or info.slow_sheets == ["S"]


_cell_values = st.one_of(
    st.none(), st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(["txt", "", "a&b<c>", "#N/A", "é"]), st.booleans(),
    st.sampled_from(["#DIV/0!", "#VALUE!"]).map(ExcelError))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(grid=st.lists(st.lists(st.tuples(_cell_values, st.booleans()), min_size=1, max_size=4),
                     min_size=1, max_size=5))
def test_fast_and_lxml_paths_agree_on_random_sheets(tmp_path, monkeypatch, grid) -> None:
    from xml.sax.saxutils import escape

    rows = []
    for r, cells in enumerate(grid, start=1):
        out = []
        for c, (value, formula) in enumerate(cells):
            ref = f"{reader.col_letters(c)}{r}"
            f = "<f>" + escape('A1+1&"x"') + "</f>" if formula else ""
            if value is None:
                out.append(f'<c r="{ref}">{f}</c>' if f else "")
            elif isinstance(value, ExcelError):
                out.append(f'<c r="{ref}" t="e">{f}<v>{value}</v></c>')
            elif isinstance(value, bool):
                out.append(f'<c r="{ref}" t="b">{f}<v>{int(value)}</v></c>')
            elif isinstance(value, float):
                out.append(f'<c r="{ref}">{f}<v>{value!r}</v></c>')
            elif f:
                out.append(f'<c r="{ref}" t="str">{f}<v>{escape(value)}</v></c>')
            else:
                out.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
        rows.append(f'<row r="{r}">{"".join(out)}</row>')
    fast, slow = _both_paths(tmp_path, package({"S": sheet_xml("".join(rows))}), monkeypatch)
    _same(fast, slow)


# --- hostile and malformed files ---------------------------------------------------------


def _zip(parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for n, d in parts.items():
            z.writestr(n, d)
    return buf.getvalue()


def _valid_parts() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package({"S": sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')}))) as z:
        return {n: z.read(n) for n in z.namelist()}


BOMB_XML = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<sheetData><row><c><v>&lol2;</v></c></row></sheetData></worksheet>")
XXE_XML = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&e;'
           b"</workbook>")


def _hostile(kind: str, tmp_path: Path) -> tuple[bytes, type[Exception], str]:
    parts = _valid_parts()
    if kind == "empty":
        return b"", WorkbookError, "empty file"
    if kind == "csv":
        return b"a,b,c\n1,2,3\n", WorkbookError, "text/CSV"
    if kind == "random":
        return bytes(range(256)) * 10, WorkbookError, "not a zip"
    if kind == "xls":
        return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000, WorkbookError, "legacy .xls"
    if kind == "encrypted":
        blob = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
                + "EncryptionInfo".encode("utf-16-le") + b"\0" * 600)
        return blob, WorkbookError, "password-protected"
    if kind == "ods":
        return (_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                      "content.xml": b"<x/>"}, zipfile.ZIP_STORED), WorkbookError, "OpenDocument")
    if kind == "truncated":
        return package({"S": sheet_xml("")})[:300], WorkbookError, "corrupt or truncated"
    if kind == "traversal":
        parts["../evil.xml"] = b"x"
        return _zip(parts), WorkbookError, "unsafe zip member"
    if kind == "absolute":
        parts["/etc/evil.xml"] = b"x"
        return _zip(parts), WorkbookError, "unsafe zip member"
    if kind == "xlsb":
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.binary.macroEnabled.main")
        return _zip(parts), WorkbookError, "xlsb"
    if kind == "billion-laughs":
        parts["xl/worksheets/sheet1.xml"] = BOMB_XML
        return _zip(parts), WorkbookError, "DTD"
    if kind == "xxe":
        parts["xl/workbook.xml"] = XXE_XML
        return _zip(parts), WorkbookError, "DTD"
    if kind == "zip-bomb":
        parts["xl/worksheets/sheet1.xml"] = b"<" + b" " * (40 * 1024 * 1024)
        return _zip(parts), LimitExceeded, "compression ratio"
    if kind == "huge-dimension":
        parts["xl/worksheets/sheet1.xml"] = sheet_xml(
            '<row r="1"><c r="A1"><v>1</v></c></row>'
            '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>').encode()
        return _zip(parts), LimitExceeded, "cells"
    if kind == "long-formula":
        parts["xl/worksheets/sheet1.xml"] = sheet_xml(
            f'<row r="1"><c r="A1"><f>{"1+" * 5000}1</f></c></row>').encode()
        return _zip(parts), LimitExceeded, "characters"
    if kind == "deep-nesting":
        parts["xl/worksheets/sheet1.xml"] = sheet_xml(
            f'<row r="1"><c r="A1"><f>{"(" * 1000}1{")" * 1000}</f></c></row>').encode()
        return _zip(parts), LimitExceeded, "nests deeper"
    raise AssertionError(kind)


HOSTILE = ["empty", "csv", "random", "xls", "encrypted", "ods", "truncated", "traversal",
           "absolute", "xlsb", "billion-laughs", "xxe", "zip-bomb", "huge-dimension",
           "long-formula", "deep-nesting"]


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_files_are_refused_with_one_line(tmp_path: Path, kind: str) -> None:
    data, exc, words = _hostile(kind, tmp_path)
    p = write(tmp_path / "bad.xlsx", data)
    t0 = time.perf_counter()
    with pytest.raises(exc) as info:
        reader.read(p)
    assert time.perf_counter() - t0 < 10
    msg = str(info.value)
    assert "\n" not in msg and words in msg, msg


def test_lying_zip_header_is_caught(tmp_path: Path) -> None:
    """A member whose data inflates past its declared size fails the CRC check."""
    parts = _valid_parts()
    big = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>' + " " * 100000).encode()
    parts["xl/worksheets/sheet1.xml"] = big
    data = bytearray(_zip(parts))
    # shrink the declared uncompressed size in both headers
    name = b"xl/worksheets/sheet1.xml"
    import struct

    loc = data.find(b"PK\x03\x04" + data[data.find(name) - 26:data.find(name) - 22])
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        i = 0
        while (i := data.find(sig, i)) >= 0:
            nlen_off = 26 if sig == b"PK\x03\x04" else 28
            nlen = struct.unpack("<H", data[i + nlen_off:i + nlen_off + 2])[0]
            hdr = 30 if sig == b"PK\x03\x04" else 46
            if data[i + hdr:i + hdr + nlen] == name:
                struct.pack_into("<L", data, i + off, 200)
            i += 4
    assert loc >= 0
    with pytest.raises(WorkbookError, match="corrupt zip member"):
        reader.read(write(tmp_path / "lie.xlsx", bytes(data)))


def test_limits_can_be_raised(tmp_path: Path) -> None:
    data, _, _ = _hostile("long-formula", tmp_path)
    p = write(tmp_path / "long.xlsx", data)
    with pytest.raises(LimitExceeded, match="--max-formula-length"):
        reader.read(p)
    model, _ = reader.read(p, Limits(max_formula_length=20000))
    assert len(model.sheets["S"].formulas[(0, 0)].text) == 10001


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WorkbookError, match="no such file"):
        reader.read(tmp_path / "nope.xlsx")


def test_duplicate_cells_are_refused_early(tmp_path: Path, monkeypatch) -> None:
    rows = '<row r="1"><c r="A1"><v>1</v></c></row>' * 500
    with pytest.raises(WorkbookError, match="duplicate cell references"):
        _read(tmp_path, package({"S": sheet_xml(rows)}), "rows.xlsx")
    # one enormous row (no row end in sight): the streaming parser, cell by cell
    monkeypatch.setattr(reader, "MAX_ROW_BYTES", 1000)
    row = '<row r="1">' + '<c r="A1"><v>1</v></c>' * 500 + "</row>"
    with pytest.raises(WorkbookError, match="duplicate cell references"):
        _read(tmp_path, package({"S": sheet_xml(row)}), "row.xlsx")


def test_cell_limit_stops_the_scan(tmp_path: Path) -> None:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="B{r}"><v>2</v></c></row>'
                   for r in range(1, 201))
    with pytest.raises(LimitExceeded, match="--max-cells"):
        reader.read(write(tmp_path / "c.xlsx", package({"S": sheet_xml(rows)})),
                    Limits(max_cells=300))
    assert reader.read(tmp_path / "c.xlsx", Limits(max_cells=400))[0].sheets["S"].values.shape \
        == (200, 2)
