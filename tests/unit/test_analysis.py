"""The analysis engine against hand-computed values (retail case and small tables)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.analysis import Analysis, analyze
from workbench.errors import InputError
from workbench.loading import load_table
from workbench.model import Constraints, Criterion, Scenario, Scoring, WhatIf, Workload

VIT = "ViT-L detector (transformer)"
CNN = "ResNet-50 FPN (mid-tier CNN)"
EDGE = "MobileNet-SSD edge (on-device)"


@pytest.fixture
def retail(retail_csv: Path) -> Analysis:
    frame = load_table(retail_csv).frame
    return analyze(Scenario(frame, Workload(500_000), Constraints(max_latency_ms=200, monthly_budget_usd=15_000)))


def by_name(a: Analysis, column: str) -> dict[str, float]:
    return dict(zip(a.table["name"], a.table[column]))


def test_retail_monthly_costs(retail: Analysis) -> None:
    costs = by_name(retail, "monthly_cost_usd")
    assert costs[VIT] == pytest.approx(300_000)
    assert costs[CNN] == pytest.approx(75_000)
    assert costs[EDGE] == pytest.approx(1_500)
    assert retail.monthly_volume == 15_000_000


def test_retail_violations_and_recommendation(retail: Analysis) -> None:
    assert retail.recommendation is not None
    assert retail.recommendation.name == EDGE
    assert list(retail.table["name"]) == [EDGE, CNN, VIT]
    assert retail.violations() == [
        [],
        ["monthly cost $75,000 > budget $15,000"],
        ["latency 500 ms > limit 200 ms", "monthly cost $300,000 > budget $15,000"],
    ]
    assert list(retail.table["feasible"]) == [True, False, False]


def test_retail_derived_metrics(retail: Analysis) -> None:
    per_point = by_name(retail, "cost_per_accuracy_point")
    assert per_point[VIT] == pytest.approx(20 / 98)
    assert per_point[CNN] == pytest.approx(5 / 95)
    assert per_point[EDGE] == pytest.approx(0.1 / 90)
    correct = by_name(retail, "cost_per_1k_correct")
    assert correct[CNN] == pytest.approx(5 / 0.95)
    max_volume = by_name(retail, "max_volume_per_day_in_budget")
    assert max_volume[EDGE] == pytest.approx(5_000_000)
    assert max_volume[CNN] == pytest.approx(100_000)
    assert max_volume[VIT] == pytest.approx(25_000)


def test_retail_scores_by_hand(retail: Analysis) -> None:
    # minmax, weights 0.4/0.2/0.3/0.1 over accuracy, latency, monthly cost, maintainability
    scores = by_name(retail, "score")
    assert scores[VIT] == pytest.approx(0.4)
    assert scores[CNN] == pytest.approx(0.4 * 5 / 8 + 0.2 * 400 / 480 + 0.3 * 225_000 / 298_500 + 0.1)
    assert scores[EDGE] == pytest.approx(0.2 + 0.3 + 0.05)
    contrib = retail.contributions.loc[retail.table.index[1]]
    assert contrib["accuracy"] == pytest.approx(0.25)
    assert contrib["maintainability"] == pytest.approx(0.1)
    assert [c.column for c in retail.criteria] == ["accuracy", "latency_ms", "monthly_cost_usd", "maintainability"]


def test_retail_accuracy_delta(retail: Analysis) -> None:
    delta = retail.accuracy_delta
    assert delta is not None and delta.baseline == EDGE
    rows = delta.rows.set_index("name")
    assert rows.loc[CNN, "delta_accuracy_pp"] == pytest.approx(5)
    assert rows.loc[CNN, "errors_avoided_per_month"] == pytest.approx(750_000)
    assert rows.loc[CNN, "delta_monthly_cost_usd"] == pytest.approx(73_500)
    assert rows.loc[CNN, "cost_per_avoided_error_usd"] == pytest.approx(0.098)
    assert math.isnan(rows.loc[EDGE, "cost_per_avoided_error_usd"])


def test_error_cost_gives_net_value(retail: Analysis) -> None:
    sc = retail.scenario.with_(whatif=WhatIf(error_cost_usd=0.5))
    delta = analyze(sc).accuracy_delta
    assert delta is not None
    rows = delta.rows.set_index("name")
    assert rows.loc[CNN, "net_monthly_value_usd"] == pytest.approx(750_000 * 0.5 - 73_500)
    assert delta.value_of_one_point_usd == pytest.approx(0.01 * 15_000_000 * 0.5)


def test_retail_volume_sweep(retail: Analysis) -> None:
    sweep = retail.volume_sweep
    assert sweep is not None
    assert list(sweep.multipliers) == [0.1, 0.25, 0.5, 1, 2, 4, 10]
    # At 50,000/day the CNN costs $7,500 and fits the budget, and it scores higher.
    assert sweep.recommendations[0] == CNN
    assert sweep.recommendations[1:] == [EDGE] * 6
    cnn = list(retail.table["name"]).index(CNN)
    assert sweep.monthly_cost_usd[cnn, 0] == pytest.approx(7_500)
    assert bool(sweep.feasible[cnn, 0]) and not bool(sweep.feasible[cnn, 1])
    assert sweep.volumes_per_day[-1] == pytest.approx(5_000_000)


def small(**extra: list[float]) -> pd.DataFrame:
    data: dict[str, list] = {
        "name": ["a", "b", "c"],
        "accuracy": [80.0, 90.0, 95.0],
        "latency_ms": [10.0, 20.0, 40.0],
        "cost_per_1k": [1.0, 2.0, 4.0],
    }
    data.update(extra)
    return pd.DataFrame(data)


def test_fixed_and_one_time_costs() -> None:
    frame = small(fixed_monthly_usd=[100.0, 0.0, 0.0], one_time_usd=[1200.0, 0.0, 0.0])
    a = analyze(Scenario(frame, Workload(1000), Constraints(monthly_budget_usd=500)))
    row = a.row("a")
    assert row["inference_monthly_usd"] == pytest.approx(2 * 0 + 1 * 30_000 / 1000)
    assert row["monthly_cost_usd"] == pytest.approx(30 + 100 + 100)
    # (500 - 100 - 1200/12) / (1/1000) / 30
    assert row["max_volume_per_day_in_budget"] == pytest.approx(10_000)
    assert a.row("c")["max_volume_per_day_in_budget"] == pytest.approx(500 / 0.004 / 30)


def test_fixed_cost_over_budget_gives_zero_volume() -> None:
    frame = small(fixed_monthly_usd=[900.0, 0.0, 0.0])
    a = analyze(Scenario(frame, Workload(None), Constraints(monthly_budget_usd=500)))
    assert a.row("a")["max_volume_per_day_in_budget"] == 0
    free = small()
    free.loc[0, "cost_per_1k"] = 0.0
    b = analyze(Scenario(free, Workload(None), Constraints(monthly_budget_usd=500)))
    assert math.isnan(b.row("a")["max_volume_per_day_in_budget"])


def test_no_volume_uses_cost_per_1k_and_nulls_monthly() -> None:
    a = analyze(Scenario(small(), Workload(None), Constraints(monthly_budget_usd=10)))
    assert a.cost_column == "cost_per_1k"
    assert a.table["monthly_cost_usd"].isna().all()
    assert a.volume_sweep is None
    assert any("budget not checked" in n for n in a.notes)
    assert a.table["feasible"].all()


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        # accuracy max over [80, 90, 95]; latency min over [10, 20, 40]
        ("minmax", {"a": 0.5 * 0 + 0.5 * 1, "b": 0.5 * 10 / 15 + 0.5 * 20 / 30, "c": 0.5 * 1 + 0}),
        ("ratio", {"a": 0.5 * 80 / 95 + 0.5 * 1, "b": 0.5 * 90 / 95 + 0.5 * 0.5, "c": 0.5 * 1 + 0.5 * 0.25}),
        (
            "vector",
            {
                "a": 0.5 * 80 / math.sqrt(80**2 + 90**2 + 95**2) + 0.5 * (1 - 10 / math.sqrt(100 + 400 + 1600)),
                "b": 0.5 * 90 / math.sqrt(80**2 + 90**2 + 95**2) + 0.5 * (1 - 20 / math.sqrt(2100)),
                "c": 0.5 * 95 / math.sqrt(80**2 + 90**2 + 95**2) + 0.5 * (1 - 40 / math.sqrt(2100)),
            },
        ),
    ],
)
def test_normalizations_by_hand(method: str, expected: dict[str, float]) -> None:
    scoring = Scoring((Criterion("accuracy", "max", 1.0), Criterion("latency_ms", "min", 1.0)), method)  # type: ignore[arg-type]
    a = analyze(Scenario(small(), scoring=scoring))
    got = by_name(a, "score")
    for name, value in expected.items():
        assert got[name] == pytest.approx(value)


def test_log10_scale_and_its_error() -> None:
    scoring = Scoring((Criterion("cost_per_1k", "min", 1.0, "log10"),))
    a = analyze(Scenario(small(), scoring=scoring))
    # log10 of [1, 2, 4] = [0, .301, .602]: b sits exactly halfway
    assert by_name(a, "score")["b"] == pytest.approx(0.5)
    zero = small()
    zero.loc[1, "cost_per_1k"] = 0.0
    with pytest.raises(InputError) as err:
        analyze(Scenario(zero, scoring=scoring))
    assert err.value.row == 2 and err.value.column == "cost_per_1k"


def test_all_equal_values_normalize_to_one() -> None:
    frame = small()
    frame["latency_ms"] = 7.0
    scoring = Scoring((Criterion("latency_ms", "min", 1.0),))
    assert set(analyze(Scenario(frame, scoring=scoring)).table["score"]) == {1.0}


def test_weights_are_normalized_and_absent_defaults_dropped() -> None:
    a = analyze(Scenario(small()))
    assert [round(c.weight, 6) for c in a.criteria] == [round(0.4 / 0.9, 6), round(0.2 / 0.9, 6), round(0.3 / 0.9, 6)]
    assert sum(c.weight for c in a.criteria) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ((Criterion("params", "max", 1.0),), "not a numeric column"),
        ((Criterion("accuracy", "max", 0.0),), "weight > 0"),
        ((Criterion("accuracy", "max", -1.0),), ">= 0"),
        ((Criterion("accuracy", "max", 1.0), Criterion("accuracy", "min", 1.0)), "given twice"),
    ],
)
def test_bad_criteria(criteria: tuple[Criterion, ...], message: str) -> None:
    with pytest.raises(InputError, match=message):
        analyze(Scenario(small(), scoring=Scoring(criteria)))


def test_limits_on_other_columns() -> None:
    frame = small(params_m=[5.0, float("nan"), 50.0])
    a = analyze(Scenario(frame, constraints=Constraints(max={"params_m": 10}, min={"accuracy": 85})))
    viol = dict(zip(a.table["name"], a.violations()))
    assert viol["a"] == ["accuracy 80.00% < 85.00%"]
    assert viol["b"] == ["params_m missing (limit ≤ 10)"]
    assert viol["c"] == ["params_m 50 > 10"]
    assert a.recommendation is None
    assert a.no_recommendation_reason and "no candidate meets every constraint" in a.no_recommendation_reason
    with pytest.raises(InputError, match="flops"):
        analyze(Scenario(frame, constraints=Constraints(max={"flops": 1})))


def test_rank_ties_break_on_cost_then_name() -> None:
    frame = pd.DataFrame({
        "name": ["zeta", "alpha", "mid", "beta"],
        "accuracy": [90.0, 90.0, 90.0, 90.0],
        "latency_ms": [1.0, 1.0, 1.0, 1.0],
        "cost_per_1k": [1.0, 1.0, 0.5, 1.0],
    })
    scoring = Scoring((Criterion("accuracy", "max", 1.0),))
    a = analyze(Scenario(frame, scoring=scoring))
    assert list(a.table["name"]) == ["mid", "alpha", "beta", "zeta"]
    assert list(a.table["rank"]) == [1, 2, 3, 4]


def test_infeasible_ranked_after_feasible() -> None:
    a = analyze(Scenario(small(), constraints=Constraints(max_latency_ms=15)))
    assert list(a.table["name"])[0] == "a"
    assert list(a.table["feasible"]) == [True, False, False]


def test_baseline_and_cheapest_fallback() -> None:
    a = analyze(Scenario(small(), constraints=Constraints(min_accuracy=99)))
    assert a.accuracy_delta is not None
    assert a.accuracy_delta.baseline == "a"
    assert "cheapest" in a.accuracy_delta.baseline_reason
    b = analyze(Scenario(small(), whatif=WhatIf(baseline="c")))
    assert b.accuracy_delta is not None and b.accuracy_delta.baseline == "c"
    with pytest.raises(InputError, match="not a candidate"):
        analyze(Scenario(small(), whatif=WhatIf(baseline="nope")))


@pytest.mark.parametrize(
    ("workload", "key"),
    [(Workload(-1), "workload.volume_per_day"), (Workload(1, 0), "workload.days_per_month"),
     (Workload(1, 30, 0), "workload.horizon_months")],
)
def test_bad_workload(workload: Workload, key: str) -> None:
    with pytest.raises(InputError) as err:
        analyze(Scenario(small(), workload))
    assert err.value.key == key


def test_fixed_costs_rescore_the_sweep() -> None:
    # With a fixed cost, monthly cost is not proportional to volume, so the ranking
    # can flip with volume: at low volume "a" (cheap per call, high fixed) loses.
    frame = pd.DataFrame({
        "name": ["a", "b"], "accuracy": [90.0, 90.0], "latency_ms": [1.0, 1.0],
        "cost_per_1k": [0.1, 1.0], "fixed_monthly_usd": [1000.0, 0.0],
    })
    scoring = Scoring((Criterion("cost", "min", 1.0),))
    a = analyze(Scenario(frame, Workload(10_000), scoring=scoring,
                         whatif=WhatIf(volume_multipliers=(0.1, 100.0))))
    assert a.volume_sweep is not None
    # 30k/month: a = 3 + 1000, b = 30 -> b; 30M/month: a = 3000 + 1000, b = 30000 -> a
    assert a.volume_sweep.recommendations == ["b", "a"]


def test_large_table_frontier_sorted(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n = 2000
    frame = pd.DataFrame({
        "name": [f"m{i}" for i in range(n)], "accuracy": rng.uniform(50, 99, n),
        "latency_ms": rng.uniform(1, 100, n), "cost_per_1k": rng.uniform(0.01, 5, n),
    })
    a = analyze(Scenario(frame, Workload(1000)))
    front = a.table.set_index("name").loc[a.frontier]
    assert front["monthly_cost_usd"].is_monotonic_increasing
    assert front["accuracy"].is_monotonic_increasing


def test_log10_with_ratio_refuses_values_below_one() -> None:
    # log10 of a value <= 1 is <= 0, which would flip ratio/vector normalization.
    scoring = Scoring((Criterion("cost_per_1k", "min", 1.0, "log10"),), "ratio")
    with pytest.raises(InputError, match="needs every value > 1"):
        analyze(Scenario(small(), scoring=scoring))
    frame = small()
    frame["cost_per_1k"] = [10.0, 100.0, 1000.0]
    a = analyze(Scenario(frame, scoring=scoring))
    # ratio min: min/x over log10 values [1, 2, 3]
    assert by_name(a, "score") == pytest.approx({"a": 1.0, "b": 0.5, "c": 1 / 3})


def test_sweep_rescored_when_log10_shifts_with_volume() -> None:
    frame = small()
    frame["cost_per_1k"] = [10.0, 100.0, 1000.0]
    scoring = Scoring((Criterion("cost", "min", 0.5, "log10"), Criterion("accuracy", "max", 0.5)), "ratio")
    a = analyze(Scenario(frame, Workload(1000), scoring=scoring,
                         whatif=WhatIf(volume_multipliers=(1.0, 1000.0))))
    assert a.volume_sweep is not None
    for mult, pick in zip((1.0, 1000.0), a.volume_sweep.recommendations):
        direct = analyze(Scenario(frame, Workload(1000 * mult), scoring=scoring))
        assert direct.recommendation is not None
        assert pick == direct.recommendation.name


@pytest.mark.parametrize(
    ("constraints", "whatif", "key"),
    [
        (Constraints(min_accuracy=120), WhatIf(), "constraints.min_accuracy"),
        (Constraints(monthly_budget_usd=-5), WhatIf(), "constraints.monthly_budget_usd"),
        (Constraints(max_latency_ms=-1), WhatIf(), "constraints.max_latency_ms"),
        (Constraints(), WhatIf(error_cost_usd=-1), "whatif.error_cost_usd"),
        (Constraints(), WhatIf(volume_multipliers=()), "whatif.volume_multipliers"),
    ],
)
def test_out_of_range_settings(constraints: Constraints, whatif: WhatIf, key: str) -> None:
    with pytest.raises(InputError) as err:
        analyze(Scenario(small(), constraints=constraints, whatif=whatif))
    assert err.value.key == key
