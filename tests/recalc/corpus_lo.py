"""A generated corpus of random formulas over random data, for differential tests against
LibreOffice (issue 5 item 8b).

``build()`` makes, deterministically from a seed:

* sheet ``Data``: 40 rows of random data with blanks, zeros, negatives, text, numeric text,
  booleans, dates and error cells (errors are formulas: ``=1/0``, ``=NA()``...), plus sorted
  columns for approximate lookups;
* sheet ``F``: one random formula per row, every supported function several times;
* sheet ``V``: random formulas with *relative* references copied down 40 rows, so the
  evaluator runs them as vectorised groups.

The same corpus is written to xlsx with openpyxl (for LibreOffice) and built directly as a
:class:`~kpi_xl.recalc.model.WorkbookModel` (for the evaluator).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kpi_xl.recalc.model import DefinedName, FormulaCell, SheetModel, TableModel, WorkbookModel
from kpi_xl.recalc.refs import a1

ROWS = 40
#: Functions newer than Excel 2007: stored with the ``_xlfn.`` prefix in files.
XLFN = {"CONCAT", "TEXTJOIN", "IFS", "SWITCH", "MAXIFS", "MINIFS", "IFNA", "XOR", "STDEV.S",
        "STDEV.P", "VAR.S", "VAR.P", "PERCENTILE.INC", "PERCENTILE.EXC", "QUARTILE.INC",
        "QUARTILE.EXC", "RANK.EQ", "RANK.AVG", "CEILING.MATH", "FLOOR.MATH", "DAYS",
        "ISOWEEKNUM", "RRI", "XLOOKUP", "XMATCH"}
#: Functions LibreOffice 7.4 does not know (checked by unit tests against Excel's docs).
NOT_IN_LO = {"XLOOKUP", "XMATCH", "SINGLE"}

WORDS = ["apple", "Banana", "cherry", "date", "Apple", "pear", "peach", "kiwi", "fig",
         "x", "melon", "Berry"]
LABELS = ["east", "West", "north", "South", "East"]


@dataclass
class Corpus:
    data: dict[str, list[list[Any]]]  # sheet -> rows of values ("=..." is a formula)
    cells: list[tuple[str, int, int, str]] = field(default_factory=list)  # compared cells
    used: set[str] = field(default_factory=set)  # functions used
    names: dict[str, str] = field(default_factory=dict)  # defined names (workbook scope)
    tables: list[TableModel] = field(default_factory=list)

    def formulas(self) -> list[tuple[str, int, int, str]]:
        out = []
        for sheet, rows in self.data.items():
            for r, row in enumerate(rows):
                for c, v in enumerate(row):
                    if isinstance(v, str) and v.startswith("="):
                        out.append((sheet, r, c, v[1:]))
        return out


# --- data -------------------------------------------------------------------------------------

def _data(rng: random.Random) -> list[list[Any]]:
    rows: list[list[Any]] = [[None] * 12 for _ in range(ROWS)]
    nums = [0, 1, 2, 3, 5, 7, 10, -1, -4, 2.5, 0.1, 0.2, 1.25, -3.75, 100, 42, 12.5, 0.5, 8, 9]
    sorted_g = sorted(rng.sample(range(1, 400), ROWS))
    keys = sorted({f"{a}{b}" for a in "abcdefgh" for b in "aeiou"})
    keys = sorted(rng.sample(keys, ROWS), key=str.casefold)
    for r in range(ROWS):
        p = rng.random()
        rows[r][0] = (None if p < 0.1 else rng.choice(["3", "abc", "7.5"]) if p < 0.16
                      else rng.choice([True, False]) if p < 0.2 else float(rng.choice(nums)))
        p = rng.random()
        rows[r][1] = None if p < 0.1 else (0.0 if p < 0.2 else float(rng.choice(nums)))
        p = rng.random()
        rows[r][2] = (None if p < 0.1 else float(rng.choice(nums)) if p < 0.2
                      else rng.choice(["3", "10"]) if p < 0.25 else rng.choice(WORDS))
        p = rng.random()
        rows[r][3] = (None if p < 0.15 else rng.choice([True, False]) if p < 0.6
                      else float(rng.choice(nums)))
        p = rng.random()
        rows[r][4] = (rng.choice(["=1/0", "=NA()", "=SQRT(-1)", '=VALUE("x")'])
                      if p < 0.2 else None if p < 0.3 else float(rng.choice(nums)))
        p = rng.random()
        rows[r][5] = None if p < 0.1 else float(rng.randint(40000, 47000))
        rows[r][6] = float(sorted_g[r])
        rows[r][7] = keys[r]
        rows[r][8] = rng.choice([float(rng.choice(nums)), rng.choice(WORDS)])
        p = rng.random()
        rows[r][9] = None if p < 0.1 else float(rng.randint(0, 10))
        p = rng.random()
        rows[r][10] = None if p < 0.1 else rng.choice(LABELS)
        rows[r][11] = round(rng.uniform(0.05, 500), rng.choice([0, 1, 2, 3]))
    return rows


# --- formulas ---------------------------------------------------------------------------------

NUM_COLS = "ABDEGJL"
POS_COLS = "GL"


class Gen:
    """Random formula text. ``{r}`` in a reference is the row of the formula (relative)."""

    def __init__(self, rng: random.Random, relative: bool) -> None:
        self.rng = rng
        self.relative = relative
        self.used: set[str] = set()

    # -- leaves -------------------------------------------------------------------------
    def row(self) -> str:
        return "{r}" if self.relative and self.rng.random() < 0.8 else str(self.rng.randint(1, ROWS))

    def cell(self, cols: str | int = "ABCDEFGHIJKL") -> str:
        c = self.rng.choice(cols if isinstance(cols, str) else "ABCDEFGHIJKL")
        return f"Data!{'$' if not self.relative else ''}{c}{self.row()}"

    def const_num(self) -> str:
        return self.rng.choice(["0", "1", "2", "3", "-1", "0.5", "2.5", "10", "-2.25", "7", "100",
                                "0.1", "1E-3", "4"])

    def range(self, one_d: bool = False, same: str | None = None) -> str:
        r = self.rng
        col = same or r.choice("ABCDEFGHIJKL")
        p = r.random()
        if p < 0.55:
            return f"Data!${col}$1:${col}${ROWS}"
        if p < 0.7:
            a = r.randint(1, 20)
            return f"Data!${col}${a}:${col}${a + r.randint(2, 15)}"
        if p < 0.8 or one_d:
            return f"Data!${col}:${col}"
        c1 = min(col, "J")
        c2 = chr(ord(c1) + r.randint(1, 2))
        return f"Data!${c1}$1:${c2}${r.randint(5, ROWS)}"

    # -- typed expressions ---------------------------------------------------------------
    def num(self, d: int = 0) -> str:
        r = self.rng
        p = r.random()
        if d >= 2 or p < 0.35:
            return self.const_num() if r.random() < 0.4 else self.cell(NUM_COLS)
        if p < 0.45:
            return self.cell()  # text, blanks, booleans: coercion paths
        if p < 0.7:
            op = r.choice(["+", "-", "*", "/", "^"])
            right = self.num(d + 1) if op != "^" else r.choice(["2", "0.5", "3", "-1", "0"])
            return f"({self.num(d + 1)}{op}{right})"
        if p < 0.75:
            return f"-{self.num(d + 1)}"
        if p < 0.78:
            return f"{self.num(d + 1)}%"
        return self.call(self.rng.choice(NUMERIC_FUNCS), d + 1)

    def pos(self, d: int = 0) -> str:
        if self.rng.random() < 0.5:
            return self.cell(POS_COLS)
        return self.rng.choice(["2", "0.5", "10", "3.7", "100", "1"])

    def int_(self, lo: int, hi: int) -> str:
        return str(self.rng.randint(lo, hi))

    def text(self, d: int = 0) -> str:
        r = self.rng
        p = r.random()
        if d >= 2 or p < 0.4:
            return r.choice(['"apple"', '"Hello World"', '"  a  b  "', '"x"', '""', '"3"',
                             '"pear"', '"A-1"', '"2024-01-15"'])
        if p < 0.75:
            return self.cell("CHIK")
        return self.call(r.choice(TEXT_FUNCS), d + 1)

    def logical(self, d: int = 0) -> str:
        r = self.rng
        p = r.random()
        if d >= 2 or p < 0.2:
            return r.choice(["TRUE", "FALSE", self.cell("D")])
        if p < 0.75:
            op = r.choice(["=", "<>", "<", ">", "<=", ">="])
            a = r.choice([self.num, self.text, self.cell])(d + 1)  # type: ignore[operator]
            b = r.choice([self.num, self.text, self.cell])(d + 1)  # type: ignore[operator]
            return f"({a}{op}{b})"
        return self.call(r.choice(LOGIC_FUNCS), d + 1)

    def date(self, d: int = 0) -> str:
        r = self.rng
        p = r.random()
        if p < 0.5:
            return self.cell("F")
        if p < 0.8:
            return f"DATE({r.randint(2000, 2030)},{r.randint(-2, 14)},{r.randint(-3, 33)})"
        return str(r.randint(36600, 47000))

    def any(self, d: int = 0) -> str:
        return self.rng.choice([self.num, self.text, self.logical, self.cell])(d)  # type: ignore[operator]

    def crit(self) -> str:
        r = self.rng
        return r.choice(['">=3"', '"<5"', '"<>0"', '"=apple"', '"app*"', '"?ear"', '"<>"',
                         '"="', '""', "3", "0", '"apple"', "TRUE", '"<>x"', '"*e*"', '">c"',
                         '"10"', '"east"', '"<=2.5"', f'">"&{self.cell(NUM_COLS)}',
                         self.cell("CJK"), '"#N/A"', '">=40000"'])

    # -- calls ---------------------------------------------------------------------------
    def call(self, name: str, d: int = 0) -> str:
        self.used.add(name)
        body = SPECS[name](self, d)
        prefix = "_xlfn." if name in XLFN else ""
        return f"{prefix}{name}({body})"


def _args(*parts: str) -> str:
    return ",".join(parts)


def _n(g: Gen, d: int) -> str:
    return g.num(d + 1)


SPECS: dict[str, Callable[[Gen, int], str]] = {
    # aggregates
    "SUM": lambda g, d: _args(*[g.rng.choice([g.range(), g.num(d + 1)])
                                for _ in range(g.rng.randint(1, 3))]),
    "AVERAGE": lambda g, d: _args(g.range(), *([g.num(d + 1)] if g.rng.random() < 0.3 else [])),
    "MIN": lambda g, d: _args(g.range(), *([g.num(d + 1)] if g.rng.random() < 0.3 else [])),
    "MAX": lambda g, d: _args(g.range(), *([g.num(d + 1)] if g.rng.random() < 0.3 else [])),
    "COUNT": lambda g, d: _args(g.range(), *([g.any(d + 1)] if g.rng.random() < 0.3 else [])),
    "COUNTA": lambda g, d: _args(g.range(), *([g.any(d + 1)] if g.rng.random() < 0.3 else [])),
    "COUNTBLANK": lambda g, d: g.range(),
    "PRODUCT": lambda g, d: _args(g.range(same=g.rng.choice("BGJ")) if g.rng.random() < 0.3
                                  else f"Data!$B$1:$B${g.rng.randint(2, 6)}", g.num(d + 1)),
    "SUMSQ": lambda g, d: _args(g.range(), g.num(d + 1)),
    "MEDIAN": lambda g, d: _args(g.range(), *([g.num(d + 1)] if g.rng.random() < 0.3 else [])),
    "AVERAGEA": lambda g, d: g.range(same=g.rng.choice("ABD")),
    "STDEV.S": lambda g, d: g.range(), "STDEV.P": lambda g, d: g.range(),
    "STDEV": lambda g, d: g.range(), "STDEVP": lambda g, d: g.range(),
    "VAR.S": lambda g, d: g.range(), "VAR.P": lambda g, d: g.range(),
    "VAR": lambda g, d: g.range(), "VARP": lambda g, d: g.range(),
    "PERCENTILE.INC": lambda g, d: _args(g.range(), g.rng.choice(["0", "0.1", "0.25", "0.5",
                                                                  "0.9", "1", "1.5", "-0.1"])),
    "PERCENTILE": lambda g, d: _args(g.range(), g.rng.choice(["0.3", "0.75", "0.95"])),
    "PERCENTILE.EXC": lambda g, d: _args(g.range(), g.rng.choice(["0.1", "0.5", "0.9", "0.01"])),
    "QUARTILE.INC": lambda g, d: _args(g.range(), g.int_(0, 4)),
    "QUARTILE": lambda g, d: _args(g.range(), g.int_(0, 4)),
    "QUARTILE.EXC": lambda g, d: _args(g.range(), g.int_(1, 3)),
    "LARGE": lambda g, d: _args(g.range(), g.int_(1, 5)),
    "SMALL": lambda g, d: _args(g.range(), g.int_(1, 5)),
    "RANK.EQ": lambda g, d: _args(g.cell("G"), "Data!$G$1:$G$40", g.rng.choice(["0", "1"])),
    "RANK": lambda g, d: _args(g.cell("GL"), _col40(g, "GL")),
    "RANK.AVG": lambda g, d: _args(g.cell("J"), "Data!$J$1:$J$40"),
    "SUMPRODUCT": lambda g, d: g.rng.choice([
        "Data!$B$1:$B$40,Data!$G$1:$G$40",
        '--(Data!$K$1:$K$40="east"),Data!$B$1:$B$40',
        "(Data!$J$1:$J$40>=9)*1",
        "Data!$A$1:$A$10*Data!$B$1:$B$10",
        "Data!$B$1:$C$5,Data!$G$1:$H$5",
        "(Data!$B$1:$B$40>0)*(Data!$J$1:$J$40<5)*Data!$L$1:$L$40",
        "Data!$E$1:$E$40",
    ]),
    # criteria
    "COUNTIF": lambda g, d: _args(g.range(one_d=g.rng.random() < 0.2), g.crit()),
    "SUMIF": lambda g, d: _args(_col40(g, "ABCJK"), g.crit(),
                                *([_col40(g, "BEGL")] if g.rng.random() < 0.8 else [])),
    "SUMIFS": lambda g, d: _args(_col40(g, "BELG"), *_crit_pairs(g)),
    "AVERAGEIF": lambda g, d: _args(_col40(g, "ABJK"), g.crit(), _col40(g, "BGL")),
    "AVERAGEIFS": lambda g, d: _args(_col40(g, "BGL"), *_crit_pairs(g)),
    "MINIFS": lambda g, d: _args(_col40(g, "BGLE"), *_crit_pairs(g)),
    "MAXIFS": lambda g, d: _args(_col40(g, "BGLE"), *_crit_pairs(g)),
    # math
    "ABS": lambda g, d: _n(g, d), "SIGN": lambda g, d: _n(g, d), "INT": lambda g, d: _n(g, d),
    "TRUNC": lambda g, d: _args(_n(g, d), g.rng.choice(["0", "1", "2", "-1"])),
    "MOD": lambda g, d: _args(_n(g, d), g.rng.choice(["3", "-3", "2.5", "0", g.cell("BJ")])),
    "QUOTIENT": lambda g, d: _args(_n(g, d), g.rng.choice(["3", "-2", "0.5", "0"])),
    "POWER": lambda g, d: _args(_n(g, d), g.rng.choice(["2", "0.5", "3", "-1", "0"])),
    "SQRT": lambda g, d: _n(g, d), "EXP": lambda g, d: g.rng.choice(["1", "0.5", g.cell("BJ")]),
    "LN": lambda g, d: g.pos(d), "LOG10": lambda g, d: g.pos(d),
    "LOG": lambda g, d: _args(g.pos(d), *([g.rng.choice(["2", "10", "0.5"])]
                                          if g.rng.random() < 0.6 else [])),
    "PI": lambda g, d: "",
    "ROUND": lambda g, d: _args(_n(g, d), g.rng.choice(["0", "1", "2", "-1", "3"])),
    "ROUNDUP": lambda g, d: _args(_n(g, d), g.rng.choice(["0", "1", "2", "-1"])),
    "ROUNDDOWN": lambda g, d: _args(_n(g, d), g.rng.choice(["0", "1", "2", "-1"])),
    "CEILING": lambda g, d: _args(g.pos(d), g.rng.choice(["1", "0.5", "5", "2"])),
    "FLOOR": lambda g, d: _args(g.pos(d), g.rng.choice(["1", "0.5", "5", "2"])),
    "CEILING.MATH": lambda g, d: _args(_n(g, d), g.rng.choice(["1", "0.5", "5"])),
    "FLOOR.MATH": lambda g, d: _args(_n(g, d), g.rng.choice(["1", "0.5", "5"])),
    "MROUND": lambda g, d: _args(g.pos(d), g.rng.choice(["1", "0.5", "5", "3"])),
    "EVEN": lambda g, d: _n(g, d), "ODD": lambda g, d: _n(g, d),
    "RRI": lambda g, d: _args(g.rng.choice(["1", "5", "10", "0"]), g.pos(d), g.pos(d)),
    "TRUE": lambda g, d: "", "FALSE": lambda g, d: "",
    # logic and information
    # (IF without a value_if_false returns FALSE, which LibreOffice shows as 0: unit-tested)
    "IF": lambda g, d: _args(g.logical(d + 1), g.any(d + 1), g.any(d + 1)),
    "IFS": lambda g, d: _args(g.logical(d + 1), g.any(d + 1), g.logical(d + 1), g.any(d + 1)),
    "IFERROR": lambda g, d: _args(g.rng.choice([g.num, g.cell])(d + 1), g.any(d + 1)),  # type: ignore[operator]
    "IFNA": lambda g, d: _args(g.rng.choice([g.cell("E"), g.call("MATCH", d + 1)]), '"none"'),
    "SWITCH": lambda g, d: _args(g.cell("JCK"), '"apple"', "1", "3", "2", '"east"', "3",
                                 *(['"other"'] if g.rng.random() < 0.6 else [])),
    "CHOOSE": lambda g, d: _args(g.rng.choice(["1", "2", "3", "0", "4", g.cell("J")]),
                                 g.any(d + 1), g.any(d + 1), g.any(d + 1)),
    "AND": lambda g, d: _args(g.logical(d + 1), g.rng.choice([g.logical(d + 1), g.range()])),
    "OR": lambda g, d: _args(g.logical(d + 1), g.rng.choice([g.logical(d + 1), g.range()])),
    "XOR": lambda g, d: _args(g.logical(d + 1), g.logical(d + 1)),
    "NOT": lambda g, d: g.logical(d + 1),
    "ISBLANK": lambda g, d: g.cell(), "ISNUMBER": lambda g, d: g.cell(),
    "ISTEXT": lambda g, d: g.cell(), "ISNONTEXT": lambda g, d: g.cell(),
    "ISLOGICAL": lambda g, d: g.cell(), "ISERROR": lambda g, d: g.rng.choice([g.cell(), _n(g, d)]),
    "ISERR": lambda g, d: g.cell("E"), "ISNA": lambda g, d: g.cell("E"),
    "ISEVEN": lambda g, d: g.cell("BGJ"), "ISODD": lambda g, d: g.cell("BGJ"),
    "ISREF": lambda g, d: g.rng.choice([g.cell(), "1", '"x"']),
    "N": lambda g, d: g.cell(), "NA": lambda g, d: "",
    "ERROR.TYPE": lambda g, d: g.cell("E"),
    # lookup
    "MATCH": lambda g, d: g.rng.choice([
        _args(g.cell("C"), "Data!$C$1:$C$40", "0"),
        _args(g.rng.choice(['"app*"', '"?ear"', '"kiwi"', '"KIWI"', '"nope"']),
              "Data!$C$1:$C$40", "0"),
        _args(g.rng.choice(["100", "7", "250", "0", "1000", g.cell("G")]), "Data!$G$1:$G$40"),
        _args(g.rng.choice(['"b"', '"dz"', '"a"', '"zz"', g.cell("H")]), "Data!$H$1:$H$40", "1"),
        _args(g.rng.choice(["5", "3", "0"]), "Data!$J$1:$J$40", "0"),
    ]),
    "VLOOKUP": lambda g, d: g.rng.choice([
        _args(g.cell("C"), "Data!$C$1:$K$40", g.int_(1, 9), "FALSE"),
        _args(g.rng.choice(["100", "7", "250", "0", g.cell("G")]), "Data!$G$1:$I$40",
              g.int_(1, 3), "TRUE"),
        _args(g.rng.choice(['"b"', '"dz"', '"zz"']), "Data!$H$1:$I$40", "2"),
        _args(g.rng.choice(['"pe*"', '"x"', '"nope"']), "Data!$C$1:$D$40", g.int_(1, 3), "0"),
    ]),
    "HLOOKUP": lambda g, d: _args(g.rng.choice(["1", "2", '"x"', g.cell("GHIJ")]),
                                  "Data!$G$1:$L$5", g.int_(1, 6), "FALSE"),
    "LOOKUP": lambda g, d: _args(g.rng.choice(["100", "7", "250", g.cell("G")]),
                                 "Data!$G$1:$G$40", "Data!$I$1:$I$40"),
    "INDEX": lambda g, d: g.rng.choice([
        _args("Data!$A$1:$L$40", g.int_(0, 41), g.int_(0, 12)),
        _args("Data!$C$1:$C$40", g.int_(1, 41)),
        _args("Data!$A$1:$L$1", g.int_(1, 12)),
        _args("Data!$B$1:$B$40", g.cell("J")),
    ]),
    "ROW": lambda g, d: g.rng.choice(["", g.cell(), "Data!$B$3:$B$9"]),
    "COLUMN": lambda g, d: g.rng.choice(["", g.cell(), "Data!$C$3:$E$3"]),
    "ROWS": lambda g, d: g.range(), "COLUMNS": lambda g, d: g.range(),
    # text
    "LEN": lambda g, d: g.rng.choice([g.text(d + 1), g.num(d + 1)]),
    "LEFT": lambda g, d: _args(g.text(d + 1), *([g.int_(0, 5)] if g.rng.random() < 0.7 else [])),
    "RIGHT": lambda g, d: _args(g.text(d + 1), *([g.int_(0, 5)] if g.rng.random() < 0.7 else [])),
    "MID": lambda g, d: _args(g.text(d + 1), g.int_(1, 4), g.int_(0, 5)),
    "UPPER": lambda g, d: g.text(d + 1), "LOWER": lambda g, d: g.text(d + 1),
    "PROPER": lambda g, d: g.text(d + 1), "TRIM": lambda g, d: g.text(d + 1),
    "CLEAN": lambda g, d: g.text(d + 1),
    "CONCAT": lambda g, d: _args(g.text(d + 1), g.rng.choice([g.num(d + 1),
                                                              "Data!$C$1:$C$4", g.cell()])),
    "CONCATENATE": lambda g, d: _args(g.text(d + 1), g.rng.choice([g.num(d + 1), g.cell()])),
    "TEXTJOIN": lambda g, d: _args(g.rng.choice(['"-"', '", "', '""']),
                                   g.rng.choice(["TRUE", "FALSE"]), "Data!$K$1:$K$8",
                                   g.text(d + 1)),
    "SUBSTITUTE": lambda g, d: _args(g.text(d + 1), g.rng.choice(['"a"', '"p"', '" "']),
                                     g.rng.choice(['"_"', '""', '"AA"']),
                                     *([g.int_(1, 2)] if g.rng.random() < 0.4 else [])),
    "REPLACE": lambda g, d: _args(g.text(d + 1), g.int_(1, 4), g.int_(0, 3), '"#"'),
    "FIND": lambda g, d: _args(g.rng.choice(['"a"', '"p"', '"e"', '"A"']), g.text(d + 1)),
    "SEARCH": lambda g, d: _args(g.rng.choice(['"a"', '"P"', '"e?"', '"*l"']), g.text(d + 1)),
    "REPT": lambda g, d: _args(g.text(d + 1), g.int_(0, 3)),
    "EXACT": lambda g, d: _args(g.text(d + 1), g.text(d + 1)),
    "VALUE": lambda g, d: g.rng.choice(['"3"', '" 12.5 "', '"1,234"', '"50%"', '"abc"',
                                        '"1e3"', g.cell("AC"), '"-7"']),
    "T": lambda g, d: g.cell(),
    "TEXT": lambda g, d: _args(g.rng.choice([g.num(d + 1), g.cell("BGL")]), g.rng.choice(
        ['"0"', '"0.0"', '"0.00"', '"0%"', '"0.0%"', '"#,##0"', '"#,##0.00"', '"0.000"',
         '"00000"', '"#.##"'])) if g.rng.random() < 0.6 else _args(g.date(d + 1), g.rng.choice(
        ['"yyyy-mm-dd"', '"mmm yyyy"', '"yyyy-mm"', '"dd/mm/yyyy"', '"d mmmm yyyy"',
         '"dddd"', '"mmm d, yyyy"', '"yy"'])),
    "CHAR": lambda g, d: g.rng.choice(["65", "97", "48", "90"]),
    "CODE": lambda g, d: g.text(d + 1),
    # dates
    "DATE": lambda g, d: _args(g.int_(1995, 2035), g.int_(-3, 15), g.int_(-5, 35)),
    "YEAR": lambda g, d: g.date(d + 1), "MONTH": lambda g, d: g.date(d + 1),
    "DAY": lambda g, d: g.date(d + 1),
    "TODAY": lambda g, d: "",
    "EOMONTH": lambda g, d: _args(g.date(d + 1), g.int_(-14, 14)),
    "EDATE": lambda g, d: _args(g.date(d + 1), g.int_(-14, 14)),
    "NETWORKDAYS": lambda g, d: _args(g.date(d + 1), g.date(d + 1),
                                      *(["Data!$F$1:$F$5"] if g.rng.random() < 0.3 else [])),
    "WORKDAY": lambda g, d: _args(g.date(d + 1), g.int_(-30, 30)),
    "WEEKDAY": lambda g, d: _args(g.date(d + 1), g.rng.choice(["1", "2", "3"])),
    "WEEKNUM": lambda g, d: _args(g.date(d + 1), g.rng.choice(["1", "2"])),
    "ISOWEEKNUM": lambda g, d: g.date(d + 1),
    "DAYS": lambda g, d: _args(g.date(d + 1), g.date(d + 1)),
    "DATEDIF": lambda g, d: _args(g.rng.choice(["DATE(2001,3,31)", "DATE(2010,1,31)",
                                                "DATE(2020,2,29)"]), g.date(d + 1),
                                  g.rng.choice(['"D"', '"M"', '"Y"', '"YM"', '"MD"', '"YD"'])),
    "DATEVALUE": lambda g, d: g.rng.choice(['"2024-01-15"', '"2020-02-29"', '"1999-12-31"',
                                            '"x"']),
    "TIME": lambda g, d: _args(g.int_(0, 30), g.int_(-10, 70), g.int_(0, 70)),
    "HOUR": lambda g, d: g.rng.choice(["0.75", "0.3333", "1.5", g.cell("L")]),
    "MINUTE": lambda g, d: g.rng.choice(["0.75", "0.3333", "0.123", g.cell("L")]),
    "SECOND": lambda g, d: g.rng.choice(["0.75", "0.3333", "0.123456", g.cell("L")]),
}


def _col40(g: Gen, cols: str) -> str:
    c = g.rng.choice(cols)
    return f"Data!${c}$1:${c}$40"


def _crit_pairs(g: Gen) -> list[str]:
    out = []
    for _ in range(g.rng.randint(1, 2)):
        out += [_col40(g, "ABCJK"), g.crit()]
    return out


SPECS["COUNTIFS"] = lambda g, d: _args(*_crit_pairs(g))

NUMERIC_FUNCS = ["SUM", "AVERAGE", "MIN", "MAX", "COUNT", "ABS", "INT", "ROUND", "MOD",
                 "SQRT", "LEN", "COUNTIF", "SUMIF", "MEDIAN", "IF", "VALUE", "YEAR",
                 "INDEX", "MATCH", "N", "SIGN", "POWER", "CHOOSE"]
TEXT_FUNCS = ["UPPER", "LOWER", "LEFT", "TRIM", "CONCAT", "TEXT", "SUBSTITUTE", "PROPER",
              "T", "RIGHT", "MID", "REPT"]
LOGIC_FUNCS = ["AND", "OR", "NOT", "ISBLANK", "ISNUMBER", "ISTEXT", "ISERROR", "EXACT",
               "XOR", "ISNA"]


def build(seed: int = 20240501, n_single: int = 1300, n_vector: int = 30) -> Corpus:
    rng = random.Random(seed)
    data = _data(rng)
    corpus = Corpus({"Data": [[("=" + v[1:]) if isinstance(v, str) and v.startswith("=")
                               else v for v in row] for row in data]})
    # single formulas: every function at least 6 times, the rest random
    gen = Gen(rng, relative=False)
    names = [n for n in SPECS if n not in NOT_IN_LO]
    f_rows: list[list[Any]] = []
    order = names * 6
    rng.shuffle(order)
    while len(order) < n_single:
        order.append(rng.choice(names + ["__expr__"] * 8))
    for name in order:
        text = gen.num(0) if name == "__expr__" else gen.call(name)
        f_rows.append(["=" + text.replace("{r}", str(rng.randint(1, ROWS)))])
    corpus.data["F"] = f_rows
    # vector groups: the same relative formula in rows 1..40 of one column each
    vg = Gen(rng, relative=True)
    v_rows: list[list[Any]] = [[None] * n_vector for _ in range(ROWS)]
    for c in range(n_vector):
        name = rng.choice(names + ["__expr__"] * 20)
        text = vg.num(0) if name == "__expr__" else vg.call(name)
        for r in range(ROWS):
            v_rows[r][c] = "=" + text.replace("{r}", str(r + 1))
    corpus.data["V"] = v_rows
    corpus.used = gen.used | vg.used
    _tables_and_names(corpus, rng)
    for sheet in ("F", "V", "Tbl", "N"):
        for r, row in enumerate(corpus.data[sheet]):
            for c, v in enumerate(row):
                if isinstance(v, str) and v.startswith("="):
                    corpus.cells.append((sheet, r, c, v))
    return corpus


TABLE_FORMULAS = [
    "SUM(Sales[Amount])*Rate", 'SUMIFS(Sales[Amount],Sales[Region],"east")', "AVERAGE(Amounts)",
    "INDEX(Sales[Units],3)", "SUM(INDEX(Sales[Amount],2):INDEX(Sales[Amount],5))",
    'COUNTIFS(Sales[Units],">"&Rate*10)', "ROWS(Sales[[#All]])", "ROWS(Sales[[#Headers]])",
    "SUM(Sales[[#Data],[Amount]:[Units]])", 'MATCH("west",Sales[Region],0)',
    'VLOOKUP("east",Sales[[#Data]],2,FALSE)', "SUMPRODUCT(Sales[Units],Sales[Price])",
    "SUM(Sales[Total])", "COLUMNS(Sales[[#Data]])", "MAX(Amounts)-MIN(Amounts)", "Rate*4",
    "SUM(Tbl!B2:B21)-SUM(Amounts)", 'COUNTIF(Sales[Region],"*e*")', "MEDIAN(Sales[Price])",
    "INDEX(Sales[[#Headers]],1,2)", "SUM(Sales[[#This Row],[Amount]])", "SUMPRODUCT(--(Sales[Units]>Rate*20))",
    'IFERROR(INDEX(Sales[Region],MATCH(MAX(Sales[Total]),Sales[Total],0)),"none")',
    "_xlfn.STDEV.S(Sales[Total])", "_xlfn.PERCENTILE.INC(Amounts,0.9)", "SUM(Sales)",
    "ROWS(Sales[])", "SUM(Sales[Amount],Sales[Units])/Rate",
]
# (LibreOffice 7.4 reads the special items in double brackets only, Sales[[#All]]; the
#  evaluator's unit tests cover the short forms Sales[#All] and Sales[@Amount])


def _tables_and_names(corpus: Corpus, rng: random.Random) -> None:
    """Sheet ``Tbl`` holds the Excel Table ``Sales`` (a calculated column with this-row
    references); sheet ``N`` reads it through structured references and defined names."""
    rows: list[list[Any]] = [["Region", "Amount", "Units", "Price", "Total"]]
    for _ in range(2, 22):
        rows.append([rng.choice(LABELS), float(rng.randint(0, 500)),
                     None if rng.random() < 0.1 else float(rng.randint(0, 40)),
                     round(rng.uniform(1, 20), 2),
                     "=Sales[[#This Row],[Units]]*Sales[[#This Row],[Price]]"])
    corpus.data["Tbl"] = rows
    corpus.tables = [TableModel("Sales", "Tbl", "A1:E21", rows[0][:], 1, 0)]
    corpus.names = {"Rate": "0.25", "Amounts": "Tbl!$B$2:$B$21"}
    corpus.data["N"] = [["=" + f] for f in TABLE_FORMULAS]
    corpus.used |= {"SUM", "SUMIFS", "AVERAGE", "INDEX", "COUNTIFS", "ROWS", "MATCH", "VLOOKUP",
                    "SUMPRODUCT", "COLUMNS", "MAX", "MIN", "COUNTIF", "MEDIAN", "IFERROR",
                    "STDEV.S", "PERCENTILE.INC"}


# --- outputs ------------------------------------------------------------------------------------

def write_xlsx(corpus: Corpus, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.workbook.defined_name import DefinedName as XlName
    from openpyxl.worksheet.table import Table

    wb = Workbook()
    wb.remove(wb.active)
    for sheet, rows in corpus.data.items():
        ws = wb.create_sheet(sheet)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row, start=1):
                if v is not None:
                    ws.cell(r, c, v)
    for t in corpus.tables:
        wb[t.sheet].add_table(Table(displayName=t.name, ref=t.ref))
    for name, text in corpus.names.items():
        wb.defined_names[name] = XlName(name, attr_text=text)
    wb.save(path)


def model(corpus: Corpus) -> WorkbookModel:
    sheets = {}
    for sheet, rows in corpus.data.items():
        width = max(len(r) for r in rows)
        vals = np.full((len(rows), width), None, dtype=object)
        formulas = {}
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if isinstance(v, str) and v.startswith("="):
                    formulas[(r, c)] = FormulaCell(r, c, v[1:])
                else:
                    vals[r, c] = v
        sheets[sheet] = SheetModel(sheet, f"xl/worksheets/{sheet}.xml", vals, formulas)
    names = {n.upper(): DefinedName(n, t) for n, t in corpus.names.items()}
    tables = {t.name.upper(): t for t in corpus.tables}
    return WorkbookModel("corpus.xlsx", sheets, names, tables)


def lo_values(path: Path) -> dict[tuple[str, int, int], Any]:
    """Cached values of a LibreOffice-recalculated workbook (errors as ``("error", code)``)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, data_only=True)
    out: dict[tuple[str, int, int], Any] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if cell.data_type == "e":
                    v = ("error", v)
                out[(ws.title, cell.row - 1, cell.column - 1)] = v
    return out


def describe(sheet: str, r: int, c: int) -> str:
    return f"{sheet}!{a1(r, c)}"
