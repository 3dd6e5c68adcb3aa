"""The daily picture: per day and model, and per day for the whole system.

From the aggregation's sums (workbench.audit.logs), per group of rows:
    requests          = sum of batch_size
    cost_per_1k       = cost_usd / requests * 1000
    mean latency      = latency_ms_requests / requests with a latency
    p95, p99 latency  = the requests-weighted quantile of the latency bins: the first bin
                        whose cumulative requests reach q of the total, read at its
                        geometric middle exp((bin + 0.5) / 100) (within 0.25%)
    batch size        = requests / rows
    escalation share  = escalated_requests / requests
    accuracy          = correct_requests / labelled_requests, with the Wilson 95% score
                        interval on labelled_requests items (workbench.robustness.uncertainty)
A period's figures are the same formulas over the period's rows; its volume and cost
per day divide by the calendar days of the period (a day without rows counts as 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from workbench.audit.logs import LATENCY_BINS_PER_UNIT, ZERO_LATENCY_BIN

ALL_MODELS = "(all)"


@dataclass(frozen=True)
class Figures:
    """One group's figures (a day and model, a day, a period). None: no data for it."""

    rows: float
    requests: float
    cost_usd: float
    cost_per_1k: float | None
    mean_latency_ms: float | None
    p95_latency_ms: float | None
    p99_latency_ms: float | None
    batch_size: float | None
    escalation_share: float | None
    labelled: float
    accuracy: float | None  # percent
    accuracy_low: float | None
    accuracy_high: float | None

    def to_dict(self) -> dict[str, float | None]:
        return {k: _clean(getattr(self, k)) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class DayFigures:
    day: date
    model: str  # ALL_MODELS for the system's total
    figures: Figures

    def to_dict(self) -> dict[str, object]:
        return {"day": self.day.isoformat(), "model": self.model, **self.figures.to_dict()}


def _clean(value: float | None) -> float | None:
    if value is None:
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def bin_value(bins: np.ndarray) -> np.ndarray:
    """The latency a bin stands for: its geometric middle (0 for the zero bin)."""
    return np.where(bins == ZERO_LATENCY_BIN, 0.0, np.exp((bins + 0.5) / LATENCY_BINS_PER_UNIT))


def weighted_quantile(bins: np.ndarray, weights: np.ndarray, q: float) -> float | None:
    """The requests-weighted q-quantile of latency bins (see the module's formula)."""
    ok = ~np.isnan(bins) & (weights > 0)
    if not ok.any():
        return None
    b, w = bins[ok], weights[ok]
    order = np.argsort(b, kind="stable")
    b, w = b[order], w[order]
    cum = np.cumsum(w)
    i = int(np.searchsorted(cum, q * cum[-1] * (1 - 1e-12), side="left"))
    return float(bin_value(np.array([b[min(i, len(b) - 1)]]))[0])


_SUMMED = ("rows", "requests", "cost_usd", "latency_ms_requests", "escalated_requests",
           "labelled_requests", "correct_requests", "latency_bin")


def arrays(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The aggregation columns figures() reads, as float arrays (absent ones left out)."""
    return {c: frame[c].to_numpy(dtype=float) for c in _SUMMED if c in frame.columns}


def figures(group: pd.DataFrame | dict[str, np.ndarray]) -> Figures:
    """The figures of a set of aggregation rows (any days and models)."""
    from workbench.robustness.uncertainty import wilson_interval

    cols = arrays(group) if isinstance(group, pd.DataFrame) else group

    def total(name: str) -> float:
        return float(cols[name].sum()) if name in cols else 0.0

    rows, requests, cost = total("rows"), total("requests"), total("cost_usd")
    mean = p95 = p99 = None
    if "latency_bin" in cols and "latency_ms_requests" in cols:
        timed = ~np.isnan(cols["latency_bin"])
        weights = cols["requests"][timed]
        timed_requests = float(weights.sum())
        if timed_requests > 0:
            mean = float(cols["latency_ms_requests"][timed].sum()) / timed_requests
            bins = cols["latency_bin"][timed]
            p95 = weighted_quantile(bins, weights, 0.95)
            p99 = weighted_quantile(bins, weights, 0.99)
    labelled = total("labelled_requests")
    accuracy = low = high = None
    if "labelled_requests" in cols and labelled > 0:
        accuracy = 100.0 * total("correct_requests") / labelled
        lo, hi = wilson_interval(accuracy, labelled)
        low, high = float(lo), float(hi)
    return Figures(
        rows=rows, requests=requests, cost_usd=cost,
        cost_per_1k=cost / requests * 1000.0 if requests > 0 else None,
        mean_latency_ms=mean, p95_latency_ms=p95, p99_latency_ms=p99,
        batch_size=requests / rows if rows > 0 else None,
        escalation_share=(total("escalated_requests") / requests
                          if "escalated_requests" in cols and requests > 0 else None),
        labelled=labelled, accuracy=accuracy, accuracy_low=low, accuracy_high=high,
    )


@dataclass(frozen=True)
class DailyPicture:
    """Per day and model (`by_model`) and per day for all models (`totals`), days in
    order; `models` in order of total requests, most first."""

    days: tuple[date, ...]
    models: tuple[str, ...]
    by_model: tuple[DayFigures, ...]
    totals: tuple[DayFigures, ...]

    def series(self, metric: str) -> np.ndarray:
        """One figure of the totals per day (NaN where missing), e.g. "cost_usd"."""
        return np.array([np.nan if (v := getattr(t.figures, metric)) is None else v
                         for t in self.totals], dtype=float)

    def to_dict(self) -> dict[str, object]:
        return {"days": [d.isoformat() for d in self.days], "models": list(self.models),
                "totals": [t.to_dict() for t in self.totals],
                "by_model": [t.to_dict() for t in self.by_model]}


def daily_picture(detail: pd.DataFrame) -> DailyPicture:
    """The daily picture of the aggregation's (day, model, latency bin) rows. Every
    calendar day from the first to the last is listed; a day without rows has zero
    requests and cost."""
    first, last = detail["day"].min(), detail["day"].max()
    calendar = pd.date_range(first, last, freq="D")
    order = detail.groupby("model")["requests"].sum().sort_values(ascending=False, kind="stable")
    models = tuple(str(m) for m in order.index)
    # One sort, then slices: per (day, model) and per day, without a pandas group each.
    day_index = ((detail["day"] - first) // pd.Timedelta(days=1)).to_numpy(dtype=np.int64)
    model_index = detail["model"].map({m: i for i, m in enumerate(models)}).to_numpy(dtype=np.int64)
    sort = np.lexsort((model_index, day_index))
    cols = {k: v[sort] for k, v in arrays(detail).items()}
    days_sorted, models_sorted = day_index[sort], model_index[sort]
    by_model: list[DayFigures] = []
    totals: list[DayFigures] = []
    day_edges = np.searchsorted(days_sorted, np.arange(len(calendar) + 1))
    for i, day in enumerate(calendar):
        d = day.date()
        lo, hi = int(day_edges[i]), int(day_edges[i + 1])
        mine = models_sorted[lo:hi]
        edges = np.searchsorted(mine, np.arange(len(models) + 1)) + lo
        for m, model in enumerate(models):
            a, b = int(edges[m]), int(edges[m + 1])
            if b > a:
                by_model.append(DayFigures(d, model, figures({k: v[a:b] for k, v in cols.items()})))
        totals.append(DayFigures(d, ALL_MODELS, figures({k: v[lo:hi] for k, v in cols.items()})))
    return DailyPicture(tuple(c.date() for c in calendar), models, tuple(by_model), tuple(totals))
