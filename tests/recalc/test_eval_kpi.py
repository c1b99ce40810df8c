"""KPI_* calls: dispatch to the catalog in every form files store them, with the add-in's
argument reading and error values."""

from __future__ import annotations

import pytest
from corpus_build import calc, err, one

from kpi_xl import catalog
from kpi_xl.excel.adapter import ExcelFunction
from kpi_xl.recalc.functions import resolve_function

SCORES = {f"A{i + 1}": float(v) for i, v in enumerate([10, 9, 9, 8, 7, 6, 5, 10, 3, 9])}


@pytest.fixture(autouse=True)
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    import kpi_xl.recalc.evaluator as ev

    monkeypatch.setattr(ev, "_STRICT", True)


@pytest.mark.parametrize("name", ["KPI_NPS", "[1]!KPI_NPS", "_xludf.KPI_NPS",
                                  "_xldudf_XLWINGS_KPI_NPS", "KPIXL.KPI_NPS"])
def test_nps_in_every_stored_form(name: str) -> None:
    assert one(f"{name}(A1:A10)", SCORES) == 20.0


def test_matches_the_catalog_examples() -> None:
    assert one("KPI_ROI(150000,120000)") == 0.25
    assert one("KPI_CSAT({9;10;8;1},10)") == 0.5
    assert one('KPI_STATUS(95000,100000,"higher_is_better",0.1)') == "at_risk"
    assert one("KPI_VARIANCE_PCT(95000,100000)") == pytest.approx(-0.05)
    assert one("KPI_CAGR(100000,161051,5)") == pytest.approx(0.1)


def test_errors_become_excel_errors() -> None:
    assert one("KPI_NPS(A1:A3)", {"A1": 10.0, "A2": 11.0, "A3": 6.0}) == err("#NUM!")  # E-RANGE
    assert one("KPI_ROI(1,0)") == err("#DIV/0!")
    assert one("KPI_NPS(A1:A3)", {"A1": 10.0, "A2": err("#N/A")}) == err("#N/A")
    assert one('KPI_ROI("x",1)') == err("#VALUE!")
    assert one("KPI_NPS(B1:B3)") == err("#DIV/0!")  # no scores: E-EMPTY


def test_blanks_and_omitted_arguments() -> None:
    cells = dict(SCORES, A11=None, B1=None)
    assert one("KPI_NPS(A1:A11)", cells) == 20.0  # blanks are skipped by the core
    assert one("KPI_CSAT(A1:A10,10)", cells) == one("KPI_CSAT(A1:A10,10,2)", cells)
    assert one("KPI_CSAT(A1:A10,10,B1)", cells) == one("KPI_CSAT(A1:A10,10)", cells)


def test_agrees_with_the_excel_adapter() -> None:
    """Every catalog function is callable and returns what the add-in returns."""
    for d in catalog.all_entries():
        f = resolve_function(d.excel_name)
        assert f is not None and f.name == d.excel_name
        for ex in d.examples:
            if ex.kwargs or not all(isinstance(a, (int, float, str)) or a is None
                                    for a in ex.args):
                continue
            args = ["B98" if a is None else (f'"{a}"' if isinstance(a, str) else repr(float(a)))
                    for a in ex.args]
            want = ExcelFunction(d)(*[[[a]] if a is not None else None for a in ex.args])
            got = one(f"{d.excel_name}({','.join(args)})")
            if isinstance(want, str) and want.startswith("#"):
                assert got == err(want), (d.excel_name, ex.args)
            elif isinstance(want, float):
                assert got == pytest.approx(want), (d.excel_name, ex.args)
            elif isinstance(want, list):
                assert got == want[0][0] or got == pytest.approx(want[0][0])
            else:
                assert got == want, (d.excel_name, ex.args)


def test_kpi_per_row_copied_down() -> None:
    """A helper KPI copied down a column: one group, evaluated per row."""
    cells = {}
    for i in range(1, 51):
        cells[f"A{i}"] = float(90 + i % 20)
        cells[f"B{i}"] = 100.0
        cells[f"C{i}"] = f"=KPI_VARIANCE_PCT(A{i},B{i})"
        cells[f"D{i}"] = f'=KPI_STATUS(A{i},B{i},"higher_is_better",0.1)'
    r = calc({"S": cells})
    for i in range(1, 51):
        a = 90 + i % 20
        assert r[f"S!C{i}"] == pytest.approx((a - 100) / 100)
        assert r[f"S!D{i}"] in ("on_track", "at_risk", "off_track")


def test_unknown_kpi_is_unsupported() -> None:
    r = calc({"S": {"A1": "=KPI_NO_SUCH_THING(1)", "A2": "=A1"}})
    assert not r and ("S", "A1", "KPI_NO_SUCH_THING") in r.raw.unsupported
