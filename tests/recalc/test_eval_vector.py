"""Vectorisation: copied-down formulas run as one numpy operation per group, and give the
same values as evaluating every cell on its own."""

from __future__ import annotations

import random
import time

import corpus_lo
import numpy as np
import pytest
from corpus_build import calc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kpi_xl.recalc.evaluator as ev
from kpi_xl.recalc.model import FormulaCell, SheetModel, WorkbookModel


@pytest.fixture(autouse=True)
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ev, "_STRICT", True)


def _model(seed: int, templates: list[str]) -> WorkbookModel:
    corpus = corpus_lo.Corpus({"Data": corpus_lo._data(random.Random(seed))})
    rows = [[None] * len(templates) for _ in range(corpus_lo.ROWS)]
    for c, t in enumerate(templates):
        for r in range(corpus_lo.ROWS):
            rows[r][c] = "=" + t.replace("{r}", str(r + 1))
    corpus.data["V"] = rows
    return corpus_lo.model(corpus)


def _per_cell(monkeypatch: pytest.MonkeyPatch, model: WorkbookModel) -> dict:
    def no_vectors(*a: object, **k: object) -> object:
        raise ev.NotVectorisable("forced per-cell evaluation")

    with monkeypatch.context() as m:
        m.setattr(ev, "finalize_vec", no_vectors)
        return ev.evaluate(model).values


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))
    return a == b and type(a) is type(b)


@settings(max_examples=int(__import__("os").environ.get("KPI_XL_EXAMPLES", "40")), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.integers(0, 10**9))
def test_vector_equals_per_cell(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    rng = random.Random(seed)
    gen = corpus_lo.Gen(rng, relative=True)
    names = [n for n in corpus_lo.SPECS if n not in corpus_lo.NOT_IN_LO]
    templates = [gen.num(0) if rng.random() < 0.5 else gen.call(rng.choice(names))
                 for _ in range(6)]
    model = _model(seed, templates)
    vec = ev.evaluate(model).values
    cell = _per_cell(monkeypatch, model)
    assert vec.keys() == cell.keys()
    for k in vec:
        assert _same(vec[k], cell[k]), (k, templates[k[2]] if k[0] == "V" else "", vec[k],
                                        cell[k])


def test_copied_down_formulas_are_one_group_each() -> None:
    n = 5000
    cells: dict[tuple[int, int], FormulaCell] = {}
    vals = np.full((n, 4), None, dtype=object)
    vals[:, 0] = np.arange(n, dtype=float).tolist()
    vals[:, 1] = (np.arange(n) % 7).astype(float).tolist()
    for r in range(n):
        cells[(r, 2)] = FormulaCell(r, 2, f"A{r + 1}*B{r + 1}+$A$1")
        cells[(r, 3)] = FormulaCell(r, 3, f'IF(C{r + 1}>100,"big",C{r + 1})')
    model = WorkbookModel("x", {"S": SheetModel("S", "", vals, cells)})
    book = ev.Book(model, None, ev.Limits())  # type: ignore[arg-type]
    groups = ev._group_cells(book, model)
    # one group per column and per number of digits in the row numbers (1-9, 10-99, ...)
    assert len(groups) == 8
    calls = {"cells": 0}
    orig = ev._Engine.run_cells

    def counting(self: ev._Engine, g: ev.Group, rows: np.ndarray, cols: np.ndarray) -> None:
        calls["cells"] += len(rows)
        orig(self, g, rows, cols)

    ev._Engine.run_cells = counting  # type: ignore[method-assign]
    try:
        t = time.perf_counter()
        r = ev.evaluate(model)
        elapsed = time.perf_counter() - t
    finally:
        ev._Engine.run_cells = orig  # type: ignore[method-assign]
    assert calls["cells"] <= 2  # only the single-cell groups (rows 1-9 with 1 digit... )
    assert r.values[("S", 4999, 2)] == 4999.0 * (4999 % 7)
    assert elapsed < 5


def test_group_splits_on_different_constants() -> None:
    r = calc({"S": {"A1": 1, "A2": 2, "A3": 3, "B1": "=A1*2", "B2": "=A2*3", "B3": "=A3*2",
                    "C1": '=A1&"1"', "C2": '=A2&"2"'}})
    assert (r["S!B1"], r["S!B2"], r["S!B3"]) == (2.0, 6.0, 6.0)
    assert (r["S!C1"], r["S!C2"]) == ("11", "22")


def test_mixed_types_in_a_vector() -> None:
    cells = {"A1": 1, "A2": "x", "A3": None, "A4": True, "A5": "3",
             "B1": 0, "B2": 1, "B3": 2, "B4": 0, "B5": 2}
    for i in range(1, 6):
        cells[f"C{i}"] = f"=A{i}/B{i}"
        cells[f"D{i}"] = f'=A{i}>"m"'
        cells[f"E{i}"] = f"=IFERROR(A{i}*2,-1)"
    r = calc({"S": cells})
    assert [str(r[f"S!C{i}"]) for i in range(1, 6)] == ["#DIV/0!", "#VALUE!", "0.0", "#DIV/0!",
                                                         "1.5"]
    assert [r[f"S!D{i}"] for i in range(1, 6)] == [False, True, False, True, False]
    assert [r[f"S!E{i}"] for i in range(1, 6)] == [2.0, -1.0, 0.0, 2.0, 6.0]
