"""Core speed: kpi-xl functions vs a bare numpy / pandas floor, measured side by side.

    python benchmarks/core.py [--n 10000000] [--repeat 7]

Each row times the kpi-xl call and the floor (the least bare numpy/pandas code that gives the
same number under the same contract: blanks dropped, off-scale or fractional scores refused)
in the same run, and prints medians and the ratio. Goal: <= 1.5x. The "unchecked" column is
the same count with no validation at all, to show what the contract itself costs.
Data is generated at run time (10M values, 3% blanks); nothing is written to disk.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import kpi_xl


def median_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    fn()  # warm-up
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    n, rng = args.n, np.random.default_rng(7)

    scores = rng.integers(0, 11, n).astype(float)
    scores[rng.random(n) < 0.03] = np.nan
    csat = rng.integers(1, 6, n).astype(float)
    csat[rng.random(n) < 0.03] = np.nan
    sessions = rng.integers(50, 500, n).astype(float)
    conversions = np.floor(sessions * rng.random(n) * 0.05)
    hours = rng.lognormal(0.4, 1.0, n)
    hours[rng.random(n) < 0.03] = np.nan

    # The floors are the least bare-numpy code that honours the same contract: drop blanks,
    # refuse off-scale or fractional scores (strict mode) and negative durations. The
    # "unchecked" column is the same count with no validation at all, for reference.
    def valid_scores(a: np.ndarray, low: int, high: int) -> np.ndarray:
        v = a[~np.isnan(a)]
        if v.min() < low or v.max() > high or not np.array_equal(np.floor(v), v):
            raise ValueError("invalid score")
        return v

    def nps_floor() -> float:
        c = np.bincount(valid_scores(scores, 0, 10).astype(np.intp), minlength=11)
        return (c[9:].sum() - c[:7].sum()) * 100.0 / c.sum()

    def nps_unchecked() -> float:
        c = np.bincount(scores[~np.isnan(scores)].astype(np.intp), minlength=11)
        return (c[9:].sum() - c[:7].sum()) * 100.0 / c.sum()

    def csat_floor() -> float:
        v = valid_scores(csat, 1, 5)
        return np.count_nonzero(v >= 4) / v.size

    def csat_unchecked() -> float:
        return np.count_nonzero(csat >= 4) / np.count_nonzero(~np.isnan(csat))

    def cr_floor() -> float:
        return np.nansum(conversions) / np.nansum(sessions)

    def valid_hours() -> np.ndarray:
        v = hours[~np.isnan(hours)]
        if v.min() < 0:
            raise ValueError("negative duration")
        return v

    def frt_median_floor() -> float:
        return float(np.median(valid_hours()))

    def frt_p90_floor() -> float:
        return float(np.percentile(valid_hours(), 90))

    rows = [
        ("nps (10M scores)", lambda: kpi_xl.nps(scores), nps_floor, nps_unchecked,
         "checks + np.bincount"),
        ("csat (10M responses)", lambda: kpi_xl.csat(csat), csat_floor, csat_unchecked,
         "checks + np.count_nonzero"),
        ("conversion_rate (2 x 10M)", lambda: kpi_xl.conversion_rate(conversions, sessions),
         cr_floor, cr_floor, "np.nansum / np.nansum"),
        ("first_response_time median (10M)", lambda: kpi_xl.first_response_time(hours),
         frt_median_floor, frt_median_floor, "checks + np.median"),
        ("first_response_time p90 (10M)",
         lambda: kpi_xl.first_response_time(hours, stat="p90"), frt_p90_floor, frt_p90_floor,
         "checks + np.percentile"),
    ]

    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 366, n), unit="D")
    frame = pd.DataFrame({"date": dates, "score": scores, "conversions": conversions,
                          "sessions": sessions})

    def table_ours() -> pd.DataFrame:
        return kpi_xl.kpi_table(frame, ["nps:score", "conversion_rate:conversions,sessions"],
                                by="month")

    def table_floor() -> pd.DataFrame:
        s = frame["score"]
        g = pd.DataFrame({"p": (s >= 9), "d": (s <= 6), "n": s.notna(),
                          "c": frame["conversions"], "o": frame["sessions"]}
                         ).groupby(frame["date"].dt.to_period("M")).sum()
        return pd.DataFrame({"nps": (g.p - g.d) / g.n * 100, "conversion_rate": g.c / g.o})

    rows.append(("monthly KPI table (10M rows: nps + conversion_rate)", table_ours, table_floor,
                 table_floor, "hand-written pandas groupby (no checks)"))

    print(f"kpi-xl core benchmark: n = {n:,}, median of {args.repeat} runs")
    header = (f"| {'workload':<52} | {'kpi-xl (s)':>10} | {'floor (s)':>9} | {'ratio':>5} "
              f"| {'unchecked (s)':>13} | floor |")
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for name, ours, floor, unchecked, floor_name in rows:
        t_ours, r_ours = median_time(ours, args.repeat)
        t_floor, r_floor = median_time(floor, args.repeat)
        t_raw = t_floor if unchecked is floor else median_time(unchecked, args.repeat)[0]
        _check(name, r_ours, r_floor)
        print(f"| {name:<52} | {t_ours:>10.4f} | {t_floor:>9.4f} | {t_ours / t_floor:>5.2f} "
              f"| {t_raw:>13.4f} | {floor_name} |")


def _check(name: str, ours: Any, floor: Any) -> None:
    """Both sides must compute the same numbers, or the comparison means nothing."""
    if isinstance(ours, pd.DataFrame):
        for col in floor.columns:
            np.testing.assert_allclose(ours[col].to_numpy(dtype=float),
                                       floor[col].to_numpy(dtype=float), rtol=1e-9)
    else:
        assert abs(ours - floor) <= 1e-9 * max(1.0, abs(floor)), (name, ours, floor)


if __name__ == "__main__":
    main()
