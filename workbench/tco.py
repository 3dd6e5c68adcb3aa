"""Total cost of ownership and headroom: the memo's figures beyond the analysis.

Total cost of ownership over the horizon, per candidate, at the current volume:
    inference_usd = inference_monthly_usd * horizon_months
    fixed_usd     = fixed_monthly_usd * horizon_months
    one_time_usd  = one_time_usd                        (paid once)
    total_usd     = inference_usd + fixed_usd + one_time_usd
A missing fixed or one-time cost counts as 0, as in workbench/costs.py. The total
equals monthly_cost_usd * horizon_months, since monthly_cost_usd spreads the one-time
cost over the horizon.

Headroom of a value against a limit (how far inside the limit it is):
    headroom     = limit - value    for a maximum (op "<=")
                 = value - limit    for a minimum (op ">=")
    headroom_pct = headroom / |limit| * 100             (undefined when the limit is 0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.costs import optional_cost


@dataclass(frozen=True)
class HorizonCost:
    """Total cost of ownership parts per candidate (arrays in the order given)."""

    horizon_months: float
    inference_usd: np.ndarray  # NaN when there is no volume
    fixed_usd: np.ndarray
    one_time_usd: np.ndarray
    total_usd: np.ndarray  # NaN when there is no volume


def _zero_missing(values: np.ndarray | None, n: int) -> np.ndarray:
    # Same rule as workbench.costs: a missing optional cost is no cost.
    if values is None:
        return np.zeros(n)
    out: np.ndarray = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    return out


def horizon_cost(
    inference_monthly_usd: np.ndarray,
    fixed_monthly_usd: np.ndarray | None,
    one_time_usd: np.ndarray | None,
    horizon_months: float,
) -> HorizonCost:
    """Total cost of ownership over `horizon_months` (see the module docstring)."""
    if not (horizon_months > 0 and math.isfinite(horizon_months)):
        raise ValueError(f"horizon_months must be a finite number > 0, got {horizon_months}")
    inference = np.asarray(inference_monthly_usd, dtype=float) * horizon_months
    n = inference.shape[0]
    fixed = _zero_missing(fixed_monthly_usd, n) * horizon_months
    once = _zero_missing(one_time_usd, n)
    return HorizonCost(horizon_months, inference, fixed, once, inference + fixed + once)


def horizon_cost_of(table: pd.DataFrame, horizon_months: float) -> HorizonCost:
    """`horizon_cost` for an analysis table (rank order in, rank order out)."""

    if "inference_monthly_usd" in table.columns:
        inference = table["inference_monthly_usd"].to_numpy(dtype=float)
    else:
        inference = np.full(len(table), np.nan)
    return horizon_cost(
        inference,
        optional_cost(table, "fixed_monthly_usd"),
        optional_cost(table, "one_time_usd"),
        horizon_months,
    )


def headroom(value: float, limit: float, op: str) -> tuple[float, float]:
    """(headroom, headroom_pct) of `value` inside `limit`; negative when it breaks it.

    `op` is what a feasible value satisfies: "<=" for a maximum, ">=" for a minimum.
    headroom_pct is NaN when the limit is 0.
    """
    if op == "<=":
        room = limit - value
    elif op == ">=":
        room = value - limit
    else:
        raise ValueError(f"op must be '<=' or '>=', got {op!r}")
    pct = room / abs(limit) * 100.0 if limit != 0 else math.nan
    return float(room), float(pct)
