"""The cost-accuracy Pareto frontier in O(n log n).

A candidate is on the frontier when no other candidate is at least as good on both
cost (lower) and accuracy (higher) and strictly better on one. Exact duplicates do
not dominate each other, so both stay on the frontier.
"""

from __future__ import annotations

import numpy as np


def pareto_mask(cost: np.ndarray, accuracy: np.ndarray) -> np.ndarray:
    """Boolean mask of non-dominated points (minimise cost, maximise accuracy).

    One argsort on cost, then per group of equal cost: a point survives iff it has
    its group's best accuracy and beats every strictly cheaper point. Sorting once on
    a single key is several times faster than a two-key lexsort at 1M points.
    """
    cost = np.asarray(cost, dtype=float)
    accuracy = np.asarray(accuracy, dtype=float)
    n = cost.shape[0]
    if n == 0:
        return np.zeros(0, dtype=bool)
    order = np.argsort(cost)  # ties are grouped below, so stability is not needed
    c = cost[order]
    a = accuracy[order]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = c[1:] != c[:-1]
    starts = np.flatnonzero(new_group)
    group_of = np.cumsum(new_group) - 1
    group_best = np.maximum.reduceat(a, starts)
    best_cheaper = np.empty_like(group_best)
    best_cheaper[0] = -np.inf
    if group_best.size > 1:
        best_cheaper[1:] = np.maximum.accumulate(group_best)[:-1]
    keep_sorted = (a == group_best[group_of]) & (a > best_cheaper[group_of])
    mask = np.empty(n, dtype=bool)
    mask[order] = keep_sorted
    return mask


def frontier_order(cost: np.ndarray, accuracy: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Indices of frontier members, cheapest first (then most accurate)."""
    idx = np.flatnonzero(mask)
    sub = np.lexsort((-accuracy[idx], cost[idx]))
    return idx[sub]
