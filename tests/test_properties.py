"""Property tests (hypothesis): ranges, order invariance, roll-up = whole."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import kpi_xl
from kpi_xl.frame import finalize, kpi_table, partial_aggregate

scores = st.lists(st.one_of(st.integers(0, 10), st.none()), min_size=1, max_size=200)


@given(scores)
def test_nps_is_within_bounds(values):
    result = kpi_xl.nps(values)
    if all(v is None for v in values):
        assert result is None
    else:
        assert -100 <= result <= 100


@given(scores, st.randoms(use_true_random=False))
def test_nps_is_order_invariant(values, rnd):
    shuffled = list(values)
    rnd.shuffle(shuffled)
    assert kpi_xl.nps(values) == kpi_xl.nps(shuffled)


@given(st.lists(st.integers(1, 5), min_size=1, max_size=100), st.randoms(use_true_random=False))
def test_csat_order_invariant_and_bounded(values, rnd):
    shuffled = list(values)
    rnd.shuffle(shuffled)
    assert kpi_xl.csat(values) == kpi_xl.csat(shuffled)
    assert 0 <= kpi_xl.csat(values) <= 1


@given(st.lists(st.integers(0, 10), min_size=2, max_size=300), st.integers(1, 5), st.data())
@settings(max_examples=60, deadline=None)
def test_rollup_of_split_data_equals_kpi_on_concatenation(values, parts, data):
    """Partial aggregates over any split combine to the KPI on all rows (spec §1.3)."""
    df = pd.DataFrame({"score": values, "conv": [v % 3 for v in values],
                       "sessions": [3 + v for v in values]})
    cuts = sorted(data.draw(st.lists(st.integers(0, len(df)), min_size=parts - 1,
                                     max_size=parts - 1)))
    bounds = [0, *cuts, len(df)]
    chunks = [df.iloc[a:b] for a, b in itertools.pairwise(bounds)]
    specs = ["nps:score", "conversion_rate:conv,sessions", "csat_mean:score:scale_min=0;scale_max=10"]
    partials = [partial_aggregate(c, specs) for c in chunks if len(c)]
    combined = finalize(pd.concat(partials).sum().to_frame().T, specs)
    whole = kpi_table(df, specs)
    assert math.isclose(combined["nps"][0], kpi_xl.nps(values), rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(whole["nps"][0], kpi_xl.nps(values), rel_tol=1e-9, abs_tol=1e-12)
    expected_cr = sum(v % 3 for v in values) / sum(3 + v for v in values)
    assert math.isclose(combined["conversion_rate"][0], expected_cr, rel_tol=1e-9)
    assert math.isclose(combined["csat_mean"][0], float(np.mean(values)), rel_tol=1e-9)


def test_ratio_rollup_is_ratio_of_sums_not_mean_of_ratios():
    df = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-01-08"]),
                       "conv": [10, 90], "sessions": [100, 1000]})
    table = kpi_table(df, ["conversion_rate:conv,sessions"], by="month")
    assert math.isclose(table["conversion_rate"][0], 100 / 1100, rel_tol=1e-12)
    assert not math.isclose(table["conversion_rate"][0], 0.095)
