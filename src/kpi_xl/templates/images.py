"""Render each template's Dashboard to PNG (LibreOffice -> PDF -> pdftoppm) for the docs.

``python -m kpi_xl.templates.images docs/images`` regenerates docs/images/*-dashboard.png.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from kpi_xl.templates.builder import build
from kpi_xl.templates.libreoffice import convert, pdf_pages_with, render_png
from kpi_xl.templates.registry import TEMPLATES

__all__ = ["render_dashboards"]


def render_dashboards(outdir: Path, *, first_month: str = "2025-01-01", seed: int = 0,
                      names: list[str] | None = None) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names or list(TEMPLATES):
            spec = TEMPLATES[name]
            xlsx = Path(tmp) / f"{name}.xlsx"
            build(spec, xlsx, seed=seed, first_month=first_month)
            pdf = convert(xlsx, Path(tmp) / "pdf", "pdf")
            pages = pdf_pages_with(pdf, f"{spec.title} — dashboard")
            if not pages:
                raise RuntimeError(f"no dashboard page found in {pdf}")
            out.append(render_png(pdf, pages[0], outdir / f"{name}-dashboard.png"))
    return out


if __name__ == "__main__":  # pragma: no cover
    for p in render_dashboards(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images")):
        print(p)
