"""Office.js contract (xlwings Server and xlwings Lite), in its own process.

``custom_functions_meta`` must list every catalog function with the catalog's descriptions;
``custom_functions_call`` driven with payloads shaped as xlwings' Office.js client sends them
must return the spec's values and real Excel error values.
"""

from __future__ import annotations

import json

import pytest
from excel_cases import (
    REGENERATE,
    XLWINGS_PINNED,
    as_grid,
    core_cell,
    iter_snapshot_mismatches,
    officejs_contract_calls,
    same,
)
from excel_snapshots import documents, stored

from kpi_xl import catalog
from kpi_xl.excel.adapter import CATALOG_FUNCTION, catalog_table, clip, excel_functions


def _core(name: str, *args, **kwargs) -> list:
    return core_cell(catalog.get(name), args, kwargs)


def test_written_against_pinned_xlwings(officejs):
    assert officejs["xlwings"] == XLWINGS_PINNED, (
        f"these contracts and snapshots are written against xlwings {XLWINGS_PINNED}; "
        f"found {officejs['xlwings']}: review the runtime changes, then run {REGENERATE}")


def test_meta_lists_every_catalog_function(officejs):
    meta = {f["id"]: f for f in officejs["meta"]["functions"]}
    assert set(meta) == {d.excel_name for d in catalog.all_entries()} | {CATALOG_FUNCTION}
    for fn in excel_functions():
        m = meta[fn.name]
        assert m["name"] == fn.name, "no namespace: the same name as in desktop Excel"
        assert m["description"] == clip(fn.definition.description)
        params = m["parameters"]
        assert [p["name"] for p in params] == [p.name for p in fn.params]
        assert [p["description"] for p in params] == [p.doc() for p in fn.params]
        assert [p.get("optional", False) for p in params] == [p.optional for p in fn.params]
        assert all(p["dimensionality"] == "matrix" and p["type"] == "any" for p in params)
        assert not any(p.get("repeating") for p in params)
        assert m["result"] == {"dimensionality": "matrix", "type": "any"}


def test_descriptions_come_from_the_catalog_and_fit_excel(officejs):
    meta = {f["id"]: f for f in officejs["meta"]["functions"]}
    for d in catalog.all_entries():
        m = meta[d.excel_name]
        assert len(m["description"]) <= 255
        for p, shown in zip(d.params, m["parameters"], strict=True):
            assert len(shown["description"]) <= 255
            head = " ".join(p.description.split())[:40]
            assert shown["description"].startswith(head), (d.excel_name, p.name)


def test_meta_allows_error_values(officejs):
    # Without these flags Office.js would hand error cells over as blanks.
    assert officejs["meta"]["allowErrorForDataTypeAny"] is True


def test_lite_main_star_import_registers_every_function(officejs):
    """xlwings Lite registers the functions of main.py: ``from kpi_xl.excel.udfs import *``."""
    assert sorted(officejs["lite_main_functions"]) == sorted(
        [d.excel_name for d in catalog.all_entries()] + [CATALOG_FUNCTION])


def test_meta_snapshot(officejs):
    name = "officejs_meta.json"
    current, saved = documents(officejs=officejs)[name], stored(name)
    assert saved is not None, f"no snapshot yet: run {REGENERATE}"
    if current != saved:
        diffs = list(iter_snapshot_mismatches(json.loads(saved), json.loads(current)))
        pytest.fail(f"{name} changed ({len(diffs)} differences, first: {diffs[:5]}); "
                    f"if the catalog changed on purpose, run {REGENERATE}")


# --- calls -----------------------------------------------------------------------------------

def _expected() -> dict[str, list[list]]:
    bh = catalog.get("KPI_BUSINESS_HOURS")
    return {
        "nps-2d-matrix": [[20.0]],
        "nps-column": [[20.0]],
        "nps-row": [[20.0]],
        "nps-error-cell-1.4": [["#DIV/0!"]],
        "nps-error-cell-1.2": [["#DIV/0!"]],
        "nps-na-cell": [["#N/A"]],
        "nps-blanks": [_core("KPI_NPS", [10, 6])],
        "nps-all-blank": [["#DIV/0!"]],
        "nps-all-blank-1.2": [["#DIV/0!"]],
        "nps-text-score": [["#VALUE!"]],
        "nps-offscale": [["#NUM!"]],
        "nps-ignore": [_core("KPI_NPS", [10, 11, 11, None, 6], invalid="ignore")],
        "nps-ignore-upper": [_core("KPI_NPS", [10, 11, 11, None, 6], invalid="ignore")],
        "nps-option-blank-cell": [["#NUM!"]],  # a blank option cell is the default, "error"
        "nps-option-bad": [["#NUM!"]],
        "roi-scalars": [[0.25]],
        "roi-summed-range": [[0.25]],
        "roi-blank-cost": [["#N/A"]],
        "roi-zero-cost": [["#DIV/0!"]],
        "roi-error-cost": [["#N/A"]],
        "cagr-range-in-scalar": [["#VALUE!"]],
        "wilson-spills-row": [_core("KPI_WILSON_INTERVAL", 81, 263)],
        "rate-test-spills-row": [_core("KPI_RATE_CHANGE_TEST", 200, 10000, 250, 10000)],
        "status-column": [["at_risk"], ["off_track"], ["on_track"],
                          _core("KPI_STATUS", None, 100000)],
        "status-row": [["at_risk", "off_track", "on_track"]],
        "status-two-columns": [_core("KPI_STATUS", 95000, 100000, "higher_is_better"),
                               _core("KPI_STATUS", 12.5, 12, "lower_is_better")],
        "status-shape-mismatch": [["#VALUE!"]],
        "status-error-in-one-cell": [["at_risk"], ["#DIV/0!"], ["on_track"]],
        "status-code-column": [[0], [-1], [1], ["#N/A"]],
        "status-code-column-1.2": [[0], ["#N/A"]],
        "business-hours-serials": [core_cell(bh, ("2024-03-01 17:30", "2024-03-04 09:30"), {})],
        "business-hours-column": [core_cell(bh, ("2024-03-01 17:30", "2024-03-04 09:30"), {}),
                                  core_cell(bh, ("2024-03-04 10:00", "2024-03-04 12:00"), {})],
        "conversion-flag-true": [_core("KPI_CONVERSION_RATE", 7, 5, True)],
        "conversion-flag-one": [_core("KPI_CONVERSION_RATE", 7, 5, True)],
        "conversion-flag-text": [_core("KPI_CONVERSION_RATE", 7, 5, True)],
        "conversion-flag-false": [_core("KPI_CONVERSION_RATE", 7, 5, False)],
        "conversion-flag-omitted": [_core("KPI_CONVERSION_RATE", 7, 5)],
        "catalog": catalog_table(),
        "catalog-service": catalog_table("service"),
        "catalog-unknown": [["#NUM!"]],
    }


EXPECTED = _expected()


def test_every_contract_call_has_an_expectation():
    assert set(EXPECTED) == set(officejs_contract_calls())


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_call(officejs, key):
    got = officejs["results"][f"contract|{key}"]
    assert "result" in got, got
    assert same(EXPECTED[key], as_grid(got["result"])), (EXPECTED[key], got["result"])


def test_error_values_are_real_errors_in_runtime_1_4(officejs):
    """From runtime 1.4 xlwings turns "#DIV/0!" into an Office.js error object; before, text."""
    r14 = officejs["results"]["contract|nps-error-cell-1.4"]["result"]
    assert r14 == [[{"type": "Error", "errorType": "Div0"}]]
    assert officejs["results"]["contract|nps-error-cell-1.2"]["result"] == [["#DIV/0!"]]
    code = officejs["results"]["contract|status-code-column"]["result"]
    assert code[-1] == [{"type": "Error", "errorType": "NotAvailable"}]


def test_no_call_raises(officejs):
    failed = {k: v for k, v in officejs["results"].items() if "result" not in v}
    assert not failed
