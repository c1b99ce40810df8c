"""``kpi-xl recalc`` and ``kpi_xl.recalc.api.recalc``: outputs, reports, batches, failures,
in-place with backup, local processes and a Dask LocalCluster."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.defined_name import DefinedName
from test_io_support import members, package, sheet_xml, strip_values, write

from kpi_xl.cli import main
from kpi_xl.recalc import reader
from kpi_xl.recalc.api import RecalcError, backup_path, recalc
from kpi_xl.recalc.reader import WorkbookError

SCORES = [10, 9, 9, 8, 7, 6, 5, 10, 3, 9]  # NPS 20


def make_book(path: Path, *, unsupported: bool = False, scale: int = 2) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"] = "score"
    for i, s in enumerate(SCORES, start=2):
        ws[f"A{i}"] = s
        ws[f"B{i}"] = f"=A{i}*{scale}"
    ws["C1"] = "=SUM(B2:B11)"
    ws["D1"] = "=KPI_NPS(A2:A11)"
    ws["E1"] = '="n="&COUNT(A2:A11)'
    ws["F1"] = "=TODAY()"
    if unsupported:
        ws["G1"] = "=FOOBAR(1)"
    wb.defined_names["kpi_nps"] = DefinedName("kpi_nps", attr_text="Data!$D$1")
    wb.defined_names["kpi_total"] = DefinedName("kpi_total", attr_text="Data!$C$1")
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.out, out.err


def values(path: Path) -> list:
    return reader.load(path).sheets["Data"].values[0:2].tolist()


# --- the Python API ----------------------------------------------------------------------


def test_api_recalc_writes_values_and_reports(tmp_path: Path) -> None:
    src = make_book(tmp_path / "in" / "a.xlsx")
    rep = recalc(src, tmp_path / "out.xlsx", today=dt.date(2024, 5, 17))
    assert rep.ok and rep.output == str(tmp_path / "out.xlsx")
    assert rep.formulas_seen == 14 and rep.recalculated == 14 and rep.changed == 14
    assert rep.kpi_names == {"kpi_nps": 20.0, "kpi_total": 152.0}
    assert rep.kpi_forms == {"plain": 1}
    assert set(rep.timings) == {"read", "evaluate", "compare", "write"}
    v = reader.load(tmp_path / "out.xlsx").sheets["Data"].values
    assert v[0, 2:6].tolist() == [152.0, 20.0, "n=10", 45429.0]
    assert v[1:, 1].tolist() == [2.0 * s for s in SCORES]
    # only values and types changed in the sheet; every other member byte for byte
    a, b = members(src), members(tmp_path / "out.xlsx")
    assert [n for n in a if a[n] != b[n]] == ["xl/worksheets/sheet1.xml"]
    assert strip_values(a["xl/worksheets/sheet1.xml"]) == strip_values(b["xl/worksheets/sheet1.xml"])
    json.dumps(rep.to_dict())


def test_api_without_output_writes_nothing(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    before = src.read_bytes()
    rep = recalc(src)
    assert rep.ok and rep.output is None and rep.kpi_names["kpi_nps"] == 20.0
    assert src.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["a.xlsx"]


def test_api_second_run_changes_nothing(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    recalc(src, tmp_path / "b.xlsx", today=dt.date(2024, 5, 17))
    rep = recalc(tmp_path / "b.xlsx", tmp_path / "c.xlsx", today=dt.date(2024, 5, 17))
    assert rep.changed == 0
    assert (tmp_path / "c.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_api_errors(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx", unsupported=True)
    with pytest.raises(RecalcError, match="strict: 1 unsupported formula cell"):
        recalc(src, tmp_path / "o.xlsx", strict=True)
    assert not (tmp_path / "o.xlsx").exists()
    with pytest.raises(RecalcError, match="output is the input"):
        recalc(src, src)
    bad = write(tmp_path / "bad.xlsx", b"not a workbook")
    rep = recalc(bad, tmp_path / "x.xlsx", raise_errors=False)
    assert not rep.ok and "not an .xlsx/.xlsm workbook" in rep.error
    with pytest.raises(WorkbookError):
        recalc(bad, tmp_path / "x.xlsx")


def test_api_unsupported_keeps_cached_values(tmp_path: Path) -> None:
    rows = ('<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>FOOBAR(A1)</f><v>41</v></c>'
            '<c r="C1"><f>B1+1</f><v>42</v></c><c r="D1"><f>A1*10</f><v>0</v></c></row>')
    src = write(tmp_path / "u.xlsx", package({"Data": sheet_xml(rows)}))
    rep = recalc(src, tmp_path / "o.xlsx")
    assert {u["cell"] for u in rep.unsupported} == {"Data!B1", "Data!C1"}
    assert rep.unsupported_functions == {"FOOBAR": 2}
    v = reader.load(tmp_path / "o.xlsx").sheets["Data"].values
    assert v[0].tolist() == [2.0, 41.0, 42.0, 20.0]


# --- the command line --------------------------------------------------------------------


def test_cli_batch_with_a_broken_file(tmp_path: Path, capsys) -> None:
    a = make_book(tmp_path / "in" / "a.xlsx")
    make_book(tmp_path / "in" / "b.xlsx", scale=3)
    write(tmp_path / "in" / "broken.xlsx", b"PK\x03\x04garbage")
    report = tmp_path / "report.json"
    code, _out, err = run(["recalc", str(tmp_path / "in"), "-o", str(tmp_path / "out"),
                          "--report", str(report), "--today", "2024-05-17"], capsys)
    assert code == 1
    assert "1 file(s) failed" in err and "broken.xlsx: corrupt or truncated zip" in err
    assert sorted(os.listdir(tmp_path / "out")) == ["a.xlsx", "b.xlsx"]
    assert values(tmp_path / "out" / "b.xlsx")[1][1] == 30.0
    doc = json.loads(report.read_text())
    assert doc["summary"] == {**doc["summary"], "files": 3, "ok": 2, "failed": 1}
    entry = next(f for f in doc["files"] if f["path"] == str(a))
    assert entry["kpi_names"] == {"kpi_nps": 20.0, "kpi_total": 152.0}
    assert {"formulas_seen", "recalculated", "unsupported", "errors", "seconds"} <= set(entry)


def test_cli_single_bad_file_is_one_line_exit_2(tmp_path: Path, capsys) -> None:
    bad = write(tmp_path / "bad.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    code, _out, err = run(["recalc", str(bad), "-o", str(tmp_path / "o")], capsys)
    assert code == 2 and err.count("\n") == 1 and "legacy .xls" in err
    code, _out, err = run(["recalc", str(tmp_path / "missing.xlsx"), "-o", str(tmp_path / "o")],
                         capsys)
    assert code == 2 and "no such file" in err and err.count("\n") == 1


def test_cli_usage_errors(tmp_path: Path, capsys) -> None:
    a = make_book(tmp_path / "a.xlsx")
    code, _, err = run(["recalc", str(a)], capsys)
    assert code == 2 and "-o DIR, --in-place or --dry-run" in err
    code, _, err = run(["recalc", str(tmp_path / "*.nothing"), "-o", str(tmp_path / "o")], capsys)
    assert code == 2 and "no file matches" in err
    make_book(tmp_path / "x" / "a.xlsx")
    code, _, err = run(["recalc", str(a), str(tmp_path / "x" / "a.xlsx"), "-o",
                        str(tmp_path / "o")], capsys)
    assert code == 2 and "would write the same file" in err


def test_cli_in_place_with_and_without_backup(tmp_path: Path, capsys) -> None:
    a = make_book(tmp_path / "a.xlsx")
    original = a.read_bytes()
    code, out, _ = run(["recalc", str(a), "--in-place"], capsys)
    assert code == 0 and "14 recalculated" in out
    assert backup_path(a).read_bytes() == original
    assert values(a)[0][3] == 20.0
    b = make_book(tmp_path / "b.xlsx")
    code, _, _ = run(["recalc", str(b), "--in-place", "--no-backup"], capsys)
    assert code == 0 and not backup_path(b).exists()
    assert sorted(os.listdir(tmp_path)) == ["a.bak.xlsx", "a.xlsx", "b.xlsx"]


def test_cli_in_place_refuses_a_locked_file(tmp_path: Path, capsys) -> None:
    import fcntl

    a = make_book(tmp_path / "a.xlsx")
    before = a.read_bytes()
    fd = os.open(a, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        code, _, err = run(["recalc", str(a), "--in-place"], capsys)
    finally:
        os.close(fd)
    assert code == 2 and "being recalculated by another process" in err
    assert a.read_bytes() == before


def test_cli_globs_dry_run_and_strict(tmp_path: Path, capsys) -> None:
    make_book(tmp_path / "k1.xlsx")
    make_book(tmp_path / "k2.xlsx", unsupported=True)
    rep = tmp_path / "r.json"
    code, out, _ = run(["recalc", str(tmp_path / "k*.xlsx"), "--dry-run", "--report", str(rep)],
                       capsys)
    assert code == 0 and "2 of 2 workbook(s) recalculated" in out
    assert sorted(os.listdir(tmp_path)) == ["k1.xlsx", "k2.xlsx", "r.json"]
    code, _, err = run(["recalc", str(tmp_path / "k*.xlsx"), "-o", str(tmp_path / "o"),
                        "--strict"], capsys)
    assert code == 1 and "k2.xlsx: strict: 1 unsupported formula cell(s) (FOOBAR)" in err
    assert os.listdir(tmp_path / "o") == ["k1.xlsx"]


def test_cli_jobs_give_the_same_results(tmp_path: Path, capsys) -> None:
    for i in range(4):
        make_book(tmp_path / "in" / f"w{i}.xlsx", scale=i + 1)
    write(tmp_path / "in" / "bad.xlsx", b"nope")
    r1, r2 = tmp_path / "r1.json", tmp_path / "r2.json"
    c1, _, _ = run(["recalc", str(tmp_path / "in"), "-o", str(tmp_path / "o1"), "--report",
                    str(r1), "--today", "2024-01-02"], capsys)
    c2, _, _ = run(["recalc", str(tmp_path / "in"), "-o", str(tmp_path / "o2"), "--report",
                    str(r2), "--today", "2024-01-02", "--jobs", "2"], capsys)
    assert c1 == c2 == 1
    strip = lambda doc: [{k: v for k, v in f.items() if k not in ("seconds", "timings", "output")}  # noqa: E731
                         for f in doc["files"]]
    assert strip(json.loads(r1.read_text())) == strip(json.loads(r2.read_text()))
    for i in range(4):
        assert (tmp_path / "o1" / f"w{i}.xlsx").read_bytes() == \
            (tmp_path / "o2" / f"w{i}.xlsx").read_bytes()


def test_cli_dask_local_cluster(tmp_path: Path, capsys) -> None:
    distributed = pytest.importorskip("distributed") if os.environ.get("CI") != "true" else \
        __import__("distributed")
    for i in range(3):
        make_book(tmp_path / "in" / f"w{i}.xlsx", scale=i + 1)
    write(tmp_path / "in" / "bad.xlsx", b"nope")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        rep = tmp_path / "r.json"
        code, _out, err = run(["recalc", str(tmp_path / "in"), "-o", str(tmp_path / "o"),
                              "--dask-scheduler", cluster.scheduler_address,
                              "--report", str(rep)], capsys)
    assert code == 1 and "bad.xlsx" in err
    doc = json.loads(rep.read_text())
    assert doc["summary"]["ok"] == 3 and doc["summary"]["failed"] == 1
    assert [Path(f["path"]).name for f in doc["files"]] == ["bad.xlsx", "w0.xlsx", "w1.xlsx",
                                                            "w2.xlsx"]
    assert values(tmp_path / "o" / "w2.xlsx")[1][1] == 30.0


# --- KPI_* calls in every stored form ----------------------------------------------------

EXT_LINK = ('<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.'
            'org/officeDocument/2006/relationships"><externalBook r:id="rId1"><sheetNames/>'
            '</externalBook></externalLink>')
EXT_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'externalLinkPath" Target="file:///C:/addins/kpi_xl.xlam" TargetMode="External"/>'
            "</Relationships>")


def test_kpi_calls_in_every_stored_form_are_evaluated(tmp_path: Path) -> None:
    data = "".join(f'<row r="{i}"><c r="A{i}"><v>{s}</v></c></row>'
                   for i, s in enumerate(SCORES, start=1))
    calls = ('<row r="12">'
             '<c r="B12"><f>KPI_NPS(A1:A10)</f><v>0</v></c>'
             '<c r="C12"><f>[1]!KPI_NPS(A1:A10)</f><v>0</v></c>'
             '<c r="D12" cm="1"><f t="array" ref="D12">_xldudf_XLWINGS_KPI_NPS(A1:A10)</f>'
             "<v>0</v></c>"
             '<c r="E12" t="e" cm="1"><f t="array" aca="1" ref="E12" ca="1">'
             "XLWINGS.KPI_NPS(A1:A10)</f><v>#NAME?</v></c>"
             '<c r="F12"><f>_xll.KPI_NPS(A1:A10)</f><v>0</v></c>'
             '<c r="G12"><f>_xldudf_KPI_NPS(A1:A10)</f><v>0</v></c></row>')
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    book = package(
        {"Data": sheet_xml(data + calls)},
        wb_extra='<externalReferences><externalReference r:id="rId8"/></externalReferences>',
        wb_rels_extra=f'<Relationship Id="rId8" Type="{rel}/externalLink" '
                      'Target="externalLinks/externalLink1.xml"/>',
        extra_parts={"xl/externalLinks/externalLink1.xml": EXT_LINK,
                     "xl/externalLinks/_rels/externalLink1.xml.rels": EXT_RELS})
    src = write(tmp_path / "forms.xlsx", book)
    rep = recalc(src, tmp_path / "out.xlsx")
    assert rep.ok and not rep.unsupported and rep.recalculated == 6
    assert rep.kpi_forms == {"plain": 1, "addin": 1, "officejs": 2, "officejs-unresolved": 1,
                             "xll": 1}
    v = reader.load(tmp_path / "out.xlsx").sheets["Data"].values
    assert v[11, 1:7].tolist() == [20.0] * 6
    xml = members(tmp_path / "out.xlsx")["xl/worksheets/sheet1.xml"]
    assert (b'<c r="E12" cm="1"><f t="array" aca="1" ref="E12" ca="1">XLWINGS.KPI_NPS(A1:A10)'
            b"</f><v>20</v></c>") in xml
    assert reader.load(src).external_links == {1: "file:///C:/addins/kpi_xl.xlam"}


# --- circular references -------------------------------------------------------------------


def test_cycles_are_refused_unless_allowed(tmp_path: Path, capsys) -> None:
    rows = ('<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>C1+1</f><v>0</v></c>'
            '<c r="C1"><f>B1+1</f><v>0</v></c><c r="D1"><f>A1*5</f><v>0</v></c></row>')
    src = write(tmp_path / "cyc.xlsx", package({"Data": sheet_xml(rows)}))
    before = src.read_bytes()
    code, _, err = run(["recalc", str(src), "-o", str(tmp_path / "o")], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "circular reference: Data!" in err and "--allow-cycles" in err
    assert not (tmp_path / "o" / "cyc.xlsx").exists() and src.read_bytes() == before
    code, _, err = run(["recalc", str(src), "-o", str(tmp_path / "o"), "--allow-cycles"], capsys)
    assert code == 0, err
    v = reader.load(tmp_path / "o" / "cyc.xlsx").sheets["Data"].values
    assert v[0].tolist() == [2.0, 0.0, 0.0, 10.0]  # the cycle kept its values, the rest moved


@pytest.mark.parametrize(("names", "words"), [
    ('<definedName name="Loop">Loop+1</definedName>', "defined name Loop refers to itself"),
    ('<definedName name="Ping">Pong+1</definedName><definedName name="Pong">Ping+1'
     "</definedName>", "defined names Ping -> Pong -> Ping refer to each other"),
])
def test_defined_name_cycles_are_refused(tmp_path: Path, names: str, words: str) -> None:
    rows = '<row r="1"><c r="A1"><f>Loop*2</f><v>0</v></c></row>'
    src = write(tmp_path / "n.xlsx", package({"Data": sheet_xml(rows)},
                                             names=f"<definedNames>{names}</definedNames>"))
    with pytest.raises(RecalcError, match=words):
        recalc(src, tmp_path / "o.xlsx")
    assert not (tmp_path / "o.xlsx").exists()
    assert recalc(src, tmp_path / "o.xlsx", allow_cycles=True).ok
