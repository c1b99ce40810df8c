"""Batches: expand paths, run :func:`~kpi_xl.recalc.api.recalc` over many files -- in this
process, in N local processes (``--jobs N``) or on a Dask distributed cluster
(``--dask-scheduler ADDRESS``) -- and collect one report entry per file.

One broken file never stops a batch: every failure becomes an entry with ``ok: false`` and
a one-line ``error``; a worker process that dies is replaced and its file retried once alone.
"""

from __future__ import annotations

import datetime as _dt
import glob
import os
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpi_xl.recalc.limits import Limits

__all__ = ["Job", "expand_inputs", "plan_jobs", "run_batch", "run_job", "summary"]

SUFFIXES = (".xlsx", ".xlsm")


class BatchError(ValueError):
    """A mistake in the batch as a whole (no inputs, clashing outputs): exit code 2."""


@dataclass(frozen=True)
class Job:
    src: str
    output: str | None = None
    in_place: bool = False
    backup: bool = True
    today: _dt.date | None = None
    limits: Limits = field(default_factory=Limits)
    strict: bool = False
    allow_cycles: bool = False


def _wanted(p: Path) -> bool:
    name = p.name
    return (p.suffix.lower() in SUFFIXES and not name.startswith(("~$", "."))
            and ".bak." not in name and not name.endswith(".kpi-xl.tmp"))


def expand_inputs(items: Iterable[str]) -> list[Path]:
    """Files, folders (their .xlsx/.xlsm files, not recursive) and glob patterns -> files.

    A named file is kept whatever its extension (reading it gives the precise error); a
    folder or pattern contributes workbooks only. Order is kept; duplicates are dropped.
    """
    out: list[Path] = []
    seen: set[str] = set()

    def add(p: Path) -> None:
        key = os.path.normcase(str(p.resolve()))
        if key not in seen:
            seen.add(key)
            out.append(p)

    for item in items:
        p = Path(item)
        if p.is_dir():
            for child in sorted(p.iterdir()):
                if child.is_file() and _wanted(child):
                    add(child)
        elif any(ch in item for ch in "*?["):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise BatchError(f"no file matches {item!r}")
            for m in matches:
                mp = Path(m)
                if mp.is_file() and _wanted(mp):
                    add(mp)
        else:
            add(p)
    return out


def plan_jobs(files: list[Path], *, output: str | None, in_place: bool, backup: bool = True,
              today: _dt.date | None = None, limits: Limits | None = None,
              strict: bool = False, allow_cycles: bool = False) -> list[Job]:
    """One job per file; ``output`` is a folder (kept file names) or, for one file, a file."""
    if not files:
        raise BatchError("no workbook to recalculate")
    limits = limits or Limits()
    common = {"in_place": in_place, "backup": backup, "today": today, "limits": limits,
              "strict": strict, "allow_cycles": allow_cycles}
    if in_place or output is None:
        return [Job(str(f), None, **common) for f in files]
    out = Path(output)
    if (len(files) == 1 and out.suffix.lower() in (*SUFFIXES, ".xltx", ".xltm")
            and not out.is_dir()):
        return [Job(str(files[0]), str(out), **common)]
    if out.exists() and not out.is_dir():
        raise BatchError(f"-o {output}: not a folder")
    names: dict[str, Path] = {}
    for f in files:
        prev = names.get(f.name.lower())
        if prev is not None:
            raise BatchError(f"two inputs named {f.name} ({prev.parent} and {f.parent}) "
                             f"would write the same file in {output}")
        names[f.name.lower()] = f
        if f.resolve().parent == out.resolve():
            raise BatchError(f"-o {output} is the folder of {f.name}; use --in-place "
                             "to overwrite inputs")
    out.mkdir(parents=True, exist_ok=True)
    return [Job(str(f), str(out / f.name), **common) for f in files]


def run_job(job: Job) -> dict[str, Any]:
    """Recalculate one file; never raises (failures are report entries)."""
    from kpi_xl.recalc.api import RecalcReport, recalc

    try:
        rep = recalc(job.src, job.output, in_place=job.in_place, backup=job.backup,
                     today=job.today, limits=job.limits, strict=job.strict,
                     allow_cycles=job.allow_cycles, raise_errors=False)
    except MemoryError:
        rep = RecalcReport(path=job.src, ok=False, error=f"{Path(job.src).name}: out of memory")
    except Exception as exc:  # an internal error: one file fails, the batch goes on
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f" at {Path(last[0].filename).name}:{last[0].lineno}" if last else ""
        rep = RecalcReport(path=job.src, ok=False,
                           error=f"{Path(job.src).name}: internal error "
                                 f"{exc.__class__.__name__}: {exc}{where}")
    return rep.to_dict()


Progress = Callable[[dict[str, Any]], None]


def run_batch(jobs: list[Job], *, n_jobs: int = 1, dask_scheduler: str | None = None,
              on_done: Progress | None = None) -> list[dict[str, Any]]:
    """Run every job; results in the order of ``jobs``."""
    if dask_scheduler:
        results = _run_dask(jobs, dask_scheduler, on_done)
    elif n_jobs > 1 and len(jobs) > 1:
        results = _run_processes(jobs, n_jobs, on_done)
    else:
        results = []
        for job in jobs:
            r = run_job(job)
            results.append(r)
            if on_done:
                on_done(r)
    return results


def _crashed(job: Job, why: str) -> dict[str, Any]:
    from kpi_xl.recalc.api import RecalcReport

    return RecalcReport(path=job.src, ok=False,
                        error=f"{Path(job.src).name}: worker process died ({why})").to_dict()


def _run_processes(jobs: list[Job], n_jobs: int, on_done: Progress | None
                   ) -> list[dict[str, Any]]:
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
    results: dict[int, dict[str, Any]] = {}
    pending = list(range(len(jobs)))
    retry: list[int] = []
    while pending:
        with ProcessPoolExecutor(max_workers=min(n_jobs, len(pending)), mp_context=ctx) as ex:
            futs = {ex.submit(run_job, jobs[i]): i for i in pending}
            pending = []
            broken = False
            not_done = set(futs)
            while not_done:
                done, not_done = wait(not_done, return_when=FIRST_COMPLETED)
                for f in done:
                    i = futs[f]
                    try:
                        results[i] = f.result()
                    except BrokenProcessPool:
                        broken = True
                        retry.append(i)
                        continue
                    except Exception as exc:  # pragma: no cover - pickling and the like
                        results[i] = _crashed(jobs[i], f"{exc.__class__.__name__}: {exc}")
                    if on_done:
                        on_done(results[i])
            if broken:
                ex.shutdown(cancel_futures=True)
        # files in flight when a worker died: each once more, alone, in a fresh process
        for i in retry:
            with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as ex1:
                try:
                    results[i] = ex1.submit(run_job, jobs[i]).result()
                except BrokenProcessPool:
                    results[i] = _crashed(jobs[i], "killed or crashed")
            if on_done:
                on_done(results[i])
        retry = []
    return [results[i] for i in range(len(jobs))]


def _run_dask(jobs: list[Job], address: str, on_done: Progress | None) -> list[dict[str, Any]]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise BatchError("--dask-scheduler needs dask[distributed]: "
                         "pip install 'dask[distributed]'") from None
    try:
        client = Client(address, timeout=30)
    except (OSError, TimeoutError) as exc:
        raise BatchError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        futs = client.map(run_job, jobs, pure=False)
        index = {f.key: i for i, f in enumerate(futs)}
        results: dict[int, dict[str, Any]] = {}
        for fut in as_completed(futs):
            i = index[fut.key]
            try:
                results[i] = fut.result()
            except Exception as exc:  # a worker died: dask retries, then gives up
                results[i] = _crashed(jobs[i], f"{exc.__class__.__name__}: {exc}")
            if on_done:
                on_done(results[i])
        return [results[i] for i in range(len(jobs))]
    finally:
        client.close()


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in results if r["ok"]]
    return {
        "files": len(results),
        "ok": len(ok),
        "failed": len(results) - len(ok),
        "formulas_seen": sum(r["formulas_seen"] for r in ok),
        "recalculated": sum(r["recalculated"] for r in ok),
        "unsupported": sum(len(r["unsupported"]) for r in ok),
        "seconds": round(sum(r["seconds"] for r in results), 3),
    }
