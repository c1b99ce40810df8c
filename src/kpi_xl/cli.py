"""The ``kpi-xl`` command line: a thin layer over the library.

User mistakes (unknown KPI, missing column, bad file) end with one line on stderr and exit
code 2 -- never a traceback.
"""

from __future__ import annotations

import sys
from typing import NoReturn

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


def _register_faces() -> None:
    # Each face adds its own commands; imports stay inside the face's package.
    from kpi_xl.excel.commands import register as register_excel
    from kpi_xl.templates.commands import register as register_templates

    register_excel(app)
    register_templates(app)


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
