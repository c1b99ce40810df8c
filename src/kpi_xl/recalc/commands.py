"""CLI commands of the recalc face (registered by kpi_xl.cli)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this face's commands to the main app."""
