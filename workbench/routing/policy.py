"""From a policy's sums (``Tallies``) to its figures: cost, latency, accuracy, money.

One place turns sums into numbers, for one policy or a million at once, so the
recommended line, the safe line, the baselines, the Pareto set, the held-out check and
the drift check all use the same formulas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from workbench.routing.cascade import Tallies
from workbench.routing.result import PolicyFigures
from workbench.routing.spec import RoutingSpec
from workbench.routing.sweep import ESCALATE_ALL, nearest_rank, wilson_lower


@dataclass(frozen=True)
class TierCosts:
    """What an item costs (USD per 1k) and how long it takes, by the tier that answers it.

    ``path_cost[m]``: an item answered by tier m (not forced); ``forced_cost``: a forced
    item (tier 1, then the last tier).
    """

    path_cost: tuple[float, ...]
    forced_cost: float
    path_latency: tuple[float, ...] | None
    forced_latency: float | None

    @classmethod
    def cascade(cls, cost: list[float], latency: list[float] | None) -> TierCosts:
        # A cascade has paid every tier an item passed through.
        path = tuple(float(np.sum(cost[: m + 1])) for m in range(len(cost)))
        lat = None if latency is None else tuple(
            float(np.sum(latency[: m + 1])) for m in range(len(cost))
        )
        forced_lat = None if latency is None else float(latency[0] + latency[-1])
        return cls(path, float(cost[0] + cost[-1]), lat, forced_lat)

    @classmethod
    def exclusive(cls, cost: list[float], latency: list[float] | None) -> TierCosts:
        # Two tiers: each item runs one model, chosen before scoring.
        lat = None if latency is None else (float(latency[0]), float(latency[1]))
        return cls((float(cost[0]), float(cost[1])), float(cost[1]), lat,
                   None if latency is None else float(latency[1]))

    @classmethod
    def build(cls, policy: str, cost: list[float], latency: list[float] | None) -> TierCosts:
        return cls.exclusive(cost, latency) if policy == "exclusive" else cls.cascade(cost, latency)

    @classmethod
    def alone(cls, k: int, m: int, cost: list[float], latency: list[float] | None) -> TierCosts:
        """Model m alone on every item (a baseline)."""
        path = tuple(float(cost[m]) for _ in range(k))
        lat = None if latency is None else tuple(float(latency[m]) for _ in range(k))
        return cls(path, float(cost[m]), lat, None if latency is None else float(latency[m]))


@dataclass(frozen=True)
class Money:
    """What errors cost, per the spec: the loss column (USD lost per missed positive),
    fixed USD per miss, USD per false alarm. ``any`` is false when errors are not priced
    (no total-cost figures). The loss column counts as money only under the total_cost
    objective or next to a USD price; alone it is reported as missed_positive_loss in
    the column's own currency."""

    loss_column: bool
    fn_cost_usd: float | None
    fp_cost_usd: float | None
    volume_per_day: float | None
    days_per_month: float

    @classmethod
    def of(cls, spec: RoutingSpec) -> Money:
        priced = (spec.objective == "total_cost" or spec.fn_cost_usd is not None
                  or spec.fp_cost_usd is not None)
        return cls(bool(spec.loss_column) and priced, spec.fn_cost_usd, spec.fp_cost_usd,
                   spec.volume_per_day, spec.days_per_month)

    @property
    def any(self) -> bool:
        return self.loss_column or self.fn_cost_usd is not None or self.fp_cost_usd is not None


@dataclass
class FigureArrays:
    """Figures of every policy in a Tallies that selection needs (arrays of length P).

    Only what choosing needs is computed for every policy (a two-tier sweep can hold
    millions); the rest is computed for the few policies shown (``policy_figures``)."""

    cost_per_1k: np.ndarray
    miss_cost_per_1k: np.ndarray | None
    false_alarm_cost_per_1k: np.ndarray | None
    total_cost_per_1k: np.ndarray | None


def compute_cost(t: Tallies, costs: TierCosts) -> np.ndarray:
    """USD per 1,000 items of every policy."""
    # Shares first: one model on every item then costs exactly its price. Column by
    # column, so no (policies x tiers) float temporary is built.
    cost = (t.answered[:, 0] / t.n) * costs.path_cost[0]
    for m in range(1, t.tiers):
        cost += (t.answered[:, m] / t.n) * costs.path_cost[m]
    if t.forced:
        cost += (t.forced / t.n) * costs.forced_cost
    return cost


def misses_of(t: Tallies) -> np.ndarray:
    """False negatives (binary logs) or wrong answers (the sum of 1 - quality)."""
    if t.tp is not None and t.positives is not None:
        return (t.positives - t.tp).astype(np.float64)
    return t.n - t.quality


def figure_arrays(t: Tallies, costs: TierCosts, money: Money) -> FigureArrays:
    cost = compute_cost(t, costs)
    miss_cost = fa_cost = total = None
    if money.any:
        usd = np.zeros(len(t))
        if money.loss_column and t.missed_loss is not None:
            usd = usd + t.missed_loss
        if money.fn_cost_usd is not None:
            usd = usd + money.fn_cost_usd * misses_of(t)
        miss_cost = usd * 1000.0 / t.n
        if money.fp_cost_usd is not None and t.fp is not None:
            fa_cost = money.fp_cost_usd * t.fp.astype(np.float64) * 1000.0 / t.n
        total = cost + miss_cost + (fa_cost if fa_cost is not None else 0.0)
    return FigureArrays(cost, miss_cost, fa_cost, total)


def _latency(t: Tallies, i: int, costs: TierCosts) -> tuple[float | None, float | None]:
    """Mean and nearest-rank p95 latency of policy i: each item's latency is that of
    its path, so the distribution is a handful of values with known counts."""
    if costs.path_latency is None or costs.forced_latency is None:
        return None, None
    values = [*costs.path_latency, costs.forced_latency]
    counts = [*t.answered[i].tolist(), t.forced]
    n = t.n
    mean = sum(v * (c / n) for v, c in zip(values, counts))
    rank = nearest_rank(n)
    seen = 0
    for v, c in sorted(zip(values, counts)):
        seen += c
        if c and seen >= rank:
            return mean, float(v)
    return mean, float(max(values))  # pragma: no cover - counts sum to n


def policy_figures(
    t: Tallies, i: int, costs: TierCosts, money: Money, *, baseline: bool = False,
    arrays: FigureArrays | None = None,
) -> PolicyFigures:
    """PolicyFigures of policy i (thresholds None for a single-model baseline)."""
    fa = arrays if arrays is not None else figure_arrays(t.pick(i), costs, money)
    j = i if arrays is not None else 0
    n = t.n
    quality = float(t.quality[i])
    k = t.tiers
    answered = t.answered[i]
    # Items that run on tier m: the non-forced ones answered at m or later, plus forced
    # items on tier 1 and on the last tier.
    reached = np.cumsum(answered[::-1])[::-1].astype(np.float64)
    reached[0] += t.forced
    if k > 1:
        reached[-1] += t.forced
    if baseline:
        reached = answered.astype(np.float64)
    mean_lat, p95 = _latency(t, i, costs)
    tp = int(t.tp[i]) if t.tp is not None else None
    fp = int(t.fp[i]) if t.fp is not None else None
    thresholds = None if baseline else tuple(float(v) for v in t.thresholds[i])
    cost = float(fa.cost_per_1k[j])
    total = None if fa.total_cost_per_1k is None else float(fa.total_cost_per_1k[j])
    volume = money.volume_per_day

    def monthly(per_1k: float | None) -> float | None:
        if per_1k is None or volume is None:
            return None
        return per_1k * volume * money.days_per_month / 1000.0

    return PolicyFigures(
        threshold=None if thresholds is None else thresholds[0],
        escalated_share=float((n - answered[0]) / n),
        accuracy=100.0 * quality / n,
        accuracy_wilson_low=100.0 * float(wilson_lower(quality, n)),
        recall=(100.0 * tp / t.positives) if tp is not None and t.positives else None,
        precision=(
            (100.0 * tp / (tp + fp)) if tp is not None and fp is not None and tp + fp else None
        ),
        cost_per_1k=cost,
        monthly_cost_usd=monthly(cost),
        mean_latency_ms=mean_lat,
        p95_latency_ms=p95,
        missed_positive_loss=float(t.missed_loss[i]) if t.missed_loss is not None else None,
        thresholds=thresholds,
        reached_share=tuple(float(r / n) for r in reached),
        rows=n,
        forced_share=None if baseline else t.forced / n,
        misses=float(misses_of(t.pick(i))[0]),
        false_alarms=None if fp is None else float(fp),
        miss_cost_per_1k=None if fa.miss_cost_per_1k is None else float(fa.miss_cost_per_1k[j]),
        false_alarm_cost_per_1k=(
            None if fa.false_alarm_cost_per_1k is None else float(fa.false_alarm_cost_per_1k[j])
        ),
        total_cost_per_1k=total,
        total_monthly_usd=monthly(total),
    )


def meets_accuracy(quality: np.ndarray, n: int, target_pct: float) -> np.ndarray:
    """quality / n >= target, with a hair of tolerance so 995/1000 meets 99.5 although
    99.5 is not exact in binary."""
    return np.asarray(quality) >= (target_pct - 1e-9) * n / 100.0 - 1e-9


def threshold_text(t: float, binary: bool = True) -> str:
    """A threshold for people: six significant digits; "all" for escalate-everything
    (+inf, or for binary logs the double just above the largest confidence, 1)."""
    if t == math.inf or (binary and t == ESCALATE_ALL):
        return "all"
    return f"{t:.6g}"
