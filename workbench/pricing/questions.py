"""The questions people ask of a cost model: API or self-host, reserve or not, capacity.

API or self-host? With V the volume per day and D the days per month:
    A(V) = a_api * V + f_api                            the API candidate's monthly cost
    S(V) = N(V) * hourly_usd * hours_per_month + a_sh * V + f_sh     the self-hosted one
    N(V) = max(min_instances, ceil(V / q))
    q = throughput_per_s * utilization * 86400 / peak_to_average
    a_api = cost_per_1k / 1000 * D;  a_sh = the self-hosted per-request costs (egress ...) * D
    f_api, f_sh = fixed monthly costs of each (0 unless given)
The break-even volume V* is the smallest volume above which self-hosting is cheaper
at every volume: S(V) < A(V) for all V > V*, and S(V*) >= A(V*). S steps up by one
instance-month where V crosses k * q, so self-hosting can be cheaper just below a
step and dearer just above it; V* accounts for every step. With a = a_api - a_sh,
f = f_api - f_sh and H = hourly_usd * hours_per_month, on the step of k instances
self-hosting is not cheaper up to W_k = (k * H - f) / a, so
    V* = min(W_k*, k* * q) for the largest k* whose step starts below W_k*
(0 when self-hosting is cheaper at every volume). There is no V* (None) when the API
costs no more per request than a fully used instance does (a <= H / q, up to the
fixed costs): the steps then keep catching up with the API's cost.

Reserve or not? A reserved instance is paid for every hour; an on-demand one for the
hours it runs. With u the share of hours an instance runs (its duty cycle):
    on-demand cost = on_demand_usd_per_hour * u * hours_per_month
    reserved cost  = reserved_usd_per_hour * hours_per_month
    break_even_utilization = reserved_usd_per_hour / on_demand_usd_per_hour
Reserving is cheaper when u > break_even_utilization. At the workload:
    saving_monthly_usd = instances * (on_demand_usd_per_hour * u - reserved_usd_per_hour)
                         * hours_per_month       (u = 1 for a fleet that runs all month)

Capacity: instances needed at the workload and at each sweep multiplier,
    instances(volume_per_day * multiplier)   (workbench.pricing.instances)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from workbench.pricing import instances as inst
from workbench.pricing.catalogue import InstanceType
from workbench.pricing.plans import PLAN_LABELS
from workbench.pricing.resolve import PricedCandidates


@dataclass(frozen=True)
class ApiSide:
    cost_per_1k: float  # USD per 1k requests
    fixed_monthly_usd: float = 0.0


@dataclass(frozen=True)
class SelfHostSide:
    hourly_usd: float  # billed per instance-hour, plan applied
    throughput_per_s: float
    utilization: float = inst.DEFAULT_UTILIZATION
    peak_to_average: float = inst.DEFAULT_PEAK_TO_AVERAGE
    min_instances: float = inst.DEFAULT_MIN_INSTANCES
    hours_per_month: float = inst.DEFAULT_HOURS_PER_MONTH
    usd_per_1k_extra: float = 0.0  # per-request costs on top of the instances (egress ...)
    fixed_monthly_usd: float = 0.0


def api_monthly(
    api: ApiSide, volume_per_day: np.ndarray | float, days_per_month: float
) -> np.ndarray:
    """A(V) of the module docstring."""
    v = np.asarray(volume_per_day, dtype=float)
    out: np.ndarray = api.cost_per_1k / 1000.0 * v * days_per_month + api.fixed_monthly_usd
    return out


def self_host_monthly(
    side: SelfHostSide, volume_per_day: np.ndarray | float, days_per_month: float
) -> np.ndarray:
    """S(V) of the module docstring, with N(V) from workbench.pricing.instances."""
    v = np.asarray(volume_per_day, dtype=float)
    n = inst.instances_needed(v, side.throughput_per_s, side.utilization, side.peak_to_average,
                              side.min_instances)
    out: np.ndarray = (inst.instance_monthly_usd(n, side.hourly_usd, side.hours_per_month)
                       + side.usd_per_1k_extra / 1000.0 * v * days_per_month
                       + side.fixed_monthly_usd)
    return out


@dataclass(frozen=True)
class BreakEven:
    volume_per_day: float | None  # None: self-hosting is never cheaper for good
    instances: float | None  # instances needed just above the break-even volume
    explanation: str


def api_vs_self_host(api: ApiSide, side: SelfHostSide, days_per_month: float = 30.0) -> BreakEven:
    """The break-even volume per day of the module docstring (exact, steps included)."""
    a = (api.cost_per_1k - side.usd_per_1k_extra) / 1000.0 * days_per_month
    f = api.fixed_monthly_usd - side.fixed_monthly_usd
    step = side.hourly_usd * side.hours_per_month  # H: one instance-month
    q = float(inst.capacity_per_day(side.throughput_per_s, side.utilization, side.peak_to_average))
    m = int(side.min_instances)
    k0 = max(m, 1)
    never = BreakEven(None, None, "self-hosting is never cheaper for good: an API request "
                      "costs no more than a fully used instance's share")
    if not a > 0:
        if step == 0 and a == 0 and f > 0:
            return BreakEven(0.0, float(k0), "self-hosting is cheaper at every volume")
        return never
    if step == 0 or q == math.inf:
        # Instances cost nothing (or serve any volume): only the linear parts differ.
        level = -f / a
        if level >= 0:
            return BreakEven(level, float(k0), "self-hosting is cheaper above this volume")
        return BreakEven(0.0, float(k0), "self-hosting is cheaper at every volume")

    def w(k: int) -> float:
        return (k * step - f) / a

    def starts(k: int) -> float:
        return 0.0 if k == k0 else (k - 1) * q

    def not_cheaper_on(k: int) -> bool:
        # The step of k instances holds volumes in (starts(k), k q]; self-hosting is
        # not cheaper on it up to W_k.
        return w(k) > starts(k)

    c = step / a
    g = f / a
    if c > q or (c == q and g < q):
        return never
    if c < q:
        ratio = (q - g) / (q - c)
        guess = max(k0, math.ceil(ratio) - 1) if math.isfinite(ratio) else k0
        guess = min(guess, 10**15)
        # Float rounding may put the guess one off: settle it with the exact test.
        k = guess + 2
        while k > guess - 3 and k >= k0 and not not_cheaper_on(k):
            k -= 1
        top = k if k >= k0 and not_cheaper_on(k) else None
    else:  # c == q and g >= q: only the first step can be not cheaper
        top = k0 if not_cheaper_on(k0) else None
    if top is None:
        at_zero = (m * step - f) >= 0  # S(0) >= A(0)
        if at_zero:
            return BreakEven(0.0, float(k0), "self-hosting is cheaper at every volume above 0")
        return BreakEven(0.0, float(k0), "self-hosting is cheaper at every volume")
    volume = min(w(top), top * q)
    above = top if volume < top * q else top + 1
    return BreakEven(volume, float(above),
                     f"self-hosting is cheaper at every volume above this one "
                     f"({above} instance(s) just above it)")


def api_vs_self_host_of(
    priced: PricedCandidates, api: int, self_hosted: int,
    fixed_monthly_usd: np.ndarray | None = None,
) -> BreakEven:
    """The break-even between two candidates of a PricedCandidates (by position)."""
    if priced.modes[self_hosted] != "instance":
        raise ValueError(f"{priced.names[self_hosted]!r} is not priced on instances")
    if priced.modes[api] == "instance":
        raise ValueError(f"{priced.names[api]!r} is priced on instances, not per request")
    fixed = np.zeros(len(priced.names)) if fixed_monthly_usd is None else fixed_monthly_usd
    return api_vs_self_host(
        ApiSide(float(priced.usd_per_request[api] * 1000.0), float(fixed[api])),
        SelfHostSide(
            float(priced.hourly_usd[self_hosted]), float(priced.throughput_per_s[self_hosted]),
            float(priced.utilization[self_hosted]), priced.peak_to_average,
            float(priced.min_instances[self_hosted]), priced.hours_per_month,
            fixed_monthly_usd=float(fixed[self_hosted]),
        ),
        priced.days_per_month,
    )


@dataclass(frozen=True)
class ReserveAnswer:
    plan: str  # "reserved_1y" | "reserved_3y"
    on_demand_usd_per_hour: float
    reserved_usd_per_hour: float
    break_even_utilization: float  # reserve when the duty cycle is above this
    instances: float
    duty_cycle: float
    saving_monthly_usd: float  # > 0: reserving saves this much a month at the workload

    @property
    def label(self) -> str:
        return PLAN_LABELS[self.plan]


def reserve_break_even(on_demand_usd_per_hour: float, reserved_usd_per_hour: float) -> float:
    """reserved / on_demand: the duty cycle above which reserving is cheaper."""
    if not on_demand_usd_per_hour > 0:
        raise ValueError("the on-demand price must be > 0")
    return reserved_usd_per_hour / on_demand_usd_per_hour


def reserve_vs_on_demand(
    on_demand_usd_per_hour: float, reserved_usd_per_hour: float, instances: float,
    hours_per_month: float = inst.DEFAULT_HOURS_PER_MONTH, duty_cycle: float = 1.0,
    plan: str = "reserved_1y",
) -> ReserveAnswer:
    """Break-even duty cycle and the monthly saving at the workload (module docstring)."""
    if not 0 <= duty_cycle <= 1:
        raise ValueError(f"duty_cycle must be within 0..1, got {duty_cycle}")
    saving = (
        instances * (on_demand_usd_per_hour * duty_cycle - reserved_usd_per_hour) * hours_per_month
    )
    return ReserveAnswer(plan, on_demand_usd_per_hour, reserved_usd_per_hour,
                         reserve_break_even(on_demand_usd_per_hour, reserved_usd_per_hour),
                         instances, duty_cycle, saving)


def reserve_answers(
    entry: InstanceType, instances: float,
    hours_per_month: float = inst.DEFAULT_HOURS_PER_MONTH, duty_cycle: float = 1.0,
) -> tuple[ReserveAnswer, ReserveAnswer]:
    """Reserve 1 year and 3 years against on-demand, for a catalogue instance."""
    def answer(plan: str) -> ReserveAnswer:
        return reserve_vs_on_demand(entry.on_demand_usd_per_hour, entry.listed(plan), instances,
                                    hours_per_month, duty_cycle, plan)

    return answer("reserved_1y"), answer("reserved_3y")


def capacity_at_multipliers(
    priced: PricedCandidates, volume_per_day: float, multipliers: Sequence[float]
) -> np.ndarray:
    """Instances per candidate at volume_per_day * each multiplier: shape
    (len(multipliers), n); NaN for candidates not priced on instances."""
    volumes = np.asarray(multipliers, dtype=float) * volume_per_day
    return priced.instances_at(volumes)
