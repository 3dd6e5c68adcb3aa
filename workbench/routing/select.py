"""Choosing policies: objectives, the cost-quality Pareto set, Learn-then-Test.

* Objectives: "accuracy" (cheapest compute with accuracy >= target), "recall" (binary
  logs: cheapest with recall >= target_recall), "total_cost" (lowest compute + misses +
  false alarms). Ties go to higher quality, then to the first policy listed (the lowest
  thresholds).
* The safe policy: Learn-then-Test (Angelopoulos, Bates, Candes, Jordan, Lei 2021) with
  fixed-sequence testing. Each policy's null hypothesis is "its risk on new traffic is
  above 1 - target"; hypotheses are tested in an order fixed before looking at the
  outcomes, each at level delta with a binomial tail p-value, stopping at the first one
  not rejected. Every policy rejected before that is certified, simultaneously, with
  probability at least 1 - delta over the calibration sample.
"""

from __future__ import annotations

import numpy as np

from workbench.routing.cascade import Tallies
from workbench.routing.policy import FigureArrays, meets_accuracy
from workbench.routing.spec import RoutingSpec
from workbench.routing.stats import LossBound, certified, fixed_sequence, loss_bound


def feasible(t: Tallies, spec: RoutingSpec) -> np.ndarray:
    """Policies that meet the objective's target in sample (all, for total cost)."""
    if spec.objective == "recall":
        if t.tp is None or not t.positives:
            return np.zeros(len(t), dtype=bool)
        assert spec.target_recall is not None
        return meets_accuracy(t.tp, t.positives, spec.target_recall)
    if spec.objective == "total_cost":
        return np.ones(len(t), dtype=bool)
    return meets_accuracy(t.quality, t.n, spec.target_accuracy)


def objective_key(arrays: FigureArrays, spec: RoutingSpec) -> np.ndarray:
    """What the objective minimises: total cost, or compute cost under a target."""
    if spec.objective == "total_cost":
        assert arrays.total_cost_per_1k is not None
        return arrays.total_cost_per_1k
    return arrays.cost_per_1k


def best(t: Tallies, arrays: FigureArrays, spec: RoutingSpec, mask: np.ndarray) -> int | None:
    """Index of the best policy among ``mask``: lowest objective key, then higher quality,
    then the first listed. O(P), no sort, so a million thresholds cost nothing."""
    if not mask.any():
        return None
    key = objective_key(arrays, spec)
    low = float(np.min(key[mask]))
    # Equal costs computed from different counts can differ in the last bits.
    tie = mask & (key <= low + 1e-12 * max(abs(low), 1.0))
    quality = np.where(tie, t.quality, -np.inf)
    return int(np.argmax(quality))


def risk_losses(t: Tallies, spec: RoutingSpec) -> tuple[np.ndarray, int, str, float]:
    """Per-policy loss sums, the item count they are over, the metric and its target.

    Recall: misses among the positives. Otherwise accuracy: wrong answers (the sum of
    1 - quality for graded logs)."""
    if spec.objective == "recall":
        assert t.tp is not None and t.positives is not None and spec.target_recall is not None
        return (t.positives - t.tp).astype(np.float64), t.positives, "recall", spec.target_recall
    return t.n - t.quality, t.n, "accuracy", spec.target_accuracy


def ltt_bound(t: Tallies, spec: RoutingSpec, graded: bool) -> tuple[LossBound, str, float]:
    n, metric, target = risk_count(t, spec)
    bound = loss_bound(n, 1.0 - target / 100.0, spec.delta, graded and metric == "accuracy")
    return bound, metric, target


def risk_count(t: Tallies, spec: RoutingSpec) -> tuple[int, str, float]:
    """The items the risk is measured over, the metric and its target (no arrays)."""
    if spec.objective == "recall":
        assert t.positives is not None and spec.target_recall is not None
        return t.positives, "recall", spec.target_recall
    return t.n, "accuracy", spec.target_accuracy


def ltt_descending(
    t: Tallies, spec: RoutingSpec, graded: bool
) -> tuple[np.ndarray, LossBound, int, str, float]:
    """Fixed-sequence testing of two-tier thresholds from "escalate all" downwards.

    The order "every threshold, highest first" is fixed before any data is seen; the
    p-value only changes at observed confidences, so testing the listed (ascending)
    thresholds from the last to the first is testing that whole sequence. Returns the
    certified mask, the bound, how many hypotheses were tested, the metric and target.
    """
    losses, _, metric, target = risk_losses(t, spec)
    bound, _, _ = ltt_bound(t, spec, graded)
    ok = certified(losses, bound)[::-1]
    run = fixed_sequence(ok)
    mask = np.zeros(len(t), dtype=bool)
    if run:
        mask[len(t) - run:] = True
    tested = min(run + 1, len(t))
    return mask, bound, tested, metric, target


def ltt_in_order(losses: np.ndarray, order: np.ndarray, bound: LossBound) -> tuple[np.ndarray, int]:
    """Fixed-sequence testing along ``order`` (indices): the certified indices and the
    number of hypotheses tested."""
    ok = certified(losses[order], bound)
    run = fixed_sequence(ok)
    return order[:run], min(run + 1, int(order.size))


def pareto_front(cost: np.ndarray, quality: np.ndarray) -> np.ndarray:
    """Indices of the policies no other beats on both cost (lower) and quality (higher),
    sorted by cost; of equal points the first listed is kept."""
    p = int(cost.size)
    if p == 0:
        return np.zeros(0, dtype=np.int64)
    diffs = np.diff(cost)
    if np.all(diffs >= 0):
        order = np.arange(p)
        # Within a run of equal cost the best quality must come first.
        if np.any(diffs == 0):
            order = np.lexsort((-quality, cost))
    else:
        order = np.lexsort((-quality, cost))
    q = quality[order]
    prev = np.concatenate(([-np.inf], np.maximum.accumulate(q)[:-1]))
    keep = order[q > prev]
    return keep.astype(np.int64)


def objective_words(spec: RoutingSpec, money_terms: str) -> str:
    """Which objective chose the recommended policy, as a phrase."""
    if spec.objective == "recall":
        return (f"cheapest compute cost with recall >= {spec.target_recall:g}% on the "
                "calibration rows")
    if spec.objective == "total_cost":
        return f"lowest total cost = compute + {money_terms}"
    return (f"cheapest compute cost with accuracy >= {spec.target_accuracy:g}% on the "
            "calibration rows")
