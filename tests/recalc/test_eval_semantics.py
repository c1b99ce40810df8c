"""Excel semantics of the evaluator: coercion, blanks, comparison, errors, references,
names, tables, implicit intersection, arrays, dependencies, cycles, unsupported cells."""

from __future__ import annotations

import math

import pytest
from corpus_build import calc, err, one

from kpi_xl.recalc.evaluator import Limits
from kpi_xl.recalc.model import ExcelError, TableModel


@pytest.fixture(autouse=True)
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    """Internal errors fail the test instead of becoming 'unsupported'."""
    import kpi_xl.recalc.evaluator as ev

    monkeypatch.setattr(ev, "_STRICT", True)


# --- arithmetic and coercion ------------------------------------------------------------------

@pytest.mark.parametrize(("formula", "expected"), [
    ('"3"+1', 4.0), ('" 4 "*2', 8.0), ('"1,234"+1', 1235.0), ('"50%"*2', 1.0),
    ('"2024-01-15"+0', 45306.0), ('"12:00"*2', 1.0), ("TRUE+1", 2.0), ("-TRUE", -1.0),
    ('"abc"+1', err("#VALUE!")), ('""+1', err("#VALUE!")), ("1/0", err("#DIV/0!")),
    ("2^3^2", 64.0), ("-2^2", 4.0), ("2*-3%", -0.06), ("10%%", 0.001), ("(-8)^(1/3)", -2.0),
    ("(-8)^0.5", err("#NUM!")), ("0^0", err("#NUM!")), ("0^-1", err("#DIV/0!")),
    ("1E308*10", err("#NUM!")), ("0.1+0.2-0.3", 0.0), ('1&2', "12"), ('"a"&TRUE', "aTRUE"),
    ("1+2*3-4/2", 5.0), ("(1+2)*3", 9.0), ('"x"&1/4', "x0.25"), ("=+5", 5.0),
])
def test_arithmetic(formula: str, expected: object) -> None:
    got = one(formula)
    if isinstance(expected, float):
        assert isinstance(got, float) and math.isclose(got, expected, abs_tol=1e-12), got
    else:
        assert got == expected and type(got) is type(expected), got


def test_errors_propagate_left_first() -> None:
    assert one("NA()+1/0") == err("#N/A")
    assert one("1/0+NA()") == err("#DIV/0!")
    assert one('"abc"*NA()') == err("#N/A")  # an error operand wins over a text one
    assert one("A1&B1", {"A1": err("#REF!"), "B1": err("#N/A")}) == err("#REF!")


def test_blanks() -> None:
    cells = {"A1": None, "B1": 5}
    assert one("A1+B1", cells) == 5.0
    assert one("A1", cells) == 0.0  # a formula showing a blank shows 0
    assert one('A1&"x"', cells) == "x"
    assert one('A1=""', cells) is True and one("A1=0", cells) is True
    assert one("A1=FALSE", cells) is True
    assert one("ISBLANK(A1)", cells) is True and one("ISBLANK(B1)", cells) is False
    assert one("AVERAGE(A1:B1)", cells) == 5.0  # blanks are skipped by aggregates
    assert one("COUNTA(A1:B1)", cells) == 1.0 and one("COUNTBLANK(A1:B2)", cells) == 3.0
    assert one('IF(A1,"yes","no")', cells) == "no"


def test_comparison_rules() -> None:
    assert one('"abc"="ABC"') is True  # case-insensitive
    assert one('"a"<"B"') is True
    assert one('1<"a"') is True  # numbers < text
    assert one('"z"<TRUE') is True  # text < logical
    assert one("FALSE<TRUE") is True
    assert one('"3"=3') is False  # no coercion in comparisons
    assert one("0.1+0.2=0.3") is True
    assert one("NA()=1") == err("#N/A")


def test_round_half_away_from_zero() -> None:
    assert one("ROUND(2.5,0)") == 3.0 and one("ROUND(-2.5,0)") == -3.0
    assert one("ROUND(2.675,2)") == 2.68 and one("ROUND(1.005,2)") == 1.01
    assert one("ROUND(1234.5678,-2)") == 1200.0
    assert one("ROUNDUP(0.1+0.2,1)") == 0.3 and one("ROUNDDOWN(-3.7,0)") == -3.0
    assert one("ROUNDUP(-3.2,0)") == -4.0
    assert one("INT((0.1+0.7)*10)") == 7.0 and one("INT(-3.5)") == -4.0


def test_dates_1900_system() -> None:
    assert one("DATE(2024,1,31)") == 45322.0
    assert one("DATE(1900,2,29)") == 60.0 and one("DATE(1900,3,1)") == 61.0
    assert one("DAY(60)") == 29.0 and one("MONTH(60)") == 2.0
    assert one("YEAR(0)") == 1900.0 and one("DAY(0)") == 0.0
    assert one("DATE(2024,14,1)") == one("DATE(2025,2,1)")
    assert one("DATE(2024,3,0)") == one("DATE(2024,2,29)")
    assert one("DATE(24,1,1)") == one("DATE(1924,1,1)")
    assert one("DATE(-1,1,1)") == err("#NUM!")
    assert one("TODAY()") == 45366.0  # corpus_build.TODAY, 2024-03-15


def test_dates_1904_system() -> None:
    r = calc({"S": {"A1": "=DATE(2024,1,31)", "A2": "=YEAR(0)"}}, date1904=True)
    assert r["S!A1"] == 45322.0 - 1462 and r["S!A2"] == 1904.0


# --- references ----------------------------------------------------------------------------------

def test_cross_sheet_and_whole_columns() -> None:
    r = calc({
        "Data": {"A1": 1, "A2": 2, "A3": 3, "B1": "x"},
        "My Sheet": {"A1": 10},
        "S": {"A1": "=SUM(Data!A:A)", "A2": "='My Sheet'!A1*2", "A3": "=COUNTA(Data!1:1)",
              "A4": "=SUM(Data!A1:A3,'My Sheet'!A1)", "A5": "=COUNTBLANK(Data!B:B)",
              "A6": "=ROWS(Data!A:A)"},
    })
    assert r["S!A1"] == 6.0 and r["S!A2"] == 20.0 and r["S!A3"] == 2.0 and r["S!A4"] == 16.0
    assert r["S!A5"] == 1048575.0 and r["S!A6"] == 1048576.0


def test_relative_references_copied_down() -> None:
    cells = {f"A{i}": float(i) for i in range(1, 6)}
    cells.update({f"B{i}": f"=A{i}*2+A$1" for i in range(1, 6)})
    cells.update({f"C{i}": f"=SUM($A$1:A{i})" for i in range(1, 6)})
    r = calc({"S": cells})
    assert [r[f"S!B{i}"] for i in range(1, 6)] == [3.0, 5.0, 7.0, 9.0, 11.0]
    assert [r[f"S!C{i}"] for i in range(1, 6)] == [1.0, 3.0, 6.0, 10.0, 15.0]


def test_range_intersection_and_union() -> None:
    cells = {"A1": 1, "B1": 2, "A2": 3, "B2": 4}
    assert one("SUM(A1:B2 B1:B2)", cells) == 6.0
    assert one("SUM((A1:A2,B2))", cells) == 8.0
    assert one("A1:A2 B1:B2", cells) == err("#NULL!")
    assert one("SUM(A1:INDEX(A1:B2,2,2))", cells) == 10.0


def test_implicit_intersection() -> None:
    cells = {"A1": 1, "A2": 2, "A3": 3, "B2": "=A1:A3*10", "D1": "=A1:A3", "B5": "=A1:A3"}
    r = calc({"S": cells})
    assert r["S!B2"] == 20.0  # same row as the formula
    assert r["S!D1"] == 1.0
    assert r["S!B5"] == err("#VALUE!")  # the range does not cross row 5
    assert one("@A1:A3", {"A1": 1, "A2": 2, "A3": 3}) == err("#VALUE!")
    # Excel 365 stores "@" in files as _xlfn.SINGLE()
    r = calc({"S": {"A1": 1, "A2": 2, "A3": 3, "B2": "=_xlfn.SINGLE(A1:A3)*10"}})
    assert r["S!B2"] == 20.0


def test_array_formula_spreads_over_its_range() -> None:
    r = calc({"S": {"A1": 1, "A2": 2, "A3": 3, "B1": "=A1:A3*10",
                    "C1": "=SUM(A1:A3*A1:A3)"}},
             arrays={"S!B1": "B1:B3", "S!C1": "C1"})
    assert (r["S!B1"], r["S!B2"], r["S!B3"]) == (10.0, 20.0, 30.0)
    assert r["S!C1"] == 14.0


def test_array_constants() -> None:
    assert one("SUM({1,2;3,4})") == 10.0
    assert one("SUMPRODUCT({1,2,3},{4,5,6})") == 32.0
    assert one("INDEX({1,2;3,4},2,1)") == 3.0
    assert one('MATCH("b",{"a","b","c"},0)') == 2.0
    assert one("SUMPRODUCT(({1,2,3}>1)*1)") == 2.0


# --- names and tables -----------------------------------------------------------------------------

def test_defined_names() -> None:
    r = calc({
        "S": {"A1": 2, "A2": 3, "B1": "=SUM(Sales)*Rate", "B2": "=Local", "B3": "=Twice",
              "B4": "=S!Local"},
        "T": {"A1": "=Local", "A2": "=Unknown+1"},
    }, names={"Sales": "S!$A$1:$A$2", "Rate": "0.5", "Local": ("S!$A$1*100", "S"),
              "Twice": "=SUM(Sales)*2"})
    assert r["S!B1"] == 2.5 and r["S!B2"] == 200.0 and r["S!B3"] == 10.0
    assert r["S!B4"] == 200.0
    assert "T!A1" not in r and "T!A2" not in r  # sheet-scoped name / unknown name
    assert ("T", "A2", "name UNKNOWN") in r.raw.unsupported


TABLE = TableModel("Sales", "Data", "A1:C4", ["Region", "Amount", "Units"], 1, 1,
                   {"Units": "Sales[[#This Row],[Amount]]*2"})


def _sales(extra: dict[str, object]) -> dict[str, dict[str, object]]:
    data: dict[str, object] = {"A1": "Region", "B1": "Amount", "C1": "Units",
                               "A2": "east", "B2": 10, "A3": "west", "B3": 20,
                               "A4": "Total", "B4": "=SUBTOTALX"}
    data.pop("B4")
    data.update({"C2": "=Sales[[#This Row],[Amount]]*2", "C3": "=Sales[@Amount]*2",
                 "C4": "=SUM(Sales[Units])"})
    return {"Data": data, "S": extra}


def test_structured_references() -> None:
    r = calc(_sales({
        "A1": "=SUM(Sales[Amount])", "A2": "=ROWS(Sales[#All])", "A3": "=Sales[#Totals]",
        "A4": "=COLUMNS(Sales[[#Data],[Region]:[Amount]])", "A5": '=COUNTIFS(Sales[Region],"east")',
        "A6": "=ROWS(Sales[#Headers])", "A7": "=INDEX(Sales[Amount],2)", "A8": "=Sales[[#Totals],[Units]]",
        "A9": "=SUM(Sales)", "A10": "=ROWS(Sales[])",
    }), tables=[TABLE])
    assert r["Data!C2"] == 20.0 and r["Data!C3"] == 40.0 and r["Data!C4"] == 60.0
    assert r["S!A1"] == 30.0 and r["S!A2"] == 4.0 and r["S!A3"] == "Total"
    assert r["S!A4"] == 2.0 and r["S!A5"] == 1.0 and r["S!A6"] == 1.0 and r["S!A7"] == 20.0
    assert r["S!A8"] == 60.0 and r["S!A9"] == 90.0 and r["S!A10"] == 2.0


def test_this_row_outside_the_table() -> None:
    r = calc(_sales({"D2": "=Sales[@Amount]", "D9": "=Sales[@Amount]"}), tables=[TABLE])
    assert r["S!D2"] == 10.0 and r["S!D9"] == err("#VALUE!")


def test_template_period_formula() -> None:
    """The templates' pattern: a table column restricted to a period's rows."""
    data = {"A1": "Date", "B1": "Score"}
    for i in range(2, 12):
        data[f"A{i}"] = 45300 + i
        data[f"B{i}"] = float(i % 11)
    t = TableModel("Resp", "Data", "A1:B11", ["Date", "Score"], 1, 0)
    periods = {"E6": 2, "F6": 7, "E7": 9, "F7": 8}
    f = ('=IF(OR(Periods!$F$6<Periods!$E$6),NA(),(COUNTIFS(INDEX(Resp[Score],Periods!$E$6):'
         'INDEX(Resp[Score],Periods!$F$6),">=9")-COUNTIFS(INDEX(Resp[Score],Periods!$E$6):'
         'INDEX(Resp[Score],Periods!$F$6),"<=6"))/COUNT(INDEX(Resp[Score],Periods!$E$6):'
         'INDEX(Resp[Score],Periods!$F$6))*100)')
    g = f.replace("$6", "$7")
    r = calc({"Data": data, "Periods": periods, "K": {"A1": f, "A2": g}}, tables=[t])
    scores = [float(i % 11) for i in range(3, 9)]  # rows 2..7 of the table body
    nps = (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores) * 100
    assert r["K!A1"] == pytest.approx(nps) and r["K!A2"] == err("#N/A")


# --- dependencies, cycles, unsupported ------------------------------------------------------------

def test_dependency_order_across_sheets() -> None:
    r = calc({"A": {"A1": "=B!A1*2", "A2": "=A1+1"}, "B": {"A1": "=C!A1+1"},
              "C": {"A1": "=5"}})
    assert r["A!A1"] == 12.0 and r["A!A2"] == 13.0


def test_cycles_are_reported_and_left_alone() -> None:
    r = calc({"S": {"A1": "=B1+1", "B1": "=A1+1", "C1": "=A1*2", "D1": "=5", "E1": "=E1"}})
    assert "S!A1" not in r and "S!B1" not in r and "S!C1" not in r and "S!E1" not in r
    assert r["S!D1"] == 5.0
    assert sorted(map(sorted, r.raw.cycles)) == [[("S", "A1"), ("S", "B1")], [("S", "E1")]]
    assert ("S", "C1", "depends on a circular reference") in r.raw.unsupported


def test_running_total_in_one_group() -> None:
    cells = {f"A{i}": float(i) for i in range(1, 201)}
    cells["B1"] = "=A1"
    cells.update({f"B{i}": f"=B{i - 1}+A{i}" for i in range(2, 201)})
    r = calc({"S": cells})
    assert r["S!B200"] == 200 * 201 / 2 and not r.raw.cycles


def test_unsupported_function_and_dependents() -> None:
    r = calc({"S": {"A1": "=OFFSET(B1,1,0)", "A2": "=A1+1", "A3": "=SUM(A1:A2)", "A4": "=1+1"}})
    assert r["S!A4"] == 2.0 and not {"S!A1", "S!A2", "S!A3"} & set(r)
    assert ("S", "A1", "OFFSET") in r.raw.unsupported
    assert ("S", "A3", "OFFSET") in r.raw.unsupported


def test_parse_errors_and_limits() -> None:
    r = calc({"S": {"A1": "=1+", "A2": "=A1*2", "A3": "=" + "+".join(["1"] * 5000),
                    "A4": "=" + "(" * 70 + "1" + ")" * 70, "A5": "=SUM(1,2"}})
    errors = {c: m for _, c, m in r.raw.errors}
    assert set(errors) == {"A1", "A3", "A4", "A5"}
    assert "8192" in errors["A3"] and "nested" in errors["A4"]
    assert "S!A2" not in r and r.raw.formulas_seen == 5
    small = calc({"S": {"A1": "=1+2+3"}}, limits=Limits(max_formula_length=4))
    assert small.raw.errors and "S!A1" not in small


def test_long_but_valid_formula() -> None:
    cells = {f"A{i}": 1.0 for i in range(1, 1001)}
    cells["B1"] = "=" + "+".join(f"A{i}" for i in range(1, 1001))
    assert calc({"S": cells})["S!B1"] == 1000.0


def test_external_and_3d_references_are_unsupported() -> None:
    r = calc({"S": {"A1": "=[1]Sheet1!A1", "A2": "=SUM(S:T!A1)", "A3": "=NoSheet!A1"}})
    assert not r and len(r.raw.unsupported) == 3


def test_timeout() -> None:
    cells = {f"A{i}": f"=A{i - 1}+1" for i in range(2, 3000)}
    cells["A1"] = 1
    r = calc({"S": cells}, limits=Limits(timeout_s=0.0))
    assert r.raw.errors and all("timeout" in m for *_, m in r.raw.errors)


def test_values_are_cell_values() -> None:
    r = calc({"S": {"A1": "=1", "A2": '="x"', "A3": "=TRUE", "A4": "=NA()", "A5": "=B9"}})
    assert r == {"S!A1": 1.0, "S!A2": "x", "S!A3": True, "S!A4": err("#N/A"), "S!A5": 0.0}
    assert isinstance(r["S!A4"], ExcelError)
