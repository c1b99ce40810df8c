"""Regenerate examples/survey.csv: 12 months of seeded support-survey responses.

    python examples/make_survey.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(2024)
n = 1_200
dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 366, n), unit="D")
region = rng.choice(["North", "South", "East", "West"], n, p=[0.3, 0.25, 0.25, 0.2])
# NPS improves slowly through the year; a few non-responses are left blank.
drift = (dates.month.to_numpy() - 1) / 11
score = np.clip(np.round(rng.normal(7.2 + 1.2 * drift, 2.1)), 0, 10)
csat = np.clip(np.round(rng.normal(3.9 + 0.4 * drift, 0.9)), 1, 5)
frt = np.round(rng.lognormal(mean=0.4, sigma=1.0, size=n), 2)
df = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "region": region,
                   "score": score, "csat": csat, "first_response_hours": frt})
df.loc[rng.random(n) < 0.03, "score"] = np.nan
df = df.sort_values("date", kind="stable")
df["score"] = df["score"].astype("Int64")
df["csat"] = df["csat"].astype("Int64")
df.to_csv(Path(__file__).with_name("survey.csv"), index=False)
