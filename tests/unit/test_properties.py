"""Hypothesis properties of the frontier and the ranking, checked against brute force."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.analysis import analyze
from workbench.frontier import pareto_mask
from workbench.model import Constraints, Scenario, Scoring, Workload

# Few distinct values on purpose: ties and exact duplicates are where frontiers break.
values = st.sampled_from([0.0, 0.5, 1.0, 2.0, 2.5, 10.0, 99.0])
points = st.lists(st.tuples(values, values), min_size=1, max_size=40)


def brute_force(cost: np.ndarray, acc: np.ndarray) -> np.ndarray:
    n = len(cost)
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        for j in range(n):
            if (
                cost[j] <= cost[i]
                and acc[j] >= acc[i]
                and (cost[j] < cost[i] or acc[j] > acc[i])
            ):
                keep[i] = False
    return keep


@given(points)
def test_frontier_matches_brute_force(pts: list[tuple[float, float]]) -> None:
    cost = np.array([p[0] for p in pts])
    acc = np.array([p[1] for p in pts])
    assert pareto_mask(cost, acc).tolist() == brute_force(cost, acc).tolist()


@given(points)
def test_no_frontier_point_is_dominated_and_every_other_is(pts: list[tuple[float, float]]) -> None:
    cost = np.array([p[0] for p in pts])
    acc = np.array([p[1] for p in pts])
    mask = pareto_mask(cost, acc)
    assert mask.any()
    for i in np.flatnonzero(mask):
        dominated = (cost <= cost[i]) & (acc >= acc[i]) & ((cost < cost[i]) | (acc > acc[i]))
        assert not dominated.any()
    for i in np.flatnonzero(~mask):
        assert ((cost <= cost[i]) & (acc >= acc[i]) & ((cost < cost[i]) | (acc > acc[i]))).any()


rows = st.lists(
    st.tuples(
        st.floats(0, 100), st.floats(0, 1e4), st.floats(0, 1e3), st.floats(1, 5)
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(
    rows,
    st.sampled_from(["minmax", "ratio", "vector"]),
    st.one_of(st.none(), st.floats(0, 1e5)),
    st.one_of(st.none(), st.floats(0, 1e4)),
    st.one_of(st.none(), st.floats(1, 1e6)),
)
def test_ranking_invariants(
    data: list[tuple[float, float, float, float]],
    method: str,
    max_latency: float | None,
    budget: float | None,
    volume: float | None,
) -> None:
    frame = pd.DataFrame(
        {
            "name": [f"m{i}" for i in range(len(data))],
            "accuracy": [d[0] for d in data],
            "latency_ms": [d[1] for d in data],
            "cost_per_1k": [d[2] for d in data],
            "maintainability": [d[3] for d in data],
        }
    )
    a = analyze(
        Scenario(
            frame,
            Workload(volume),
            Constraints(max_latency_ms=max_latency, monthly_budget_usd=budget),
            Scoring(None, method),  # type: ignore[arg-type]
        )
    )
    t = a.table
    feasible = t["feasible"].to_numpy()
    score = t["score"].to_numpy()
    # Feasible candidates come first, each group by non-increasing score.
    assert not (np.diff(feasible.astype(int)) > 0).any()
    for group in (score[feasible], score[~feasible]):
        assert (np.diff(group) <= 1e-12).all()
    assert list(t["rank"]) == list(range(1, len(t) + 1))
    assert np.allclose(a.contributions.sum(axis=1).to_numpy(), score)
    assert sum(c.weight for c in a.criteria) == pytest_approx_one()
    if method == "minmax":
        assert ((score >= -1e-12) & (score <= 1 + 1e-12)).all()
    # Feasibility agrees with the violations, and the recommendation with rank 1.
    assert [not v for v in a.violations()] == feasible.tolist()
    if a.recommendation is None:
        assert not feasible.any()
    else:
        assert a.recommendation.name == t["name"].iloc[0] and feasible[0]
    # The rank-1 pick at multiplier 1 of the sweep is the recommendation.
    if a.volume_sweep is not None:
        one = list(a.volume_sweep.multipliers).index(1.0)
        assert a.volume_sweep.recommendations[one] == (a.recommendation.name if a.recommendation else None)


def pytest_approx_one() -> object:
    import pytest

    return pytest.approx(1.0)
