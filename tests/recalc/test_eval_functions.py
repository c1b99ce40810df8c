"""Function families, checked against the examples and rules of Excel's documentation."""

from __future__ import annotations

import math
from typing import Any

import pytest
from corpus_build import calc, err, one

from kpi_xl.recalc.functions import REGISTRY, resolve_function


@pytest.fixture(autouse=True)
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    import kpi_xl.recalc.evaluator as ev

    monkeypatch.setattr(ev, "_STRICT", True)


def check(formula: str, expected: Any, cells: dict[str, Any] | None = None) -> None:
    got = one(formula, cells)
    if isinstance(expected, float) and not isinstance(expected, bool):
        assert isinstance(got, float) and math.isclose(got, expected, rel_tol=1e-12,
                                                       abs_tol=1e-12), (formula, got)
    else:
        assert got == expected and type(got) is type(expected), (formula, got)


NUMS = {"A1": 10, "A2": 7, "A3": 9, "A4": 27, "A5": 2, "A6": None, "A7": "text", "A8": True}


@pytest.mark.parametrize(("formula", "expected"), [
    ("SUM(A1:A8)", 55.0), ('SUM("5",15,TRUE)', 21.0), ("SUM(A1:A8,1)", 56.0),
    ("AVERAGE(A1:A8)", 11.0), ("COUNT(A1:A8)", 5.0), ('COUNT(A1:A8,"3",TRUE,"x")', 7.0),
    ("COUNTA(A1:A8)", 7.0), ("COUNTBLANK(A1:A8)", 1.0), ("MIN(A1:A8)", 2.0),
    ("MAX(A1:A8)", 27.0), ("MIN(A6:A7)", 0.0), ("MEDIAN(A1:A5)", 9.0), ("MEDIAN(A1:A4)", 9.5),
    ("PRODUCT(A1:A3)", 630.0), ("SUMSQ(A1:A2)", 149.0),
    ("STDEV.S(A1:A5)", math.sqrt(89.5)), ("STDEV.P(A1:A5)", math.sqrt(71.6)),
    ("VAR.S(A1:A5)", 89.5), ("VAR.P(A1:A5)", 71.6), ("STDEV.S(A1)", err("#DIV/0!")),
    ("PERCENTILE.INC(A1:A5,0.3)", 7.4), ("PERCENTILE(A1:A5,1)", 27.0),
    ("PERCENTILE.INC(A1:A5,1.1)", err("#NUM!")), ("PERCENTILE.EXC(A1:A5,0.5)", 9.0),
    ("QUARTILE.INC(A1:A5,1)", 7.0), ("LARGE(A1:A5,2)", 10.0), ("SMALL(A1:A5,6)", err("#NUM!")),
    ("RANK.EQ(9,A1:A5)", 3.0), ("RANK.EQ(9,A1:A5,1)", 3.0), ("RANK(8,A1:A5)", err("#N/A")),
    ("AVERAGE(A6:A7)", err("#DIV/0!")), ("SUM(A1:A2,B9)", 17.0), ("AVERAGEA(A1:A8)", 56 / 7),
])
def test_aggregates(formula: str, expected: Any) -> None:
    check(formula, expected, NUMS)


def test_aggregate_errors() -> None:
    cells = {"A1": 1, "A2": err("#N/A"), "A3": err("#DIV/0!")}
    assert one("SUM(A1:A3)", cells) == err("#N/A")  # the first error in the range
    assert one("COUNT(A1:A3)", cells) == 1.0 and one("COUNTA(A1:A3)", cells) == 3.0
    assert one("SUMPRODUCT(A1:A3)", cells) == err("#N/A")


CRIT = {"A1": "apples", "A2": "oranges", "A3": "peaches", "A4": "apples", "A5": None,
        "B1": 32, "B2": 54, "B3": 75, "B4": 86, "B5": 3, "C1": "3", "C2": "x"}


@pytest.mark.parametrize(("formula", "expected"), [
    ('COUNTIF(A1:A5,"apples")', 2.0), ('COUNTIF(A1:A5,A3)', 1.0),
    ('COUNTIF(B1:B5,">55")', 2.0), ('COUNTIF(B1:B5,"<>"&B4)', 4.0),
    ('COUNTIF(B1:B5,">=32")-COUNTIF(B1:B5,">85")', 3.0), ('COUNTIF(A1:A5,"*")', 4.0),
    ('COUNTIF(A1:A5,"?????es")', 2.0), ('COUNTIF(A1:A5,"")', 1.0), ('COUNTIF(A1:A5,"=")', 1.0),
    ('COUNTIF(A1:A5,"<>")', 4.0), ('COUNTIF(A1:A5,"APPLES")', 2.0), ('COUNTIF(C1:C2,3)', 1.0),
    ('COUNTIF(A1:A5,"<p")', 3.0), ('COUNTIF(A1:A5,"~*")', 0.0), ("COUNTIF(B1:B5,Z1)", 0.0),
    ('COUNTIFS(A1:A5,"apples",B1:B5,">40")', 1.0), ('COUNTIFS(A1:A5,"a*",B1:B4,">1")', err("#VALUE!")),
    ('SUMIF(B1:B5,">50")', 215.0), ('SUMIF(A1:A5,"apples",B1:B5)', 118.0),
    ('SUMIF(A1:A5,"apples",B1)', 118.0), ('SUMIFS(B1:B5,A1:A5,"apples",B1:B5,">40")', 86.0),
    ('AVERAGEIF(B1:B5,"<80")', (32 + 54 + 75 + 3) / 4), ('AVERAGEIF(A1:A5,"pears",B1:B5)', err("#DIV/0!")),
    ('AVERAGEIFS(B1:B5,A1:A5,"*es",B1:B5,">40")', (54 + 75 + 86) / 3), ('MINIFS(B1:B5,A1:A5,"apples")', 32.0),
    ('MAXIFS(B1:B5,A1:A5,"apples")', 86.0), ('MAXIFS(B1:B5,A1:A5,"pears")', 0.0),
    ("SUMPRODUCT(B1:B2,B3:B4)", 32 * 75 + 54 * 86.0), ('SUMPRODUCT(--(A1:A5="apples"),B1:B5)', 118.0),
    ("SUMPRODUCT(B1:B2,B1:B3)", err("#VALUE!")), ('COUNTIF(A1:A5,NA())', err("#N/A")),
])
def test_criteria(formula: str, expected: Any) -> None:
    check(formula, expected, CRIT)


@pytest.mark.parametrize(("formula", "expected"), [
    ("ABS(-2)", 2.0), ("SIGN(-0.5)", -1.0), ("INT(8.9)", 8.0), ("INT(-8.9)", -9.0),
    ("TRUNC(-8.9)", -8.0), ("TRUNC(8.987,2)", 8.98), ("MOD(3,2)", 1.0), ("MOD(-3,2)", 1.0),
    ("MOD(3,-2)", -1.0), ("MOD(-3,-2)", -1.0), ("MOD(5,0)", err("#DIV/0!")), ("MOD(5.5,1)", 0.5),
    ("QUOTIENT(-10,3)", -3.0), ("POWER(5,2)", 25.0), ("POWER(98.6,3.2)", 2401077.2220695773),
    ("POWER(4,5/4)", 5.656854249492381), ("SQRT(16)", 4.0), ("SQRT(-16)", err("#NUM!")),
    ("EXP(1)", math.e), ("LN(86)", 4.454347296253507), ("LOG10(86)", 1.934498451243568),
    ("LOG(8,2)", 3.0), ("LOG(10)", 1.0), ("LN(0)", err("#NUM!")), ("PI()", math.pi),
    ("CEILING(2.5,1)", 3.0), ("CEILING(-2.5,-2)", -4.0), ("CEILING(1.5,0.1)", 1.5),
    ("FLOOR(3.7,2)", 2.0), ("FLOOR(-2.5,-2)", -2.0), ("CEILING.MATH(-5.5,2,-1)", -6.0),
    ("FLOOR.MATH(-8.1,2)", -10.0), ("MROUND(10,3)", 9.0), ("MROUND(-10,-3)", -9.0),
    ("MROUND(1.3,0.2)", 1.4), ("MROUND(5,-2)", err("#NUM!")), ("EVEN(1.5)", 2.0),
    ("EVEN(-1)", -2.0), ("ODD(2)", 3.0), ("ODD(-1)", -1.0), ("ODD(0)", 1.0),
    ("RRI(96,10000,11000)", 0.0009933073762913303), ("RRI(0,1,2)", err("#NUM!")),
    ("ROUND(21.5,-1)", 20.0), ("ROUND(-1.475,2)", -1.48), ("ROUNDUP(3.14159,3)", 3.142),
    ("ROUNDDOWN(31415.92654,-2)", 31400.0),
])
def test_math(formula: str, expected: Any) -> None:
    check(formula, expected)


@pytest.mark.parametrize(("formula", "expected"), [
    ("IF(1>2,1,2)", 2.0), ("IF(TRUE,1)", 1.0), ("IF(FALSE,1)", False), ("IF(FALSE,1,)", 0.0),
    ('IF("x",1,2)', err("#VALUE!")), ("IF(NA(),1,2)", err("#N/A")), ('IF("true",1,2)', 1.0),
    ("IFS(1>2,1,2>1,2)", 2.0), ("IFS(FALSE,1)", err("#N/A")), ("IFERROR(1/0,9)", 9.0),
    ("IFERROR(5,9)", 5.0), ("IFNA(NA(),1)", 1.0), ("IFNA(1/0,1)", err("#DIV/0!")),
    ("AND(TRUE,1)", True), ("AND(TRUE,0)", False), ('AND("x")', err("#VALUE!")),
    ("OR(FALSE,0)", False), ("OR(B1:B2)", True), ("XOR(TRUE,TRUE)", False), ("NOT(0)", True),
    ('SWITCH(2,1,"a",2,"b")', "b"), ('SWITCH(3,1,"a",2,"b","c")', "c"),
    ('SWITCH(3,1,"a",2,"b")', err("#N/A")), ("CHOOSE(2,10,20,30)", 20.0),
    ("CHOOSE(4,10,20,30)", err("#VALUE!")), ("SUM(CHOOSE(2,B1:B2,B1))", 1.0),
    ("ISNUMBER(B1)", True), ('ISTEXT("a")', True), ("ISNONTEXT(B3)", True),
    ("ISLOGICAL(TRUE)", True), ("ISERROR(1/0)", True), ("ISERR(NA())", False),
    ("ISNA(NA())", True), ("ISEVEN(-1)", False), ("ISODD(3.9)", True), ("ISREF(B1)", True),
    ("ISREF(1)", False), ("_xlfn.SINGLE(B1:B2)", err("#VALUE!")), ("SINGLE(B1)", 1.0),
    ("N(TRUE)", 1.0), ('N("7")', 0.0), ("ERROR.TYPE(1/0)", 2.0),
    ("ERROR.TYPE(1)", err("#N/A")), ("TRUE()", True), ("NA()", err("#N/A")),
])
def test_logic_and_information(formula: str, expected: Any) -> None:
    check(formula, expected, {"B1": 1, "B2": 0, "B3": None})


LOOK = {"A1": "a", "A2": "b", "A3": "c", "A4": "d", "B1": 1, "B2": 2, "B3": 3, "B4": 4,
        "C1": 10, "C2": 20, "C3": 30, "C4": 40, "D1": "3", "D2": 3}


@pytest.mark.parametrize(("formula", "expected"), [
    ('MATCH("c",A1:A4,0)', 3.0), ('MATCH("C",A1:A4,0)', 3.0), ('MATCH("?",A1:A4,0)', 1.0),
    ("MATCH(2.5,B1:B4)", 2.0), ("MATCH(0,B1:B4,1)", err("#N/A")), ("MATCH(5,B1:B4,1)", 4.0),
    ("MATCH(25,{40,30,20,10},-1)", 2.0), ('MATCH("z",A1:A4,0)', err("#N/A")),
    ("MATCH(3,D1:D2,0)", 2.0), ('MATCH("3",D1:D2,0)', 1.0),
    ('VLOOKUP("c",A1:C4,3,FALSE)', 30.0), ("VLOOKUP(2.7,B1:C4,2)", 20.0),
    ('VLOOKUP("c",A1:C4,4,FALSE)', err("#REF!")), ('VLOOKUP("c",A1:C4,0,FALSE)', err("#VALUE!")),
    ('VLOOKUP("zz",A1:C4,2,FALSE)', err("#N/A")), ('VLOOKUP("*d",A1:C4,2,0)', 4.0),
    ("HLOOKUP(3,B1:C4,2,TRUE)", 2.0), ("HLOOKUP(1,B1:C4,3,FALSE)", 3.0),
    ("LOOKUP(3.5,B1:B4,C1:C4)", 30.0), ("INDEX(B1:C4,2,2)", 20.0), ("INDEX(B1:B4,3)", 3.0),
    ("INDEX(A1:C1,3)", 10.0), ("SUM(INDEX(B1:C4,0,2))", 100.0), ("SUM(INDEX(B1:C4,2,0))", 22.0),
    ("INDEX(B1:C4,5,1)", err("#REF!")), ("INDEX((A1:A2,B1:B2),1,1,2)", 1.0),
    ("SUM(B1:INDEX(B1:B4,3))", 6.0), ("ROW(C3)", 3.0), ("COLUMN(C3)", 3.0), ("ROWS(A1:C4)", 4.0),
    ("COLUMNS(A1:C4)", 3.0), ("ROW()", 99.0), ("COLUMN()", 26.0),
    # XLOOKUP / XMATCH (not in LibreOffice 7.4): Microsoft's documented modes
    ('XLOOKUP("c",A1:A4,C1:C4)', 30.0), ('XLOOKUP("z",A1:A4,C1:C4)', err("#N/A")),
    ('XLOOKUP("z",A1:A4,C1:C4,"none")', "none"), ("XLOOKUP(2.5,B1:B4,C1:C4,,-1)", 20.0),
    ("XLOOKUP(2.5,B1:B4,C1:C4,,1)", 30.0), ('XLOOKUP("?",A1:A4,C1:C4,,2)', 10.0),
    ('XLOOKUP("*",A1:A4,C1:C4,,2,-1)', 40.0), ("SUM(XLOOKUP(2,B1:B4,B1:C4))", 22.0),
    ('XLOOKUP("c",A1:A4,C1:C3)', err("#VALUE!")), ("XLOOKUP(3,D1:D2,C1:C2)", 20.0),
    ('XMATCH("c",A1:A4)', 3.0), ("XMATCH(2.5,B1:B4,1)", 3.0), ("XMATCH(2.5,B1:B4,-1)", 2.0),
    ('XMATCH("b*",A1:A4,2)', 2.0),
])
def test_lookup_and_reference(formula: str, expected: Any) -> None:
    check(formula, expected, LOOK)


@pytest.mark.parametrize(("formula", "expected"), [
    ('LEN("abc")', 3.0), ("LEN(1/4)", 4.0), ('LEFT("Sale Price",4)', "Sale"), ('LEFT("ab")', "a"),
    ('RIGHT("Stock Number",6)', "Number"), ('RIGHT("ab",5)', "ab"), ('MID("Fluid Flow",7,20)', "Flow"),
    ('MID("abc",0,1)', err("#VALUE!")), ('UPPER("total")', "TOTAL"), ('LOWER("E. E.")', "e. e."),
    ('PROPER("this is a TITLE")', "This Is A Title"), ('PROPER("2-way street")', "2-Way Street"),
    ('TRIM("  First   Quarter ")', "First Quarter"), ('CONCAT("a",1,TRUE)', "a1TRUE"),
    ('CONCAT(B1:B3)', "x2"), ('CONCATENATE("a","b")', "ab"), ('"a"&"b"', "ab"),
    ('TEXTJOIN(",",TRUE,"a","",B1:B3)', "a,x,2"), ('TEXTJOIN(",",FALSE,"a","",B1:B3)', "a,,x,,2"),
    ('SUBSTITUTE("Sales Data","Sales","Cost")', "Cost Data"),
    ('SUBSTITUTE("Quarter 1, 2011","1","2",3)', "Quarter 1, 2012"),
    ('REPLACE("abcdefghijk",6,5,"*")', "abcde*k"), ('FIND("M","Miriam McGovern")', 1.0),
    ('FIND("m","Miriam McGovern")', 6.0), ('FIND("z","abc")', err("#VALUE!")),
    ('SEARCH("e","Statements",6)', 7.0), ('SEARCH("m?g","Miriam McGovern")', 8.0),
    ('SEARCH("M*G","Miriam McGovern")', 1.0), ('REPT("*-",3)', "*-*-*-"),
    ('EXACT("word","Word")', False), ('VALUE("$1,000")', 1000.0), ('VALUE("16:48:00")-VALUE("12:00:00")', 0.2),
    ('VALUE("x")', err("#VALUE!")), ('T("a")', "a"), ("T(1)", ""), ("CHAR(65)", "A"),
    ('CODE("A")', 65.0), ('CODE("")', err("#VALUE!")), ('CLEAN("a"&CHAR(9)&"b")', "ab"),
])
def test_text(formula: str, expected: Any) -> None:
    check(formula, expected, {"B1": "x", "B2": None, "B3": 2})


@pytest.mark.parametrize(("value", "fmt", "expected"), [
    (1234.567, "0", "1235"), (1234.567, "0.0", "1234.6"), (1234.567, "0.00", "1234.57"),
    (0.2857, "0%", "29%"), (0.2857, "0.0%", "28.6%"), (1234567.891, "#,##0", "1,234,568"),
    (1234.5, "#,##0.00", "1,234.50"), (-1234.5, "#,##0.00", "-1,234.50"), (5, "000", "005"),
    (0.5, "#.##", ".5"), (100, "#.##", "100."), (-0.4, "0", "-0"), (1234.5, "0.00E+00", "1.23E+03"),
    (12345, '0,"K"', "12K"), (-5, "0;(0)", "(5)"), (0, '0;-0;"zero"', "zero"),
    (5, '"$"#,##0.00', "$5.00"), (0.125, "# ?/?", None),
    (45322, "yyyy-mm-dd", "2024-01-31"), (45322, "mmm yyyy", "Jan 2024"), (45322, "yyyy-mm", "2024-01"),
    (45322, "dd/mm/yyyy", "31/01/2024"), (45322, "dddd, mmmm d", "Wednesday, January 31"),
    (45322, "m/d/yy", "1/31/24"), (45322.75, "h:mm AM/PM", "6:00 PM"), (45322.5, "hh:mm:ss", "12:00:00"),
    (1.5, "[h]:mm", "36:00"), (45322, "General", "45322"), (0.1, "General", "0.1"),
])
def test_text_formats(value: float, fmt: str, expected: str | None) -> None:
    got = one(f'TEXT({value},"{fmt}")'.replace('"$"', '""$""').replace('"K"', '""K""')
              .replace('"zero"', '""zero""'))
    if expected is None:  # fraction formats are reported unsupported, never guessed
        assert isinstance(got, tuple) and got[0] == "unsupported"
    else:
        assert got == expected


def test_text_of_text_and_logicals() -> None:
    assert one('TEXT("abc","0.0")') == "abc" and one('TEXT("3","0.0")') == "3.0"
    assert one('TEXT("abc","@ x")') == "abc x" and one('TEXT(TRUE,"0")') == "TRUE"


@pytest.mark.parametrize(("formula", "expected"), [
    ("YEAR(45322)", 2024.0), ("MONTH(45322)", 1.0), ("DAY(45322)", 31.0),
    ('YEAR("2024-01-31")', 2024.0), ("EOMONTH(45322,1)", 45351.0), ("EOMONTH(45322,-1)", 45291.0),
    ("EDATE(45322,1)", 45351.0), ("EDATE(DATE(2011,1,15),-1)", 40527.0),
    ("NETWORKDAYS(DATE(2012,10,1),DATE(2013,3,1))", 110.0),
    ("NETWORKDAYS(DATE(2012,10,1),DATE(2013,3,1),DATE(2012,11,22))", 109.0),
    ("NETWORKDAYS(DATE(2013,3,1),DATE(2012,10,1))", -110.0),
    ("WORKDAY(DATE(2008,10,1),151)", 39933.0), ("WEEKDAY(DATE(2008,2,14))", 5.0),
    ("WEEKDAY(DATE(2008,2,14),2)", 4.0), ("WEEKDAY(DATE(2008,2,14),3)", 3.0),
    ("WEEKNUM(DATE(2012,3,9))", 10.0), ("WEEKNUM(DATE(2012,3,9),2)", 11.0),
    ("ISOWEEKNUM(DATE(2012,3,9))", 10.0), ("DAYS(DATE(2021,3,15),DATE(2021,2,1))", 42.0),
    ('DATEDIF(DATE(2001,1,1),DATE(2003,1,1),"Y")', 2.0), ('DATEDIF(DATE(2001,6,1),DATE(2002,8,15),"D")', 440.0),
    ('DATEDIF(DATE(2001,6,1),DATE(2002,8,15),"YD")', 75.0), ('DATEDIF(DATE(2001,6,1),DATE(2002,8,15),"MD")', 14.0),
    ('DATEVALUE("2008-08-22")', 39682.0), ("TIME(12,0,0)", 0.5), ("TIME(27,0,0)", 0.125),
    ("HOUR(0.75)", 18.0), ("MINUTE(0.78125)", 45.0), ("SECOND(TIME(1,2,3))", 3.0),
    ("EOMONTH(-1,1)", err("#NUM!")), ("YEAR(-1)", err("#NUM!")),
])
def test_dates(formula: str, expected: Any) -> None:
    check(formula, expected)


def test_function_name_forms() -> None:
    assert resolve_function("_xlfn.STDEV.S") is REGISTRY["STDEV.S"]
    assert resolve_function("_xlfn._xlws.SORT") is None
    assert resolve_function("percentile.inc") is REGISTRY["PERCENTILE.INC"]
    for name in ("KPI_NPS", "[1]!KPI_NPS", "_xludf.KPI_NPS", "KPIXL.KPI_NPS", "XLWINGS.KPI_NPS",
                 "_xldudf_XLWINGS_KPI_NPS", "_xldudf_KPIXL_KPI_NPS", "'kpi.xlam'!KPI_NPS"):
        f = resolve_function(name)
        assert f is not None and f.name == "KPI_NPS", name
    assert resolve_function("[1]!SUM") is None  # an add-in's SUM is not Excel's SUM
    assert resolve_function("FOO.SUM") is None and resolve_function("KPI_NO_SUCH") is None
    assert resolve_function("ROUND")(2.5, 0) == 3.0
    assert resolve_function("SUM")([[1.0, 2.0], [3.0, None]]) == 6.0


def test_every_builtin_is_exercised() -> None:
    """Each registered function appears in these tests or in the LibreOffice corpus."""
    import corpus_lo

    from kpi_xl.recalc.functions import _load

    _load()
    corpus = corpus_lo.build()
    text = open(__file__, encoding="utf-8").read().upper()
    for name in REGISTRY:
        assert name in corpus.used or f"{name}(" in text, name


def test_result_spill_is_first_value() -> None:
    r = calc({"S": {"A1": 1, "A2": 2, "B1": "={10,20}", "B2": "=A1:A2*0+{5;6}"}})
    assert r["S!B1"] == 10.0 and r["S!B2"] == 5.0  # A2*0 + {5;6}: top-left
