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

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from workbench.columns import names_of, priced_elsewhere
from workbench.model import Constraints, Scenario, Workload

if TYPE_CHECKING:
    from workbench.pricing.ledger import Ledger
    from workbench.pricing.resolve import PricedCandidates, PricingDefaults


def optional_cost(frame: pd.DataFrame, column: str) -> np.ndarray:
    # Missing optional costs count as 0, whether the column or just the cell is absent.
    if column not in frame.columns:
        return np.zeros(len(frame))
    costs: np.ndarray = np.nan_to_num(frame[column].to_numpy(dtype=float), nan=0.0)
    return costs


def overhead_monthly_usd(frame: pd.DataFrame, workload: Workload) -> np.ndarray:
    """Fixed monthly cost plus the one-time cost spread over the horizon."""
    return optional_cost(frame, "fixed_monthly_usd") + optional_cost(frame, "one_time_usd") / (
        workload.horizon_months
    )


def monthly_cost(
    cost_per_1k: np.ndarray, overhead: np.ndarray, monthly_volume: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """(inference_monthly_usd, monthly_cost_usd) at one monthly volume, or at several
    (an array that broadcasts against the costs)."""
    inference = cost_per_1k * monthly_volume / 1000.0
    return inference, inference + overhead


def pricing_defaults(scenario: Scenario) -> PricingDefaults:
    """The pricing engine's defaults from a scenario's [pricing] and workload."""
    from workbench.pricing.resolve import PricingDefaults

    p = scenario.pricing
    return PricingDefaults(
        input_tokens_per_request=p.input_tokens_per_request,
        output_tokens_per_request=p.output_tokens_per_request,
        cached_input_tokens_per_request=p.cached_input_tokens_per_request,
        utilization=p.utilization,
        peak_to_average=scenario.workload.peak_to_average,
        min_instances=p.min_instances,
        hours_per_month=p.hours_per_month,
        plan=p.plan,
        spot_interruption_overhead=p.spot_interruption_overhead,
        prices_as_of=p.prices_as_of,
    )


def price(scenario: Scenario) -> PricedCandidates | None:
    """Every candidate priced by the pricing engine, or None for a table that only has
    cost_per_1k (the common case: nothing to resolve, nothing to pay for it)."""
    frame = scenario.candidates
    if not priced_elsewhere(list(frame.columns)):
        return None
    from workbench.pricing.resolve import resolve_pricing

    w = scenario.workload
    return resolve_pricing(frame, pricing_defaults(scenario), w.volume_per_day,
                           w.days_per_month, label="candidates")


def derive_costs(
    frame: pd.DataFrame,
    workload: Workload,
    constraints: Constraints,
    priced: PricedCandidates | None = None,
) -> dict[str, np.ndarray]:
    """All per-candidate cost columns, as float arrays (NaN where undefined)."""
    n = len(frame)
    cost = frame["cost_per_1k"].to_numpy(dtype=float) if priced is None else priced.cost_per_1k
    accuracy = frame["accuracy"].to_numpy(dtype=float)
    overhead = overhead_monthly_usd(frame, workload)
    volume = workload.monthly_volume
    if volume is None:
        inference = np.full(n, np.nan)
        total = np.full(n, np.nan)
    elif priced is not None:
        inference = priced.inference_monthly_usd
        total = inference + overhead
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
            per_request = cost if priced is None else priced.usd_per_request * 1000.0
            max_volume = np.where(
                per_request > 0, headroom / (per_request / 1000.0) / workload.days_per_month,
                np.nan,
            )
            if priced is not None and priced.is_instance.any():
                max_volume = np.where(priced.is_instance,
                                      _instance_volume_in_budget(priced, headroom), max_volume)
    return {
        "monthly_cost_usd": total,
        "inference_monthly_usd": inference,
        "cost_per_accuracy_point": per_point,
        "cost_per_1k_correct": per_correct,
        "max_volume_per_day_in_budget": max_volume,
    }


def _instance_volume_in_budget(priced: PricedCandidates, headroom: np.ndarray) -> np.ndarray:
    """Volume per day the budget affords a candidate priced on instances:
    instances_in_budget = floor((budget - fixed_monthly_usd - one_time_usd / horizon)
                                / (hourly_usd * hours_per_month))
    max_volume_per_day_in_budget = instances_in_budget * throughput_per_s * utilization
                                   * 86400 / peak_to_average
                                   (0 when instances_in_budget < min_instances)
    """
    instance_month = priced.hourly_usd * priced.hours_per_month
    with np.errstate(divide="ignore", invalid="ignore"):
        fleet = np.floor(headroom / instance_month)
        per_instance = (
            priced.throughput_per_s * priced.utilization * 86400.0 / priced.peak_to_average
        )
        volume = np.where(fleet < priced.min_instances, 0.0, fleet * per_instance)
    out: np.ndarray = np.where(instance_month > 0, volume, np.nan)
    return out


def error_columns(
    accuracy: np.ndarray, monthly_cost_usd: np.ndarray, monthly_volume: float,
    error_cost_usd: float,
) -> dict[str, np.ndarray]:
    """What wrong predictions cost (workbench.robustness.errors states the formulas):
    errors_per_month = (1 - accuracy / 100) * monthly_volume; error_cost_monthly_usd =
    errors_per_month * error_cost_usd; total_monthly_cost_usd = monthly_cost_usd +
    error_cost_monthly_usd."""
    from workbench.robustness.errors import errors_per_month

    errors = errors_per_month(accuracy, monthly_volume)
    error_cost = errors * error_cost_usd
    return {"errors_per_month": errors, "error_cost_monthly_usd": error_cost,
            "total_monthly_cost_usd": monthly_cost_usd + error_cost}


def cost_ledger(
    scenario: Scenario,
    frame: pd.DataFrame,
    inference_monthly_usd: np.ndarray,
    monthly_volume: float | None = None,
) -> Ledger | None:
    """The cost-of-ownership ledger (workbench.pricing.ledger) of every candidate, or
    None when the session has no ledger items and the cost basis is monthly: then the
    ledger would only repeat monthly_cost_usd."""
    tco = scenario.tco
    if not tco.items and tco.cost_basis != "tco":
        return None
    if scenario.workload.volume_per_day is None and monthly_volume is None:
        return None
    from workbench.pricing.ledger import LedgerItem, build_ledger

    items = [LedgerItem.from_dict(dict(item)) for item in tco.items]
    volume = scenario.workload.monthly_volume if monthly_volume is None else monthly_volume
    return build_ledger(
        names_of(frame), inference_monthly_usd, items,
        horizon_months=scenario.workload.horizon_months, monthly_volume=volume,
        retrainings_per_year=tco.retrainings_per_year,
        fixed_monthly_usd=optional_cost(frame, "fixed_monthly_usd"),
        one_time_usd=optional_cost(frame, "one_time_usd"),
    )
