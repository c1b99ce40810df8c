"""CLI commands of the excel face (registered by kpi_xl.cli)."""

from __future__ import annotations

from pathlib import Path

import typer

excel_app = typer.Typer(
    name="excel",
    help="Excel functions (KPI_NPS, KPI_ROI, ...) through xlwings: desktop Excel, xlwings "
         "Lite and xlwings Server.",
    no_args_is_help=True,
)


@excel_app.command("quickstart")
def quickstart(
    name: str = typer.Argument(..., help="Workbook name, e.g. 'demo' writes demo.xlsm."),
    output: Path = typer.Option(Path("."), "--output", "-o", help="Folder to write into."),
    force: bool = typer.Option(False, "--force", help="Replace an existing workbook."),
    xlsx: bool = typer.Option(
        False, "--xlsx",
        help="Write a plain .xlsx without the VBA project (enough for xlwings Lite and "
             "xlwings Server; desktop Excel's Import Functions needs the .xlsm)."),
) -> None:
    """Write a workbook with one KPI formula per category, ready for xlwings.

    Examples sheet: sample data, formulas, expected values. xlwings.conf sheet: UDF Modules.
    """
    from kpi_xl.cli import UserError
    from kpi_xl.excel.quickstart import UDF_MODULE, write_quickstart

    try:
        path = write_quickstart(name, output, force=force, macro=not xlsx)
    except (ValueError, FileExistsError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot write the workbook: {exc}") from None
    typer.echo(f"wrote {path}")
    typer.echo(f"UDF Modules = {UDF_MODULE}; setup for each runtime: docs/excel.md")


def register(app: typer.Typer) -> None:
    """Add this face's commands to the main app."""
    app.add_typer(excel_app, name="excel")
