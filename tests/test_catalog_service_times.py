"""Service and IT time KPIs beyond the worked examples (spec #52-#57): business hours against a
minute-by-minute brute force, weekend codes and holidays, FRT/MTTR from timestamps (blanks,
Excel serials, every container), PERCENTILE.INC against numpy, roll-ups and metadata."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpi_xl.catalog.service as svc
from helpers import assert_close
from kpi_xl import catalog
from kpi_xl.core.errors import DomainError, KpiTypeError, MissingValueError
from kpi_xl.core.stats import STAT_QUANTILES, percentile_inc, summarize
from kpi_xl.core.timecalc import (
    WEEKEND_CODES,
    Schedule,
    calendar_elapsed,
    intervals,
    time_of_day,
    timestamp,
    timestamps,
    weekmask,
)

MY_IDS = ("resolution_rate", "customer_effort_score", "first_response_time",
          "first_response_time_from_times", "business_hours_elapsed", "mttr",
          "first_contact_resolution", "sla_attainment")

# Two Mondays: one ordinary, one before the epoch (day flooring of negative datetime64 values).
MONDAYS = (dt.datetime(2024, 1, 1), dt.datetime(1969, 12, 29))
DAY_MIN = 1440


# --- brute-force reference ----------------------------------------------------------------

def _brute_hours(start_min: int, end_min: int, open_min: int, close_min: int, excel_mask: str,
                 holiday_days: list[int]) -> float:
    """Business hours by testing every minute in [start, end); minutes count from a Monday.
    Independent of numpy's busday functions: weekday = day index mod 7."""
    m = np.arange(start_min, end_min)
    day, tod = m // DAY_MIN, m % DAY_MIN
    off = np.array([c == "1" for c in excel_mask])[day % 7]
    ok = ~off & ~np.isin(day, holiday_days) & (tod >= open_min) & (tod < close_min)
    return ok.sum() / 60.0


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


weekends = st.one_of(
    st.sampled_from(sorted(WEEKEND_CODES)),
    st.text(alphabet="01", min_size=7, max_size=7).filter(lambda s: s != "1111111"),
)


@st.composite
def schedules(draw):
    open_min = draw(st.integers(0, DAY_MIN - 1))
    close_min = draw(st.integers(open_min + 1, DAY_MIN))
    weekend = draw(weekends)
    holidays = draw(st.lists(st.integers(0, 40), max_size=4))
    return open_min, close_min, weekend, holidays


def _excel_mask(weekend) -> str:
    return WEEKEND_CODES[weekend] if isinstance(weekend, int) else weekend


@settings(max_examples=300, deadline=None)
@given(sched=schedules(), start=st.integers(0, 25 * DAY_MIN), length=st.integers(0, 16 * DAY_MIN),
       monday=st.sampled_from(MONDAYS))
def test_business_hours_matches_brute_force(sched, start, length, monday):
    open_min, close_min, weekend, holidays = sched
    end = start + length
    got = svc.business_hours_elapsed(
        monday + dt.timedelta(minutes=start), monday + dt.timedelta(minutes=end),
        open=_hhmm(open_min), close=_hhmm(close_min), weekend=weekend,
        holidays=[monday + dt.timedelta(days=d) for d in holidays])
    expected = _brute_hours(start, end, open_min, close_min, _excel_mask(weekend), holidays)
    assert_close(got, expected)


@settings(max_examples=60, deadline=None)
@given(sched=schedules(),
       pairs=st.lists(st.tuples(st.integers(0, 25 * DAY_MIN), st.integers(0, 10 * DAY_MIN)),
                      min_size=1, max_size=30))
def test_vectorised_business_time_matches_brute_force(sched, pairs):
    """One Schedule.elapsed call over many intervals equals the per-interval reference."""
    open_min, close_min, weekend, holidays = sched
    monday = np.datetime64("2024-01-01T00:00", "ns")
    starts = np.array([monday + np.timedelta64(s, "m") for s, _ in pairs])
    ends = np.array([monday + np.timedelta64(s + n, "m") for s, n in pairs])
    schedule = Schedule.build(_hhmm(open_min), _hhmm(close_min), weekend,
                              [monday + np.timedelta64(d, "D") for d in holidays])
    got = schedule.elapsed(starts, ends, "m")
    expected = [_brute_hours(s, s + n, open_min, close_min, _excel_mask(weekend), holidays) * 60
                for s, n in pairs]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(start=st.integers(-10**7, 10**7), length=st.integers(0, 10**7))
def test_24x7_schedule_is_calendar_time(start, length):
    t0 = np.datetime64("2024-03-01T00:00:00", "ns") + np.timedelta64(start, "s")
    t1 = t0 + np.timedelta64(length, "s")
    s = Schedule.build("00:00", "24:00", "0000000")
    assert s.elapsed(np.array([t0]), np.array([t1]), "s")[0] == length
    assert calendar_elapsed(np.array([t0]), np.array([t1]), "s")[0] == length


def test_spec_example_business_and_calendar():
    start, end = "2024-03-01 17:30", "2024-03-04 09:30"
    assert svc.business_hours_elapsed(start, end) == 1.0
    assert svc.first_response_time_from_times([start], [end]) == 64.0
    assert svc.first_response_time_from_times([start], [end], basis="business") == 1.0


def test_business_hours_partial_days_and_non_working_days():
    bh = svc.business_hours_elapsed
    assert bh("2024-03-04 10:00", "2024-03-04 10:00") == 0.0
    assert bh("2024-03-04 07:00", "2024-03-04 20:00") == 9.0          # whole Monday
    assert bh("2024-03-02 10:00", "2024-03-03 15:00") == 0.0          # Saturday -> Sunday
    assert bh("2024-03-02 10:00", "2024-03-04 10:00") == 1.0          # Sat -> Mon 10:00
    assert bh("2024-03-04 10:00", "2024-03-09 10:00") == 44.0         # Mon 10:00 -> Sat
    assert bh("2024-03-04 19:00", "2024-03-05 08:00") == 0.0          # overnight, closed
    assert bh("2024-03-04 12:00", "2024-03-11 12:00") == 45.0         # one full week
    assert bh("2024-03-04 12:00", "2024-03-11 12:00", open="08:30", close="17:00") == 42.5


def test_holidays():
    bh = svc.business_hours_elapsed
    week = ("2024-12-23 00:00", "2024-12-30 00:00")
    assert bh(*week) == 45.0
    assert bh(*week, holidays=["2024-12-25", "2024-12-26"]) == 27.0
    # duplicates, blanks, times of day, weekend dates and Excel serials are all fine
    xmas = dt.date(2024, 12, 25)
    assert bh(*week, holidays=[xmas, None, "2024-12-25 13:00", "2024-12-28", 45652.0]) == 27.0
    assert bh(*week, holidays=np.array(["2024-12-25"], dtype="datetime64[D]")) == 36.0
    assert bh(*week, holidays=pd.Series(pd.to_datetime(["2024-12-25", None]))) == 36.0
    assert bh(*week, holidays=[]) == 45.0
    # a start or end on a holiday counts nothing that day
    assert bh("2024-12-25 10:00", "2024-12-26 10:00", holidays=["2024-12-25"]) == 1.0


EXCEL_WEEKENDS = {  # NETWORKDAYS.INTL documentation, written out by day name
    1: {"Sat", "Sun"}, 2: {"Sun", "Mon"}, 3: {"Mon", "Tue"}, 4: {"Tue", "Wed"},
    5: {"Wed", "Thu"}, 6: {"Thu", "Fri"}, 7: {"Fri", "Sat"}, 11: {"Sun"}, 12: {"Mon"},
    13: {"Tue"}, 14: {"Wed"}, 15: {"Thu"}, 16: {"Fri"}, 17: {"Sat"},
}
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@pytest.mark.parametrize("code", sorted(EXCEL_WEEKENDS))
def test_weekend_codes(code):
    monday = dt.datetime(2024, 3, 4)
    for i, name in enumerate(DAYS):
        day = monday + dt.timedelta(days=i)
        hours = svc.business_hours_elapsed(day, day + dt.timedelta(days=1), weekend=code)
        assert hours == (0.0 if name in EXCEL_WEEKENDS[code] else 9.0), (code, name)
    # the same weekend as a 7-character string, a float code and numeric text
    mask = "".join("1" if d in EXCEL_WEEKENDS[code] else "0" for d in DAYS)
    assert weekmask(mask) == weekmask(code) == weekmask(float(code)) == weekmask(str(code))


@pytest.mark.parametrize("bad", [0, 8, 10, 18, 1.5, "1111111", "000001", "00000a1", "Sat"])
def test_bad_weekend_is_domain_error(bad):
    with pytest.raises(DomainError):
        svc.business_hours_elapsed("2024-03-04 09:00", "2024-03-04 10:00", weekend=bad)


def test_weekend_blank_and_boolean():
    assert weekmask(None) == weekmask(1) == "1111100"
    with pytest.raises(KpiTypeError):
        weekmask(True)


def test_time_of_day_forms():
    nine = 9 * 3600 * 10**9
    assert time_of_day("09:00", "open") == time_of_day("9:00", "open") == nine
    assert time_of_day("09:00:00", "open") == time_of_day(dt.time(9), "open") == nine
    assert time_of_day(0.375, "open") == time_of_day(dt.datetime(1899, 12, 30, 9), "open") == nine
    assert time_of_day("24:00", "close") == time_of_day(1, "close") == 86_400 * 10**9
    assert time_of_day(None, "open", "09:00") == nine
    for bad in ("25:00", "24:01", "9h", "09:60", 1.5, -0.1):
        with pytest.raises(DomainError):
            time_of_day(bad, "open")
    with pytest.raises(KpiTypeError):
        time_of_day(True, "open")
    with pytest.raises(DomainError):  # open >= close
        Schedule.build("18:00", "18:00")


def test_business_hours_scalar_argument_errors():
    bh = svc.business_hours_elapsed
    assert bh(None, "2024-03-04") is None and bh("2024-03-04", float("nan")) is None
    assert bh([], "2024-03-04") is None
    assert bh(["2024-03-04 09:00"], [["2024-03-04 10:00"]]) == 1.0  # one-cell ranges
    assert bh(pd.Timestamp("2024-03-04 09:00"), np.datetime64("2024-03-04T10:00")) == 1.0
    assert bh([pd.Timestamp("2024-03-04 09:00")], np.array(["2024-03-04T10:00"],
                                                           dtype="datetime64[ns]")) == 1.0
    assert bh(dt.date(2024, 3, 4), [[45355.5]]) == 3.0
    with pytest.raises(KpiTypeError):
        bh(["2024-03-04 09:00", "2024-03-04 10:00"], "2024-03-05")
    with pytest.raises(KpiTypeError):
        bh(True, "2024-03-05")
    with pytest.raises(DomainError):
        bh("2024-03-05", "2024-03-04")


# --- timestamps in every form ---------------------------------------------------------------

CREATED = ["2024-03-01 09:00", "2024-03-01 10:00", "2024-03-01 17:30", "2024-03-04 08:00",
           None]
REPLIED = ["2024-03-01 09:30", None, "2024-03-04 09:30", "2024-03-04 10:00", "2024-03-04 11:00"]


def _serial(text):
    if text is None:
        return None
    d = dt.datetime.fromisoformat(text) - dt.datetime(1899, 12, 30)
    return d.days + d.seconds / 86_400


def _forms(values):
    as_dt = [None if v is None else dt.datetime.fromisoformat(v) for v in values]
    return {
        "iso": values,
        "datetime": as_dt,
        "timestamp": [None if v is None else pd.Timestamp(v) for v in values],
        "serial": [_serial(v) for v in values],
        "serial-numpy": np.array([np.nan if v is None else _serial(v) for v in values]),
        "datetime64-ns": np.array([np.datetime64(v, "ns") if v else np.datetime64("NaT", "ns")
                                   for v in values]),
        "datetime64-s": np.array([np.datetime64(v, "s") if v else np.datetime64("NaT", "s")
                                  for v in values]),
        "pandas": pd.Series(as_dt),
        "pandas-object": pd.Series(values, dtype=object),
        "column": [[v] for v in values],  # a 2-D Excel column
    }


@pytest.mark.parametrize("form", list(_forms(CREATED)))
def test_frt_from_times_every_container(form):
    created, replied = _forms(CREATED)[form], _forms(REPLIED)[form]
    # calendar: 0.5, 64, 2 (one unanswered, one reply without creation time skipped)
    assert_close(svc.first_response_time_from_times(created, replied), 2.0)
    assert_close(svc.first_response_time_from_times(created, replied, stat="mean"), 66.5 / 3)
    assert_close(svc.first_response_time_from_times(created, replied, basis="business"), 1.0)
    assert_close(svc.first_response_time_from_times(created, replied, unit="d", stat="mean"),
                 66.5 / 3 / 24)
    assert_close(svc.mttr(start_range=created, end_range=replied), 66.5 / 3)
    iv = intervals(created, replied, "created_range", "first_reply_range")
    assert (iv.start.size, iv.unfinished) == (3, 1)
    assert iv.complete.tolist() == [True, False, True, True, False]


def test_serial_and_iso_agree_to_the_microsecond():
    iso = timestamps(["2024-03-01 09:30:15"], "t")
    serial = timestamps([_serial("2024-03-01 09:30:15")], "t")
    assert abs((iso - serial).astype(np.int64)[0]) <= 1_000
    assert timestamp(45352.5, "t") == np.datetime64("2024-03-01T12:00", "ns")


def test_unanswered_tickets_are_excluded_not_zero():
    created = ["2024-03-04 09:00"] * 4
    replied = ["2024-03-04 10:00", None, "", float("nan")]
    assert svc.first_response_time_from_times(created, replied, stat="mean") == 1.0
    assert svc.first_response_time_from_times(created, [None] * 4) is None  # E-EMPTY


def test_timestamp_errors():
    frt = svc.first_response_time_from_times
    with pytest.raises(DomainError, match="row 2"):
        frt(["2024-03-04 09:00", "2024-03-04 09:00"], ["2024-03-04 10:00", "2024-03-04 08:00"])
    with pytest.raises(DomainError):  # not paired row by row
        frt(["2024-03-04 09:00", "2024-03-04 09:00"], ["2024-03-04 10:00"])
    with pytest.raises(KpiTypeError):
        frt(["2024-03-04 09:00"], ["tomorrow"])
    with pytest.raises(KpiTypeError):
        frt(["2024-03-04 09:00"], [True])
    with pytest.raises(DomainError):  # not an Excel date serial
        frt([-5.0], [1.0])
    with pytest.raises(DomainError):
        frt(["2024-03-04 09:00"], ["2024-03-04 10:00"], basis="wall")
    with pytest.raises(DomainError):
        frt(["2024-03-04 09:00"], ["2024-03-04 10:00"], unit="months")


def test_frt_business_basis_uses_the_schedule():
    created = ["2024-12-24 17:00", "2024-12-27 08:00"]
    replied = ["2024-12-27 10:00", "2024-12-27 09:15"]
    kw = {"basis": "business", "stat": "mean", "holidays": ["2024-12-25", "2024-12-26"]}
    # (1 h Dec 24 + 1 h Dec 27, 0.25 h) / 2
    assert_close(svc.first_response_time_from_times(created, replied, **kw), 1.125)
    assert_close(svc.first_response_time_from_times(created, replied, **kw, open="08:00"),
                 (3.0 + 1.25) / 2)
    assert_close(svc.first_response_time_from_times(created, replied, **kw, weekend=11),
                 1.125)


@settings(max_examples=50, deadline=None)
@given(pairs=st.lists(st.tuples(st.integers(0, 30 * DAY_MIN), st.integers(0, 5 * DAY_MIN)),
                      min_size=1, max_size=20),
       weekend=weekends)
def test_mttr_business_equals_mean_of_business_hours(pairs, weekend):
    monday = dt.datetime(2024, 1, 1)
    starts = [monday + dt.timedelta(minutes=s) for s, _ in pairs]
    ends = [monday + dt.timedelta(minutes=s + n) for s, n in pairs]
    each = [svc.business_hours_elapsed(a, b, weekend=weekend) for a, b in zip(starts, ends, strict=True)]
    got = svc.mttr(start_range=starts, end_range=ends, basis="business", weekend=weekend)
    assert_close(got, float(np.mean(each)))


def test_mttr_forms_and_errors():
    assert svc.mttr([44, 100, 40, 20]) == 51.0
    assert svc.mttr(np.array([44, np.nan, 100, 40, 20])) == 51.0
    assert svc.mttr(pd.Series([44, None, 100, 40, 20])) == 51.0
    assert svc.mttr([2880, 6000], unit="m") == 4440.0  # unit labels the durations
    assert svc.mttr([]) is None and svc.mttr(None, [], []) is None  # E-EMPTY
    assert svc.mttr() is None  # E-MISSING
    assert svc.mttr(start_range=["2024-03-04 09:00"]) is None  # end_range missing
    with pytest.raises(DomainError):
        svc.mttr([1, 2], start_range=["2024-03-04"], end_range=["2024-03-05"])
    with pytest.raises(DomainError):
        svc.mttr([1, -2])


# --- roll-ups ---------------------------------------------------------------------------------

def _rollup(entry_id, parts, **options):
    d = catalog.get(entry_id)
    totals = None
    for columns in parts:
        comps = d.rollup.prepare(**columns, **options)
        sums = {k: float(np.sum(v)) for k, v in comps.items()}
        totals = sums if totals is None else {k: totals[k] + sums[k] for k in sums}
    return d.rollup.finalize(**totals, **options)


def test_mttr_rollup_over_partitions():
    starts = ["2024-03-01 17:30", "2024-03-04 10:00", "2024-03-04 11:00", "2024-03-05 09:00"]
    ends = ["2024-03-04 09:30", "2024-03-04 12:00", None, "2024-03-05 13:30"]
    for basis in ("calendar", "business"):
        parts = [{"start_range": starts[:2], "end_range": ends[:2]},
                 {"start_range": starts[2:], "end_range": ends[2:]}]
        whole = svc.mttr(start_range=starts, end_range=ends, basis=basis)
        assert_close(_rollup("mttr", parts, basis=basis), whole)
    parts = [{"durations": [44, 100]}, {"durations": [40, None, 20]}]
    assert_close(_rollup("mttr", parts), 51.0)


def test_ratio_rollups_are_ratio_of_sums():
    assert_close(_rollup("resolution_rate", [{"resolved": [200], "received": [250]},
                                             {"resolved": [230], "received": [250]}]), 0.86)
    assert_close(_rollup("first_contact_resolution",
                         [{"resolved_first_contact": [8], "denominator": [13]},
                          {"resolved_first_contact": [202], "denominator": [287]}]), 0.70)
    sla_parts = [{"met": [450], "breached_closed": [35], "breached_open": [15]},
                 {"met": [450], "breached_closed": [35], "breached_open": [15]}]
    assert_close(_rollup("sla_attainment", sla_parts), 0.90)
    assert_close(_rollup("sla_attainment", sla_parts, include_open_breached=False), 900 / 970)


def test_ces_rollup_matches_function():
    ease = [7, 6, 5, 4, 7, 3, 6, 5, 2, 7]
    parts = [{"responses": ease[:4]}, {"responses": ease[4:]}]
    for kw in ({}, {"method": "top_box"}, {"method": "top_box", "orientation": "effort"}):
        assert_close(_rollup("customer_effort_score", parts, **kw),
                     svc.customer_effort_score(ease, **kw))


# --- statistics -------------------------------------------------------------------------------

def test_percentile_inc_known_values():
    assert_close(percentile_inc([1, 3, 2, 4], 0.3), 1.9)  # Microsoft's PERCENTILE.INC example
    assert_close(percentile_inc([0.5, 1, 1.5, 2, 24], 0.9), 15.2)
    assert percentile_inc([5], 0.0) == percentile_inc([5], 1.0) == 5.0
    assert percentile_inc([3, 1, 2], 0.0) == 1.0 and percentile_inc([3, 1, 2], 1.0) == 3.0
    for bad in (-0.01, 1.01, float("nan")):
        with pytest.raises(DomainError):
            percentile_inc([1, 2], bad)


finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(finite, min_size=1, max_size=40), k=st.floats(0, 1))
def test_percentile_inc_equals_numpy_linear(values, k):
    assert_close(percentile_inc(values, k), float(np.quantile(values, k, method="linear")),
                 abs_tol=1e-6)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=40))
def test_frt_stats_equal_numpy(values):
    for stat, k in STAT_QUANTILES.items():
        expected = float(np.quantile(values, k))
        assert_close(svc.first_response_time(values, stat=stat), expected, abs_tol=1e-6)
        assert_close(summarize(values, stat), expected, abs_tol=1e-6)
    assert_close(svc.first_response_time(values, stat="mean"), float(np.mean(values)),
                 abs_tol=1e-6)
    assert svc.first_response_time(values) == svc.first_response_time(values, stat="p50")


def test_frt_never_nan_or_inf():
    assert svc.first_response_time([np.nan, None]) is None
    with pytest.raises(Exception) as info:
        svc.first_response_time([1.0, np.inf])
    assert info.value.code == "E-RANGE"


# --- catalog metadata -------------------------------------------------------------------------

@pytest.mark.parametrize("entry_id", MY_IDS)
def test_metadata_complete(entry_id):
    d = catalog.get(entry_id)
    assert d.category in ("service", "it") and len(d.description) <= 255
    assert all(p.description and len(p.description) <= 255 for p in d.params)
    assert d.formula and d.blanks and d.examples and d.__class__.to_dict(d)
    # every error code an edge case names has a worked example raising it
    named = set(re.findall(r"(?<!not )E-[A-Z0-9]+", " ".join(d.edge_cases)))
    assert named <= {e.error for e in d.examples if e.error}, named
    # text options are keyword-only; data arguments come first
    for p in d.params:
        if p.kind == "text":
            assert p.keyword_only, p.name
    if d.native:
        d.native_formula(**{p.name: f"R_{p.name}" for p in d.params})


def test_lookups_and_extras():
    assert catalog.get("tickets_resolved").id == "resolution_rate"
    assert catalog.get("KPI_FRT_FROM_TIMES").variant_of == "first_response_time"
    assert catalog.get("mttr").category == "it"
    assert catalog.get("mttr").extra["mttr_variant"] == "resolve"
    assert catalog.get("first_response_time").aggregation == "holistic"
    assert catalog.get("first_response_time").native == "MEDIAN({durations})"
    assert catalog.get("first_response_time").extra["native_by_stat"]["p90"] == \
        "PERCENTILE.INC({durations},0.9)"
    assert catalog.get("resolution_rate").extra["may_exceed_one"] is True
    assert catalog.get("customer_effort_score").extra["unit_by_method"]["top_box"] == "ratio"
    assert catalog.get("business_hours_elapsed").kind == "helper"


def test_public_none_versus_raise():
    assert svc.sla_attainment(0, 0) is None
    assert svc.first_contact_resolution(0, 0) is None
    assert svc.resolution_rate(None, 5) is None
    assert svc.sla_attainment(900, 70, None) == 900 / 970  # blank breached_open is 0
    assert svc.sla_attainment(900, 70, 30, 0) == 900 / 970  # Excel logical as a number
    assert svc.sla_attainment(900, 70, 30, "FALSE") == 900 / 970
    with pytest.raises(MissingValueError):
        catalog.get("sla_attainment").evaluate(None, 5, strict=True)
