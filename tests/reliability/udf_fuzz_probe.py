"""Fuzz ``kpi_xl.excel.udfs`` through one xlwings runtime, in a process of its own::

    python tests/reliability/udf_fuzz_probe.py officejs N SEED   # XLWINGS_ON_SERVER=true
    python tests/reliability/udf_fuzz_probe.py com N SEED

Hypothesis runs *inside* this process (one interpreter per runtime: xlwings picks its
decorators at import), N examples, each a call of a random KPI_* function with random
Excel-shaped arguments, made the way the runtime makes them:

``officejs``
    ``xlwings.server.custom_functions_call`` with the JSON payload xlwings' Office.js client
    sends (every argument a matrix, null for omitted arguments, error cells as error objects,
    dates as serial numbers); the result must serialize as strict JSON.
``com``
    ``XLPython.CallUDF`` -- what the VBA that xlwings generates calls -- with stand-ins for
    pywin32 and Excel ranges (``tests/excel/excel_probe.py``): ranges as Range objects,
    literals as values, omitted Optionals as ``DISP_E_PARAMNOTFOUND``, error cells as COM
    error codes, dates as ``pywintypes.TimeType``.

Prints one JSON object: ``{"examples", "functions", "failure"}`` (``failure`` is the shrunk
counterexample, or null).
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import sys
from pathlib import Path
from typing import Any
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "excel")]

from excel_probe import (  # noqa: E402
    DISP_E_PARAMNOTFOUND,
    FakeRange,
    install_pywin32_standins,
)
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from udf_strategies import (  # noqa: E402
    BY_NAME,
    NAMES,
    OFFICEJS_TYPES,
    any_call,
    bad_result,
    calls,
    officejs_arg,
)

MODULE = "kpi_xl.excel.udfs"
_TYPE_ERROR = {v: k for k, v in OFFICEJS_TYPES.items()}


def n_params(name: str) -> int:
    return 1 if name == "KPI_CATALOG" else len(BY_NAME[name].params)


def officejs_runner() -> Any:
    import importlib

    import xlwings
    from xlwings.server import custom_functions_call

    assert xlwings.on_server, "set XLWINGS_ON_SERVER=true for the Office.js runtime"
    module = importlib.import_module(MODULE)
    loop = asyncio.new_event_loop()

    def call(name: str, args: list[tuple[Any, ...]]) -> Any:
        payload = [officejs_arg(a) for a in args]
        payload += [None] * (n_params(name) - len(payload))  # the client sends every argument
        data = {"func_name": name, "args": payload, "version": xlwings.__version__,
                "client": "Office.js", "runtime": "1.4", "caller_address": "Sheet1!A1"}
        result = loop.run_until_complete(custom_functions_call(data, module))
        json.dumps(result, allow_nan=False)  # what goes back over the wire: strict JSON
        return _officejs_plain(result)

    return call


def _officejs_plain(result: Any) -> Any:
    if isinstance(result, list):
        return [_officejs_plain(c) for c in result]
    if isinstance(result, dict) and result.get("type") == "Error":
        return _TYPE_ERROR.get(result.get("errorType"), f"<unknown error object {result}>")
    return result


def com_runner() -> Any:
    import importlib

    mods = install_pywin32_standins()
    saved = ctypes.PyDLL
    ctypes.PyDLL = mock.MagicMock(name="PyDLL")  # type: ignore[misc]
    ctypes.windll = ctypes.oledll = mock.MagicMock(name="windll")  # type: ignore[attr-defined]
    try:
        import xlwings
        from xlwings import _xlwindows, com_server
        from xlwings import udfs as com_udfs
    finally:
        ctypes.PyDLL = saved  # type: ignore[misc]
    xlwings.engines.add(xlwings.main.Engine(impl=_xlwindows.engine))
    xlwings.engines.active = xlwings.engines["excel"]
    xlwings.func, xlwings.arg, xlwings.ret = com_udfs.xlfunc, com_udfs.xlarg, com_udfs.xlret
    xlwings.sub = com_udfs.xlsub
    importlib.import_module(MODULE)
    codes = {text: code for code, text in _xlwindows.cell_errors.items()}
    time_type = mods["pywintypes"].TimeType
    server = com_server.XLPython()

    def cell(c: Any) -> Any:
        if isinstance(c, tuple) and c[0] == "err":
            return codes.get(c[1], codes["#VALUE!"])
        if isinstance(c, tuple):
            d = c[1]
            return time_type(d.year, d.month, d.day, d.hour, d.minute, d.second)
        if isinstance(c, int) and not isinstance(c, bool):
            return float(c)  # COM hands Excel numbers over as doubles
        return c

    def arg(a: tuple[Any, ...]) -> Any:
        if a[0] == "missing":
            return DISP_E_PARAMNOTFOUND
        if a[0] == "scalar":
            return cell(a[1])  # a literal typed into the formula
        return FakeRange(tuple(tuple(cell(c) for c in row) for row in a[1]))

    def call(name: str, args: list[tuple[Any, ...]]) -> Any:
        values = [arg(a) for a in args]
        values += [DISP_E_PARAMNOTFOUND] * (n_params(name) - len(values))
        return server.CallUDF(MODULE, name, tuple(values), None, None)

    return call


def main(argv: list[str]) -> int:
    runtime, n, rng_seed = argv[1], int(argv[2]), int(argv[3])
    call = {"officejs": officejs_runner, "com": com_runner}[runtime]()
    seen: dict[str, int] = {}
    examples = [0]

    def check_call(c: tuple[str, list[tuple[Any, ...]]]) -> None:
        name, args = c
        examples[0] += 1
        seen[name] = seen.get(name, 0) + 1
        try:
            result = call(name, args)
        except Exception as exc:
            raise AssertionError(f"{name}{tuple(args)!r:.600} raised {exc!r:.300}") from None
        why = bad_result(result)
        assert why is None, f"{name}{tuple(args)!r:.600} -> {result!r:.300}: {why}"

    def fuzz(strategy: Any, n: int) -> None:
        settings(max_examples=n, deadline=None, database=None,
                 suppress_health_check=list(HealthCheck))(
            seed(rng_seed)(given(strategy)(check_call)))()

    failure = None
    try:
        fuzz(any_call, n)
        for name in sorted(set(NAMES) - set(seen)):  # every function, whatever the draw
            fuzz(calls(name), 5)
    except AssertionError as exc:
        failure = str(exc).splitlines()[0][:1500]
    json.dump({"runtime": runtime, "examples": examples[0], "functions": sorted(seen),
               "failure": failure}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
