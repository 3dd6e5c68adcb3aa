"""SMAA-2 against an independent brute-force loop, exact acceptabilities and edges.

The brute force is plain Python (the `random` module, no numpy): weights uniform on
the simplex by sorted uniform spacings (a different algorithm from the normalized
exponentials SMAA uses), Beta accuracies by `random.betavariate`, price and latency
factors by `random.uniform`, monthly costs, the three normalizations written out from
the formulas in `workbench.scoring`, the constraints, then a sort. Both estimate the
same probabilities from independent draws, so they must agree within Monte Carlo
error: |a - b| <= 4.5 sqrt(p (1 - p) (1/D1 + 1/D2)) + 0.002.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import pytest

from workbench.analysis import Analysis, analyze
from workbench.errors import InputError
from workbench.model import Constraints, Criterion, Scenario, Scoring, Workload
from workbench.robustness.smaa import SmaaSettings, smaa

TABLE = pd.DataFrame({
    "name": ["alpha", "bravo", "charlie", "delta"],
    "accuracy": [92.0, 90.5, 88.0, 94.0],
    "latency_ms": [40.0, 25.0, 12.0, 90.0],
    "cost_per_1k": [0.50, 0.35, 0.20, 0.90],
    "eval_n": [200.0, 150.0, 500.0, 120.0],
})
VOLUME = 100_000  # per day; 3,000,000 a month
BUDGET = 1_400.0  # delta ($2,700) never fits; alpha ($1,500) only when its price dips
MAX_LATENCY = 80.0  # delta (90 ms) fits only when its latency dips below 80
PRICE, LATENCY = 30.0, 20.0  # +- %


def scenario(method: str, cost_scale: str) -> Scenario:
    criteria = (Criterion("accuracy", "max", 0.5), Criterion("latency_ms", "min", 0.2),
                Criterion("cost", "min", 0.3, cost_scale))
    return Scenario(TABLE, Workload(VOLUME), Constraints(max_latency_ms=MAX_LATENCY,
                    monthly_budget_usd=BUDGET), Scoring(criteria, method))


def normalize(xs: list[float], direction: str, method: str) -> list[float]:
    if method == "minmax":
        lo, hi = min(xs), max(xs)
        if hi == lo:
            return [1.0] * len(xs)
        return [(x - lo) / (hi - lo) if direction == "max" else (hi - x) / (hi - lo) for x in xs]
    if method == "ratio":
        return [x / max(xs) for x in xs] if direction == "max" else [min(xs) / x for x in xs]
    norm = math.sqrt(sum(x * x for x in xs))
    return [x / norm if direction == "max" else 1 - x / norm for x in xs]


def brute_force(method: str, cost_scale: str, draws: int, seed: int) -> dict[str, object]:
    rnd = random.Random(seed)
    rows = TABLE.to_dict("records")
    n = len(rows)
    counts = [[0] * n for _ in range(n)]
    feasible_counts = [0] * n
    weight_sums = [[0.0, 0.0, 0.0] for _ in range(n)]
    for _ in range(draws):
        cuts = sorted(rnd.random() for _ in range(2))
        w = [cuts[0], cuts[1] - cuts[0], 1 - cuts[1]]
        acc, lat, cost = [], [], []
        for r in rows:
            k = r["accuracy"] / 100 * r["eval_n"]
            acc.append(100 * rnd.betavariate(k + 1, r["eval_n"] - k + 1))
        for r in rows:
            cost.append(r["cost_per_1k"] * rnd.uniform(1 - PRICE / 100, 1 + PRICE / 100)
                        * VOLUME * 30 / 1000)
        for r in rows:
            lat.append(r["latency_ms"] * rnd.uniform(1 - LATENCY / 100, 1 + LATENCY / 100))
        scaled_cost = [math.log10(c) for c in cost] if cost_scale == "log10" else cost
        columns = [normalize(acc, "max", method), normalize(lat, "min", method),
                   normalize(scaled_cost, "min", method)]
        score = [sum(w[j] * columns[j][i] for j in range(3)) for i in range(n)]
        ok = [cost[i] <= BUDGET and lat[i] <= MAX_LATENCY for i in range(n)]
        ranked = sorted((i for i in range(n) if ok[i]), key=lambda i: -score[i])
        for place, i in enumerate(ranked):
            counts[i][place] += 1
        for i in range(n):
            feasible_counts[i] += ok[i]
        if ranked:
            for j in range(3):
                weight_sums[ranked[0]][j] += w[j]
    return {"counts": counts, "feasible": feasible_counts, "weights": weight_sums}


def by_name(a: Analysis) -> list[int]:
    """Row positions of TABLE's candidates in the analysis' rank order."""
    names = a.table["name"].tolist()
    return [names.index(n) for n in TABLE["name"]]


@pytest.mark.parametrize(("method", "cost_scale"),
                         [("minmax", "linear"), ("ratio", "log10"), ("vector", "linear")])
def test_acceptabilities_match_a_brute_force_loop(method: str, cost_scale: str) -> None:
    a = analyze(scenario(method, cost_scale))
    d1, d2 = 40_000, 10_000
    result = smaa(a, SmaaSettings(draws=d1, seed=3, price_range_pct=PRICE,
                                  latency_range_pct=LATENCY))
    assert result.varied == ("weights", "accuracy", "prices", "latency")
    oracle = brute_force(method, cost_scale, d2, seed=11)
    pos = by_name(a)
    n = len(pos)
    for i in range(n):
        for r in range(n):
            p = oracle["counts"][i][r] / d2  # type: ignore[index]
            q = float(result.acceptability[pos[i], r])
            tol = 4.5 * math.sqrt(max(p * (1 - p), q * (1 - q)) * (1 / d1 + 1 / d2)) + 0.002
            assert abs(p - q) <= tol, (method, TABLE["name"][i], r, p, q)
        pf = oracle["feasible"][i] / d2  # type: ignore[index]
        assert abs(pf - result.p_feasible[pos[i]]) <= 4.5 * math.sqrt(
            max(pf * (1 - pf), 1e-4) * (1 / d1 + 1 / d2)) + 0.002
        firsts = oracle["counts"][i][0]  # type: ignore[index]
        if firsts > 500 and result.acceptability[pos[i], 0] * d1 > 500:
            central = [s / firsts for s in oracle["weights"][i]]  # type: ignore[index]
            # A mean of weights in [0, 1]: standard error at most 0.5 / sqrt(count).
            np.testing.assert_allclose(result.central_weights[pos[i]], central,
                                       atol=4.5 * 0.5 / math.sqrt(firsts))
    # Delta ($2,700) never fits the budget, even 30% cheaper ($1,890).
    assert result.p_feasible[pos[3]] == 0.0
    assert result.acceptability[pos[3]].sum() == 0.0
    # Each draw has a pick here (charlie always fits): first places sum to 1.
    assert result.acceptability[:, 0].sum() == pytest.approx(1.0)
    assert result.p_no_pick == 0.0


def test_two_criteria_fixed_values_match_the_weight_intervals() -> None:
    # Minmax over accuracy (90, 85, 80) and cost (10, 2, 1 per 1k) gives
    #   A: (1, 0)   B: (1/2, 8/9)   C: (0, 1).
    # With w ~ U(0, 1) on accuracy: C leads for w < 2/11, B up to 16/25, A above,
    # so b^1 = (9/25, 16/25 - 2/11, 2/11) exactly.
    frame = pd.DataFrame({"name": ["A", "B", "C"], "accuracy": [90.0, 85.0, 80.0],
                          "latency_ms": [1.0, 1.0, 1.0], "cost_per_1k": [10.0, 2.0, 1.0]})
    crit = (Criterion("accuracy", "max", 0.5), Criterion("cost", "min", 0.5))
    a = analyze(Scenario(frame, scoring=Scoring(crit)))
    draws = 200_000
    result = smaa(a, SmaaSettings(draws=draws, seed=1))
    assert result.varied == ("weights",)
    expected = {"A": 9 / 25, "B": 16 / 25 - 2 / 11, "C": 2 / 11}
    for name, p in expected.items():
        assert result.first(name) == pytest.approx(p, abs=4.5 * math.sqrt(p * (1 - p) / draws))
    # The central weight of A is the mean of U(16/25, 1) on accuracy: 0.82.
    assert result.central_weights[result.names.index("A"), 0] == pytest.approx(0.82, abs=0.003)
    # With the analysis' weights fixed (0.5, 0.5) nothing varies: B (0.694) is always
    # first; A and C tie at 0.5 and the cheaper C ranks second, as in rank_order.
    fixed = smaa(a, SmaaSettings(draws=100, weights="fixed"))
    assert fixed.first("B") == 1.0 and fixed.p_pick_first == 1.0 and fixed.pick == "B"
    assert a.table["name"].tolist() == ["B", "C", "A"]
    np.testing.assert_array_equal(fixed.acceptability[fixed.names.index("C")], [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(fixed.acceptability[fixed.names.index("A")], [0.0, 0.0, 1.0])


def test_feasibility_is_rechecked_per_draw() -> None:
    # X costs exactly the budget: with a symmetric +-20% price range it fits half the
    # time. Y's accuracy sits on the minimum: the normal model is symmetric, so also half.
    frame = pd.DataFrame({"name": ["X", "Y", "Z"], "accuracy": [95.0, 90.0, 99.0],
                          "latency_ms": [1.0, 1.0, 1.0], "cost_per_1k": [1.0, 0.5, 0.1],
                          "price_range_pct": [20.0, 0.0, 0.0], "eval_n": [np.nan, 500.0, np.nan]})
    a = analyze(Scenario(frame, Workload(1_000), Constraints(monthly_budget_usd=30.0,
                                                             min_accuracy=90.0)))
    draws = 50_000
    result = smaa(a, SmaaSettings(draws=draws, seed=5, accuracy_model="normal"))
    tol = 4.5 * math.sqrt(0.25 / draws)
    p = dict(zip(result.names, result.p_feasible))
    assert p["X"] == pytest.approx(0.5, abs=tol)
    assert p["Y"] == pytest.approx(0.5, abs=tol)
    assert p["Z"] == 1.0


def test_weight_ranges() -> None:
    frame = pd.DataFrame({"name": ["A", "B", "C"], "accuracy": [90.0, 85.0, 80.0],
                          "latency_ms": [1.0, 1.0, 1.0], "cost_per_1k": [10.0, 2.0, 1.0]})
    crit = (Criterion("accuracy", "max", 0.5), Criterion("cost", "min", 0.5))
    a = analyze(Scenario(frame, scoring=Scoring(crit)))
    # Accuracy raw weight uniform on [0.5, 3] with cost fixed at 0.5: the share
    # u / (u + 0.5) passes 16/25 at u = 8/9, so A leads with P = (3 - 8/9) / 2.5.
    draws = 100_000
    result = smaa(a, SmaaSettings(draws=draws, weights="ranges",
                                  weight_ranges={"accuracy": (0.5, 3.0)}))
    p = (3 - 8 / 9) / 2.5
    assert result.first("A") == pytest.approx(p, abs=4.5 * math.sqrt(p * (1 - p) / draws))
    assert result.first("C") == 0.0
    with pytest.raises(InputError):
        smaa(a, SmaaSettings(weights="ranges", weight_ranges={"latency": (0, 1)}))
    with pytest.raises(InputError):
        smaa(a, SmaaSettings(weights="ranges", weight_ranges={"cost": (2, 1)}))


def test_deterministic_for_a_seed_and_bounded_ranks() -> None:
    a = analyze(scenario("minmax", "linear"))
    s = SmaaSettings(draws=3_000, seed=42, price_range_pct=10, latency_range_pct=10)
    one, two = smaa(a, s), smaa(a, s)
    np.testing.assert_array_equal(one.acceptability, two.acceptability)
    np.testing.assert_array_equal(one.central_weights, two.central_weights)
    other = smaa(a, SmaaSettings(draws=3_000, seed=43, price_range_pct=10, latency_range_pct=10))
    assert not np.array_equal(one.acceptability, other.acceptability)
    top2 = smaa(a, SmaaSettings(draws=3_000, seed=42, price_range_pct=10, latency_range_pct=10,
                                max_rank=2))
    np.testing.assert_array_equal(top2.acceptability, one.acceptability[:, :2])
    assert one.standard_error(0.5) == pytest.approx(math.sqrt(0.25 / 3_000))


def test_many_candidates_are_chunked_with_the_same_totals() -> None:
    rng = np.random.default_rng(0)
    n = 2_500  # 1M elements per chunk: 419 draws a chunk, several chunks
    frame = pd.DataFrame({"name": [f"m{i}" for i in range(n)],
                          "accuracy": rng.uniform(70, 95, n), "latency_ms": rng.uniform(1, 50, n),
                          "cost_per_1k": rng.uniform(0.1, 2, n)})
    a = analyze(Scenario(frame, Workload(10_000), Constraints(max_latency_ms=40)))
    result = smaa(a, SmaaSettings(draws=1_000, seed=0, eval_n=2_000, max_rank=3,
                                  latency_range_pct=10))
    assert result.acceptability.shape == (n, 3)
    np.testing.assert_allclose(result.acceptability.sum(axis=0), [1.0, 1.0, 1.0])


def test_settings_are_checked() -> None:
    a = analyze(scenario("minmax", "linear"))
    for bad in (SmaaSettings(draws=0), SmaaSettings(seed=-1), SmaaSettings(weights="dirichlet"),
                SmaaSettings(accuracy_model="poisson"), SmaaSettings(price_range_pct=100)):
        with pytest.raises(InputError):
            smaa(a, bad)
