"""Item 3 of issue 6: every KPI_* function, fuzzed with Excel-shaped arguments.

* In process, through the adapter entry point both runtimes call (``udfs.KPI_*``, i.e.
  :class:`~kpi_xl.excel.adapter.ExcelFunction`): at least ``KPI_FUZZ_EXAMPLES`` (10,500 by
  default) examples per run, spread over all 81 functions.
* Through the real runtime machinery, in a process of its own each: xlwings'
  ``custom_functions_call`` (Office.js contract) and ``XLPython.CallUDF`` with pywin32
  stand-ins (COM contract), ``KPI_FUZZ_RUNTIME_EXAMPLES`` examples each (1,000 by default),
  all in one subprocess per runtime (``udf_fuzz_probe.py``).

The contract: never raises, never NaN/inf or a traceback; always a number, a label, one of
the spec's Excel error values, or a rectangular 2-D array of those.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from udf_strategies import NAMES, adapter_arg, bad_result, calls

import kpi_xl.excel.udfs as udfs

HERE = Path(__file__).resolve().parent
TOTAL = int(os.environ.get("KPI_FUZZ_EXAMPLES", "10500"))
PER_FUNCTION = math.ceil(TOTAL / len(NAMES))
RUNTIME_EXAMPLES = int(os.environ.get("KPI_FUZZ_RUNTIME_EXAMPLES", "1000"))
FUZZ = settings(max_examples=PER_FUNCTION, deadline=None, derandomize=False,
                suppress_health_check=list(HealthCheck))

#: Exceptions the adapter's last-resort handler turned into #VALUE! (logged, not raised).
CAUGHT: Counter[tuple[str, str]] = Counter()


class _Catch(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            CAUGHT[(record.getMessage(), f"{type(exc).__name__}: {str(exc)[:120]}")] += 1


_handler = _Catch()
logging.getLogger("kpi_xl.excel").addHandler(_handler)


def test_the_contract_check_catches_bad_results() -> None:
    for bad in (math.nan, math.inf, -math.inf, None, "#SPILL!", "#CALC!",
                "Traceback (most recent call last):", "ValueError('x')", [], [[1.0], [1.0, 2.0]],
                [[[1.0]]], [[math.nan]], object(), "", "two\nlines"):
        assert bad_result(bad) is not None, bad
    for good in (0.0, -0.0, 1, True, "#N/A", "#DIV/0!", "on_track", [[1.0, "#N/A"]],
                 [[0.1], [0.2]], [1.0, 2.0]):
        assert bad_result(good) is None, good


def test_every_function_is_fuzzed() -> None:
    assert set(NAMES) == set(udfs.__all__)
    assert PER_FUNCTION * len(NAMES) >= TOTAL >= (10_000 if os.environ.get("CI") else 0)


@pytest.mark.parametrize("name", NAMES)
def test_udf_never_breaks_the_cell_contract(name: str) -> None:
    udf = getattr(udfs, name)
    seen = {"n": 0}
    CAUGHT.clear()

    @FUZZ
    @given(call=calls(name))
    def run(call: tuple[str, list[tuple]]) -> None:
        _, args = call
        seen["n"] += 1
        result = udf(*[adapter_arg(a) for a in args])  # must not raise
        why = bad_result(result)
        assert why is None, f"{name}{tuple(args)!r:.400} -> {result!r:.200}: {why}"
        json.dumps(result, allow_nan=False, default=str)  # what a runtime serializes

    run()
    assert seen["n"] >= min(PER_FUNCTION, 20)
    # the adapter's last resort (log the bug, show #VALUE!) must never have been needed
    assert not CAUGHT, f"{name}: unexpected exceptions turned into #VALUE!: {dict(CAUGHT)}"


def _probe(runtime: str, n: int, seed: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XLWINGS_")}
    if runtime == "officejs":
        # xlwings' Office.js code is free for noncommercial use, which an open-source test
        # suite is: set for this child process only (as tests/excel does).
        env.update(XLWINGS_ON_SERVER="true", XLWINGS_LICENSE_KEY="noncommercial")
    proc = subprocess.run([sys.executable, str(HERE / "udf_fuzz_probe.py"), runtime, str(n),
                           str(seed)], capture_output=True, text=True, env=env, timeout=600,
                          check=False)
    assert proc.returncode == 0, f"the {runtime} fuzz probe crashed:\n{proc.stderr[-4000:]}"
    return json.loads(proc.stdout)


@pytest.mark.parametrize("runtime", ["officejs", "com"])
def test_udfs_through_the_runtime_machinery(runtime: str) -> None:
    seed = random.randrange(2**32)
    report = _probe(runtime, RUNTIME_EXAMPLES, seed)
    assert report["failure"] is None, (
        f"{runtime} (seed {seed}): {report['failure']}")
    assert report["examples"] >= RUNTIME_EXAMPLES * 0.9, report
    assert set(report["functions"]) == set(NAMES), "every function reached through the runtime"
