from pathlib import Path

from kpi_xl.docs import reference_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_kpi_reference_is_current():
    committed = (ROOT / "docs" / "kpi-reference.md").read_text(encoding="utf-8")
    assert committed == reference_markdown(), (
        "docs/kpi-reference.md is stale: run python -m kpi_xl.docs > docs/kpi-reference.md")
