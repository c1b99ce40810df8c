"""Run kpi_xl.excel.udfs inside one xlwings runtime, in a process of its own.

xlwings picks its decorators when it is imported, so each runtime contract needs a fresh
interpreter::

    python tests/excel/excel_probe.py officejs < request.json > response.json
    python tests/excel/excel_probe.py com      < request.json > response.json

``officejs``
    Needs ``XLWINGS_ON_SERVER=true`` and ``XLWINGS_LICENSE_KEY=noncommercial`` in the
    environment (the tests set them for this process only). Reports
    ``xlwings.server.custom_functions_meta(module)`` and drives
    ``xlwings.server.custom_functions_call`` with the request's payloads, shaped exactly as
    xlwings' Office.js client sends them.

``com``
    Loads xlwings' COM UDF machinery (``xlwings.udfs``, ``xlwings._xlwindows``,
    ``xlwings.com_server``) on any OS with small stand-ins for the Windows-only pywin32
    modules, rebinds ``xw.func``/``xw.arg``/``xw.ret`` to the COM decorators, imports the
    module, reports every function's ``__xlfunc__`` and the VBA that
    ``xlwings.udfs.generate_vba_wrapper`` writes for it, and calls the functions through
    ``XLPython.CallUDF`` -- the method the generated VBA calls -- with stand-ins for Excel
    ranges.

The request (JSON on stdin): ``{"calls": [{"id", "func", "args", "runtime"}]}``. Office.js
args are the client's JSON. COM args are tagged: ``{"range": rows}`` (cells of a range,
``{"error": "#N/A"}`` for an error cell, ``{"date": iso}`` for a date), ``{"value": x}``
(a literal) or ``{"missing": true}`` (an omitted argument).
"""

from __future__ import annotations

import asyncio
import ctypes
import datetime as dt
import io
import json
import sys
import types
from typing import Any
from unittest import mock

MODULE = "kpi_xl.excel.udfs"


def main(argv: list[str]) -> int:
    runtime = argv[1]
    request = json.load(sys.stdin)
    response = {"officejs": officejs, "com": com}[runtime](request)
    json.dump(response, sys.stdout, default=_json_default)
    return 0


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (dt.date, dt.datetime)):
        return {"date": obj.isoformat()}
    if isinstance(obj, tuple):
        return list(obj)
    return repr(obj)


# --- Office.js (xlwings Server / xlwings Lite) ---------------------------------------------

def officejs(request: dict[str, Any]) -> dict[str, Any]:
    import importlib

    import xlwings
    from xlwings.server import custom_functions_call, custom_functions_meta

    assert xlwings.on_server, "set XLWINGS_ON_SERVER=true for the Office.js runtime"
    module = importlib.import_module(MODULE)
    # xlwings Lite registers the functions of main.py: a star import must be enough.
    lite_main = types.ModuleType("main")
    exec(f"from {MODULE} import *", lite_main.__dict__)

    async def run_all() -> dict[str, Any]:
        out = {}
        for call in request.get("calls", []):
            data = {"func_name": call["func"], "args": call["args"],
                    "version": xlwings.__version__, "client": "Office.js",
                    "runtime": call.get("runtime", "1.4"), "caller_address": "Sheet1!A1"}
            try:
                out[call["id"]] = {"result": await custom_functions_call(data, module)}
            except Exception as exc:  # reported, never hidden
                out[call["id"]] = {"exception": repr(exc)}
        return out

    return {
        "xlwings": xlwings.__version__,
        "meta": custom_functions_meta(module),
        "lite_main_functions": [f["name"] for f in custom_functions_meta(lite_main)["functions"]],
        "results": asyncio.run(run_all()),
    }


# --- COM (desktop Excel on Windows) ----------------------------------------------------------

RANGE_IID = "{00020846-0000-0000-C000-000000000046}"
DISP_E_PARAMNOTFOUND = -2147352572


class _Permissive(types.ModuleType):
    """A stand-in module: names not defined explicitly are inert mocks."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = mock.MagicMock(name=f"{self.__name__}.{name}")
        setattr(self, name, value)
        return value


def install_pywin32_standins() -> dict[str, types.ModuleType]:
    """Register small stand-ins for pywin32's modules (absent outside Windows)."""
    names = ["pythoncom", "pywintypes", "win32api", "win32con", "win32event", "win32gui",
             "win32process", "win32timezone", "win32com", "win32com.client",
             "win32com.client.gencache", "win32com.client.dynamic", "win32com.server",
             "win32com.server.util", "win32com.server.dispatcher", "win32com.server.policy"]
    mods = {n: _Permissive(n) for n in names}
    mods["pythoncom"].__file__ = "pythoncom.pyd"
    mods["pythoncom"].CoInitialize = lambda: None

    class TimeType(dt.datetime):
        """pywintypes' COM date (a datetime subclass in pywin32)."""

    mods["pywintypes"].TimeType = TimeType
    mods["pywintypes"].Time = TimeType
    mods["pywintypes"].com_error = type("com_error", (Exception,), {})
    mods["pywintypes"].IID = lambda text: str(text).upper()

    def unwrap(obj: Any) -> Any:  # pywin32 raises for objects it did not wrap
        raise ValueError("not a wrapped Python COM object")

    mods["win32com.server.util"].unwrap = unwrap
    mods["win32com.server.util"].wrap = lambda obj, *a, **k: obj
    for parent, child in (("win32com", "client"), ("win32com", "server"),
                          ("win32com.server", "util"), ("win32com.server", "dispatcher"),
                          ("win32com.server", "policy"), ("win32com.client", "gencache"),
                          ("win32com.client", "dynamic")):
        setattr(mods[parent], child, mods[f"{parent}.{child}"])
    sys.modules.update(mods)
    return mods


class FakeRange:
    """Stands in for the pywin32 dispatch of an Excel Range passed to a UDF."""

    def __init__(self, rows: tuple[tuple[Any, ...], ...]) -> None:
        self._rows = rows
        self.Row = self.Column = 1
        self.Rows = types.SimpleNamespace(Count=len(rows))
        self.Columns = types.SimpleNamespace(Count=len(rows[0]) if rows else 0)
        self.Count = self.Rows.Count * self.Columns.Count
        self.Worksheet = mock.MagicMock(name="Worksheet")
        attr = types.SimpleNamespace(iid=RANGE_IID)
        info = types.SimpleNamespace(GetTypeAttr=lambda: attr)
        self._oleobj_ = types.SimpleNamespace(GetTypeInfo=lambda: info)

    @property
    def Value(self) -> Any:  # pywin32: a scalar for one cell, else a tuple of row tuples
        if len(self._rows) == 1 and len(self._rows[0]) == 1:
            return self._rows[0][0]
        return self._rows


def _com_cell(value: Any, cell_errors: dict[str, int], time_type: type) -> Any:
    if isinstance(value, dict) and "error" in value:
        return cell_errors[value["error"]]
    if isinstance(value, dict) and "date" in value:
        d = dt.datetime.fromisoformat(value["date"])
        return time_type(d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)  # COM hands Excel numbers over as doubles
    return value


def com(request: dict[str, Any]) -> dict[str, Any]:
    import importlib

    mods = install_pywin32_standins()
    saved = ctypes.PyDLL, getattr(ctypes, "windll", None), getattr(ctypes, "oledll", None)
    ctypes.PyDLL = mock.MagicMock(name="PyDLL")  # type: ignore[misc]
    ctypes.windll = ctypes.oledll = mock.MagicMock(name="windll")  # type: ignore[attr-defined]
    try:
        import xlwings
        from xlwings import _xlwindows, com_server
        from xlwings import udfs as com_udfs
    finally:
        ctypes.PyDLL = saved[0]  # type: ignore[misc]
    xlwings.engines.add(xlwings.main.Engine(impl=_xlwindows.engine))
    xlwings.engines.active = xlwings.engines["excel"]
    # What xlwings/__init__.py does on Windows with pywin32 installed:
    xlwings.func, xlwings.arg, xlwings.ret = com_udfs.xlfunc, com_udfs.xlarg, com_udfs.xlret
    xlwings.sub = com_udfs.xlsub
    module = importlib.import_module(MODULE)

    functions = {}
    for name in dir(module):
        obj = getattr(module, name)
        if hasattr(obj, "__xlfunc__"):
            functions[name] = obj.__xlfunc__
    vba = io.StringIO()
    workbook = types.SimpleNamespace(Name="kpi.xlsm")
    com_udfs.generate_vba_wrapper(MODULE, module, vba, workbook)

    errors = {text: code for code, text in _xlwindows.cell_errors.items()}
    time_type = mods["pywintypes"].TimeType
    server = com_server.XLPython()
    results = {}
    for call in request.get("calls", []):
        args = []
        for arg in call["args"]:
            if arg.get("missing"):
                args.append(DISP_E_PARAMNOTFOUND)
            elif "range" in arg:
                args.append(FakeRange(tuple(tuple(_com_cell(v, errors, time_type) for v in row)
                                            for row in arg["range"])))
            else:
                value = arg["value"]
                if isinstance(value, list):  # an array constant such as {1,2,3}
                    value = tuple(tuple(_com_cell(v, errors, time_type) for v in row)
                                  for row in value)
                else:
                    value = _com_cell(value, errors, time_type)
                args.append(value)
        try:
            results[call["id"]] = {
                "result": server.CallUDF(MODULE, call["func"], tuple(args), None, None)}
        except Exception as exc:
            results[call["id"]] = {"exception": repr(exc)}
    return {
        "xlwings": xlwings.__version__,
        "xlfunc": {name: _plain(info) for name, info in functions.items()},
        "vba": vba.getvalue(),
        "results": results,
    }


def _plain(value: Any) -> Any:
    """``__xlfunc__`` as JSON (tuples as lists, anything else by repr)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "argmap"}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
