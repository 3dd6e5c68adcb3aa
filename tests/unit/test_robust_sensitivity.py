"""Critical weights and pick/runner-up swaps, with `analyze` as the oracle.

The property: at each reported critical share plus a small epsilon the pick differs
(and is the reported new pick), and minus epsilon it is unchanged; where "never" is
reported, the far end of the range keeps the pick. The new weights are spelled as
`raw_weight_at` does (one raw weight changed, the others as typed), so that figure is
checked too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from workbench.analysis import Analysis, analyze
from workbench.loading import load_table
from workbench.model import Constraints, Criterion, Scenario, Scoring, Workload
from workbench.robustness.sensitivity import (
    Swap,
    swaps,
    tornado,
    weight_sensitivity,
)

VIT = "ViT-L detector (transformer)"
CNN = "ResNet-50 FPN (mid-tier CNN)"
EDGE = "MobileNet-SSD edge (on-device)"
RETAIL_CRITERIA = (
    Criterion("accuracy", "max", 0.4), Criterion("latency_ms", "min", 0.2),
    Criterion("cost", "min", 0.3), Criterion("maintainability", "max", 0.1),
)


def retail(path: Path, budget: float | None) -> Analysis:
    frame = load_table(path).frame
    return analyze(Scenario(
        frame, Workload(500_000), Constraints(max_latency_ms=200, monthly_budget_usd=budget),
        Scoring(RETAIL_CRITERIA),
    ))


def with_share(a: Analysis, k: int, share: float) -> Analysis:
    """Re-run analyze with criterion k's raw weight set so that its share is `share`."""
    crit = a.scenario.scoring.criteria
    assert crit is not None
    others = sum(c.weight for j, c in enumerate(crit) if j != k)
    raw = share / (1.0 - share) * others
    changed = tuple(
        Criterion(c.column, c.direction, raw if j == k else c.weight, c.scale)
        for j, c in enumerate(crit)
    )
    return analyze(a.scenario.with_(scoring=Scoring(changed, a.scenario.scoring.normalization)))


def pick_with_share(a: Analysis, k: int, share: float) -> str | None:
    again = with_share(a, k, share)
    return again.recommendation.name if again.recommendation else None


def keeps_pick(a: Analysis, k: int, share: float, pick: str) -> bool:
    """The pick is still first at `share`, or ties the first to the last bits: equal
    scores in exact arithmetic, summed in another order, that `analyze` ranks by
    their rounding while the sensitivity (exactly) lets the tie-break decide."""
    again = with_share(a, k, share)
    if again.recommendation is None:
        return False
    first = again.recommendation.name
    if first == pick:
        return True
    score = again.table.set_index("name")["score"]
    return bool(abs(score[first] - score[pick]) <= 1e-12 * max(1.0, abs(score[first])))


# --------------------------------------------------------------------- by hand


def test_retail_with_the_budget_nothing_but_the_edge_model_is_feasible(retail_csv: Path) -> None:
    sens = weight_sensitivity(retail(retail_csv, 15_000))
    assert [s.criterion for s in sens] == ["accuracy", "latency_ms", "cost", "maintainability"]
    assert all(s.up.never and s.down.never for s in sens)
    assert [(b.low, b.high) for b in tornado(sens)] == [(0.0, 1.0)] * 4


def test_retail_without_the_budget_critical_accuracy_weight_by_hand(retail_csv: Path) -> None:
    # Feasible: CNN (pick) and edge. Minmax values (accuracy, latency, cost, maint.):
    #   CNN  (5/8, 400/480, 225,000/298,500, 1)    edge (0, 1, 1, 1/2)
    # Accuracy share t, the rest rescaled by (1 - t)/0.6:
    #   a_CNN = (0.2*5/6 + 0.3*225000/298500 + 0.1) / 0.6,  b_CNN = 5/8 - a_CNN
    #   a_edge = (0.2 + 0.3 + 0.05) / 0.6,                  b_edge = -a_edge
    # They cross at t = (a_edge - a_CNN) / (b_CNN - b_edge).
    a_cnn = (0.2 * 5 / 6 + 0.3 * 225_000 / 298_500 + 0.1) / 0.6
    a_edge = 0.55 / 0.6
    t = (a_edge - a_cnn) / ((5 / 8 - a_cnn) + a_edge)
    assert t == pytest.approx(0.132351516, abs=1e-9)
    a = retail(retail_csv, None)
    acc = weight_sensitivity(a)[0]
    assert acc.criterion == "accuracy" and acc.weight == pytest.approx(0.4)
    assert acc.up.never
    assert acc.down.weight_at == pytest.approx(t, abs=1e-12)
    assert acc.down.change == pytest.approx(t - 0.4, abs=1e-12)
    assert acc.down.new_pick == EDGE
    # Typed as one raw weight with the others (0.2 + 0.3 + 0.1) left alone:
    assert acc.down.raw_weight_at == pytest.approx(t / (1 - t) * 0.6, abs=1e-12)
    assert pick_with_share(a, 0, t + 1e-9) == CNN
    assert pick_with_share(a, 0, t - 1e-9) == EDGE
    bars = tornado(weight_sensitivity(a))
    # Most sensitive first: accuracy (0.268 away), cost (0.307), latency (0.429), maint.
    assert [b.criterion for b in bars] == ["accuracy", "cost", "latency_ms", "maintainability"]
    assert bars[0].low == pytest.approx(t) and bars[0].high == 1.0
    assert bars[0].low_pick == EDGE and bars[0].high_pick is None


def test_retail_swaps_by_hand(retail_csv: Path) -> None:
    # The edge model ($1,500/month, 20 ms) against the CNN ($75,000, over budget).
    found = swaps(retail(retail_csv, 15_000))
    assert found is not None and (found.pick, found.runner_up) == (EDGE, CNN)
    # Edge prices x10 reach the $15,000 budget: +900%.
    cost = found.get("cost", EDGE)
    assert cost.direction == "up" and found.get("cost", CNN).direction == "down"
    assert cost.change == pytest.approx(900, rel=1e-9) and cost.at == pytest.approx(1.0)
    assert cost.event == "pick_breaks" and cost.why == f"{EDGE} breaks the budget of $15,000/month"
    # Its latency can grow by 180 ms to the 200 ms limit.
    lat = found.get("latency", EDGE)
    assert lat.at == pytest.approx(200, rel=1e-9) and lat.change == pytest.approx(180, rel=1e-9)
    # A CNN 80% cheaper ($15,000/month) fits and outscores the edge model (0.80 > 0.55).
    cnn_cost = found.get("cost", CNN)
    assert cnn_cost.change == pytest.approx(-80, rel=1e-9)
    assert cnn_cost.event == "runner_up_feasible"
    # Accuracy and latency alone never make the CNN affordable; the edge model stays
    # feasible at any accuracy (there is no minimum).
    for parameter, who in (("accuracy", EDGE), ("accuracy", CNN), ("latency", CNN)):
        assert found.get(parameter, who).at is None
    # Volume: x10 breaks the edge budget; /5 (100,000/day) brings the CNN in budget.
    up, down = found.get("volume", None, "up"), found.get("volume", None, "down")
    assert up.at == pytest.approx(5_000_000, rel=1e-9) and up.event == "pick_breaks"
    assert down.at == pytest.approx(100_000, rel=1e-9) and down.event == "runner_up_feasible"
    assert down.change == pytest.approx(-80, rel=1e-9)


def test_no_runner_up_no_swaps() -> None:
    frame = pd.DataFrame({"name": ["only"], "accuracy": [90.0], "latency_ms": [5.0],
                          "cost_per_1k": [1.0]})
    a = analyze(Scenario(frame))
    assert swaps(a) is None
    assert all(s.up.never and s.down.never for s in weight_sensitivity(a))


# ------------------------------------------------------------------ properties

COLUMNS = (("accuracy", "max"), ("latency_ms", "min"), ("cost", "min"),
           ("maintainability", "max"))


@st.composite
def problems(draw: st.DrawFn) -> Scenario:
    n = draw(st.integers(2, 6))
    ints = st.integers
    frame = pd.DataFrame({
        "name": [f"m{i}" for i in range(n)],
        "accuracy": draw(st.lists(ints(50, 100), min_size=n, max_size=n)),
        "latency_ms": draw(st.lists(ints(1, 400), min_size=n, max_size=n)),
        "cost_per_1k": [c / 10 for c in draw(st.lists(ints(1, 200), min_size=n, max_size=n))],
        "maintainability": draw(st.lists(ints(1, 5), min_size=n, max_size=n)),
    }).astype({"accuracy": float, "latency_ms": float, "maintainability": float})
    k = draw(st.integers(2, 4))
    chosen = draw(st.permutations(COLUMNS))[:k]
    weights = draw(st.lists(ints(0, 10), min_size=k, max_size=k))
    assume(sum(weights) > 0)
    # Monthly costs are >= 30 here, so a log10 cost is valid under every normalization.
    cost_scale = draw(st.sampled_from(["linear", "log10"]))
    criteria = tuple(Criterion(c, d, float(w), cost_scale if c == "cost" else "linear")
                     for (c, d), w in zip(chosen, weights))
    method = draw(st.sampled_from(["minmax", "ratio", "vector"]))
    limit = draw(st.one_of(st.none(), ints(50, 400).map(float)))
    return Scenario(frame, Workload(10_000), Constraints(max_latency_ms=limit),
                    Scoring(criteria, method))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
@example(Scenario(  # m0 and m1 tie at 1/2 for every share of maintainability (equal there)
    pd.DataFrame({"name": ["m0", "m1"], "accuracy": [51.0, 50.0], "latency_ms": [1.0, 2.0],
                  "cost_per_1k": [0.2, 0.1], "maintainability": [1.0, 1.0]}),
    Workload(10_000), Constraints(),
    Scoring((Criterion("cost", "min", 9.0), Criterion("latency_ms", "min", 1.0),
             Criterion("maintainability", "max", 0.0), Criterion("accuracy", "max", 8.0)),
            "minmax")))
def test_critical_weights_against_analyze(scenario: Scenario) -> None:
    a = analyze(scenario)
    assume(a.recommendation is not None)
    assert a.recommendation is not None
    pick = a.recommendation.name
    crit = scenario.scoring.criteria
    assert crit is not None
    for k, sens in enumerate(weight_sensitivity(a)):
        others = sum(c.weight for j, c in enumerate(crit) if j != k)
        if others == 0:
            continue  # all the weight on one criterion: no proportions to keep
        t0 = sens.weight
        for change, sign in ((sens.up, 1.0), (sens.down, -1.0)):
            if change.weight_at is None:
                far = 1.0 - 1e-6 if sign > 0 else 1e-6
                if sign * (far - t0) > 0:
                    assert keeps_pick(a, k, far, pick), (k, change)
                continue
            t = change.weight_at
            assert change.raw_weight_at == pytest.approx(t / (1 - t) * others)
            # t == t0: a tie at the current weight that any move that way breaks.
            assert 0.0 <= t <= 1.0 and sign * (t - t0) >= 0
            eps = 1e-7
            past = t + sign * eps
            if 0.0 < past < 1.0:
                after = pick_with_share(a, k, past)
                assert after != pick, (k, change)
                assert after == change.new_pick, (k, change)
            before = t - sign * eps
            if sign * (before - t0) > 0:
                assert pick_with_share(a, k, before) == pick, (k, change)


def moved_scenario(a: Analysis, swap: Swap, x: float) -> Scenario:
    """The scenario with the swap's input at x (a factor for cost, a volume per day
    for volume, else the value)."""
    scenario = a.scenario
    if swap.parameter == "volume":
        w = scenario.workload
        return scenario.with_(workload=Workload(x, w.days_per_month, w.horizon_months))
    frame = scenario.candidates.copy()
    row = int(np.flatnonzero((frame["name"] == swap.moved).to_numpy())[0])
    if swap.parameter == "cost":
        for col in ("cost_per_1k", "fixed_monthly_usd", "one_time_usd"):
            if col in frame.columns:
                frame.loc[frame.index[row], col] = frame[col].iloc[row] * x
    else:
        col = "accuracy" if swap.parameter == "accuracy" else "latency_ms"
        frame.loc[frame.index[row], col] = x
    return scenario.with_(candidates=frame)


def lost(a: Analysis, pick: str, runner: str) -> bool:
    """analyze's verdict: is the pick no longer ranked feasible and above the runner-up?"""
    names = a.table["name"].tolist()
    p, r = names.index(pick), names.index(runner)
    return not (bool(a.table["feasible"].iloc[p]) and p < r)


@st.composite
def swap_problems(draw: st.DrawFn) -> Scenario:
    scenario = draw(problems())
    frame = scenario.candidates.copy()
    n = len(frame)
    frame["fixed_monthly_usd"] = [float(v) for v in draw(
        st.lists(st.sampled_from([0, 0, 100, 5000]), min_size=n, max_size=n))]
    budget = draw(st.one_of(st.none(), st.integers(1_000, 80_000).map(float)))
    limits = scenario.constraints
    return scenario.with_(candidates=frame, constraints=Constraints(
        max_latency_ms=limits.max_latency_ms, monthly_budget_usd=budget,
        min_accuracy=draw(st.one_of(st.none(), st.integers(50, 95).map(float)))))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(swap_problems())
def test_swaps_against_analyze(scenario: Scenario) -> None:
    a = analyze(scenario)
    found = swaps(a)
    assume(found is not None)
    assert found is not None
    for swap in found.swaps:
        factor = swap.parameter in ("cost",)
        to_x = (lambda v: v / swap.current) if factor else (lambda v: v)
        if swap.parameter == "cost" and swap.current == 0:
            continue
        if swap.at is None:
            end = to_x(swap.searched[1])
            assert not lost(analyze(moved_scenario(a, swap, end)), found.pick, found.runner_up), swap
            continue
        x = to_x(swap.at)
        start = 1.0 if factor else swap.current
        step = (x - start) * 1e-7
        assert lost(analyze(moved_scenario(a, swap, x + step)), found.pick, found.runner_up), swap
        if abs(x - start) > 1e-9 * max(abs(x), 1.0):
            assert not lost(analyze(moved_scenario(a, swap, x - step)), found.pick,
                            found.runner_up), swap
