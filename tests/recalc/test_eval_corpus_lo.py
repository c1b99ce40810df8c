"""Differential test against LibreOffice (issue 5 item 8b): a generated corpus of random
formulas over random data, recalculated by LibreOffice headless and by the evaluator.

Every result must match LibreOffice, or the mismatch must be one of the documented
Excel-vs-LibreOffice differences (tests/recalc/corpus_differences.py,
docs/recalc-differences.md), where the evaluator implements Excel's documented behaviour.
Runs (never skips) when CI=true.
"""

from __future__ import annotations

import copy
import datetime as _dt
import re
from collections import Counter
from pathlib import Path
from typing import Any

import corpus_lo  # tests/recalc is on sys.path (pytest's rootdir-relative import mode)
import pytest
from corpus_differences import DIFFERENCES, Case, explain, same
from lo_oracle import LoError, recalc_values, require_soffice

from kpi_xl.recalc.evaluator import evaluate
from kpi_xl.recalc.functions import REGISTRY, _load
from kpi_xl.recalc.model import ExcelError
from kpi_xl.recalc.parser import iter_nodes, parse
from kpi_xl.recalc.values import parse_number

pytestmark = pytest.mark.libreoffice

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def corpus() -> corpus_lo.Corpus:
    return corpus_lo.build()


@pytest.fixture(scope="module")
def run(corpus: corpus_lo.Corpus, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    require_soffice()
    tmp = tmp_path_factory.mktemp("corpus")
    src = tmp / "corpus.xlsx"
    corpus_lo.write_xlsx(corpus, src)
    lo = recalc_values(src, tmp / "lo")  # private profile per xdist worker or process
    today = _dt.date.today()
    ours = evaluate(corpus_lo.model(corpus), today=today)
    # LibreOffice's data model: no logical type, TRUE/FALSE are 1/0
    lo_corpus = copy.deepcopy(corpus)
    for rows in lo_corpus.data.values():
        for row in rows:
            for i, v in enumerate(row):
                if isinstance(v, bool):
                    row[i] = 1.0 if v else 0.0
                elif isinstance(v, str) and v.startswith("="):
                    row[i] = re.sub(r"\bTRUE\b(?!\()", "1", re.sub(r"\bFALSE\b(?!\()", "0", v))
    lo_view = evaluate(corpus_lo.model(lo_corpus), today=today)
    return {"lo": lo, "ours": ours, "lo_view": lo_view}


def _refs(text: str, sheet: str, row: int, col: int, lo: dict) -> tuple[set[str], bool, bool]:
    """LibreOffice's error values among the Data cells a formula reads, whether one of them
    is blank and whether one is text spelling a number."""
    out: set[str] = set()
    blank = numeric_text = False
    try:
        ast = parse(text, row, col)
    except Exception:
        return out, blank, numeric_text
    for n in iter_nodes(ast):
        if n[0] != "ref" or (n[1] or sheet) != "Data":
            continue
        _, _, r1, c1, r2, c2, rel, _ = n
        r1 += row if rel & 1 else 0
        c1 += col if rel & 2 else 0
        r2 += row if rel & 4 else 0
        c2 += col if rel & 8 else 0
        for r in range(max(min(r1, r2), 0), min(max(r1, r2), 60) + 1):
            for c in range(max(min(c1, c2), 0), min(max(c1, c2), 20) + 1):
                v = lo.get(("Data", r, c))
                if isinstance(v, LoError):
                    out.add(v.text)
                elif v is None:
                    blank = True
                elif isinstance(v, str) and parse_number(v) is not None:
                    numeric_text = True
    return out, blank, numeric_text


def test_corpus_size_and_coverage(corpus: corpus_lo.Corpus) -> None:
    _load()
    assert len(corpus.cells) >= 1000
    builtin = {n for n in REGISTRY if not n.startswith("KPI_")}
    missing = builtin - corpus.used - corpus_lo.NOT_IN_LO
    assert not missing, f"functions not covered by the corpus: {sorted(missing)}"
    for name in corpus.used:
        assert sum(t.count(name + "(") for *_, t in corpus.cells) >= 1


def test_agrees_with_libreoffice(corpus: corpus_lo.Corpus, run: dict[str, Any]) -> None:
    lo, ours, lo_view = run["lo"], run["ours"], run["lo_view"]
    assert not ours.errors and not ours.cycles
    assert not ours.unsupported, ours.unsupported[:5]
    explained: Counter[str] = Counter()
    unexplained: list[str] = []
    agree = 0
    for sheet, r, c, text in corpus.cells:
        mine = ours.values[(sheet, r, c)]
        theirs = lo.get((sheet, r, c))
        if same(mine, theirs):
            agree += 1
            continue
        case = Case(sheet, r, c, text, mine, theirs, lo_view.values.get((sheet, r, c)),
                    *_refs(text[1:], sheet, r, c, lo))
        why = explain(case)
        if why is None:
            unexplained.append(f"{corpus_lo.describe(sheet, r, c)} {text[:120]}\n"
                               f"    ours={mine!r} libreoffice={theirs!r}")
        else:
            explained[why] += 1
    total = len(corpus.cells)
    print(f"\ncorpus: {total} formulas, {agree} agree with LibreOffice "
          f"({agree / total:.1%}), documented differences: {dict(explained)}")
    assert not unexplained, f"{len(unexplained)} unexplained mismatches:\n" + "\n".join(
        unexplained[:40])
    assert agree / total > 0.85


def test_documented_differences_are_in_the_docs() -> None:
    doc = (ROOT / "docs" / "recalc-differences.md").read_text(encoding="utf-8")
    for d in DIFFERENCES:
        assert f"`{d.id}`" in doc, f"{d.id} is not documented in docs/recalc-differences.md"


def test_corpus_values_are_excel_values(run: dict[str, Any]) -> None:
    for v in run["ours"].values.values():
        assert v is None or isinstance(v, (float, str, bool, ExcelError)), repr(v)
