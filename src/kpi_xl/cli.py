"""The ``kpi-xl`` command line: a thin layer over the library.

User mistakes (unknown KPI, missing column, bad file) end with one line on stderr and exit
code 2 -- never a traceback.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import typer

app = typer.Typer(
    name="kpi-xl",
    help="KPI math for Python and Excel: catalog, KPI tables, Excel functions, templates.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class UserError(Exception):
    """A mistake in the user's input: reported as one line, exit code 2."""


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"kpi-xl: error: {message}", err=True)
    raise typer.Exit(code)


@app.command("list")
def list_kpis(
    category: str | None = typer.Option(None, "--category", "-c", help="Only this category."),
    kind: str | None = typer.Option(None, "--kind", help="kpi, variant, helper or uncertainty."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array instead of a table."),
) -> None:
    """List the catalog: every KPI, variant and helper."""
    from kpi_xl import catalog

    if category and category.lower() not in catalog.categories():
        fail(f"unknown category {category!r}; categories: {', '.join(catalog.categories())}")
    entries = catalog.all_entries(category=category, kind=kind)
    if as_json:
        import json

        typer.echo(json.dumps([d.to_dict() for d in entries], indent=2, default=str))
        return
    from rich.table import Table

    console = _console()
    wide = console.width >= 150
    table = Table(title=f"kpi-xl catalog ({len(entries)} entries)", show_lines=False)
    for col in ("id", "Excel", "category", "level", "lead/lag", "unit", "direction"):
        table.add_column(col, no_wrap=col in ("id", "Excel"))
    if wide:
        table.add_column("formula", overflow="fold")
    for d in entries:
        row = [d.id, d.excel_name, d.category, d.level or "—", d.indicator or "—", d.unit,
               d.direction.replace("_is_better", "").replace("_is_", " is ")]
        table.add_row(*row, *([d.formula] if wide else []))
    console.print(table)
    if not wide:
        console.print("Formulas: kpi-xl explain ID, or a wider terminal.", style="dim")


@app.command()
def explain(kpi: str = typer.Argument(..., help="A KPI id, alias or Excel name.")) -> None:
    """Explain one KPI: definition, formula, arguments, edge cases, worked examples."""
    from rich.console import Console
    from rich.markdown import Markdown

    from kpi_xl import catalog
    from kpi_xl.docs import entry_markdown

    d = catalog.get(kpi)
    Console().print(Markdown(entry_markdown(d)))


@app.command()
def compute(
    path: str = typer.Argument(..., help="A CSV or Parquet file with one row per observation."),
    kpi: list[str] = typer.Option(..., "--kpi", "-k", help="id:column[,column][:option=value;...], repeatable."),
    by: str | None = typer.Option(None, "--by", help="day, week, month, quarter or year."),
    date: str | None = typer.Option(None, "--date", help="The date column (default: detected)."),
    dim: list[str] = typer.Option([], "--dim", help="Group also by this column (repeatable)."),
    fiscal_year_start: int = typer.Option(1, "--fiscal-year-start", help="First month of the fiscal year."),
    target: list[str] = typer.Option([], "--target", help="kpi=value: add target and status columns."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv or json."),
    output: str | None = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout."),
) -> None:
    """Compute a KPI table from a CSV or Parquet file."""
    from kpi_xl.io import read_table, write_atomic

    if fmt not in ("table", "csv", "json"):
        fail(f"unknown format {fmt!r}; use table, csv or json")
    targets = {}
    for t in target:
        name, _, value = t.partition("=")
        try:
            targets[name.strip()] = float(value)
        except ValueError:
            fail(f"--target {t!r} must look like kpi=number")
    from kpi_xl.frame import kpi_table

    data = read_table(path)
    result = kpi_table(data, kpi, by=by, date=date, dims=dim,
                       fiscal_year_start=fiscal_year_start, targets=targets)
    if fmt == "csv":
        text = result.to_csv(index=False)
    elif fmt == "json":
        text = result.to_json(orient="records", indent=2)
    else:
        if output:
            text = result.to_string(index=False) + "\n"
        else:
            from kpi_xl.frame import parse_kpi_spec

            specs = [parse_kpi_spec(k) for k in kpi]
            units = {sp.name: sp.definition.unit for sp in specs}
            units.update({f"{sp.name}_target": sp.definition.unit for sp in specs})
            _print_table(result, units)
            return
    if output:
        write_atomic(output, text.encode())
    else:
        typer.echo(text, nl=False)


def _console() -> Any:
    from rich.console import Console

    # Piped output has no terminal width; don't squeeze tables into 80 columns there.
    return Console() if sys.stdout.isatty() else Console(width=200)


def _print_table(frame: Any, units: dict[str, str]) -> None:
    from rich.table import Table

    table = Table()
    for col in frame.columns:
        numeric = frame[col].dtype.kind in "fi" or str(frame[col].dtype) == "Float64"
        table.add_column(str(col), justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*(_cell(v, units.get(str(c), "")) for c, v in zip(frame.columns, row, strict=False)))
    _console().print(table)


def _cell(value: Any, unit: str) -> str:
    """Display a value by its KPI's unit: ratios as percentages, others readably."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    if not isinstance(value, float):
        return str(value)
    if unit == "ratio":
        return f"{value:.1%}"
    if unit in ("score", "scale_mean", "multiple", "duration", "periods", "rate"):
        return f"{value:,.2f}"
    return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"


def _register_faces() -> None:
    # Each face adds its own commands; imports stay inside the face's package.
    from kpi_xl.excel.commands import register as register_excel
    from kpi_xl.recalc.commands import register as register_recalc
    from kpi_xl.templates.commands import register as register_templates

    register_excel(app)
    register_templates(app)
    register_recalc(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    from kpi_xl.core.errors import KpiError

    _register_faces()
    try:
        app(args=argv, standalone_mode=True)
    except (UserError, KpiError) as exc:
        typer.echo(f"kpi-xl: error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":  # pragma: no cover
    main()
