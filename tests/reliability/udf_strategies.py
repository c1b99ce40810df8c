"""Hypothesis strategies for Excel-shaped UDF arguments, and the check every result must pass.

Shared by the in-process fuzz (``test_udf_fuzz.py``) and the runtime probe
(``udf_fuzz_probe.py``, run inside xlwings' Office.js and COM machinery). No xlwings import.

An argument is drawn *abstractly* -- ``("missing",)``, ``("grid", rows)`` or ``("scalar",
cell)`` -- with cells that may be ``("err", "#N/A")`` or ``("date", datetime)`` markers; each
runtime turns that into what it really hands a UDF (:func:`adapter_arg`, :func:`officejs_arg`,
:func:`com_arg`).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections.abc import Iterable
from typing import Any

from hypothesis import strategies as st

from kpi_xl import catalog
from kpi_xl.excel.adapter import ERROR_VALUES, ExcelFunction, excel_functions

#: Error values a cell can hold (the spec's seven plus newer ones Excel passes as text).
CELL_ERRORS = [*sorted(ERROR_VALUES), "#SPILL!", "#CALC!", "#FIELD!", "#BUSY!", "#GETTING_DATA"]
#: Office.js error types (runtime 1.4 error objects).
OFFICEJS_TYPES = {"#DIV/0!": "Div0", "#N/A": "NotAvailable", "#NAME?": "Name", "#NULL!": "Null",
                  "#NUM!": "Num", "#REF!": "Ref", "#VALUE!": "Value"}
_EPOCH = dt.datetime(1899, 12, 30)

FUNCTIONS: tuple[ExcelFunction, ...] = excel_functions()
NAMES: list[str] = [f.name for f in FUNCTIONS] + ["KPI_CATALOG"]
BY_NAME = {f.name: f for f in FUNCTIONS}


def _texts() -> list[str]:
    """Text worth trying: every option's choices, texts of the worked examples, oddities."""
    out = {"", " ", "TRUE", "FALSE", "true", "0", "1", "-1", "1e309", "nan", "inf", "NaN",
           "=1+1", "+1", "@A1", "\t", "\r\n", "#", "#N/A ", "é", "👍", "x" * 300,
           "09:00", "17:30", "Sat,Sun", "sat", "2024-02-30", "2024-03-01", "25:99", "service"}
    for d in catalog.all_entries():
        for p in d.params:
            out.update(c for c in p.choices if isinstance(c, str))
            out.update(c.upper() for c in p.choices if isinstance(c, str))
        for ex in d.examples:
            for v in list(ex.args) + list(ex.kwargs.values()):
                vals = v if isinstance(v, (list, tuple)) else [v]
                out.update(x for x in vals if isinstance(x, str))
    return sorted(out)


TEXTS = _texts()

SPECIAL_NUMBERS = [
    0, 1, -1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 100, 2**31, -(2**31), 2**53 + 1, 2**63, -(2**63),
    10**20, 0.0, -0.0, 1.0, -1.0, 0.5, 0.25, 0.999999, 1.000001, 1e-300, -1e-300, 5e-324,
    2.2250738585072014e-308, 1e15, 1e16, 1e300, -1e300, 1.7976931348623157e308,
    -1.7976931348623157e308, math.nan, math.inf, -math.inf, 0.1 + 0.2, 99.99999999999999,
    100.0, 7.0, 10.0, 11.0, 45000.5, 45352.75, 60.0, 365.0]
ERROR_CELLS = [("err", e) for e in CELL_ERRORS]
_CHARS = " =+-@\t\r\n\x00\x1f#%!\"'<>&;,.:0123456789eEaAzZéß€👍\u202e\ufffd"
_D0 = dt.datetime(1900, 1, 1)
_SPAN = (dt.datetime(9999, 12, 31) - _D0).total_seconds()


def number_cell(rng: random.Random) -> Any:
    r = rng.random()
    if r < 0.35:
        return rng.choice(SPECIAL_NUMBERS)
    if r < 0.6:
        return rng.randint(-3, 12)
    if r < 0.85:
        return rng.uniform(-1e6, 1e6) if rng.random() < 0.3 else rng.uniform(0, 1000)
    if r < 0.95:
        return float(rng.choice([-1, 1]) * 10 ** rng.uniform(-320, 308.2))
    return rng.randint(-(2**64), 2**64)


def any_cell(rng: random.Random) -> Any:
    r = rng.random()
    if r < 0.40:
        return number_cell(rng)
    if r < 0.50:
        return rng.choice([None, ""])
    if r < 0.55:
        return rng.random() < 0.5
    if r < 0.70:
        return rng.choice(TEXTS)
    if r < 0.75:
        return "".join(rng.choice(_CHARS) for _ in range(rng.randint(0, 8)))
    if r < 0.88:
        return rng.choice(ERROR_CELLS)
    seconds = rng.uniform(0, _SPAN) if rng.random() < 0.3 else rng.uniform(3.8e9, 4.0e9)
    return ("date", (_D0 + dt.timedelta(seconds=round(seconds))))


def grid_from(seed: int, rows: int, cols: int, numeric: bool, odd: int) -> list[list[Any]]:
    """A rectangular block of cells made from a seed (cheap: hypothesis draws only the seed)."""
    rng = random.Random(seed)
    make = number_cell if numeric else any_cell
    grid = [[make(rng) for _ in range(cols)] for _ in range(rows)]
    for _ in range(odd):  # a few odd cells in an otherwise clean column of numbers
        grid[rng.randrange(rows)][rng.randrange(cols)] = any_cell(rng)
    return grid


def real_cell(kind: str, rng: random.Random, choices: tuple[Any, ...]) -> Any:
    """A plausible value for a parameter of ``kind`` (edge values included)."""
    r = rng.random()
    if kind in ("count", "integer"):
        return rng.randint(0, 1000) if r < 0.9 else rng.choice(SPECIAL_NUMBERS)
    if kind == "ratio":
        return rng.random() if r < 0.8 else rng.choice([0, 1, 0.0, -0.0, 1.0, 1.5, -0.5, 1e-300])
    if kind == "scores":
        return rng.randint(0, 10) if r < 0.9 else rng.choice(SPECIAL_NUMBERS)
    if kind in ("dates", "date", "list"):
        if r < 0.5:
            return ("date", _D0 + dt.timedelta(seconds=round(rng.uniform(3.8e9, 3.9e9))))
        return rng.uniform(43000, 47000) if r < 0.9 else rng.choice(SPECIAL_NUMBERS)
    if kind == "text":
        if choices and r < 0.8:
            c = str(rng.choice(choices))
            return c.upper() if rng.random() < 0.2 else c
        return rng.choice(TEXTS)
    if kind == "flag":
        return rng.choice([True, False, 0, 1, "TRUE", "false"])
    # amount, number, range, durations
    return rng.uniform(0, 1e5) if r < 0.85 else number_cell(rng)


def argument_from(kind: str, seed: int, param: Any = None) -> tuple[Any, ...]:
    """An abstract argument from two draws (few draws keep 10,000 examples fast)."""
    if kind == "missing":
        return ("missing",)
    rng = random.Random(seed)
    if kind == "real" and param is not None:
        p = param.param
        n = rng.randint(1, 12) if param.is_data else 1
        col = [[real_cell(p.kind, rng, p.choices)] for _ in range(n)]
        for _ in range(rng.choice([0, 0, 0, 0, 0, 1, 2])):  # a few odd cells
            col[rng.randrange(n)][0] = any_cell(rng)
        return ("grid", col) if param.is_data or rng.random() < 0.7 else ("scalar", col[0][0])
    if kind == "scalar":
        return ("scalar", any_cell(rng))
    n = rng.randint(1, 6)
    rows, cols = {"cell": (1, 1), "col": (n, 1), "row": (1, n),
                  "block": (n, rng.randint(1, 4))}.get(kind, (n, 1))
    numeric = rng.random() < 0.5
    return ("grid", grid_from(rng.randrange(2**32), rows, cols, numeric,
                              rng.randint(0, 2) if numeric else 0))


#: Argument kinds: mostly "real" (a plausible value for the parameter, some odd cells).
_KIND = st.sampled_from(["real"] * 16 + ["col", "cell", "row", "block", "scalar", "missing"])
_SEED = st.integers(0, 2**32 - 1)
_CALLS: dict[str, Any] = {}


def _example_cell(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return ("date", v.replace(tzinfo=None))
    if isinstance(v, dt.date):
        return ("date", dt.datetime(v.year, v.month, v.day))
    return v


def _example_args(name: str) -> list[list[tuple[Any, ...]]]:
    """The catalog's worked examples of ``name`` as abstract Excel arguments."""
    if name == "KPI_CATALOG":
        return [[("missing",)], [("scalar", "service")]]
    d = BY_NAME[name].definition
    out = []
    for ex in d.examples:
        args: list[tuple[Any, ...]] = []
        for i, p in enumerate(d.params):
            v = ex.args[i] if i < len(ex.args) else ex.kwargs.get(p.name)
            if v is None:
                args.append(("missing",))
            elif isinstance(v, (list, tuple)):
                cells = [_example_cell(c) for c in v] or [None]
                args.append(("grid", [[c] for c in cells]))
            else:
                args.append(("scalar", _example_cell(v)))
        out.append(args)
    return out


def mutate(args: list[tuple[Any, ...]], seed: int) -> list[tuple[Any, ...]]:
    """A worked example with a few cells changed (edge numbers, odd values, scaled data)."""
    rng = random.Random(seed)
    args = [(a[0], [list(r) for r in a[1]]) if a[0] == "grid" else a for a in args]
    for _ in range(rng.choice([0, 0, 1, 1, 1, 2])):
        i = rng.randrange(len(args))
        a = args[i]
        how = rng.random()
        if a[0] == "grid":
            grid = a[1]
            r, c = rng.randrange(len(grid)), rng.randrange(len(grid[0]))
            if how < 0.4:
                factor = rng.choice([1e300, 1e-300, -1.0, 1e15, 0.0, -0.0, 2.0, 0.5, 1.0000001])
                grid[r][c] = (grid[r][c] * factor if isinstance(grid[r][c], (int, float))
                              and not isinstance(grid[r][c], bool) else grid[r][c])
            elif how < 0.5:
                grid.append(list(rng.choice(grid)))  # one more row: a longer range
            else:
                grid[r][c] = number_cell(rng) if how < 0.7 else any_cell(rng)
        elif a[0] == "scalar":
            args[i] = ("scalar", number_cell(rng) if how < 0.6 else any_cell(rng))
        else:
            args[i] = ("scalar", any_cell(rng))
    return args


def calls(name: str) -> Any:
    """``(name, abstract arguments)`` for one function: half from a worked example with a few
    cells changed, half made up (plausible values per parameter kind, or anything at all);
    trailing arguments may be left out."""
    if name not in _CALLS:
        params = [None] if name == "KPI_CATALOG" else list(BY_NAME[name].params)
        n = len(params)
        examples = _example_args(name)

        def build(draws: list[tuple[str, int]]) -> tuple[str, list[tuple[Any, ...]]]:
            return name, [argument_from(k, s, params[i]) for i, (k, s) in enumerate(draws)]

        pair = st.tuples(_KIND, _SEED)
        made_up = st.one_of(st.lists(pair, min_size=n, max_size=n),
                            st.lists(pair, min_size=max(n - 1, 0),
                                     max_size=max(n - 1, 0))).map(build)
        if examples:
            mutated = st.builds(lambda i, seed: (name, mutate(examples[i], seed)),
                                st.integers(0, len(examples) - 1), _SEED)
            _CALLS[name] = st.one_of(mutated, made_up)
        else:
            _CALLS[name] = made_up
    return _CALLS[name]


any_call = st.sampled_from(NAMES).flatmap(calls)


# --- turning abstract arguments into what each runtime hands the UDF -----------------------

def serial(value: dt.datetime) -> float:
    return (value - _EPOCH) / dt.timedelta(days=1)


def adapter_cell(c: Any) -> Any:
    """A cell as xlwings hands it to the UDF after conversion (``err_to_str=True``)."""
    if isinstance(c, tuple):
        return c[1]  # error text, or a datetime (COM dates arrive as datetimes)
    return c


def adapter_arg(arg: tuple[Any, ...]) -> Any:
    if arg[0] == "missing":
        return None
    if arg[0] == "scalar":
        return adapter_cell(arg[1])
    return [[adapter_cell(c) for c in row] for row in arg[1]]


def officejs_cell(c: Any) -> Any:
    """A cell as the Office.js client sends it in JSON (runtime 1.4)."""
    if isinstance(c, tuple) and c[0] == "err":
        return {"type": "Error", "basicValue": c[1],
                "errorType": OFFICEJS_TYPES.get(c[1], "Value")}
    if isinstance(c, tuple):
        return serial(c[1])  # Office.js passes dates as serial numbers
    if isinstance(c, int) and not isinstance(c, bool) and abs(c) >= 2**53:
        return float(c)  # JavaScript numbers are doubles
    return c


def officejs_arg(arg: tuple[Any, ...]) -> Any:
    if arg[0] == "missing":
        return None  # an omitted argument is null
    if arg[0] == "scalar":
        return [[officejs_cell(arg[1])]]  # every argument is a matrix
    return [[officejs_cell(c) for c in row] for row in arg[1]]


# --- the contract ------------------------------------------------------------------------

_ERROR_LIKE = re.compile(r"#[A-Z0-9/_]+[!?]?$|#N/A$")


def _is_label(s: str) -> bool:
    """A text result that is a label, not a leaked error, message or traceback."""
    return (0 < len(s) <= 2000 and not _ERROR_LIKE.match(s) and "Traceback" not in s
            and "Error(" not in s and "\n" not in s)


def bad_cell(value: Any) -> str | None:
    """Why ``value`` may not be shown in a cell (None when it may)."""
    if value is None:
        return "None (an empty cell) returned"
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"non-finite number {value!r}"
    if isinstance(value, str):
        if value in ERROR_VALUES:
            return None
        return None if _is_label(value) else f"text that is not a label: {value[:80]!r}"
    if isinstance(value, (dt.datetime, dt.date)):
        return None
    return f"a {type(value).__name__} in a cell: {value!r:.80}"


def bad_result(result: Any) -> str | None:
    """Why ``result`` breaks the contract: a number, label, error value, or a 2-D array of them."""
    if isinstance(result, list):
        if not result:
            return "an empty array"
        rows = result if all(isinstance(r, list) for r in result) else [result]
        width = {len(r) for r in rows}
        if len(width) != 1 or 0 in width:
            return f"a ragged or empty array (row widths {sorted(width)})"
        for row in rows:
            for c in row:
                if isinstance(c, list):
                    return "an array nested deeper than 2-D"
                why = bad_cell(c)
                if why:
                    return why
        return None
    return bad_cell(result)


def iter_cells(result: Any) -> Iterable[Any]:
    if isinstance(result, list):
        for r in result:
            yield from (r if isinstance(r, list) else [r])
    else:
        yield result
