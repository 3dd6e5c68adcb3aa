"""`workbench route` through an argparse harness, the RoutingSpec round trip, and the sample log."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from workbench.errors import InputError
from workbench.routing import RoutingSpec, simulate
from workbench.cli import route as route_cli
from workbench.routing.report import operational_rule, routing_markdown

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "fraud_replay.parquet"
COSTS = ["--cheap-cost-per-1k", "0.02", "--expensive-cost-per-1k", "1.0"]
FIGURE_KEYS = {
    "threshold", "escalated_share", "accuracy", "accuracy_wilson_low", "recall", "precision",
    "cost_per_1k", "monthly_cost_usd", "mean_latency_ms", "p95_latency_ms",
}


def route(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="workbench route")
    route_cli.add_arguments(parser)
    return route_cli.run(parser.parse_args(argv))


def small_log(tmp_path: Path) -> Path:
    rng = np.random.default_rng(1)
    n = 400
    y = rng.random(n) < 0.1
    cheap = np.clip(np.where(y, 0.7, 0.3) + rng.normal(0, 0.2, n), 0, 1)
    exp = np.clip(np.where(y, 0.9, 0.1) + rng.normal(0, 0.1, n), 0, 1)
    amount = rng.exponential(300, n).round(2)
    lines = ["Label,Cheap Prob,Ensemble Score,Risk Flag,Amount"]
    lines += [f"{int(a)},{b:.6f},{c:.6f},{int(d)},{e}" for a, b, c, d, e in zip(y, cheap, exp, rng.random(n) < 0.05, amount)]
    path = tmp_path / "log.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_json_output_keys_and_exit_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = small_log(tmp_path)
    code = route(
        [str(log), *COSTS, "--format", "json", "--target-accuracy", "90", "--cheap-latency-ms", "3",
         "--expensive-latency-ms", "40", "--volume-per-day", "100000", "--escalate-when", "risk_flag",
         "--escalate-above", "amount=1000", "--loss-column", "amount"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert {"policy", "target_accuracy", "recommended", "safe", "baselines", "saving_vs_expensive_pct", "curve", "rows", "notes"} <= set(data)
    assert data["rows"] == 400 and data["policy"] == "cascade" and data["target_accuracy"] == 90
    assert set(data["baselines"]) == {"cheap_only", "expensive_only"}
    for fig in (data["recommended"], data["baselines"]["cheap_only"], data["baselines"]["expensive_only"]):
        assert FIGURE_KEYS <= set(fig)
        assert fig["missed_positive_loss"] is not None
    assert data["recommended"]["accuracy"] >= 90
    assert 1 <= len(data["curve"]) <= 200
    assert any("percent" in note for note in data["notes"])


def test_output_file_markdown_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = small_log(tmp_path)
    out = tmp_path / "route.md"
    assert route([str(log), *COSTS, "--format", "markdown", "-o", str(out), "--target-accuracy", "90"]) == 0
    text = out.read_text()
    assert "Run the cheap model on every item" in text and "| Recommended |" in text
    assert capsys.readouterr().out == ""
    assert route([str(log), *COSTS, "--policy", "exclusive", "--target-accuracy", "90"]) == 0
    assert "expensive model alone" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("label,cheap_score\n1,0.5\n", "missing column"),
        ("label,cheap_score,expensive_score\n1,1.2,0.5\n", "row 1, column 'cheap_score'"),
        ("label,cheap_score,expensive_score\n2,0.2,0.5\n", "row 1, column 'label'"),
        ("label,cheap_score,expensive_score\n1,0.2,\n", "row 1, column 'expensive_score'"),
        ("", "empty"),
    ],
)
def test_bad_input_exit_two_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, fragment: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    assert route([str(path), *COSTS]) == 2
    err = capsys.readouterr().err
    assert err.startswith("workbench: error: ") and fragment in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_bad_flags_exit_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = small_log(tmp_path)
    assert route([str(log)]) == 2  # no costs
    assert "--cheap-cost-per-1k" in capsys.readouterr().err
    assert route([str(log), *COSTS, "--escalate-above", "amount"]) == 2
    assert "COLUMN=NUMBER" in capsys.readouterr().err
    assert route([str(log), *COSTS, "--target-accuracy", "150"]) == 2
    assert route([*COSTS]) == 2
    assert route([str(tmp_path / "missing.parquet"), *COSTS]) == 2
    assert "no such file" in capsys.readouterr().err


def test_emit_sql_needs_no_log(capsys: pytest.CaptureFixture[str]) -> None:
    assert route(["--emit-sql", "--escalate-when", "risk_flag", "--loss-column", "amount"]) == 0
    sql = capsys.readouterr().out
    assert "FROM replay_log" in sql and "SUM(loss) AS loss_sum" in sql and "risk_flag <> 0" in sql


def test_spec_round_trip_is_toml_safe() -> None:
    import tomli_w

    spec = RoutingSpec(
        log="logs/replay.parquet", cheap_cost_per_1k=0.02, expensive_cost_per_1k=1, escalate_when=("risk_flag",),
        escalate_above={"amount": 1000}, loss_column="amount",
    )
    data = spec.to_dict()
    assert None not in data.values()
    assert "bins" not in data and "volume_per_day" not in data
    text = tomli_w.dumps({"routing": data})
    assert "[routing]" in text
    assert RoutingSpec.from_dict(data) == spec
    assert RoutingSpec.from_dict({}) == RoutingSpec()


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"cheap_cost": 1.0}, "cheap_cost"),
        ({"cheap_cost_per_1k": "cheap"}, "cheap_cost_per_1k"),
        ({"cheap_cost_per_1k": True}, "cheap_cost_per_1k"),
        ({"escalate_when": "risk_flag"}, "escalate_when"),
        ({"escalate_above": {"amount": "1000"}}, "escalate_above"),
        ({"streaming": 1}, "streaming"),
        ({"bin_count": 10.5}, "bin_count"),
        ({"policy": "random"}, "policy"),
    ],
)
def test_spec_from_dict_rejects_bad_keys(data: dict[str, object], key: str) -> None:
    with pytest.raises(InputError) as err:
        RoutingSpec.from_dict(data)
    assert err.value.key == key


def test_sample_log_tells_the_story() -> None:
    """The shipped sample: cheap alone misses 99.5%, ensemble meets it, a cascade is far cheaper."""
    assert SAMPLE.exists() and SAMPLE.stat().st_size < 5_000_000
    spec = RoutingSpec(log=str(SAMPLE), cheap_cost_per_1k=0.02, expensive_cost_per_1k=1.0)
    result = simulate(spec)
    assert result.rows == 200_000
    assert 99.0 <= result.baselines["cheap_only"].accuracy < 99.5
    assert 99.7 <= result.baselines["expensive_only"].accuracy <= 99.9
    # Chosen on the calibration half, so it meets the target there; the held-out half
    # is reported next to it.
    assert result.recommended is not None and result.recommended.accuracy >= 99.5
    assert result.validation["rows_calibration"] == result.validation["rows_test"] == 100_000
    assert result.held_out is not None and result.held_out["recommended"].rows == 100_000
    assert result.saving_vs_expensive_pct is not None and result.saving_vs_expensive_pct > 80
    assert 0.4 <= result.positives / result.rows * 100 <= 0.6
    rule = operational_rule(result)
    assert rule.startswith("Run the cheap model on every item; send it to the expensive model when")
    assert "below 0." in rule
    assert "| Safe (95%) |" in routing_markdown(result)


def test_simulate_resolves_relative_paths_against_base_dir(tmp_path: Path) -> None:
    small_log(tmp_path)
    spec = RoutingSpec(log="log.csv", cheap_cost_per_1k=0.02, expensive_cost_per_1k=1.0, target_accuracy=90)
    assert simulate(spec, base_dir=tmp_path).rows == 400


def test_package_import_is_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, workbench.routing, workbench.cli.route; "
        "print(*(m in sys.modules for m in ('duckdb', 'rich', 'textual', 'pandas')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False", "False", "False"]
