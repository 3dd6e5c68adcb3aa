"""Self-hosting on instances: how many instances a workload needs and what they cost.

Per candidate served from instances (GPU or CPU machines billed by the hour):
    peak_rps   = volume_per_day / 86400 * peak_to_average
    instances  = max(min_instances, ceil(peak_rps / (throughput_per_s * utilization)))
    monthly    = instances * hourly_usd * hours_per_month
    cost_per_1k (effective at the workload) = monthly / (volume_per_day * days_per_month / 1000)
where
    throughput_per_s = requests per second one instance serves at the candidate's latency
    utilization      = the target share of that throughput in use at peak (default 0.7)
    peak_to_average  = the workload's peak rate over its daily average (default 1.0)
    min_instances    = instances kept running at any volume (default 1)
    hours_per_month  = billed hours per month (default 730 = 8760 / 12)
    hourly_usd       = the price per instance-hour under the chosen plan
                       (see workbench.pricing.plans)
Monthly cost is a step function of volume: one more instance is added exactly
where peak_rps / (throughput_per_s * utilization) passes an integer. A ratio within
1e-9 (relative) of an integer k >= 1 counts as k, so that an exact integer ratio never
rounds up because of binary floating point (0.7 is not exact in binary).

Without a volume there is no instance count; the cost per 1k is then the figure at
the target utilization: hourly_usd / (throughput_per_s * utilization * 3600) * 1000.
"""

from __future__ import annotations

import numpy as np

SECONDS_PER_DAY = 86400.0
SECONDS_PER_HOUR = 3600.0
DEFAULT_HOURS_PER_MONTH = 730.0
DEFAULT_UTILIZATION = 0.7
DEFAULT_PEAK_TO_AVERAGE = 1.0
DEFAULT_MIN_INSTANCES = 1
# Relative distance from an integer under which a ratio counts as that integer: far
# above float rounding (~1e-16), far below any real capacity margin.
INTEGER_SNAP = 1e-9


def peak_rps(volume_per_day: np.ndarray | float, peak_to_average: np.ndarray | float) -> np.ndarray:
    """Requests per second at the peak: volume_per_day / 86400 * peak_to_average."""
    out: np.ndarray = np.asarray(volume_per_day, dtype=float) / SECONDS_PER_DAY * np.asarray(
        peak_to_average, dtype=float
    )
    return out


def ceil_snapped(ratio: np.ndarray | float) -> np.ndarray:
    """ceil(ratio), except that a ratio within INTEGER_SNAP (relative) of an integer
    k >= 1 is k. Monotone: a larger ratio never gives a smaller count."""
    r = np.asarray(ratio, dtype=float)
    nearest = np.rint(r)
    close = (nearest >= 1) & (np.abs(r - nearest) <= INTEGER_SNAP * np.abs(r))
    out: np.ndarray = np.where(close, nearest, np.ceil(r))
    return out


def instances_needed(
    volume_per_day: np.ndarray | float,
    throughput_per_s: np.ndarray | float,
    utilization: np.ndarray | float = DEFAULT_UTILIZATION,
    peak_to_average: np.ndarray | float = DEFAULT_PEAK_TO_AVERAGE,
    min_instances: np.ndarray | float = DEFAULT_MIN_INSTANCES,
) -> np.ndarray:
    """max(min_instances, ceil(peak_rps / (throughput_per_s * utilization))), broadcast.

    Inputs broadcast with numpy rules: a column of volumes against a row of
    candidates gives a (volumes, candidates) grid.
    """
    volume = np.asarray(volume_per_day, dtype=float)
    rps = peak_rps(volume, peak_to_average)
    per_instance = np.asarray(throughput_per_s, dtype=float) * np.asarray(utilization, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        ratio = rps / per_instance
    # Any positive volume needs an instance, even one so small its ratio underflows to 0.
    needed = np.where(volume > 0, np.maximum(ceil_snapped(ratio), 1.0), ceil_snapped(ratio))
    out: np.ndarray = np.maximum(np.asarray(min_instances, dtype=float), needed)
    return out


def instance_monthly_usd(
    instances: np.ndarray | float,
    hourly_usd: np.ndarray | float,
    hours_per_month: float = DEFAULT_HOURS_PER_MONTH,
) -> np.ndarray:
    """instances * hourly_usd * hours_per_month."""
    out: np.ndarray = (
        np.asarray(instances, dtype=float) * np.asarray(hourly_usd, dtype=float) * hours_per_month
    )
    return out


def effective_cost_per_1k(
    monthly_usd: np.ndarray | float, volume_per_day: float, days_per_month: float
) -> np.ndarray:
    """monthly / (volume_per_day * days_per_month / 1000); NaN at zero volume."""
    monthly = np.asarray(monthly_usd, dtype=float)
    requests_k = volume_per_day * days_per_month / 1000.0
    if not requests_k > 0:
        return np.full(monthly.shape, np.nan)
    out: np.ndarray = monthly / requests_k
    return out


def cost_per_1k_at_target(
    hourly_usd: np.ndarray | float,
    throughput_per_s: np.ndarray | float,
    utilization: np.ndarray | float = DEFAULT_UTILIZATION,
) -> np.ndarray:
    """hourly_usd / (throughput_per_s * utilization * 3600) * 1000: the cost per 1k
    requests of an instance kept at the target utilization (no volume needed)."""
    per_hour = (
        np.asarray(throughput_per_s, dtype=float) * np.asarray(utilization, dtype=float)
        * SECONDS_PER_HOUR
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out: np.ndarray = np.asarray(hourly_usd, dtype=float) / per_hour * 1000.0
    return out


def capacity_per_day(
    throughput_per_s: np.ndarray | float,
    utilization: np.ndarray | float = DEFAULT_UTILIZATION,
    peak_to_average: np.ndarray | float = DEFAULT_PEAK_TO_AVERAGE,
) -> np.ndarray:
    """The daily volume one instance serves at the target utilization:
    throughput_per_s * utilization * 86400 / peak_to_average. `k` instances serve up
    to k times this; the (k+1)-th is added just above it."""
    out: np.ndarray = (
        np.asarray(throughput_per_s, dtype=float) * np.asarray(utilization, dtype=float)
        * SECONDS_PER_DAY / np.asarray(peak_to_average, dtype=float)
    )
    return out
