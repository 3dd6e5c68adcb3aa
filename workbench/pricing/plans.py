"""Pricing plans for instances: on-demand, reserved for 1 or 3 years, spot.

The hourly price an instance is billed at under each plan:
    on_demand    hourly_usd = on_demand_usd_per_hour
    reserved_1y  hourly_usd = reserved_1y_usd_per_hour   (committed for every hour of 1 year)
    reserved_3y  hourly_usd = reserved_3y_usd_per_hour   (committed for every hour of 3 years)
    spot         hourly_usd = spot_usd_per_hour * (1 + spot_interruption_overhead)
The spot interruption overhead (default 0.10, i.e. +10%) stands for the instance-hours
lost when the provider reclaims a spot instance: the replacement's start-up and model
loading, work redone, and the short on-demand fallback that keeps the service up.
It is a session setting; 0 states that interruptions cost nothing.

Reserved plans are paid for every hour whether the instance runs or not; on-demand
is paid per hour used. Reserving pays off when the instance runs more than a share
of the hours (see workbench.pricing.questions):
    break_even_utilization = reserved_usd_per_hour / on_demand_usd_per_hour
"""

from __future__ import annotations

from typing import Literal

Plan = Literal["on_demand", "reserved_1y", "reserved_3y", "spot"]
PLANS: tuple[str, ...] = ("on_demand", "reserved_1y", "reserved_3y", "spot")
DEFAULT_PLAN: Plan = "on_demand"
DEFAULT_SPOT_INTERRUPTION_OVERHEAD = 0.10

# The catalogue column holding each plan's price.
PLAN_COLUMNS: dict[str, str] = {
    "on_demand": "on_demand_usd_per_hour",
    "reserved_1y": "reserved_1y_usd_per_hour",
    "reserved_3y": "reserved_3y_usd_per_hour",
    "spot": "spot_usd_per_hour",
}
PLAN_LABELS: dict[str, str] = {
    "on_demand": "on-demand",
    "reserved_1y": "reserved 1 year",
    "reserved_3y": "reserved 3 years",
    "spot": "spot",
}


def effective_hourly(
    listed_usd_per_hour: float, plan: str,
    spot_interruption_overhead: float = DEFAULT_SPOT_INTERRUPTION_OVERHEAD,
) -> float:
    """The hourly price billed under `plan`, given the plan's listed price."""
    if plan not in PLANS:
        raise ValueError(f"plan must be one of {', '.join(PLANS)}, got {plan!r}")
    if plan == "spot":
        return listed_usd_per_hour * (1.0 + spot_interruption_overhead)
    return listed_usd_per_hour
