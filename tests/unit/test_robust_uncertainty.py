"""Accuracy intervals and tests against hand-computed and closed-form values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from workbench.analysis import analyze
from workbench.errors import InputError
from workbench.model import Constraints, Scenario
from workbench.robustness.uncertainty import (
    accuracy_uncertainty,
    beta_interval,
    betainc,
    betaincinv,
    mcnemar,
    n_to_separate,
    two_proportion_test,
    wilson_interval,
)


def test_wilson_90_of_100_by_hand() -> None:
    # z = 1.959964, z^2 = 3.841459: centre = (0.9 + 0.0192073) / 1.0384146 = 0.885209,
    # half = 1.959964 / 1.0384146 * sqrt(0.0009 + 0.0000960365) = 0.0595672.
    lo, hi = wilson_interval(90.0, 100)
    assert float(lo) == pytest.approx(82.5634, abs=1e-4)
    assert float(hi) == pytest.approx(94.4771, abs=1e-4)


def test_wilson_edges_and_missing_n() -> None:
    lo, hi = wilson_interval(np.array([100.0, 0.0, 90.0]), np.array([50, 50, np.nan]))
    # All right on 50 items: the upper end is 100%, the lower 1 - z^2/(n + z^2).
    assert hi[0] == pytest.approx(100.0)
    assert lo[0] == pytest.approx(100 * 50 / (50 + 1.959964**2), abs=1e-4)
    assert lo[1] == pytest.approx(0.0, abs=1e-12)
    assert math.isnan(lo[2]) and math.isnan(hi[2])


@pytest.mark.parametrize(("a", "b", "x", "expected"), [
    (1.0, 1.0, 0.3, 0.3),  # uniform
    (2.0, 1.0, 0.5, 0.25),  # CDF x^a
    (1.0, 4.0, 0.5, 1 - 0.5**4),  # CDF 1 - (1 - x)^b
    (3.0, 1.0, 0.9, 0.729),
    (2.0, 2.0, 0.5, 0.5),  # symmetric
    (2.0, 3.0, 0.4, 0.5248),  # 6x^2 - 8x^3 + 3x^4 at 0.4
])
def test_incomplete_beta_closed_forms(a: float, b: float, x: float, expected: float) -> None:
    assert float(betainc(np.array(a), np.array(b), np.array(x))) == pytest.approx(expected, abs=1e-12)


def test_beta_quantiles_closed_forms() -> None:
    q = betaincinv(np.array([2.0, 1.0, 3.0]), np.array([1.0, 4.0, 1.0]), np.array([0.25, 0.5, 0.1]))
    np.testing.assert_allclose(q, [0.5, 1 - 0.5**0.25, 0.1 ** (1 / 3)], atol=1e-12)


def test_beta_posterior_interval() -> None:
    # 0 right of 10: Beta(1, 11), CDF 1 - (1 - x)^11; the 97.5% point is
    # 1 - 0.025^(1/11) and the 2.5% point 1 - 0.975^(1/11).
    lo, hi = beta_interval(0.0, 10)
    assert float(lo) == pytest.approx(100 * (1 - 0.975 ** (1 / 11)), abs=1e-9)
    assert float(hi) == pytest.approx(100 * (1 - 0.025 ** (1 / 11)), abs=1e-9)
    # 90 of 100 against a large sample of Beta(91, 11) draws.
    lo, hi = beta_interval(90.0, 100)
    draws = np.random.default_rng(7).beta(91, 11, 400_000)
    np.testing.assert_allclose([float(lo), float(hi)], 100 * np.quantile(draws, [0.025, 0.975]),
                               atol=0.05)


def test_two_proportion_test_by_hand() -> None:
    # 90% vs 91% on 1,000 items each: pooled 0.905, se = sqrt(0.905 * 0.095 * 0.002)
    # = 0.013113, z = -0.01 / 0.013113 = -0.76260, p = 0.4457.
    z, p = two_proportion_test(90, 1000, 91, 1000)
    assert z == pytest.approx(-0.762604, abs=1e-6)
    assert p == pytest.approx(0.445700, abs=1e-6)
    assert two_proportion_test(100, 50, 100, 80) == (0.0, 1.0)


def test_items_needed_to_separate_by_hand() -> None:
    # 1.959964 * sqrt(2 * 0.905 * 0.095) + 0.841621 * sqrt(0.09 + 0.0819)
    # = 1.959964 * 0.414669 + 0.841621 * 0.414608 = 0.812736 + 0.348944 = 1.161680;
    # squared 1.349500, / 0.01^2 = 13,495.0 items per model.
    assert n_to_separate(90, 91) == pytest.approx(13_495.0, rel=1e-5)
    assert n_to_separate(90, 90) is None


def test_mcnemar_by_hand() -> None:
    # b = 10 items only A gets right, c = 2 only B: exact p = 2 * (1 + 12 + 66) / 4096.
    a = np.array([1] * 10 + [0] * 2 + [1] * 5 + [0] * 3)
    b = np.array([0] * 10 + [1] * 2 + [1] * 5 + [0] * 3)
    exact = mcnemar(a, b)
    assert (exact.only_a, exact.only_b, exact.method) == (10, 2, "exact")
    assert exact.p_value == pytest.approx(158 / 4096)
    assert exact.significant
    chi = mcnemar(a, b, method="chi-square")
    assert chi.statistic == pytest.approx(49 / 12)
    assert chi.p_value == pytest.approx(math.erfc(math.sqrt(49 / 24)))
    # Large discordant counts use the chi-square test by default.
    big = mcnemar(np.array([1] * 30 + [0] * 20), np.array([0] * 30 + [1] * 20))
    assert big.method == "chi-square" and big.statistic == pytest.approx(81 / 50)
    assert mcnemar(np.ones(5), np.ones(5)).p_value == 1.0


def test_mcnemar_exact_on_many_items_matches_the_log_path() -> None:
    # n = 6000 discordant pairs goes through log-space summation; it must agree with
    # the symmetric tail: P(X <= 2999) = (1 - P(X = 3000)) / 2.
    a = np.array([1] * 2999 + [0] * 3001)
    b = 1 - a
    result = mcnemar(a, b, method="exact")
    point = math.exp(math.lgamma(6001) - 2 * math.lgamma(3001) - 6000 * math.log(2))
    assert result.p_value == pytest.approx(min(1.0, 2 * (1 - point) / 2), rel=1e-9)


def test_mcnemar_refuses_unpaired_input() -> None:
    with pytest.raises(InputError):
        mcnemar(np.array([1, 0]), np.array([1, 0, 1]))
    with pytest.raises(InputError):
        mcnemar(np.array([1, 2]), np.array([1, 0]))


def test_accuracy_uncertainty_on_a_table() -> None:
    frame = pd.DataFrame({
        "name": ["a", "b", "c"], "accuracy": [91.0, 90.0, 80.0], "latency_ms": [5.0, 5.0, 5.0],
        "cost_per_1k": [1.0, 1.0, 1.0], "eval_n": [np.nan, 2000.0, 500.0],
    })
    a = analyze(Scenario(frame, constraints=Constraints(max_latency_ms=10)))
    unc = accuracy_uncertainty(a, eval_n=1000)
    assert unc is not None
    assert unc.names == ("a", "b", "c")
    np.testing.assert_array_equal(unc.eval_n, [1000, 2000, 500])  # row values win
    lo, hi = wilson_interval(91.0, 1000)
    assert unc.interval("a") == (pytest.approx(float(lo)), pytest.approx(float(hi)))
    ab = unc.pair("a", "b")
    assert ab is not None and ab.indistinguishable
    assert (ab.z, ab.p_value) == (pytest.approx(two_proportion_test(91, 1000, 90, 2000)[0]),
                                  pytest.approx(two_proportion_test(91, 1000, 90, 2000)[1]))
    ac = unc.pair("a", "c")
    assert ac is not None and not ac.indistinguishable
    # The column alone: a has no eval-set size, so no interval and no test with it.
    alone = accuracy_uncertainty(a)
    assert alone is not None
    assert all(math.isnan(v) for v in alone.interval("a"))
    assert alone.pair("a", "b") is None and alone.pair("b", "c") is not None
    no_n = analyze(Scenario(frame.drop(columns="eval_n")))
    assert accuracy_uncertainty(no_n) is None
    with pytest.raises(InputError):
        accuracy_uncertainty(a, method="bootstrap")
