"""Log layouts, model names, the CLI on them, the drift check and the candidate row."""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from workbench.cli import route as route_cli
from workbench.errors import InputError
from workbench.routing import RoutingSpec, simulate
from workbench.routing.formats import detect_layout, load_cascade

ROOT = Path(__file__).resolve().parents[2]
LLM = ROOT / "sample_data" / "llm_replay.parquet"
LLM_COSTS = ["--cost-per-1k", "small-llm=0.15", "--cost-per-1k", "mid-llm=0.6", "--cost-per-1k", "large-llm=3"]


def route(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="workbench route")
    route_cli.add_arguments(parser)
    return route_cli.run(parser.parse_args(argv))


def quality_log(path: Path, n: int = 600, seed: int = 1, shift: float = 0.0) -> Path:
    rng = np.random.default_rng(seed)
    c1 = rng.normal(shift, 1.0, n)
    c2 = rng.normal(0, 1.0, n)
    frame = pd.DataFrame({
        "Correct Fraud-Lite": (rng.random(n) < 1 / (1 + np.exp(-2 * c1))).astype(float),
        "confidence_fraud-lite": c1,
        "correct_mid": (rng.random(n) < 1 / (1 + np.exp(-2 * c2 - 1))).astype(float),
        "confidence_mid": c2,
        "correct_ensemble": (rng.random(n) < 0.95).astype(float),
        "amount": rng.exponential(100, n),
    })
    frame.to_csv(path, index=False)
    return path


def test_layouts_are_told_apart_by_their_headers() -> None:
    spec = RoutingSpec()
    legacy = detect_layout(["Label", "Cheap Prob", "Ensemble Score"], spec, "log")
    assert legacy.legacy and legacy.names == ("cheap", "expensive") and legacy.kind == "binary"
    binary = detect_layout(["y", "score_a", "score_b", "score_c"], spec, "log")
    assert binary.kind == "binary" and binary.names == ("a", "b", "c") and binary.label == "y"
    quality = detect_layout(["correct_a", "confidence_a", "Correct-B", "confidence b"], spec, "log")
    assert quality.kind == "quality" and quality.names == ("a", "B")
    assert quality.confidence == ("confidence_a", "confidence b")
    # --models picks and orders tiers, matching case and punctuation loosely.
    picked = detect_layout(["correct_a", "confidence_a", "correct_b", "confidence_b", "correct_c", "confidence_c"],
                           RoutingSpec(models=("C", "a")), "log")
    assert picked.correct == ("correct_c", "correct_a") and picked.confidence == ("confidence_c", "confidence_a")


@pytest.mark.parametrize(
    ("headers", "spec", "fragment"),
    [
        (["correct_a", "correct_b", "confidence_b"], RoutingSpec(), "confidence_a"),
        (["correct_a", "confidence_a", "correct_b", "confidence_b", "correct_c", "confidence_c", "correct_d",
          "confidence_d", "correct_e"], RoutingSpec(), "name the tiers in order with --models"),
        (["correct_a"], RoutingSpec(), "at least two models"),
        (["label", "score_a", "score_b"], RoutingSpec(models=("a", "z")), "no columns for model(s) 'z'"),
        (["x", "y"], RoutingSpec(log_format="quality"), "no correct_<model> columns"),
    ],
)
def test_layout_errors_name_what_is_missing(headers: list[str], spec: RoutingSpec, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        detect_layout(headers, spec, "log.csv")
    assert fragment in str(err.value)


def test_quality_rows_are_validated_with_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text("correct_a,confidence_a,correct_b\n1,0.5,1\n1.5,0.2,0\n")
    with pytest.raises(InputError) as err:
        load_cascade(path, RoutingSpec(), "q.csv")
    assert err.value.row == 2 and err.value.column == "correct_a" and "between 0 and 1" in str(err.value)
    path.write_text("correct_a,confidence_a,correct_b\n1,,1\n")
    with pytest.raises(InputError) as err:
        load_cascade(path, RoutingSpec(), "q.csv")
    assert err.value.column == "confidence_a" and "missing" in str(err.value)


def test_three_tier_quality_log_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = quality_log(tmp_path / "q.csv")
    assert route([str(log), "--cost-per-1k", "fraud-lite=0.1", "--cost-per-1k", "mid=0.5", "--cost-per-1k",
                  "ensemble=4", "--latency-ms", "fraud-lite=2", "--latency-ms", "mid=9", "--latency-ms",
                  "ensemble=40", "--target-accuracy", "80", "--grid", "8", "--format", "json",
                  "--escalate-above", "amount=400"]) == 0
    data = json.loads(capsys.readouterr().out)
    # The header says Correct Fraud-Lite; the name is spelled as the price flag spells it.
    assert data["models"] == ["fraud-lite", "mid", "ensemble"]
    assert data["log_format"] == "quality" and data["method"] == "grid" and data["grid"][0] <= 8
    rec = data["recommended"]
    assert len(rec["thresholds"]) == 2 and rec["accuracy"] >= 80
    assert data["held_out"]["recommended"]["rows"] == 300
    assert data["guarantee"]["n"] == 150  # Pareto testing halves the 300 calibration rows
    assert data["candidate"]["name"].startswith("cascade: fraud-lite -> mid -> ensemble @ ")
    assert data["routellm"] is None  # two tiers only
    assert set(data["baselines"]) == {"tier1_only", "tier2_only", "tier3_only"}
    assert 1 <= data["pareto_size"] and len(data["pareto"]) <= 200


def test_models_map_to_session_candidates(tmp_path: Path) -> None:
    """correct_gbm_fast_scorer is the candidate "GBM fast scorer" (case and punctuation ignored)."""
    import tomli_w

    rng = np.random.default_rng(4)
    n = 400
    c = rng.random(n)
    pd.DataFrame({
        "correct_gbm_fast_scorer": (rng.random(n) < 0.5 + 0.5 * c).astype(float),
        "confidence_gbm_fast_scorer": c,
        "correct_deep_ensemble_5_models": (rng.random(n) < 0.97).astype(float),
    }).to_csv(tmp_path / "q.csv", index=False)
    session = tmp_path / "s.toml"
    session.write_text(tomli_w.dumps({
        "schema_version": 1, "title": "t",
        "workload": {"volume_per_day": 1000.0},
        "routing": {"log": "q.csv", "target_accuracy": 80.0, "validation": "none"},
        "candidates": [
            {"name": "GBM fast scorer", "accuracy": 99.2, "latency_ms": 3, "cost_per_1k": 0.02, "maintainability": 4,
             "one_time_usd": 100.0},
            {"name": "Deep ensemble (5 models)", "accuracy": 99.8, "latency_ms": 40, "cost_per_1k": 1.0,
             "maintainability": 2, "one_time_usd": 50.0},
        ],
    }))
    from workbench.routing import simulate_session
    from workbench.session import load_session

    loaded, _ = load_session(session)
    result = simulate_session(loaded, tmp_path)
    assert result.tier_cost_per_1k == (0.02, 1.0) and result.tier_latency_ms == (3.0, 40.0)
    row = result.as_candidate(loaded.scenario.candidates)
    assert row is not None
    t = result.recommended.thresholds[0]  # type: ignore[union-attr]
    # The column suffixes read as the candidates' names.
    assert result.names == ("GBM fast scorer", "Deep ensemble (5 models)")
    assert row["name"] == f"cascade: GBM fast scorer -> Deep ensemble (5 models) @ {t:.4g}"
    assert row["maintainability"] == 2  # the worse of its tiers
    assert row["one_time_usd"] == 150.0
    assert row["cost_per_1k"] == result.recommended.cost_per_1k  # type: ignore[union-attr]
    assert row["latency_ms"] == result.recommended.mean_latency_ms  # type: ignore[union-attr]
    assert row["figures_on"] == "replayed rows"  # validation none: in-sample figures


def test_candidate_row_uses_the_chosen_policy_and_held_out_figures() -> None:
    spec = RoutingSpec(log=str(LLM), costs_per_1k={"small-llm": 0.15, "mid-llm": 0.6, "large-llm": 3.0},
                       latencies_ms={"small-llm": 120, "mid-llm": 450, "large-llm": 1800}, target_accuracy=88,
                       grid=16, maintainability=3.0, as_candidate="safe")
    result = simulate(spec)
    assert result.safe is not None and result.held_out is not None
    row = result.as_candidate()
    assert row is not None
    held = result.held_out["safe"]
    assert row["accuracy"] == held.accuracy and row["cost_per_1k"] == held.cost_per_1k
    assert row["p95_latency_ms"] == held.p95_latency_ms and row["latency_ms"] == held.mean_latency_ms
    assert row["maintainability"] == 3.0 and row["routing_policy"] == "safe"
    t1, t2 = result.safe.thresholds  # type: ignore[misc]
    assert row["name"] == f"cascade: small-llm -> mid-llm -> large-llm @ {t1:.4g}, {t2:.4g}"
    assert row["figures_on"] == "held-out rows"


def test_drift_check_compares_two_months(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = quality_log(tmp_path / "june.csv", n=3000, seed=1)
    same = quality_log(tmp_path / "july.csv", n=3000, seed=2)
    shifted = quality_log(tmp_path / "august.csv", n=3000, seed=3, shift=-1.5)
    spec = RoutingSpec(log=str(before), models=("fraud-lite", "ensemble"),
                       costs_per_1k={"fraud-lite": 0.1, "ensemble": 4.0}, target_accuracy=80, validation="none")
    from dataclasses import replace

    calm = simulate(replace(spec, drift_log=str(same))).drift
    moved = simulate(replace(spec, drift_log=str(shifted))).drift
    assert calm is not None and moved is not None
    assert calm.tiers[0].tier == "fraud-lite" and moved.rows_after == 3000
    assert calm.tiers[0].psi < 0.1 < 0.25 < moved.tiers[0].psi
    assert calm.tiers[0].ks_statistic < 0.05 < 0.3 < moved.tiers[0].ks_statistic
    # Lower confidence this month: more items escalate at the same threshold.
    assert moved.after.escalated_share > moved.before.escalated_share + 0.2
    assert moved.before.escalated_share == calm.before.escalated_share
    assert "confidence shift major" in moved.verdict
    assert calm.meets_target == (calm.after.accuracy >= 80)
    assert route([str(before), "--models", "fraud-lite,ensemble", "--cost-per-1k", "fraud-lite=0.1",
                  "--cost-per-1k", "ensemble=4", "--target-accuracy", "80", "--drift", str(shifted)]) == 0
    out = capsys.readouterr().out
    assert "Drift check against" in out and "PSI" in out


def test_binary_score_columns_for_three_models(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    n = 2000
    y = rng.random(n) < 0.3
    cols = {"label": y.astype(int)}
    for name, noise in (("a", 0.45), ("b", 0.3), ("c", 0.1)):
        cols[f"score_{name}"] = np.clip(np.where(y, 0.75, 0.25) + rng.normal(0, noise, n), 0, 1)
    pq.write_table(pa.table(cols), tmp_path / "b.parquet")
    spec = RoutingSpec(log=str(tmp_path / "b.parquet"), costs_per_1k={"a": 0.1, "b": 0.5, "c": 2.0},
                       target_accuracy=90, grid=12, objective="recall", target_recall=85)
    result = simulate(spec)
    assert result.log_format == "binary" and result.names == ("a", "b", "c")
    assert result.recommended is not None and result.recommended.recall is not None
    assert result.recommended.recall >= 85
    assert result.guarantee is not None and result.guarantee.metric == "recall"
    assert "recall on new traffic" in result.guarantee.statement


def test_llm_sample_tells_its_story() -> None:
    """The shipped LLM sample: the small model alone is far off, the large one clears 90%,
    and a three-model cascade reaches 88% for under half the large model's cost."""
    assert LLM.exists() and LLM.stat().st_size < 2_000_000
    spec = RoutingSpec(log=str(LLM), costs_per_1k={"small-llm": 0.15, "mid-llm": 0.6, "large-llm": 3.0},
                       target_accuracy=88, grid=32)
    result = simulate(spec)
    assert result.rows == 20_000 and result.names == ("small-llm", "mid-llm", "large-llm")
    assert result.baselines["tier1_only"].accuracy < 60 < 90 < result.baselines["tier3_only"].accuracy
    assert result.recommended is not None and result.recommended.cost_per_1k < 1.5
    assert result.saving_vs_expensive_pct is not None and result.saving_vs_expensive_pct > 50


def test_generators_are_seeded() -> None:
    spec = importlib.util.spec_from_file_location("make_llm_log", ROOT / "sample_data" / "make_llm_log.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    a, b = module.make_log(500, seed=3), module.make_log(500, seed=3)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    shipped = pq.read_table(LLM).slice(0, 500).to_pydict()
    full = module.make_log(20_000, seed=3)
    assert np.allclose(shipped["correct_mid-llm"], full["correct_mid-llm"][:500])


def test_route_flags_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    assert route([str(LLM), "--cost-per-1k", "small-llm"]) == 2
    assert "MODEL=NUMBER" in capsys.readouterr().err
    assert route([str(LLM), *LLM_COSTS, "--models", "small-llm,,large-llm"]) == 2
    assert route([str(LLM), "--cost-per-1k", "small-llm=0.1"]) == 2
    assert "no cost for model 'mid-llm'" in capsys.readouterr().err
    assert route([str(LLM), *LLM_COSTS, "--delta", "0.7"]) == 2
    assert "delta" in capsys.readouterr().err
    assert route([str(LLM), *LLM_COSTS, "--objective", "recall", "--target-recall", "90"]) == 2
    assert "binary log" in capsys.readouterr().err
    assert route([str(LLM), *LLM_COSTS, "--models", "small-llm,large-llm", "--validation", "none",
                  "--target-accuracy", "85"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Run small-llm on every item; send it to large-llm when small-llm's confidence is below" in out
    assert "RouteLLM metrics" in out and "APGR" in out


def test_v2_settings_round_trip_through_toml_and_are_type_checked() -> None:
    import tomli_w
    import tomllib

    spec = RoutingSpec(
        log="q.parquet", models=("fraud-lite", "mid", "ensemble"), costs_per_1k={"mid": 0.5},
        latencies_ms={"mid": 9.0}, grid=32, objective="total_cost", fn_cost_usd=2.5, fp_cost_usd=0.1,
        validation="kfold", folds=4, seed=3, delta=0.1, calibration_fraction=0.3, as_candidate="safe",
        maintainability=3.0, log_format="quality", target_recall=90.0,
    )
    data = tomllib.loads(tomli_w.dumps({"routing": spec.to_dict()}))["routing"]
    assert RoutingSpec.from_dict(data) == spec
    # Defaults of the v2 settings are left out, so old session files read the same.
    assert set(RoutingSpec(log="x").to_dict()) == {"log", "policy", "days_per_month", "target_accuracy",
                                                    "decision_threshold", "streaming", "bin_count"}
    for key, bad in (("models", "a,b"), ("grid", 6.5), ("costs_per_1k", {"a": "1"}), ("delta", "0.1"),
                     ("validation", "holdout"), ("objective", "profit"), ("folds", 1), ("grid", 1)):
        with pytest.raises(InputError) as err:
            RoutingSpec.from_dict({key: bad})
        assert err.value.key == key
