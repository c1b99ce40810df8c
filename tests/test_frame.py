"""KPI tables: periods, fiscal years, dimensions, holistic KPIs, errors."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import kpi_xl
from kpi_xl.core.errors import KpiError, OutOfRangeError
from kpi_xl.frame import kpi_table, parse_kpi_spec


@pytest.fixture
def survey():
    return pd.DataFrame({
        "date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-03", "2024-03-30",
                                "2024-04-01", "2024-04-02"]),
        "region": ["N", "S", "N", "N", "S", "S"],
        "score": [10, 6, 9, None, 7, 10],
    })


def test_month_table_matches_core_per_group(survey):
    t = kpi_table(survey, ["nps:score"], by="month")
    assert list(t["period"]) == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert t["nps"][0] == kpi_xl.nps([10, 6]) == 0.0
    assert t["nps"][1] == 100.0
    assert t["nps"].isna()[2]  # only a blank: E-EMPTY -> <NA>, never NaN-as-float
    assert str(t["nps"].dtype) == "Float64"
    assert t["nps"][3] == kpi_xl.nps([7, 10])


def test_fiscal_quarters_named_by_fiscal_year_end(survey):
    t = kpi_table(survey, ["nps:score"], by="quarter", fiscal_year_start=4)
    assert list(t["period"]) == ["2024Q4", "2025Q1"]


@pytest.mark.parametrize("by,n", [("day", 6), ("week", 5), ("year", 1)])
def test_other_periods(survey, by, n):
    assert len(kpi_table(survey, ["nps:score"], by=by)) == n


def test_dimensions(survey):
    t = kpi_table(survey, ["nps:score"], by="year", dims=["region"])
    assert list(t["region"]) == ["N", "S"]
    assert t["nps"][0] == kpi_xl.nps([10, 9])


def test_holistic_kpi_is_computed_per_group():
    df = pd.DataFrame({"date": pd.to_datetime(["2024-01-01"] * 5 + ["2024-02-01"] * 2),
                       "hours": [0.5, 1, 1.5, 2, 24, 3, 5]})
    t = kpi_table(df, ["first_response_time:hours", "mean=first_response_time:hours:stat=mean"],
                  by="month")
    assert t["first_response_time"][0] == 1.5 and math.isclose(t["mean"][0], 5.8)
    assert t["first_response_time"][1] == 4.0


def test_invalid_data_names_the_group(survey):
    bad = survey.assign(score=[10, 6, 9, 11, 7, 10])
    with pytest.raises(OutOfRangeError):
        kpi_table(bad, ["nps:score"], by="month")
    ok = kpi_table(bad, ["nps:score:invalid=ignore"], by="month")
    assert ok["nps"].isna()[2]


def test_status_columns(survey):
    t = kpi_table(survey, ["nps:score"], by="month", targets={"nps": 50})
    assert list(t["nps_status"]) == ["off_track", "on_track", "no_data", "on_track"]


@pytest.mark.parametrize("spec,message", [
    ("nope:score", "unknown KPI"),
    ("nps:missing_col", "not found"),
    ("conversion_rate:a", "data column"),
    ("nps:score:bogus=1", "no option"),
])
def test_user_errors_are_specific(survey, spec, message):
    survey = survey.assign(a=1)
    with pytest.raises(KpiError, match=message):
        kpi_table(survey, [spec])


def test_parse_spec_options():
    s = parse_kpi_spec("csat:answers:scale_max=10;top_boxes=2")
    assert s.options == {"scale_max": 10, "top_boxes": 2} and s.columns == ("answers",)
