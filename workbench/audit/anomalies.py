"""Anomalies: days whose cost, cost per 1k, volume or p95 latency leave their baseline.

Per metric x_t (the system's daily figure; days without requests are skipped):
1. Weekly profile: with 21 days or more, each weekday's factor f_d is the median over
   the log of x_t / (the centred 7-day rolling median of x at t) on that weekday; the
   factors are scaled to a median of 1. The deseasonalised series is y_t = x_t / f_d(t).
   (Without enough days, f = 1.)
2. Baseline of day t: the `lookback` days before it (t itself left out), needing at
   least min(lookback, 14) of them: m_t = median(y), MAD_t = median(|y - m_t|). The
   scale is the largest of 1.4826 MAD_t, 1.4826 median(|y_s - m_s|) over every earlier
   day s (the pooled residuals, once 14 are known), and 0.5% of |m_t|. (1.4826 makes a
   MAD a standard deviation for normal noise; pooling steadies a MAD of a few weeks,
   whose z-scores otherwise have heavy tails; the floor keeps a flat baseline from
   flagging rounding noise.)
3. Robust z: z_t = (y_t - m_t) / scale_t. A day is flagged when |z_t| > threshold and,
   for cost, cost per 1k and volume, its size in dollars is at least min_dollars.
   The default threshold, 6, is calibrated on simulated clean logs (weekly seasonality,
   2% to 10% daily noise, 90 days): about 1 series in 50 flags a day at 6, 1 in 15 at
   5, 1 in 6 at 4. Real incidents (a doubled unit cost, a one-day traffic spike) score
   far above it.
Size in dollars, with the expected value e_t = m_t * f_d(t):
    cost          x_t - e_t
    cost per 1k   (x_t - e_t) * requests_t / 1000
    volume        (x_t - e_t) * cost_t / requests_t   (the extra requests at the day's cost)
    p95 latency   the day's cost minus its expected cost (no dollar filter)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from workbench.audit.daily import DailyPicture

METRICS: tuple[str, ...] = ("cost_usd", "cost_per_1k", "requests", "p95_latency_ms")
METRIC_LABELS = {"cost_usd": "cost", "cost_per_1k": "cost per 1k", "requests": "volume",
                 "p95_latency_ms": "p95 latency"}
MAD_TO_SD = 1.4826
SCALE_FLOOR = 0.005  # of the baseline median
MIN_HISTORY = 14
SEASONAL_DAYS = 21


@dataclass(frozen=True)
class Anomaly:
    day: date
    metric: str  # one of METRICS
    value: float
    expected: float
    z: float
    usd: float  # the size in dollars (see the module's table)

    @property
    def direction(self) -> str:
        return "up" if self.value > self.expected else "down"

    def to_dict(self) -> dict[str, object]:
        return {"day": self.day.isoformat(), "metric": self.metric, "value": self.value,
                "expected": self.expected, "z": self.z, "usd": self.usd,
                "direction": self.direction}


def weekly_profile(x: np.ndarray, days: list[date]) -> np.ndarray:
    """The weekday factor of each day (step 1); ones when the log is too short."""
    ok = np.isfinite(x) & (x > 0)
    if ok.sum() < SEASONAL_DAYS:
        return np.ones(len(x))
    series = pd.Series(np.where(ok, x, np.nan))
    centred = series.rolling(7, center=True, min_periods=4).median().to_numpy()
    weekday = np.array([d.weekday() for d in days])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = series.to_numpy() / centred
    factors = np.ones(7)
    for d in range(7):
        r = ratio[(weekday == d) & np.isfinite(ratio)]
        if r.size:
            factors[d] = float(np.median(r))
    factors = factors / float(np.median(factors))
    factors = np.where(factors > 0, factors, 1.0)
    return np.asarray(factors[weekday], dtype=float)


def robust_scores(y: np.ndarray, lookback: int) -> tuple[np.ndarray, np.ndarray]:
    """(baseline median m_t, robust z_t) for every day (NaN without enough history)."""
    n = len(y)
    med = np.full(n, np.nan)
    z = np.full(n, np.nan)
    need = min(lookback, MIN_HISTORY)
    residuals: list[float] = []
    for t in range(n):
        window = y[max(0, t - lookback):t]
        window = window[np.isfinite(window)]
        if window.size < need or not np.isfinite(y[t]):
            continue
        m = float(np.median(window))
        scale = max(MAD_TO_SD * float(np.median(np.abs(window - m))), SCALE_FLOOR * abs(m))
        if len(residuals) >= need:
            scale = max(scale, MAD_TO_SD * float(np.median(np.abs(residuals))))
        med[t] = m
        z[t] = (y[t] - m) / scale if scale > 0 else 0.0
        residuals.append(float(y[t] - m))
    return med, z


def find_anomalies(daily: DailyPicture, lookback: int, threshold: float,
                   min_dollars: float) -> tuple[Anomaly, ...]:
    """Flagged days of every metric, in day order (the module's method)."""
    days = list(daily.days)
    requests = daily.series("requests")
    cost = daily.series("cost_usd")
    active = requests > 0
    out: list[Anomaly] = []
    for metric in METRICS:
        x = daily.series(metric)
        x = np.where(active, x, np.nan)
        if not np.isfinite(x).any():
            continue
        factor = weekly_profile(x, days)
        y = x / factor
        med, z = robust_scores(y, lookback)
        expected = med * factor
        for flagged in np.flatnonzero(np.isfinite(z) & (np.abs(z) > threshold)):
            t = int(flagged)
            if metric == "cost_usd":
                usd = x[t] - expected[t]
            elif metric == "cost_per_1k":
                usd = (x[t] - expected[t]) * requests[t] / 1000.0
            elif metric == "requests":
                usd = (x[t] - expected[t]) * cost[t] / requests[t]
            else:
                usd = _expected_cost_gap(cost, days, lookback, t)
            if metric != "p95_latency_ms" and abs(usd) < min_dollars:
                continue
            out.append(Anomaly(days[t], metric, float(x[t]), float(expected[t]), float(z[t]),
                               float(usd)))
    out.sort(key=lambda a: (a.day, METRICS.index(a.metric)))
    return tuple(out)


def _expected_cost_gap(cost: np.ndarray, days: list[date], lookback: int, t: int) -> float:
    factor = weekly_profile(cost, days)
    med, _ = robust_scores(cost / factor, lookback)
    expected = med[t] * factor[t]
    return float(cost[t] - expected) if np.isfinite(expected) else 0.0
