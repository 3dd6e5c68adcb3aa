"""Kubeflow Pipelines: the pipeline compiles with the kfp SDK into the spec we mean, and
the components' Python bodies do their job when run here on files (no cluster)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require

require("kfp")
import yaml  # noqa: E402  (a kfp dependency)
from kfp import compiler  # noqa: E402

from workbench.integrations import kfp_components  # noqa: E402
from workbench.session import load_session  # noqa: E402

ARTIFACT = {"schemaTitle": "system.Artifact", "schemaVersion": "0.0.1"}
DATASET = {"schemaTitle": "system.Dataset", "schemaVersion": "0.0.1"}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("kfp") / "pipeline.yaml"
    compiler.Compiler().compile(kfp_components.decision_pipeline, str(path))
    return yaml.safe_load(path.read_text())


def _types(definitions: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, a in definitions.get("artifacts", {}).items():
        out[name] = a["artifactType"]["schemaTitle"]
    for name, p in definitions.get("parameters", {}).items():
        out[name] = p["parameterType"] + ("?" if p.get("isOptional") else "")
    return out


def test_the_compiled_pipeline_has_the_three_components(spec: dict[str, Any]) -> None:
    assert spec["pipelineInfo"]["name"] == "workbench-decision"
    assert sorted(spec["components"]) == ["comp-analyze", "comp-import-mlflow-runs",
                                          "comp-log-to-mlflow"]
    analyze = spec["components"]["comp-analyze"]
    assert _types(analyze["inputDefinitions"]) == {
        "table": "system.Dataset", "table_format": "STRING?", "volume_per_day": "NUMBER_DOUBLE?",
        "budget": "NUMBER_DOUBLE?", "max_latency_ms": "NUMBER_DOUBLE?",
        "min_accuracy": "NUMBER_DOUBLE?", "weights": "STRING?", "baseline": "STRING?",
        "title": "STRING?"}
    assert _types(analyze["outputDefinitions"]) == {
        "session": "system.Artifact", "memo": "system.Markdown", "analysis": "system.Artifact",
        "metrics": "system.Metrics"}
    imp = spec["components"]["comp-import-mlflow-runs"]
    assert _types(imp["inputDefinitions"]) == {
        "tracking_uri": "STRING", "experiment": "STRING", "maps": "STRING?",
        "filter_string": "STRING?", "name_from": "STRING?"}
    assert imp["outputDefinitions"]["artifacts"]["candidates"]["artifactType"] == DATASET
    log = spec["components"]["comp-log-to-mlflow"]
    assert log["inputDefinitions"]["artifacts"]["session"]["artifactType"] == ARTIFACT
    assert _types(log["outputDefinitions"]) == {"Output": "STRING"}


def test_the_steps_are_wired_import_analyze_log(spec: dict[str, Any]) -> None:
    tasks = spec["root"]["dag"]["tasks"]
    table = tasks["analyze"]["inputs"]["artifacts"]["table"]["taskOutputArtifact"]
    assert table == {"producerTask": "import-mlflow-runs", "outputArtifactKey": "candidates"}
    assert tasks["analyze"]["inputs"]["parameters"]["table_format"] == \
        {"runtimeValue": {"constant": "toml"}}
    session = tasks["log-to-mlflow"]["inputs"]["artifacts"]["session"]["taskOutputArtifact"]
    assert session == {"producerTask": "analyze", "outputArtifactKey": "session"}
    # The tracker's state changes between runs: importing and logging are never cached.
    assert tasks["import-mlflow-runs"]["cachingOptions"] == {}
    assert tasks["log-to-mlflow"]["cachingOptions"] == {}
    assert tasks["analyze"]["cachingOptions"] == {"enableCache": True}
    for executor in spec["deploymentSpec"]["executors"].values():
        container = executor["container"]
        assert container["image"] == kfp_components.BASE_IMAGE
        assert "'workbench[mlflow]==0.1.0'" in container["command"][2]


class LocalArtifact:
    """What a KFP executor hands a component: a path, metadata, and for Metrics
    `log_metric` (which, in kfp, also just writes the metadata)."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.metadata: dict[str, Any] = {}

    def log_metric(self, metric: str, value: float) -> None:
        self.metadata[metric] = value


def test_the_analyze_component_runs_the_cli_and_fills_its_outputs(
        retail_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = {name: LocalArtifact(tmp_path / "outputs" / name)
           for name in ("session", "memo", "analysis", "metrics")}
    kfp_components.analyze.python_func(
        table=LocalArtifact(retail_csv), **out, table_format="csv", volume_per_day=200_000.0,
        budget=15_000.0, weights="")
    session, _ = load_session(_as_toml(out["session"].path, tmp_path))
    assert session.scenario.workload.volume_per_day == 200_000
    assert session.scenario.constraints.monthly_budget_usd == 15_000
    doc = json.loads(Path(out["analysis"].path).read_text())
    pick = doc["recommendation"]["name"]
    row = next(c for c in doc["candidates"] if c["name"] == pick)
    m = out["metrics"].metadata
    assert m["candidates"] == float(len(doc["candidates"]))
    assert m["accuracy"] == row["accuracy"] and m["rank"] == 1.0
    # monthly cost = cost per 1k x volume / 1000 x 30 days (+ fixed fees when present)
    fixed = row.get("fixed_monthly_usd") or 0
    assert m["monthly_cost_usd"] == pytest.approx(row["cost_per_1k"] * 200 * 30 + fixed)
    assert out["session"].metadata["pick"] == pick
    memo = Path(out["memo"].path).read_text()
    assert memo.startswith("# ") and pick in memo


def _as_toml(path: str, folder: Path) -> Path:
    # The artifact file has no suffix; the session loader wants .toml.
    target = folder / "copy.toml"
    target.write_bytes(Path(path).read_bytes())
    return target


def test_the_components_run_end_to_end_against_a_local_mlflow_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require("mlflow")
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(uri)
    exp = client.create_experiment("bench")
    for name, acc, p95, cost in (("small", 0.71, 5.0, "0.01"), ("large", 0.84, 40.0, "0.3")):
        run = client.create_run(exp, run_name=name)
        client.log_batch(run.info.run_id, metrics=[Metric("val_acc", acc, 0, 0),
                                                   Metric("p95_ms", p95, 0, 0)],
                         params=[Param("cost_per_1k", cost)])
        client.set_terminated(run.info.run_id)
    candidates = LocalArtifact(tmp_path / "a" / "candidates")
    kfp_components.import_mlflow_runs.python_func(
        tracking_uri=uri, experiment="bench", candidates=candidates,
        maps="accuracy=metrics.val_acc,latency_ms=metrics.p95_ms")
    assert candidates.metadata == {"format": "toml"}
    out = {name: LocalArtifact(tmp_path / "b" / name)
           for name in ("session", "memo", "analysis", "metrics")}
    kfp_components.analyze.python_func(table=candidates, **out, table_format="toml",
                                       volume_per_day=1e6)
    run_id = kfp_components.log_to_mlflow.python_func(session=out["session"], tracking_uri=uri,
                                                      experiment="decisions")
    logged = client.get_run(run_id)
    assert logged.data.tags["workbench.pick"] == out["session"].metadata["pick"]
    assert logged.data.metrics["accuracy"] == out["metrics"].metadata["accuracy"]
    assert logged.data.params["workload.volume_per_day"] == "1000000"


def test_the_example_compiles_the_pipeline_for_another_image(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import runpy

    from tests.conftest import ROOT

    target = tmp_path / "pipeline.yaml"
    monkeypatch.setattr("sys.argv", ["kfp_pipeline.py", "-o", str(target), "--image",
                                     "registry.example.com/workbench:0.1.0"])
    runpy.run_path(str(ROOT / "examples" / "kfp_pipeline.py"), run_name="__main__")
    compiled = yaml.safe_load(target.read_text())
    executors = compiled["deploymentSpec"]["executors"]
    assert sorted(executors) == ["exec-analyze", "exec-import-mlflow-runs", "exec-log-to-mlflow"]
    for executor in executors.values():
        assert executor["container"]["image"] == "registry.example.com/workbench:0.1.0"
        assert "workbench[mlflow]" not in " ".join(executor["container"]["command"])
    assert capsys.readouterr().out == f"wrote {target}\n"

