"""LibreOffice headless as an oracle: recalculate a workbook, convert it to PDF.

LibreOffice recalculates an xlsx on load only when its profile says so
(``OOXMLRecalcMode`` = 0, "always"). Every caller therefore gets a private profile directory
holding that setting; parallel callers (pytest-xdist workers) pass distinct ``worker`` names so
they never share a profile (LibreOffice locks it).

Reused by the headless-recalculation work as the reference implementation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["LibreOfficeError", "available", "convert", "profile_dir", "recalculate", "soffice"]

_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


class LibreOfficeError(RuntimeError):
    """soffice is missing, failed, or produced no output."""


def soffice() -> str | None:
    """Path of the soffice executable, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def available() -> bool:
    return soffice() is not None


def profile_dir(worker: str | None = None) -> Path:
    """A private LibreOffice profile with recalculation on load switched on.

    One directory per ``worker`` (default: ``PYTEST_XDIST_WORKER`` or the process id).
    """
    name = worker or os.environ.get("PYTEST_XDIST_WORKER") or f"pid{os.getpid()}"
    root = Path(tempfile.gettempdir()) / f"lo-profile-{name}"
    xcu = root / "user" / "registrymodifications.xcu"
    if not xcu.exists():
        xcu.parent.mkdir(parents=True, exist_ok=True)
        xcu.write_text(_XCU, encoding="utf-8")
    return root


def convert(src: Path | str, outdir: Path | str, fmt: str, *, worker: str | None = None,
            timeout: float = 300) -> Path:
    """Run ``soffice --convert-to fmt`` on ``src``; returns the output file."""
    exe = soffice()
    if exe is None:
        raise LibreOfficeError("LibreOffice (soffice) is not installed")
    src, outdir = Path(src).resolve(), Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    profile = profile_dir(worker)
    cmd = [exe, "--headless", "--norestore", "--nolockcheck",
           f"-env:UserInstallation={profile.as_uri()}",
           "--convert-to", fmt, "--outdir", str(outdir), str(src)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise LibreOfficeError(f"soffice timed out after {timeout:.0f} s on {src.name}") from exc
    out = outdir / f"{src.stem}.{fmt.split(':')[0]}"
    if proc.returncode != 0 or not out.exists():
        raise LibreOfficeError(f"soffice failed on {src.name} (exit {proc.returncode}): "
                               f"{(proc.stderr or proc.stdout).strip()[:500]}")
    return out


def recalculate(src: Path | str, outdir: Path | str, *, worker: str | None = None) -> Path:
    """A copy of ``src`` recalculated and saved by LibreOffice (cached values filled)."""
    src = Path(src)
    outdir = Path(outdir)
    if outdir.resolve() == src.parent.resolve():
        raise ValueError("outdir must differ from the source folder (same file name)")
    return convert(src, outdir, "xlsx:Calc MS Excel 2007 XML", worker=worker)


def pdf_pages_with(pdf: Path, text: str) -> list[int]:
    """1-based pages of ``pdf`` whose text contains ``text`` (poppler's pdftotext)."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    return [i for i, page in enumerate(out.split("\f"), 1) if text in page]


def render_png(pdf: Path, page: int, out_png: Path, *, dpi: int = 110) -> Path:
    """One PDF page to PNG with pdftoppm."""
    stem = out_png.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                    "-singlefile", str(pdf), str(stem)], check=True, capture_output=True)
    return out_png
