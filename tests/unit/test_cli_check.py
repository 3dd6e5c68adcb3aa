"""`workbench check`: a CI gate on a decision record (0 holds, 1 broken, 2 bad input)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main

ROOT = Path(__file__).resolve().parents[2]
RETAIL = ROOT / "sessions" / "retail_checkout.toml"
EDGE = "MobileNet-SSD edge (on-device)"
CNN = "ResNet-50 FPN (mid-tier CNN)"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["check", *argv])
    return code, capsys.readouterr().out


def test_the_recorded_decision_holds(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, str(RETAIL))
    assert code == 0
    assert out == f"workbench check: the decision holds: {EDGE}\n"


def test_a_tighter_budget_and_another_expected_pick_break_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = run(capsys, str(RETAIL), "--max-monthly-cost", "$1k", "--expect-pick", CNN)
    assert code == 1
    assert out.splitlines() == [
        f"workbench check: the pick changed: '{EDGE}' is recommended, not '{CNN}'",
        "workbench check: the budget broke: monthly cost $1,500 > $1,000",
        f"workbench check: '{CNN}' now breaks: monthly cost $75,000 > budget $15,000",
    ]


def test_a_new_table_where_the_cnn_got_cheap_changes_the_pick(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # At $0.0008 per image the CNN costs $12,000 a month: within budget and more accurate.
    table = tmp_path / "new.csv"
    table.write_text(
        "name,accuracy,latency_ms,cost_per_1k,maintainability\n"
        f'"{EDGE}",90,20,0.1,2\n"{CNN}",95,100,0.8,4\n"ViT-L detector (transformer)",98,500,20,3\n'
    )
    code, out = run(capsys, str(RETAIL), "--table", str(table), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["holds"] is False
    assert doc["pick"] == CNN and doc["pick_monthly_cost_usd"] == 12000
    assert doc["reasons"] == [f"the pick changed: '{CNN}' is recommended, not '{EDGE}'"]


def test_bad_input_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "missing.toml")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["check", str(RETAIL), "--max-monthly-cost", "abc"]) == 2
