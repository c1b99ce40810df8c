"""Per-call cost of the Excel functions through xlwings' Office.js entry point.

Times ``xlwings.server.custom_functions_call`` -- what xlwings Server and xlwings Lite run for
every formula -- for ``KPI_CONVERSION_RATE`` on two scalar cells and ``KPI_NPS`` on a
10,000-cell column, against the same call of a trivial xlwings function
(``def ECHO(x): return x``) with the same input -- and ``ECHO3(a, b, c)`` with exactly the
arguments ``KPI_CONVERSION_RATE`` gets -- in one run. Payloads are shaped as xlwings'
Office.js client sends them. Reported: the median per call over interleaved samples, the
ratio to ECHO, and where the time goes (our wrapper alone, the core alone).

Goals (issue 3): the wrapper adds <= 20% on scalars; the range call is dominated by the core.

Run from the repository root::

    python benchmarks/udfs.py [--quick]
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    # The Office.js runtime is xlwings PRO code, free for noncommercial use (PolyForm
    # Noncommercial), which this open-source benchmark is. Set for this process only, before
    # xlwings is imported; kpi-xl itself never sets a license key.
    os.environ.setdefault("XLWINGS_ON_SERVER", "true")
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import asyncio
import random
import statistics
import time
import types
from collections.abc import Callable
from typing import Any

SCALAR_KPI = "KPI_CONVERSION_RATE"
RANGE_KPI = "KPI_NPS"
RANGE_CELLS = 10_000


def _payload(func: str, args: list[Any], version: str) -> dict[str, Any]:
    return {"func_name": func, "args": args, "version": version, "client": "Office.js",
            "runtime": "1.4", "caller_address": "[demo.xlsx]Sheet1!A1"}


def _echo_module() -> types.ModuleType:
    module = types.ModuleType("bench_echo")
    exec("import xlwings as xw\n\n@xw.func\ndef ECHO(x):\n    return x\n\n\n"
         "@xw.func\ndef ECHO3(a, b, c):\n    return a\n", module.__dict__)
    return module


async def _median_per_call(cases: dict[str, Callable[[], Any]], rounds: int,
                           sample_seconds: float) -> dict[str, float]:
    """Median seconds per call. Each sample repeats a call for about ``sample_seconds``;
    the cases are sampled in turn (shuffled each round) so drift hits all of them alike."""

    async def once(call: Callable[[], Any]) -> None:
        result = call()
        if asyncio.iscoroutine(result):
            await result

    number = {}
    for name, call in cases.items():  # calibrate (this is also the warm-up)
        t0 = time.perf_counter()
        await once(call)
        number[name] = max(1, int(sample_seconds / max(time.perf_counter() - t0, 1e-7)))
    samples: dict[str, list[float]] = {name: [] for name in cases}
    names = list(cases)
    for _ in range(rounds):
        random.shuffle(names)
        for name in names:
            call, n = cases[name], number[name]
            t0 = time.perf_counter()
            for _ in range(n):
                await once(call)
            samples[name].append((time.perf_counter() - t0) / n)
    return {name: statistics.median(v) for name, v in samples.items()}


def _pretend_pyodide() -> None:
    """Make ``from pyodide.ffi import JsNull`` succeed, as it does in xlwings Lite.

    xlwings 0.37.8 attempts that import for every cell it reads (``xlwings.utils.is_jsnull``
    and ``udfs_officejs.js_to_none``); under CPython (xlwings Server) each failed attempt
    costs tens of microseconds. Benchmark only: kpi-xl never does this.
    """
    ffi = types.ModuleType("pyodide.ffi")
    ffi.JsNull = type("JsNull", (), {})  # type: ignore[attr-defined]
    pyodide = types.ModuleType("pyodide")
    pyodide.ffi = ffi  # type: ignore[attr-defined]
    sys.modules.update({"pyodide": pyodide, "pyodide.ffi": ffi})


def main(argv: list[str]) -> int:
    import xlwings

    if not xlwings.on_server:
        print("run with XLWINGS_ON_SERVER=true (set automatically when run as a script)")
        return 2
    from xlwings.server import custom_functions_call

    import kpi_xl.excel.udfs as udfs
    from kpi_xl import catalog

    quick = "--quick" in argv
    rounds = 5 if quick else 15
    sample = 0.02 if quick else 0.05
    version = xlwings.__version__
    echo = _echo_module()
    if SCALAR_KPI not in udfs.ADAPTERS:
        print(f"{SCALAR_KPI} is not in the catalog")
        return 2
    scalar_def, range_def = catalog.get(SCALAR_KPI), catalog.get(RANGE_KPI)

    rng = random.Random(3)
    scores = [rng.randint(0, 10) for _ in range(RANGE_CELLS)]
    column = [[s] for s in scores]
    scalar_args = [[[150]], [[6000]]] + [None] * (len(scalar_def.params) - 2)
    range_args = [column] + [None] * (len(range_def.params) - 1)

    def call(func: str, args: list[Any], module: types.ModuleType) -> Callable[[], Any]:
        data = _payload(func, args, version)
        return lambda: custom_functions_call(data, module)

    xlwings_calls = {
        "ECHO(x), 1 cell": call("ECHO", [[[150]]], echo),
        "ECHO3(a, b, c), same args": call("ECHO3", scalar_args, echo),
        f"{SCALAR_KPI}, 2 cells": call(SCALAR_KPI, scalar_args, udfs),
        "ECHO(x), 10,000 cells": call("ECHO", [column], echo),
        f"{RANGE_KPI}, 10,000 cells": call(RANGE_KPI, range_args, udfs),
    }
    import dataclasses

    import numpy as np

    from kpi_xl.excel.adapter import ExcelFunction

    def wrapper_only(d: Any) -> ExcelFunction:  # the Excel edge with the math replaced
        return ExcelFunction(dataclasses.replace(d, raw=lambda *a, **k: 0.0))

    scalar_edge, range_edge = wrapper_only(scalar_def), wrapper_only(range_def)
    score_array = np.array(scores, dtype=float)  # what the wrapper hands the core
    one_150, one_6000 = np.array([150.0]), np.array([6000.0])
    direct = {  # where the time goes, without xlwings
        "wrapper alone, 2 cells": lambda: scalar_edge([[150]], [[6000]], None),
        "core alone, 2 cells": lambda: scalar_def.raw(one_150, one_6000),
        "wrapper alone, 10,000 cells": lambda: range_edge(column, None),
        "core alone, 10,000 cells": lambda: range_def.raw(score_array),
    }

    async def check() -> None:
        assert await xlwings_calls[f"{SCALAR_KPI}, 2 cells"]() == [[0.025]]
        assert await xlwings_calls[f"{RANGE_KPI}, 10,000 cells"]() == [[range_def.raw(scores)]]

    asyncio.run(check())
    as_is = asyncio.run(_median_per_call({**xlwings_calls, **direct}, rounds, sample))
    _pretend_pyodide()
    lite = asyncio.run(_median_per_call(xlwings_calls, rounds, sample))

    print(f"xlwings {version}, Python {sys.version.split()[0]}: custom_functions_call "
          f"(Office.js runtime 1.4), median per call of {rounds} interleaved samples.")
    print("A: as installed (CPython, as xlwings Server runs it). B: the same with pyodide.ffi "
          "importable, as in xlwings Lite.\n")
    base = {"ECHO(x), 1 cell": "ECHO(x), 1 cell", "ECHO3(a, b, c), same args": "ECHO(x), 1 cell",
            f"{SCALAR_KPI}, 2 cells": "ECHO(x), 1 cell",
            "ECHO(x), 10,000 cells": "ECHO(x), 10,000 cells",
            f"{RANGE_KPI}, 10,000 cells": "ECHO(x), 10,000 cells"}
    table = [("call", "A: as is", "A vs ECHO", "B: Lite-like", "B vs ECHO")]
    for name in xlwings_calls:
        a, b = as_is[name], lite[name]
        table.append((name, _fmt(a), f"{a / as_is[base[name]]:.2f}x", _fmt(b),
                      f"{b / lite[base[name]]:.2f}x"))
    for name in direct:
        table.append(("  " + name, _fmt(as_is[name]), "", "", ""))
    widths = [max(len(r[i]) for r in table) for i in range(5)]
    for i, row in enumerate(table):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        print("| " + " | ".join(cells) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) if j == 0 else "-" * (w + 1) + ":"
                                 for j, w in enumerate(widths)) + "|")

    w_s, c_s = as_is["wrapper alone, 2 cells"], as_is["core alone, 2 cells"]
    w_r, c_r = as_is["wrapper alone, 10,000 cells"], as_is["core alone, 10,000 cells"]
    print()
    for label, t in (("A", as_is), ("B", lite)):
        s, e3 = t[f"{SCALAR_KPI}, 2 cells"], t["ECHO3(a, b, c), same args"]
        r = t[f"{RANGE_KPI}, 10,000 cells"]
        print(f"{label}: {SCALAR_KPI} is {s / e3 - 1:+.0%} over ECHO3 with the same arguments; "
              f"the kpi-xl wrapper is {w_s / s:.1%} of the call, the core {c_s / s:.1%}.")
        print(f"{label}: {RANGE_KPI} on 10,000 cells: core {c_r / r:.1%}, kpi-xl wrapper "
              f"{w_r / r:.1%}, xlwings (reading the range) the remaining "
              f"{(r - c_r - w_r) / r:.0%}.")
    return 0


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} µs" if seconds < 1e-3 else f"{seconds * 1e3:,.2f} ms"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
