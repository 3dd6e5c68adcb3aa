"""`workbench analyze` end to end: the JSON contract, CSV, markdown, text."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli import main

RETAIL_FLAGS = ["--volume-per-day", "500000", "--budget", "15000", "--max-latency-ms", "200"]
CANDIDATE_KEYS = {
    "name", "accuracy", "latency_ms", "cost_per_1k", "monthly_cost_usd", "inference_monthly_usd",
    "cost_per_accuracy_point", "cost_per_1k_correct", "max_volume_per_day_in_budget", "feasible",
    "violations", "pareto", "score", "rank", "contributions",
}


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["analyze", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_retail_json_contract(retail_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, str(retail_csv), *RETAIL_FLAGS)
    assert set(doc) >= {"workload", "constraints", "criteria", "normalization", "candidates",
                        "frontier", "recommendation", "volume_sweep", "accuracy_delta", "notes"}
    assert doc["workload"] == {"volume_per_day": 500000, "days_per_month": 30,
                               "monthly_volume": 15000000, "horizon_months": 12,
                               "peak_to_average": 1}
    assert doc["constraints"]["monthly_budget_usd"] == 15000
    cands = {c["name"]: c for c in doc["candidates"]}
    assert all(set(c) >= CANDIDATE_KEYS for c in doc["candidates"])
    assert cands["ViT-L detector (transformer)"]["monthly_cost_usd"] == 300000
    assert cands["ResNet-50 FPN (mid-tier CNN)"]["monthly_cost_usd"] == 75000
    assert cands["MobileNet-SSD edge (on-device)"]["monthly_cost_usd"] == 1500
    assert cands["ViT-L detector (transformer)"]["violations"] == [
        "latency 500 ms > limit 200 ms", "monthly cost $300,000 > budget $15,000"]
    assert cands["ResNet-50 FPN (mid-tier CNN)"]["violations"] == ["monthly cost $75,000 > budget $15,000"]
    assert doc["recommendation"]["name"] == "MobileNet-SSD edge (on-device)"
    assert [c["rank"] for c in doc["candidates"]] == [1, 2, 3]
    rows = {r["name"]: r for r in doc["accuracy_delta"]["rows"]}
    assert rows["ResNet-50 FPN (mid-tier CNN)"]["cost_per_avoided_error_usd"] == 0.098
    # The sweep is a summary per volume (x0.1 = 50,000/day: MobileNet $150 and ResNet
    # $7,500 fit the $15,000 budget, ViT-L is 500 ms; ResNet scores higher; from x0.25
    # on ResNet is over budget, and at x10 MobileNet costs exactly the $15,000).
    assert doc["volume_sweep"][0] == {
        "multiplier": 0.1, "volume_per_day": 50000,
        "recommendation": "ResNet-50 FPN (mid-tier CNN)",
        "recommendation_monthly_cost_usd": 7500, "feasible_count": 2, "candidate_count": 3}
    assert [s["feasible_count"] for s in doc["volume_sweep"]] == [2, 1, 1, 1, 1, 1, 1]
    assert doc["frontier"][0] == "MobileNet-SSD edge (on-device)"
    assert any("x1000" in n for n in doc["notes"])


def test_sweep_detail_lists_every_candidate_per_volume(
    retail_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = run_json(capsys, str(retail_csv), *RETAIL_FLAGS, "--sweep-detail")
    first = doc["volume_sweep"][0]
    # 0.1 x 500,000/day x 30 days = 1.5M a month: cost_per_1k x 1,500.
    assert first["monthly_cost_usd"] == {"MobileNet-SSD edge (on-device)": 150,
                                         "ResNet-50 FPN (mid-tier CNN)": 7500,
                                         "ViT-L detector (transformer)": 30000}
    assert first["feasible"] == {"MobileNet-SSD edge (on-device)": True,
                                 "ResNet-50 FPN (mid-tier CNN)": True,
                                 "ViT-L detector (transformer)": False}
    assert first["recommendation_monthly_cost_usd"] == 7500
    last = doc["volume_sweep"][-1]  # x10: 150M a month, MobileNet alone costs $15,000
    assert last["monthly_cost_usd"]["MobileNet-SSD edge (on-device)"] == 15000
    assert last["feasible"]["MobileNet-SSD edge (on-device)"] is True
    assert last["feasible_count"] == sum(last["feasible"].values())


def test_sweep_detail_needs_json(retail_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(retail_csv), *RETAIL_FLAGS, "--sweep-detail"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("workbench: error: --sweep-detail") and "--format json" in err


def test_weight_flags_replace_defaults(retail_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, str(retail_csv), *RETAIL_FLAGS, "--weight", "accuracy=3",
                   "--weight", "cost=1:min:log10")
    assert [(c["column"], c["direction"], c["weight"], c["scale"]) for c in doc["criteria"]] == [
        ("accuracy", "max", 0.75, "linear"), ("monthly_cost_usd", "min", 0.25, "log10")]


def test_no_volume_gives_nulls(retail_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = run_json(capsys, str(retail_csv))
    assert doc["workload"]["monthly_volume"] is None
    assert all(c["monthly_cost_usd"] is None for c in doc["candidates"])
    assert doc["volume_sweep"] == []


def test_csv_output_neutralises_formulas(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "evil.csv"
    path.write_text('name,accuracy,latency_ms,cost_per_1k,owner\n"=HYPERLINK(1)",90,10,1,+cmd\nok,80,5,1,-x\n')
    assert main(["analyze", str(path), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    names = {r["name"] for r in rows}
    assert "'=HYPERLINK(1)" in names
    assert {r["owner"] for r in rows} == {"'+cmd", "'-x"}


def test_markdown_escapes_pipes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.csv"
    path.write_text('name,accuracy,latency_ms,cost_per_1k\n"a|b<script>",90,10,1\nc,80,5,1\n')
    assert main(["analyze", str(path), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "a\\|b&lt;script&gt;" in out
    assert "<script>" not in out


def test_output_file_and_bad_flag(retail_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.json"
    assert main(["analyze", str(retail_csv), "--format", "json", "-o", str(target)]) == 0
    assert json.loads(target.read_text())["candidates"]
    assert main(["analyze", str(retail_csv), "--budget", "lots"]) == 2
    assert "--budget: 'lots' is not a number" in capsys.readouterr().err
    assert main(["analyze", str(retail_csv), "--weight", "accuracy=1:up"]) == 2
    assert "direction must be max or min" in capsys.readouterr().err
    assert main(["analyze", str(retail_csv), "--max", "flops=3"]) == 2
    assert "flops" in capsys.readouterr().err


def test_text_output_fits_80_columns(retail_csv: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "analyze", str(retail_csv), *RETAIL_FLAGS],
        capture_output=True, text=True, env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"}, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Recommendation: MobileNet-SSD edge (on-device)" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_outputs_never_clobber_inputs(retail_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "t.csv"
    table.write_bytes(retail_csv.read_bytes())
    assert main(["analyze", str(table), "-o", str(table)]) == 2
    assert "would overwrite the input" in capsys.readouterr().err
    assert table.read_bytes() == retail_csv.read_bytes()
    session = tmp_path / "s.toml"
    assert main(["analyze", str(table), "--save", str(session), "-o", str(session)]) == 2
    assert not session.exists()
    assert main(["analyze", str(table), "-o", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert main(["analyze", str(table), "-o", str(tmp_path / "missing" / "x.txt")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_export_round_trip_keeps_costs(retail_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exported = tmp_path / "exp.csv"
    assert main(["analyze", str(retail_csv), "--volume-per-day", "500000", "--format", "csv", "-o", str(exported)]) == 0
    doc = run_json(capsys, str(exported), "--volume-per-day", "1000")
    costs = {c["name"]: c["monthly_cost_usd"] for c in doc["candidates"]}
    assert costs["ResNet-50 FPN (mid-tier CNN)"] == 150


def test_without_a_terminal_the_app_prints_the_analysis_and_exits(tmp_path: Path) -> None:
    """Piped or in CI the TUI would draw into the pipe and spin: print the text view."""
    result = subprocess.run(
        [sys.executable, "-m", "workbench"], capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL, check=False, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Recommendation: MobileNet-SSD edge (on-device)" in result.stdout
    assert "\x1b" not in result.stdout
    table = tmp_path / "t.csv"
    table.write_text("name,accuracy,latency_ms,cost_per_1k\na,90,10,1\nb,95,20,2\n")
    result = subprocess.run(
        [sys.executable, "-m", "workbench", str(table), "--volume-per-day", "500k"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "500,000/day" in result.stdout


@pytest.mark.parametrize("to_file", [True, False])
def test_robustness_beside_the_candidates_fails_cleanly(
    retail_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, to_file: bool,
) -> None:
    # The JSON's robustness block is computed on a thread while the candidates are
    # written. An input error from it still exits 2 with the message, and leaves no
    # output: not a partial file (written atomically), not a partial document on stdout.
    from workbench import evaluation
    from workbench.errors import InputError

    def refuse(analysis: object) -> None:
        raise InputError("must be a number >= 0, got -1", key="uncertainty.drift_pp_per_month")

    monkeypatch.setattr(evaluation, "assess", refuse)
    out = tmp_path / "out.json"
    argv = ["analyze", str(retail_csv), *RETAIL_FLAGS, "--format", "json"]
    assert main([*argv, "-o", str(out)] if to_file else argv) == 2
    captured = capsys.readouterr()
    assert "uncertainty.drift_pp_per_month" in captured.err
    assert captured.out == ""
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_json_robustness_is_the_evaluations(retail_csv: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    # Computed beside the candidates, the block is the one evaluate() gives.
    from workbench.cli.main import _parser
    from workbench.cli.options import apply_overrides
    from workbench.evaluation import evaluate
    from workbench.inputs import open_path
    from workbench.views import evaluation_json

    doc = run_json(capsys, str(retail_csv), *RETAIL_FLAGS)
    session, _ = open_path(retail_csv)
    args = _parser().parse_args(["analyze", str(retail_csv), *RETAIL_FLAGS])
    expected = evaluation_json.robustness_dict(
        evaluate(apply_overrides(session, args), None).robustness)
    assert doc["robustness"] == json.loads(json.dumps(expected))
