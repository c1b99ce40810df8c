"""Seeded, realistic sample data for the templates: 12 months with trends and noise.

Each generator takes ``(rng, months, rows)`` -- a numpy Generator, the 12 month starts and
the row count of the template's main table (None: the default density) -- and returns one
DataFrame per table, rows sorted by date, columns named as in the template's tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["finance", "marketing", "saas", "sales", "scorecard_actuals", "service", "website"]

Months = Sequence[pd.Timestamp]


def _per_month(total: int, n_months: int) -> np.ndarray:
    base = np.full(n_months, total // n_months)
    base[: total % n_months] += 1
    return base


def _dates(rng: np.random.Generator, months: Months, counts: Sequence[int]) -> np.ndarray:
    """Sorted dates (midnight) spread over each month, ``counts[i]`` in month i."""
    out = []
    for m, n in zip(months, counts, strict=True):
        days = m.days_in_month
        out.append(np.sort(rng.integers(0, days, size=int(n))) + m.to_datetime64().astype("datetime64[D]"))
    return np.concatenate(out).astype("datetime64[ns]") if out else np.array([], "datetime64[ns]")


def _month_index(counts: Sequence[int]) -> np.ndarray:
    return np.repeat(np.arange(len(counts)), counts)


def _ramp(i: np.ndarray | int, n: int, start: float, end: float) -> np.ndarray:
    return start + (end - start) * np.asarray(i, dtype=float) / max(n - 1, 1)


def _monthly(months: Months, per_month: int) -> tuple[np.ndarray, np.ndarray]:
    dates = np.repeat(np.array([m.to_datetime64() for m in months], "datetime64[ns]"), per_month)
    return dates, np.repeat(np.arange(len(months)), per_month)


def _scores(rng: np.random.Generator, weights: np.ndarray, low: int) -> np.ndarray:
    """One score per row of ``weights`` (rows are probability vectors over low..)."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights))[:, None]
    return (u > cum).sum(axis=1) + low


# --- service --------------------------------------------------------------------------


def service(rng: np.random.Generator, months: Months, rows: int | None) -> dict[str, pd.DataFrame]:
    n = len(months)
    counts = _per_month(rows if rows is not None else 150 * n, n)
    mi = _month_index(counts)
    k = len(mi)
    # NPS: promoters grow from 42% to 55%, detractors shrink from 22% to 14%
    prom, detr = _ramp(mi, n, 0.42, 0.55), _ramp(mi, n, 0.22, 0.14)
    pas = 1 - prom - detr
    w = np.column_stack([np.repeat(detr[:, None] / 7, 7, axis=1), np.repeat(pas[:, None] / 2, 2, axis=1),
                         np.repeat(prom[:, None] / 2, 2, axis=1)])
    nps = _scores(rng, w, 0)
    sat = _ramp(mi, n, 0.74, 0.84)
    csat_w = np.column_stack([(1 - sat) * 0.3, (1 - sat) * 0.3, (1 - sat) * 0.4, sat * 0.45, sat * 0.55])
    csat = _scores(rng, csat_w, 1).astype(float)
    csat[rng.random(k) < 0.08] = np.nan  # skipped question: a blank, not a zero
    ease = _ramp(mi, n, 0.55, 0.70)
    ces_w = np.column_stack([(1 - ease)[:, None] * np.array([0.15, 0.2, 0.3, 0.35]),
                             ease[:, None] * np.array([0.35, 0.35, 0.3])])
    ces = _scores(rng, ces_w, 1)
    survey = pd.DataFrame({
        "Date": _dates(rng, months, counts),
        "Channel": rng.choice(["Email", "Chat", "Phone"], size=k, p=[0.45, 0.35, 0.2]),
        "NPS score": nps, "CSAT score": csat, "CES score": ces,
    })

    tcounts = (_ramp(np.arange(n), n, 380, 460) + rng.normal(0, 15, n)).astype(int)
    ti = _month_index(tcounts)
    m = len(ti)
    resolved = (rng.random(m) < _ramp(ti, n, 0.86, 0.93)).astype(int)
    first_contact = resolved * (rng.random(m) < _ramp(ti, n, 0.62, 0.72)).astype(int)
    breached = rng.random(m) < _ramp(ti, n, 0.12, 0.07)
    frt = np.round(rng.lognormal(np.log(_ramp(ti, n, 2.6, 1.6)), 0.9), 2)
    ttr = np.round(rng.lognormal(np.log(_ramp(ti, n, 30.0, 20.0)), 0.7), 1)
    tickets = pd.DataFrame({
        "Date": _dates(rng, months, tcounts),
        "Ticket": [f"T-{i + 1:06d}" for i in range(m)],
        "Priority": rng.choice(["Low", "Normal", "High", "Urgent"], size=m, p=[0.3, 0.45, 0.2, 0.05]),
        "Received": np.ones(m, dtype=int),
        "Resolved": resolved,
        "First contact": first_contact,
        "SLA met": ((~breached) & (resolved == 1)).astype(int),
        "SLA breached closed": (breached & (resolved == 1)).astype(int),
        "SLA breached open": (breached & (resolved == 0)).astype(int),
        "First response (h)": frt,
        "Resolution (h)": np.where(resolved == 1, ttr, np.nan),
    })
    return {"Survey": survey, "Tickets": tickets}


# --- marketing ------------------------------------------------------------------------

CHANNELS = ("Search", "Social ads", "Display", "Affiliate")


def marketing(rng: np.random.Generator, months: Months, rows: int | None) -> dict[str, pd.DataFrame]:
    n = len(months)
    per = max(1, (rows if rows is not None else len(CHANNELS) * n) // n)
    dates, mi = _monthly(months, per)
    k = len(mi)
    channel = np.array([CHANNELS[i % len(CHANNELS)] for i in range(k)])
    spend = np.round(rng.uniform(6_000, 14_000, k) * _ramp(mi, n, 1.0, 1.15), 2)
    impressions = (spend * rng.uniform(40, 70, k)).astype(int)
    clicks = (impressions * rng.uniform(0.012, 0.03, k) * _ramp(mi, n, 1.0, 1.2)).astype(int)
    leads = (clicks * rng.uniform(0.08, 0.14, k)).astype(int)
    conversions = (leads * rng.uniform(0.25, 0.4, k)).astype(int)
    new_customers = (conversions * rng.uniform(0.05, 0.08, k)).astype(int)
    ad_revenue = np.round(conversions * rng.uniform(55, 80, k), 2)
    campaigns = pd.DataFrame({
        "Date": dates, "Channel": channel, "Spend": spend, "Impressions": impressions,
        "Clicks": clicks, "Leads": leads, "Conversions": conversions,
        "New customers": new_customers, "Ad revenue": ad_revenue,
        "Attributable revenue": np.round(ad_revenue * rng.uniform(1.1, 1.4, k), 2),
    })
    edates, ei = _monthly(months, 4)
    e = len(ei)
    sent = rng.integers(8_000, 14_000, e)
    bounced = (sent * rng.uniform(0.01, 0.03, e)).astype(int)
    opens = ((sent - bounced) * rng.uniform(0.18, 0.26, e)).astype(int)
    email = pd.DataFrame({
        "Date": edates, "Campaign": [f"Newsletter {i // 4 + 1}.{i % 4 + 1}" for i in range(e)],
        "Sent": sent, "Bounced": bounced, "Unique opens": opens,
        "Unique clicks": (opens * rng.uniform(0.10, 0.18, e) * _ramp(ei, n, 1.0, 1.15)).astype(int),
    })
    sdates, si = _monthly(months, 3)
    s = len(si)
    followers = (rng.uniform(8_000, 20_000, s) * _ramp(si, n, 1.0, 1.3)).astype(int)
    views = (followers * rng.uniform(1.5, 3.0, s)).astype(int)
    social = pd.DataFrame({
        "Date": sdates, "Network": np.array(["LinkedIn", "Instagram", "X"] * n),
        "Followers": followers, "Interactions": (followers * rng.uniform(0.03, 0.06, s)).astype(int),
        "Content views": views, "CTA clicks": (views * rng.uniform(0.02, 0.04, s)).astype(int),
        "Posts": rng.integers(3, 9, s),
    })
    cdates, ci = _monthly(months, 1)
    active = (_ramp(ci, n, 2_000, 2_600) + rng.normal(0, 20, n)).astype(int)
    revenue = np.round(active * rng.uniform(95, 105, n), 2)
    start = active - rng.integers(40, 80, n)
    customers = pd.DataFrame({
        "Date": cdates, "Revenue": revenue, "Gross profit": np.round(revenue * rng.uniform(0.72, 0.78, n), 2),
        "Active customers": active, "Customers at start": start,
        "Customers lost": (start * rng.uniform(0.025, 0.04, n)).astype(int),
    })
    return {"Campaigns": campaigns, "Email": email, "Social": social, "Customers": customers}


# --- sales ----------------------------------------------------------------------------

REGIONS = ("North", "South", "East", "West")


def sales(rng: np.random.Generator, months: Months, rows: int | None) -> dict[str, pd.DataFrame]:
    n = len(months)
    reps_n = max(1, (rows if rows is not None else 8 * n) // n)
    dates, mi = _monthly(months, reps_n)
    k = len(mi)
    rep = np.array([f"Rep {i % reps_n + 1:02d}" for i in range(k)])
    region = np.array([REGIONS[(i % reps_n) % len(REGIONS)] for i in range(k)])
    fte = np.where(np.arange(k) % reps_n == reps_n - 1, 0.5, 1.0)
    leads = (rng.uniform(50, 90, k) * fte).astype(int)
    won = (leads * rng.uniform(0.12, 0.2, k) * _ramp(mi, n, 1.0, 1.2)).astype(int)
    lost = (won * rng.uniform(1.8, 3.0, k)).astype(int)
    quota = np.round(60_000 * fte, 2)
    reps = pd.DataFrame({
        "Date": dates, "Rep": rep, "Region": region, "FTE": fte,
        "Calls": (rng.uniform(150, 240, k) * fte).astype(int),
        "Emails": (rng.uniform(200, 320, k) * fte).astype(int),
        "Leads": leads, "New customers": (won * rng.uniform(0.7, 1.0, k)).astype(int),
        "Won": won, "Lost": lost, "Open": rng.integers(5, 25, k),
        "Quota": quota, "Sales": np.round(quota * rng.uniform(0.7, 1.2, k) * _ramp(mi, n, 0.95, 1.08), 2),
    })
    rdates, ri = _monthly(months, len(REGIONS))
    r = len(ri)
    orders = (rng.uniform(300, 600, r) * _ramp(ri, n, 1.0, 1.15)).astype(int)
    regions = pd.DataFrame({
        "Date": rdates, "Region": np.array(REGIONS * n), "Revenue": np.round(orders * rng.uniform(110, 135, r), 2),
        "Orders": orders, "Unique customers": (orders / rng.uniform(1.3, 1.7, r)).astype(int),
    })
    return {"Reps": reps, "Regions": regions}


# --- website --------------------------------------------------------------------------


def website(rng: np.random.Generator, months: Months, rows: int | None) -> dict[str, pd.DataFrame]:
    n = len(months)
    counts = _per_month(rows, n) if rows is not None else np.array([m.days_in_month for m in months])
    mi = _month_index(counts)
    k = len(mi)
    sessions = (rng.normal(1_800, 250, k).clip(400) * _ramp(mi, n, 1.0, 1.3)).astype(int)
    shares = rng.dirichlet([40, 20, 15, 10, 15], size=k)
    parts = np.floor(shares * sessions[:, None]).astype(int)
    parts[:, 4] = sessions - parts[:, :4].sum(axis=1)
    engaged = (sessions * rng.uniform(0.55, 0.68, k) * _ramp(mi, n, 1.0, 1.06)).astype(int).clip(max=sessions)
    txn = (sessions * rng.uniform(0.012, 0.022, k)).astype(int)
    web = pd.DataFrame({
        "Date": _dates(rng, months, counts), "Sessions": sessions,
        "Organic": parts[:, 0], "Paid": parts[:, 1], "Social": parts[:, 2], "Referral": parts[:, 3],
        "Direct": parts[:, 4], "Engaged sessions": engaged,
        "Pageviews": (sessions * rng.uniform(2.2, 3.4, k)).astype(int), "Transactions": txn,
        "Revenue": np.round(txn * rng.uniform(60, 90, k), 2),
    })
    return {"Traffic": web}


# --- finance --------------------------------------------------------------------------


def finance(rng: np.random.Generator, months: Months, rows: int | None) -> dict[str, pd.DataFrame]:
    n = len(months)
    dates, mi = _monthly(months, 1)
    revenue = np.round(_ramp(mi, n, 420_000, 520_000) * rng.uniform(0.96, 1.04, n), 2)
    cogs = np.round(revenue * rng.uniform(0.56, 0.62, n), 2)
    orders = (revenue / rng.uniform(115, 125, n)).astype(int)
    fin = pd.DataFrame({
        "Date": dates, "Revenue": revenue, "COGS": cogs,
        "Net income": np.round(revenue * rng.uniform(0.06, 0.11, n), 2),
        "Total assets": np.round(_ramp(mi, n, 5_200_000, 5_600_000) * rng.uniform(0.99, 1.01, n), 2),
        "Market sales": np.round(revenue / rng.uniform(0.11, 0.13, n), 2),
        "Investment cost": np.round(rng.uniform(40_000, 60_000, n), 2),
        "Investment return": np.zeros(n),
        "Acquisition spend": np.round(rng.uniform(30_000, 40_000, n), 2),
        "Acquisitions": rng.integers(900, 1_300, n),
        "Shipping cost": np.round(orders * rng.uniform(4.2, 5.0, n), 2), "Orders": orders,
    })
    fin["Investment return"] = np.round(fin["Investment cost"] * rng.uniform(1.1, 1.4, n), 2)
    per = max(1, (rows if rows is not None else 3 * n) // n)
    idates, ii = _monthly(months, per)
    k = len(ii)
    book = np.round(rng.uniform(350_000, 450_000, k), 2)
    inventory = pd.DataFrame({
        "Date": idates, "Warehouse": np.array([f"WH{i % per + 1}" for i in range(k)]),
        "Book inventory": book,
        "Physical inventory": np.round(book * (1 - rng.uniform(0.005, 0.025, k) * _ramp(ii, n, 1.2, 0.8)), 2),
    })
    return {"Finance": fin, "Inventory": inventory}


# --- saas -----------------------------------------------------------------------------

PLANS = {"Starter": (49.0, 1), "Team": (99.0, 1), "Business (annual)": (2_990.0, 12),
         "Pro (quarterly)": (597.0, 3)}


def saas(rng: np.random.Generator, months: Months, rows: int | None) -> dict[str, pd.DataFrame]:
    """A small subscription simulation: MRR components follow from the subscriptions."""
    n = len(months)
    start_customers = max(10, (rows if rows is not None else 200 * n) // n)
    plans = list(PLANS)
    next_id = 0
    book: dict[int, list] = {}  # customer -> [plan, quantity]
    for _ in range(start_customers):
        book[next_id] = [rng.choice(plans), int(rng.integers(1, 6))]
        next_id += 1

    def mrr(entry: list) -> float:
        amount, period = PLANS[entry[0]]
        return amount * entry[1] / period

    subs, metrics = [], []
    for i, m in enumerate(months):
        at_start = len(book)
        starting_mrr = sum(mrr(v) for v in book.values())
        lost_ids = [c for c in book if rng.random() < _ramp(i, n, 0.045, 0.03)]
        churned = sum(mrr(book[c]) for c in lost_ids)
        for c in lost_ids:
            del book[c]
        expansion = contraction = 0.0
        for v in book.values():
            u = rng.random()
            if u < 0.04:
                before = mrr(v)
                v[1] += 1
                expansion += mrr(v) - before
            elif u < 0.06 and v[1] > 1:
                before = mrr(v)
                v[1] -= 1
                contraction += before - mrr(v)
        new = int(at_start * _ramp(i, n, 0.05, 0.06) + rng.integers(0, 4))
        for _ in range(new):
            book[next_id] = [rng.choice(plans), int(rng.integers(1, 4))]
            next_id += 1
        for c, (plan, qty) in book.items():
            amount, period = PLANS[plan]
            subs.append((m, f"C-{c + 1:05d}", plan, amount, period, qty))
        revenue = sum(mrr(v) for v in book.values())
        metrics.append({
            "Date": m, "Revenue": round(revenue, 2), "Gross profit": round(revenue * rng.uniform(0.76, 0.82), 2),
            "Active customers": len(book), "Customers at start": at_start, "New customers": new,
            "Customers lost": len(lost_ids), "Customers at end": len(book),
            "Starting MRR": round(starting_mrr, 2), "Expansion MRR": round(expansion, 2),
            "Contraction MRR": round(contraction, 2), "Churned MRR": round(churned, 2),
            "S&M spend": round(new * rng.uniform(700, 900), 2),
        })
    subscriptions = pd.DataFrame(subs, columns=["Date", "Customer", "Plan", "Amount", "Billing months", "Quantity"])
    return {"Subscriptions": subscriptions, "Metrics": pd.DataFrame(metrics)}


# --- scorecard ------------------------------------------------------------------------


def scorecard_actuals(rng: np.random.Generator, target: float, baseline: float, n: int,
                      months_done: int, reach: float, decimals: int = 4) -> list[float | None]:
    """Monthly actuals moving from baseline ``reach`` of the way to target by the reporting
    month (months after it are blank: not reported yet)."""
    path = baseline + (target - baseline) * np.linspace(0.05, reach, months_done)
    noise = rng.normal(0, abs(target - baseline) * 0.04 + 1e-9, months_done)
    vals = [float(round(v, decimals)) for v in path + noise]
    return [*vals, *([None] * (n - months_done))]
