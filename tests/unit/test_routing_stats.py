"""Statistics, RouteLLM metrics and business objectives against hand-computed values."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from workbench.routing.cascade import CascadeData
from workbench.routing.engine import simulate_rows
from workbench.routing.metrics import call_performance_threshold, routellm_metrics
from workbench.routing.spec import RoutingSpec
from workbench.routing.stats import (
    binom_cdf,
    binomial_cutoff,
    hoeffding_bentkus_cutoff,
    ks_two_sample,
    psi,
)
from workbench.routing.sweep import ESCALATE_ALL


def exact_cdf(k: int, n: int, p: Fraction) -> Fraction:
    return sum((math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k + 1)), Fraction(0))


@pytest.mark.parametrize(("n", "p"), [(1, "1/2"), (4, "1/2"), (30, "1/10"), (200, "1/200"), (137, "9/10")])
def test_binomial_cdf_equals_the_exact_sum(n: int, p: str) -> None:
    prob = Fraction(p)
    for k in range(-1, n + 1):
        expected = float(exact_cdf(k, n, prob)) if k >= 0 else 0.0
        assert binom_cdf(k, n, float(prob)) == pytest.approx(expected, rel=1e-10, abs=1e-300)
    assert binom_cdf(1, 4, 0.5) == pytest.approx(5 / 16, rel=1e-14)


def test_binomial_cdf_for_ten_million_items() -> None:
    # Mean 50,000, sd 222.5: the CDF at the mean is just over one half and at mean - 1.645 sd about 5%.
    assert binom_cdf(50_000, 10_000_000, 0.005) == pytest.approx(0.50119, abs=1e-4)
    assert binom_cdf(49_634, 10_000_000, 0.005) == pytest.approx(0.05, abs=0.002)


def test_binomial_cutoff_by_hand() -> None:
    # P(Bin(100, 0.1) <= 4) = 0.0237 and <= 5 is 0.0576: at delta 0.05 at most 4 errors certify.
    assert float(exact_cdf(4, 100, Fraction(1, 10))) < 0.05 < float(exact_cdf(5, 100, Fraction(1, 10)))
    assert binomial_cutoff(100, 0.1, 0.05) == 4
    # No errors at all in 10 items cannot show 99% accuracy: 0.99**10 = 0.904 > 0.05.
    assert binomial_cutoff(10, 0.01, 0.05) == -1
    # 299 items with no error show 1% at 5%: 0.99**299 = 0.0495.
    assert binomial_cutoff(299, 0.01, 0.05) == 0 and binomial_cutoff(298, 0.01, 0.05) == -1
    assert binomial_cutoff(1000, 0.0, 0.05) == -1


def hb_p_value(loss: float, n: int, risk: float) -> float:
    mean = min(loss / n, risk)

    def h(a: float, b: float) -> float:
        return (a * math.log(a / b) if a > 0 else 0.0) + (1 - a) * math.log((1 - a) / (1 - b))

    hoeffding = math.exp(-n * h(mean, risk))
    bentkus = math.e * float(exact_cdf(math.ceil(loss), n, Fraction(risk).limit_denominator(10**9)))
    return min(hoeffding, bentkus)


@pytest.mark.parametrize(("n", "risk", "delta"), [(200, 0.1, 0.05), (500, 0.05, 0.1), (1000, 0.2, 0.01)])
def test_hoeffding_bentkus_cutoff_is_the_largest_passing_loss(n: int, risk: float, delta: float) -> None:
    cut = hoeffding_bentkus_cutoff(n, risk, delta)
    assert cut >= 0
    assert hb_p_value(cut, n, risk) <= delta * (1 + 1e-9)
    assert hb_p_value(cut + 0.01, n, risk) > delta or hb_p_value(math.floor(cut) + 1.0, n, risk) > delta
    # Graded losses pay for not being 0/1: never more permissive than the exact binomial.
    assert cut <= binomial_cutoff(n, risk, delta) + 1


def test_kolmogorov_smirnov_and_psi_by_hand() -> None:
    # F_a - F_b at 1..5: 1/3, 5/12, 1/2, 1/4, 0.
    d, p = ks_two_sample(np.array([1.0, 2, 3]), np.array([2.0, 3, 4, 5]))
    assert d == pytest.approx(0.5)
    assert 0 < p <= 1
    same_d, same_p = ks_two_sample(np.arange(100.0), np.arange(100.0))
    assert same_d == 0 and same_p == 1.0
    # Two bins split at the reference's median 1: reference shares 1/4, 3/4; current 1/2, 1/2.
    expected = 0.25 * math.log(2) + (-0.25) * math.log(0.5 / 0.75)
    assert psi(np.array([0.0, 1, 2, 3]), np.array([0.0, 0, 2, 3]), bins=2) == pytest.approx(expected)
    assert psi(np.arange(50.0), np.arange(50.0)) == 0.0


# ---------------------------------------------------------------------- RouteLLM


def test_routellm_metrics_by_hand() -> None:
    # Curve (0, 80), (0.5, 88), (1, 90); weak 80, strong 90.
    m = routellm_metrics(np.array([0.0, 0.5, 1.0]), np.array([80.0, 88.0, 90.0]), 80.0, 90.0, rows=10)
    # AUC = 0.5 (80 + 88) / 2 + 0.5 (88 + 90) / 2 = 86.5; APGR = (86.5 - 80) / 10.
    assert m.apgr == pytest.approx(0.65)
    # 50%: quality 85 between (0, 80) and (50, 88): 5 / 8 of 50 = 31.25%; 80%: quality 88 at 50%.
    assert m.cpt50 == pytest.approx(31.25)
    assert m.cpt80 == pytest.approx(50.0)
    # RouteLLM's own np.interp gives the same on a rising curve.
    assert m.cpt50 == pytest.approx(np.interp(85.0, [80, 88, 90], [0, 50, 100]))


def test_call_performance_threshold_takes_the_first_crossing() -> None:
    pct = np.array([0.0, 20.0, 40.0, 60.0])
    quality = np.array([70.0, 90.0, 80.0, 95.0])  # dips after 20%
    assert call_performance_threshold(pct, quality, 85.0) == pytest.approx(15.0)
    assert call_performance_threshold(pct, quality, 99.0) is None
    assert routellm_metrics(np.array([0.0, 1.0]), np.array([90.0, 80.0]), 90.0, 80.0, 2).apgr is None


def test_routellm_metrics_of_a_replayed_log_by_hand() -> None:
    """Four items, confidences 0.1..0.4; q1 = (0, 0, 1, 1), q2 = (1, 1, 1, 0).

    Thresholds 0.1, 0.2, 0.3, 0.4, all escalate 0..4 items: quality 50, 75, 100, 100, 75
    at 0, 25, 50, 75, 100% of calls. AUC = 0.25 (62.5 + 87.5 + 100 + 87.5) = 84.375;
    weak 50, strong 75: APGR = 34.375 / 25 = 1.375; CPT(50%) at 62.5: 12.5%; CPT(80%) at 70: 20%.
    """
    data = CascadeData("log", ("small", "large"), "quality",
                       conf=[np.array([0.1, 0.2, 0.3, 0.4]), np.zeros(4)],
                       qual=[np.array([0.0, 0.0, 1.0, 1.0]), np.array([1.0, 1.0, 1.0, 0.0])])
    spec = RoutingSpec(models=("small", "large"), costs_per_1k={"small": 1, "large": 10}, validation="none",
                       target_accuracy=90)
    m = simulate_rows(spec, data).routellm
    assert m is not None
    assert (m.weak_quality, m.strong_quality) == (50.0, 75.0)
    assert m.apgr == pytest.approx(1.375)
    assert m.cpt50 == pytest.approx(12.5)
    assert m.cpt80 == pytest.approx(20.0)


# ---------------------------------------------------------------------- objectives


def four_items() -> CascadeData:
    """label 1, 0, 1, 0; the cheap model says 0.4, 0.6, 0.9, 0.2 (confidence 0.6, 0.6, 0.9,
    0.8; right on items 3 and 4), the expensive one is right on every item."""
    return CascadeData(
        "log", ("cheap", "expensive"), "binary", label=np.array([True, False, True, False]),
        scores=[np.array([0.4, 0.6, 0.9, 0.2]), np.array([0.9, 0.1, 0.8, 0.3])],
        loss=np.array([100.0, 0.0, 50.0, 0.0]),
    )


def objective_spec(**kw) -> RoutingSpec:  # type: ignore[no-untyped-def]
    base = dict(cheap_cost_per_1k=0.5, expensive_cost_per_1k=2.0, validation="none", volume_per_day=1000.0)
    base.update(kw)
    return RoutingSpec(**base)  # type: ignore[arg-type]


def test_total_cost_by_hand() -> None:
    """Thresholds 0.6 (escalate none), 0.8 (items 1-2), 0.9 (items 1, 2, 4), all.

    At 0.6 the cheap model misses item 1 (amount 100) and raises a false alarm on item 2:
    compute $0.5/1k, misses $100 + $1, false alarm $0.2, i.e. (101.2) x 1000 / 4 = $25,300/1k.
    At 0.8 nothing is wrong: compute (2 x 0.5 + 2 x 2.5) / 4 = $1.5/1k, the lowest total.
    """
    result = simulate_rows(objective_spec(objective="total_cost", loss_column="amount", fn_cost_usd=1.0,
                                          fp_cost_usd=0.2), four_items())
    rec = result.recommended
    assert rec is not None and rec.threshold == 0.8
    assert rec.cost_per_1k == pytest.approx(1.5) and rec.total_cost_per_1k == pytest.approx(1.5)
    assert rec.total_monthly_usd == pytest.approx(1.5 * 1000 * 30 / 1000)
    cheap = result.baselines["cheap_only"]
    assert cheap.miss_cost_per_1k == pytest.approx((100 + 1) * 1000 / 4)
    assert cheap.false_alarm_cost_per_1k == pytest.approx(0.2 * 1000 / 4)
    assert cheap.total_cost_per_1k == pytest.approx(0.5 + 25_300)
    assert "lowest total cost" in result.chosen_by and "$0.20 per false alarm" in result.chosen_by
    # Cheap errors: the cheap model alone (escalate nothing) has the lowest total.
    cheap_errors = simulate_rows(objective_spec(objective="total_cost", fn_cost_usd=0.001, fp_cost_usd=0.001),
                                 four_items())
    assert cheap_errors.recommended is not None and cheap_errors.recommended.threshold == 0.6
    assert cheap_errors.recommended.total_cost_per_1k == pytest.approx(0.5 + 0.002 * 1000 / 4)


def test_accuracy_and_recall_objectives_by_hand() -> None:
    acc = simulate_rows(objective_spec(target_accuracy=99.0), four_items())
    assert acc.recommended is not None and acc.recommended.threshold == 0.8
    assert acc.recommended.total_cost_per_1k is None  # errors are not priced
    # Recall 50% escalating nothing (item 3 caught, item 1 missed), 100% from 0.8 on.
    half = simulate_rows(objective_spec(objective="recall", target_recall=50.0), four_items())
    assert half.recommended is not None and half.recommended.threshold == 0.6
    assert half.recommended.recall == 50.0
    full = simulate_rows(objective_spec(objective="recall", target_recall=100.0), four_items())
    assert full.recommended is not None and full.recommended.threshold == 0.8
    assert full.objective == "recall" and "recall >= 100%" in full.chosen_by
    everything = simulate_rows(objective_spec(target_accuracy=100.0, cheap_cost_per_1k=3.0), four_items())
    assert everything.recommended is not None and everything.recommended.threshold == 0.8
    assert ESCALATE_ALL > 1


def test_objective_errors() -> None:
    from workbench.errors import InputError

    with pytest.raises(InputError, match="price on errors"):
        simulate_rows(objective_spec(objective="total_cost"), four_items())
    quality = CascadeData("log", ("a", "b"), "quality", conf=[np.array([0.1, 0.2]), np.zeros(2)],
                          qual=[np.array([1.0, 0.0]), np.array([1.0, 1.0])])
    with pytest.raises(InputError, match="binary log"):
        simulate_rows(RoutingSpec(models=("a", "b"), costs_per_1k={"a": 1, "b": 2}, objective="recall",
                                  target_recall=90.0, validation="none"), quality)
    with pytest.raises(InputError) as err:
        RoutingSpec(objective="recall").validate()
    assert err.value.key == "target_recall"
