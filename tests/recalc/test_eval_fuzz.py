"""Fuzzing the tokenizer + parser + evaluator (issue 6 item 4 overlaps): random and mutated
formulas never crash, never hang, and every formula cell ends up in exactly one of
values / unsupported / errors / cycles."""

from __future__ import annotations

import os
import random
import time

import corpus_lo
import pytest
from corpus_build import book
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kpi_xl.recalc.evaluator as ev
from kpi_xl.recalc.evaluator import Limits, evaluate
from kpi_xl.recalc.model import ExcelError, TableModel
from kpi_xl.recalc.parser import ParseError, parse
from kpi_xl.recalc.refs import a1

EXAMPLES = int(os.environ.get("KPI_XL_EXAMPLES", "150"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])

ALPHABET = [*list("ABCDEZabz0123456789.,:;!$#%&*+-/^=<>()[]{}@'\" _"), "SUM(", "IF(", "INDEX(", "A1", "B2:C3", "T[Col]", "T[@Col]", "Data!", "'My Sheet'!", "KPI_NPS(", "[1]!", "_xlfn.", "#N/A", "TRUE", "1E+308", '"x"', "{1,2;3,4}", "A:A", "1:1", "Rate", "XLOOKUP(", "TEXT(", "VLOOKUP(", "SUMIFS(", "CHOOSE(", "OFFSET("]

DATA = {
    "A1": 1, "A2": "x", "A3": None, "A4": True, "A5": ExcelError("#N/A"), "B1": 0.5,
    "B2": -3, "B3": "3", "C1": "Col", "C2": 5, "C3": 6, "D1": 45322,
}
TABLE = TableModel("T", "S", "C1:C3", ["Col"], 1, 0)


@pytest.fixture(autouse=True)
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    """An internal error raises (and fails the test) instead of becoming 'unsupported'."""
    monkeypatch.setattr(ev, "_STRICT", True)


def _check(formulas: list[str]) -> None:
    cells: dict[str, object] = dict(DATA)
    targets = []
    for i, f in enumerate(formulas):
        ref = f"E{i + 1}"
        cells[ref] = "=" + f
        targets.append(ref)
    # other cells that read the fuzzed ones, so unsupported/error propagation is exercised
    cells["F1"] = "=SUM(E1:E5)"
    cells["F2"] = "=E1&F1"
    model = book({"S": cells, "Data": {"A1": 2}}, names={"Rate": "0.5"}, tables=[TABLE])
    t = time.perf_counter()
    r = evaluate(model, limits=Limits(timeout_s=20))
    assert time.perf_counter() - t < 25
    places: dict[str, int] = {}
    for (_s, row, col) in r.values:
        places[a1(row, col)] = places.get(a1(row, col), 0) + 1
    for _s, c, _why in r.unsupported:
        places[c] = places.get(c, 0) + 1
    for _s, c, _why in r.errors:
        places[c] = places.get(c, 0) + 1
    for cyc in r.cycles:
        for _s, c in cyc:
            places[c] = places.get(c, 0) + 1
    for ref in [*targets, "F1", "F2"]:
        assert places.get(ref) == 1, (ref, formulas, r)
    for v in r.values.values():
        assert v is None or isinstance(v, (float, str, bool, ExcelError)), v
        assert not (isinstance(v, float) and v != v)
    for _s, _c, why in r.unsupported:
        assert not why.startswith("internal error"), why


@SETTINGS
@given(st.lists(st.lists(st.sampled_from(ALPHABET), max_size=25).map("".join),
                min_size=1, max_size=5))
def test_random_token_soup(formulas: list[str]) -> None:
    _check(formulas)


def _mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 4)):
        if not text:
            break
        i = rng.randrange(len(text))
        op = rng.random()
        if op < 0.3:
            text = text[:i] + text[i + 1:]
        elif op < 0.6:
            text = text[:i] + rng.choice(ALPHABET) + text[i:]
        elif op < 0.8:
            j = rng.randrange(len(text))
            text = text[:i] + text[j:] if i < j else text[:j] + text[i:]
        else:
            text = text[:i] + text[i:i + 5] * 2 + text[i + 5:]
    return text


@SETTINGS
@given(st.integers(0, 10**9))
def test_mutated_corpus_formulas(seed: int) -> None:
    rng = random.Random(seed)
    gen = corpus_lo.Gen(rng, relative=False)
    names = list(corpus_lo.SPECS)
    formulas = []
    for _ in range(4):
        text = gen.call(rng.choice(names)).replace("{r}", str(rng.randint(1, 40)))
        formulas.append(_mutate(rng, text))
    _check(formulas)


@pytest.mark.parametrize("formula", [
    "(" * 200 + "1" + ")" * 200, "-" * 3000 + "1", "1" + "+1" * 3000, "SUM(" * 70 + ")" * 70,
    "A1:" * 500 + "A1", "{" + ",".join(["1"] * 5000) + "}", '"' + "x" * 9000 + '"',
    "REPT(\"x\",10^9)", "SUM(A:XFD)", "SUMPRODUCT(A:A,A:A)", "INDEX(A:A,10^9)",
    "E1", "E1+E2", "T[[#Totals],[Col]]", "T[Nope]", "Nope[Col]", "'no sheet'!A1",
    "=1", "@", "#", "A1#", "1 2", "A1 A2", ",", "SUM(,,,)", "IF()", "_xlfn.", "[1]!",
])
def test_hostile_formulas(formula: str) -> None:
    _check([formula])


def test_parser_errors_are_parse_errors() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 30)))
        try:
            parse(text)
        except ParseError:
            pass
