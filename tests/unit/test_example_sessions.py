"""The example sessions in sessions/ and the built-in sample: they load, they analyse,
and their key numbers match hand-computed values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench import cli
from workbench.analysis import Analysis, analyze
from workbench.evaluation import evaluate
from workbench.views.memo import render_memo
from workbench.inputs import builtin_sample_path
from workbench.session import load_session, session_to_toml

ROOT = Path(__file__).resolve().parents[2]
SESSIONS = sorted((ROOT / "sessions").glob("*.toml"))
EDGE = "MobileNet-SSD edge (on-device)"
CNN = "ResNet-50 FPN (mid-tier CNN)"
VIT = "ViT-L detector (transformer)"


def analysed(name: str) -> Analysis:
    session, notes = load_session(ROOT / "sessions" / name)
    assert notes == []  # the sample CSVs are unchanged since the sessions were saved
    return analyze(session.scenario)


def monthly(a: Analysis) -> dict[str, float]:
    return dict(zip(a.table["name"], a.table["monthly_cost_usd"]))


def test_the_examples_are_there() -> None:
    assert [p.name for p in SESSIONS] == [
        "fraud_routing.toml",
        "llm_support_assistant.toml",
        "mobile_app_budget.toml",
        "model_zoo_edge_gpu.toml",
        "retail_checkout.toml",
    ]


@pytest.mark.parametrize("path", SESSIONS, ids=lambda p: p.name)
def test_example_loads_analyses_and_is_a_complete_record(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session, notes = load_session(path)
    assert notes == []
    assert session.title and session.notes and session.created and session.modified
    d = session.decision
    assert d.chosen and d.rationale and d.decided_by and d.decided_on
    assert session.source.path and (ROOT / "sample_data" / Path(session.source.path).name).is_file()
    # The file is exactly what the writer produces: re-saving changes nothing but time.
    assert session_to_toml(session, path.parent) == path.read_text(encoding="utf-8")
    assert cli.main(["analyze", str(path), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    # The CLI evaluates the session: with [routing] the routed system is a candidate.
    rec = evaluate(session, path.parent, robust=False).analysis.recommendation
    assert (doc["recommendation"] or {}).get("name") == (rec.name if rec else None)
    if session.routing:
        assert doc["routing"]["policy"] == "cascade"


def test_retail_numbers() -> None:
    a = analysed("retail_checkout.toml")
    volume = 500_000 * 30  # images a month
    # cost per image x volume: 0.02, 0.005 and 0.0001 USD
    assert monthly(a) == pytest.approx(
        {VIT: 0.02 * volume, CNN: 0.005 * volume, EDGE: 0.0001 * volume}
    )
    assert monthly(a) == pytest.approx({VIT: 300_000, CNN: 75_000, EDGE: 1_500})
    # ViT breaks latency (500 > 200 ms) and budget, the CNN the budget ($75k > $15k).
    assert dict(zip(a.table["name"], a.table["feasible"])) == {VIT: False, CNN: False, EDGE: True}
    assert a.recommendation is not None and a.recommendation.name == EDGE
    delta = a.accuracy_delta
    assert delta is not None and delta.baseline == EDGE
    cnn = delta.rows.set_index("name").loc[CNN]
    # 5 points of 15M images = 750,000 errors avoided for $73,500 more: $0.098 each.
    assert cnn["errors_avoided_per_month"] == pytest.approx(0.05 * volume)
    assert cnn["delta_monthly_cost_usd"] == pytest.approx(75_000 - 1_500)
    assert cnn["cost_per_avoided_error_usd"] == pytest.approx(0.098)


def test_mobile_numbers() -> None:
    a = analysed("mobile_app_budget.toml")
    per_1k = {
        "ResNet-50": 0.000343387,
        "MobileNetV3-Large": 0.000130038,
        "EfficientNet-B0": 0.000195781,
        "EfficientNet-B4": 0.000932426,
        "ConvNeXt-Tiny": 0.000449988,
    }
    volume = 8_000_000 * 30
    assert monthly(a) == pytest.approx({n: c * volume / 1000 for n, c in per_1k.items()})
    assert monthly(a)["ResNet-50"] == pytest.approx(82.41288)
    # What $100 a month buys, per day: 100 / (cost per inference) / 30 days.
    affordable = dict(zip(a.table["name"], a.table["max_volume_per_day_in_budget"]))
    assert affordable == pytest.approx({n: 100 / (c / 1000) / 30 for n, c in per_1k.items()})
    assert affordable["ResNet-50"] == pytest.approx(9_707_220.52, rel=1e-9)
    assert affordable["ConvNeXt-Tiny"] == pytest.approx(7_407_604.94, rel=1e-9)
    feasible = {n for n, f in zip(a.table["name"], a.table["feasible"]) if f}
    assert feasible == {"ResNet-50", "EfficientNet-B0", "MobileNetV3-Large"}
    assert a.recommendation is not None
    assert (a.recommendation.name, a.recommendation.runner_up) == ("ResNet-50", "EfficientNet-B0")


def test_model_zoo_numbers() -> None:
    a = analysed("model_zoo_edge_gpu.toml")
    volume = 2_000_000 * 30
    costs = monthly(a)
    assert len(costs) == 36
    assert costs["ConvNeXt-Tiny"] == pytest.approx(0.000449988 * volume / 1000)
    assert costs["ConvNeXt-Small"] == pytest.approx(42.9528)
    # >= 82% top-1, <= 10 ms and <= $50/month leave five models.
    feasible = {n for n, f in zip(a.table["name"], a.table["feasible"]) if f}
    assert feasible == {
        "ConvNeXt-Tiny",
        "ResNet-152",
        "ConvNeXt-Small",
        "EfficientNet-B3",
        "Swin-S",
    }
    assert a.recommendation is not None and a.recommendation.name == "ConvNeXt-Tiny"
    rows = a.accuracy_delta.rows.set_index("name")  # type: ignore[union-attr]
    small = rows.loc["ConvNeXt-Small"]
    # (83.616 - 82.52) points of 60M images, valued at $0.02 each, minus the extra cost.
    avoided = (83.616 - 82.52) / 100 * volume
    assert small["errors_avoided_per_month"] == pytest.approx(657_600)
    assert small["net_monthly_value_usd"] == pytest.approx(avoided * 0.02 - (42.9528 - 26.99928))
    assert small["net_monthly_value_usd"] == pytest.approx(13_136.04648)


def test_builtin_sample_is_the_retail_session_and_opens_anywhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no sample_data/ here: a path would point nowhere
    path = builtin_sample_path()
    builtin, notes = load_session(path)
    assert notes == []
    assert builtin.source.path is None and builtin.source.sha256
    example, _ = load_session(ROOT / "sessions" / "retail_checkout.toml")
    assert builtin.scenario == example.scenario
    assert builtin.decision == example.decision and builtin.title == example.title
    assert builtin.source.sha256 == example.source.sha256


def test_fraud_session_routes_through_its_candidates(capsys: pytest.CaptureFixture[str]) -> None:
    """The [routing] table names candidates; their cost and latency price the cascade."""
    path = ROOT / "sessions" / "fraud_routing.toml"
    session, _ = load_session(path)
    # Neither model alone qualifies: the reason the routing section exists.
    assert analyze(session.scenario).recommendation is None
    # The routed system, as a candidate, is the recommendation, and what was decided.
    ev = evaluate(session, path.parent)
    assert ev.analysis.recommendation is not None
    assert ev.analysis.recommendation.name == "GBM -> ensemble cascade" == session.decision.chosen
    row = ev.analysis.row("GBM -> ensemble cascade")
    assert row["figures_on"] == "held-out rows" and row["routing_policy"] == "safe"
    assert ev.routing is not None and ev.routing.held_out is not None
    assert row["accuracy"] == pytest.approx(ev.routing.held_out["safe"].accuracy)
    memo = render_memo(session, session_path=path, evaluation=ev)
    assert "**Recommendation: GBM -&gt; ensemble cascade**" in memo
    assert "The recorded choice is the recommendation." in memo
    assert cli.main(["route", "--session", str(path), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    # GBM $0.02/1k on everything + ensemble $1/1k on the escalated share.
    rec = doc["recommended"]
    assert rec["cost_per_1k"] == pytest.approx(0.02 + 1.0 * rec["escalated_share"])
    assert rec["accuracy"] >= 99.5
    assert doc["baselines"]["expensive_only"]["monthly_cost_usd"] == pytest.approx(150_000)
    assert rec["mean_latency_ms"] == pytest.approx(3 + 40 * rec["escalated_share"])


def test_route_save_stores_settings_in_the_session(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    session_path = tmp_path / "r.toml"
    session_path.write_bytes((ROOT / "sessions" / "retail_checkout.toml").read_bytes())
    # The log sits beside the session, as in a project folder, so that the stored path
    # does not depend on where the test's temporary folder lies.
    log = tmp_path / "logs" / "fraud_replay.parquet"
    log.parent.mkdir()
    log.write_bytes((ROOT / "sample_data" / "fraud_replay.parquet").read_bytes())
    args = ["route", str(log), "--session", str(session_path), "--cheap-model",
            "MobileNet-SSD edge (on-device)", "--expensive-model", "ViT-L detector (transformer)",
            "--save", "--format", "json"]
    assert cli.main(args) == 0
    first = json.loads(capsys.readouterr().out)
    saved, _ = load_session(session_path)
    assert saved.routing is not None
    assert saved.routing["cheap_model"] == "MobileNet-SSD edge (on-device)"
    # Prices are not copied: they stay with the candidate table.
    assert "cheap_cost_per_1k" not in saved.routing
    # The log path is stored relative to the session's folder.
    assert not Path(str(saved.routing["log"])).is_absolute()
    assert saved.routing["log"] == "logs/fraud_replay.parquet"
    assert cli.main(["route", "--session", str(session_path), "--format", "json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["recommended"] == first["recommended"]
    assert cli.main(["route", "--session", str(session_path), "--cheap-model", "nope"]) == 2
    assert "'nope' is not a candidate" in capsys.readouterr().err
