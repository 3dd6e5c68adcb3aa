"""Derived cost metrics: what each candidate costs at the stated workload.

Per candidate, at the stated workload:
    monthly_volume              = volume_per_day * days_per_month
    inference_monthly_usd       = cost_per_1k * monthly_volume / 1000
    monthly_cost_usd            = inference_monthly_usd + fixed_monthly_usd
                                  + one_time_usd / horizon_months
    cost_per_accuracy_point     = cost_per_1k / accuracy
    cost_per_1k_correct         = cost_per_1k / (accuracy / 100)
    max_volume_per_day_in_budget = (budget - fixed_monthly_usd - one_time_usd / horizon)
                                   / (cost_per_1k / 1000) / days_per_month
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.columns import VOLUME_DEPENDENT  # noqa: F401 - re-exported for whatif
from workbench.model import Constraints, Workload


def optional_cost(frame: pd.DataFrame, column: str) -> np.ndarray:
    # Missing optional costs count as 0, whether the column or just the cell is absent.
    if column not in frame.columns:
        return np.zeros(len(frame))
    return np.nan_to_num(frame[column].to_numpy(dtype=float), nan=0.0)


def overhead_monthly_usd(frame: pd.DataFrame, workload: Workload) -> np.ndarray:
    """Fixed monthly cost plus the one-time cost spread over the horizon."""
    return optional_cost(frame, "fixed_monthly_usd") + optional_cost(frame, "one_time_usd") / (
        workload.horizon_months
    )


def monthly_cost(
    cost_per_1k: np.ndarray, overhead: np.ndarray, monthly_volume: float
) -> tuple[np.ndarray, np.ndarray]:
    """(inference_monthly_usd, monthly_cost_usd) at one monthly volume."""
    inference = cost_per_1k * monthly_volume / 1000.0
    return inference, inference + overhead


def derive_costs(
    frame: pd.DataFrame, workload: Workload, constraints: Constraints
) -> dict[str, np.ndarray]:
    """All per-candidate cost columns, as float arrays (NaN where undefined)."""
    n = len(frame)
    cost = frame["cost_per_1k"].to_numpy(dtype=float)
    accuracy = frame["accuracy"].to_numpy(dtype=float)
    overhead = overhead_monthly_usd(frame, workload)
    volume = workload.monthly_volume
    if volume is None:
        inference = np.full(n, np.nan)
        total = np.full(n, np.nan)
    else:
        inference, total = monthly_cost(cost, overhead, volume)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        per_point = np.where(accuracy > 0, cost / accuracy, np.nan)
        per_correct = np.where(accuracy > 0, cost / (accuracy / 100.0), np.nan)
        budget = constraints.monthly_budget_usd
        if budget is None:
            max_volume = np.full(n, np.nan)
        else:
            headroom = np.maximum(budget - overhead, 0.0)
            max_volume = np.where(
                cost > 0, headroom / (cost / 1000.0) / workload.days_per_month, np.nan
            )
    return {
        "monthly_cost_usd": total,
        "inference_monthly_usd": inference,
        "cost_per_accuracy_point": per_point,
        "cost_per_1k_correct": per_correct,
        "max_volume_per_day_in_budget": max_volume,
    }
