"""Service and IT KPIs (spec §3.6, entries 47–57): surveys, response and resolution times."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from kpi_xl.catalog.rollups import sums
from kpi_xl.catalog.schema import AMOUNT_BLANKS, Example, Param, Rollup, kpi
from kpi_xl.core.errors import DomainError, EmptyInputError, KpiTypeError, MissingValueError
from kpi_xl.core.stats import STATS, native_stat, summarize
from kpi_xl.core.timecalc import (
    BASES,
    DURATION_UNITS,
    Schedule,
    calendar_elapsed,
    intervals,
    timestamp,
)
from kpi_xl.core.validate import (
    INVALID_MODES,
    choice,
    count,
    divide,
    flatten,
    is_blank,
    number,
    score_array,
    score_rows,
    share_of,
    value_array,
)

__all__ = [
    "business_hours_elapsed",
    "csat",
    "csat_counts",
    "csat_mean",
    "customer_effort_score",
    "first_contact_resolution",
    "first_response_time",
    "first_response_time_from_times",
    "mttr",
    "nps",
    "nps_counts",
    "resolution_rate",
    "sla_attainment",
]

SURVEY_BLANKS = ("Blank, None and NaN responses are skipped (non-responses, not counted). "
                 "Text, booleans, off-scale and fractional scores are errors (E-TYPE / E-RANGE) "
                 "unless invalid='ignore' drops them. No valid responses -> E-EMPTY (None; #DIV/0!).")
INVALID = Param("invalid", "'error' (default): text, off-scale or fractional scores are errors; "
                "'ignore': skip them.", kind="text", choices=INVALID_MODES)




# --- Resolution rate (#47) --------------------------------------------------------------

@kpi(
    excel="KPI_RESOLUTION_RATE", name="Ticket resolution rate", category="service",
    level="operational", indicator="lagging", unit="ratio", direction="higher_is_better",
    aliases=("tickets_resolved",),
    description="Tickets resolved in the period divided by tickets received in the same period. "
                "Above 1 when backlog is cleared: allowed, not an error (may_exceed_one).",
    formula="resolved / received",
    params={"resolved": ("count", "Tickets resolved in the period (the tickets-resolved count)."),
            "received": ("count", "Tickets received (created) in the same period.")},
    blanks=AMOUNT_BLANKS,
    edge_cases=("received = 0 -> E-DIV0",
                "resolved > received is allowed (backlog cleared) and gives a value above 1; "
                "it is not E-SUBSET",
                "negative or fractional counts -> E-NEG"),
    examples=(Example((430, 500), 0.86),
              Example((520, 500), 1.04, note="backlog cleared: above 1 is allowed"),
              Example(([200, 230], [240, 260]), 0.86, note="ranges are summed"),
              Example((0, 0), error="E-DIV0"), Example((-1, 500), error="E-NEG"),
              Example((None, 500), error="E-MISSING")),
    references=("seed article (tickets resolved count; no external source)",),
    rollup=sums("resolved", "received"),
    native="SUM({resolved})/SUM({received})",
    may_exceed_one=True, output_range=(0, None),
    decision="The companion rate resolved / received is a project DECISION; values above 1 "
             "are allowed and flagged by may_exceed_one.",
)
def resolution_rate(resolved: Any, received: Any) -> float:
    """
    >>> resolution_rate(430, 500)
    0.86
    >>> resolution_rate(520, 500)   # backlog cleared
    1.04
    """
    return divide(count(resolved, "resolved"), count(received, "received"), "received")


# --- NPS --------------------------------------------------------------------------------

def _nps_rollup(fn: Any) -> Rollup:
    def prepare(scores: Any, invalid: str = "error") -> dict[str, np.ndarray]:
        s = score_rows(scores, "scores", 0, 10, invalid=invalid)
        with np.errstate(invalid="ignore"):
            return {"promoters": (s >= 9).astype(float),
                    "passives": ((s >= 7) & (s <= 8)).astype(float),
                    "detractors": (s <= 6).astype(float)}

    def finalize(promoters: float, passives: float, detractors: float, invalid: str = "error"
                 ) -> float:
        return _nps_from_counts(promoters, passives, detractors, empty_is_error=True)

    return Rollup(components=("promoters", "passives", "detractors"), prepare=prepare,
                  finalize=finalize, numerator=("promoters", "detractors"),
                  denominator=("promoters", "passives", "detractors"))


def _nps_from_counts(p: float, pa: float, d: float, *, empty_is_error: bool = False) -> float:
    total = p + pa + d
    if total == 0 and empty_is_error:
        raise EmptyInputError("E-EMPTY: argument 'scores' has no valid responses", argument="scores")
    return divide(p - d, total, "promoters + passives + detractors") * 100.0


@kpi(
    excel="KPI_NPS", name="Net Promoter Score", category="service", level="strategic",
    indicator="lagging", unit="score", direction="higher_is_better",
    description="Net Promoter Score from raw 0-10 answers: % promoters (9-10) minus % "
                "detractors (0-6), in points from -100 to 100. Passives (7-8) count only in "
                "the total.",
    formula="(P - D) / (P + Pa + D) * 100",
    params={"scores": ("scores", "0-10 likelihood-to-recommend answers (whole numbers)."),
            "invalid": INVALID},
    blanks=SURVEY_BLANKS,
    edge_cases=("11, -1 or 8.5 -> E-RANGE (strict by default)", "text or booleans -> E-TYPE",
                "no valid scores -> E-EMPTY"),
    examples=(Example(([10, 9, 9, 8, 7, 6, 5, 10, 3, 9],), 20.0),
              Example(([10, 11, 11, None, 6],), error="E-RANGE"),
              Example(([10, 11, 11, None, 6],), 0.0, kwargs={"invalid": "ignore"},
                      note="not 40, which the lenient marketr logic gives"),
              Example(([None, None],), error="E-EMPTY"),
              Example((["9", 10],), error="E-TYPE")),
    references=("[nicereply]", "[hexia-nps]", "[retently-nps]", "[agero-nps]"),
    rollup=_nps_rollup,
    native='(COUNTIFS({scores},">=9")-COUNTIFS({scores},"<=6"))/COUNT({scores})*100',
    variant="raw_scores", scale=(0, 10),
)
def nps(scores: Any, *, invalid: str = "error") -> float:
    """
    >>> nps([10, 9, 9, 8, 7, 6, 5, 10, 3, 9])
    20.0
    >>> nps([10, 11, 11, None, 6], invalid="ignore")
    0.0
    """
    s = score_array(scores, "scores", 0, 10, invalid=invalid)
    counts = np.bincount(s.astype(np.intp), minlength=11)
    promoters, detractors = counts[9:].sum(), counts[:7].sum()
    return float((promoters - detractors) * 100.0 / s.size)


@kpi(
    excel="KPI_NPS_COUNTS", name="Net Promoter Score (from counts)", kind="variant",
    variant_of="nps", category="service", level="strategic", indicator="lagging", unit="score",
    direction="higher_is_better",
    description="NPS from counts (or percentages) of promoters, passives and detractors: "
                "(promoters - detractors) / total * 100.",
    formula="(promoters - detractors) / (promoters + passives + detractors) * 100",
    params={"promoters": ("count", "Number of promoters (scores 9-10)."),
            "passives": ("count", "Number of passives (scores 7-8)."),
            "detractors": ("count", "Number of detractors (scores 0-6).")},
    blanks="A blank argument is E-MISSING (None; #N/A); ranges are summed, blanks skipped.",
    edge_cases=("total = 0 -> E-DIV0", "negative or fractional counts -> E-NEG"),
    examples=(Example((60, 20, 20), 40.0), Example((30, 50, 20), 10.0), Example((5, 2, 3), 20.0),
              Example((0, 0, 0), error="E-DIV0"), Example((1.5, 2, 3), error="E-NEG")),
    references=("[players1st]", "[dela-nps]"),
    rollup=sums("promoters", "passives", "detractors", numerator=("promoters", "detractors"),
                denominator=("promoters", "passives", "detractors")),
    native="(SUM({promoters})-SUM({detractors}))/(SUM({promoters})+SUM({passives})+SUM({detractors}))*100",
)
def nps_counts(promoters: Any, passives: Any, detractors: Any) -> float:
    """
    >>> nps_counts(60, 20, 20)
    40.0
    """
    return _nps_from_counts(count(promoters, "promoters"), count(passives, "passives"),
                            count(detractors, "detractors"))


# --- CSAT -------------------------------------------------------------------------------

def _scale(scale_max: Any, top_boxes: Any) -> tuple[int, int]:
    hi = number(scale_max, "scale_max")
    k = number(top_boxes, "top_boxes")
    if hi < 2 or not hi.is_integer():
        raise DomainError.bad("scale_max", hi, "must be a whole number >= 2")
    if k < 1 or k >= hi or not k.is_integer():
        raise DomainError.bad("top_boxes", k, f"must be a whole number from 1 to {int(hi) - 1}")
    return int(hi), int(k)


def _csat_rollup(fn: Any) -> Rollup:
    def prepare(responses: Any, scale_max: Any = 5, top_boxes: Any = 2, invalid: str = "error"
                ) -> dict[str, np.ndarray]:
        hi, k = _scale(scale_max, top_boxes)
        s = score_rows(responses, "responses", 1, hi, invalid=invalid)
        with np.errstate(invalid="ignore"):
            return {"satisfied": (s >= hi - k + 1).astype(float),
                    "responses_n": (~np.isnan(s)).astype(float)}

    def finalize(satisfied: float, responses_n: float, **options: Any) -> float:
        if responses_n == 0:
            raise EmptyInputError("E-EMPTY: argument 'responses' has no valid responses",
                                  argument="responses")
        return satisfied / responses_n

    return Rollup(components=("satisfied", "responses_n"), prepare=prepare, finalize=finalize,
                  numerator=("satisfied",), denominator=("responses_n",))


@kpi(
    excel="KPI_CSAT", name="Customer satisfaction (top-2-box)", category="service",
    level="operational", indicator="lagging", unit="ratio", direction="higher_is_better",
    description="Share of satisfied responses: answers in the top boxes (4-5 on a 1-5 scale, "
                "9-10 on 1-10) divided by all valid answers.",
    formula="count(responses >= scale_max - top_boxes + 1) / count(valid responses)",
    params={"responses": ("scores", "Survey answers, whole numbers from 1 to scale_max."),
            "scale_max": ("integer", "Top of the scale (5 for 1-5, 10 for 1-10)."),
            "top_boxes": ("integer", "How many top answers count as satisfied (2: 4 and 5 on 1-5)."),
            "invalid": INVALID},
    blanks=SURVEY_BLANKS,
    edge_cases=("0, 6 or 4.5 on a 1-5 scale -> E-RANGE", "text or booleans -> E-TYPE",
                "no valid responses -> E-EMPTY"),
    examples=(Example(([5, 4, 3, 5, 2, 4, 5, 1, 4, 5],), 0.70),
              Example(([9, 10, 8, 1],), 0.5, kwargs={"scale_max": 10}),
              Example(([5, 6],), error="E-RANGE"), Example(([],), error="E-EMPTY")),
    references=("[getfeedback-csat]", "[sogo-csat]", "[sapling-csat]", "[mindmesh-csat]"),
    rollup=_csat_rollup,
    native='COUNTIFS({responses},">="&({scale_max}-{top_boxes}+1))/COUNT({responses})',
)
def csat(responses: Any, scale_max: Any = 5, top_boxes: Any = 2, *, invalid: str = "error") -> float:
    """
    >>> csat([5, 4, 3, 5, 2, 4, 5, 1, 4, 5])
    0.7
    """
    hi, k = _scale(scale_max, top_boxes)
    s = score_array(responses, "responses", 1, hi, invalid=invalid)
    return float(np.count_nonzero(s >= hi - k + 1) / s.size)


@kpi(
    excel="KPI_CSAT_COUNTS", name="Customer satisfaction (from counts)", kind="variant",
    variant_of="csat", category="service", level="operational", indicator="lagging",
    unit="ratio", direction="higher_is_better",
    description="CSAT from counts: satisfied responses (top boxes) / total valid responses.",
    formula="satisfied / total",
    params={"satisfied": ("count", "Number of satisfied responses (e.g. 4s and 5s)."),
            "total": ("count", "Number of valid responses.")},
    blanks="A blank argument is E-MISSING (None; #N/A); ranges are summed, blanks skipped.",
    edge_cases=("total = 0 -> E-DIV0", "satisfied > total -> E-SUBSET", "negative counts -> E-NEG"),
    examples=(Example((50, 100), 0.50, note="30 fours + 20 fives of 100 (mindmesh)"),
              Example((5, 4), error="E-SUBSET")),
    references=("[mindmesh-csat]",),
    rollup=sums("satisfied", "total"),
    native="SUM({satisfied})/SUM({total})",
)
def csat_counts(satisfied: Any, total: Any) -> float:
    """
    >>> csat_counts(50, 100)
    0.5
    """
    return share_of(satisfied, "satisfied", total, "total")


def _csat_mean_rollup(fn: Any) -> Rollup:
    def prepare(responses: Any, scale_min: Any = 1, scale_max: Any = 5) -> dict[str, np.ndarray]:
        lo, hi = _bounds(scale_min, scale_max)
        s = score_rows(responses, "responses", lo, hi)
        valid = ~np.isnan(s)
        return {"responses_sum": np.where(valid, s, 0.0), "responses_n": valid.astype(float)}

    def finalize(responses_sum: float, responses_n: float, **options: Any) -> float:
        if responses_n == 0:
            raise EmptyInputError("E-EMPTY: argument 'responses' has no valid responses",
                                  argument="responses")
        return responses_sum / responses_n

    return Rollup(components=("responses_sum", "responses_n"), prepare=prepare,
                  finalize=finalize, numerator=("responses_sum",), denominator=("responses_n",))


def _bounds(scale_min: Any, scale_max: Any) -> tuple[int, int]:
    lo, hi = number(scale_min, "scale_min"), number(scale_max, "scale_max")
    if not (lo.is_integer() and hi.is_integer()) or lo >= hi:
        raise DomainError.bad("scale_max", hi, f"must be a whole number above scale_min = {lo:g}")
    return int(lo), int(hi)


@kpi(
    excel="KPI_CSAT_MEAN", name="Customer satisfaction (mean score)", category="service",
    level="operational", indicator="lagging", unit="scale_mean", direction="higher_is_better",
    description="Mean of valid satisfaction answers on the survey scale (e.g. 3.8 on 1-5).",
    formula="sum(valid responses) / count(valid responses)",
    params={"responses": ("scores", "Survey answers, whole numbers from scale_min to scale_max."),
            "scale_min": ("integer", "Bottom of the scale."),
            "scale_max": ("integer", "Top of the scale.")},
    blanks=SURVEY_BLANKS.replace(" unless invalid='ignore' drops them", ""),
    edge_cases=("off-scale or fractional answers -> E-RANGE", "no valid responses -> E-EMPTY"),
    examples=(Example(([5, 4, 3, 5, 2, 4, 5, 1, 4, 5],), 3.8),
              Example(([0, 4],), error="E-RANGE")),
    references=("[getfeedback-csat]", "[markinblog-csat]"),
    rollup=_csat_mean_rollup,
    native="AVERAGE({responses})",
)
def csat_mean(responses: Any, scale_min: Any = 1, scale_max: Any = 5) -> float:
    """
    >>> csat_mean([5, 4, 3, 5, 2, 4, 5, 1, 4, 5])
    3.8
    """
    lo, hi = _bounds(scale_min, scale_max)
    s = score_array(responses, "responses", lo, hi)
    return float(s.mean())


# --- Customer effort score (#52) --------------------------------------------------------

CES_METHODS = ("mean", "top_box")
CES_ORIENTATIONS = ("ease", "effort")


def _ces_options(method: Any, scale_max: Any, orientation: Any) -> tuple[str, int, str]:
    m = choice(method, "method", CES_METHODS)
    o = choice(orientation, "orientation", CES_ORIENTATIONS)
    hi = number(scale_max, "scale_max")
    if hi < 2 or not hi.is_integer():
        raise DomainError.bad("scale_max", hi, "must be a whole number >= 2 (7 for CES 2.0)")
    return m, int(hi), o


def _favourable(s: np.ndarray, hi: int, orientation: str) -> np.ndarray:
    """Answers strictly on the good side of the scale midpoint: >= 5 of 7 for ease, <= 3 of 7
    for effort (>= 4 / <= 2 on 1-5)."""
    mid = (1 + hi) / 2
    with np.errstate(invalid="ignore"):
        return s > mid if orientation == "ease" else s < mid


def _ces_rollup(fn: Any) -> Rollup:
    def prepare(responses: Any, method: Any = "mean", scale_max: Any = 7,
                orientation: Any = "ease", invalid: str = "error") -> dict[str, np.ndarray]:
        _, hi, o = _ces_options(method, scale_max, orientation)
        s = score_rows(responses, "responses", 1, hi, invalid=invalid)
        valid = ~np.isnan(s)
        return {"responses_sum": np.where(valid, s, 0.0),
                "favourable": _favourable(s, hi, o).astype(float),
                "responses_n": valid.astype(float)}

    def finalize(responses_sum: float, favourable: float, responses_n: float,
                 method: Any = "mean", **options: Any) -> float:
        if responses_n == 0:
            raise EmptyInputError("E-EMPTY: argument 'responses' has no valid responses",
                                  argument="responses")
        m = choice(method, "method", CES_METHODS)
        return (responses_sum if m == "mean" else favourable) / responses_n

    # numerator shown for the default method; top_box uses 'favourable' / 'responses_n'
    return Rollup(components=("responses_sum", "favourable", "responses_n"), prepare=prepare,
                  finalize=finalize, numerator=("responses_sum",), denominator=("responses_n",))


_CES_TOP_EASE = 'COUNTIFS({responses},">"&(1+{scale_max})/2)/COUNT({responses})'
_CES_TOP_EFFORT = 'COUNTIFS({responses},"<"&(1+{scale_max})/2)/COUNT({responses})'


@kpi(
    excel="KPI_CES", name="Customer effort score", category="service", level="operational",
    indicator="leading", unit="scale_mean", direction="higher_is_better",
    description="Customer effort score (CES 2.0, 1-7 agreement that the company made it easy): "
                "the mean answer, or with method='top_box' the share of favourable answers. "
                "State method, scale and orientation when reporting.",
    formula="mean: sum(valid) / count(valid); top_box: count(favourable) / count(valid), "
            "favourable = above the scale midpoint (ease) or below it (effort)",
    params={"responses": ("scores", "Survey answers, whole numbers from 1 to scale_max."),
            "method": Param("method", "'mean' (default): average answer (unit scale_mean); "
                            "'top_box': share of favourable answers (unit ratio).",
                            kind="text", choices=CES_METHODS),
            "scale_max": ("integer", "Top of the scale: 7 for CES 2.0 (default); 5 or any "
                          "whole number >= 2 if the survey declares it."),
            "orientation": Param("orientation", "'ease' (default): 'it was easy', higher is "
                                 "better, top box = answers >= 5 of 7; 'effort': 1 = very low "
                                 "effort, top box = answers <= 3 of 7.",
                                 kind="text", choices=CES_ORIENTATIONS),
            "invalid": INVALID},
    blanks=SURVEY_BLANKS,
    edge_cases=("answers off the 1..scale_max scale or fractional -> E-RANGE",
                "text or booleans -> E-TYPE", "no valid responses -> E-EMPTY",
                "unknown method or orientation, scale_max < 2 -> E-DOMAIN",
                "unit depends on method: mean -> scale_mean, top_box -> ratio",
                "direction: higher is better, except the effort-orientation mean (lower is "
                "better); the effort top box (low-effort share) is still higher-is-better",
                "scores are not comparable across methods, scales or orientations"),
    examples=(Example(([7, 6, 5, 4, 7, 3, 6, 5, 2, 7],), 5.2),
              Example(([7, 6, 5, 4, 7, 3, 6, 5, 2, 7],), 0.70, kwargs={"method": "top_box"}),
              Example(([1, 2, 3, 5, 2, 6, 1, 4, 3, 7],), 3.4, kwargs={"orientation": "effort"},
                      note="effort orientation: lower is better"),
              Example(([1, 2, 3, 5, 2, 6, 1, 4, 3, 7],), 0.60,
                      kwargs={"method": "top_box", "orientation": "effort"},
                      note="low-effort share (<= 3)"),
              Example(([5, 4, 3, 5, 1],), 0.6,
                      kwargs={"method": "top_box", "scale_max": 5}, note=">= 4 on 1-5"),
              Example(([7, 8, None, "x", 5],), 6.0, kwargs={"invalid": "ignore"}),
              Example(([7, 8],), error="E-RANGE"), Example((["7", 6],), error="E-TYPE"),
              Example(([None],), error="E-EMPTY"),
              Example(([7, 6],), error="E-DOMAIN", kwargs={"method": "median"})),
    references=("[gartner-ces]", "[decagon-ces]", "[simplesat-ces]", "[indellia-ces]"),
    rollup=_ces_rollup,
    native="AVERAGE({responses})",
    scale=(1, 7),
    unit_by_method={"mean": "scale_mean", "top_box": "ratio"},
    number_format_by_method={"mean": "0.00", "top_box": "0.0%"},
    direction_by_variant={"ease": {"mean": "higher_is_better", "top_box": "higher_is_better"},
                          "effort": {"mean": "lower_is_better", "top_box": "higher_is_better"}},
    native_by_method={"mean": "AVERAGE({responses})", "top_box/ease": _CES_TOP_EASE,
                      "top_box/effort": _CES_TOP_EFFORT},
)
def customer_effort_score(responses: Any, *, method: str = "mean", scale_max: Any = 7,
                          orientation: str = "ease", invalid: str = "error") -> float:
    """
    >>> customer_effort_score([7, 6, 5, 4, 7, 3, 6, 5, 2, 7])
    5.2
    >>> customer_effort_score([7, 6, 5, 4, 7, 3, 6, 5, 2, 7], method="top_box")
    0.7
    """
    m, hi, o = _ces_options(method, scale_max, orientation)
    s = score_array(responses, "responses", 1, hi, invalid=invalid)
    if m == "mean":
        return float(s.mean())
    return float(np.count_nonzero(_favourable(s, hi, o)) / s.size)


# --- Durations and time options (#53-#55) -----------------------------------------------

DURATION_RETURNS = "duration in the unit argument (hours by default)"
DURATION_BLANKS = ("Blank, None and NaN durations are skipped (no value yet); a zero is a "
                   "value. Text or booleans are E-TYPE. No values left -> E-EMPTY (None; "
                   "#DIV/0!).")
STAT = Param("stat", "Statistic: 'median' (default), 'mean', or a PERCENTILE.INC percentile "
             "(p50 ... p99). Name it in the output label.",
             kind="text", choices=STATS)
UNIT = Param("unit", "Unit of the durations and of the result: 'h' hours (default), 'm' "
             "minutes, 'd' days (Excel day fractions), 's' seconds.",
             kind="text", choices=DURATION_UNITS)
TIMES_UNIT = Param("unit", "Unit of the result: 'h' hours (default), 'm' minutes, 'd' days "
                   "(Excel day fractions, 24 h), 's' seconds.", kind="text", choices=DURATION_UNITS)
BASIS = Param("basis", "'calendar' (default): wall-clock time; 'business': only time inside the "
              "working hours set by open, close, weekend and holidays.",
              kind="text", choices=BASES)
OPEN = Param("open", "Start of each working day, 'HH:MM' text or an Excel time (default "
             "'09:00'). Used by basis='business'.", kind="text")
CLOSE = Param("close", "End of each working day, 'HH:MM' (default '18:00'; '24:00' = midnight); "
              "must be after open. Used by basis='business'.", kind="text")
WEEKEND = Param("weekend", "Weekend as in NETWORKDAYS.INTL: 1 = Sat+Sun (default), 2-7 other "
                "pairs, 11-17 one day, or 7 characters Mon..Sun with 1 = day off ('0000011').",
                kind="text")
HOLIDAYS = Param("holidays", "Dates that are not working days (a range; blanks skipped; any "
                 "time of day is ignored). Used by basis='business'.", kind="list")
SCHEDULE_EDGES = ("open >= close -> E-DOMAIN (overnight shifts are out of scope)",
                  "a weekend code other than 1-7, 11-17 or a 7-character 0/1 string, or one "
                  "with no working day -> E-DOMAIN",
                  "timestamps are naive local times in the schedule's time zone")


def _duration_rows(values: Any, name: str) -> np.ndarray:
    """Row-aligned durations as float64 (blanks NaN); text E-TYPE, negatives E-DOMAIN."""
    flat = flatten(values)
    value_array(flat, name)  # E-TYPE for text/booleans, E-RANGE for infinities
    if flat.dtype == object:
        flat = np.array([np.nan if is_blank(v) else float(v) for v in flat], dtype=float)
    with np.errstate(invalid="ignore"):
        negative = flat < 0
    if negative.any():
        raise DomainError.bad(name, float(flat[negative][0]), "a duration cannot be negative")
    return flat


def _elapsed_rows(starts: Any, ends: Any, start_name: str, end_name: str, basis: Any,
                  unit: Any, open: Any, close: Any, weekend: Any, holidays: Any
                  ) -> tuple[np.ndarray, int]:
    """Row-aligned elapsed times (NaN where the start or end is blank) and the number of rows
    with a start but no end."""
    b = choice(basis, "basis", BASES)
    u = choice(unit, "unit", DURATION_UNITS)
    schedule = Schedule.build(open, close, weekend, holidays) if b == "business" else None
    iv = intervals(starts, ends, start_name, end_name)
    vals = (calendar_elapsed(iv.start, iv.end, u) if schedule is None
            else schedule.elapsed(iv.start, iv.end, u))
    out = np.full(iv.complete.size, np.nan)
    out[iv.complete] = vals
    return out, iv.unfinished


def _observed(rows: np.ndarray, what: str, argument: str) -> np.ndarray:
    vals = rows[~np.isnan(rows)]
    if vals.size == 0:
        raise EmptyInputError(f"E-EMPTY: no {what}", argument=argument)
    return vals


# --- First response time (#53) ----------------------------------------------------------

_FRT_REFS = ("[zd-frt]", "[plain-frt]", "[zd-duration]", "[helpscout-frt]", "[ada-gorgias]",
             "[zd-benchmark-gist]", "[keeping-frt]")


@kpi(
    excel="KPI_FRT", name="First response time", category="service", level="operational",
    indicator="leading", unit="duration", direction="lower_is_better",
    description="Typical time from ticket creation to the first public human agent reply (bot "
                "replies do not count). Median by default; mean or a PERCENTILE.INC "
                "percentile (p90) as options.",
    formula="median(durations) | mean(durations) | PERCENTILE.INC(durations, k)",
    params={"durations": ("durations", "Time to first reply per answered ticket, all in one "
                          "unit (see unit); blanks are unanswered tickets."),
            "stat": STAT, "unit": UNIT},
    blanks=DURATION_BLANKS,
    edge_cases=("a negative duration -> E-DOMAIN", "no answered tickets -> E-EMPTY",
                "unknown stat or unit -> E-DOMAIN",
                "percentiles interpolate linearly (Excel PERCENTILE.INC = numpy 'linear')",
                "the median does not roll up: recompute it from the ticket rows"),
    examples=(Example(([0.5, 1, 1.5, 2, 24],), 1.5),
              Example(([0.5, 1, 1.5, 2, 24],), 5.8, kwargs={"stat": "mean"}),
              Example(([0.5, 1, 1.5, 2, 24],), 15.2, kwargs={"stat": "p90"},
                      note="PERCENTILE.INC(...,0.9)"),
              Example(([0.5, None, 1, 1.5, 2, 24],), 1.5, note="blank = unanswered, skipped"),
              Example(([30, 60, 90],), 60.0, kwargs={"unit": "m"}),
              Example(([1, -0.5],), error="E-DOMAIN"), Example(([None, None],), error="E-EMPTY"),
              Example((["1h", 2],), error="E-TYPE"),
              Example(([1, 2],), error="E-DOMAIN", kwargs={"stat": "p42"})),
    references=_FRT_REFS,
    native="MEDIAN({durations})",
    returns=DURATION_RETURNS, aggregation="holistic", statistic="median", time_basis="calendar",
    native_by_stat={st: native_stat(st, "{durations}") for st in STATS},
)
def first_response_time(durations: Any, *, stat: str = "median", unit: str = "h") -> float:
    """
    >>> first_response_time([0.5, 1, 1.5, 2, 24])
    1.5
    >>> first_response_time([0.5, 1, 1.5, 2, 24], stat="mean")
    5.8
    """
    st = choice(stat, "stat", STATS)
    choice(unit, "unit", DURATION_UNITS)  # a label: the durations are already in this unit
    vals = _observed(_duration_rows(durations, "durations"), "answered tickets", "durations")
    return summarize(vals, st)


_FRT_T0 = ["2024-03-01 09:00", "2024-03-01 10:00", "2024-03-01 17:30", "2024-03-04 08:00"]
_FRT_T1 = ["2024-03-01 09:30", None, "2024-03-04 09:30", "2024-03-04 10:00"]


@kpi(
    excel="KPI_FRT_FROM_TIMES", name="First response time (from timestamps)", kind="variant",
    variant_of="first_response_time", category="service", level="operational",
    indicator="leading", unit="duration", direction="lower_is_better",
    description="First response time from ticket creation and first human reply timestamps, "
                "in calendar or business hours. Unanswered tickets (blank reply) are excluded "
                "from the statistic; count them separately.",
    formula="stat(first_reply - created) over answered tickets; business basis counts only "
            "time inside working hours (KPI_BUSINESS_HOURS)",
    params={"created_range": ("dates", "Ticket creation (first inbound message) timestamps."),
            "first_reply_range": ("dates", "First public human agent reply timestamps, row by "
                                  "row with created_range; blank = not answered yet."),
            "stat": STAT, "unit": TIMES_UNIT, "basis": BASIS, "open": OPEN, "close": CLOSE,
            "weekend": WEEKEND, "holidays": HOLIDAYS},
    blanks="Timestamps are datetimes, ISO text or Excel serial numbers. A blank reply is an "
           "unanswered ticket: excluded (count = COUNTIFS(created,\"<>\",reply,\"\")). A row "
           "with a blank creation time is skipped. No answered tickets -> E-EMPTY.",
    edge_cases=("a reply before its creation time -> E-DOMAIN",
                "created_range and first_reply_range of different lengths -> E-DOMAIN",
                "no answered tickets -> E-EMPTY", "text that is not a date -> E-TYPE",
                *SCHEDULE_EDGES),
    examples=(Example((["2024-03-01 17:30"], ["2024-03-04 09:30"]), 64.0,
                      note="Fri 17:30 -> Mon 09:30, calendar"),
              Example((["2024-03-01 17:30"], ["2024-03-04 09:30"]), 1.0,
                      kwargs={"basis": "business"}, note="Mon-Fri 09:00-18:00"),
              Example((_FRT_T0, _FRT_T1), 2.0, note="calendar 0.5, 64, 2; one unanswered"),
              Example((_FRT_T0, _FRT_T1), 1.0, kwargs={"basis": "business"},
                      note="business 0.5, 1, 1"),
              Example((_FRT_T0, _FRT_T1), 120.0, kwargs={"unit": "m"}),
              Example(([45352.5, 45352.75],[45352.75, None]), 6.0,
                      note="Excel serials: 2024-03-01 12:00 -> 18:00"),
              Example((["2024-03-01 10:00"], ["2024-03-01 09:00"]), error="E-DOMAIN",
                      note="reply before creation"),
              Example((["2024-03-01 10:00"], [None]), error="E-EMPTY", note="all unanswered"),
              Example((["2024-03-01 10:00"], ["2024-03-01 11:00"]), error="E-DOMAIN",
                      kwargs={"basis": "business", "open": "18:00", "close": "09:00"}),
              Example((["yesterday"], ["2024-03-01 11:00"]), error="E-TYPE")),
    references=_FRT_REFS,
    returns=DURATION_RETURNS, aggregation="holistic", statistic="median", time_basis="calendar",
    excludes="unanswered tickets (blank first reply), reported separately",
)
def first_response_time_from_times(created_range: Any, first_reply_range: Any, *,
                                   stat: str = "median", unit: str = "h",
                                   basis: str = "calendar", open: Any = "09:00",
                                   close: Any = "18:00", weekend: Any = 1,
                                   holidays: Any = None) -> float:
    """
    Unanswered tickets (a creation time with a blank reply) have no first response time yet:
    they are left out of the statistic, not counted as zero or as "now". Their number is
    the number of rows with a creation time and a blank reply; in Excel ``=COUNTIFS(created,"<>",reply,"")``.

    >>> created = ["2024-03-01 09:00", "2024-03-01 10:00", "2024-03-01 17:30"]
    >>> replied = ["2024-03-01 09:30", None, "2024-03-04 09:30"]
    >>> first_response_time_from_times(created, replied, stat="mean")   # (0.5 + 64) / 2
    32.25
    >>> first_response_time_from_times(created, replied, stat="mean", basis="business")
    0.75
    """
    st = choice(stat, "stat", STATS)
    rows, _unanswered = _elapsed_rows(created_range, first_reply_range, "created_range",
                                      "first_reply_range", basis, unit, open, close, weekend,
                                      holidays)
    return summarize(_observed(rows, "answered tickets", "first_reply_range"), st)


# --- Business hours (#54) ---------------------------------------------------------------

@kpi(
    excel="KPI_BUSINESS_HOURS", name="Business hours elapsed", kind="helper",
    category="service", unit="duration", direction="context",
    description="Working hours between two timestamps: the overlap of [start, end) with each "
                "working day's [open, close), skipping the weekend (NETWORKDAYS.INTL codes) and "
                "holidays. Returns hours.",
    formula="sum over working days d of overlap([start, end), [d + open, d + close))",
    params={"start": ("date", "Start timestamp (datetime, ISO text or Excel serial)."),
            "end": ("date", "End timestamp; must not be before start."),
            "open": Param("open", "Start of each working day, 'HH:MM' text or an Excel time "
                          "(default '09:00').", kind="text"),
            "close": Param("close", "End of each working day, 'HH:MM' (default '18:00'; "
                           "'24:00' = midnight); must be after open.", kind="text"),
            "weekend": WEEKEND,
            "holidays": Param("holidays", "Dates that are not working days (a range; blanks "
                              "skipped; time of day ignored).", kind="list")},
    blanks="A blank start or end is E-MISSING (None; #N/A). Blank holiday cells are skipped; "
           "blank open, close or weekend take their defaults.",
    edge_cases=("end < start -> E-DOMAIN", *SCHEDULE_EDGES,
                "text that is not a date or time -> E-TYPE / E-DOMAIN"),
    examples=(Example(("2024-03-01 17:30", "2024-03-04 09:30"), 1.0,
                      note="0.5 h Friday + 0.5 h Monday (calendar 64.0 h)"),
              Example(("2024-03-01 17:30", "2024-03-04 09:30"), 64.0,
                      kwargs={"open": "00:00", "close": "24:00", "weekend": "0000000"},
                      note="a 24x7 schedule gives calendar time"),
              Example(("2024-03-01 17:30", "2024-03-04 09:30"), 0.5,
                      kwargs={"holidays": ["2024-03-04"]}),
              Example(("2024-03-01 17:30", "2024-03-04 09:30"), 9.5, kwargs={"weekend": 7},
                      note="Fri+Sat weekend: Sunday 9 h + Monday 0.5 h"),
              Example((45352.5, 45355.5), 9.0, note="Excel serials, Fri 12:00 -> Mon 12:00"),
              Example(("2024-03-04 10:00", "2024-03-04 09:00"), error="E-DOMAIN"),
              Example(("2024-03-04 09:00", "2024-03-04 10:00"), error="E-DOMAIN",
                      kwargs={"open": "18:00", "close": "09:00"}),
              Example(("2024-03-04 09:00", "2024-03-04 10:00"), error="E-DOMAIN",
                      kwargs={"weekend": 8}),
              Example((None, "2024-03-04 10:00"), error="E-MISSING"),
              Example(("soon", "2024-03-04 10:00"), error="E-TYPE")),
    references=("[zd-frt]", "[helpscout-frt]", "[keeping-frt]"),
    returns="duration in hours",
    schedule_defaults={"open": "09:00", "close": "18:00", "weekend": 1},
)
def business_hours_elapsed(start: Any, end: Any, *, open: Any = "09:00", close: Any = "18:00",
                           weekend: Any = 1, holidays: Any = None) -> float:
    """
    >>> business_hours_elapsed("2024-03-01 17:30", "2024-03-04 09:30")
    1.0
    """
    s, e = timestamp(start, "start"), timestamp(end, "end")
    if e < s:
        raise DomainError.bad("end", str(e), f"is before start {s}")
    schedule = Schedule.build(open, close, weekend, holidays)
    return float(schedule.elapsed(np.array([s]), np.array([e]), "h")[0])


# --- MTTR (#55) -------------------------------------------------------------------------

def _given(value: Any) -> bool:
    """An argument counts as omitted only when it is None or a blank scalar."""
    if isinstance(value, (list, tuple, np.ndarray)) or hasattr(value, "to_numpy"):
        return True
    return not is_blank(value)


def _resolution_rows(durations: Any = None, start_range: Any = None, end_range: Any = None,
                     basis: Any = "calendar", unit: Any = "h", open: Any = "09:00",
                     close: Any = "18:00", weekend: Any = 1, holidays: Any = None
                     ) -> np.ndarray:
    """Row-aligned resolution times (NaN = blank or unresolved) from either input form."""
    has_times = _given(start_range) or _given(end_range)
    if _given(durations):
        if has_times:
            raise DomainError.bad("durations", "durations and start_range/end_range",
                                  "pass either durations or start_range and end_range")
        if choice(basis, "basis", BASES) == "business":
            raise DomainError.bad("basis", basis, "business time needs start_range and "
                                  "end_range, not durations")
        choice(unit, "unit", DURATION_UNITS)
        return _duration_rows(durations, "durations")
    if not has_times:
        raise MissingValueError("E-MISSING: pass durations, or start_range and end_range",
                                argument="durations")
    for name, value in (("start_range", start_range), ("end_range", end_range)):
        if not _given(value):
            raise MissingValueError(f"E-MISSING: argument {name!r} is blank", argument=name)
    rows, _unresolved = _elapsed_rows(start_range, end_range, "start_range", "end_range",
                                      basis, unit, open, close, weekend, holidays)
    return rows


def _mttr_rollup(fn: Any) -> Rollup:
    def prepare(durations: Any = None, start_range: Any = None, end_range: Any = None,
                **options: Any) -> dict[str, np.ndarray]:
        rows = _resolution_rows(durations, start_range, end_range, **options)
        valid = ~np.isnan(rows)
        return {"durations_sum": np.where(valid, rows, 0.0), "durations_n": valid.astype(float)}

    def finalize(durations_sum: float, durations_n: float, **options: Any) -> float:
        if durations_n == 0:
            raise EmptyInputError("E-EMPTY: no resolved incidents", argument="durations")
        return float(durations_sum / durations_n)

    return Rollup(components=("durations_sum", "durations_n"), prepare=prepare,
                  finalize=finalize, numerator=("durations_sum",), denominator=("durations_n",))


@kpi(
    excel="KPI_MTTR", name="Mean time to resolve (MTTR)", category="it", level="functional",
    indicator="lagging", unit="duration", direction="lower_is_better",
    description="Mean time to resolve: total time to resolve / incidents resolved, from "
                "durations or from start and end timestamps (calendar or business hours). "
                "Unresolved incidents (blank end) are excluded.",
    formula="sum(resolution times) / count(resolved incidents)",
    params={"durations": ("durations", "Resolution time per incident in one unit; or leave "
                          "blank and give start_range and end_range."),
            "start_range": ("dates", "Incident start (opened) timestamps, with end_range."),
            "end_range": ("dates", "Resolution timestamps, row by row with start_range; "
                          "blank = unresolved (excluded)."),
            "basis": BASIS, "unit": UNIT, "open": OPEN, "close": CLOSE, "weekend": WEEKEND,
            "holidays": HOLIDAYS},
    blanks="Blank durations and rows with a blank end (unresolved incidents) are excluded and "
           "should be reported separately; rows with a blank start are skipped. Nothing "
           "resolved -> E-EMPTY (None; #DIV/0!). No input at all -> E-MISSING.",
    edge_cases=("a negative duration, or an end before its start -> E-DOMAIN",
                "no resolved incidents -> E-EMPTY",
                "both durations and timestamps, or basis='business' with durations -> E-DOMAIN",
                "state which R is meant (repair, recovery, respond, resolve): mttr_variant",
                *SCHEDULE_EDGES),
    examples=(Example(([44, 100, 40, 20],), 51.0, note="204 / 4 = 2 d 3 h (BMC example)"),
              Example(([44, None, 100, 40, 20],), 51.0, note="blank = unresolved, excluded"),
              Example((None, ["2024-03-01 09:00", "2024-03-01 12:00", "2024-03-02 08:00"],
                       ["2024-03-01 17:00", None, "2024-03-02 10:00"]), 5.0,
                      note="8 h and 2 h; one unresolved"),
              Example((None, ["2024-03-01 17:30", "2024-03-04 10:00"],
                       ["2024-03-04 09:30", "2024-03-04 12:00"]), 33.0,
                      note="calendar 64 h and 2 h"),
              Example((None, ["2024-03-01 17:30", "2024-03-04 10:00"],
                       ["2024-03-04 09:30", "2024-03-04 12:00"]), 1.5,
                      kwargs={"basis": "business"}, note="business 1 h and 2 h"),
              Example(([5, -1],), error="E-DOMAIN"), Example(([None, None],), error="E-EMPTY"),
              Example((None, ["2024-03-02 10:00"], ["2024-03-02 09:00"]), error="E-DOMAIN"),
              Example(([44, 100],), error="E-DOMAIN", kwargs={"basis": "business"}),
              Example((), error="E-MISSING"), Example((["44h"],), error="E-TYPE")),
    references=("[bmc-mttr]", "[atlassian-mttr]", "[pagerduty-mttr]"),
    rollup=_mttr_rollup,
    native="AVERAGE({durations})",
    returns=DURATION_RETURNS, native_applies_to="durations", mttr_variant="resolve", statistic="mean",
    time_basis="calendar",
)
def mttr(durations: Any = None, start_range: Any = None, end_range: Any = None, *,
         basis: str = "calendar", unit: str = "h", open: Any = "09:00", close: Any = "18:00",
         weekend: Any = 1, holidays: Any = None) -> float:
    """
    >>> mttr([44, 100, 40, 20])
    51.0
    >>> mttr(start_range=["2024-03-01 17:30"], end_range=["2024-03-04 09:30"], basis="business")
    1.0
    """
    rows = _resolution_rows(durations, start_range, end_range, basis, unit, open, close,
                            weekend, holidays)
    return float(_observed(rows, "resolved incidents", "durations").mean())


# --- First contact resolution (#56) -----------------------------------------------------

FCR_BASES = ("all_contacts", "resolved_tickets")


@kpi(
    excel="KPI_FCR", name="First contact resolution", category="service", level="operational",
    indicator="lagging", unit="ratio", direction="higher_is_better",
    description="Share resolved in the first interaction. basis='all_contacts' (Medallia) "
                "divides by all customer contacts; 'resolved_tickets' (Freshservice) by tickets "
                "resolved in the period.",
    formula="resolved_first_contact / denominator",
    params={"resolved_first_contact": ("count", "Contacts or tickets resolved in the first "
                                       "interaction."),
            "denominator": ("count", "All customer contacts (basis all_contacts) or all tickets "
                            "resolved in the period (basis resolved_tickets)."),
            "basis": Param("basis", "'all_contacts' (default, Medallia) or 'resolved_tickets' "
                           "(Freshservice): what the denominator counts; the math is the same.",
                           kind="text", choices=FCR_BASES)},
    blanks=AMOUNT_BLANKS,
    edge_cases=("denominator = 0 -> E-DIV0", "resolved_first_contact > denominator -> E-SUBSET",
                "negative or fractional counts -> E-NEG",
                "net FCR: pass the denominator minus contacts that cannot be resolved at "
                "level 1"),
    examples=(Example((8, 13), 0.6153846153846154),
              Example((210, 300), 0.70),
              Example((210, 300), 0.70, kwargs={"basis": "resolved_tickets"}),
              Example((5, 4), error="E-SUBSET"), Example((0, 0), error="E-DIV0"),
              Example((-1, 3), error="E-NEG"),
              Example((1, 3), error="E-DOMAIN", kwargs={"basis": "net"})),
    references=("[medallia-fcr]", "[freshservice-fcr]", "[customerfacing-fcr]"),
    rollup=sums("resolved_first_contact", "denominator"),
    native="SUM({resolved_first_contact})/SUM({denominator})",
    variant="all_contacts",
)
def first_contact_resolution(resolved_first_contact: Any, denominator: Any, *,
                             basis: str = "all_contacts") -> float:
    """
    >>> first_contact_resolution(210, 300)
    0.7
    """
    choice(basis, "basis", FCR_BASES)
    return share_of(resolved_first_contact, "resolved_first_contact", denominator, "denominator")


# --- SLA attainment (#57) ---------------------------------------------------------------

def _flag(value: Any, name: str, default: bool) -> bool:
    """An Excel logical: TRUE/FALSE, 1/0 (any non-zero number is TRUE), or the text
    'TRUE'/'FALSE'. Blank gives the default."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if is_blank(value):
        return default
    if isinstance(value, numbers.Real):
        return float(value) != 0
    if isinstance(value, str) and value.strip().upper() in ("TRUE", "FALSE"):
        return value.strip().upper() == "TRUE"
    raise KpiTypeError.bad(name, value, "expected TRUE or FALSE")


@kpi(
    excel="KPI_SLA_ATTAINMENT", name="SLA attainment", category="service", level="operational",
    indicator="lagging", unit="ratio", direction="higher_is_better",
    description="Tickets meeting their SLA / tickets subject to the SLA. By default open tickets "
                "that have already breached count in the denominator, so breaches show up "
                "before the ticket closes.",
    formula="met / (met + breached_closed + breached_open if include_open_breached)",
    params={"met": ("count", "Tickets that met the SLA."),
            "breached_closed": ("count", "Closed tickets that breached the SLA."),
            "breached_open": ("count", "Open tickets that have already breached (default 0)."),
            "include_open_breached": ("flag", "TRUE (default): count breached open tickets in "
                                      "the denominator; FALSE: closed tickets only.")},
    blanks=AMOUNT_BLANKS + " A blank breached_open is 0; a blank include_open_breached is TRUE.",
    edge_cases=("no SLA tickets -> E-EMPTY (#DIV/0!; show 'N/A' in dashboards)",
                "negative or fractional counts -> E-NEG",
                "compute response and resolution SLAs separately; SLA clocks follow business "
                "hours when a schedule exists"),
    examples=(Example((900, 70, 30), 0.90),
              Example((900, 70, 30, False), 0.9278350515463918, note="900/970"),
              Example((900, 100), 0.90, note="sparrowdesk"),
              Example((0, 0), error="E-EMPTY"), Example((0, 0, 5, False), error="E-EMPTY"),
              Example((-1, 5), error="E-NEG"), Example((900, 70, 30, "maybe"), error="E-TYPE")),
    references=("[ticketboard-sla]", "[sparrowdesk-sla]", "[process-consultant-sla]",
                "[goascent-sla]"),
    rollup=sums("met", "breached_closed", "breached_open", numerator=("met",),
                denominator=("met", "breached_closed", "breached_open")),
    native="SUM({met})/(SUM({met})+SUM({breached_closed})"
           "+IF({include_open_breached},SUM({breached_open}),0))",
    no_data_label="N/A",
)
def sla_attainment(met: Any, breached_closed: Any, breached_open: Any = 0,
                   include_open_breached: Any = True) -> float:
    """
    >>> sla_attainment(900, 70, 30)
    0.9
    >>> round(sla_attainment(900, 70, 30, False), 6)
    0.927835
    """
    m = count(met, "met")
    bc = count(breached_closed, "breached_closed")
    bo = count(breached_open, "breached_open") if _given(breached_open) else 0.0
    total = m + bc + (bo if _flag(include_open_breached, "include_open_breached", True) else 0.0)
    if total == 0:
        raise EmptyInputError("E-EMPTY: no tickets subject to the SLA", argument="met")
    return m / total
