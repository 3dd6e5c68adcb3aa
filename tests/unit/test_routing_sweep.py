"""Routing sweep figures against brute force (one direct numpy pass per threshold)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.routing.engine import build_result
from workbench.routing.spec import RoutingSpec
from workbench.routing.sweep import (
    ESCALATE_ALL,
    BinCounts,
    bin_index,
    bins_curve,
    confidence,
    downsample,
    exact_curve,
    minmax_thin,
    nearest_rank,
    wilson_lower,
)

# Coarse score values make ties in confidence (0.1 and 0.9 share 0.9) common.
SCORES = st.sampled_from([0.0, 0.05, 0.1, 0.3, 0.45, 0.5, 0.55, 0.7, 0.9, 0.95, 1.0])


@st.composite
def logs(draw: st.DrawFn) -> dict[str, np.ndarray]:
    n = draw(st.integers(1, 40))
    label = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    fine = draw(st.booleans())
    score = st.floats(0, 1, allow_nan=False) if fine else SCORES
    cheap = np.array(draw(st.lists(score, min_size=n, max_size=n)), dtype=np.float64)
    exp = np.array(draw(st.lists(score, min_size=n, max_size=n)), dtype=np.float64)
    with_forced = draw(st.booleans())
    forced = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))) if with_forced else None
    loss = np.array(draw(st.lists(st.sampled_from([0.0, 1.5, 10.0, 250.0]), min_size=n, max_size=n)))
    return {"label": label, "cheap": cheap, "exp": exp, "forced": forced, "loss": loss}


def brute(log: dict[str, np.ndarray], t: float, dt: float) -> tuple[np.ndarray, int, int, int, float]:
    """Escalation mask, correct, TP, FP and missed loss at one threshold, directly."""
    y = log["label"]
    esc = confidence(log["cheap"]) < t
    if log["forced"] is not None:
        esc = esc | log["forced"]
    pred = np.where(esc, log["exp"] >= dt, log["cheap"] >= dt)
    correct = int(np.sum(pred == y))
    tp = int(np.sum(pred & y))
    fp = int(np.sum(pred & ~y))
    loss = float(log["loss"][y & ~pred].sum())
    return esc, correct, tp, fp, loss


def check_exact_curve(log: dict[str, np.ndarray], dt: float) -> None:
    curve = exact_curve(log["label"], log["cheap"], log["exp"], dt, log["forced"], log["loss"])
    conf = confidence(log["cheap"])
    nf = ~log["forced"] if log["forced"] is not None else np.ones(conf.size, dtype=bool)
    # Thresholds are exactly the distinct non-forced confidences plus "escalate all".
    expected_t = np.concatenate((np.unique(conf[nf]), [ESCALATE_ALL]))
    np.testing.assert_array_equal(curve.threshold, expected_t)
    assert curve.missed_loss is not None
    for i, t in enumerate(curve.threshold):
        esc, correct, tp, fp, loss = brute(log, t, dt)
        assert curve.escalated[i] == esc.sum()
        assert curve.correct[i] == correct
        assert curve.tp[i] == tp
        assert curve.fp[i] == fp
        assert curve.missed_loss[i] == pytest.approx(loss, abs=1e-9)
    # The last point escalates everything, the first only forced items.
    assert curve.escalated[-1] == conf.size
    assert curve.escalated[0] == (0 if log["forced"] is None else log["forced"].sum())


@settings(max_examples=100, deadline=None)
@given(logs(), st.sampled_from([0.5, 0.3, 0.9]))
def test_exact_curve_matches_brute_force(log: dict[str, np.ndarray], dt: float) -> None:
    check_exact_curve(log, dt)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(logs(), st.sampled_from([0.5, 0.3, 0.9, 0.0, 1.0]))
def test_exact_curve_matches_brute_force_many(log: dict[str, np.ndarray], dt: float) -> None:
    check_exact_curve(log, dt)


def brute_costs(esc: np.ndarray, policy: str, c: float, e: float, lc: float, le: float) -> tuple[float, float, float]:
    """Cost per 1k, mean and nearest-rank p95 latency from per-item arrays."""
    if policy == "cascade":
        cost = np.where(esc, c + e, c)
        lat = np.where(esc, lc + le, lc)
    else:
        cost = np.where(esc, e, c)
        lat = np.where(esc, le, lc)
    p95 = float(np.percentile(lat, 95, method="inverted_cdf"))
    return float(cost.mean()), float(lat.mean()), p95


POLICY_CASES = given(
    logs(),
    st.sampled_from(["cascade", "exclusive"]),
    st.sampled_from([0.0, 0.02, 0.5, 1.0]),
    st.sampled_from([0.0, 0.5, 1.0, 3.0]),
    st.sampled_from([1.0, 3.0]),
    st.sampled_from([0.5, 40.0]),
    st.sampled_from([50.0, 80.0, 95.0, 100.0]),
)


@settings(max_examples=100, deadline=None)
@POLICY_CASES
def test_selection_and_figures_match_brute_force(
    log: dict[str, np.ndarray], policy: str, c: float, e: float, lc: float, le: float, target: float
) -> None:
    check_selection(log, policy, c, e, lc, le, target)


@pytest.mark.slow
@settings(max_examples=2000, deadline=None)
@POLICY_CASES
def test_selection_and_figures_match_brute_force_many(
    log: dict[str, np.ndarray], policy: str, c: float, e: float, lc: float, le: float, target: float
) -> None:
    check_selection(log, policy, c, e, lc, le, target)


def check_selection(
    log: dict[str, np.ndarray], policy: str, c: float, e: float, lc: float, le: float, target: float
) -> None:
    spec = RoutingSpec(
        policy=policy,
        cheap_cost_per_1k=c,
        expensive_cost_per_1k=e,
        cheap_latency_ms=lc,
        expensive_latency_ms=le,
        volume_per_day=1000.0,
        target_accuracy=target,
        loss_column="loss",
        escalate_when=("f",) if log["forced"] is not None else (),
    )
    curve = exact_curve(log["label"], log["cheap"], log["exp"], 0.5, log["forced"], log["loss"])
    result = build_result(spec, curve)
    n = log["label"].size

    # Brute force: every threshold, every figure, then pick by the stated rule.
    rows = []
    for t in curve.threshold:
        esc, correct, tp, fp, loss = brute(log, t, 0.5)
        cost, mean_lat, p95 = brute_costs(esc, policy, c, e, lc, le)
        rows.append((t, esc.mean(), correct, tp, fp, loss, cost, mean_lat, p95))
    ok = [r for r in rows if 100 * r[2] / n >= target - 1e-9]
    if not ok:
        assert result.recommended is None and result.recommended_reason
        return
    best_cost = min(r[6] for r in ok)
    ties = [r for r in ok if r[6] <= best_cost + 1e-12]
    pick = sorted(ties, key=lambda r: (-r[2], r[0]))[0]
    rec = result.recommended
    assert rec is not None
    assert rec.threshold == pick[0]
    assert rec.escalated_share == pytest.approx(pick[1])
    assert rec.accuracy == pytest.approx(100 * pick[2] / n)
    assert rec.cost_per_1k == pytest.approx(pick[6])
    assert rec.mean_latency_ms == pytest.approx(pick[7])
    assert rec.p95_latency_ms == pick[8]
    assert rec.missed_positive_loss == pytest.approx(pick[5])
    positives = int(log["label"].sum())
    if positives:
        assert rec.recall == pytest.approx(100 * pick[3] / positives)
    else:
        assert rec.recall is None
    if pick[3] + pick[4]:
        assert rec.precision == pytest.approx(100 * pick[3] / (pick[3] + pick[4]))
    else:
        assert rec.precision is None
    assert rec.monthly_cost_usd == pytest.approx(pick[6] * 1000 * 30 / 1000)


def test_baselines_are_single_model_runs() -> None:
    y = np.array([1, 0, 0, 1, 0, 0], dtype=bool)
    cheap = np.array([0.4, 0.2, 0.6, 0.9, 0.1, 0.45])
    exp = np.array([0.8, 0.1, 0.3, 0.7, 0.2, 0.9])
    forced = np.array([0, 0, 0, 0, 0, 1], dtype=bool)
    spec = RoutingSpec(
        cheap_cost_per_1k=0.1, expensive_cost_per_1k=2.0, cheap_latency_ms=2.0, expensive_latency_ms=30.0,
        escalate_when=("risk",), loss_column="amount",
    )
    loss = np.array([100.0, 0, 0, 7.0, 0, 0])
    result = build_result(spec, exact_curve(y, cheap, exp, 0.5, forced, loss))
    cheap_only = result.baselines["cheap_only"]
    exp_only = result.baselines["expensive_only"]
    # cheap: predictions 0,0,1,1,0,0 -> correct 4/6, TP 1, FP 1; missed item 0 (loss 100).
    assert cheap_only.accuracy == pytest.approx(100 * 4 / 6)
    assert cheap_only.recall == pytest.approx(50.0)
    assert cheap_only.precision == pytest.approx(50.0)
    assert cheap_only.missed_positive_loss == 100.0
    assert cheap_only.cost_per_1k == 0.1 and cheap_only.p95_latency_ms == 2.0
    assert cheap_only.escalated_share == 0.0 and cheap_only.threshold is None
    # expensive: predictions 1,0,0,1,0,1 -> correct 5/6, TP 2, FP 1, no missed loss.
    assert exp_only.accuracy == pytest.approx(100 * 5 / 6)
    assert exp_only.recall == pytest.approx(100.0)
    assert exp_only.precision == pytest.approx(100 * 2 / 3)
    assert exp_only.missed_positive_loss == 0.0
    # The expensive-only baseline pays one model, not cheap + expensive.
    assert exp_only.cost_per_1k == 2.0 and exp_only.mean_latency_ms == 30.0
    assert exp_only.escalated_share == 1.0


def test_forced_rules_always_escalate() -> None:
    # Item 0 is confidently wrong on the cheap model; only a forced rule rescues it.
    y = np.array([1, 0, 0, 0], dtype=bool)
    cheap = np.array([0.01, 0.02, 0.03, 0.6])
    exp = np.array([0.9, 0.1, 0.1, 0.1])
    forced = np.array([1, 0, 0, 0], dtype=bool)
    curve = exact_curve(y, cheap, exp, 0.5, forced)
    # Lowest threshold: only the forced item escalates, and it is now right.
    assert curve.escalated[0] == 1
    assert curve.correct[0] == 3
    assert curve.forced == 1
    assert curve.correct[-1] == 4 and curve.escalated[-1] == 4
    no_rule = exact_curve(y, cheap, exp, 0.5)
    assert no_rule.escalated[0] == 0 and no_rule.correct[0] == 2


def test_all_items_forced_gives_one_point() -> None:
    y = np.array([1, 0], dtype=bool)
    curve = exact_curve(y, np.array([0.2, 0.3]), np.array([0.9, 0.1]), 0.5, np.array([True, True]))
    assert curve.threshold.tolist() == [ESCALATE_ALL]
    assert curve.escalated.tolist() == [2] and curve.correct.tolist() == [2]


def test_wilson_lower_bound_hand_computed() -> None:
    # z = 1.959964, z^2 = 3.8414588813, n = 1000, p = 0.995:
    # centre = p + z^2/2n = 0.99692072944
    # spread = z * sqrt(p(1-p)/n + z^2/4n^2) = 1.959964 * sqrt(5.93536472e-6) = 0.0047749827
    # low = (0.99692072944 - 0.0047749827) / (1 + z^2/n) = 0.99214574674 / 1.0038414589 = 0.9883490
    assert float(wilson_lower(995, 1000)) == pytest.approx(0.9883490, abs=2e-7)
    assert float(wilson_lower(1000, 1000)) == pytest.approx(1 / (1 + 1.959964**2 / 1000), abs=1e-12)
    assert float(wilson_lower(0, 10)) == pytest.approx(0.0, abs=1e-12)


def test_nearest_rank_p95_matches_inverted_cdf() -> None:
    # Definition: p95 = the ceil(0.95 n)-th smallest value (numpy's "inverted_cdf").
    for n in list(range(1, 60)) + [99, 100, 101, 1000, 12345]:
        assert np.percentile(np.arange(1, n + 1), 95, method="inverted_cdf") == nearest_rank(n)
    # Hand example: 20 items, rank 19; one slow item stays out of p95, two do not.
    from workbench.routing.cascade import Tallies
    from workbench.routing.policy import Money, TierCosts, policy_figures

    costs = TierCosts.cascade([0.1, 1.0], [3.0, 40.0])
    money = Money(False, None, None, None, 30.0)
    for slow, p95 in ((1, 3.0), (2, 43.0)):
        t = Tallies(n=20, forced=0, positives=None, thresholds=np.array([[0.7]]),
                    answered=np.array([[20 - slow, slow]]), quality=np.array([20.0]))
        fig = policy_figures(t, 0, costs, money)
        assert fig.p95_latency_ms == p95
        assert fig.mean_latency_ms == pytest.approx((3.0 * (20 - slow) + 43.0 * slow) / 20)


def test_best_policy_tie_breaks() -> None:
    from workbench.routing.cascade import Tallies
    from workbench.routing.policy import FigureArrays, meets_accuracy
    from workbench.routing.select import best

    quality = np.array([90.0, 95, 95, 99, 97])
    t = Tallies(n=100, forced=0, positives=None, thresholds=np.arange(5.0).reshape(-1, 1),
                answered=np.zeros((5, 2), dtype=np.int64), quality=quality)
    spec = RoutingSpec()

    def pick(cost: list[float], mask: list[bool]) -> int | None:
        return best(t, FigureArrays(np.array(cost), None, None, None), spec, np.array(mask))

    # Cost rises with escalation: the first ok point is the cheapest.
    assert pick([1, 2, 3, 4, 5], [False, True, True, True, True]) == 1
    # Cost falls with escalation (exclusive policy, cheaper second model): the last ok.
    assert pick([5, 4, 3, 2, 1], [True, True, True, False, False]) == 2
    # Equal costs: highest accuracy, then the lower threshold.
    assert pick([1, 1, 1, 1, 1], [True] * 5) == 3
    assert pick([1, 1, 1, 1, 1], [True, True, True, False, False]) == 1
    assert pick([1, 2, 3, 4, 5], [False] * 5) is None
    assert meets_accuracy(np.array([995, 994]), 1000, 99.5).tolist() == [True, False]


def test_bins_curve_equals_exact_at_bin_edges() -> None:
    rng = np.random.default_rng(3)
    n, B = 5000, 50
    y = rng.random(n) < 0.1
    cheap = rng.random(n)
    exp = np.clip(np.where(y, 0.8, 0.2) + rng.normal(0, 0.25, n), 0, 1)
    forced = rng.random(n) < 0.05
    loss = rng.exponential(100, n)
    conf = confidence(cheap)
    b = bin_index(conf, B)
    a = ((cheap >= 0.5) == y).astype(np.int8)
    e = ((exp >= 0.5) == y).astype(np.int8)
    # Group like the SQL does, in numpy.
    keys = np.stack([b, y.astype(np.int64), a, e, forced.astype(np.int64)], axis=1)
    uniq, inv = np.unique(keys, axis=0, return_inverse=True)
    counts = BinCounts(
        bin_count=B,
        bin=uniq[:, 0], label=uniq[:, 1].astype(np.int8), cheap_correct=uniq[:, 2].astype(np.int8),
        expensive_correct=uniq[:, 3].astype(np.int8), forced=uniq[:, 4].astype(np.int8),
        n=np.bincount(inv.ravel()), loss_sum=np.bincount(inv.ravel(), weights=loss),
    )
    curve = bins_curve(counts)
    log = {"label": y, "cheap": cheap, "exp": exp, "forced": forced, "loss": loss}
    assert curve.threshold[0] == 0.5 and curve.threshold[-1] == ESCALATE_ALL
    for i, t in enumerate(curve.threshold):
        j = B if t == ESCALATE_ALL else round((t - 0.5) * 2 * B)
        esc = forced | (b < j)
        pred = np.where(esc, exp >= 0.5, cheap >= 0.5)
        assert curve.escalated[i] == esc.sum()
        assert curve.correct[i] == np.sum(pred == y)
        assert curve.tp[i] == np.sum(pred & y)
        assert curve.fp[i] == np.sum(pred & ~y)
        assert curve.missed_loss is not None
        assert curve.missed_loss[i] == pytest.approx(loss[y & ~pred].sum())
        # Bin edges are ordinary thresholds of the exact sweep too.
        _, correct, _, _, _ = brute(log, t, 0.5)
        assert curve.correct[i] == correct


def test_downsample_keeps_shape_and_required_points() -> None:
    k = 100_000
    share = np.linspace(0, 1, k)
    acc = 99 + np.sqrt(share)  # a knee near the start
    keep = [12_345, 67_890]
    idx = downsample(share, acc, keep, 200)
    assert idx.size <= 200
    assert {0, k - 1, *keep} <= set(idx.tolist())
    assert np.all(np.diff(idx) > 0)
    # Shape: the knee (first 1% of share) gets far more than 1% of the points.
    assert np.sum(share[idx] < 0.01) >= 5
    # Max vertical error of the piecewise-linear rebuild stays small.
    rebuilt = np.interp(share, share[idx], acc[idx])
    assert np.max(np.abs(rebuilt - acc)) < 0.01
    # Small curves are returned whole, minus consecutive duplicates.
    small = downsample(np.array([0.0, 0.5, 0.5, 1.0]), np.array([1.0, 2.0, 2.0, 3.0]), [], 200)
    assert small.tolist() == [0, 1, 3]


def test_minmax_thin_keeps_extremes() -> None:
    y = np.zeros(10_000)
    y[4321], y[7777] = 5.0, -3.0
    got = minmax_thin(y, 64)
    assert {0, 4321, 7777, 9999} <= set(got.tolist()) and got.size <= 130


def test_accuracy_cutoff_matches_the_float_definition() -> None:
    from workbench.routing.policy import meets_accuracy

    for n in (1, 7, 200, 1000, 12_345):
        for target in (50.0, 90.0, 99.5, 99.9, 100.0):
            k = np.arange(n + 1)
            assert np.array_equal(meets_accuracy(k, n, target), 100 * k / n >= target - 1e-9)


def test_exact_sweep_handles_float32_and_extreme_scores() -> None:
    y = np.array([0, 1, 1, 0], dtype=bool)
    cheap = np.array([0.0, 1.0, 0.5, 0.25], dtype=np.float32).astype(np.float64)
    exp = np.array([0.0, 1.0, 1.0, 0.0])
    curve = exact_curve(y, cheap, exp)
    assert curve.threshold.tolist() == [0.5, 0.75, 1.0, ESCALATE_ALL]
    assert curve.escalated.tolist() == [0, 1, 2, 4]
    assert math.isfinite(ESCALATE_ALL) and ESCALATE_ALL > 1.0


@pytest.mark.slow
def test_ten_million_rows_in_memory() -> None:
    """Scale: 10M rows sweep + selection well inside the time budget (3 s target, 10 s bound for noisy CI)."""
    import time

    rng = np.random.default_rng(0)
    n = 10_000_000
    y = rng.random(n) < 0.005
    cheap = rng.random(n)
    exp = np.where(rng.random(n) < 0.998, y, ~y).astype(np.float64) * 0.8 + 0.1
    spec = RoutingSpec(cheap_cost_per_1k=0.02, expensive_cost_per_1k=1.0, target_accuracy=90.0)
    t0 = time.perf_counter()
    result = build_result(spec, exact_curve(y, cheap, exp))
    elapsed = time.perf_counter() - t0
    assert result.rows == n and result.recommended is not None
    assert len(result.curve) <= 200
    assert elapsed < 10, elapsed
