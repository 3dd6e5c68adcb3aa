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


def split(n: int, fraction: float, seed: int, label: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Calibration and test row indices (sorted): within each stratum a random
    ``round(fraction * size)`` rows calibrate and the rest test."""
    rng = np.random.default_rng(seed)
    cal: list[np.ndarray] = []
    test: list[np.ndarray] = []
    for stratum in _strata(label, n):
        perm = rng.permutation(stratum)
        cut = int(round(fraction * stratum.size))
        cal.append(perm[:cut])
        test.append(perm[cut:])
    return np.sort(np.concatenate(cal)), np.sort(np.concatenate(test))


def folds(n: int, k: int, seed: int, label: np.ndarray | None = None) -> np.ndarray:
    """Fold number (0..k-1) of each row: each stratum shuffled, then dealt round-robin,
    so fold sizes differ by at most one per stratum."""
    rng = np.random.default_rng(seed)
    fold = np.empty(n, dtype=np.int64)
    for stratum in _strata(label, n):
        perm = rng.permutation(stratum)
        fold[perm] = np.arange(perm.size) % k
    return fold
