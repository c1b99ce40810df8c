"""Targets/status/trend helpers (spec §4, §9) and the uncertainty entries: properties and
published numbers. The §9.7 vectors themselves are catalog Examples (test_worked_examples)."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import kpi_xl
from helpers import assert_close
from kpi_xl import catalog
from kpi_xl.catalog.targets import STATUS_LABELS
from kpi_xl.core.errors import DomainError, KpiTypeError

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
nonzero = finite.filter(lambda t: abs(t) >= 1e-3)
positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False)
unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def status_options(draw):
    """Valid keyword options for status/status_code (any tolerance type, 3 or 5 levels)."""
    on = draw(unit)
    risk = on + draw(unit)
    opts = {"on_track_tolerance": on, "at_risk_tolerance": risk,
            "tolerance_type": draw(st.sampled_from(["relative", "absolute"])),
            "levels": draw(st.sampled_from([3, 5]))}
    if opts["levels"] == 5:
        opts["excellent_margin"] = draw(unit)
        opts["critical_tolerance"] = risk + draw(unit)
    return opts


# --- status -----------------------------------------------------------------------------

@given(nonzero, finite, finite, status_options())
def test_status_is_monotone_in_actual_higher_is_better(target, a1, a2, opts):
    lo, hi = sorted((a1, a2))
    c_lo = kpi_xl.status_code(lo, target, "higher_is_better", **opts)
    c_hi = kpi_xl.status_code(hi, target, "higher_is_better", **opts)
    assert c_lo <= c_hi


@given(nonzero, finite, finite, status_options())
def test_status_is_monotone_in_actual_lower_is_better(target, a1, a2, opts):
    lo, hi = sorted((a1, a2))
    c_lo = kpi_xl.status_code(lo, target, "lower", **opts)
    c_hi = kpi_xl.status_code(hi, target, "lower", **opts)
    assert c_lo >= c_hi


@given(nonzero, finite, finite, status_options())
def test_status_target_is_best_is_monotone_in_distance(target, a1, a2, opts):
    near, far = sorted((a1, a2), key=lambda a: abs(a - target))
    c_near = kpi_xl.status_code(near, target, "target_is_best", **opts)
    c_far = kpi_xl.status_code(far, target, "target_is_best", **opts)
    assert c_near >= c_far


@given(positive, positive, finite, finite, status_options())
def test_status_band_is_monotone_in_distance_outside_the_band(x, width, a1, a2, opts):
    lower, upper = x, x + width
    opts = {**opts, "lower": lower, "upper": upper}

    def outside(a):  # relative tolerance: the distance is a fraction of the edge crossed
        if opts["tolerance_type"] == "relative":
            return max((lower - a) / lower, 0.0, (a - upper) / upper)
        return max(lower - a, 0.0, a - upper)

    near, far = sorted((a1, a2), key=outside)
    c_near = kpi_xl.status_code(near, None, "target", **opts)
    c_far = kpi_xl.status_code(far, None, "target", **opts)
    assert c_near >= c_far
    if lower <= near <= upper:
        assert c_near >= 1


@given(finite, nonzero, st.sampled_from(["higher", "lower", "target"]), status_options())
def test_status_label_matches_code(actual, target, direction, opts):
    code = kpi_xl.status_code(actual, target, direction, **opts)
    assert kpi_xl.status(actual, target, direction, **opts) == STATUS_LABELS[code]
    assert code in ((1, 0, -1) if opts["levels"] == 3 else (2, 1, 0, -1, -2))


@given(positive, st.integers(1, 99).map(lambda k: k / 100))
def test_status_boundary_is_inclusive_toward_better_state(target, tol):
    """(1 - tol) x target is at_risk however the gap rounds (S11), likewise for lower."""
    assert kpi_xl.status(target * (1 - tol), target, "higher", tol) == "at_risk"
    assert kpi_xl.status(target * (1 + tol), target, "lower", tol) == "at_risk"
    assert kpi_xl.status(target * (1 + tol), target, "target", tol) == "at_risk"


def test_status_accepts_direction_spellings_and_one_cell_ranges():
    for spelling in ("higher_is_better", "Higher", "HIGHER", " higher ", "higher is better"):
        assert kpi_xl.status(95_000, 100_000, spelling) == "at_risk"
    for spelling in ("lower_is_better", "Lower", "lower-is-better"):
        assert kpi_xl.status(12.5, 12, spelling) == "at_risk"
    for spelling in ("target_is_best", "Target"):
        assert kpi_xl.status(4.7, 4, spelling, 1.0, 0.5, "absolute") == "at_risk"
    assert kpi_xl.status([95_000], [[100_000]]) == "at_risk"
    assert kpi_xl.status(float("nan"), 100) == "no_data"
    assert kpi_xl.status("", 100) == "no_data"
    assert kpi_xl.status(5, "") == "no_target"
    assert kpi_xl.status(95_000, 100_000, None, None, None, None) == "at_risk"


def test_status_errors():
    with pytest.raises(KpiTypeError):
        kpi_xl.status("high", 100)
    with pytest.raises(DomainError, match="at_risk_tolerance"):
        kpi_xl.status(95, 100, "higher", 0.05, 0.10)
    with pytest.raises(DomainError, match="critical_tolerance"):
        kpi_xl.status(95, 100, levels=5, critical_tolerance=0.05)
    with pytest.raises(DomainError, match="on_track_tolerance"):
        kpi_xl.status(95, 100, "higher", 0.1, -0.1)
    with pytest.raises(DomainError, match="band"):
        kpi_xl.status(4, None, "target", lower=3)
    with pytest.raises(DomainError, match="band"):
        kpi_xl.status(4, 6, "target", lower=3, upper=5)
    # options are checked even on rows without data
    with pytest.raises(DomainError):
        kpi_xl.status(None, 100, "sideways")
    # a zero band edge with relative tolerance is E-DIV0 (as target 0 is), absolute works
    assert kpi_xl.status(0.5, None, "target", lower=0, upper=1) is None
    assert kpi_xl.status(1.5, None, "target", 1.0, 0.0, "absolute", lower=0, upper=1) == "at_risk"


def test_status_absolute_tolerance_epsilon_scales_with_magnitude():
    # 0.1 + 0.2 style rounding at large magnitude must not flip the state
    target = 1e9
    actual = target - 1e8 * (1 + 1e-15)  # a hair below the amber edge
    assert kpi_xl.status(actual, target, "higher", 1e8, 0.0, "absolute") == "at_risk"
    assert kpi_xl.status(target - 1.01e8, target, "higher", 1e8, 0.0, "absolute") == "off_track"


def test_five_levels_defaults():
    # excellent_margin defaults to at_risk_tolerance, critical_tolerance to twice it
    assert kpi_xl.status(110_000, 100_000, levels=5) == "excellent"
    assert kpi_xl.status(109_000, 100_000, levels=5) == "on_track"
    assert kpi_xl.status(80_000, 100_000, levels=5) == "off_track"
    assert kpi_xl.status(79_000, 100_000, levels=5) == "critical"
    assert kpi_xl.status(79_000, 100_000, levels=5, critical_tolerance=0.5) == "off_track"
    assert kpi_xl.status_code(100_000, 100_000, levels=5, excellent_margin=0) == 2


# --- attainment, variance, progress -----------------------------------------------------

@given(finite, positive)
def test_attainment_identities_for_positive_targets(actual, target):
    assert_close(kpi_xl.attainment(actual, target), actual / target, rel=1e-9, abs_tol=1e-9)
    assert_close(kpi_xl.attainment(actual, target, "lower"), 2 - actual / target, rel=1e-9,
                 abs_tol=1e-9)


@given(finite, nonzero)
def test_attainment_is_one_plus_signed_gap(actual, target):
    pct = kpi_xl.variance_pct(actual, target)
    assert_close(kpi_xl.attainment(actual, target), 1 + pct, rel=1e-9, abs_tol=1e-9)
    assert_close(kpi_xl.attainment(actual, target, "lower"), 1 - pct, rel=1e-9, abs_tol=1e-9)
    assert_close(kpi_xl.attainment(actual, target, "target"), 1 - abs(pct), rel=1e-9,
                 abs_tol=1e-9)
    for direction in ("higher", "lower", "target"):
        assert kpi_xl.attainment(target, target, direction) == 1.0


@given(finite, finite, st.floats(min_value=-2, max_value=2))
def test_progress_is_linear_between_baseline_and_target(baseline, target, k):
    assume(abs(target - baseline) >= 1e-3)
    assert kpi_xl.progress(baseline, target, baseline) == 0.0
    assert kpi_xl.progress(target, target, baseline) == 1.0
    actual = baseline + k * (target - baseline)
    assert_close(kpi_xl.progress(actual, target, baseline), k, rel=1e-6, abs_tol=1e-6)


def test_p1_growth_to_date():
    assert_close(kpi_xl.progress(13_800, 12_000 * 1.20, 12_000), 0.75)
    assert_close(kpi_xl.growth(13_800, 12_000), 0.15)
    assert_close(kpi_xl.delta(13_800, 12_000), kpi_xl.variance(13_800, 12_000))


@given(unit, st.floats(min_value=0, max_value=400), st.floats(min_value=1, max_value=400))
def test_pacing_matches_its_definition(p, elapsed, total):
    expected = kpi_xl.expected_progress(elapsed, total)
    assert 0 <= expected <= 1
    label = kpi_xl.pacing_status(p, elapsed, total)
    assert label == ("on_pace" if p >= expected - 1e-12 else "behind")
    assert kpi_xl.pacing_status(p, elapsed, total, 1.0) == "on_pace"


# --- trend ------------------------------------------------------------------------------

@given(finite, nonzero, st.floats(min_value=0, max_value=1))
def test_trend_polarity(current, prior, deadband):
    up = kpi_xl.trend(current, prior, "higher", deadband)
    assert up in (-1, 0, 1)
    assert kpi_xl.trend(current, prior, "lower", deadband) == -up
    for direction in ("higher", "lower", "target"):
        assert kpi_xl.trend(current, prior, direction, deadband, output="direction") == up
    r = (current - prior) / abs(prior)
    if abs(r) <= deadband:
        assert up == 0


@given(finite, nonzero, finite)
def test_trend_target_is_best_follows_distance(current, prior, target):
    sentiment = kpi_xl.trend(current, prior, "target", 0.0, target=target)
    closer = abs(current - target) - abs(prior - target)
    if abs(closer) / abs(prior) > 1e-9:
        assert sentiment == (1 if closer < 0 else -1)


# --- uncertainty ------------------------------------------------------------------------

@pytest.mark.parametrize("s,n,published", [
    (81, 263, (0.2553, 0.3662)), (15, 148, (0.0624, 0.1605)),
    (0, 20, (0.0, 0.1611)), (1, 29, (0.0061, 0.1718)),
])
def test_wilson_matches_newcombe_1998(s, n, published):
    lo, hi = kpi_xl.wilson_interval(s, n)
    assert (round(lo, 4), round(hi, 4)) == published


def rates(max_n):
    """(successes, trials) with 0 <= successes <= trials, trials >= 1."""
    return st.integers(1, max_n).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@given(rates(5_000), st.floats(min_value=0.5, max_value=0.999))
def test_wilson_interval_contains_rate_and_stays_in_unit_interval(rate, confidence):
    s, n = rate
    lo, hi = kpi_xl.wilson_interval(s, n, confidence)
    p = s / n
    assert 0.0 <= lo <= p <= hi <= 1.0
    # the bounds invert the score test: |p - pi| = z sqrt(pi (1 - pi) / n)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    for bound in (lo, hi):
        if 0 < bound < 1:
            assert math.isclose(abs(p - bound), z * math.sqrt(bound * (1 - bound) / n),
                                rel_tol=1e-7, abs_tol=1e-12)
    wider = kpi_xl.wilson_interval(s, n, min(0.9995, confidence + 0.0005))
    assert wider[0] <= lo + 1e-15 and wider[1] >= hi - 1e-15


@given(rates(500), rates(500))
def test_rate_change_test_is_symmetric(sample_1, sample_2):
    (s1, n1), (s2, n2) = sample_1, sample_2
    assume(0 < s1 + s2 < n1 + n2)  # otherwise no variation: E-DIV0, tested below
    z, p, sig = kpi_xl.rate_change_test(s1, n1, s2, n2)
    z_sw, p_sw, sig_sw = kpi_xl.rate_change_test(s2, n2, s1, n1)
    assert z_sw == -z and p_sw == p and sig_sw == sig
    assert 0 <= p <= 1 and sig in (0.0, 1.0)
    assert sig == (1.0 if p < 0.05 else 0.0)
    assert (z > 0) == (s2 / n2 > s1 / n1) or z == 0
    # z^2 is Pearson's chi-square of the 2x2 table (no continuity correction)
    table = np.array([[s1, n1 - s1], [s2, n2 - s2]], dtype=float)
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    chi2 = float(((table - expected) ** 2 / expected).sum())
    assert math.isclose(z * z, chi2, rel_tol=1e-9, abs_tol=1e-9)


def test_rate_change_with_no_variation_is_no_result():
    assert kpi_xl.rate_change_test(0, 100, 0, 50) is None
    assert kpi_xl.rate_change_test(100, 100, 50, 50) is None


@given(st.lists(st.integers(0, 10), min_size=1, max_size=300))
@settings(max_examples=60)
def test_nps_moe_is_z_times_standard_error_of_the_mean_of_plus_minus_one(scores):
    tickets = np.array([1 if s >= 9 else -1 if s <= 6 else 0 for s in scores], dtype=float)
    expected = 100 * 1.959963984540054 * tickets.std() / math.sqrt(len(tickets))
    assert_close(kpi_xl.nps_margin_of_error(scores), expected, rel=1e-9, abs_tol=1e-9)
    assert kpi_xl.nps_margin_of_error(scores, 0.99) >= kpi_xl.nps_margin_of_error(scores)


def test_nps_moe_rollup_equals_direct_computation():
    d = catalog.get("KPI_NPS_MOE")
    parts = [[10, 9, 6, None], [8, 7, 0, 10, 10], [3]]
    totals: dict[str, float] = {}
    for part in parts:
        for k, v in d.rollup.prepare(part, confidence=0.9).items():
            totals[k] = totals.get(k, 0.0) + float(np.sum(v))
    whole = [s for p in parts for s in p]
    assert_close(d.rollup.finalize(**totals, confidence=0.9),
                 kpi_xl.nps_margin_of_error(whole, 0.9))


def test_uncertainty_outputs_are_numeric_tuples():
    for result in (kpi_xl.wilson_interval(3, 10), kpi_xl.rate_change_test(3, 10, 7, 10)):
        assert isinstance(result, tuple)
        assert all(isinstance(x, float) and math.isfinite(x) for x in result)
