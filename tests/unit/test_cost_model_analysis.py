"""The cost model inside the analysis: per token, on instances, the ledger, error cost.

Every expected figure is computed by hand in the comments.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from workbench.analysis import analyze
from workbench.errors import InputError
from workbench.inputs import session_from_table
from workbench.model import (
    Constraints,
    Criterion,
    Pricing,
    Scenario,
    Scoring,
    Session,
    Tco,
    WhatIf,
    Workload,
)
from workbench.session import session_from_toml, session_to_toml

from tests.conftest import SAMPLES


def fleet() -> pd.DataFrame:
    # "api": $0.10 per 1k requests. "gpu": $1/h, 10 requests/s per instance.
    return pd.DataFrame({
        "name": pd.Series(["api", "gpu"], dtype=object),
        "accuracy": [90.0, 92.0], "latency_ms": [50.0, 30.0],
        "cost_per_1k": [0.10, math.nan], "hourly_usd": [math.nan, 1.0],
        "throughput_per_s": [math.nan, 10.0],
    })


def test_instances_step_with_volume_in_the_table_the_sweep_and_the_budget() -> None:
    # One instance serves 10/s x 0.5 utilization x 86,400 s = 432,000 requests a day.
    s = Scenario(fleet(), Workload(1_000_000), Constraints(monthly_budget_usd=1_500),
                 pricing=Pricing(utilization=0.5),
                 whatif=WhatIf(volume_multipliers=(0.25, 1.0, 2.0)))
    a = analyze(s)
    gpu = a.row("gpu")
    assert gpu["priced_as"] == "instance"
    assert gpu["instances"] == 3  # ceil(1,000,000 / 432,000)
    assert gpu["monthly_cost_usd"] == pytest.approx(3 * 1.0 * 730)  # 2,190
    assert gpu["cost_per_1k"] == pytest.approx(2190 / 30_000)  # per 1k at 30M a month
    assert not gpu["feasible"]  # $2,190 > $1,500
    # floor(1,500 / 730) = 2 instances -> 864,000 requests a day in budget.
    assert gpu["max_volume_per_day_in_budget"] == pytest.approx(864_000)
    api = a.row("api")
    assert api["priced_as"] == "per_inference" and api["monthly_cost_usd"] == pytest.approx(3000)
    sweep = a.volume_sweep
    assert sweep is not None and sweep.instances is not None
    at = a.position("gpu")
    # 250,000/day -> 1 instance ($730); 2,000,000/day -> ceil(4.63) = 5 ($3,650).
    assert sweep.instances[at].tolist() == [1, 3, 5]
    assert sweep.monthly_cost_usd[at].tolist() == pytest.approx([730, 2190, 3650])
    assert sweep.feasible[at].tolist() == [True, False, False]
    # At 250,000/day both fit ($750 and $730); above it neither does.
    assert sweep.recommendations == ["gpu", None, None]


def test_tco_ledger_and_cost_basis() -> None:
    items = ({"name": "on-call", "kind": "maintenance", "engineer_months_per_year": 6,
              "loaded_monthly_usd": 15_000, "candidates": ["gpu"]},
             {"name": "egress", "kind": "per_1k", "usd_per_1k": 0.01})
    s = Scenario(fleet(), Workload(1_000_000), pricing=Pricing(utilization=0.5),
                 tco=Tco(items=items, cost_basis="tco"),
                 scoring=Scoring((Criterion("cost", "min", 1.0),)))
    a = analyze(s)
    assert a.ledger is not None
    # gpu: 2,190 compute + 6/12 x 15,000 = 7,500 on-call + 0.01 x 30,000 = 300 egress.
    assert a.row("gpu")["tco_monthly_usd"] == pytest.approx(2190 + 7500 + 300)
    # api: 3,000 compute + 300 egress.
    assert a.row("api")["tco_monthly_usd"] == pytest.approx(3300)
    assert a.criteria[0].column == "tco_monthly_usd"
    assert a.recommendation is not None and a.recommendation.name == "api"
    # On monthly cost alone the fleet is cheaper.
    monthly = analyze(s.with_(tco=Tco(items=items)))
    assert monthly.criteria[0].column == "monthly_cost_usd"
    assert monthly.recommendation is not None and monthly.recommendation.name == "gpu"


def retail(**workload: float) -> Scenario:
    session, _ = session_from_table(SAMPLES / "retail_checkout.csv")
    return session.scenario.with_(workload=Workload(500_000, **workload))


def test_retail_ranked_by_total_cost_at_ten_cents_an_error() -> None:
    # 15M images a month. Edge 90%: 1.5M errors -> $150,000 + $1,500 compute = $151,500.
    # CNN 95%: 750,000 errors -> $75,000 + $75,000 compute = $150,000.
    # ViT 98%: 300,000 errors -> $30,000 + $300,000 compute = $330,000.
    s = retail().with_(whatif=WhatIf(error_cost_usd=0.10),
                       scoring=Scoring(rank_by="total_cost"))
    a = analyze(s)
    totals = dict(zip(a.table["name"], a.table["total_monthly_cost_usd"]))
    assert totals == pytest.approx({
        "ResNet-50 FPN (mid-tier CNN)": 150_000, "MobileNet-SSD edge (on-device)": 151_500,
        "ViT-L detector (transformer)": 330_000})
    assert a.recommendation is not None
    assert a.recommendation.name == "ResNet-50 FPN (mid-tier CNN)"
    assert list(a.table["name"]) == [
        "ResNet-50 FPN (mid-tier CNN)", "MobileNet-SSD edge (on-device)",
        "ViT-L detector (transformer)"]
    assert a.recommendation.reason == (
        "lowest total cost of the 3 candidates that meet every constraint: $150,000/month = "
        "$75,000 compute + $75,000 for 750,000 errors at $0.10; runner-up MobileNet-SSD edge "
        "(on-device) costs $1,500/month more in total")
    # Every volume scales compute and errors alike: the same pick throughout the sweep.
    assert a.volume_sweep is not None
    assert set(a.volume_sweep.recommendations) == {"ResNet-50 FPN (mid-tier CNN)"}


def test_a_budget_keeps_the_edge_model_and_says_what_it_costs() -> None:
    s = retail().with_(whatif=WhatIf(error_cost_usd=0.10),
                       scoring=Scoring(rank_by="total_cost"),
                       constraints=Constraints(monthly_budget_usd=15_000))
    a = analyze(s)
    assert a.recommendation is not None
    assert a.recommendation.name == "MobileNet-SSD edge (on-device)"
    assert "ResNet-50 FPN (mid-tier CNN) would cost $1,500/month less in total" in (
        a.recommendation.reason)
    assert "breaks monthly cost $75,000 > budget $15,000" in a.recommendation.reason


def test_ranking_by_total_cost_needs_an_error_cost() -> None:
    with pytest.raises(InputError) as err:
        analyze(retail().with_(scoring=Scoring(rank_by="total_cost")))
    assert err.value.key == "scoring.rank_by"


def test_total_cost_is_a_criterion() -> None:
    s = retail().with_(whatif=WhatIf(error_cost_usd=0.10),
                       scoring=Scoring((Criterion("total_cost", "min", 1.0),)))
    a = analyze(s)
    assert a.criteria[0].column == "total_monthly_cost_usd"
    assert a.recommendation is not None
    assert a.recommendation.name == "ResNet-50 FPN (mid-tier CNN)"


def test_pricing_tco_and_prices_used_round_trip_through_toml() -> None:
    s = Session(Scenario(
        fleet(), Workload(1_000_000, peak_to_average=2.0),
        pricing=Pricing(utilization=0.5, plan="reserved_1y", input_tokens_per_request=500),
        tco=Tco(retrainings_per_year=4, items=(
            {"name": "labels", "kind": "per_retraining", "usd": 2_000},)),
    ), prices_used=({"candidate": "gpu", "item": "hourly_usd", "value": 1.0,
                     "unit": "USD per instance-hour", "source": "candidate table"},))
    text = session_to_toml(s)
    assert "[pricing]" in text and "[[tco.items]]" in text and "[[pricing.prices_used]]" in text
    back, _ = session_from_toml(text)
    assert back.scenario.pricing == s.scenario.pricing
    assert back.scenario.tco == s.scenario.tco
    assert back.scenario.workload.peak_to_average == 2.0
    assert back.prices_used == s.prices_used
    # Defaults write nothing: a plain session has no [pricing] or [tco].
    plain = session_to_toml(Session(Scenario(fleet())))
    assert "[pricing]" not in plain and "[tco]" not in plain


def test_a_bad_ledger_item_names_its_key_and_line() -> None:
    s = Session(Scenario(fleet(), tco=Tco(items=(
        {"name": "on-call", "kind": "maintenance", "engineer_months_per_year": 6,
         "loaded_monthly_usd": 15_000},))))
    text = session_to_toml(s).replace("loaded_monthly_usd = 15000", "loaded_monthly_usd = -5")
    with pytest.raises(InputError) as err:
        session_from_toml(text, "s.toml")
    assert err.value.key is not None and err.value.key.startswith("tco.items[1]")
    assert err.value.line is not None


def test_robustness_of_a_session_priced_per_token_uses_the_derived_costs() -> None:
    """Candidates priced per token have no cost_per_1k in the scenario: sensitivity and
    SMAA must move the cost the pricing engine derived, not a missing one."""
    from pathlib import Path

    from workbench.evaluation import evaluate
    from workbench.session import load_session

    path = Path(__file__).resolve().parents[2] / "sessions" / "llm_support_assistant.toml"
    session, _ = load_session(path)
    ev = evaluate(session, path.parent)
    assert ev.robustness is not None and ev.robustness.swaps is not None
    cost_up = ev.robustness.swaps.get("cost", "gpt-4o-mini", "up")
    # $585/month breaks the $3,000 budget at 3000 / 585 = 5.128x: +412.8%.
    assert cost_up.change == pytest.approx((3000 / 585 - 1) * 100, rel=1e-6)
    assert ev.robustness.smaa is not None
    assert ev.robustness.smaa.p_feasible[0] > 0.9  # the pick is feasible in most draws
