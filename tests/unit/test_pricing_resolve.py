"""The resolver: each pricing mode by hand, the records it keeps, and what it refuses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.errors import InputError
from workbench.pricing import PricingDefaults, resolve_pricing

NAN = np.nan
TOKENS = PricingDefaults(input_tokens_per_request=500, output_tokens_per_request=200,
                         prices_as_of="2025-06-01")


def frame(**columns: list[object]) -> pd.DataFrame:
    return pd.DataFrame(columns)


def test_per_inference_is_as_given() -> None:
    p = resolve_pricing(frame(name=["a"], cost_per_1k=[0.5]), PricingDefaults(), 100_000)
    assert p.modes == ("per_inference",)
    assert p.cost_per_1k.tolist() == [0.5]
    # 0.5 * 100,000 * 30 / 1000 = $1,500 a month
    assert p.inference_monthly_usd.tolist() == pytest.approx([1500.0])
    assert [u.to_dict() for u in p.prices_used] == [
        {"candidate": "a", "item": "cost_per_1k", "value": 0.5, "unit": "USD per 1k requests",
         "source": "candidate table"}]


def test_issue_llm_table_prices_585_and_13500_a_month() -> None:
    f = frame(name=["gpt-4o-mini", "sonnet"], usd_per_1m_input_tokens=[0.15, 3.0],
              usd_per_1m_output_tokens=[0.60, 15.0], hourly_usd=[NAN, NAN])
    p = resolve_pricing(f, TOKENS, 100_000)
    assert p.modes == ("per_token", "per_token")
    assert p.cost_per_1k.tolist() == pytest.approx([0.195, 4.5], rel=1e-12)
    assert p.inference_monthly_usd.tolist() == pytest.approx([585.0, 13_500.0], rel=1e-12)
    assert [(u.candidate, u.item, u.value) for u in p.prices_used] == [
        ("gpt-4o-mini", "usd_per_1m_input_tokens", 0.15),
        ("gpt-4o-mini", "usd_per_1m_output_tokens", 0.60),
        ("sonnet", "usd_per_1m_input_tokens", 3.0),
        ("sonnet", "usd_per_1m_output_tokens", 15.0),
    ]


def test_per_token_without_token_counts_is_refused_naming_what_to_add() -> None:
    f = frame(name=["gpt-4o-mini"], usd_per_1m_input_tokens=[0.15], usd_per_1m_output_tokens=[0.6])
    with pytest.raises(InputError) as err:
        resolve_pricing(f, PricingDefaults(), 100_000)
    e = err.value
    assert (e.row, e.column) == (1, "usd_per_1m_input_tokens")
    assert "tokens per request" in e.message and "input_tokens_per_request" in e.message
    assert "pricing.output_tokens_per_request" in e.message


def test_row_token_counts_win_over_session_defaults_and_cached_tokens_count() -> None:
    f = frame(name=["a", "b"], usd_per_1m_input_tokens=[1.0, 1.0],
              usd_per_1m_output_tokens=[2.0, 2.0], usd_per_1m_cached_input_tokens=[0.1, NAN],
              input_tokens_per_request=[1000, NAN], cached_input_tokens_per_request=[5000, NAN])
    p = resolve_pricing(f, TOKENS, None)
    # a: (1000 * 1 + 200 * 2 + 5000 * 0.1) / 1000 = 1.9;  b: (500 + 400) / 1000 = 0.9
    assert p.cost_per_1k.tolist() == pytest.approx([1.9, 0.9])
    assert np.isnan(p.inference_monthly_usd).all()  # no volume, no monthly figure


@pytest.mark.parametrize(
    ("columns", "column", "fragment"),
    [
        ({"usd_per_1m_input_tokens": [1.0]}, "usd_per_1m_output_tokens",
         "no usd_per_1m_output_tokens"),
        ({"usd_per_1m_input_tokens": [1.0], "usd_per_1m_output_tokens": [2.0],
          "cached_input_tokens_per_request": [100]}, "usd_per_1m_cached_input_tokens",
         "set the cached tokens to 0"),
        ({"hourly_usd": [1.0]}, "throughput_per_s", "add throughput_per_s"),
        ({"hourly_usd": [1.0], "throughput_per_s": [0.0]}, "throughput_per_s", "(0)"),
        ({"instance": ["g4dn.xlargee"], "throughput_per_s": [5.0]}, "instance", "g4dn.xlarge"),
        ({"price_ref": ["gpt-4o-minni"]}, "price_ref", "gpt-4o-mini"),
        ({"cost_per_1k": [1.0], "pricing_mode": ["per_hour"]}, "pricing_mode", "must be one of"),
        ({"cost_per_1k": [1.0], "pricing_mode": ["instance"]}, "hourly_usd", "no hourly_usd"),
        ({"hourly_usd": [1.0], "throughput_per_s": [5.0], "plan": ["yearly"]}, "plan",
         "must be one of"),
        ({"hourly_usd": [1.0], "throughput_per_s": [5.0], "utilization": [70.0]}, "utilization",
         "<= 1"),
        ({"hourly_usd": [1.0], "throughput_per_s": [5.0], "min_instances": [1.5]},
         "min_instances", "whole number"),
        ({"cost_per_1k": ["cheap"]}, "cost_per_1k", "not a number"),
        ({"usd_per_1m_input_tokens": [-1.0]}, "usd_per_1m_input_tokens", ">= 0"),
        ({"accuracy": [90.0]}, None, "has no price"),
    ],
)
def test_rows_that_cannot_be_priced_are_refused(
    columns: dict[str, list[object]], column: str | None, fragment: str
) -> None:
    with pytest.raises(InputError) as err:
        resolve_pricing(frame(name=["m"], **columns), TOKENS, 100_000, label="t.csv")
    e = err.value
    assert (e.source, e.row, e.column) == ("t.csv", 1, column)
    assert fragment in e.message and "'m'" in e.message


def test_instance_mode_by_hand_with_a_catalogue_instance_and_a_plan() -> None:
    f = frame(name=["typed", "catalogue", "spot"], hourly_usd=[1.006, NAN, NAN],
              instance=[None, "g5.xlarge", "aws:g4dn.xlarge"], throughput_per_s=[5.0, 5.0, 2.0],
              plan=[None, "reserved_1y", "spot"], min_instances=[NAN, 2, NAN])
    p = resolve_pricing(f, PricingDefaults(peak_to_average=2.0), 1_000_000)
    # peak_rps = 1e6 / 86400 * 2 = 23.148; at 5 rps * 0.7 = 3.5 per instance -> 7;
    # at 2 rps * 0.7 = 1.4 -> ceil(16.53) = 17.
    assert p.instances.tolist() == [7, 7, 17]
    # hourly: typed 1.006; g5.xlarge reserved 1y 0.634; g4dn.xlarge spot 0.21 * 1.10.
    assert p.hourly_usd.tolist() == pytest.approx([1.006, 0.634, 0.231])
    expected = [7 * 1.006 * 730, 7 * 0.634 * 730, 17 * 0.231 * 730]
    assert p.inference_monthly_usd.tolist() == pytest.approx(expected)
    assert p.cost_per_1k.tolist() == pytest.approx([m / 30_000 for m in expected])
    catalogue = p.prices_used[1]
    assert (catalogue.value, catalogue.date) == (0.634, "2024-12")
    assert "aws:g5.xlarge" in catalogue.source and "reserved 1 year" in catalogue.unit
    assert "x1.1" in p.prices_used[2].unit and p.prices_used[2].value == 0.21
    assert p.plans == ("on_demand", "reserved_1y", "spot")


def test_instance_without_volume_is_priced_at_its_target_utilization() -> None:
    f = frame(name=["t4"], hourly_usd=[0.526], throughput_per_s=[425.5])
    p = resolve_pricing(f, PricingDefaults(utilization=1.0), None)
    assert p.cost_per_1k.tolist() == pytest.approx([0.526 / (425.5 * 3600) * 1000])
    assert np.isnan(p.instances).all() and np.isnan(p.inference_monthly_usd).all()
    zero = resolve_pricing(f, PricingDefaults(utilization=1.0), 0.0)
    assert zero.cost_per_1k.tolist() == p.cost_per_1k.tolist()
    assert zero.instances.tolist() == [1] and zero.inference_monthly_usd.tolist() == [0.526 * 730]


def test_price_ref_fills_only_the_missing_prices() -> None:
    f = frame(name=["ref", "override"], price_ref=["gpt-4o-mini", "gpt-4o-mini"],
              usd_per_1m_output_tokens=[NAN, 1.0])
    p = resolve_pricing(f, TOKENS, 100_000)
    # ref: (500 * 0.15 + 200 * 0.6) / 1000 = 0.195; override: (75 + 200) / 1000 = 0.275
    assert p.cost_per_1k.tolist() == pytest.approx([0.195, 0.275])
    sources = [(u.candidate, u.item, u.source.split(":")[0], u.date) for u in p.prices_used]
    assert sources == [
        ("ref", "usd_per_1m_input_tokens", "genai-prices 0.2.3", "2025-06-01"),
        ("ref", "usd_per_1m_output_tokens", "genai-prices 0.2.3", "2025-06-01"),
        ("override", "usd_per_1m_input_tokens", "genai-prices 0.2.3", "2025-06-01"),
        ("override", "usd_per_1m_output_tokens", "candidate table", None),
    ]


def test_several_kinds_of_price_pick_the_most_specific_with_a_note() -> None:
    f = frame(name=["both", "chosen"], cost_per_1k=[0.05, 0.05], hourly_usd=[1.0, 1.0],
              throughput_per_s=[10.0, 10.0], pricing_mode=[None, "per_inference"])
    p = resolve_pricing(f, PricingDefaults(), 100_000)
    assert p.modes == ("instance", "per_inference")
    assert len(p.notes) == 1 and "'both'" in p.notes[0] and "pricing_mode" in p.notes[0]


def test_monthly_at_other_volumes_keeps_the_steps() -> None:
    f = frame(name=["api", "gpu"], cost_per_1k=[0.2, NAN], hourly_usd=[NAN, 1.0],
              throughput_per_s=[NAN, 1.0], utilization=[NAN, 0.5])
    p = resolve_pricing(f, PricingDefaults(), 43_200.0)
    # One instance serves 1 * 0.5 * 86400 = 43,200/day.
    grid = p.monthly_at([43_200.0, 43_201.0, 86_400.0])
    assert grid[:, 0].tolist() == pytest.approx([259.2, 43_201 * 0.2 * 30 / 1000, 518.4])
    assert grid[:, 1].tolist() == [730.0, 1460.0, 1460.0]
    assert p.instances_at([43_200.0, 43_201.0])[:, 1].tolist() == [1, 2]
    assert np.isnan(p.instances_at(1.0)[0])


@pytest.mark.parametrize(
    ("defaults", "key"),
    [
        (PricingDefaults(utilization=70), "pricing.utilization"),
        (PricingDefaults(utilization=0), "pricing.utilization"),
        (PricingDefaults(peak_to_average=0.5), "pricing.peak_to_average"),
        (PricingDefaults(min_instances=-1), "pricing.min_instances"),
        (PricingDefaults(hours_per_month=800), "pricing.hours_per_month"),
        (PricingDefaults(plan="monthly"), "pricing.plan"),
        (PricingDefaults(input_tokens_per_request=-5), "pricing.input_tokens_per_request"),
        (PricingDefaults(prices_as_of="last year"), "pricing.prices_as_of"),
    ],
)
def test_defaults_are_checked_with_their_key(defaults: PricingDefaults, key: str) -> None:
    with pytest.raises(InputError) as err:
        defaults.check()
    assert err.value.key == key


def test_an_instance_cell_beside_a_cost_per_1k_only_names_the_machine() -> None:
    f = frame(name=["named", "priced"], cost_per_1k=[0.3, 0.3],
              instance=["g4dn.xlarge", "g4dn.xlarge"], throughput_per_s=[NAN, 100.0])
    p = resolve_pricing(f, PricingDefaults(), 100_000)
    assert p.modes == ("per_inference", "instance")
    assert p.cost_per_1k[0] == 0.3
    assert p.hourly_usd[1] == 0.526 and len(p.notes) == 1
