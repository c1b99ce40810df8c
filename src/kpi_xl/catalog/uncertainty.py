"""Uncertainty: how sure is a KPI value? (spec §0, "Beyond the catalog").

* :func:`nps_margin_of_error` -- the margin of error of an NPS, in points.
* :func:`wilson_interval` -- the Wilson score interval for any rate (successes / trials).
* :func:`rate_change_test` -- did a rate really change? Two-proportion pooled z-test.

Normal quantiles come from :class:`statistics.NormalDist` (the standard library), so there is
no SciPy dependency. All three assume simple random samples of independent responses.
Tuples are spilled as a row of cells in Excel, so every item is numeric.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np

from kpi_xl.catalog.schema import Example, Param, Rollup, kpi
from kpi_xl.core.errors import DivisionByZeroError, DomainError, EmptyInputError
from kpi_xl.core.validate import (
    INVALID_MODES,
    count,
    divide,
    optional_number,
    score_array,
    score_rows,
    subset,
)

__all__ = ["nps_margin_of_error", "rate_change_test", "wilson_interval"]

_NORMAL = NormalDist()

CONFIDENCE = ("ratio", "Confidence level, strictly between 0 and 1; default 0.95 (z = "
                       "1.959963984540054).")
WILSON_REFS = (
    "Wilson, E. B. (1927). Probable inference, the law of succession, and statistical "
    "inference. JASA 22(158), 209-212.",
    "Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion: "
    "comparison of seven methods. Statistics in Medicine 17, 857-872 (method 3).",
)


def _z(confidence: Any) -> float:
    """Two-sided standard-normal quantile for a confidence level in (0, 1).

    >>> round(_z(0.95), 6)
    1.959964
    """
    c = optional_number(confidence, "confidence", 0.95)
    assert c is not None
    if not 0 < c < 1:
        raise DomainError.bad("confidence", c, "must be strictly between 0 and 1 (e.g. 0.95)")
    return _NORMAL.inv_cdf(0.5 + c / 2)


# --- NPS margin of error ----------------------------------------------------------------

def _nps_moe(promoters: float, passives: float, detractors: float, z: float) -> float:
    n = promoters + passives + detractors
    if n == 0:
        raise EmptyInputError("E-EMPTY: argument 'scores' has no valid responses",
                              argument="scores")
    p, d = promoters / n, detractors / n
    var = max(0.0, p + d - (p - d) ** 2)  # max(): rounding can give -1e-17 at p or d = 1
    return 100.0 * z * math.sqrt(var / n)


def _nps_moe_rollup(fn: Any) -> Rollup:
    def prepare(scores: Any, confidence: Any = 0.95, invalid: str = "error"
                ) -> dict[str, np.ndarray]:
        s = score_rows(scores, "scores", 0, 10, invalid=invalid)
        with np.errstate(invalid="ignore"):
            return {"promoters": (s >= 9).astype(float),
                    "passives": ((s >= 7) & (s <= 8)).astype(float),
                    "detractors": (s <= 6).astype(float)}

    def finalize(promoters: float, passives: float, detractors: float,
                 confidence: Any = 0.95, invalid: str = "error") -> float:
        return _nps_moe(promoters, passives, detractors, _z(confidence))

    return Rollup(components=("promoters", "passives", "detractors"), prepare=prepare,
                  finalize=finalize, numerator=("promoters", "detractors"),
                  denominator=("promoters", "passives", "detractors"))


@kpi(
    excel="KPI_NPS_MOE", name="NPS margin of error", kind="uncertainty", category="uncertainty",
    unit="score", direction="context",
    description="Margin of error of an NPS from raw 0-10 answers, in points: z x standard error "
                "of (promoter share - detractor share). NPS +/- this is the confidence "
                "interval (normal approximation).",
    formula="100 * z * sqrt((p + d - (p - d)^2) / n), p = promoters / n, d = detractors / n, "
            "z = NORM.S.INV(1 - (1 - confidence) / 2)",
    params={"scores": ("scores", "0-10 likelihood-to-recommend answers (whole numbers)."),
            "confidence": CONFIDENCE,
            "invalid": Param("invalid", "'error' (default): text, off-scale or fractional "
                             "scores are errors; 'ignore': skip them.", kind="text",
                             choices=INVALID_MODES)},
    blanks="Blank, None and NaN responses are skipped. Text, booleans, off-scale and fractional "
           "scores are errors (E-TYPE / E-RANGE) unless invalid='ignore' drops them. No valid "
           "responses -> E-EMPTY (None; #DIV/0!).",
    edge_cases=("p + d - (p - d)^2 is n x Var(NPS/100): each answer scores +1 / 0 / -1 and the "
                "NPS is their mean (multinomial variance of a difference of proportions)",
                "all answers in one group -> 0 (no sampling spread observed; use more data)",
                "confidence outside (0, 1) -> E-DOMAIN",
                "normal approximation: unreliable for small n (say n < 30)"),
    examples=(Example(([10, 9, 9, 8, 7, 6, 5, 10, 3, 9],), 54.03247823048221,
                      note="NPS 20 from 10 answers: p = 0.5, d = 0.3"),
              Example(([10] * 60 + [8] * 20 + [0] * 20,), 15.67971187632043,
                      note="NPS 40 from 100 answers"),
              Example(([10] * 60 + [8] * 20 + [0] * 20, 0.90), 13.158829015611772,
                      note="90% confidence"),
              Example(([10, 10, 10, 8, 8, 0],), 100 * 1.959963984540054 * math.sqrt(5 / 54),
                      note="Cross Validated (whuber) population: p = 1/2, passives 1/3, d = "
                           "1/6, variance 5/9 per answer"),
              Example(([None],), error="E-EMPTY"),
              Example(([10, 11],), error="E-RANGE"),
              Example(([10, 9], 1.0), error="E-DOMAIN")),
    references=("Cross Validated: 'How can I calculate margin of error in a NPS result?' "
                "(stats.stackexchange.com/q/18603, whuber's answer)",
                "cybaea.net (2016): NPS confidence intervals - closed form for the variance",
                "[nicereply]"),
    rollup=_nps_moe_rollup,
    returns="points (the NPS is +/- this value at the chosen confidence)",
)
def nps_margin_of_error(scores: Any, confidence: Any = 0.95, *, invalid: str = "error") -> float:
    """Margin of error of an NPS, in points.

    Scoring each answer +1 (promoter, 9-10), 0 (passive) or -1 (detractor), the NPS / 100 is
    their mean, so ``Var(NPS/100) = (p + d - (p - d)^2) / n`` and the margin is
    ``100 * z * sqrt(...)`` (normal approximation).

    >>> round(nps_margin_of_error([10, 9, 9, 8, 7, 6, 5, 10, 3, 9]), 2)
    54.03
    """
    z = _z(confidence)
    s = score_array(scores, "scores", 0, 10, invalid=invalid)
    counts = np.bincount(s.astype(np.intp), minlength=11)
    return _nps_moe(float(counts[9:].sum()), float(counts[7:9].sum()),
                    float(counts[:7].sum()), z)


# --- Wilson interval ----------------------------------------------------------------------

def _counts(successes: Any, trials: Any, s_name: str, n_name: str) -> tuple[float, float]:
    s, n = count(successes, s_name), count(trials, n_name)
    subset(s, s_name, n, n_name)
    return s, n


@kpi(
    excel="KPI_WILSON_INTERVAL", name="Wilson score interval for a rate", kind="uncertainty",
    category="uncertainty", unit="ratio", direction="context",
    description="Confidence interval (lower, upper) for a rate successes / trials by Wilson's "
                "score method: stays inside [0, 1] and behaves well for small samples and rates "
                "near 0 or 1. Spills two cells in Excel.",
    formula="(p + z^2/(2n) -/+ z * sqrt(p(1 - p)/n + z^2/(4n^2))) / (1 + z^2/n), p = "
            "successes / trials",
    params={"successes": ("count", "Number of successes (conversions, clicks, resolved ...)."),
            "trials": ("count", "Number of trials (sessions, impressions, tickets ...)."),
            "confidence": CONFIDENCE},
    blanks="A blank successes or trials is E-MISSING (None; #N/A); ranges are summed, blanks "
           "skipped. A blank confidence is 0.95.",
    edge_cases=("trials = 0 -> E-DIV0", "successes > trials -> E-SUBSET",
                "negative or fractional counts -> E-NEG", "confidence outside (0, 1) -> E-DOMAIN",
                "0 successes -> lower = 0 exactly; successes = trials -> upper = 1 exactly",
                "no continuity correction (Newcombe's method 3)"),
    examples=(Example((81, 263), (0.2552885198782743, 0.3662095769828001),
                      note="Newcombe 1998: 0.2553 to 0.3662"),
              Example((15, 148), (0.06238639953073629, 0.160487241723308),
                      note="Newcombe 1998: 0.0624 to 0.1605"),
              Example((0, 20), (0.0, 0.1611251580528193), note="Newcombe 1998: 0 to 0.1611"),
              Example((1, 29), (0.006113214292762653, 0.17175521879320282),
                      note="Newcombe 1998: 0.0061 to 0.1718"),
              Example((29, 29), (0.8830302015002593, 1.0)),
              Example((0, 0), error="E-DIV0"),
              Example((5, 4), error="E-SUBSET"),
              Example((-1, 4), error="E-NEG"),
              Example((1, 4, 0), error="E-DOMAIN")),
    references=WILSON_REFS,
    returns="a tuple (lower, upper) of fractions; in Excel a 1 x 2 spilled row",
)
def wilson_interval(successes: Any, trials: Any, confidence: Any = 0.95
                    ) -> tuple[float, float]:
    """Wilson score interval (Wilson 1927; Newcombe 1998 method 3, no continuity correction).

    >>> lo, hi = wilson_interval(81, 263)
    >>> round(lo, 4), round(hi, 4)
    (0.2553, 0.3662)
    """
    z = _z(confidence)
    s, n = _counts(successes, trials, "successes", "trials")
    p = divide(s, n, "trials")
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1.0 - p) / n + z2 / (4 * n * n))
    lower = 0.0 if s == 0 else max(0.0, centre - half)
    upper = 1.0 if s == n else min(1.0, centre + half)
    return (lower, upper)


# --- two-proportion test --------------------------------------------------------------------

@kpi(
    excel="KPI_RATE_CHANGE_TEST", name="Did the rate change? (two-proportion z-test)",
    kind="uncertainty", category="uncertainty", unit="statistic", direction="context",
    description="Two-sided pooled two-proportion z-test of rate 2 (successes_2 / trials_2) vs "
                "rate 1: returns (z, p_value, significant), significant = 1.0 if p_value < "
                "alpha else 0.0. z > 0: rate 2 is higher.",
    formula="p = (s1 + s2) / (n1 + n2); z = (s2/n2 - s1/n1) / sqrt(p(1 - p)(1/n1 + 1/n2)); "
            "p_value = 2 * (1 - NORM.S.DIST(|z|)); significant = p_value < alpha",
    params={"successes_1": ("count", "Successes in sample 1 (before, or the control)."),
            "trials_1": ("count", "Trials in sample 1."),
            "successes_2": ("count", "Successes in sample 2 (after, or the variant)."),
            "trials_2": ("count", "Trials in sample 2."),
            "alpha": ("ratio", "Significance level, strictly between 0 and 1; default 0.05.")},
    blanks="A blank count is E-MISSING (None; #N/A); ranges are summed, blanks skipped. A blank "
           "alpha is 0.05.",
    edge_cases=("trials_1 or trials_2 = 0 -> E-DIV0",
                "pooled rate 0 or 1 (no successes, or no failures, in either sample) -> E-DIV0: "
                "the standard error is 0 and z is undefined",
                "successes > trials -> E-SUBSET; negative or fractional counts -> E-NEG",
                "alpha outside (0, 1) -> E-DOMAIN",
                "significant is numeric (1.0 / 0.0, not a boolean) so the Excel spill is all "
                "numbers", "swapping the samples flips the sign of z, p_value is unchanged",
                "normal approximation: wants about 5+ successes and 5+ failures per sample"),
    examples=(Example((200, 10_000, 250, 10_000), (2.3839951328405053, 0.01712582887219502, 1.0),
                      note="conversion 2.0% -> 2.5%: a real change at alpha 0.05"),
              Example((140, 200, 255, 340), (1.266014826113381, 0.20550777427449307, 0.0),
                      note="70% vs 75%: not significant"),
              Example((250, 10_000, 200, 10_000), (-2.3839951328405053, 0.01712582887219502,
                                                    1.0), note="samples swapped: z flips sign"),
              Example((200, 10_000, 250, 10_000, 0.01),
                      (2.3839951328405053, 0.01712582887219502, 0.0), note="alpha 0.01"),
              Example((0, 100, 0, 100), error="E-DIV0", note="no successes at all"),
              Example((0, 0, 1, 10), error="E-DIV0"),
              Example((11, 10, 1, 10), error="E-SUBSET"),
              Example((1, 10, 2, 10, 1.5), error="E-DOMAIN")),
    references=("NIST/SEMATECH e-Handbook of Statistical Methods, §7.3.3 'How can we determine "
                "whether two processes produce the same proportion of defectives?'",
                "Fleiss, Levin & Paik (2003). Statistical Methods for Rates and Proportions, "
                "3rd ed., §2.6 (pooled z-test)"),
    returns="a tuple (z, p_value, significant) of floats, significant 1.0 or 0.0; in Excel a "
            "1 x 3 spilled row",
)
def rate_change_test(successes_1: Any, trials_1: Any, successes_2: Any, trials_2: Any,
                     alpha: Any = 0.05) -> tuple[float, float, float]:
    """Two-sided pooled two-proportion z-test; ``significant`` is 1.0 or 0.0.

    >>> z, p, sig = rate_change_test(200, 10_000, 250, 10_000)
    >>> round(z, 4), round(p, 4), sig
    (2.384, 0.0171, 1.0)
    """
    a = optional_number(alpha, "alpha", 0.05)
    assert a is not None
    if not 0 < a < 1:
        raise DomainError.bad("alpha", a, "must be strictly between 0 and 1 (e.g. 0.05)")
    s1, n1 = _counts(successes_1, trials_1, "successes_1", "trials_1")
    s2, n2 = _counts(successes_2, trials_2, "successes_2", "trials_2")
    p1, p2 = divide(s1, n1, "trials_1"), divide(s2, n2, "trials_2")
    pooled = (s1 + s2) / (n1 + n2)
    se = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    if se == 0:
        raise DivisionByZeroError("E-DIV0: the pooled rate is 0 or 1, so the standard error is 0 "
                                  "and z is undefined", argument="successes_2", value=s2)
    z = (p2 - p1) / se
    # erfc(|z| / sqrt 2) = 2 (1 - Phi(|z|)), accurate far into the tail (no 1 - Phi cancellation)
    p_value = math.erfc(abs(z) / math.sqrt(2.0))
    return (z, p_value, 1.0 if p_value < a else 0.0)

