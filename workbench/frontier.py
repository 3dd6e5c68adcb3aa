"""The cost-accuracy Pareto frontier in O(n log n).

A candidate is on the frontier when no other candidate is at least as good on both
cost (lower) and accuracy (higher) and strictly better on one. Exact duplicates do
not dominate each other, so both stay on the frontier.
"""

from __future__ import annotations

import numpy as np


def pareto_mask(cost: np.ndarray, accuracy: np.ndarray) -> np.ndarray:
    """Boolean mask of non-dominated points (minimise cost, maximise accuracy)."""
    cost = np.asarray(cost, dtype=float)
    accuracy = np.asarray(accuracy, dtype=float)
    n = cost.shape[0]
    if n == 0:
        return np.zeros(0, dtype=bool)
    # Cheapest first; among equal costs the most accurate first.
    order = np.lexsort((-accuracy, cost))
    c = cost[order]
    a = accuracy[order]
    # Runs of exact (cost, accuracy) duplicates share one verdict.
    new_run = np.ones(n, dtype=bool)
    new_run[1:] = (c[1:] != c[:-1]) | (a[1:] != a[:-1])
    run_id = np.cumsum(new_run) - 1
    heads = np.flatnonzero(new_run)
    head_acc = a[heads]
    # A distinct point survives iff it is strictly more accurate than every cheaper
    # (or equally cheap and more accurate) distinct point before it.
    best_before = np.empty_like(head_acc)
    best_before[0] = -np.inf
    if head_acc.size > 1:
        best_before[1:] = np.maximum.accumulate(head_acc)[:-1]
    head_ok = head_acc > best_before
    mask_sorted = head_ok[run_id]
    mask = np.empty(n, dtype=bool)
    mask[order] = mask_sorted
    return mask


def frontier_order(cost: np.ndarray, accuracy: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Indices of frontier members, cheapest first (then most accurate)."""
    idx = np.flatnonzero(mask)
    sub = np.lexsort((-accuracy[idx], cost[idx]))
    return idx[sub]
