"""Run many ``kpi-xl`` command lines in one interpreter, one after the other::

    python tests/reliability/hostile_runner.py < runs.json > results.json

stdin: ``[{"id": ..., "argv": [...]}]``. stdout: ``[{"id", "returncode", "stdout", "stderr",
"seconds", "peak_rss_mb"}]`` where ``peak_rss_mb`` is this process's high-water mark after the
run: an upper bound of the run's own peak (one interpreter start-up for many cases keeps the
suite fast; cases that may need GBs run in a process each instead).
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import sys
import time


def run_one(argv: list[str]) -> tuple[int, str, str, float]:
    from kpi_xl.cli import main

    out, err = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(argv)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:  # an escaped exception is a finding, not a crash
            import traceback

            traceback.print_exc()
            code = 99
            if isinstance(exc, KeyboardInterrupt):
                raise
    return code, out.getvalue(), err.getvalue(), time.perf_counter() - t0


def main() -> int:
    runs = json.load(sys.stdin)
    run_one(["--help"])  # imports done before the first measured case
    results = []
    for r in runs:
        code, out, err, seconds = run_one(r["argv"])
        results.append({"id": r["id"], "returncode": code, "stdout": out, "stderr": err,
                        "seconds": seconds,
                        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
