"""Honest figures: seeded calibration/test splits and k folds, stratified by label.

A threshold chosen and judged on the same rows looks better than it is (the choice
fits the noise). So the policy is chosen on calibration rows and its figures are
reported on rows the choice never saw. Splits are seeded (numpy's PCG64), so a run is
repeatable; with a label, each class is split in the same proportion.
"""

from __future__ import annotations

import numpy as np


def _strata(label: np.ndarray | None, n: int) -> list[np.ndarray]:
    if label is None:
        return [np.arange(n)]
    return [np.flatnonzero(~label), np.flatnonzero(label)]


def split(
    n: int, fraction: float, seed: int, label: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Calibration and test row indices (sorted): within each stratum a random
    ``round(fraction * size)`` rows calibrate and the rest test.

    Each row draws a uniform key; a stratum's rows with the ``cut`` smallest keys
    calibrate (a uniformly random subset of exactly that size). A mask keeps the
    indices in file order without sorting ten million of them."""
    rng = np.random.default_rng(seed)
    keys = rng.random(n)
    calibrate = np.zeros(n, dtype=bool)
    for stratum in _strata(label, n):
        cut = round(fraction * stratum.size)
        if cut <= 0:
            continue
        k = keys if stratum.size == n else keys[stratum]
        if cut >= k.size:
            chosen = np.ones(k.size, dtype=bool)
        else:
            kth = np.partition(k, cut - 1)[cut - 1]
            chosen = k <= kth
            if int(np.count_nonzero(chosen)) != cut:  # tied keys: break ties by position
                order = np.argsort(k, kind="stable")
                chosen = np.zeros(k.size, dtype=bool)
                chosen[order[:cut]] = True
        if stratum.size == n:
            calibrate = chosen
        else:
            calibrate[stratum[chosen]] = True
    return np.flatnonzero(calibrate), np.flatnonzero(~calibrate)


def folds(n: int, k: int, seed: int, label: np.ndarray | None = None) -> np.ndarray:
    """Fold number (0..k-1) of each row: each stratum shuffled, then dealt round-robin,
    so fold sizes differ by at most one per stratum."""
    rng = np.random.default_rng(seed)
    fold = np.empty(n, dtype=np.int64)
    for stratum in _strata(label, n):
        perm = rng.permutation(stratum)
        fold[perm] = np.arange(perm.size) % k
    return fold
