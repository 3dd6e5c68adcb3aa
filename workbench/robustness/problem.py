"""The decision an Analysis made, as arrays the robustness methods share.

Everything here is in the analysis' rank order (row 0 is the pick when there is one),
so results line up with `Analysis.table` without reordering.

Row-wise normalization (`normalize_rows`) is the vectorised twin of
`workbench.scoring.normalize`: the same formulas, applied to each row of a
(draws x candidates) matrix, with the statistics (min, max, norm) taken per row.
`tests/unit/test_robust_problem.py` checks it against `scoring.normalize` row by row,
so there is still one definition of each normalization; this one only batches it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.analysis import Analysis
from workbench.columns import names_of
from workbench.errors import InputError
from workbench.scoring import ResolvedCriterion

# Columns whose values a price change moves (all prices of a row move together) and
# the ones derived from accuracy; the analysis derives them in `workbench.costs`.
PRICE_INPUTS: tuple[str, ...] = ("cost_per_1k", "fixed_monthly_usd", "one_time_usd")


@dataclass(frozen=True)
class Problem:
    """The weighted-sum decision of one analysis, in rank order."""

    names: tuple[str, ...]
    criteria: tuple[ResolvedCriterion, ...]
    method: str  # the normalization: minmax, ratio or vector
    weights: np.ndarray  # (k,) normalized, sum 1
    normalized: np.ndarray  # (n, k) fixed: normalization does not depend on weights
    score: np.ndarray  # (n,) as the analysis computed it
    feasible: np.ndarray  # (n,) bool
    cost: np.ndarray  # (n,) the tie-break cost (the analysis' cost column)
    columns: dict[str, np.ndarray]  # every numeric column of the table, rank order
    specs: tuple[tuple[str, str, str, float], ...]  # (check name, column, op, limit)
    pick: int | None  # rank position of the pick (0) or None when none is feasible

    @property
    def n(self) -> int:
        return len(self.names)


def problem_of(analysis: Analysis) -> Problem:
    table = analysis.table
    columns = {
        c: table[c].to_numpy(dtype=float)
        for c in table.columns
        if pd.api.types.is_numeric_dtype(table[c]) and not pd.api.types.is_bool_dtype(table[c])
    }
    crit = analysis.criteria
    normalized = np.column_stack(
        [analysis.normalized[c.column].to_numpy(dtype=float) for c in crit]
    ) if crit else np.zeros((len(table), 0))
    return Problem(
        names=tuple(names_of(table)),
        criteria=crit,
        method=analysis.scenario.scoring.normalization,
        weights=np.array([c.weight for c in crit], dtype=float),
        normalized=normalized,
        score=table["score"].to_numpy(dtype=float),
        feasible=table["feasible"].to_numpy(dtype=bool),
        cost=table[analysis.cost_column].to_numpy(dtype=float),
        columns=columns,
        specs=tuple((c.name, c.column, c.op, c.limit) for c in analysis.checks),
        pick=0 if analysis.recommendation is not None else None,
    )


def row_values(
    analysis: Analysis, column: str, default: float | None
) -> np.ndarray:
    """A per-row setting (eval_n, price_range_pct, ...) in rank order: the table's own
    column where a row has a value, else the session default (NaN when neither)."""
    n = len(analysis.table)
    base = np.full(n, np.nan if default is None else float(default))
    if column in analysis.table.columns:
        given = pd.to_numeric(analysis.table[column], errors="coerce").to_numpy(dtype=float)
        base = np.where(np.isnan(given), base, given)
    return base


# ------------------------------------------------------------ row-wise normalization


@dataclass(frozen=True)
class RowStats:
    """Per-row statistics of one criterion's (scaled) values, NaN ignored."""

    lo: np.ndarray
    hi: np.ndarray
    sumsq: np.ndarray  # only filled for vector normalization (zeros otherwise)

    @staticmethod
    def of(x: np.ndarray, method: str = "vector") -> RowStats:
        # min/max are several times faster than nanmin/nanmax; NaN (a value a row does
        # not report) is rare, so the nan-versions run only when it shows up.
        lo, hi = x.min(axis=-1), x.max(axis=-1)
        if np.isnan(lo).any() or np.isnan(hi).any():
            # An all-NaN row is legal (a column nobody reports): no RuntimeWarning.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                lo, hi = np.nanmin(x, axis=-1), np.nanmax(x, axis=-1)
        sumsq = np.nansum(x * x, axis=-1) if method == "vector" else np.zeros(np.shape(lo))
        return RowStats(lo, hi, sumsq)

    def with_value(self, x: np.ndarray) -> RowStats:
        """These statistics (of the other candidates) plus one more value per row."""
        lo = np.fmin(self.lo, x)
        hi = np.fmax(self.hi, x)
        return RowStats(lo, hi, self.sumsq + np.where(np.isnan(x), 0.0, x * x))


def normalize_with(x: np.ndarray, stats: RowStats, direction: str, method: str) -> np.ndarray:
    """`scoring.normalize` of the values x (rows x m), given each row's statistics over
    all candidates (which may include candidates not in x). Missing values become 0,
    as `score_matrix` does."""
    lo = stats.lo[..., None]
    hi = stats.hi[..., None]
    out: np.ndarray
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "minmax":
            span = hi - lo
            ok = span > 0
            if ok.all():  # the usual case: no row where every value is the same
                out = (x - lo) / span if direction == "max" else (hi - x) / span
            else:
                safe = np.where(ok, span, 1.0)
                val = (x - lo) / safe if direction == "max" else (hi - x) / safe
                out = np.where(ok, val, np.where(np.isnan(x), np.nan, 1.0))
        elif method == "ratio":
            if direction == "max":
                out = np.where(hi == 0, np.where(np.isnan(x), np.nan, 1.0), x / hi)
            else:
                out = np.where(x == 0, 1.0, lo / x)
        elif method == "vector":
            norm = np.sqrt(stats.sumsq)[..., None]
            val = x / norm if direction == "max" else 1.0 - x / norm
            out = np.where(norm == 0, np.where(np.isnan(x), np.nan, 1.0), val)
        else:
            raise ValueError(f"unknown normalization {method!r}")
    missing = np.isnan(out)
    if missing.any():
        out = np.where(missing, 0.0, out)
    return out


def scaled(values: np.ndarray, criterion: ResolvedCriterion, method: str) -> np.ndarray:
    """log10 of the values for a log10 criterion, with the analysis' own limits
    (`scoring.scale_values`): positive values, and > 1 unless minmax."""
    if criterion.scale != "log10":
        return values
    with np.errstate(invalid="ignore"):
        bad = values <= (0 if method == "minmax" else 1)
    if bad.any():
        raise InputError(
            f"criterion {criterion.given_as!r} is on a log10 scale and a varied value "
            f"left its range ({'> 0' if method == 'minmax' else '> 1'} with {method})",
            column=criterion.column,
        )
    logs: np.ndarray = np.log10(values)
    return logs


def normalize_rows(
    x: np.ndarray, criterion: ResolvedCriterion, method: str
) -> np.ndarray:
    """Each row of x (draws x candidates) normalized over its own candidates."""
    v = scaled(x, criterion, method)
    return normalize_with(v, RowStats.of(v, method), criterion.direction, method)


def violated(values: np.ndarray, op: str, limit: float) -> np.ndarray:
    # Same rule as `whatif.violated` (NaN breaks every limit), broadcasting over draws.
    with np.errstate(invalid="ignore"):
        ok = values <= limit if op == "<=" else values >= limit
    return ~ok


def tie_order(problem: Problem) -> np.ndarray:
    """Candidate positions sorted by the tie-break of `scoring.rank_order` after the
    score: lower cost, then name. A stable sort by score over columns in this order
    ranks exactly as `rank_order` does."""
    names = np.asarray(problem.names, dtype=object)
    name_rank = np.empty(problem.n, dtype=np.int64)
    name_rank[np.argsort(names.astype(str), kind="stable")] = np.arange(problem.n)
    cost = np.where(np.isnan(problem.cost), np.inf, problem.cost)
    return np.lexsort((name_rank, cost))
