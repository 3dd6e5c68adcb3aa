"""Per-token pricing: hand-computed costs per 1k requests (workbench.pricing.tokens)."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.pricing.tokens import token_cost_per_1k


def test_issue_example_500_in_200_out() -> None:
    # (500 * 0.15 + 200 * 0.60) / 1e6 * 1000 = (75 + 120) / 1000 = 0.195
    assert token_cost_per_1k(500, 200, 0, 0.15, 0.60, np.nan) == pytest.approx(0.195, rel=1e-12)


def test_cached_tokens_are_priced_apart() -> None:
    # 1000 uncached at $3, 4000 cached at $0.30, 300 out at $15:
    # (3000 + 1200 + 4500) / 1000 = 8.7
    assert token_cost_per_1k(1000, 300, 4000, 3.0, 15.0, 0.30) == pytest.approx(8.7, rel=1e-12)


def test_vectorised_over_candidates() -> None:
    got = token_cost_per_1k(np.array([500, 500]), np.array([200, 200]), np.array([0, 0]),
                            np.array([0.15, 3.0]), np.array([0.60, 15.0]), np.array([np.nan] * 2))
    # 3.0 * 500 + 15 * 200 = 4500 -> $4.50 per 1k requests
    assert got.tolist() == pytest.approx([0.195, 4.5], rel=1e-12)


def test_zero_tokens_cost_nothing_even_without_a_price() -> None:
    assert token_cost_per_1k(100, 0, 0, 2.0, np.nan, np.nan) == pytest.approx(0.2)


def test_a_missing_price_for_used_tokens_is_not_a_zero() -> None:
    assert np.isnan(token_cost_per_1k(100, 10, 0, 2.0, np.nan, np.nan))
