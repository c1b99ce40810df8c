"""The writer: values and types patched, everything else byte for byte, atomic output."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from test_io_support import infos, members, package, sheet_xml, strip_values, write

from kpi_xl.recalc import reader, writer
from kpi_xl.recalc.model import ExcelError

ROWS = ('<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>A1*3</f><v>0</v></c>'
        '<c r="C1" t="str"><f>"x"</f><v>old</v></c><c r="D1" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        '<c r="E1" s="3" t="b"><f>TRUE</f><v>1</v></c><c r="F1"><f>A1</f></c>'
        '<c r="G1" t="s"><f>"s"</f><v>0</v></c></row>'
        '<row r="2"><c r="A2"><f t="array" ref="A2:B3">A1:B2</f><v>1</v></c><c r="B2"/></row>'
        '<row r="3"><c r="A3" s="1"><v>9</v></c><c r="B3" s="2"><v>9</v></c></row>')


def _patch(tmp_path: Path, data: bytes, patches: dict, name: str = "in.xlsx"):
    src = write(tmp_path / name, data)
    out = tmp_path / "out" / name
    with writer.atomic_output(out) as fh:
        stats = writer.write_package(src, fh, {"xl/worksheets/sheet1.xml": patches})
    return src, out, stats


def _cells(xml: bytes) -> dict[str, bytes]:
    import re

    return {m.group(1).decode(): m.group(0)
            for m in re.finditer(rb'<(?:\w+:)?c r="([A-Z]+[0-9]+)"[^>]*?(?:/>|>.*?</(?:\w+:)?c>)',
                                 xml, re.S)}


PATCHES = {(0, 1): 6.0, (0, 2): "new & <text>", (0, 3): 0.5, (0, 4): ExcelError("#N/A"),
           (0, 5): True, (0, 6): 12.25, (1, 0): 3.0, (1, 1): "b", (2, 0): float("nan")}


@pytest.mark.parametrize("prefix", ["", "x"])
def test_values_and_types_are_patched(tmp_path: Path, prefix: str) -> None:
    rows = ROWS
    if prefix:
        rows = rows.replace("<", "<x:").replace("<x:/", "</x:")
    src, out, stats = _patch(tmp_path, package({"S": sheet_xml(rows, prefix=prefix)}), PATCHES)
    assert stats.patched == len(PATCHES) and not stats.missing
    xml = members(out)["xl/worksheets/sheet1.xml"]
    c = _cells(xml.replace(b"x:", b""))
    assert c["B1"] == b'<c r="B1"><f>A1*3</f><v>6</v></c>'
    assert c["C1"] == b'<c r="C1" t="str"><f>"x"</f><v>new &amp; &lt;text&gt;</v></c>'
    assert c["D1"] == b'<c r="D1"><f>1/0</f><v>0.5</v></c>'
    assert c["E1"] == b'<c r="E1" s="3" t="e"><f>TRUE</f><v>#N/A</v></c>'
    assert c["F1"] == b'<c r="F1" t="b"><f>A1</f><v>1</v></c>'
    assert c["G1"] == b'<c r="G1"><f>"s"</f><v>12.25</v></c>'
    assert c["A2"] == b'<c r="A2"><f t="array" ref="A2:B3">A1:B2</f><v>3</v></c>'
    assert c["B2"] == b'<c r="B2" t="str"><v>b</v></c>'
    assert c["A3"] == b'<c r="A3" s="1" t="e"><v>#NUM!</v></c>'
    assert strip_values(xml) == strip_values(members(src)["xl/worksheets/sheet1.xml"])
    model = reader.load(out)
    v = model.sheets["S"].values
    assert v[0, 1] == 6.0 and v[0, 2] == "new & <text>" and v[0, 4] == ExcelError("#N/A")
    assert v[0, 5] is True and v[1, 1] == "b"


def test_other_members_are_byte_identical_and_in_order(tmp_path: Path) -> None:
    extra = {"xl/media/image1.png": os.urandom(5000), "docProps/app.xml": b"<x/>" * 100,
             "xl/vbaProject.bin": os.urandom(3000)}
    data = package({"S": sheet_xml(ROWS), "T": sheet_xml(ROWS)}, extra_parts=extra)
    src, out, _ = _patch(tmp_path, data, {(0, 1): 1.0})
    a, b = members(src), members(out)
    assert list(a) == list(b) and infos(src) == infos(out)
    assert [n for n in a if a[n] != b[n]] == ["xl/worksheets/sheet1.xml"]
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None
    # unchanged members: the very same compressed bytes
    raw_a, raw_b = src.read_bytes(), out.read_bytes()
    for name in ("xl/media/image1.png", "xl/vbaProject.bin", "xl/worksheets/sheet2.xml"):
        with zipfile.ZipFile(src) as za, zipfile.ZipFile(out) as zb:
            ia, ib = za.getinfo(name), zb.getinfo(name)
            assert (ia.CRC, ia.compress_size, ia.compress_type) == \
                (ib.CRC, ib.compress_size, ib.compress_type)
            ca = raw_a[ia.header_offset:ia.header_offset + 30 + len(name) + ia.compress_size]
            cb = raw_b[ib.header_offset:ib.header_offset + 30 + len(name) + ib.compress_size]
            assert ca == cb


def test_no_patches_copies_the_file_exactly(tmp_path: Path) -> None:
    src = write(tmp_path / "a.xlsx", package({"S": sheet_xml(ROWS)}))
    out = tmp_path / "b.xlsx"
    with writer.atomic_output(out) as fh:
        writer.write_package(src, fh, {})
    assert out.read_bytes() == src.read_bytes()


@pytest.mark.parametrize("variant", ["no-r", "comment", "attr-order"])
def test_slow_path_patches_irregular_sheets(tmp_path: Path, variant: str) -> None:
    rows = '<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>A1*3</f><v>0</v></c></row>'
    if variant == "no-r":
        rows = '<row><c><v>2</v></c><c><f>A1*3</f><v>0</v></c></row>'
    elif variant == "comment":
        rows = rows.replace('<c r="B1">', '<!-- <c r="B1"> --><c r="B1">')
    else:
        rows = rows.replace('<c r="B1">', '<c s="0" r="B1">')
    _src, out, stats = _patch(tmp_path, package({"S": sheet_xml(rows)}), {(0, 1): 6.0})
    assert stats.patched == 1 and not stats.missing
    assert reader.load(out).sheets["S"].values[0, 1] == 6.0
    xml = members(out)["xl/worksheets/sheet1.xml"]
    if variant == "comment":
        assert b'<!-- <c r="B1"> -->' in xml


def test_missing_cells_are_reported(tmp_path: Path) -> None:
    _, _, stats = _patch(tmp_path, package({"S": sheet_xml(ROWS)}), {(40, 3): 1.0})
    assert stats.missing == [("xl/worksheets/sheet1.xml", "D41")]


def test_streaming_over_many_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "CHUNK", 4096)
    n = 3000
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><f>A{r}*2</f><v>0</v></c>'
                   f"</row>" for r in range(1, n + 1))
    data = package({"S": sheet_xml(rows)})
    src = write(tmp_path / "big.xlsx", data)
    monkeypatch.setattr(writer, "_inflate", _small_pieces(writer._inflate))
    out = tmp_path / "o.xlsx"
    with writer.atomic_output(out) as fh:
        stats = writer.write_package(src, fh, {"xl/worksheets/sheet1.xml":
                                               {(r, 1): float(2 * (r + 1)) for r in range(n)}})
    assert stats.patched == n
    v = reader.load(out).sheets["S"].values
    assert v[:, 1].tolist() == [float(2 * r) for r in range(1, n + 1)]


def _small_pieces(inflate):
    def gen(fh, entry):
        for piece in inflate(fh, entry):
            for i in range(0, len(piece), 1000):
                yield piece[i:i + 1000]
    return gen


def test_format_value() -> None:
    f = writer.format_value
    assert f(1e20) == (None, "1e+20") and f(-0.0) == (None, "0") and f(1 / 3)[1] == repr(1 / 3)
    assert f(float("inf")) == ("e", "#NUM!") and f(False) == ("b", "0") and f(None) == (None, "0")
    assert f("tab\there\x01") == ("str", "tab\there_x0001_")
    assert f("a_x0041_b") == ("str", "a_x005F_x0041_b")


def test_atomic_output_leaves_no_temp_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "t.xlsx"
    target.write_bytes(b"original")
    with pytest.raises(RuntimeError), writer.atomic_output(target) as fh:
        fh.write(b"partial")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"original"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.xlsx"]


def test_atomic_output_keeps_a_backup(tmp_path: Path) -> None:
    target = tmp_path / "t.xlsx"
    target.write_bytes(b"original")
    with writer.atomic_output(target, backup=tmp_path / "t.bak.xlsx") as fh:
        fh.write(b"new")
    assert target.read_bytes() == b"new"
    assert (tmp_path / "t.bak.xlsx").read_bytes() == b"original"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.bak.xlsx", "t.xlsx"]


def test_xlsm_vba_untouched(tmp_path: Path) -> None:
    vba = os.urandom(4096)
    data = package({"S": sheet_xml(ROWS)},
                   wb_type="application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                   extra_parts={"xl/vbaProject.bin": vba})
    _src, out, _ = _patch(tmp_path, data, {(0, 1): 7.0, (0, 6): 1.0}, name="m.xlsm")
    assert members(out)["xl/vbaProject.bin"] == vba
    model, info = reader.read(out)
    assert info.macro_enabled and model.sheets["S"].values[0, 1] == 7.0


# --- fuzz: random sheets, random patches ---------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_fz_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**12, 10**12).map(float),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12), st.booleans(),
    st.sampled_from(["#N/A", "#DIV/0!", "#VALUE!"]).map(ExcelError))
_fz_kinds = st.sampled_from(["plain", "str", "err", "bool", "selfclose", "nov", "inline", "shared"])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=st.lists(st.lists(st.tuples(_fz_kinds, st.booleans()), min_size=1, max_size=4),
                       min_size=1, max_size=6),
       values=st.lists(_fz_values, min_size=24, max_size=24), prefix=st.sampled_from(["", "x"]),
       irregular=st.booleans())
def test_fuzzed_patches_round_trip(tmp_path, layout, values, prefix, irregular) -> None:
    from lxml import etree

    rows, patches = [], {}
    k = 0
    for r, cells in enumerate(layout):
        out = []
        for c, (kind, patch) in enumerate(cells):
            ref = f"{reader.col_letters(c)}{r + 1}"
            body = {"plain": '><f>1+1</f><v>2</v></c>', "str": ' t="str"><f>"a"</f><v>a</v></c>',
                    "err": ' t="e"><f>1/0</f><v>#DIV/0!</v></c>',
                    "bool": ' t="b"><f>TRUE</f><v>1</v></c>', "selfclose": ' s="0"/>',
                    "nov": '><f>NOW()</f></c>',
                    "inline": ' t="inlineStr"><is><t>hi</t></is></c>',
                    "shared": '><f t="shared" ref="A1:A1" si="0">1</f><v>1</v></c>'}[kind]
            attrs = f' ph="1" r="{ref}"' if irregular and c == 0 else f' r="{ref}"'
            out.append(f"<c{attrs}{body}")
            if patch:
                patches[(r, c)] = values[k % len(values)]
                k += 1
        rows.append(f'<row r="{r + 1}">{"".join(out)}</row>')
    xml = "".join(rows)
    if prefix:
        xml = xml.replace("<", "<x:").replace("<x:/", "</x:")
    src = write(tmp_path / "f.xlsx", package({"S": sheet_xml(xml, prefix=prefix)}))
    out_path = tmp_path / "o.xlsx"
    with writer.atomic_output(out_path) as fh:
        stats = writer.write_package(src, fh, {"xl/worksheets/sheet1.xml": patches})
    assert stats.patched == len(patches) and not stats.missing
    new = members(out_path)["xl/worksheets/sheet1.xml"]
    etree.fromstring(new)  # well-formed
    old = members(src)["xl/worksheets/sheet1.xml"]
    assert strip_values(new.replace(b"x:", b"")).replace(b"<is><t>hi</t></is>", b"") == \
        strip_values(old.replace(b"x:", b"")).replace(b"<is><t>hi</t></is>", b"") or \
        any(kind == "inline" for cells in layout for kind, _ in cells)
    got = reader.load(out_path).sheets["S"].values
    for (r, c), v in patches.items():
        g = got[r, c]
        if isinstance(v, ExcelError):
            assert g == v and isinstance(g, ExcelError)
        elif isinstance(v, bool):
            assert g is v
        elif isinstance(v, float):
            import math

            if math.isfinite(v):
                assert g == (0.0 if v == 0 else v)
            else:
                assert g == ExcelError("#NUM!")
        else:
            assert g == v or (g is None and v == "")
