"""The command line, run as a real subprocess (the installed console script)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

import kpi_xl
from kpi_xl import catalog

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "survey.csv"


def run(*args, check=True):
    out = subprocess.run([sys.executable, "-m", "kpi_xl", *args], capture_output=True,
                         text=True, cwd=ROOT)
    if check:
        assert out.returncode == 0, out.stderr
    return out


def test_list_json_lists_every_entry_with_fields():
    rows = json.loads(run("list", "--json").stdout)
    assert [r["id"] for r in rows] == list(catalog.ids())
    for r in rows:
        for key in ("id", "excel_name", "name", "category", "level", "indicator", "unit",
                    "direction", "description", "formula"):
            assert key in r


def test_list_category_filter():
    rows = json.loads(run("list", "--json", "--category", "service").stdout)
    assert rows and {r["category"] for r in rows} == {"service"}


def test_explain_shows_formula_and_examples():
    out = run("explain", "KPI_NPS").stdout
    assert "(P - D) / (P + Pa + D) * 100" in out and "Worked examples" in out


def test_compute_matches_core_on_sample(tmp_path):
    out = run("compute", str(SAMPLE), "--kpi", "nps:score", "--by", "month", "--format", "csv")
    table = pd.read_csv(__import__("io").StringIO(out.stdout))
    data = pd.read_csv(SAMPLE, parse_dates=["date"])
    jan = data[data.date.dt.month == 1]["score"]
    assert abs(table["nps"][0] - kpi_xl.nps(jan)) < 1e-9
    assert len(table) == 12


def test_compute_json_output_file(tmp_path):
    target = tmp_path / "out.json"
    run("compute", str(SAMPLE), "-k", "csat:csat", "--by", "quarter", "--dim", "region",
        "-f", "json", "-o", str(target))
    rows = json.loads(target.read_text())
    assert len(rows) == 16 and {"period", "region", "csat"} <= set(rows[0])


def test_user_errors_are_one_line_exit_2(tmp_path):
    for args in (["compute", "missing.csv", "--kpi", "nps:score"],
                 ["compute", str(SAMPLE), "--kpi", "nps:nope"],
                 ["compute", str(SAMPLE), "--kpi", "nps:region"],
                 ["explain", "not_a_kpi"],
                 ["compute", str(SAMPLE), "--kpi", "nps:score", "--by", "fortnight"]):
        out = run(*args, check=False)
        assert out.returncode == 2, (args, out.stderr)
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("kpi-xl: error:"), out.stderr
        assert "Traceback" not in out.stderr


def test_compute_reads_parquet(tmp_path):
    data = pd.read_csv(SAMPLE, parse_dates=["date"])
    pq = tmp_path / "survey.parquet"
    data.to_parquet(pq)
    out = run("compute", str(pq), "--kpi", "nps:score", "--by", "year", "-f", "json")
    rows = json.loads(out.stdout)
    assert abs(rows[0]["nps"] - kpi_xl.nps(data["score"])) < 1e-9
