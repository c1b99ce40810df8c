"""``kpi-xl recalc --in-place`` killed with SIGKILL at random moments: the file is always the
intact original or the complete result (a short version of the reliability issue's test)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from kpi_xl.recalc.api import recalc

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
RUNS = 8


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, bytes]:
    folder = tmp_path_factory.mktemp("crash")
    src = folder / "src.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    ws.append(["a", "b", "c", "d"])
    for r in range(2, 30_002):
        ws.append([r * 0.5, r % 7, f"=A{r}*B{r}", f"=IF(B{r}>0,A{r}/B{r},0)"])
    wb.save(src)
    done = folder / "done.xlsx"
    recalc(src, done)
    return src, src.read_bytes(), done.read_bytes()


def test_sigkill_in_place_leaves_original_or_result(book, tmp_path: Path) -> None:
    src, original, result = book
    rng = random.Random(5)
    outcomes = {"original": 0, "result": 0}
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    # how long a whole run takes here, to spread the kills over it
    target = tmp_path / "probe.xlsx"
    shutil.copy(src, target)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kpi_xl", "recalc", str(target), "--in-place",
                    "--no-backup", "-q"], check=True, env=env, timeout=300)
    span = time.perf_counter() - t0
    assert target.read_bytes() == result
    for i in range(RUNS):
        folder = tmp_path / f"run{i}"
        folder.mkdir()
        target = folder / "book.xlsx"
        shutil.copy(src, target)
        proc = subprocess.Popen([sys.executable, "-m", "kpi_xl", "recalc", str(target),
                                 "--in-place", "--no-backup", "-q"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, span * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        data = target.read_bytes()
        assert data in (original, result), f"run {i}: the file is neither original nor result"
        outcomes["original" if data == original else "result"] += 1
        # a killed run may leave its temporary file beside the target, never in its place
        for p in folder.iterdir():
            assert p == target or p.name.endswith(".kpi-xl.tmp"), p.name
    assert sum(outcomes.values()) == RUNS
    # the next in-place run over a folder with leftovers removes them (it holds the lock)
    folder = tmp_path / "leftover"
    folder.mkdir()
    shutil.copy(src, folder / "book.xlsx")
    (folder / ".book.xlsx.abc123.kpi-xl.tmp").write_bytes(b"partial")
    subprocess.run([sys.executable, "-m", "kpi_xl", "recalc", str(folder / "book.xlsx"),
                    "--in-place", "--no-backup", "-q"], check=True, env=env, timeout=300)
    assert [p.name for p in folder.iterdir()] == ["book.xlsx"]
    assert (folder / "book.xlsx").read_bytes() == result


def test_in_place_removes_only_its_own_stale_temps(book, tmp_path: Path) -> None:
    """Leftovers of killed runs for the file and its backup go; a sibling's do not."""
    src, _original, result = book
    shutil.copy(src, tmp_path / "book.xlsx")
    stale = [".book.xlsx.abc123.kpi-xl.tmp", ".book.bak.xlsx.k2x9_q1z.kpi-xl.tmp"]
    sibling = ".book.xlsx.v2.xlsx.abc123.kpi-xl.tmp"  # another file's, maybe being written
    for name in [*stale, sibling]:
        (tmp_path / name).write_bytes(b"partial")
    recalc(tmp_path / "book.xlsx", in_place=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [sibling, "book.bak.xlsx", "book.xlsx"])
    assert (tmp_path / "book.xlsx").read_bytes() == result
