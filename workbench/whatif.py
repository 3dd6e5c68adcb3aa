"""What-if questions: the volume sweep and the accuracy delta against a baseline.

Volume sweep, for each multiplier m of the volume:
    volume_per_day(m)   = m * volume_per_day
    monthly_cost_usd(m) = cost_per_1k * volume_per_day(m) * days_per_month / 1000
                          + fixed_monthly_usd + one_time_usd / horizon_months
    the budget check and any cost criterion are re-evaluated at that volume (the other
    constraints do not depend on volume) and the pick is the rank-1 feasible candidate.

Accuracy delta against a baseline (the chosen one, else the recommendation, else the
cheapest candidate), per candidate:
    delta_accuracy_pp          = accuracy - baseline accuracy
    errors_avoided_per_month   = delta_accuracy_pp / 100 * monthly_volume
    delta_monthly_cost_usd     = monthly_cost_usd - baseline monthly_cost_usd
    cost_per_avoided_error_usd = delta_monthly_cost_usd / errors_avoided_per_month
                                 (only where errors_avoided_per_month > 0)
    net_monthly_value_usd      = errors_avoided_per_month * error_cost
                                 - delta_monthly_cost_usd   (with an error cost)
    value_of_one_point_usd     = 0.01 * monthly_volume * error_cost   (for the baseline)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from workbench.columns import VOLUME_DEPENDENT
from workbench.costs import overhead_monthly_usd
from workbench.errors import InputError, Note
from workbench.model import Scenario
from workbench.scoring import ResolvedCriterion, best_index, score_matrix

if TYPE_CHECKING:
    from workbench.pricing.resolve import PricedCandidates


def violated(values: np.ndarray, op: str, limit: float) -> np.ndarray:
    """Mask of values breaking `op limit`; a missing value (NaN) breaks every limit."""
    with np.errstate(invalid="ignore"):
        ok = values <= limit if op == "<=" else values >= limit
    return ~ok


@dataclass(frozen=True)
class VolumeSweep:
    multipliers: np.ndarray
    volumes_per_day: np.ndarray
    recommendations: list[str | None]
    monthly_cost_usd: np.ndarray  # (candidates in rank order) x (multipliers)
    feasible: np.ndarray  # same shape, bool
    # Instances needed, same shape, NaN for candidates not on instances; None when no
    # candidate is priced on instances.
    instances: np.ndarray | None = None


@dataclass(frozen=True)
class AccuracyDelta:
    baseline: str
    baseline_reason: str
    error_cost_usd: float | None
    value_of_one_point_usd: float | None
    rows: pd.DataFrame  # rank order: name, delta_accuracy_pp, errors_avoided_per_month, ...


def volume_sweep(
    scenario: Scenario,
    columns: dict[str, np.ndarray],
    criteria: tuple[ResolvedCriterion, ...],
    specs: list[tuple[str, str, str, float]],
    order: np.ndarray,
    table: pd.DataFrame,
    contributions: pd.DataFrame,
    notes: list[str],
    *,
    priced: PricedCandidates | None = None,
    ledger_at: Callable[[np.ndarray, float], np.ndarray] | None = None,
    rank_by_total: float | None = None,
) -> VolumeSweep | None:
    workload = scenario.workload
    if workload.volume_per_day is None:
        notes.append(Note("sweep_skipped",
                          "volume sweep skipped: it needs a volume (--volume-per-day)"))
        return None
    multipliers = np.asarray(scenario.whatif.volume_multipliers, dtype=float)
    # Work in rank order throughout, so the result needs no reordering per volume.
    cost_per_1k = columns["cost_per_1k"][order]
    overhead = overhead_monthly_usd(scenario.candidates, workload)[order]
    ranked_names = table["name"].reset_index(drop=True)
    accuracy_ranked = table["accuracy"].to_numpy(dtype=float)
    n = order.shape[0]
    # Column-major: each volume writes one contiguous column.
    costs = np.empty((n, multipliers.size), order="F")
    feasible = np.empty((n, multipliers.size), dtype=bool, order="F")
    picks: list[str | None] = []
    base_ok = np.ones(n, dtype=bool)
    for _, col, op, lim in specs:
        if col not in VOLUME_DEPENDENT:
            base_ok &= ~violated(columns[col], op, lim)
    base_ok = base_ok[order]
    dependent = tuple(c for c in criteria if c.column in VOLUME_DEPENDENT)
    # With no fixed or one-time costs, monthly cost is proportional to volume and every
    # normalization here is scale-invariant, so the scores do not move with volume.
    # Instance fleets step, and ledger lines need not scale: those are re-scored too.
    has_overhead = bool(overhead.any())
    stepped = priced is not None and bool(priced.is_instance.any())
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size)
    instances = (np.full((n, multipliers.size), np.nan, order="F") if stepped else None)
    # log10 of a cost shifts (not scales) with volume, which minmax ignores but ratio
    # and vector do not: those cases are re-scored at every volume too.
    shifted = scenario.scoring.normalization != "minmax" and any(
        c.scale == "log10" for c in dependent
    )
    rescore = bool(dependent) and (has_overhead or shifted or stepped or ledger_at is not None)
    fixed_part = table["score"].to_numpy()
    if rescore:
        for c in dependent:
            fixed_part = fixed_part - contributions[c.column].to_numpy()
    for j, m in enumerate(multipliers):
        monthly = workload.volume_per_day * m * workload.days_per_month
        total = costs[:, j]
        if priced is None:
            np.multiply(cost_per_1k, monthly / 1000.0, out=total)
        else:
            total[:] = priced.monthly_at(workload.volume_per_day * m)[order]
            if instances is not None:
                instances[:, j] = priced.instances_at(workload.volume_per_day * m)[order]
        if has_overhead:
            inference = total.copy()
            total += overhead
        else:
            inference = total
        at_volume = {"monthly_cost_usd": total, "inference_monthly_usd": inference}
        if ledger_at is not None:
            # The ledger is built in table order; the sweep works in rank order.
            at_volume["tco_monthly_usd"] = ledger_at(inference[inverse], monthly)[order]
        error_cost = scenario.whatif.error_cost_usd
        if error_cost is not None:
            errors = (1.0 - accuracy_ranked / 100.0) * monthly
            at_volume["errors_per_month"] = errors
            at_volume["error_cost_monthly_usd"] = errors * error_cost
            at_volume["total_monthly_cost_usd"] = total + errors * error_cost
        ok = feasible[:, j]
        ok[:] = base_ok
        for _, col, op, lim in specs:
            if col in VOLUME_DEPENDENT:
                ok &= ~violated(at_volume[col], op, lim)
        score = fixed_part
        if rescore:
            try:
                extra, _, _ = score_matrix(at_volume, dependent, scenario.scoring.normalization)
            except InputError as exc:
                notes.append(Note("sweep_unscorable",
                                  f"volume x{m:g}: no pick, the criteria cannot be scored "
                                  f"there ({exc})"))
                picks.append(None)
                continue
            score = fixed_part + extra
        if rank_by_total is not None:
            # Ranked by lowest total cost: the pick at this volume is the cheapest in total.
            score = -at_volume["total_monthly_cost_usd"]
        best = best_index(score, ok, total, ranked_names)
        picks.append(None if best is None else str(ranked_names.iloc[best]))
    notes.append(Note(
        "sweep_method",
        "volume sweep: at each volume the monthly costs, the budget check and any "
        "volume-dependent criterion are recomputed; other constraints are unchanged"
    ))
    return VolumeSweep(
        multipliers=multipliers,
        volumes_per_day=multipliers * workload.volume_per_day,
        recommendations=picks,
        monthly_cost_usd=costs,
        feasible=feasible,
        instances=instances,
    )


def accuracy_delta(
    scenario: Scenario,
    table: pd.DataFrame,
    recommended: str | None,
    cost_column: str,
) -> AccuracyDelta:
    whatif = scenario.whatif
    names = table["name"]
    if whatif.baseline is not None:
        if not bool((names == whatif.baseline).any()):
            raise InputError(
                f"baseline {whatif.baseline!r} is not a candidate name", key="baseline"
            )
        baseline = whatif.baseline
        why = "chosen by the user"
    elif recommended is not None:
        baseline = recommended
        why = "the recommendation"
    else:
        cheapest = int(np.argmin(table[cost_column].to_numpy(dtype=float)))
        baseline = str(names.iloc[cheapest])
        why = "the cheapest candidate (there is no recommendation)"
    base = table.iloc[int(np.flatnonzero((names == baseline).to_numpy())[0])]
    monthly_volume = scenario.workload.monthly_volume
    accuracy = table["accuracy"].to_numpy(dtype=float)
    delta_pp = accuracy - float(base["accuracy"])
    monthly = table["monthly_cost_usd"].to_numpy(dtype=float)
    if monthly_volume is None:
        avoided = np.full(len(table), np.nan)
        delta_cost = np.full(len(table), np.nan)
    else:
        avoided = delta_pp / 100.0 * monthly_volume
        delta_cost = monthly - float(base["monthly_cost_usd"])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        per_error = np.where(avoided > 0, delta_cost / avoided, np.nan)
    error_cost = whatif.error_cost_usd
    rows = pd.DataFrame(
        {
            "name": names,
            "delta_accuracy_pp": delta_pp,
            "errors_avoided_per_month": avoided,
            "delta_monthly_cost_usd": delta_cost,
            "cost_per_avoided_error_usd": per_error,
        },
        index=table.index,
        copy=False,  # fresh arrays: one block each, not a consolidating copy of them all
    )
    if error_cost is not None:
        rows["net_monthly_value_usd"] = avoided * error_cost - delta_cost
    value_point = (
        0.01 * monthly_volume * error_cost
        if (error_cost is not None and monthly_volume is not None)
        else None
    )
    return AccuracyDelta(baseline, why, error_cost, value_point, rows)
