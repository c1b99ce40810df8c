"""``recalc(path, output=None, ...) -> RecalcReport``: read, evaluate, patch, report.

>>> from kpi_xl.recalc.api import recalc  # doctest: +SKIP
>>> report = recalc("kpis.xlsx", "out/kpis.xlsx")  # doctest: +SKIP
>>> report.recalculated, report.unsupported[:1], report.kpi_names  # doctest: +SKIP

Without ``output`` (and without ``in_place=True``) nothing is written: the report still has
every recalculated count and the values of the workbook's ``kpi_*`` defined names.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import math
import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kpi_xl.recalc.limits import LimitExceeded, Limits
from kpi_xl.recalc.model import ExcelError, WorkbookModel
from kpi_xl.recalc.reader import WorkbookError, col_letters, col_number

__all__ = ["RecalcError", "RecalcReport", "backup_path", "recalc"]


class RecalcError(ValueError):
    """A file that cannot be recalculated as asked (one line; the CLI exits 2 for it)."""


@dataclass
class RecalcReport:
    """What one recalculation did; :meth:`to_dict` is the per-file entry of the JSON report."""

    path: str
    output: str | None = None
    ok: bool = True
    error: str | None = None
    formulas_seen: int = 0
    recalculated: int = 0  # formula cells given a new value
    changed: int = 0  # of those, cells whose value differs from the cached one (patched)
    unsupported: list[dict[str, str]] = field(default_factory=list)  # {"cell", "function"}
    unsupported_functions: dict[str, int] = field(default_factory=dict)
    cycles: list[list[str]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)  # {"cell", "message"}
    kpi_names: dict[str, Any] = field(default_factory=dict)
    kpi_forms: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    backup: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["kpi_names"] = {k: jsonable(v) for k, v in self.kpi_names.items()}
        return d


def jsonable(v: Any) -> Any:
    """A cell value for JSON: errors as their code, non-finite numbers as error codes."""
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    if isinstance(v, ExcelError):
        return str(v)
    if isinstance(v, float) and not math.isfinite(v):
        return "#NUM!"
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):  # numpy scalars
        return jsonable(v.item())
    return v


def backup_path(path: str | Path) -> Path:
    """``book.xlsx`` -> ``book.bak.xlsx`` (same folder)."""
    p = Path(path)
    return p.with_name(f"{p.stem}.bak{p.suffix}")


def _same_value(old: Any, new: Any) -> bool:
    if old is None or new is None:
        return old is None and new is None
    if isinstance(new, bool) or isinstance(old, bool):
        return type(new) is type(old) and new == old
    if isinstance(new, ExcelError) or isinstance(old, ExcelError):
        return type(new) is type(old) and new == old
    if isinstance(new, str) or isinstance(old, str):
        return isinstance(new, str) and isinstance(old, str) and new == old
    try:
        a, b = float(old), float(new)
    except (TypeError, ValueError):
        return False
    return a == b or (a != a and b != b)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` (refuses if another process holds it)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    for _ in range(20):
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise RecalcError(f"{path.name}: being recalculated by another process") from None
        try:
            st = os.fstat(fd)
            cur = os.stat(path)
        except OSError:
            os.close(fd)
            raise
        if (st.st_ino, st.st_dev) == (cur.st_ino, cur.st_dev):
            break
        os.close(fd)  # replaced while we waited: lock the new file
    else:  # pragma: no cover
        raise RecalcError(f"{path.name}: keeps changing while being locked")
    try:
        yield
    finally:
        os.close(fd)


_NAME_REF_RE = re.compile(
    r"^=?(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Za-z]{1,3})\$?([0-9]{1,7})"
    r"(?::\$?([A-Za-z]{1,3})\$?([0-9]{1,7}))?$")


def _name_value(model: WorkbookModel, values: dict[tuple[str, int, int], Any], text: str) -> Any:
    text = text.strip()
    m = _NAME_REF_RE.match(text)
    if m:
        sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
        sm = model.sheets.get(sheet)
        if sm is None:
            return ExcelError("#REF!")
        r0, c0 = int(m.group(4)) - 1, col_number(m.group(3).upper())
        r1, c1 = ((int(m.group(6)) - 1, col_number(m.group(5).upper())) if m.group(5)
                  else (r0, c0))

        def cell(r: int, c: int) -> Any:
            if (sheet, r, c) in values:
                return values[(sheet, r, c)]
            if r < sm.values.shape[0] and c < sm.values.shape[1]:
                return sm.values[r, c]
            return None

        if (r0, c0) == (r1, c1):
            return cell(r0, c0)
        if (r1 - r0 + 1) * (c1 - c0 + 1) > 10_000:
            return f"{text} (range too large to report)"
        return [[cell(r, c) for c in range(c0, c1 + 1)] for r in range(r0, r1 + 1)]
    body = text[1:] if text.startswith("=") else text
    if body.upper() in ("TRUE", "FALSE"):
        return body.upper() == "TRUE"
    if body.startswith('"') and body.endswith('"') and len(body) >= 2:
        return body[1:-1].replace('""', '"')
    try:
        return float(body)
    except ValueError:
        pass
    try:
        return ExcelError(body)
    except ValueError:
        return {"formula": text}


_IDENT_RE = re.compile(r"(?<![\w.!$'\]\[])([A-Za-z_\\][\w.]*)(?![\w.(!\[])")


def name_cycle(model: WorkbookModel) -> list[str] | None:
    """A cycle among defined names (``Loop = Loop+1``; ``Ping = Pong+1, Pong = Ping+1``) as
    ``[A, B, ..., A]``, or None."""
    by_name: dict[str, list[str]] = {}
    for dn in model.defined_names.values():
        by_name.setdefault(dn.name.upper(), []).append(dn.text)
    graph: dict[str, set[str]] = {}
    for name, texts in by_name.items():
        deps: set[str] = set()
        for text in texts:
            outside = "".join(text.split('"')[0::2])  # not inside string literals
            deps.update(m.group(1).upper() for m in _IDENT_RE.finditer(outside)
                        if m.group(1).upper() in by_name)
        graph[name] = deps
    state: dict[str, int] = {}
    for start in graph:
        if state.get(start):
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            if state.get(nxt) == 1:
                cyc = [*path[path.index(nxt):], nxt]
                names = {dn.name.upper(): dn.name for dn in model.defined_names.values()}
                return [names.get(n, n) for n in cyc]
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(sorted(graph[nxt]))))
    return None


def kpi_name_values(model: WorkbookModel, values: dict[tuple[str, int, int], Any]
                    ) -> dict[str, Any]:
    """The values of every defined name starting with ``kpi_`` (any case)."""
    out: dict[str, Any] = {}
    for key, dn in model.defined_names.items():
        if not dn.name.lower().startswith("kpi_"):
            continue
        label = dn.name if "!" not in key or dn.local_sheet is None else f"{dn.local_sheet}!{dn.name}"
        out[label] = _name_value(model, values, dn.text)
    return out


def recalc(path: str | os.PathLike[str], output: str | os.PathLike[str] | None = None, *,
           in_place: bool = False, backup: bool | str | os.PathLike[str] = True,
           today: _dt.date | None = None, limits: Limits | None = None,
           strict: bool = False, allow_cycles: bool = False,
           raise_errors: bool = True) -> RecalcReport:
    """Recalculate the workbook at ``path``.

    ``output``: where to write the result (a file, or an existing folder: same file name).
    ``in_place``: overwrite ``path`` (keeping ``NAME.bak.xlsx`` unless ``backup=False``; a
    path gives the backup's name). Neither: nothing is written. ``strict``: a workbook with
    unsupported formulas, cycles or evaluation errors is refused (nothing written).
    A circular reference (between cells, or defined names referring to themselves) is refused
    unless ``allow_cycles``: then it is reported and its cells keep their cached values.

    Bad input raises :class:`~kpi_xl.recalc.reader.WorkbookError`,
    :class:`~kpi_xl.recalc.limits.LimitExceeded` or :class:`RecalcError` -- or, with
    ``raise_errors=False``, gives a report with ``ok=False`` and the one-line ``error``.
    """
    src = Path(path)
    report = RecalcReport(path=str(src))
    t0 = time.perf_counter()
    try:
        _recalc(src, output, in_place, backup, today, limits or Limits(), strict, allow_cycles,
                report)
    except (WorkbookError, LimitExceeded, RecalcError, OSError) as exc:
        report.ok = False
        report.output = None
        msg = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        if isinstance(exc, OSError) and not isinstance(exc, WorkbookError):
            msg = f"{src.name}: {exc.strerror or exc}"
        report.error = msg
        if raise_errors:
            raise
    finally:
        report.seconds = round(time.perf_counter() - t0, 4)
    return report


def _target(src: Path, output: str | os.PathLike[str] | None, in_place: bool) -> Path | None:
    if in_place:
        if output is not None:
            raise RecalcError("give either an output or in_place, not both")
        return src
    if output is None:
        return None
    out = Path(output)
    if out.is_dir():
        out = out / src.name
    if out.exists() and out.resolve() == src.resolve():
        raise RecalcError(f"{src.name}: output is the input file; use in-place to overwrite it")
    if out.suffix.lower() != src.suffix.lower():
        raise RecalcError(f"{out.name}: output must keep the extension {src.suffix}")
    return out


def _recalc(src: Path, output: str | os.PathLike[str] | None, in_place: bool,
            backup: bool | str | os.PathLike[str], today: _dt.date | None, limits: Limits,
            strict: bool, allow_cycles: bool, report: RecalcReport) -> None:
    from kpi_xl.recalc import evaluator, reader, writer

    if src.suffix.lower() not in (".xlsx", ".xlsm", ".xltx", ".xltm"):
        if not src.is_file():
            raise WorkbookError(f"{src}: no such file")
        raise WorkbookError(f"{src.name}: not an .xlsx or .xlsm workbook")
    target = _target(src, output, in_place)
    lock = _locked(src) if in_place and src.is_file() else contextlib.nullcontext()
    with lock:
        if in_place:
            writer.remove_stale_temps(src)  # left by killed runs; we hold the lock
            if backup:  # and those of the backup (made under the same lock)
                writer.remove_stale_temps(backup_path(src) if isinstance(backup, bool)
                                          else Path(backup))
        t = time.perf_counter()
        model, info = reader.read(src, limits)
        report.timings["read"] = round(time.perf_counter() - t, 4)
        report.kpi_forms = dict(info.kpi_forms)
        loop = name_cycle(model)
        if loop and not allow_cycles:
            what = (f"defined name {loop[0]} refers to itself" if len(loop) == 2 else
                    f"defined names {' -> '.join(loop)} refer to each other")
            raise RecalcError(f"{src.name}: circular reference: {what}; nothing written "
                              "(--allow-cycles to recalculate the rest)")

        t = time.perf_counter()
        result = evaluator.evaluate(model, today=today, limits=limits.for_evaluator())
        report.timings["evaluate"] = round(time.perf_counter() - t, 4)

        report.formulas_seen = result.formulas_seen
        report.recalculated = len(result.values)
        report.unsupported = [{"cell": f"{s}!{a}", "function": fn}
                              for s, a, fn in result.unsupported]
        report.unsupported_functions = dict(Counter(fn for _, _, fn in result.unsupported)
                                            .most_common())
        report.cycles = [[f"{s}!{a}" for s, a in cyc] for cyc in result.cycles]
        report.errors = [{"cell": f"{s}!{a}", "message": msg} for s, a, msg in result.errors]
        report.kpi_names = kpi_name_values(model, result.values)

        t = time.perf_counter()
        patches = _changed_cells(model, result.values)
        report.timings["compare"] = round(time.perf_counter() - t, 4)
        report.changed = sum(len(p) for p in patches.values())

        if result.cycles and not allow_cycles:
            first = result.cycles[0]
            chain = " -> ".join([f"{sh}!{a}" for sh, a in first] + [f"{first[0][0]}!{first[0][1]}"])
            more = f" (and {len(result.cycles) - 1} more)" if len(result.cycles) > 1 else ""
            raise RecalcError(f"{src.name}: circular reference: {chain}{more}; nothing written "
                              "(--allow-cycles to recalculate the rest)")
        if strict and (result.unsupported or result.cycles or result.errors):
            what = []
            if result.unsupported:
                fns = ", ".join(list(report.unsupported_functions)[:5])
                what.append(f"{len(result.unsupported)} unsupported formula cell(s) ({fns})")
            if result.cycles:
                what.append(f"{len(result.cycles)} circular reference(s)")
            if result.errors:
                what.append(f"{len(result.errors)} evaluation error(s)")
            raise RecalcError(f"{src.name}: strict: {'; '.join(what)}; nothing written")

        if target is None:
            return
        if in_place and not patches:
            report.output = str(target)
            return
        t = time.perf_counter()
        bak = None
        if in_place and backup:
            bak = Path(backup) if not isinstance(backup, bool) else backup_path(src)
        with writer.atomic_output(target, backup=bak) as fh:
            stats = writer.write_package(src, fh, patches, slow_parts={
                sm.part for name, sm in model.sheets.items() if name in info.slow_sheets})
        report.timings["write"] = round(time.perf_counter() - t, 4)
        report.output = str(target)
        report.backup = str(bak) if bak else None
        for part, ref in stats.missing:
            report.errors.append({"cell": f"{part}:{ref}", "message": "cell not found in the sheet XML"})


def _changed_cells(model: WorkbookModel, values: dict[tuple[str, int, int], Any]
                   ) -> dict[str, dict[tuple[int, int], Any]]:
    """Sheet part -> {(row, col): new value} for the cells whose value changed."""
    patches: dict[str, dict[tuple[int, int], Any]] = {}
    arrays: dict[str, list[tuple[int, int, int, int]]] = {}
    cur = None
    sm: Any = None
    out: dict[tuple[int, int], Any] = {}
    formulas: dict[tuple[int, int], Any] = {}
    for (sheet, r, c), value in values.items():
        if sheet != cur:
            cur = sheet
            sm = model.sheets.get(sheet)
            if sm is None:
                continue
            out = patches.setdefault(sm.part, {})
            formulas = sm.formulas
        elif sm is None:
            continue
        key = (r, c)
        fc = formulas.get(key)
        if fc is None:
            if not _in_array(arrays, sm, r, c):
                continue  # never write over a constant cell
            old = sm.values[r, c] if r < sm.values.shape[0] and c < sm.values.shape[1] else None
        else:
            old = fc.cached
        if old.__class__ is float and value.__class__ is float:
            if old == value:
                continue
        elif _same_value(old, value):
            continue
        out[key] = value
    return {part: p for part, p in patches.items() if p}


def _in_array(cache: dict[str, list[tuple[int, int, int, int]]], sm: Any, r: int, c: int
              ) -> bool:
    from kpi_xl.recalc.reader import range_bounds

    bounds = cache.get(sm.name)
    if bounds is None:
        bounds = cache[sm.name] = []
        for fc in sm.formulas.values():
            if fc.array_ref:
                with contextlib.suppress(ValueError):
                    bounds.append(range_bounds(fc.array_ref.replace("$", "")))
    return any(r0 <= r <= r1 and c0 <= c <= c1 for r0, c0, r1, c1 in bounds)


def cell_name(sheet: str, r: int, c: int) -> str:
    return f"{sheet}!{col_letters(c)}{r + 1}"
