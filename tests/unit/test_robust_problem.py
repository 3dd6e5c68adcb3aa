"""The robustness package's batched helpers against the engine's own definitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.analysis import analyze
from workbench.errors import InputError
from workbench.model import Scenario
from workbench.robustness.problem import normalize_rows, problem_of, tie_order
from workbench.scoring import ResolvedCriterion, normalize, rank_order, scale_values

# Few distinct values: ties, equal rows (span 0) and zeros are where normalizations differ.
cell = st.one_of(st.sampled_from([0.0, 1.0, 2.0, 2.5, 10.0, 99.0, 1e-3]), st.just(np.nan))
rows = st.lists(st.lists(cell, min_size=4, max_size=4), min_size=1, max_size=6)


# scoring.normalize itself warns on an all-NaN column (np.nanmin); the oracle's noise.
@pytest.mark.filterwarnings("ignore:All-NaN slice:RuntimeWarning")
@settings(max_examples=200, deadline=None)
@given(rows, st.sampled_from(["minmax", "ratio", "vector"]), st.sampled_from(["max", "min"]),
       st.sampled_from(["linear", "log10"]))
def test_normalize_rows_is_scoring_normalize_row_by_row(
    matrix: list[list[float]], method: str, direction: str, scale: str
) -> None:
    x = np.array(matrix, dtype=float)
    crit = ResolvedCriterion("c", direction, 1.0, scale, "c", 1.0)
    expected = []
    for row in x:
        try:
            values = scale_values(row, crit, "t", method)
        except InputError:
            # The engine refuses such a row; the batched version must refuse too.
            try:
                normalize_rows(x, crit, method)
            except InputError:
                return
            raise AssertionError("normalize_rows accepted values scale_values refuses")
        norm = normalize(values, direction, method)
        expected.append(np.where(np.isnan(norm), 0.0, norm))
    got = normalize_rows(x, crit, method)
    np.testing.assert_array_equal(got, np.array(expected))


def test_tie_order_breaks_ties_as_rank_order() -> None:
    # Five candidates with one score: rank_order sorts them by cost, then name.
    frame = pd.DataFrame({
        "name": ["d", "b", "a", "c", "e"],
        "accuracy": [90.0] * 5, "latency_ms": [10.0] * 5,
        "cost_per_1k": [2.0, 1.0, 2.0, 1.0, 0.5],
    })
    a = analyze(Scenario(frame))
    problem = problem_of(a)
    assert [problem.names[i] for i in tie_order(problem)] == ["e", "b", "c", "a", "d"]
    order = rank_order(np.zeros(5), np.ones(5, bool), frame["cost_per_1k"].to_numpy(),
                       frame["name"])
    assert frame["name"].iloc[order].tolist() == ["e", "b", "c", "a", "d"]
