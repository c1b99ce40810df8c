"""COM contract (desktop Excel on Windows), in its own process with pywin32 stand-ins.

Every function must carry the ``__xlfunc__`` metadata *Import Functions* turns into VBA and
``Application.MacroOptions`` (category, descriptions), the generated VBA must be a valid
wrapper for it, and ``XLPython.CallUDF`` -- what that VBA calls -- must return the spec's
values. COM cannot hand real error values back, so errors arrive as their text.
"""

from __future__ import annotations

import json
import re

import pytest
from excel_cases import (
    REGENERATE,
    XLWINGS_PINNED,
    as_grid,
    com_contract_calls,
    core_cell,
    iter_snapshot_mismatches,
    same,
)
from excel_snapshots import documents, stored

from kpi_xl import catalog
from kpi_xl.excel.adapter import CATALOG_FUNCTION, VBA_RESERVED, catalog_table, excel_functions
from kpi_xl.excel.udfs import ARG_OPTIONS, CATEGORY


def test_written_against_pinned_xlwings(com):
    assert com["xlwings"] == XLWINGS_PINNED, (
        f"written against xlwings {XLWINGS_PINNED}, found {com['xlwings']}: review xlwings' "
        f"COM UDF code, then run {REGENERATE}")


def test_xlfunc_metadata_for_every_function(com):
    xlfunc = com["xlfunc"]
    assert set(xlfunc) == {d.excel_name for d in catalog.all_entries()} | {CATALOG_FUNCTION}
    for fn in excel_functions():
        info = xlfunc[fn.name]
        assert info["name"] == fn.name
        assert info["category"] == CATEGORY
        assert info["sub"] is False and info["volatile"] is False
        assert info["async_mode"] is None and info["call_in_wizard"] is True
        assert info["ret"] == {"doc": fn.doc, "options": {}}
        assert [a["name"] for a in info["args"]] == [p.name for p in fn.params]
        for arg, p in zip(info["args"], fn.params, strict=True):
            assert arg["doc"] == p.doc()
            assert arg["options"] == ARG_OPTIONS
            assert arg["vba"] is None and arg["vararg"] is False
            assert ("optional" in arg) == p.optional
            if p.optional:
                assert arg["optional"] == _json(p.param.default)


def _json(value):
    return json.loads(json.dumps(value, default=repr))


def test_vba_wrapper_for_every_function(com):
    vba = com["vba"]
    names = {d.excel_name for d in catalog.all_entries()} | {CATALOG_FUNCTION}
    declared = re.findall(r"^Function (\w+)\((.*)\)$", vba, flags=re.M)
    assert {n for n, _ in declared} == names
    by_name = dict(declared)
    for fn in excel_functions():
        params = [("Optional " if p.optional else "") + p.name for p in fn.params]
        assert by_name[fn.name] == ", ".join(params)
        call = (f'{fn.name} = XLPy.CallUDF("kpi_xl.excel.udfs", "{fn.name}", '
                f'Array({", ".join(p.name for p in fn.params)}), ThisWorkbook, Application.Caller)')
        assert call in vba
    assert vba.count("End Function") == len(names)


def test_vba_parameter_names_are_not_reserved(com):
    for _, params in re.findall(r"^Function (\w+)\((.*)\)$", com["vba"], flags=re.M):
        for p in filter(None, (s.replace("Optional ", "").strip() for s in params.split(","))):
            assert p.lower() not in VBA_RESERVED
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", p)


@pytest.mark.parametrize("name", ["com_xlfunc.json", "com_xlwings_udfs.bas"])
def test_snapshot(com, name):
    current, saved = documents(com=com)[name], stored(name)
    assert saved is not None, f"no snapshot yet: run {REGENERATE}"
    if current != saved:
        if name.endswith(".json"):
            diffs = list(iter_snapshot_mismatches(json.loads(saved), json.loads(current)))
        else:
            old, new = saved.splitlines(), current.splitlines()
            diffs = [f"line {i + 1}: {a!r} -> {b!r}" for i, (a, b) in enumerate(zip(old, new, strict=False))
                     if a != b] or [f"{len(old)} -> {len(new)} lines"]
        pytest.fail(f"{name} changed ({len(diffs)} differences, first: {diffs[:5]}); "
                    f"if the catalog changed on purpose, run {REGENERATE}")


# --- calls through XLPython.CallUDF -------------------------------------------------------------

def _core(name, *args, **kwargs):
    return core_cell(catalog.get(name), args, kwargs)


EXPECTED = {
    "nps-range": [[20.0]],
    "nps-2d-range": [[20.0]],
    "nps-array-constant": [[20.0]],
    "nps-error-cell": [["#DIV/0!"]],  # the text: COM cannot return error values
    "nps-ignore-literal": [_core("KPI_NPS", [10, 11, 11, None, 6], invalid="ignore")],
    "nps-option-blank-cell": [["#NUM!"]],
    "roi-literals": [[0.25]],
    "roi-blank-cell": [["#N/A"]],
    "roi-zero": [["#DIV/0!"]],
    "wilson-row": [_core("KPI_WILSON_INTERVAL", 81, 263)],
    "status-column": [["at_risk"], ["off_track"], ["on_track"], _core("KPI_STATUS", None, 100000)],
    "business-hours-dates": [_core("KPI_BUSINESS_HOURS", "2024-03-01 17:30", "2024-03-04 09:30")],
    "catalog": catalog_table(),
}


def test_every_contract_call_has_an_expectation():
    assert set(EXPECTED) == set(com_contract_calls())


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_call(com, key):
    got = com["results"][f"contract|{key}"]
    assert "result" in got, got
    assert same(EXPECTED[key], as_grid(got["result"])), (EXPECTED[key], got["result"])


def test_errors_are_text_in_com(com):
    assert com["results"]["contract|nps-error-cell"]["result"] == "#DIV/0!"


def test_no_call_raises(com):
    failed = {k: v for k, v in com["results"].items() if "result" not in v}
    assert not failed
