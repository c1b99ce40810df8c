"""Item 1 of issue 6: hostile and malformed workbooks given to every command that reads one.

For each case of ``hostile_files.CASES`` and each command -- ``kpi-xl recalc FILE -o OUT``,
``kpi-xl recalc --in-place FILE`` and ``kpi-xl fill FILE --table Sales=data.csv -o OUT`` --
the run must end with exactly one line on stderr that matches the case's specific error, a
non-zero exit code, in < 10 s and < 1 GB peak memory, writing nothing (no output, no backup,
no temporary file left) and leaving the input byte for byte as it was.

Each zip bomb runs in a process of its own (time and peak RSS measured with ``wait4``, address
space capped at 3 GB as a safety net); the other cases run one after the other in one process
per command (``hostile_runner.py``: its high-water RSS bounds every case's peak). Cases that
fail because of a known bug are listed in ``KNOWN_BUGS`` and expected to fail (strictly: the
day a bug is fixed the test turns red until the entry goes). docs/reliability.md has every
case measured in a process of its own (``measure.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hostile_files import BOUNDED_CASES, CASES
from rel_support import Run, kpi_xl, sha256, tree

from kpi_xl.cli import main

HERE = Path(__file__).resolve().parent
TIME_LIMIT_S = 10.0
MEMORY_LIMIT_MB = 1024.0
#: Cases that can use many GB or minutes if a check is missing: always in a subprocess.
HEAVY = {name for name in CASES if name.startswith("zip-bomb")}

#: Known bugs, reported to the owners of kpi_xl.recalc (see docs/reliability.md).
FILL_NAMES_ITS_TEMP = ("an error of fill's recalculation step names fill's hidden temporary "
                       "file (.filled.fill.XXXX.xlsx), not the template")
NO_FILE_NAME = ("the DTD error names the part but not the workbook (every other error names "
                "the file, as WorkbookError promises): in a batch it cannot be told which "
                "file was refused")
ALL = ("recalc", "recalc-in-place", "fill")
#: case -> (reason, commands it affects). Empty: the DTD error now names the workbook and
#: fill's recalculation errors name the template (the two reasons above are kept for
#: measure.py's report notes).
KNOWN_BUGS: dict[str, tuple[str, tuple[str, ...]]] = {}


COMMANDS = ALL


def in_process(args: list[str], capsys: pytest.CaptureFixture[str]) -> Run:
    import time

    t0 = time.perf_counter()
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return Run(args, code, out.out, out.err, time.perf_counter() - t0, float("nan"), False)


def argv(command: str, path: Path, out: Path, data: Path) -> list[str]:
    if command == "recalc":
        return ["recalc", str(path), "-o", str(out / path.name)]
    if command == "recalc-in-place":
        return ["recalc", "--in-place", str(path)]
    return ["fill", str(path), "--table", f"Sales={data}", "-o", str(out / "filled.xlsx")]


class Prepared:
    """One case laid out in its own folder, with what must not change."""

    def __init__(self, root: Path, command: str, name: str) -> None:
        self.name = name
        self.case = root / name / "case"
        self.case.mkdir(parents=True)
        self.path = CASES[name][0](self.case, "fill" if command == "fill" else "book")
        data = root / name / "data.csv"
        data.write_text("Label,Amount,Note\nx,1,y\n")
        self.out = root / name / "out"
        self.out.mkdir()
        self.argv = argv(command, self.path, self.out, data)
        self.before, self.digest = tree(self.case), sha256(self.path)

    def problem(self, run: Run) -> str | None:
        """What is wrong with ``run`` for this case (None: refused as it must be)."""
        pattern = CASES[self.name][1]
        lines = run.error_lines
        if run.timed_out or run.seconds >= TIME_LIMIT_S:
            return f"took {run.seconds:.1f} s"
        if run.peak_rss_mb >= MEMORY_LIMIT_MB:
            return f"peak RSS {run.peak_rss_mb:.0f} MB"
        if run.returncode == 0:
            return f"exit 0: {run.stdout.strip()[:200]}"
        if len(lines) != 1 or "Traceback" in run.stderr:
            return f"not one line: {run.stderr.strip()[-300:]!r}"
        if not lines[0].startswith("kpi-xl: error: ") or not re.search(pattern, lines[0]):
            return f"{lines[0]!r} does not match {pattern!r}"
        if self.path.name not in lines[0]:
            return f"{lines[0]!r} does not name the file {self.path.name}"
        if sha256(self.path) != self.digest:
            return "the input changed"
        if tree(self.case) != self.before:
            return "files appeared next to the input (output, backup or temp)"
        if any(self.out.iterdir()):
            return f"output written: {sorted(p.name for p in self.out.iterdir())}"
        return None


def run_batch(cases: list[Prepared]) -> list[Run]:
    """All cases in one interpreter (``hostile_runner.py``): peak RSS is an upper bound."""
    import json
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, str(HERE / "hostile_runner.py")],
                          input=json.dumps([{"id": c.name, "argv": c.argv} for c in cases]),
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [Run(c.argv, r["returncode"], r["stdout"], r["stderr"], r["seconds"],
                r["peak_rss_mb"], False) for c, r in zip(cases, json.loads(proc.stdout),
                                                         strict=True)]


def expected_failures(command: str) -> dict[str, str]:
    return {n: reason for n, (reason, cmds) in KNOWN_BUGS.items() if command in cmds}


@pytest.mark.parametrize("command", COMMANDS)
def test_hostile_workbooks_are_refused(tmp_path: Path, command: str) -> None:
    """Every case but the zip bombs, run one after the other in one process."""
    cases = [Prepared(tmp_path, command, n) for n in CASES if n not in HEAVY]
    problems = {c.name: why for c, run in zip(cases, run_batch(cases), strict=True)
                if (why := c.problem(run))}
    known = {n: r for n, r in expected_failures(command).items() if n not in HEAVY}
    unexpected = {n: why for n, why in problems.items() if n not in known}
    fixed = sorted(set(known) - set(problems))
    assert not unexpected, "\n".join(f"{n}: {why}" for n, why in unexpected.items())
    assert not fixed, f"fixed now, remove from KNOWN_BUGS: {fixed}"


def _heavy_params() -> list:
    out = []
    for command in COMMANDS:
        for name in sorted(HEAVY):
            reason = expected_failures(command).get(name)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(command, name, marks=marks, id=f"{command}-{name}"))
    return out


@pytest.mark.parametrize(("command", "name"), _heavy_params())
def test_zip_bombs_are_refused(tmp_path: Path, command: str, name: str) -> None:
    """Each zip bomb in a process of its own: time and peak RSS measured with ``wait4``."""
    case = Prepared(tmp_path, command, name)
    run = kpi_xl(*case.argv, timeout=TIME_LIMIT_S + 2)
    why = case.problem(run)
    assert why is None, f"{name}: {why}"


@pytest.mark.parametrize("name", list(BOUNDED_CASES))
def test_declared_dimension_is_only_a_hint(tmp_path: Path, name: str) -> None:
    """A huge ``<dimension>`` over a few cells is harmless: recalculated in bounded time and
    memory (refusing it with a specific error would be acceptable too)."""
    build, _ = BOUNDED_CASES[name]
    path = build(tmp_path, "book")
    digest = sha256(path)
    run = kpi_xl("recalc", str(path), "-o", str(tmp_path / "out.xlsx"),
                 timeout=TIME_LIMIT_S + 2)
    assert run.seconds < TIME_LIMIT_S and run.peak_rss_mb < MEMORY_LIMIT_MB, run
    assert sha256(path) == digest
    if run.returncode:
        assert len(run.error_lines) == 1 and re.search(r"cells|dimension", run.stderr), run
        assert not (tmp_path / "out.xlsx").exists()
    else:
        from kpi_xl.recalc import reader

        values = reader.load(tmp_path / "out.xlsx").sheets["Data"].values
        assert values[0, 3] == sum(2 * (i * 3 % 11) for i in range(2, 12))  # D1 = SUM(B2:B11)


def test_limits_live_in_one_place_with_flags() -> None:
    """Every limit is a field of ``Limits`` and the ones a user may raise have a flag."""
    import dataclasses

    from kpi_xl.recalc.limits import Limits, cli_options

    fields = {f.name for f in dataclasses.fields(Limits)}
    assert {"max_part_bytes", "max_total_bytes", "max_cells", "max_formula_length",
            "max_nesting"} <= fields
    flags = {field for field, _, _ in cli_options.values()}
    assert {"max_part_bytes", "max_total_bytes", "max_cells", "max_formula_length",
            "max_nesting", "timeout_s"} <= flags


def test_fill_has_the_limit_flags_of_recalc(capsys: pytest.CaptureFixture[str]) -> None:
    from kpi_xl.recalc.limits import cli_options

    run = in_process(["fill", "--help"], capsys)
    missing = [flag for flag in cli_options if flag not in run.stdout]
    assert not missing, f"kpi-xl fill lacks {missing}"


@pytest.mark.parametrize(("name", "flag", "value"), [
    ("formula-10000-chars", "--max-formula-length", "20000"),
    ("formula-nested-1000-parens", "--max-nesting", "2000"),
    ("dimension-XFD1048576-cells", "--max-cells", str(2**35)),
])
def test_raising_a_limit_lets_the_file_through(tmp_path: Path, capsys, name: str, flag: str,
                                               value: str) -> None:
    """The flag named in the error message really raises the limit."""
    build, _, _ = CASES[name]
    path = build(tmp_path, "book")
    run = in_process(["recalc", str(path), "--dry-run"], capsys)
    assert run.returncode != 0 and flag in run.stderr, run.stderr
    if name == "dimension-XFD1048576-cells":
        return  # 17 billion cells: raising the limit only moves the failure (no test of that)
    run = in_process(["recalc", str(path), "--dry-run", flag, value], capsys)
    assert run.returncode == 0, run.stderr
