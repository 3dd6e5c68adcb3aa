"""The weighted decision matrix: normalize each criterion, weight, sum, rank.

Normalization (per criterion, over all candidates; log10 first when scale is log10):
    minmax  max: (x - min) / (max - min)      min: (max - x) / (max - min)
            1.0 for every candidate when max == min
    ratio   max: x / max                       min: min / x   (1.0 where x is 0)
    vector  max: x / sqrt(sum x^2)             min: 1 - x / sqrt(sum x^2)
            1.0 for every candidate when the norm is 0
Weights are normalized to sum to 1; contribution = weight * normalized value and the
score is the sum of contributions, so a score is always within [0, 1] for minmax.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.errors import InputError
from workbench.model import Direction, Scale


@dataclass(frozen=True)
class ResolvedCriterion:
    """A criterion after defaults, aliases and weight normalization."""

    column: str  # the analysis column it reads (e.g. monthly_cost_usd for "cost")
    direction: Direction
    weight: float  # normalized: all weights sum to 1
    scale: Scale
    given_as: str  # the column as the user wrote it (e.g. "cost")
    raw_weight: float


def _min(x: np.ndarray) -> float:
    # np.min is several times faster than np.nanmin; NaN only appears in extra columns.
    v = float(x.min())
    return float(np.nanmin(x)) if np.isnan(v) else v


def _max(x: np.ndarray) -> float:
    v = float(x.max())
    return float(np.nanmax(x)) if np.isnan(v) else v


def normalize(values: np.ndarray, direction: str, method: str) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    n = x.shape[0]
    if n == 0:
        return x.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "minmax":
            lo, hi = _min(x), _max(x)
            span = hi - lo
            if not span > 0:
                return np.where(np.isnan(x), np.nan, 1.0)
            return (x - lo) / span if direction == "max" else (hi - x) / span
        if method == "ratio":
            if direction == "max":
                hi = _max(x)
                if hi == 0:
                    return np.where(np.isnan(x), np.nan, 1.0)
                return x / hi
            lo = _min(x)
            return np.where(x == 0, 1.0, lo / x)
        if method == "vector":
            norm = float(np.sqrt(np.nansum(x * x)))
            if norm == 0:
                return np.where(np.isnan(x), np.nan, 1.0)
            return x / norm if direction == "max" else 1.0 - x / norm
    raise ValueError(f"unknown normalization {method!r}")


def scale_values(
    values: np.ndarray, criterion: ResolvedCriterion, label: str, method: str = "minmax"
) -> np.ndarray:
    if criterion.scale != "log10":
        return values
    bad = values <= 0
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"log10 scale needs positive values; found {values[row]:g}",
            source=label,
            row=row + 1,
            column=criterion.column,
        )
    logs: np.ndarray = np.log10(values)
    if method != "minmax":
        # ratio and vector assume non-negative values; log10 of a value <= 1 is <= 0 and
        # would silently flip the criterion's direction.
        small = logs <= 0
        if small.any():
            row = int(np.flatnonzero(small)[0])
            raise InputError(
                f"log10 scale with {method} normalization needs every value > 1 "
                f"(found {values[row]:g}); use minmax normalization or a linear scale",
                source=label,
                row=row + 1,
                column=criterion.column,
            )
    return logs


def score_matrix(
    columns: dict[str, np.ndarray],
    criteria: tuple[ResolvedCriterion, ...],
    method: str,
    label: str = "criteria",
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(score, {column: normalized}, {column: contribution}) for every candidate.

    A missing value (NaN) in a criterion column normalizes to 0: the candidate gets
    no credit for a figure it does not report.
    """
    n = len(next(iter(columns.values()))) if columns else 0
    score = np.zeros(n)
    normalized: dict[str, np.ndarray] = {}
    contributions: dict[str, np.ndarray] = {}
    for criterion in criteria:
        raw = columns[criterion.column]
        values = scale_values(raw, criterion, label, method)
        norm = normalize(values, criterion.direction, method)
        missing = np.isnan(norm)
        if missing.any():
            norm = np.where(missing, 0.0, norm)
        contrib = criterion.weight * norm
        normalized[criterion.column] = norm
        contributions[criterion.column] = contrib
        score = score + contrib
    return score, normalized, contributions


NameLike = np.ndarray | pd.Series


def take_names(names: NameLike, idx: np.ndarray) -> np.ndarray:
    """Names at positions idx as str; a pandas Series is indexed without converting
    all of it (a million Arrow strings to Python objects costs ~0.1 s)."""
    if isinstance(names, pd.Series):
        picked: np.ndarray = names.iloc[idx].to_numpy(dtype=object).astype(str)
    else:
        picked = np.asarray(names, dtype=object)[idx].astype(str)
    return picked


def rank_order(
    score: np.ndarray, feasible: np.ndarray, cost: np.ndarray, names: NameLike
) -> np.ndarray:
    """Indices in rank order: feasible first by score desc, ties by cost then name.

    A single-key argsort on the score does the bulk; only runs of equal score are
    re-sorted by (cost, name), so a million candidates rank in tens of milliseconds
    and names (slow to sort) are compared only where they decide something.
    """
    n = score.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    by_score = np.argsort(-score)  # equal scores are re-sorted below
    f_sorted = feasible[by_score]
    primary = np.concatenate((by_score[f_sorted], by_score[~f_sorted]))
    s = score[primary]
    f = feasible[primary]
    same = (s[1:] == s[:-1]) & (f[1:] == f[:-1])
    if not same.any():
        return primary
    tied = np.zeros(n, dtype=bool)
    tied[1:] |= same
    tied[:-1] |= same
    positions = np.flatnonzero(tied)
    members = primary[positions]
    member_names = take_names(names, members)
    name_rank = np.empty(members.shape[0], dtype=np.int64)
    name_rank[np.argsort(member_names, kind="stable")] = np.arange(members.shape[0])
    sub = np.lexsort((name_rank, cost[members], -score[members], ~feasible[members]))
    result = primary.copy()
    result[positions] = members[sub]
    return result


def best_index(
    score: np.ndarray, feasible: np.ndarray, cost: np.ndarray, names: NameLike
) -> int | None:
    """The rank-1 feasible candidate in O(n), or None when none is feasible."""
    if not feasible.any():
        return None
    masked = np.where(feasible, score, -np.inf)
    top = masked.max()
    tied = np.flatnonzero(masked == top)
    if tied.size == 1:
        return int(tied[0])
    cheapest = cost[tied].min()
    tied = tied[cost[tied] == cheapest]
    if tied.size == 1:
        return int(tied[0])
    tied_names = take_names(names, tied)
    return int(tied[int(np.argmin(tied_names))])
