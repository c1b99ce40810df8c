"""CLI commands of the templates face (registered by kpi_xl.cli): ``template`` and ``demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from kpi_xl.fsutil import atomic_path

__all__ = ["fmt_value", "register", "write_atomic"]


def fmt_value(value: Any, unit: str) -> str:
    """A KPI value as the dashboard shows it.

    >>> fmt_value(0.1234, "ratio"), fmt_value(None, "ratio"), fmt_value(40.0, "score")
    ('12.3%', 'no data', '40')
    """
    if value is None or isinstance(value, str):
        return "no data" if value is None else value
    if unit == "ratio":
        return f"{value:.1%}"
    if unit == "score":
        return f"{value:.0f}"
    if unit == "multiple":
        return f"{value:.2f}x"
    if unit == "duration":
        return f"{value:.1f} h"
    if unit in ("count",):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def write_atomic(dest: Path, write: Any, *, force: bool) -> Any:
    """Call ``write(tmp_path)`` then move the file into place; never clobber without force."""
    with atomic_path(dest.resolve(), overwrite=force, keep_extension=True) as tmp:
        return write(tmp)


def register(app: typer.Typer) -> None:
    """Add this face's commands to the main app."""

    @app.command("template")
    def template_cmd(
        name: str = typer.Argument(None, help="Template: marketing, sales, service, website, "
                                              "finance, saas or scorecard."),
        output: Path = typer.Option(None, "-o", "--output", help="Workbook to write (.xlsx)."),
        list_: bool = typer.Option(False, "--list", help="List the templates and their KPIs."),
        formulas: str = typer.Option("native", "--formulas",
                                     help="native (built-in functions) or udf (KPI_* add-in)."),
        rows: int = typer.Option(None, "--rows", min=1,
                                 help="Rows of the main data table (default: 12 months of sample)."),
        empty: bool = typer.Option(False, "--empty", help="Leave the data tables empty."),
        seed: int = typer.Option(0, "--seed", help="Seed of the sample data."),
        first_month: str = typer.Option(None, "--first-month",
                                        help="First month, YYYY-MM (default: 12 months ago)."),
        force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    ) -> None:
        """Write a ready-made KPI workbook (data tables, targets, dashboard)."""
        from kpi_xl.cli import fail
        from kpi_xl.templates.formulas import select_kpis
        from kpi_xl.templates.registry import TEMPLATES, get_template

        if list_:
            from rich.console import Console
            from rich.table import Table

            table = Table(title="kpi-xl templates")
            table.add_column("template", style="bold")
            table.add_column("what it tracks")
            table.add_column("KPIs (from the catalog)")
            for t in TEMPLATES.values():
                ids = ", ".join(k.id for k in select_kpis(t)) if not t.scorecard else \
                    "any KPI you define (register)"
                table.add_row(t.name, t.purpose, ids)
            Console().print(table)
            return
        if not name:
            fail("give a template name (or --list)")
        try:
            spec = get_template(name)
        except KeyError as exc:
            fail(str(exc.args[0]))
        if formulas not in ("native", "udf"):
            fail(f"--formulas must be native or udf, not {formulas!r}")
        if output is None:
            output = Path(f"{spec.name}-kpis.xlsx")
        if output.suffix.lower() != ".xlsx":
            fail(f"output must be an .xlsx file: {output}")
        first = _month(first_month, fail)
        from kpi_xl.templates.builder import build

        try:
            built = write_atomic(output, lambda p: build(
                spec, p, mode=formulas, rows=rows, empty=empty, seed=seed, first_month=first),
                force=force)
        except FileExistsError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}")
        typer.echo(f"wrote {output} ({spec.name}, {len(built.kpis)} KPIs, {formulas} formulas)")

    @app.command("demo")
    def demo_cmd(
        output: Path = typer.Option(Path("kpi-demo"), "-o", "--output", help="Folder to write."),
        formulas: str = typer.Option("native", "--formulas", help="native or udf."),
        seed: int = typer.Option(0, "--seed", help="Seed of the sample data."),
        force: bool = typer.Option(False, "--force", help="Overwrite existing files."),
    ) -> None:
        """Write every template with sample data, recalculate it, summarise each dashboard."""
        from rich.console import Console
        from rich.table import Table

        from kpi_xl.cli import fail
        from kpi_xl.templates.registry import TEMPLATES

        if formulas not in ("native", "udf"):
            fail(f"--formulas must be native or udf, not {formulas!r}")
        if output.exists() and not output.is_dir():
            fail(f"{output} is not a folder")
        targets = {n: output / f"{n}-kpis.xlsx" for n in TEMPLATES}
        clash = [str(p) for p in targets.values() if p.exists()]
        if clash and not force:
            fail(f"{clash[0]} exists; use --force to overwrite")
        console = Console()
        colours = {"on_track": "green", "at_risk": "yellow", "off_track": "red"}
        for n, path in targets.items():
            spec = TEMPLATES[n]
            try:
                built, report = write_atomic(path, lambda p, spec=spec: _build_and_recalc(
                    spec, p, formulas, seed), force=force)
            except OSError as exc:
                fail(f"cannot write {path}: {exc.strerror or exc}")
            table = Table(title=f"{spec.title} — {path}  (reporting month "
                                f"{built.reporting_month:%b %Y})", title_justify="left",
                          caption=f"{report.recalculated:,} formulas recalculated headless; "
                                  "cached values filled", caption_justify="left")
            for col in ("KPI", "current", "target", "status"):
                table.add_column(col, justify="left" if col == "KPI" else "right")
            for s in _summary(built):
                colour = colours.get(s[3], "dim")
                table.add_row(s[0], s[1], s[2], f"[{colour}]{s[3].replace('_', ' ')}[/]")
            console.print(table)
        console.print(f"Open the workbooks in {output}/ — each starts on its Dashboard.")


def _build_and_recalc(spec: Any, path: Path, formulas: str, seed: int) -> tuple[Any, Any]:
    """Build the workbook, then recalculate it headless so its cached values are filled in
    for readers that do not calculate (pandas, python-calamine, previewers)."""
    from kpi_xl.recalc.api import recalc
    from kpi_xl.templates.builder import build

    built = build(spec, path, mode=formulas, seed=seed)
    report = recalc(path, in_place=True, backup=False, raise_errors=False)
    if not report.ok or report.unsupported or report.errors:
        problem = report.error or (report.unsupported or report.errors)[0]
        raise RuntimeError(f"recalculating {path.name} failed: {problem}")
    return built, report


def _summary(built: Any) -> list[tuple[str, str, str, str]]:
    """(KPI, current, target, status) computed with the core on the sample data."""
    import pandas as pd

    import kpi_xl
    from kpi_xl.templates.evaluate import summarize

    rows = []
    if built.spec.scorecard:
        month = built.reporting_month.strftime("%Y-%m")
        frame = built.frames["Register"].set_index("KPI id")
        for k, kid in zip(built.kpis, frame.index, strict=True):
            actual = frame.loc[kid, month]
            actual = None if pd.isna(actual) else float(actual)
            t = built.targets[kid]
            label = kpi_xl.status(actual, t["target"], t["direction"], t["at_risk_tolerance"])
            rows.append((k.d.name, fmt_value(actual, k.d.unit), fmt_value(t["target"], k.d.unit),
                         label))
        return rows
    for s in summarize(built.spec, built.kpis, built.frames, built.first_month,
                       built.reporting_month, built.targets):
        unit = s.kpi.d.unit
        rows.append((s.kpi.d.name, fmt_value(s.current, unit), fmt_value(s.target, unit), s.status))
    return rows


def _month(text: str | None, fail: Any) -> Any:
    if text is None:
        return None
    import pandas as pd

    try:
        return pd.Timestamp(text + "-01" if len(text) == 7 else text).to_period("M").to_timestamp()
    except ValueError:
        fail(f"--first-month must look like 2025-01, not {text!r}")
