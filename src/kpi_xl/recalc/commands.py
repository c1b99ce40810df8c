"""CLI commands of the recalc face (registered by kpi_xl.cli): ``recalc`` and ``fill``."""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

import typer


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"kpi-xl: error: {message}", err=True)
    raise typer.Exit(code)


def _limits(max_part_mb: int | None, max_total_mb: int | None, max_cells: int | None,
            max_formula_length: int | None, max_nesting: int | None,
            timeout: float | None) -> Any:
    from kpi_xl.recalc.limits import MB, Limits

    return Limits().replace(
        max_part_bytes=max_part_mb * MB if max_part_mb else None,
        max_total_bytes=max_total_mb * MB if max_total_mb else None,
        max_cells=max_cells, max_formula_length=max_formula_length, max_nesting=max_nesting,
        timeout_s=timeout)


def _limit_option(flag: str) -> Any:
    """The typer option of one limit flag, from ``limits.cli_options`` (shared by ``recalc``
    and ``fill``, so both commands have the same flags with the same help)."""
    from kpi_xl.recalc.limits import cli_options

    _field, _type, help_text = cli_options[flag]
    return typer.Option(None, flag, help=help_text)


def _today(value: str | None) -> _dt.date | None:
    if not value:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"--today {value!r}: use YYYY-MM-DD")
    return None


def _write_json(path: str, doc: Any) -> None:
    """Atomically (temp file, fsync, rename); without importing pandas."""
    from kpi_xl.recalc.writer import atomic_output

    with atomic_output(Path(path)) as fh:
        fh.write((json.dumps(doc, indent=2, default=str) + "\n").encode())


def _line(r: dict[str, Any]) -> str:
    name = Path(r["path"]).name
    if not r["ok"]:
        return r["error"] or f"{name}: failed"
    bits = [f"{r['formulas_seen']:,} formulas", f"{r['recalculated']:,} recalculated",
            f"{r['changed']:,} changed"]
    if r["unsupported"]:
        fns = ", ".join(list(r["unsupported_functions"])[:5])
        bits.append(f"{len(r['unsupported']):,} unsupported ({fns})")
    if r["cycles"]:
        bits.append(f"{len(r['cycles'])} cycle(s)")
    if r["errors"]:
        bits.append(f"{len(r['errors'])} error(s)")
    dest = f" -> {r['output']}" if r.get("output") else ""
    return f"{name}: {', '.join(bits)}{dest} ({r['seconds']:.2f} s)"


def register(app: typer.Typer) -> None:
    """Add this face's commands to the main app."""

    @app.command("recalc")
    def recalc_cmd(
        paths: list[str] = typer.Argument(..., help="Workbooks, folders or glob patterns."),
        output: str | None = typer.Option(None, "--output", "-o",
                                          help="Folder for the results (file names kept); "
                                               "for one input, also a file name."),
        in_place: bool = typer.Option(False, "--in-place", help="Overwrite the inputs."),
        no_backup: bool = typer.Option(False, "--no-backup",
                                       help="With --in-place: keep no NAME.bak.xlsx."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Recalculate, write nothing."),
        jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Local worker processes."),
        dask_scheduler: str | None = typer.Option(
            None, "--dask-scheduler", help="Run the batch on this Dask scheduler "
                                           "(tcp://host:8786); files must be on a shared path."),
        report: str | None = typer.Option(None, "--report", help="Write a JSON report here."),
        strict: bool = typer.Option(False, "--strict",
                                    help="Fail a file with unsupported formulas, cycles or "
                                         "evaluation errors (nothing written for it)."),
        allow_cycles: bool = typer.Option(
            False, "--allow-cycles", help="Recalculate a workbook with circular references "
                                          "(their cells keep their values) instead of failing."),
        today: str | None = typer.Option(None, "--today", help="TODAY() for this run "
                                                               "(YYYY-MM-DD)."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors."),
        max_part_mb: int | None = _limit_option("--max-part-mb"),
        max_total_mb: int | None = _limit_option("--max-total-mb"),
        max_cells: int | None = _limit_option("--max-cells"),
        max_formula_length: int | None = _limit_option("--max-formula-length"),
        max_nesting: int | None = _limit_option("--max-nesting"),
        timeout: float | None = _limit_option("--timeout"),
    ) -> None:
        """Recalculate workbooks headless: formulas and KPI_* calls, values patched in place.

        Everything else in each file (charts, VBA, sparklines, comments, styles) stays byte
        for byte. Exit code 0: all files done; 1: some files failed (listed at the end);
        2: a usage error, or the only file given could not be read.
        """
        from kpi_xl.recalc.batch import BatchError, expand_inputs, plan_jobs, run_batch, summary

        modes = sum([output is not None, in_place, dry_run])
        if modes != 1:
            _fail("give exactly one of -o DIR, --in-place or --dry-run")
        limits = _limits(max_part_mb, max_total_mb, max_cells, max_formula_length,
                         max_nesting, timeout)
        try:
            files = expand_inputs(paths)
            plan = plan_jobs(files, output=output, in_place=in_place, backup=not no_backup,
                             today=_today(today), limits=limits, strict=strict,
                             allow_cycles=allow_cycles)
        except BatchError as exc:
            _fail(str(exc))
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        console = Console(stderr=True)
        show_bar = len(plan) > 1 and console.is_terminal and not quiet
        progress = Progress("[progress.description]{task.description}", BarColumn(),
                            MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                            disable=not show_bar, transient=True)

        def done(r: dict[str, Any]) -> None:
            progress.advance(task)
            if not quiet and len(plan) > 1 and r["ok"]:
                typer.echo(_line(r))  # above the bar (rich redirects stdout while it runs)

        with progress:
            task = progress.add_task("recalc", total=len(plan))
            try:
                results = run_batch(plan, n_jobs=jobs, dask_scheduler=dask_scheduler,
                                    on_done=done)
            except BatchError as exc:
                _fail(str(exc))
                return
        if report:
            doc = {"summary": summary(results), "files": results}
            _write_json(report, doc)
        failures = [r for r in results if not r["ok"]]
        if len(results) == 1:
            r = results[0]
            if not r["ok"]:
                _fail(r["error"] or "failed", 2)
            if not quiet:
                typer.echo(_line(r))
            return
        s = summary(results)
        if not quiet:
            typer.echo(f"{s['ok']} of {s['files']} workbook(s) recalculated, "
                       f"{s['recalculated']:,} formula cells, {s['failed']} failed "
                       f"({s['seconds']:.1f} s)")
        if failures:
            typer.echo(f"kpi-xl: {len(failures)} file(s) failed:", err=True)
            for r in failures:
                typer.echo(f"  {r['error']}", err=True)
            raise typer.Exit(1)

    @app.command("fill")
    def fill_cmd(
        template: str = typer.Argument(..., help="The workbook whose tables to fill."),
        table: list[str] = typer.Option(..., "--table", "-t",
                                        help="NAME=data.csv or NAME=data.parquet (repeatable)."),
        output: str = typer.Option(..., "--output", "-o", help="The workbook to write."),
        no_recalc: bool = typer.Option(False, "--no-recalc",
                                       help="Only fill; leave cached values stale."),
        strict: bool = typer.Option(False, "--strict",
                                    help="Fail on unsupported formulas, cycles or errors."),
        allow_cycles: bool = typer.Option(False, "--allow-cycles",
                                          help="Recalculate despite circular references."),
        today: str | None = typer.Option(None, "--today", help="TODAY() (YYYY-MM-DD)."),
        report: str | None = typer.Option(None, "--report", help="Write a JSON report here."),
        max_part_mb: int | None = _limit_option("--max-part-mb"),
        max_total_mb: int | None = _limit_option("--max-total-mb"),
        max_cells: int | None = _limit_option("--max-cells"),
        max_formula_length: int | None = _limit_option("--max-formula-length"),
        max_nesting: int | None = _limit_option("--max-nesting"),
        timeout: float | None = _limit_option("--timeout"),
    ) -> None:
        """Replace Excel Tables' rows with CSV/Parquet data, then recalculate.

        The table's range and autofilter are resized, its calculated columns copied down,
        its totals row moved; text is always written as text (never as a formula).
        """
        from kpi_xl.recalc.api import RecalcError
        from kpi_xl.recalc.fill import FillError, fill
        from kpi_xl.recalc.limits import LimitExceeded
        from kpi_xl.recalc.reader import WorkbookError

        data: dict[str, str] = {}
        for spec in table:
            name, sep, path = spec.partition("=")
            if not sep or not name.strip() or not path.strip():
                _fail(f"--table {spec!r} must look like NAME=data.csv")
            data[name.strip()] = path.strip()
        limits = _limits(max_part_mb, max_total_mb, max_cells, max_formula_length,
                         max_nesting, timeout)
        try:
            rep = fill(template, data, output, recalculate=not no_recalc,
                       today=_today(today), strict=strict, allow_cycles=allow_cycles,
                       limits=limits)
        except (FillError, WorkbookError, LimitExceeded, RecalcError) as exc:
            _fail(str(exc).splitlines()[0])
            return
        except MemoryError:
            _fail(f"{Path(template).name}: out of memory")
            return
        if report:
            _write_json(report, rep)
        rows = ", ".join(f"{t['table']}: {t['rows']:,} rows" for t in rep["tables"])
        line = f"{Path(template).name} -> {output}: {rows}"
        if rep.get("recalc"):
            line += " | " + _line(rep["recalc"]).split(": ", 1)[-1]
        typer.echo(line)
