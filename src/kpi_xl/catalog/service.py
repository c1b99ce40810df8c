"""Service and IT KPIs (spec §3.6, entries 47–57): surveys, response and resolution times."""

from __future__ import annotations

from typing import Any

import numpy as np

from kpi_xl.catalog.rollups import sums
from kpi_xl.catalog.schema import Example, Param, Rollup, kpi
from kpi_xl.core.errors import DomainError, EmptyInputError
from kpi_xl.core.validate import (
    INVALID_MODES,
    choice,
    count,
    divide,
    number,
    score_array,
    score_rows,
    subset,
)

__all__ = [
    "csat",
    "csat_counts",
    "csat_mean",
    "nps",
    "nps_counts",
]

SURVEY_BLANKS = ("Blank, None and NaN responses are skipped (non-responses, not counted). "
                 "Text, booleans, off-scale and fractional scores are errors (E-TYPE / E-RANGE) "
                 "unless invalid='ignore' drops them. No valid responses -> E-EMPTY (None; #DIV/0!).")
INVALID = Param("invalid", "'error' (default): text, off-scale or fractional scores are errors; "
                "'ignore': skip them.", kind="text", choices=INVALID_MODES)


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
    s, t = count(satisfied, "satisfied"), count(total, "total")
    subset(s, "satisfied", t, "total")
    return divide(s, t, "total")


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
