"""Golden files of the headless commands, byte for byte.

`workbench analyze` in every format on the retail sample (with the README's flags) and
on the model zoo session, and `workbench diff` (text and JSON) of two example
sessions. Regenerate after an intended change with
    UPDATE_GOLDEN=1 python -m pytest tests/unit/test_golden_cli.py
and review the diff like code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from workbench.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
RETAIL = ["sample_data/retail_checkout.csv", "--volume-per-day", "500000", "--budget", "15000",
          "--max-latency-ms", "200"]
ZOO = ["sessions/model_zoo_edge_gpu.toml"]
SUFFIX = {"text": "txt", "json": "json", "csv": "csv", "markdown": "md"}

CASES = [
    *[(f"analyze_retail.{SUFFIX[f]}", ["analyze", *RETAIL, "--format", f], 0) for f in SUFFIX],
    *[(f"analyze_model_zoo.{SUFFIX[f]}", ["analyze", *ZOO, "--format", f], 0) for f in SUFFIX],
    ("diff_retail_mobile.txt",
     ["diff", "sessions/retail_checkout.toml", "sessions/mobile_app_budget.toml"], 1),
    ("diff_retail_mobile.json",
     ["diff", "sessions/retail_checkout.toml", "sessions/mobile_app_budget.toml",
      "--format", "json"], 1),
]


@pytest.mark.parametrize(("name", "argv", "code"), CASES, ids=[c[0] for c in CASES])
def test_golden(name: str, argv: list[str], code: int, monkeypatch: pytest.MonkeyPatch,
                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)  # paths in the output are the relative ones given
    monkeypatch.setenv("COLUMNS", "80")  # the text view fits the terminal
    assert main(argv) == code
    captured = capsys.readouterr()
    assert captured.err == ""
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_bytes(captured.out.encode("utf-8"))
    assert golden.exists(), f"{golden} missing: run with UPDATE_GOLDEN=1"
    assert captured.out.encode("utf-8") == golden.read_bytes()


def test_the_json_goldens_are_what_the_readme_promises() -> None:
    """The goldens themselves hold the documented contract (so updating them cannot
    quietly change it): keys, the compact sweep, the retail figures by hand."""
    doc = json.loads((GOLDEN / "analyze_retail.json").read_text(encoding="utf-8"))
    assert list(doc) == ["workload", "constraints", "criteria", "normalization", "cost_column",
                         "candidates", "frontier", "recommendation",
                         "no_recommendation_reason", "volume_sweep", "accuracy_delta",
                         "rank_by", "matrix_pick", "pricing", "cost_questions", "robustness",
                         "routing", "notes"]
    assert doc["rank_by"] == "matrix" and doc["matrix_pick"] == "MobileNet-SSD edge (on-device)"
    assert doc["pricing"] is None and doc["routing"] is None
    risks = [r["code"] for r in doc["robustness"]["risks"]]
    assert risks == ["least_accurate_pick", "single_feasible"]
    first = doc["candidates"][0]
    assert list(first)[:15] == ["name", "accuracy", "latency_ms", "cost_per_1k",
                                "monthly_cost_usd", "inference_monthly_usd",
                                "cost_per_accuracy_point", "cost_per_1k_correct",
                                "max_volume_per_day_in_budget", "feasible", "violations",
                                "pareto", "score", "rank", "contributions"]
    # 500,000/day x 30 = 15M a month: $0.10 per 1k is $1,500.
    assert first["name"] == "MobileNet-SSD edge (on-device)"
    assert first["monthly_cost_usd"] == 1500
    assert set(doc["volume_sweep"][0]) == {
        "multiplier", "volume_per_day", "recommendation", "recommendation_monthly_cost_usd",
        "feasible_count", "candidate_count"}
    diff = json.loads((GOLDEN / "diff_retail_mobile.json").read_text(encoding="utf-8"))
    assert diff["equal"] is False
    assert {"key": "monthly_budget_usd", "old": 15000, "new": 100} in diff["constraints"]
    csv_lines = (GOLDEN / "analyze_retail.csv").read_text(encoding="utf-8").splitlines()
    assert len(csv_lines) == 1 + 3
