"""Error cost and the total-cost ranking, on the retail sample by hand.

Retail at 500,000 images/day and 30 days: 15,000,000 images a month.
    errors/month   ViT 2% -> 300,000   CNN 5% -> 750,000   edge 10% -> 1,500,000
    compute/month  ViT $300,000        CNN $75,000         edge $1,500
At $0.10 per error: CNN $75,000 + $75,000 = $150,000; edge $1,500 + $150,000 =
$151,500; ViT $300,000 + $30,000 = $330,000. The CNN's 750,000 avoided errors are worth
$75,000 against $73,500 extra compute: $1,500/month cheaper in total, break-even at
$73,500 / 750,000 = $0.098 per error.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workbench.analysis import Analysis, analyze
from workbench.errors import InputError
from workbench.loading import load_table
from workbench.model import Constraints, Scenario, WhatIf, Workload
from workbench.robustness.errors import (
    break_even,
    error_costs,
    errors_per_month,
    rank_by_total_cost,
)

VIT = "ViT-L detector (transformer)"
CNN = "ResNet-50 FPN (mid-tier CNN)"
EDGE = "MobileNet-SSD edge (on-device)"


def retail(path: Path, budget: float | None = 15_000, error_cost: float | None = 0.10) -> Analysis:
    frame = load_table(path).frame
    return analyze(Scenario(
        frame, Workload(500_000), Constraints(max_latency_ms=200, monthly_budget_usd=budget),
        whatif=WhatIf(error_cost_usd=error_cost),
    ))


def by_name(names: tuple[str, ...], values: np.ndarray) -> dict[str, float]:
    return dict(zip(names, values.tolist()))


def test_retail_error_costs_by_hand(retail_csv: Path) -> None:
    costs = error_costs(retail(retail_csv))
    assert costs.monthly_volume == 15_000_000
    errors = by_name(costs.names, costs.errors_per_month)
    assert errors == pytest.approx({VIT: 300_000, CNN: 750_000, EDGE: 1_500_000})
    money = by_name(costs.names, costs.error_cost_monthly_usd)
    assert money == pytest.approx({VIT: 30_000, CNN: 75_000, EDGE: 150_000})
    total = by_name(costs.names, costs.total_monthly_cost_usd)
    assert total == pytest.approx({VIT: 330_000, CNN: 150_000, EDGE: 151_500})
    # The sentence: 750,000 avoided errors worth $75,000 against $73,500 compute.
    i, j = costs.at(CNN), costs.at(EDGE)
    avoided = costs.errors_per_month[j] - costs.errors_per_month[i]
    assert avoided == pytest.approx(750_000)
    assert avoided * 0.10 == pytest.approx(75_000)
    assert costs.monthly_cost_usd[i] - costs.monthly_cost_usd[j] == pytest.approx(73_500)


def test_retail_total_cost_pick_with_the_budget(retail_csv: Path) -> None:
    # The CNN is $1,500/month cheaper in total but breaks the $15,000 budget: the
    # only feasible candidate stays the pick, and the reason says what the CNN offers.
    pick = rank_by_total_cost(retail(retail_csv))
    assert pick.name == EDGE
    assert pick.agrees and pick.disagreement is None
    assert pick.runner_up is None
    assert pick.reason == (
        f"the only candidate that meets every constraint: $151,500/month = $1,500 compute "
        f"+ $150,000 for 1,500,000 errors at $0.10; {CNN} would cost $1,500/month less in "
        f"total ($150,000/month): {CNN}'s 750,000 fewer errors a month are worth $75,000 "
        f"against $73,500 more compute (break-even at $0.0980 per error), but breaks "
        f"monthly cost $75,000 > budget $15,000"
    )


def test_retail_total_cost_pick_without_the_budget(retail_csv: Path) -> None:
    # Both the CNN and the edge model are feasible: $150,000 < $151,500.
    pick = rank_by_total_cost(retail(retail_csv, budget=None))
    assert pick.name == CNN
    assert pick.runner_up == EDGE
    assert pick.matrix_pick == CNN and pick.agrees
    assert [pick.costs.names[i] for i in pick.order] == [CNN, EDGE, VIT]
    assert "runner-up MobileNet-SSD edge (on-device) costs $1,500/month more in total" in pick.reason


def test_the_two_rankings_disagree_below_the_break_even(retail_csv: Path) -> None:
    # At $0.09: CNN $75,000 + $67,500 = $142,500; edge $1,500 + $135,000 = $136,500.
    # The weighted matrix still picks the CNN (score 0.743 against 0.550).
    pick = rank_by_total_cost(retail(retail_csv, budget=None, error_cost=0.09))
    assert pick.name == EDGE
    assert pick.matrix_pick == CNN
    assert not pick.agrees
    assert pick.disagreement == (
        f"the weighted matrix picks {CNN} (score 0.743); by total cost {EDGE} is "
        f"$6,000/month cheaper ($136,500 against $142,500): {CNN}'s 750,000 fewer errors "
        f"a month are worth $67,500 against $73,500 more compute (break-even at $0.0980 "
        f"per error)"
    )


def test_break_even_and_errors_per_month() -> None:
    assert errors_per_month(95.0, 15_000_000) == pytest.approx(750_000)
    assert break_even(75_000, 750_000, 1_500, 1_500_000) == pytest.approx(0.098)
    # More accurate and cheaper: no trade-off, no break-even.
    assert break_even(1_000, 750_000, 1_500, 1_500_000) is None
    assert break_even(1_000, 750_000, 1_500, 750_000) is None


def test_error_cost_needs_a_volume_and_a_price(retail_csv: Path) -> None:
    frame = load_table(retail_csv).frame
    with pytest.raises(InputError) as exc:
        error_costs(analyze(Scenario(frame, whatif=WhatIf(error_cost_usd=0.1))))
    assert exc.value.key == "workload.volume_per_day"
    with pytest.raises(InputError) as exc:
        error_costs(retail(retail_csv, error_cost=None))
    assert exc.value.key == "whatif.error_cost_usd"
    # An explicit error cost overrides the session's.
    assert error_costs(retail(retail_csv, error_cost=None), 0.2).error_cost_usd == 0.2


def test_no_feasible_candidate_means_no_total_cost_pick(retail_csv: Path) -> None:
    pick = rank_by_total_cost(retail(retail_csv, budget=100))
    assert pick.name is None and pick.matrix_pick is None
    assert pick.reason == "no candidate meets every constraint"
