"""Excel-shaped calls for the runtime contracts, built from the catalog, and the runner that
sends them to ``excel_probe.py`` in a process of its own.

Nothing here imports xlwings: the parent test process stays free of runtime decorators.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kpi_xl import catalog
from kpi_xl.catalog.schema import DATA_KINDS, Example, KpiDef
from kpi_xl.core.errors import KpiError

HERE = Path(__file__).resolve().parent
PROBE = HERE / "excel_probe.py"
SNAPSHOTS = HERE / "snapshots"
REGENERATE = "python tests/excel/excel_snapshots.py"
#: The xlwings release these contracts are written against (also pinned in the test extra).
XLWINGS_PINNED = "0.37.8"
REL = 1e-9

#: Office.js error objects (runtime >= 1.4) and the Excel error each stands for.
OFFICEJS_ERROR_TYPES = {"Div0": "#DIV/0!", "NotAvailable": "#N/A", "Name": "#NAME?",
                        "Null": "#NULL!", "Num": "#NUM!", "Ref": "#REF!", "Value": "#VALUE!"}
_TYPE_OF = {v: k for k, v in OFFICEJS_ERROR_TYPES.items()}
_EPOCH = dt.datetime(1899, 12, 30)


def officejs_error_cell(error: str) -> dict[str, str]:
    """An error cell as Office.js passes it to a custom function (``allowErrorForDataTypeAny``)."""
    return {"type": "Error", "basicValue": error, "errorType": _TYPE_OF.get(error, "Value")}


def run_probe(runtime: str, calls: list[dict[str, Any]], timeout: float = 300) -> dict[str, Any]:
    """Run ``excel_probe.py RUNTIME`` in a fresh interpreter and return its JSON report."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XLWINGS_")}
    if runtime == "officejs":
        # xlwings' PRO code (the Office.js runtime) is free for noncommercial use, which an
        # open-source test suite is. Set for this child process only, never as a default.
        env.update(XLWINGS_ON_SERVER="true", XLWINGS_LICENSE_KEY="noncommercial")
    proc = subprocess.run([sys.executable, str(PROBE), runtime], input=json.dumps({"calls": calls}),
                          capture_output=True, text=True, env=env, timeout=timeout, check=False)
    if proc.returncode:
        raise RuntimeError(f"the {runtime} probe failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout, parse_constant=_no_constants)


def _no_constants(name: str) -> Any:
    raise AssertionError(f"{name} in a result: NaN and infinity must never reach Excel")


# --- parity: every worked example, Excel-shaped ---------------------------------------------

def example_cases() -> list[tuple[str, KpiDef, Example]]:
    return [(f"{d.id}-{i}", d, ex) for d in catalog.all_entries() for i, ex in enumerate(d.examples)]


_OMITTED = object()


def excel_arguments(d: KpiDef, ex: Example) -> list[Any]:
    """The example's arguments in Excel order; ``_OMITTED`` where the formula leaves one out.

    A ``None`` for an optional argument means "not given" (an empty argument in Excel).
    """
    out: list[Any] = []
    for i, p in enumerate(d.params):
        if i < len(ex.args):
            v = ex.args[i]
        elif p.name in ex.kwargs:
            v = ex.kwargs[p.name]
        else:
            v = _OMITTED
        out.append(_OMITTED if v is None and p.optional else v)
    while out and out[-1] is _OMITTED:
        out.pop()
    return out


def _serial(value: dt.date) -> float:
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return (value.replace(tzinfo=None) - _EPOCH) / dt.timedelta(days=1)


def _officejs_cell(value: Any, blank: Any) -> Any:
    if value is None:
        return blank
    if isinstance(value, dt.date):
        return _serial(value)  # Office.js passes dates as serial numbers
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # JSON from JavaScript has no 10.0, only 10
    return value


def _com_cell(value: Any) -> Any:
    if isinstance(value, dt.date):
        return {"date": (value if isinstance(value, dt.datetime)
                         else dt.datetime(value.year, value.month, value.day)).isoformat()}
    return value


def _rows(value: list[Any] | tuple[Any, ...], shape: str) -> list[list[Any]]:
    if value and all(isinstance(v, (list, tuple)) for v in value):
        return [list(r) for r in value]  # already 2-D
    if not value:
        return [[None]]  # Excel has no empty range: the nearest is one blank cell
    return [[v] for v in value] if shape == "col" else [list(value)]


def officejs_args(d: KpiDef, ex: Example, shape: str, blank: Any) -> list[Any]:
    args = []
    for v in excel_arguments(d, ex):
        if v is _OMITTED:
            args.append(None)  # Office.js sends null for an omitted argument
        elif isinstance(v, (list, tuple)):
            args.append([[_officejs_cell(c, blank) for c in row] for row in _rows(v, shape)])
        else:
            args.append([[_officejs_cell(v, blank)]])
    # Excel passes every declared argument; trailing omitted ones arrive as null too.
    return args + [None] * (len(d.params) - len(args))


def com_args(d: KpiDef, ex: Example, style: str) -> list[dict[str, Any]]:
    """``cells``: every argument is a range; ``literal``: values typed into the formula."""
    args: list[dict[str, Any]] = []
    for v in excel_arguments(d, ex):
        if v is _OMITTED:
            args.append({"missing": True})
        elif isinstance(v, (list, tuple)):
            rows = [[_com_cell(c) for c in row] for row in _rows(v, "col" if style == "cells" else "row")]
            literal = style == "literal" and all(c is not None for row in rows for c in row)
            args.append({"value": rows} if literal else {"range": rows})
        elif style == "literal" and v is not None:
            args.append({"value": _com_cell(v)})
        else:
            args.append({"range": [[_com_cell(v)]]})
    return args + [{"missing": True}] * (len(d.params) - len(args))


OFFICEJS_VARIANTS = {  # name: (shape of 1-D ranges, blank cell, runtime)
    "col": ("col", "", "1.4"),
    "row": ("row", None, "1.2"),
}
COM_VARIANTS = {"cells": "col", "literal": "row"}


def parity_calls(runtime: str) -> list[dict[str, Any]]:
    calls = []
    for case_id, d, ex in example_cases():
        if runtime == "officejs":
            for variant, (shape, blank, rt) in OFFICEJS_VARIANTS.items():
                calls.append({"id": f"{case_id}|{variant}", "func": d.excel_name,
                              "args": officejs_args(d, ex, shape, blank), "runtime": rt})
        else:
            for variant in COM_VARIANTS:
                calls.append({"id": f"{case_id}|{variant}", "func": d.excel_name,
                              "args": com_args(d, ex, variant)})
    return calls


# --- what Excel should show -------------------------------------------------------------------

def core_cell(d: KpiDef, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
    """The core's answer as one row of Excel cells (a tuple spills as a row)."""
    try:
        value = d.evaluate(*args, strict=True, **kwargs)
    except KpiError as exc:
        return [exc.excel]
    values = list(value) if isinstance(value, tuple) else [value]
    return ["#N/A" if v is None else v for v in values]


def expected_grid(d: KpiDef, ex: Example, shape: str) -> list[list[Any]]:
    """The 2-D result Excel should show for a worked example given Excel-shaped inputs.

    This is the core's result, except where an argument list reaches a one-cell parameter:
    a helper entry is then evaluated element by element (spilling in the shape of the range),
    any other entry shows #VALUE!.
    """
    given = excel_arguments(d, ex)
    ranged = [i for i, v in enumerate(given)
              if v is not _OMITTED and isinstance(v, (list, tuple)) and len(v) > 1
              and d.params[i].kind not in DATA_KINDS]
    if not ranged:
        return [core_cell(d, ex.args, dict(ex.kwargs))]
    if d.kind != "helper":
        return [["#VALUE!"]]
    n = len(given[ranged[0]])
    cells = []
    for k in range(n):
        kwargs = {}
        for i, v in enumerate(given):
            if v is _OMITTED:
                continue
            kwargs[d.params[i].name] = v[k] if i in ranged else v
        cells.append(core_cell(d, (), kwargs))
    return [c for c in cells] if shape == "col" else [[c[0] for c in cells]]


# --- comparing --------------------------------------------------------------------------------

def as_grid(result: Any) -> list[list[Any]]:
    """A runtime's answer as a 2-D list of plain cells (errors as "#DIV/0!" text)."""
    if not isinstance(result, list):
        result = [[result]]
    elif not result or not isinstance(result[0], list):
        result = [result]  # COM's CallUDF returns one row as a flat list
    return [[_plain(c) for c in row] for row in result]


def _plain(cell: Any) -> Any:
    if isinstance(cell, dict) and cell.get("type") == "Error":
        return OFFICEJS_ERROR_TYPES[cell["errorType"]]
    return cell


def same(expected: list[list[Any]], actual: list[list[Any]]) -> bool:
    if len(expected) != len(actual) or any(len(a) != len(b) for a, b in zip(expected, actual, strict=False)):
        return False
    return all(_same_cell(e, a) for re, ra in zip(expected, actual, strict=True)
               for e, a in zip(re, ra, strict=True))


def _same_cell(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual or (expected == actual and type(expected) is type(actual))
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return math.isclose(expected, actual, rel_tol=REL, abs_tol=1e-12)
    if isinstance(expected, dt.datetime) and isinstance(actual, dict):
        return actual.get("date") == expected.isoformat()
    return expected == actual


def iter_snapshot_mismatches(expected: Any, actual: Any, path: str = "") -> Iterator[str]:
    """Where two JSON documents differ (for readable snapshot failures)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                yield f"{path}/{key}: missing now"
            elif key not in expected:
                yield f"{path}/{key}: new (not in the snapshot)"
            else:
                yield from iter_snapshot_mismatches(expected[key], actual[key], f"{path}/{key}")
    elif isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            yield from iter_snapshot_mismatches(e, a, f"{path}[{i}]")
    elif expected != actual:
        yield f"{path}: {str(expected)[:80]!s} -> {str(actual)[:80]!s}"


# --- hand-written contract calls ----------------------------------------------------------------

def _nulls(func: str, given: int) -> list[None]:
    return [None] * (len(catalog.get(func).params) - given)


def _serial_of(text: str) -> float:
    return _serial(dt.datetime.fromisoformat(text))


NPS_10 = [10, 9, 9, 8, 7, 6, 5, 10, 3, 9]  # the spec's example: NPS 20


def officejs_contract_calls() -> dict[str, dict[str, Any]]:
    """Payloads shaped as xlwings' Office.js client sends them: every argument a 2-D matrix,
    "" or null for empty cells, error cells as error objects, null for omitted arguments."""
    div0, na = officejs_error_cell("#DIV/0!"), officejs_error_cell("#N/A")
    status_rest = _nulls("KPI_STATUS", 2)
    calls: dict[str, tuple[str, list[Any], str]] = {
        "nps-2d-matrix": ("KPI_NPS", [[[10, 9, 9], [8, 7, 6], [5, 10, 3], [9, "", None]], None], "1.4"),
        "nps-column": ("KPI_NPS", [[[v] for v in NPS_10], None], "1.4"),
        "nps-row": ("KPI_NPS", [[NPS_10], None], "1.4"),
        "nps-error-cell-1.4": ("KPI_NPS", [[[10], [9], [div0], [6]], None], "1.4"),
        "nps-error-cell-1.2": ("KPI_NPS", [[[10], [9], [div0], [6]], None], "1.2"),
        "nps-na-cell": ("KPI_NPS", [[[10], [na]], None], "1.4"),
        "nps-blanks": ("KPI_NPS", [[[10], [""], [None], [6]], None], "1.4"),
        "nps-all-blank": ("KPI_NPS", [[[""], [""]], None], "1.4"),
        "nps-all-blank-1.2": ("KPI_NPS", [[[""], [""]], None], "1.2"),
        "nps-text-score": ("KPI_NPS", [[["9"], [10]], None], "1.4"),
        "nps-offscale": ("KPI_NPS", [[[10], [11]], None], "1.4"),
        "nps-ignore": ("KPI_NPS", [[[10], [11], [11], [""], [6]], [["ignore"]]], "1.4"),
        "nps-ignore-upper": ("KPI_NPS", [[[10], [11], [11], [""], [6]], [["IGNORE"]]], "1.4"),
        "nps-option-blank-cell": ("KPI_NPS", [[[10], [11]], [[""]]], "1.4"),
        "nps-option-bad": ("KPI_NPS", [[[10]], [["sometimes"]]], "1.4"),
        "roi-scalars": ("KPI_ROI", [[[150000]], [[120000]]], "1.4"),
        "roi-summed-range": ("KPI_ROI", [[[100000], [50000], [""]], [[120000]]], "1.4"),
        "roi-blank-cost": ("KPI_ROI", [[[100]], [[""]]], "1.4"),
        "roi-zero-cost": ("KPI_ROI", [[[100]], [[0]]], "1.4"),
        "roi-error-cost": ("KPI_ROI", [[[100]], [[na]]], "1.4"),
        "cagr-range-in-scalar": ("KPI_CAGR", [[[100], [200]], [[161051]], [[5]]], "1.4"),
        "wilson-spills-row": ("KPI_WILSON_INTERVAL", [[[81]], [[263]], None], "1.4"),
        "rate-test-spills-row": ("KPI_RATE_CHANGE_TEST", [[[200]], [[10000]], [[250]], [[10000]], None], "1.4"),
        "status-column": ("KPI_STATUS", [[[95000], [85000], [100000], [""]], [[100000]], *status_rest], "1.4"),
        "status-row": ("KPI_STATUS", [[[95000, 85000, 100000]], [[100000]], *status_rest], "1.4"),
        "status-two-columns": ("KPI_STATUS", [[[95000], [12.5]], [[100000], [12]],
                                              [["higher_is_better"], ["lower_is_better"]],
                                              *_nulls("KPI_STATUS", 3)], "1.4"),
        "status-shape-mismatch": ("KPI_STATUS", [[[95000], [85000], [1]], [[100000], [1]], *status_rest], "1.4"),
        "status-error-in-one-cell": ("KPI_STATUS", [[[95000], [div0], [100000]], [[100000]], *status_rest], "1.4"),
        "status-code-column": ("KPI_STATUS_CODE", [[[95000], [85000], [100000], [""]], [[100000]],
                                                   *_nulls("KPI_STATUS_CODE", 2)], "1.4"),
        "status-code-column-1.2": ("KPI_STATUS_CODE", [[[95000], [""]], [[100000]],
                                                       *_nulls("KPI_STATUS_CODE", 2)], "1.2"),
        "business-hours-serials": ("KPI_BUSINESS_HOURS", [[[_serial_of("2024-03-01T17:30")]],
                                                          [[_serial_of("2024-03-04T09:30")]],
                                                          *_nulls("KPI_BUSINESS_HOURS", 2)], "1.4"),
        "business-hours-column": ("KPI_BUSINESS_HOURS", [[[_serial_of("2024-03-01T17:30")],
                                                          [_serial_of("2024-03-04T10:00")]],
                                                         [[_serial_of("2024-03-04T09:30")],
                                                          [_serial_of("2024-03-04T12:00")]],
                                                         *_nulls("KPI_BUSINESS_HOURS", 2)], "1.4"),
        "conversion-flag-true": ("KPI_CONVERSION_RATE", [[[7]], [[5]], [[True]]], "1.4"),
        "conversion-flag-one": ("KPI_CONVERSION_RATE", [[[7]], [[5]], [[1]]], "1.4"),
        "conversion-flag-text": ("KPI_CONVERSION_RATE", [[[7]], [[5]], [["TRUE"]]], "1.4"),
        "conversion-flag-false": ("KPI_CONVERSION_RATE", [[[7]], [[5]], [[False]]], "1.4"),
        "conversion-flag-omitted": ("KPI_CONVERSION_RATE", [[[7]], [[5]], None], "1.4"),
        "catalog": ("KPI_CATALOG", [None], "1.4"),
        "catalog-service": ("KPI_CATALOG", [[["service"]]], "1.4"),
        "catalog-unknown": ("KPI_CATALOG", [[["astrology"]]], "1.4"),
    }
    return {k: {"id": f"contract|{k}", "func": f, "args": a, "runtime": rt}
            for k, (f, a, rt) in calls.items()}


def com_contract_calls() -> dict[str, dict[str, Any]]:
    """Arguments as the generated VBA passes them: ranges, literals, missing Optionals."""
    missing = {"missing": True}
    rest = [missing] * (len(catalog.get("KPI_STATUS").params) - 2)
    calls: dict[str, tuple[str, list[Any]]] = {
        "nps-range": ("KPI_NPS", [{"range": [[v] for v in NPS_10]}, missing]),
        "nps-2d-range": ("KPI_NPS", [{"range": [[10, 9, 9], [8, 7, 6], [5, 10, 3], [9, None, None]]}, missing]),
        "nps-array-constant": ("KPI_NPS", [{"value": [NPS_10]}, missing]),
        "nps-error-cell": ("KPI_NPS", [{"range": [[10], [{"error": "#DIV/0!"}], [6]]}, missing]),
        "nps-ignore-literal": ("KPI_NPS", [{"range": [[10], [11], [11], [None], [6]]}, {"value": "ignore"}]),
        "nps-option-blank-cell": ("KPI_NPS", [{"range": [[10], [11]]}, {"range": [[None]]}]),
        "roi-literals": ("KPI_ROI", [{"value": 150000}, {"value": 120000}]),
        "roi-blank-cell": ("KPI_ROI", [{"value": 100}, {"range": [[None]]}]),
        "roi-zero": ("KPI_ROI", [{"value": 100}, {"value": 0}]),
        "wilson-row": ("KPI_WILSON_INTERVAL", [{"value": 81}, {"value": 263}, missing]),
        "status-column": ("KPI_STATUS", [{"range": [[95000], [85000], [100000], [None]]},
                                         {"value": 100000}, *rest]),
        "business-hours-dates": ("KPI_BUSINESS_HOURS", [
            {"range": [[{"date": "2024-03-01T17:30:00"}]]},
            {"range": [[{"date": "2024-03-04T09:30:00"}]]},
            *[missing] * (len(catalog.get("KPI_BUSINESS_HOURS").params) - 2)]),
        "catalog": ("KPI_CATALOG", [missing]),
    }
    return {k: {"id": f"contract|{k}", "func": f, "args": a} for k, (f, a) in calls.items()}
