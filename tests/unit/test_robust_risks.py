"""The risk register: each risk where it applies, with its figure, and only there."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.analysis import Analysis, analyze
from workbench.errors import InputError
from workbench.loading import load_table
from workbench.model import Constraints, Scenario, WhatIf, Workload
from workbench.robustness.risks import Risk, risk_register
from workbench.robustness.sensitivity import swaps, weight_sensitivity
from workbench.robustness.smaa import SmaaSettings, smaa
from workbench.robustness.uncertainty import accuracy_uncertainty

CNN = "ResNet-50 FPN (mid-tier CNN)"
EDGE = "MobileNet-SSD edge (on-device)"
VIT = "ViT-L detector (transformer)"


def retail(path: Path, **constraints: float) -> Analysis:
    limits = {"max_latency_ms": 200.0, "monthly_budget_usd": 15_000.0, **constraints}
    return analyze(Scenario(load_table(path).frame, Workload(500_000), Constraints(**limits)))


def codes(risks: tuple[Risk, ...]) -> list[str]:
    return [r.code for r in risks]


def get(risks: tuple[Risk, ...], code: str) -> Risk:
    return next(r for r in risks if r.code == code)


def test_retail_register_names_the_least_accurate_pick_and_the_single_feasible(
    retail_csv: Path,
) -> None:
    a = retail(retail_csv)
    risks = risk_register(a, swaps=swaps(a), smaa=smaa(a, SmaaSettings(draws=2_000)))
    assert codes(risks) == ["least_accurate_pick", "single_feasible"]
    least = get(risks, "least_accurate_pick")
    # 10% of 15,000,000 images a month are wrong.
    assert least.figure == "1,500,000 errors a month (10.00% of 15,000,000)"
    assert least.value == pytest.approx(1_500_000)
    assert least.detail.startswith(f"{EDGE} (90.00%) is the least accurate candidate")
    assert (f"{CNN} is 5.0 points more accurate (95.00%), 750,000 fewer errors a month, "
            f"for $73,500/month more, but breaks monthly cost $75,000 > budget $15,000"
            ) in least.detail
    # 73,500 / 750,000 = $0.098: the figure the decision record's rationale quotes.
    assert "pays off above $0.0980 per error" in least.mitigation
    single = get(risks, "single_feasible")
    assert single.figure == "1 of 3 candidates"
    assert single.detail == (
        f"{EDGE} is the only candidate that meets every constraint: {CNN} breaks monthly "
        f"cost $75,000 > budget $15,000; {VIT} breaks latency 500 ms > limit 200 ms, "
        f"monthly cost $300,000 > budget $15,000"
    )


def test_least_accurate_mitigation_prices_the_errors_with_an_error_cost(retail_csv: Path) -> None:
    frame = load_table(retail_csv).frame
    a = analyze(Scenario(frame, Workload(500_000), Constraints(200, 15_000),
                         whatif=WhatIf(error_cost_usd=0.10)))
    least = get(risk_register(a), "least_accurate_pick")
    assert least.mitigation.startswith("at $0.10 per error they cost $150,000/month")


def test_no_pick_no_register(retail_csv: Path) -> None:
    assert risk_register(retail(retail_csv, monthly_budget_usd=100.0)) == ()


def two(**extra: object) -> pd.DataFrame:
    frame = pd.DataFrame({"name": ["fast", "slow"], "accuracy": [95.0, 93.0],
                          "latency_ms": [95.0, 60.0], "cost_per_1k": [0.9, 1.0]})
    for key, values in extra.items():
        frame[key] = values
    return frame


def test_headroom_risks_by_hand() -> None:
    # fast: $0.90 per 1k x 10,000/day x 30 = $270/month against $290: 6.9% headroom;
    # 95 ms against 100 ms: 5% headroom.
    a = analyze(Scenario(two(), Workload(10_000), Constraints(max_latency_ms=100,
                                                              monthly_budget_usd=290)))
    assert a.recommendation is not None and a.recommendation.name == "fast"
    risks = risk_register(a)
    budget = get(risks, "budget_headroom")
    assert budget.value == pytest.approx(20 / 290)
    assert budget.figure == "6.9% headroom ($20.00/month)"
    assert budget.mitigation.startswith("7.4% more volume or a 7.4% price rise")  # 290/270 - 1
    latency = get(risks, "latency_headroom")
    assert latency.value == pytest.approx(0.05) and latency.figure == "5.0% headroom (5 ms)"
    # Headroom under 10% already says what the price exposure would: not listed twice.
    assert "price_exposure" not in codes(risks)
    assert "least_accurate_pick" not in codes(risks)  # the pick is the most accurate


def test_price_exposure_by_hand() -> None:
    # $270/month against $360: 25% headroom, and a 33% price rise reaches the budget.
    a = analyze(Scenario(two(), Workload(10_000), Constraints(monthly_budget_usd=360)))
    exposure = get(risk_register(a), "price_exposure")
    assert exposure.value == pytest.approx(1 / 3)
    assert exposure.figure == "a 33% price rise breaks the budget"
    assert "budget_headroom" not in codes(risk_register(a))
    roomy = analyze(Scenario(two(), Workload(10_000), Constraints(monthly_budget_usd=600)))
    assert "price_exposure" not in codes(risk_register(roomy))


def test_a_cost_near_zero_has_no_price_exposure_and_no_overflow_warning() -> None:
    # $1e-308 per 1k: the monthly cost is subnormal, budget / cost overflows to inf.
    # No price rise breaks that budget: no risk, and no RuntimeWarning on the way.
    frame = two()
    frame["cost_per_1k"] = [1e-308, 1.0]
    a = analyze(Scenario(frame, Workload(1), Constraints(monthly_budget_usd=5_000)))
    assert a.recommendation is not None and a.recommendation.name == "fast"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "price_exposure" not in codes(risk_register(a))


def test_accuracy_drift_by_hand() -> None:
    # 95% with a 92% minimum at 0.5 points a month: 6 months to the minimum, under it in
    # month 7, retrain every 6 months.
    a = analyze(Scenario(two(), Workload(10_000), Constraints(min_accuracy=92)))
    drift = get(risk_register(a, drift_pp_per_month=0.5), "accuracy_drift")
    assert drift.value == pytest.approx(6.0)
    assert drift.figure == "under 92.00% in month 7"
    assert drift.mitigation.startswith("retrain at least every 6 months")
    # 4 points a month: 0.75 months, 22.5 days -> every 22 days.
    fast = get(risk_register(a, drift_pp_per_month=4), "accuracy_drift")
    assert fast.mitigation.startswith("retrain at least every 22 days")
    # Without a minimum: the loss over the 12-month horizon, 0.5 x 12 = 6 points, and
    # 6% of 300,000 = 18,000 more errors a month by then.
    free = analyze(Scenario(two(), Workload(10_000)))
    loss = get(risk_register(free, drift_pp_per_month=0.5), "accuracy_drift")
    assert loss.figure == "-6 points over 12 months"
    assert "18,000 more errors a month by then" in loss.detail
    assert "accuracy_drift" not in codes(risk_register(a))
    with pytest.raises(InputError):
        risk_register(a, drift_pp_per_month=-1)


def test_vendor_lock_in_names_the_cheapest_alternative() -> None:
    frame = pd.DataFrame({"name": ["api", "own", "other-api", "pricey"],
                          "accuracy": [95.0, 90.0, 91.0, 92.0], "latency_ms": [10.0] * 4,
                          "cost_per_1k": [0.1, 0.5, 0.4, 2.0],
                          "provider": ["OpenAI", "self-hosted", "Anthropic", "OpenAI"]})
    a = analyze(Scenario(frame, Workload(10_000)))
    assert a.recommendation is not None and a.recommendation.name == "api"
    lock = get(risk_register(a), "vendor_lock_in")
    # Cheapest of another provider: other-api at $0.40 per 1k ($120/month).
    assert lock.figure == "cheapest alternative: other-api (Anthropic, $120/month)"
    assert lock.detail.startswith("api depends on one provider, OpenAI")
    self_hosted = analyze(Scenario(frame.assign(provider=["self", "self", "x", "y"]),
                                   Workload(10_000)))
    assert "vendor_lock_in" not in codes(risk_register(self_hosted))
    assert "vendor_lock_in" not in codes(risk_register(analyze(Scenario(two()))))


def test_eval_too_small_to_separate_the_top_candidates() -> None:
    frame = two()
    a = analyze(Scenario(frame, Workload(10_000)))
    small = risk_register(a, uncertainty=accuracy_uncertainty(a, eval_n=300))
    risk = get(small, "eval_too_small")
    # 95% vs 93% on 300 items each: pooled 0.94, se = sqrt(0.94 * 0.06 * 2/300) =
    # 0.019391, z = 0.02 / 0.019391 = 1.0314, p = 0.3023.
    assert risk.value == pytest.approx(0.3023, abs=1e-4)
    assert risk.figure == "p = 0.30 (two-proportion z-test)"
    # (1.959964 * sqrt(2 * 0.94 * 0.06) + 0.841621 * sqrt(0.0475 + 0.0651))^2 / 0.02^2
    # = (0.658268 + 0.282413)^2 / 0.0004 = 2,212.2 -> 2,213 items.
    assert risk.mitigation.startswith("evaluate both on at least 2,213 items (80% power")
    big = risk_register(a, uncertainty=accuracy_uncertainty(a, eval_n=20_000))
    assert "eval_too_small" not in codes(big)


def test_close_call_from_weights_smaa_and_swaps() -> None:
    # Nearly equal candidates (scores 0.99600 and 0.99556): a latency share 0.019
    # higher makes b the pick.
    frame = pd.DataFrame({"name": ["a", "b", "c"], "accuracy": [90.0, 89.9, 80.0],
                          "latency_ms": [20.0, 19.45, 50.0], "cost_per_1k": [1.0, 1.0, 2.0]})
    a = analyze(Scenario(frame, Workload(10_000)))
    sens = weight_sensitivity(a)
    near = min((s.nearest for s in sens if s.nearest), key=lambda c: abs(c.change or 1))
    assert near is not None and near.change == pytest.approx(0.0187, abs=1e-4)
    risks = risk_register(a, sensitivity=sens, swaps=swaps(a),
                          smaa=smaa(a, SmaaSettings(draws=5_000, eval_n=1_000)))
    close = get(risks, "close_call")
    assert close.value == pytest.approx(abs(near.change or 1))
    assert "draws of weights, accuracy" in close.detail
    assert close.figure.endswith(f"makes {near.new_pick} the pick")
    # Far apart: no close call.
    clear = analyze(Scenario(frame.assign(accuracy=[99.0, 70.0, 60.0],
                                          latency_ms=[10.0, 40.0, 50.0]), Workload(10_000)))
    assert "close_call" not in codes(risk_register(clear))


def test_register_order_is_the_code_order(retail_csv: Path) -> None:
    from workbench.robustness.risks import CODES

    a = retail(retail_csv, monthly_budget_usd=1_600.0, max_latency_ms=21.0)
    risks = risk_register(a, drift_pp_per_month=1.0)
    found = codes(risks)
    assert found == sorted(found, key=CODES.index)
    assert {"budget_headroom", "latency_headroom", "accuracy_drift"} <= set(found)
    assert np.isfinite([r.value for r in risks if r.value is not None]).all()
