"""Cross-cutting target, status and trend helpers (spec §4 and the normative model of §9).

Every function here compares a KPI value with a target, a baseline or a prior value, so the
inputs are single numbers (one cell): the KPI values themselves, never raw data to be summed.
They have no roll-up of their own (aggregation "none"): roll the KPI up first (ratio of sums,
spec §1.3), then compare the rolled-up actual with the rolled-up target.

Shared conventions (spec §9):

* ``direction`` is ``"higher_is_better"`` (default), ``"lower_is_better"`` or
  ``"target_is_best"``; the short forms ``"higher"``, ``"lower"`` and ``"target"`` are
  accepted, case-insensitive. A blank direction is the default.
* Boundaries are inclusive toward the better state and compared with an epsilon of 1e-12
  (scaled by ``max(1, |target|)`` when the tolerance is absolute, so the guard also works at
  large magnitudes), so exactly 90% of target with a 10% tolerance is at_risk (S11).
* Labels are lower-case snake_case text: ``excellent``, ``on_track``, ``at_risk``,
  ``off_track``, ``critical``, ``no_data``, ``no_target`` (status) and ``on_pace``,
  ``behind``, ``no_data`` (pacing).
"""

from __future__ import annotations

from typing import Any

from kpi_xl.catalog.schema import SCALAR_BLANKS, Example, Param, kpi
from kpi_xl.core.errors import DivisionByZeroError, DomainError, MissingValueError
from kpi_xl.core.validate import (
    check_finite,
    choice,
    divide,
    is_blank,
    number,
    optional_number,
)

__all__ = [
    "attainment",
    "delta",
    "expected_progress",
    "pacing_status",
    "progress",
    "status",
    "status_code",
    "trend",
    "variance",
    "variance_pct",
]

#: Floating-point guard for status boundaries (spec §9.3, vector S11).
EPSILON = 1e-12

DIRECTION_CHOICES = ("higher_is_better", "lower_is_better", "target_is_best")
_DIRECTION_ALIASES = {
    "higher_is_better": "higher_is_better", "higher": "higher_is_better",
    "lower_is_better": "lower_is_better", "lower": "lower_is_better",
    "target_is_best": "target_is_best", "target": "target_is_best",
}
TOLERANCE_TYPES = ("relative", "absolute")
TREND_OUTPUTS = ("sentiment", "direction")

#: Status codes (SSAS normalized status, spec §4 / §8) and their labels.
STATUS_LABELS = {2: "excellent", 1: "on_track", 0: "at_risk", -1: "off_track", -2: "critical"}
NO_DATA, NO_TARGET = "no_data", "no_target"

HELPER_NOTE = ("Compare rolled-up KPI values: this helper has no roll-up of its own "
               "(aggregate the KPI first, then compare).")


def _direction(value: Any, name: str = "direction") -> str:
    """Normalise a direction spelling; a blank gives ``higher_is_better``.

    >>> _direction("Lower"), _direction(None), _direction("target_is_best")
    ('lower_is_better', 'higher_is_better', 'target_is_best')
    """
    if is_blank(value):
        return "higher_is_better"
    if isinstance(value, str):
        key = value.strip().lower().replace(" ", "_").replace("-", "_")
        if key in _DIRECTION_ALIASES:
            return _DIRECTION_ALIASES[key]
    raise DomainError.bad(name, value, "expected 'higher_is_better' ('higher'), "
                                       "'lower_is_better' ('lower') or 'target_is_best' ('target')")


def _present(value: Any, name: str) -> float | None:
    """A scalar number, or None when it is blank (E-MISSING is a state, not an error, here)."""
    try:
        return number(value, name)
    except MissingValueError:
        return None


def _tolerance(value: Any, name: str, default: float | None) -> float | None:
    tol = optional_number(value, name, default)
    if tol is not None and tol < 0:
        raise DomainError.bad(name, tol, "a tolerance must be >= 0")
    return tol


DIRECTION = Param("direction", "'higher_is_better' (default), 'lower_is_better' or "
                  "'target_is_best'; 'higher', 'lower' and 'target' also work.",
                  kind="text", choices=DIRECTION_CHOICES)


# --- differences --------------------------------------------------------------------------

@kpi(
    excel="KPI_DELTA", name="Delta (absolute change)", kind="helper", category="cross-cutting",
    unit="statistic", number_format="General", direction="context",
    description="Absolute change between two values: current - prior, in the inputs' unit. "
                "For ratio KPIs this is the change in percentage points (0.005 = +0.5 pp).",
    formula="current - prior",
    params={"current": ("number", "Value in the current period."),
            "prior": ("number", "Value of the same measure in the prior period.")},
    blanks=SCALAR_BLANKS,
    edge_cases=("the result is in the inputs' unit (percentage points for ratio KPIs); use "
                "KPI_GROWTH for the relative change", HELPER_NOTE),
    examples=(Example((0.030, 0.025), 0.005, note="spec §1.3/§4: +0.5 pp (computes "
                                                   "0.0049999999999999975); growth is 0.2"),
              Example((13_800, 12_000), 1_800.0),
              Example((None, 5), error="E-MISSING")),
    references=("[fluence-variance]",),
    native="{current}-{prior}",
    returns="a number in the inputs' unit (percentage points when the inputs are ratios)",
)
def delta(current: Any, prior: Any) -> float:
    """
    >>> delta(13_800, 12_000)
    1800.0
    """
    return check_finite(number(current, "current") - number(prior, "prior"), "current")


@kpi(
    excel="KPI_VARIANCE", name="Variance to target", kind="helper", category="cross-cutting",
    unit="statistic", number_format="General", direction="context",
    description="Variance to target: actual - target, in the KPI's unit (negative = below "
                "target, whatever the KPI's direction).",
    formula="actual - target",
    params={"actual": ("number", "Actual value of the KPI."),
            "target": ("number", "Target value of the KPI.")},
    blanks=SCALAR_BLANKS,
    edge_cases=("not direction-aware: a cost 2 under target gives -2; KPI_ATTAINMENT and "
                "KPI_STATUS apply the direction", HELPER_NOTE),
    examples=(Example((95_000, 100_000), -5_000.0, note="S1"),
              Example((12.5, 12), 0.5, note="S4 (CPL)"),
              Example((95_000, None), error="E-MISSING")),
    references=("[fluence-variance]",),
    native="{actual}-{target}",
    returns="a number in the KPI's unit",
)
def variance(actual: Any, target: Any) -> float:
    """
    >>> variance(95_000, 100_000)
    -5000.0
    """
    return check_finite(number(actual, "actual") - number(target, "target"), "actual")


@kpi(
    excel="KPI_VARIANCE_PCT", name="Variance to target (%)", kind="helper",
    category="cross-cutting", unit="ratio", direction="context",
    description="Relative variance to target: (actual - target) / |target|. -0.05 means 5% "
                "below target; dividing by |target| keeps the sign meaningful for negative "
                "targets.",
    formula="(actual - target) / |target|",
    params={"actual": ("number", "Actual value of the KPI."),
            "target": ("number", "Target value of the KPI; must not be 0.")},
    blanks=SCALAR_BLANKS,
    edge_cases=("target = 0 -> E-DIV0", "not direction-aware (see KPI_ATTAINMENT)",
                HELPER_NOTE),
    examples=(Example((95_000, 100_000), -0.05, note="S1"),
              Example((-20, -50), 0.60, note="negative target: a loss shrinking is positive"),
              Example((5, 0), error="E-DIV0")),
    references=("[fluence-variance]", "[infor-inc]"),
    native="({actual}-{target})/ABS({target})",
)
def variance_pct(actual: Any, target: Any) -> float:
    """
    >>> variance_pct(95_000, 100_000)
    -0.05
    """
    a, t = number(actual, "actual"), number(target, "target")
    return divide(a - t, abs(t), "target")


# --- attainment and progress ------------------------------------------------------------

@kpi(
    excel="KPI_ATTAINMENT", name="Attainment (% of target)", kind="helper",
    category="cross-cutting", unit="ratio", direction="context",
    description="Direction-aware % of target, 1.0 = on target. Higher: (a - t + |t|) / |t| "
                "(= a/t for t > 0); lower: (t - a + |t|) / |t| (= 2 - a/t for t > 0); "
                "target_is_best: 1 - |a - t| / |t|.",
    formula="higher: (actual - target + |target|) / |target|; "
            "lower: (target - actual + |target|) / |target|; "
            "target_is_best: 1 - |actual - target| / |target|",
    params={"actual": ("number", "Actual value of the KPI."),
            "target": ("number", "Target value of the KPI; must not be 0."),
            "direction": DIRECTION},
    blanks=SCALAR_BLANKS + " A blank direction is 'higher_is_better'.",
    edge_cases=("target = 0 -> E-DIV0 (Infor's zero-target rule is not applied)",
                "negative targets are allowed: (a - t + |t|) / |t| stays meaningful",
                "never clamped: 1.25 means 125% (clamp only for display)",
                "lower: the linear 2 - a/t form, not t/a (undefined at a = 0); written "
                "(t - a + |t|) / |t| so that, like the higher form, it is 1 at target for "
                "negative targets too (spec §9.4's (t - (a - t)) / |t| is the same for t > 0)",
                "target_is_best (project design, not in §9.4): 1 minus the relative distance "
                "from target; can be negative",
                "unknown direction -> E-DOMAIN"),
    examples=(Example((95_000, 100_000), 0.95, note="S1"),
              Example((12.5, 12, "lower_is_better"), 0.9583333333333334, note="S4 (CPL)"),
              Example((3, 4, "lower"), 1.25, note="S5 (FRT hours)"),
              Example((0.8, 1, "lower"), 1.20, note="S6 (profit.co 'at most')"),
              Example((1.5, 1, "lower"), 0.50, note="S6"),
              Example((1.75, 1, "lower"), 0.25, note="S6"),
              Example((-50, -50), 1.0, note="S7 (Infor negative target)"),
              Example((-100, -50), 0.0, note="S7"),
              Example((0, -50), 2.0, note="S7"),
              Example((50, -50), 3.0, note="S7"),
              Example((4.7, 4, "target_is_best"), 0.825),
              Example((-60, -50, "lower"), 1.2, note="negative target, 10 better than target"),
              Example((-50, -50, "lower"), 1.0, note="on a negative target: 1, not -1"),
              Example((5, 0), error="E-DIV0"),
              Example((None, 5), error="E-MISSING"),
              Example((5, 4, "up"), error="E-DOMAIN")),
    references=("[infor-inc]", "[ib-lower]", "[profitco-atmost]", "[sap-achievement]"),
    native="({actual}-{target}+ABS({target}))/ABS({target})",
)
def attainment(actual: Any, target: Any, direction: Any = "higher_is_better") -> float:
    """
    >>> attainment(95_000, 100_000)
    0.95
    >>> attainment(3, 4, "lower")
    1.25
    """
    way = _direction(direction)
    a, t = number(actual, "actual"), number(target, "target")
    if way == "higher_is_better":
        return divide(a - t + abs(t), abs(t), "target")
    if way == "lower_is_better":
        return divide(t - a + abs(t), abs(t), "target")
    return 1.0 - divide(abs(a - t), abs(t), "target")


@kpi(
    excel="KPI_PROGRESS", name="Progress from baseline", kind="helper",
    category="cross-cutting", unit="ratio", direction="context",
    description="Share of the way from baseline to target: (actual - baseline) / (target - "
                "baseline). Works for both directions (for lower-is-better both differences "
                "are negative).",
    formula="(actual - baseline) / (target - baseline)",
    params={"actual": ("number", "Actual value now."),
            "target": ("number", "Target value (at the due date)."),
            "baseline": ("number", "Starting value the progress is measured from.")},
    blanks=SCALAR_BLANKS,
    edge_cases=("target = baseline -> E-DIV0",
                "not clamped: beyond the target gives > 1, moving away from it < 0",
                "measuring from 0 instead of a real baseline understates progress "
                "([bscdesigner-baseline])", HELPER_NOTE),
    examples=(Example((13_800, 14_400, 12_000), 0.75,
                      note="P1: seed MRR, target = 12,000 x 1.20; growth to date "
                           "KPI_GROWTH(13800, 12000) = 0.15"),
              Example((520, 600, 400), 0.60, note="P2: seed leads, target = 400 x 1.5"),
              Example((0.04, 0.03, 0.05), 0.5, note="P3: churn, lower is better"),
              Example((15_000, 14_400, 12_000), 1.25, note="beyond target, not clamped"),
              Example((5, 10, 10), error="E-DIV0"),
              Example((5, 10, None), error="E-MISSING")),
    references=("[bscdesigner-baseline]", "[profitco-baseline]"),
    native="({actual}-{baseline})/({target}-{baseline})",
)
def progress(actual: Any, target: Any, baseline: Any) -> float:
    """
    >>> progress(13_800, 14_400, 12_000)
    0.75
    """
    a, t = number(actual, "actual"), number(target, "target")
    b = number(baseline, "baseline")
    return divide(a - b, t - b, "target")


def _expected(elapsed_days: Any, total_days: Any) -> float:
    elapsed = number(elapsed_days, "elapsed_days")
    total = number(total_days, "total_days")
    if total < 0:
        raise DomainError.bad("total_days", total, "the period length must be > 0")
    if elapsed < 0:
        raise DomainError.bad("elapsed_days", elapsed, "must be >= 0 (the period has not started)")
    return min(1.0, divide(elapsed, total, "total_days"))


@kpi(
    excel="KPI_EXPECTED_PROGRESS", name="Expected progress (linear pacing)", kind="helper",
    category="cross-cutting", unit="ratio", direction="context",
    description="Share of the target expected by now if progress were linear over the "
                "period: elapsed_days / total_days, capped at 1 after the due date.",
    formula="min(1, elapsed_days / total_days)",
    params={"elapsed_days": ("number", "Time elapsed since the baseline date (days or any "
                                       "unit, the same as total_days)."),
            "total_days": ("number", "Length of the period from baseline date to due date.")},
    blanks=SCALAR_BLANKS,
    edge_cases=("total_days = 0 -> E-DIV0", "total_days < 0 or elapsed_days < 0 -> E-DOMAIN",
                "elapsed_days > total_days -> 1.0 (after the due date the whole target is due)"),
    examples=(Example((61, 91), 0.6703296703296703, note="P4: day 61 of a 91-day quarter"),
              Example((100, 91), 1.0, note="past the due date"),
              Example((0, 91), 0.0),
              Example((5, 0), error="E-DIV0"),
              Example((-1, 91), error="E-DOMAIN")),
    references=("[profitco-atmost]",),
    native="MIN(1,{elapsed_days}/{total_days})",
)
def expected_progress(elapsed_days: Any, total_days: Any) -> float:
    """
    >>> round(expected_progress(61, 91), 6)
    0.67033
    """
    return _expected(elapsed_days, total_days)


@kpi(
    excel="KPI_PACING", name="Pacing status", kind="helper", category="cross-cutting",
    unit="label", direction="context",
    description="Is progress keeping pace with time? 'on_pace' if progress >= expected - "
                "pace_tolerance (expected = elapsed_days / total_days, capped at 1), else "
                "'behind'; blank progress -> 'no_data'.",
    formula="progress >= min(1, elapsed_days / total_days) - pace_tolerance (eps 1e-12) "
            "-> on_pace, else behind",
    params={"progress": ("ratio", "Progress from baseline as a fraction (KPI_PROGRESS)."),
            "elapsed_days": ("number", "Time elapsed since the baseline date."),
            "total_days": ("number", "Length of the period from baseline date to due date."),
            "pace_tolerance": ("ratio", "Shortfall against the expected progress still "
                                        "counted as on pace, in progress points (0.05 = 5 "
                                        "points); default 0.")},
    blanks="A blank progress -> 'no_data'. Blank elapsed_days or total_days -> E-MISSING "
           "(None; Excel #N/A); a blank pace_tolerance is 0.",
    edge_cases=("spec §9.5: 'behind' is the pacing at_risk state (p < expected - pace_tol)",
                "the boundary is inclusive toward on_pace, with an epsilon of 1e-12",
                "total_days = 0 -> E-DIV0; negative days or tolerance -> E-DOMAIN"),
    examples=(Example((0.75, 61, 91), "on_pace", note="P4: expected 0.6703296..."),
              Example((0.5, 61, 91), "behind"),
              Example((0.5, 61, 91, 0.2), "on_pace"),
              Example((0.9, 120, 91), "behind", note="past the due date, 100% was expected"),
              Example((None, 61, 91), "no_data"),
              Example((0.5, 61, 91, -0.1), error="E-DOMAIN")),
    references=("[profitco-atmost]", "[profitco-baseline]"),
    native='IF({progress}="","no_data",IF({progress}>=MIN(1,{elapsed_days}/{total_days})'
           '-1E-12,"on_pace","behind"))',
    returns="a label: 'on_pace', 'behind' or 'no_data'",
)
def pacing_status(progress: Any, elapsed_days: Any, total_days: Any,
                  pace_tolerance: Any = 0.0) -> str:
    """
    >>> pacing_status(0.75, 61, 91)
    'on_pace'
    >>> pacing_status(0.5, 61, 91)
    'behind'
    """
    tol = _tolerance(pace_tolerance, "pace_tolerance", 0.0)
    expected = _expected(elapsed_days, total_days)
    p = _present(progress, "progress")
    if p is None:
        return NO_DATA
    return "on_pace" if p >= expected - tol - EPSILON else "behind"


# --- status -----------------------------------------------------------------------------

def _classify(actual: Any, target: Any, direction: Any, at_risk_tolerance: Any,
              on_track_tolerance: Any, tolerance_type: Any, levels: Any, lower: Any,
              upper: Any, excellent_margin: Any, critical_tolerance: Any) -> int | str:
    """The status code (2..-2) or the no-result label ``no_data`` / ``no_target``.

    Options are validated before the data, so a bad configuration is reported even on rows
    without data.
    """
    way = _direction(direction)
    risk = _tolerance(at_risk_tolerance, "at_risk_tolerance", 0.10)
    on = _tolerance(on_track_tolerance, "on_track_tolerance", 0.0)
    assert risk is not None and on is not None
    if risk < on:
        raise DomainError.bad("at_risk_tolerance", risk,
                              f"must be >= on_track_tolerance = {on:g}")
    relative = choice(tolerance_type, "tolerance_type", TOLERANCE_TYPES) == "relative"
    n_levels = optional_number(levels, "levels", 3.0)
    if n_levels not in (3.0, 5.0):
        raise DomainError.bad("levels", n_levels, "must be 3 or 5")
    excellent = _tolerance(excellent_margin, "excellent_margin", risk)
    critical = _tolerance(critical_tolerance, "critical_tolerance", 2 * risk)
    assert excellent is not None and critical is not None
    if n_levels == 5 and critical < risk:
        raise DomainError.bad("critical_tolerance", critical,
                              f"must be >= at_risk_tolerance = {risk:g}")
    lo, hi = optional_number(lower, "lower"), optional_number(upper, "upper")
    band = lo is not None or hi is not None
    if band:
        if way != "target_is_best":
            raise DomainError.bad("lower" if lo is not None else "upper", lo if lo is not None
                                  else hi, "a [lower, upper] band needs direction 'target_is_best'")
        if lo is None or hi is None:
            raise DomainError.bad("lower" if lo is None else "upper", None,
                                  "a band needs both lower and upper")
        if lo > hi:
            raise DomainError.bad("lower", lo, f"must be <= upper = {hi:g}")

    a = _present(actual, "actual")
    t = _present(target, "target")
    if a is None:
        return NO_DATA
    if band:
        assert lo is not None and hi is not None
        if t is not None and not lo <= t <= hi:
            raise DomainError.bad("target", t, f"must lie inside the band [{lo:g}, {hi:g}]")
        if relative and (lo == 0 or hi == 0):  # as for target = 0 (S10)
            edge = "lower" if lo == 0 else "upper"
            raise DivisionByZeroError(f"E-DIV0: argument {edge!r} is 0 (use tolerance_type "
                                      "'absolute')", argument=edge, value=0.0)
        if a < lo:
            dist, scale = lo - a, abs(lo)
        elif a > hi:
            dist, scale = a - hi, abs(hi)
        else:
            dist, scale = 0.0, max(abs(lo), abs(hi))
        gap = -(dist / scale if relative else dist)
        eps = EPSILON if relative else EPSILON * max(1.0, scale)
    else:
        if t is None:
            return NO_TARGET
        if way == "higher_is_better":
            diff = a - t
        elif way == "lower_is_better":
            diff = t - a
        else:
            diff = -abs(a - t)
        gap = divide(diff, abs(t), "target") if relative else diff
        eps = EPSILON if relative else EPSILON * max(1.0, abs(t))
    check_finite(gap, "actual")

    five = n_levels == 5
    if five and gap >= excellent - eps:
        return 2
    if gap >= -on - eps:
        return 1
    if gap >= -risk - eps:
        return 0
    if five and gap < -critical - eps:
        return -2
    return -1


STATUS_PARAMS: dict[str, Param | tuple[str, str]] = {
    "actual": ("number", "Actual value of the KPI; blank -> 'no_data'."),
    "target": ("number", "Target value; blank -> 'no_target' (may be blank when a "
                         "target_is_best band is given)."),
    "direction": DIRECTION,
    "at_risk_tolerance": ("number", "Shortfall still at_risk (amber), default 0.10 = 10% of "
                                    "target (relative) or KPI units (absolute); must be >= "
                                    "on_track_tolerance."),
    "on_track_tolerance": ("number", "Shortfall still on_track (green), default 0: meeting "
                                     "the target is on track."),
    "tolerance_type": Param("tolerance_type", "'relative' (default): tolerances are fractions "
                            "of |target|; 'absolute': tolerances are in the KPI's unit.",
                            kind="text", choices=TOLERANCE_TYPES),
    "levels": ("integer", "3 (default): on_track / at_risk / off_track; 5 adds excellent and "
                          "critical."),
    "lower": ("number", "target_is_best only: lower edge of the on-track band (give both "
                        "lower and upper)."),
    "upper": ("number", "target_is_best only: upper edge of the on-track band."),
    "excellent_margin": ("number", "levels=5: margin beyond the target that is excellent; "
                                   "default = at_risk_tolerance."),
    "critical_tolerance": ("number", "levels=5: shortfall beyond which the status is "
                                     "critical; default = 2 x at_risk_tolerance; must be >= "
                                     "at_risk_tolerance."),
}
STATUS_FORMULA = ("g = (actual - target) / |target| (higher), (target - actual) / |target| "
                  "(lower), -|actual - target| / |target| (target_is_best); absolute: no "
                  "division. g >= -on_track_tol -> on_track; g >= -at_risk_tol -> at_risk; "
                  "else off_track (inclusive toward the better state, eps 1e-12)")
STATUS_EDGES = (
    "actual blank -> no_data; target blank -> no_target (actual is checked first)",
    "target = 0 with relative tolerance -> E-DIV0 (use tolerance_type 'absolute'; S10)",
    "at_risk_tolerance < on_track_tolerance, a negative tolerance, levels not 3 or 5, or "
    "critical_tolerance < at_risk_tolerance -> E-DOMAIN",
    "boundaries are inclusive toward the better state with an epsilon of 1e-12 (x max(1, "
    "|target|) for absolute tolerances): exactly 90% of target is at_risk (S11)",
    "levels=5: g >= excellent_margin -> excellent (2); g < -critical_tolerance -> critical "
    "(-2); for target_is_best the target cannot be beaten, so excellent needs margin 0",
    "target_is_best band [lower, upper]: inside -> on_track; the distance outside it (relative: "
    "divided by |lower| or |upper|, the edge crossed) is compared with the tolerances; a zero "
    "edge with relative tolerance -> E-DIV0; a target outside the band -> E-DOMAIN",
    "a band with another direction, or only one edge -> E-DOMAIN",
    HELPER_NOTE,
)
STATUS_REFERENCES = ("[clearpoint-rag-pdf]", "[wovex-rag]", "[ms-pps-indicator]",
                     "[blackbaud-kpi]", "[jdfancke-kpi2]", "[profitco-control]", "[ms-kpistatus]",
                     "[sabisu-4]")
_G = "({actual}-{target})/ABS({target})"


@kpi(
    excel="KPI_STATUS", name="Target status (RAG label)", kind="helper",
    category="cross-cutting", unit="label", direction="context",
    description="RAG status against a target: 'on_track', 'at_risk' or 'off_track' (5 levels "
                "add 'excellent' and 'critical'); 'no_data' for a blank actual, 'no_target' for "
                "a blank target. Direction-aware, spec §9.",
    formula=STATUS_FORMULA,
    params=STATUS_PARAMS,
    blanks="A blank actual gives 'no_data' and a blank target 'no_target' (labels, not "
           "errors). Blank options take their defaults.",
    edge_cases=STATUS_EDGES,
    examples=(
        Example((95_000, 100_000, "higher_is_better", 0.10), "at_risk",
                note="S1: g = -0.05; spec §4 example"),
        Example((85_000, 100_000, "higher_is_better", 0.10), "off_track", note="S2: g = -0.15"),
        Example((100_000, 100_000, "higher_is_better", 0.10), "on_track",
                note="S3: g = 0, inclusive boundary"),
        Example((12.5, 12, "lower_is_better", 0.10), "at_risk", note="S4 (CPL): g = -0.041666..."),
        Example((3, 4, "lower_is_better"), "on_track", note="S5 (FRT hours): g = +0.25"),
        Example((4.7, 4, "target_is_best", 1.0, 0.5, "absolute"), "at_risk",
                note="S8 (turnover): d = 0.7"),
        Example((None, 100_000), "no_data", note="S9"),
        Example((5, 0), error="E-DIV0", note="S10: target 0 with relative tolerance"),
        Example((0.99, 1.1, "higher_is_better", 0.10), "at_risk",
                note="S11: exactly 90% of target; raw g = -0.10000000000000007"),
        Example((95_000, None), "no_target"),
        Example((1, 0, "higher", 5, 0, "absolute"), "on_track",
                note="S10 workaround: absolute tolerance"),
        Example((4.3, 4, "target", 1.0, 0.5, "absolute"), "on_track", note="S8, d = 0.3"),
        Example((5.2, 4, "target", 1.0, 0.5, "absolute"), "off_track", note="S8, d = 1.2"),
        Example((95, 100, "higher", 0.05, 0.10), error="E-DOMAIN",
                note="at_risk_tolerance < on_track_tolerance"),
        Example((95, 100, "up"), error="E-DOMAIN"),
        Example((115_000, 100_000), "excellent", kwargs={"levels": 5}),
        Example((100_000, 100_000), "on_track", kwargs={"levels": 5}),
        Example((85_000, 100_000), "off_track", kwargs={"levels": 5}),
        Example((75_000, 100_000), "critical", kwargs={"levels": 5}),
        Example((4.0, None, "target"), "on_track", kwargs={"lower": 3.5, "upper": 4.5},
                note="inside the band"),
        Example((4.7, None, "target"), "at_risk", kwargs={"lower": 3.5, "upper": 4.5},
                note="0.2 above the band = 4.4% of 4.5"),
        Example((5.5, 4, "target"), "off_track", kwargs={"lower": 3.5, "upper": 4.5}),
        Example((5, 4), error="E-DOMAIN", kwargs={"lower": 3.5, "upper": 4.5},
                note="a band needs target_is_best"),
    ),
    references=STATUS_REFERENCES,
    native=f'IF({{actual}}="","no_data",IF({{target}}="","no_target",IF({_G}>=-1E-12,'
           f'"on_track",IF({_G}>=-0.1-1E-12,"at_risk","off_track"))))',
    returns="a label: 'on_track', 'at_risk', 'off_track' ('excellent', 'critical' with "
            "levels=5), 'no_data' or 'no_target'",
)
def status(actual: Any, target: Any, direction: Any = "higher_is_better",
           at_risk_tolerance: Any = 0.10, on_track_tolerance: Any = 0.0,
           tolerance_type: Any = "relative", *, levels: Any = 3, lower: Any = None,
           upper: Any = None, excellent_margin: Any = None,
           critical_tolerance: Any = None) -> str:
    """
    >>> status(95_000, 100_000)
    'at_risk'
    >>> status(3, 4, "lower")
    'on_track'
    >>> status(None, 100)
    'no_data'
    """
    result = _classify(actual, target, direction, at_risk_tolerance, on_track_tolerance,
                       tolerance_type, levels, lower, upper, excellent_margin,
                       critical_tolerance)
    return result if isinstance(result, str) else STATUS_LABELS[result]


@kpi(
    excel="KPI_STATUS_CODE", name="Target status (code)", kind="helper",
    category="cross-cutting", unit="code", direction="context",
    description="KPI_STATUS as a number, following SSAS normalized status: 1 on_track, 0 "
                "at_risk, -1 off_track (levels=5: 2 excellent, -2 critical). No data or no "
                "target is #N/A (None).",
    formula=STATUS_FORMULA + "; codes 1 / 0 / -1 (2 / -2 with levels=5)",
    params=STATUS_PARAMS,
    blanks="A blank actual or target is E-MISSING (None; Excel #N/A): the no_data / no_target "
           "states have no code. Blank options take their defaults.",
    edge_cases=STATUS_EDGES,
    examples=(
        Example((95_000, 100_000, "higher_is_better", 0.10), 0, note="S1; spec §4 example"),
        Example((85_000, 100_000, "higher_is_better", 0.10), -1, note="S2"),
        Example((100_000, 100_000, "higher_is_better", 0.10), 1, note="S3"),
        Example((12.5, 12, "lower_is_better", 0.10), 0, note="S4"),
        Example((3, 4, "lower_is_better"), 1, note="S5"),
        Example((4.7, 4, "target_is_best", 1.0, 0.5, "absolute"), 0, note="S8"),
        Example((None, 100_000), error="E-MISSING", note="S9: no_data"),
        Example((5, 0), error="E-DIV0", note="S10"),
        Example((0.99, 1.1, "higher_is_better", 0.10), 0, note="S11"),
        Example((95_000, None), error="E-MISSING", note="no_target"),
        Example((115_000, 100_000), 2, kwargs={"levels": 5}),
        Example((75_000, 100_000), -2, kwargs={"levels": 5}),
        Example((95, 100), error="E-DOMAIN", kwargs={"levels": 4}),
    ),
    references=STATUS_REFERENCES,
    native=f'IF(OR({{actual}}="",{{target}}=""),NA(),IF({_G}>=-1E-12,1,'
           f'IF({_G}>=-0.1-1E-12,0,-1)))',
    returns="an integer code: 1, 0 or -1 (2..-2 with levels=5)",
)
def status_code(actual: Any, target: Any, direction: Any = "higher_is_better",
                at_risk_tolerance: Any = 0.10, on_track_tolerance: Any = 0.0,
                tolerance_type: Any = "relative", *, levels: Any = 3, lower: Any = None,
                upper: Any = None, excellent_margin: Any = None,
                critical_tolerance: Any = None) -> int:
    """
    >>> status_code(95_000, 100_000)
    0
    >>> status_code(None, 100) is None
    True
    """
    result = _classify(actual, target, direction, at_risk_tolerance, on_track_tolerance,
                       tolerance_type, levels, lower, upper, excellent_margin,
                       critical_tolerance)
    if isinstance(result, str):
        name = "actual" if result == NO_DATA else "target"
        raise MissingValueError(f"E-MISSING: argument {name!r} is blank ({result})",
                                argument=name)
    return result


# --- trend ------------------------------------------------------------------------------

def _sign(r: float, deadband: float) -> int:
    if r > deadband + EPSILON:
        return 1
    if r < -deadband - EPSILON:
        return -1
    return 0


@kpi(
    excel="KPI_TREND", name="Trend (direction or sentiment)", kind="helper",
    category="cross-cutting", unit="code", direction="context",
    description="Trend code: the sign of the relative change (current - prior) / |prior| with "
                "a deadband, times the KPI's polarity: +1 improving, 0 flat, -1 worsening "
                "(output 'direction': the raw up/down arrow).",
    formula="r = (current - prior) / |prior|; direction = +1 if r > deadband, -1 if r < "
            "-deadband, else 0; sentiment = direction x (+1 higher, -1 lower); target_is_best: "
            "sentiment = -sign of (|current - target| - |prior - target|) / |prior|",
    params={"current": ("number", "Value in the current period."),
            "prior": ("number", "Value in the comparison period; must not be 0."),
            "direction": DIRECTION,
            "deadband": ("ratio", "Relative change treated as flat (0.10 = +/-10%); default 0."),
            "output": Param("output", "'sentiment' (default): +1 improving / -1 worsening; "
                            "'direction': +1 up / -1 down, whatever the polarity.",
                            kind="text", choices=TREND_OUTPUTS),
            "target": ("number", "Target, needed only for a target_is_best sentiment (the "
                                 "change in distance from it).")},
    blanks=SCALAR_BLANKS + " A blank target is E-MISSING only for a target_is_best sentiment; "
                           "blank options take their defaults.",
    edge_cases=("prior = 0 -> E-DIV0", "deadband < 0 -> E-DOMAIN",
                "the deadband is inclusive (|r| = deadband is flat), with an epsilon of 1e-12",
                "target_is_best: the distance change is divided by |prior| so one deadband "
                "scale serves both outputs; target is ignored for other directions",
                HELPER_NOTE),
    examples=(Example((13_800, 12_000, "higher_is_better", 0.10), 1,
                      note="T1: r = 0.15 -> +1, sentiment +1; spec §4 example"),
              Example((13_800, 12_000, "higher_is_better", 0.10), 1,
                      kwargs={"output": "direction"}, note="T1 direction"),
              Example((0.055, 0.05, "lower_is_better", 0.05), -1,
                      note="T2: r = 0.10 (computes 0.09999999999999995); worsening"),
              Example((0.055, 0.05, "lower_is_better", 0.05), 1,
                      kwargs={"output": "direction"}, note="T2: direction +1"),
              Example((12_500, 12_000, "higher", 0.10), 0, note="inside the deadband"),
              Example((4.3, 4.7, "target_is_best"), 1, kwargs={"target": 4},
                      note="closer to target: improving"),
              Example((4.3, 4.7, "target_is_best"), -1,
                      kwargs={"target": 4, "output": "direction"}, note="value went down"),
              Example((4.3, 4.7, "target_is_best"), error="E-MISSING", note="no target"),
              Example((5, 0), error="E-DIV0"),
              Example((5, 4, "higher", -0.1), error="E-DOMAIN")),
    references=("[jdfancke-kpi2]", "[ms-kpitrend]"),
    native="IF(({current}-{prior})/ABS({prior})>1E-12,1,"
           "IF(({current}-{prior})/ABS({prior})<-1E-12,-1,0))",
    returns="an integer code: +1, 0 or -1",
)
def trend(current: Any, prior: Any, direction: Any = "higher_is_better", deadband: Any = 0.0,
          *, output: Any = "sentiment", target: Any = None) -> int:
    """
    >>> trend(13_800, 12_000, "higher", 0.10)
    1
    >>> trend(0.055, 0.05, "lower", 0.05)
    -1
    """
    way = _direction(direction)
    band = _tolerance(deadband, "deadband", 0.0)
    assert band is not None
    mode = choice(output, "output", TREND_OUTPUTS)
    cur, pri = number(current, "current"), number(prior, "prior")
    r = divide(cur - pri, abs(pri), "prior")
    if mode == "direction":
        return _sign(r, band)
    if way == "higher_is_better":
        return _sign(r, band)
    if way == "lower_is_better":
        return -_sign(r, band)
    t = number(target, "target")
    moved = divide(abs(cur - t) - abs(pri - t), abs(pri), "prior")
    return -_sign(moved, band)
