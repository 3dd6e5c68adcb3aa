"""Honest figures: the safe policy's guarantee by simulation, splits and k folds.

The guarantee says: with probability at least 1 - delta over the calibration sample,
accuracy on new traffic from the same distribution is at least the target. So draw many
calibration samples from a distribution whose accuracy at every threshold is known in
closed form, and count how often the safe policy's true accuracy misses the target.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.routing.cascade import CascadeData, evaluate, exact_two_tier, single_model
from workbench.routing.engine import _context, choose_rows, choose_two_tier, simulate_rows
from workbench.routing.spec import RoutingSpec
from workbench.routing.validate import folds, split

TARGET = 90.0


def true_accuracy_two(t: float) -> float:
    """Confidence c ~ U(0, 1); model 1 right with probability 0.5 + 0.5 c, model 2 with 0.97.

    A(t) = 0.97 t + int_t^1 (0.5 + 0.5 c) dc = 0.97 t + 0.5 (1 - t) + 0.25 (1 - t^2)."""
    t = min(max(t, 0.0), 1.0)
    return 0.97 * t + 0.5 * (1 - t) + 0.25 * (1 - t * t)


def true_accuracy_three(t1: float, t2: float) -> float:
    """c1, c2 ~ U(0, 1) independent; model 1 right w.p. 0.5 + 0.5 c1, model 2 w.p. 0.6 + 0.4 c2,
    model 3 w.p. 0.97."""
    t1, t2 = min(max(t1, 0.0), 1.0), min(max(t2, 0.0), 1.0)
    second = 0.6 * (1 - t2) + 0.2 * (1 - t2 * t2) + 0.97 * t2
    return 0.5 * (1 - t1) + 0.25 * (1 - t1 * t1) + t1 * second


def two_tier_sample(rng: np.random.Generator, n: int, graded: bool) -> CascadeData:
    c = rng.random(n)
    if graded:
        # Same means, graded scores: quality 0.5 + 0.5 c exactly, and U(0.94, 1) for model 2.
        q1, q2 = 0.5 + 0.5 * c, rng.uniform(0.94, 1.0, n)
    else:
        q1 = (rng.random(n) < 0.5 + 0.5 * c).astype(float)
        q2 = (rng.random(n) < 0.97).astype(float)
    return CascadeData("draw", ("a", "b"), "quality", conf=[c, np.zeros(n)], qual=[q1, q2], graded=graded)


@pytest.mark.parametrize(("graded", "draws"), [(False, 2000), (True, 600)])
def test_safe_two_tier_policy_misses_the_target_at_most_delta_of_the_time(graded: bool, draws: int) -> None:
    delta = 0.1
    spec = RoutingSpec(models=("a", "b"), costs_per_1k={"a": 1, "b": 10}, target_accuracy=TARGET, delta=delta,
                       validation="none")
    ctx = _context(spec, ("a", "b"), "quality", graded)
    rng = np.random.default_rng(2024)
    safe_misses = naive_misses = none = 0
    for _ in range(draws):
        choice = choose_two_tier(ctx, exact_two_tier(two_tier_sample(rng, 1000, graded)), "exact")
        if choice.safe_thresholds is None:
            none += 1
        elif 100 * true_accuracy_two(float(choice.safe_thresholds[0])) < TARGET:
            safe_misses += 1
        assert choice.rec is not None
        if 100 * true_accuracy_two(float(choice.tallies.thresholds[choice.rec, 0])) < TARGET:
            naive_misses += 1
    assert safe_misses / draws <= delta
    # The in-sample pick sits on the target and misses about half the time: the reason
    # the safe policy exists.
    assert naive_misses / draws > 0.3
    assert none < draws / 20  # the guarantee is not bought by refusing to answer


def test_safe_binary_policy_misses_the_target_at_most_delta_of_the_time() -> None:
    """Binary log: the cheap score is right with probability equal to its confidence
    c ~ U(0.5, 1), the expensive one with 0.98. A(t) = 0.98 (2t - 1) + (1 - t^2) for t in
    [0.5, 1]; the target 95% is met from t* = (1.96 - sqrt(1.96^2 - 4 x 0.93)) / 2 = 0.8056."""
    delta, target = 0.1, 95.0

    def true_acc(t: float) -> float:
        t = min(max(t, 0.5), 1.0)
        return 0.98 * 2 * (t - 0.5) + (1 - t * t)

    spec = RoutingSpec(cheap_cost_per_1k=1, expensive_cost_per_1k=10, target_accuracy=target, delta=delta,
                       validation="none")
    ctx = _context(spec, ("cheap model", "expensive model"), "binary", False)
    rng = np.random.default_rng(7)
    draws, n, misses, naive = 1500, 1500, 0, 0
    for _ in range(draws):
        y = rng.random(n) < 0.3
        conf = rng.uniform(0.5, 1.0, n)
        cheap_right = rng.random(n) < conf
        cheap = np.where(cheap_right == y, conf, 1 - conf)
        exp_right = rng.random(n) < 0.98
        expensive = np.where(exp_right == y, 0.9, 0.1)
        data = CascadeData("draw", ("cheap model", "expensive model"), "binary", label=y,
                           scores=[cheap, expensive])
        choice = choose_two_tier(ctx, exact_two_tier(data), "exact")
        if choice.safe_thresholds is not None and 100 * true_acc(float(choice.safe_thresholds[0])) < target:
            misses += 1
        if choice.rec is not None and 100 * true_acc(float(choice.tallies.thresholds[choice.rec, 0])) < target:
            naive += 1
    assert misses / draws <= delta
    assert naive / draws > 0.3


def test_safe_three_tier_policy_by_pareto_testing_misses_at_most_delta() -> None:
    delta = 0.1
    spec = RoutingSpec(models=("a", "b", "c"), costs_per_1k={"a": 1, "b": 3, "c": 10}, target_accuracy=TARGET,
                       delta=delta, validation="none", grid=16)
    ctx = _context(spec, ("a", "b", "c"), "quality", False)
    rng = np.random.default_rng(11)
    draws, n = 600, 2000
    misses = naive = 0
    for _ in range(draws):
        c1, c2 = rng.random(n), rng.random(n)
        q = [(rng.random(n) < 0.5 + 0.5 * c1).astype(float), (rng.random(n) < 0.6 + 0.4 * c2).astype(float),
             (rng.random(n) < 0.97).astype(float)]
        data = CascadeData("draw", ("a", "b", "c"), "quality", conf=[c1, c2, np.zeros(n)], qual=q)
        choice = choose_rows(ctx, data)
        assert choice.guarantee is not None and choice.guarantee.n == n // 2
        if choice.safe_thresholds is not None and 100 * true_accuracy_three(*choice.safe_thresholds) < TARGET:
            misses += 1
        if choice.rec is not None and 100 * true_accuracy_three(*choice.tallies.thresholds[choice.rec]) < TARGET:
            naive += 1
    assert misses / draws <= delta
    assert naive / draws > 0.3


def test_guarantee_is_stated_in_plain_words_with_delta_and_n() -> None:
    rng = np.random.default_rng(3)
    data = two_tier_sample(rng, 1000, graded=False)
    spec = RoutingSpec(models=("a", "b"), costs_per_1k={"a": 1, "b": 10}, target_accuracy=TARGET, delta=0.1,
                       validation="none")
    result = simulate_rows(spec, data)
    g = result.guarantee
    assert g is not None and g.n == 1000 and g.delta == 0.1 and g.method == "exact binomial"
    assert g.statement == (
        "With probability at least 0.9 (delta = 0.1) over the calibration sample (n = 1,000 rows), accuracy "
        "on new traffic from the same distribution is at least 90% for the safe policy."
    )
    from workbench.routing.report import routing_markdown

    assert g.statement in routing_markdown(result)
    # Fixed-sequence testing: every certified threshold passes its test, and the first
    # failure from the top stops the run (here the tests certify a contiguous top range).
    choice = choose_two_tier(_context(spec, ("a", "b"), "quality", False), exact_two_tier(data), "exact")
    assert choice.guarantee is not None and choice.guarantee.certified >= 1
    assert choice.guarantee.tested == choice.guarantee.certified + 1


# ------------------------------------------------------------------ validation


def test_split_is_seeded_stratified_and_a_partition() -> None:
    label = np.zeros(1000, dtype=bool)
    label[:100] = True
    cal, test = split(1000, 0.3, seed=5, label=label)
    assert np.array_equal(np.sort(np.concatenate((cal, test))), np.arange(1000))
    assert label[cal].sum() == 30 and label[test].sum() == 70
    assert cal.size == 300
    again, _ = split(1000, 0.3, seed=5, label=label)
    other, _ = split(1000, 0.3, seed=6, label=label)
    assert np.array_equal(cal, again) and not np.array_equal(cal, other)
    fold = folds(1000, 4, seed=1, label=label)
    assert sorted(np.bincount(fold).tolist()) == [250, 250, 250, 250]
    assert np.bincount(fold[label]).tolist() == [25, 25, 25, 25]


def test_held_out_figures_are_the_policy_on_the_test_rows() -> None:
    rng = np.random.default_rng(9)
    data = two_tier_sample(rng, 3000, graded=False)
    spec = RoutingSpec(models=("a", "b"), costs_per_1k={"a": 1, "b": 10}, target_accuracy=TARGET,
                       calibration_fraction=0.6, seed=4)
    result = simulate_rows(spec, data)
    cal_idx, test_idx = split(3000, 0.6, seed=4)
    assert result.validation["rows_calibration"] == 1800 and result.validation["rows_test"] == 1200
    assert result.held_out is not None and result.recommended is not None
    held = result.held_out["recommended"]
    # Chosen on the calibration rows, judged on the rest by a direct count.
    test = data.take(test_idx)
    t = result.recommended.thresholds
    assert t is not None
    answered_by_b = data.conf[0][test_idx] < t[0]  # type: ignore[index]
    expected = np.where(answered_by_b, data.qual[1][test_idx], data.qual[0][test_idx]).mean()  # type: ignore[index]
    assert held.accuracy == pytest.approx(100 * expected)
    assert held.rows == 1200
    assert result.recommended.rows == 1800
    assert result.held_out["cheap_only"].accuracy == pytest.approx(100 * data.qual[0][test_idx].mean())  # type: ignore[index]
    assert evaluate(test, t).quality[0] == pytest.approx(expected * 1200)
    assert result.recommended.accuracy >= TARGET


def test_kfold_pools_each_folds_choice_on_that_fold() -> None:
    rng = np.random.default_rng(21)
    data = two_tier_sample(rng, 1200, graded=False)
    spec = RoutingSpec(models=("a", "b"), costs_per_1k={"a": 1, "b": 10}, target_accuracy=TARGET,
                       validation="kfold", folds=3, seed=2)
    result = simulate_rows(spec, data)
    assert result.held_out is not None
    fold = folds(1200, 3, seed=2)
    ctx = _context(spec, ("a", "b"), "quality", False)
    correct = 0.0
    for f in range(3):
        train, held = data.take(np.flatnonzero(fold != f)), data.take(np.flatnonzero(fold == f))
        choice = choose_rows(ctx, train)
        assert choice.rec is not None
        correct += float(evaluate(held, choice.tallies.thresholds[choice.rec]).quality[0])
    assert result.held_out["recommended"].accuracy == pytest.approx(100 * correct / 1200)
    assert result.held_out["recommended"].rows == 1200
    # The policy shown is chosen on every row.
    assert result.recommended is not None and result.recommended.rows == 1200
    assert result.held_out["expensive_only"].accuracy == pytest.approx(
        100 * float(single_model(data, 1).quality[0]) / 1200)
    assert any("k-fold recommended thresholds per fold" in note for note in result.notes)
    assert math.isfinite(result.held_out["safe"].accuracy)


def test_fixed_sequence_pick_equals_a_plain_scan() -> None:
    """Safe = the cheapest of the thresholds certified before the first failure, scanning
    from escalate-all down, each certified when P(Bin(n, 1 - target) <= errors) <= delta
    (computed here with exact fractions)."""
    from fractions import Fraction

    rng = np.random.default_rng(31)
    for trial in range(25):
        n = int(rng.integers(20, 160))
        data = two_tier_sample(rng, n, graded=False)
        data.conf[0][:] = np.round(data.conf[0], 1)  # type: ignore[index]  # many ties
        target = float(rng.choice([70.0, 80.0, 90.0]))
        delta = float(rng.choice([0.05, 0.2]))
        spec = RoutingSpec(models=("a", "b"), costs_per_1k={"a": 1, "b": 10}, target_accuracy=target,
                           delta=delta, validation="none")
        choice = choose_two_tier(_context(spec, ("a", "b"), "quality", False), exact_two_tier(data), "exact")
        risk = Fraction(100 - int(target), 100)

        def p_value(errors: int) -> Fraction:
            return sum((Fraction(math.comb(n, j)) * risk**j * (1 - risk) ** (n - j) for j in range(errors + 1)),
                       Fraction(0))

        conf, q1, q2 = data.conf[0], data.qual[0], data.qual[1]  # type: ignore[index]
        thresholds = sorted(set(conf.tolist())) + [math.inf]
        certified = []
        for t in reversed(thresholds):
            errors = sum(1 for c, a, b in zip(conf, q1, q2) if (b if c < t else a) == 0)
            if p_value(errors) > Fraction(delta):
                break
            certified.append(t)
        if not certified:
            assert choice.safe_thresholds is None and choice.safe_reason
            continue
        # Cost rises with the threshold, so the cheapest certified one is the lowest.
        assert choice.safe_thresholds is not None and float(choice.safe_thresholds[0]) == min(certified)
        assert choice.guarantee is not None and choice.guarantee.certified == len(certified)
