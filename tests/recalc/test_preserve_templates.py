"""Issue item 8a: every template, in both formula modes, at a few sizes -- the udf-mode file
recalculated by kpi-xl equals the native-mode file recalculated by LibreOffice, cell by cell
(every formula cell of the udf file; rel. 1e-9), and kpi-xl changes nothing but values."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import pytest
from test_io_support import members, strip_values

from kpi_xl.recalc import reader
from kpi_xl.recalc.api import recalc
from kpi_xl.recalc.model import ExcelError

templates = pytest.importorskip("kpi_xl.templates.registry")
builder = pytest.importorskip("kpi_xl.templates.builder")

pytestmark = pytest.mark.libreoffice
NAMES = list(templates.TEMPLATES)
SIZES = [None, 40]  # the template's default sample size, and a small one
FIRST = "2025-01-01"


@pytest.fixture
def lo() -> Any:
    from kpi_xl.templates import libreoffice

    if not libreoffice.available():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("LibreOffice (soffice) is required when CI=true")
        pytest.skip("LibreOffice (soffice) is not installed")
    return libreoffice


def _norm(v: Any) -> Any:
    if isinstance(v, ExcelError):
        return str(v)
    if isinstance(v, str) and v.startswith("Err:"):
        return "#VALUE!"
    if v == "":
        return None
    return v


def _close(a: Any, b: Any) -> bool:
    a, b = _norm(a), _norm(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"rows={s}")
@pytest.mark.parametrize("name", NAMES)
def test_udf_mode_by_kpi_xl_equals_native_mode_by_libreoffice(name, size, tmp_path: Path,
                                                              lo) -> None:
    spec = templates.get_template(name)
    udf = builder.build(spec, tmp_path / f"{name}-udf.xlsx", mode="udf", rows=size, seed=7,
                        first_month=FIRST)
    native = builder.build(spec, tmp_path / f"{name}-native.xlsx", mode="native", rows=size,
                           seed=7, first_month=FIRST)
    ours = tmp_path / "kpi-xl" / udf.path.name
    rep = recalc(udf.path, ours)
    assert rep.ok and not rep.cycles and not rep.errors
    assert not rep.unsupported, rep.unsupported_functions
    assert rep.recalculated == rep.formulas_seen
    theirs = lo.recalculate(native.path, tmp_path / "lo")
    a = reader.load(ours)
    b = reader.load(theirs)
    bad: dict[str, tuple[Any, Any]] = {}
    for sname, sm in a.sheets.items():
        other = b.sheets[sname].values
        for (r, c) in sm.formulas:
            mine = sm.values[r, c]
            ref = other[r, c] if r < other.shape[0] and c < other.shape[1] else None
            if not _close(mine, ref):
                bad[f"{sname}!{reader.col_letters(c)}{r + 1}"] = (mine, ref)
    unsupported = sorted({u["function"] for u in rep.unsupported})
    assert not bad, (f"{len(bad)} cells differ (unsupported: {unsupported}); first: "
                     f"{dict(list(bad.items())[:8])}")
    # and the recalculated udf file differs from its source in values only
    src, out = members(udf.path), members(ours)
    for part in src:
        if src[part] != out[part]:
            assert part.startswith("xl/worksheets/") and \
                strip_values(src[part]) == strip_values(out[part]), part
