"""Self-hosting on instances: the count steps exactly at integer ratios."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SAMPLES
from workbench.pricing import instances as inst

# (throughput_per_s, utilization, peak_to_average): values that are not exact in binary.
COMBOS = [(10.0, 0.7, 1.0), (3.3, 0.7, 1.3), (425.5, 0.85, 2.2), (0.1, 0.3, 1.7),
          (7.0, 0.9, 3.0), (123.456, 0.65, 1.1)]


@pytest.mark.parametrize(("tp", "u", "pta"), COMBOS)
def test_count_steps_exactly_where_the_ratio_crosses_an_integer(tp: float, u: float, pta: float) -> None:
    k = np.arange(1, 2001, dtype=float)
    # The volume at which peak_rps / (tp * u) is exactly k, as a person would compute it.
    boundary = k * tp * u * 86400.0 / pta
    assert (inst.instances_needed(boundary, tp, u, pta, 1) == k).all()
    assert (inst.instances_needed(boundary * (1 + 1e-7), tp, u, pta, 1) == k + 1).all()
    assert (inst.instances_needed(boundary * (1 - 1e-7), tp, u, pta, 1) == k).all()


def test_the_float_edge_case_is_real() -> None:
    # Plain ceil() rounds some exact integer ratios up: the snapping is needed.
    naive_wrong = 0
    for tp, u, pta in COMBOS:
        k = np.arange(1, 2001, dtype=float)
        boundary = k * tp * u * 86400.0 / pta
        ratio = inst.peak_rps(boundary, pta) / (tp * u)
        naive_wrong += int((np.ceil(ratio) != k).sum())
    assert naive_wrong > 0


def test_hand_computed_fleet() -> None:
    # 1,000,000/day, peak 2x: peak_rps = 1e6 / 86400 * 2 = 23.148; one instance at 5 rps
    # and 70% serves 3.5 rps -> ceil(6.61) = 7 instances; 7 * $1.006 * 730 = $5,140.66.
    n = inst.instances_needed(1e6, 5.0, 0.7, 2.0, 1)
    assert n == 7
    monthly = inst.instance_monthly_usd(n, 1.006, 730.0)
    assert monthly == pytest.approx(5140.66, abs=1e-9)
    # Effective: $5,140.66 / (1e6 * 30 / 1000) = $0.171355 per 1k requests.
    assert inst.effective_cost_per_1k(monthly, 1e6, 30.0) == pytest.approx(5140.66 / 30000)


def test_min_instances_and_zero_volume() -> None:
    assert inst.instances_needed(0.0, 5.0, 0.7, 1.0, 2) == 2
    assert inst.instances_needed(0.0, 5.0, 0.7, 1.0, 0) == 0
    # Any positive load needs an instance, however small.
    assert inst.instances_needed(1e-9, 5.0, 0.7, 1.0, 0) == 1
    assert np.isnan(inst.effective_cost_per_1k(100.0, 0.0, 30.0))


def test_broadcast_volumes_against_candidates() -> None:
    grid = inst.instances_needed(np.array([[302400.0], [302401.0]]), np.array([5.0, 10.0]),
                                 0.7, 1.0, 1)
    # 5 rps * 0.7 * 86400 = 302,400/day per instance; 10 rps: 604,800/day.
    assert grid.tolist() == [[1.0, 1.0], [2.0, 1.0]]


@settings(max_examples=300, deadline=None)
@given(
    volume=st.floats(0, 1e9, allow_nan=False),
    tp=st.floats(0.01, 1e4, allow_nan=False),
    u=st.floats(0.05, 1.0, allow_nan=False),
    pta=st.floats(1.0, 10.0, allow_nan=False),
)
def test_count_matches_exact_rational_arithmetic(volume: float, tp: float, u: float, pta: float) -> None:
    exact = Fraction(volume) / 86400 * Fraction(pta) / (Fraction(tp) * Fraction(u))
    nearest = round(exact)
    if nearest >= 1 and abs(exact - nearest) <= Fraction(1, 10**8) * exact:
        return  # within float noise of a step: the snapping rule's territory (tested above)
    assert inst.instances_needed(volume, tp, u, pta, 0) == math.ceil(exact)


def test_imagenet_sample_is_re_derivable_from_an_hourly_price_and_a_throughput() -> None:
    # sample_data/imagenet_5.csv priced a T4 at $0.526/h (g4dn.xlarge, on-demand) at full
    # use: cost_per_1k = 0.526 / (throughput * 1.0 * 3600) * 1000.
    frame = pd.read_csv(SAMPLES / "imagenet_5.csv")
    got = inst.cost_per_1k_at_target(0.526, frame["throughput_img_per_s"].to_numpy(), 1.0)
    # The sample holds the figures rounded to 9 decimals.
    assert np.round(got, 9).tolist() == frame["cost_per_1k"].tolist()


def test_capacity_per_day_is_the_step_width() -> None:
    q = inst.capacity_per_day(5.0, 0.7, 2.0)
    assert q == pytest.approx(151200.0)
    assert inst.instances_needed(3 * q, 5.0, 0.7, 2.0, 1) == 3
    assert inst.instances_needed(3 * q * (1 + 1e-6), 5.0, 0.7, 2.0, 1) == 4
