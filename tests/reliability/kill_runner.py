"""Kill ``kpi-xl recalc --in-place`` with SIGKILL at chosen moments, many times, cheaply::

    python tests/reliability/kill_runner.py < jobs.json > results.json

This process imports kpi-xl once, runs one recalculation to warm every lazy import, times a
few uninterrupted runs (``T``), then for each job forks a child that runs the CLI exactly as
``kpi-xl`` does (``kpi_xl.cli.main(argv)``) and SIGKILLs it ``fraction * T`` seconds after the
fork. The interpreter start-up (~1 s, during which a kill can break nothing) is skipped, so
the kills land in reading, evaluating and writing.

jobs.json: ``{"warmup": path, "calibrate": [path, ...], "jobs": [{"id", "argv", "fraction"}]}``
(``"together": true`` on a job forks two children on the same argv, the second ``stagger * T``
seconds after the first, and kills neither).
Results: ``{"T": seconds, "runs": [{"id", "delay", "exited_before_kill", "status"}]}``.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import sys
import time


def _child(argv: list[str]) -> None:  # pragma: no cover - runs in the forked child
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    code = 0
    try:
        from kpi_xl.cli import main

        main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        code = 99
    finally:
        os._exit(code)


def fork_run(argv: list[str]) -> int:
    pid = os.fork()
    if pid == 0:
        _child(argv)
    return pid


def main() -> int:
    spec = json.load(sys.stdin)
    import contextlib
    import io

    from kpi_xl.cli import main as cli

    # warm every lazy import and cache in the parent: children inherit them
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        cli(["recalc", "--in-place", "--no-backup", spec["warmup"]])
    sys.stdout.flush()
    times = []
    for path in spec["calibrate"]:
        t0 = time.perf_counter()
        _, status = os.waitpid(fork_run(["recalc", "--in-place", "--no-backup", path]), 0)
        times.append(time.perf_counter() - t0)
        assert os.waitstatus_to_exitcode(status) == 0, "calibration run failed"
    T = statistics.median(times) if times else 0.0
    runs = []
    for job in spec["jobs"]:
        if job.get("together"):
            first = fork_run(job["argv"])
            time.sleep(job.get("stagger", 0.0) * T)
            pids = [first, fork_run(job["argv"])]
            codes = [os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in pids]
            runs.append({"id": job["id"], "codes": codes})
            continue
        delay = job["fraction"] * T
        t0 = time.perf_counter()
        pid = fork_run(job["argv"])
        time.sleep(max(0.0, delay - (time.perf_counter() - t0)))
        done, status = os.waitpid(pid, os.WNOHANG)
        if not done:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
        runs.append({"id": job["id"], "delay": delay, "exited_before_kill": bool(done),
                     "status": status})
    json.dump({"T": T, "runs": runs}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
