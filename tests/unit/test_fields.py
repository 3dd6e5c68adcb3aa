"""One test walks the field table: every input through every path derived from it.

For each field of `workbench.fields.FIELDS`: a value round-trips through the session
TOML; its CLI flag (when it has one) sets it, in the one number grammar; an
out-of-range or wrong-typed value is refused naming the key (and the line, in a file);
and the JSON "inputs" blocks carry it.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from workbench import fields
from workbench.cli.options import add_scenario_arguments, apply_overrides
from workbench.errors import InputError
from workbench.fields import FIELDS, Field
from workbench.model import Scenario, Session
from workbench.session import session_from_toml, session_to_toml

NAMES = ["a", "b"]
CANDIDATES = "".join(
    f'[[candidates]]\nname = "{n}"\naccuracy = 90\nlatency_ms = 1\ncost_per_1k = 1\n\n'
    for n in NAMES
)


def base() -> Session:
    frame = pd.DataFrame({"name": pd.Series(NAMES, dtype=object), "accuracy": [90.0, 95.0],
                          "latency_ms": [10.0, 20.0], "cost_per_1k": [1.0, 2.0]})
    return Session(Scenario(frame), title="Fields")


# A valid value per field, different from its default, and how a flag would spell it.
SAMPLES: dict[str, tuple[Any, str]] = {
    "title": ("Pick a detector", "Pick a detector"),
    "notes": ("line one\nline two", "line one"),
    "workload.volume_per_day": (500_000.0, "500k"),
    "workload.days_per_month": (31.0, "31"),
    "workload.horizon_months": (24.0, "24"),
    "constraints.max_latency_ms": (200.0, "200"),
    "constraints.monthly_budget_usd": (15_000.0, "$15,000"),
    "constraints.min_accuracy": (92.5, "92.5%"),
    "scoring.normalization": ("vector", "vector"),
    "workload.peak_to_average": (2.5, "2.5"),
    "pricing.input_tokens_per_request": (500.0, "500"),
    "pricing.output_tokens_per_request": (200.0, "200"),
    "pricing.cached_input_tokens_per_request": (1_000.0, "1k"),
    "pricing.utilization": (0.6, "60%"),
    "pricing.min_instances": (2.0, "2"),
    "pricing.hours_per_month": (720.0, "720"),
    "pricing.plan": ("reserved_1y", "reserved_1y"),
    "pricing.spot_interruption_overhead": (0.2, "20%"),
    "pricing.prices_as_of": ("2026-11-30", "2026-11-30"),
    "tco.retrainings_per_year": (4.0, "4"),
    "tco.cost_basis": ("tco", "tco"),
    "scoring.rank_by": ("total_cost", "total_cost"),
    "uncertainty.eval_n": (1_000.0, "1,000"),
    "uncertainty.interval": ("beta", "beta"),
    "uncertainty.smaa_draws": (500.0, "500"),
    "uncertainty.seed": (7.0, "7"),
    "uncertainty.weights": ("fixed", "fixed"),
    "uncertainty.accuracy_model": ("normal", "normal"),
    "uncertainty.price_range_pct": (10.0, "10%"),
    "uncertainty.latency_range_pct": (5.0, "5"),
    "uncertainty.drift_pp_per_month": (0.3, "0.3"),
    "whatif.baseline": ("b", "b"),
    "whatif.error_cost_usd": (0.1, "$0.10"),
    "whatif.volume_multipliers": ((0.5, 1.0, 2.0), "0.5,1,2"),
    "decision.chosen": ("a", "a"),
    "decision.rationale": ("cheapest that fits", "x"),
    "decision.decided_by": ("Ops board", "x"),
    "decision.decided_on": ("2026-11-30", "x"),
    "monitoring.max_cost_per_1k_drift_pct": (15.0, "15%"),
    "monitoring.max_p95_latency_ms": (250.0, "250"),
    "monitoring.min_accuracy": (88.0, "88%"),
    "monitoring.min_labels": (500.0, "500"),
    "monitoring.max_escalation_share": (0.3, "30%"),
    "monitoring.max_volume_per_day": (600_000.0, "600k"),
    "monitoring.min_volume_per_day": (50_000.0, "50k"),
    "monitoring.promote_min_saving_pct": (20.0, "20%"),
    "monitoring.promote_max_accuracy_loss_pp": (0.5, "0.5"),
    "monitoring.lookback_days": (14.0, "14"),
    "monitoring.anomaly_threshold": (4.5, "4.5"),
    "monitoring.min_anomaly_usd": (25.0, "$25"),
}
# A value each numeric field must refuse.
BAD: dict[str, Any] = {
    "workload.volume_per_day": -1.0,
    "workload.days_per_month": 0.0,
    "workload.horizon_months": -3.0,
    "constraints.max_latency_ms": -5.0,
    "constraints.monthly_budget_usd": 1e300,
    "constraints.min_accuracy": 101.0,
    "whatif.error_cost_usd": -0.5,
    "whatif.volume_multipliers": (1.0, 0.0),
    "scoring.normalization": "zscore",
    "workload.peak_to_average": 0.5,
    "pricing.utilization": 1.5,
    "pricing.min_instances": 1.5,
    "pricing.hours_per_month": 800.0,
    "pricing.plan": "monthly",
    "tco.retrainings_per_year": 400.0,
    "tco.cost_basis": "yearly",
    "scoring.rank_by": "score",
    "uncertainty.eval_n": 0.5,
    "uncertainty.smaa_draws": 2e6,
    "uncertainty.price_range_pct": 100.0,
    "uncertainty.drift_pp_per_month": -1.0,
    "monitoring.max_cost_per_1k_drift_pct": -5.0,
    "monitoring.max_p95_latency_ms": 0.0,
    "monitoring.min_accuracy": 120.0,
    "monitoring.min_labels": 0.5,
    "monitoring.max_escalation_share": 1.5,
    "monitoring.lookback_days": 2.0,
    "monitoring.anomaly_threshold": 0.0,
    "monitoring.min_anomaly_usd": -1.0,
}


def test_every_field_has_a_sample() -> None:
    assert set(SAMPLES) == {f.path for f in FIELDS}


@pytest.mark.parametrize("f", FIELDS, ids=[f.path for f in FIELDS])
def test_toml_round_trip(f: Field) -> None:
    value, _ = SAMPLES[f.path]
    session = f.set(base(), value)
    text = session_to_toml(session)
    back, _ = session_from_toml(text, "s.toml")
    assert f.get(back) == value
    # Written under its own section and key.
    header = f"[{f.section}]" if f.section else None
    if header is not None:
        assert header in text
    assert f"{f.key} =" in text


@pytest.mark.parametrize("f", [f for f in FIELDS if f.flag], ids=lambda f: f.flag)
def test_cli_flag_sets_the_field(f: Field) -> None:
    value, spelled = SAMPLES[f.path]
    parser = argparse.ArgumentParser()
    add_scenario_arguments(parser)
    args = parser.parse_args([f.flag, spelled])  # type: ignore[list-item]
    got = f.get(apply_overrides(base(), args))
    expected = value if f.kind != "text" else spelled
    assert got == expected


@pytest.mark.parametrize("path", sorted(BAD), ids=sorted(BAD))
def test_out_of_range_is_refused_naming_the_key(path: str) -> None:
    f = fields.field(path)
    with pytest.raises(InputError) as err:
        f.check(BAD[path])
    assert err.value.key == path
    # The same value in a file names the key and its line.
    value = BAD[path]
    shown = ("[" + ", ".join(repr(v) for v in value) + "]" if isinstance(value, tuple)
             else f'"{value}"' if isinstance(value, str) else repr(value))
    text = (f"schema_version = 1\n\n[{f.section}]\n{f.key} = {shown}\n\n"
            + CANDIDATES)
    with pytest.raises(InputError) as err:
        session_from_toml(text, "s.toml")
    assert err.value.key == path
    assert err.value.line is not None
    assert text.splitlines()[err.value.line - 1].startswith(f"{f.key} =")


@pytest.mark.parametrize("path", [p for p in BAD if fields.field(p).flag], ids=str)
def test_a_bad_flag_value_names_the_flag(path: str) -> None:
    f = fields.field(path)
    value = BAD[path]
    spelled = (",".join(f"{v:g}" for v in value) if isinstance(value, tuple)
               else value if isinstance(value, str) else f"{value:g}")
    parser = argparse.ArgumentParser()
    add_scenario_arguments(parser)
    if f.choices:
        with pytest.raises(SystemExit):  # argparse names the choices itself
            parser.parse_args([f.flag, spelled])  # type: ignore[list-item]
        return
    args = parser.parse_args([f.flag, spelled])  # type: ignore[list-item]
    with pytest.raises(InputError) as err:
        apply_overrides(base(), args)
    assert str(err.value).startswith(f"{f.flag}: ")


def test_validate_checks_scenarios_built_in_code() -> None:
    s = base().scenario
    bad = replace(s, workload=replace(s.workload, horizon_months=0.0))
    with pytest.raises(InputError) as err:
        fields.validate(bad)
    assert err.value.key == "workload.horizon_months"


def test_inputs_dict_lists_every_field_of_a_section() -> None:
    doc = fields.inputs_dict(base(), ["workload", "constraints"])
    assert list(doc["workload"]) == [f.key for f in fields.section("workload")]
    assert doc["workload"]["days_per_month"] == 30.0
    assert doc["constraints"]["monthly_budget_usd"] is None


def test_help_lists_every_flag(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_scenario_arguments(parser)
    text = parser.format_help()
    for f in FIELDS:
        if f.flag:
            assert f.flag in text
