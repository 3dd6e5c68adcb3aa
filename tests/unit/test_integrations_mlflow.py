"""`workbench import mlflow` and `workbench log mlflow` against a real MLflow SQLite store.

The store is made here with the mlflow library itself: runs with metrics, params and
tags (one deleted, one failed without a latency), and a registered model with three
versions and two aliases. Expected values are written out by hand from the runs below.
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import require
from workbench import cli
from workbench.errors import InputError
from workbench.model import Decision
from workbench.session import load_session, save_session

mlflow_tracking = require("mlflow.tracking")
from mlflow.entities import Metric, Param, RunTag  # noqa: E402

from workbench.integrations import mlflow_io  # noqa: E402
from workbench.integrations.runs import runs_table  # noqa: E402

MODEL = "imagenet-classifier"
MAPS = ["--map", "accuracy=metrics.val_acc", "--map", "latency_ms=metrics.p95_ms"]
# (run name, start time, val_acc, p95_ms, val_loss, params, display tag)
RUNS = [
    ("resnet50", 1_000, 0.761, 12.5, 0.95, {"cost_per_1k": "0.08", "optimizer": "sgd", "lr": "0.1"},
     "ResNet-50"),
    ("vit_b16", 3_000, 0.811, 31.0, math.nan, {"cost_per_1k": "0.21", "optimizer": "adamw",
                                               "lr": "0.001"}, "ViT-B/16"),
    ("mobilenet_v3", 2_000, 0.717, 4.2, 1.10, {"cost_per_1k": "0.02", "optimizer": "rmsprop",
                                               "lr": "0.05"}, "MobileNetV3"),
]


@dataclass
class Store:
    uri: str
    path: Path
    ids: dict[str, str]  # run name -> run id
    client: object


def _run(client, experiment_id: str, name: str, start: int, metrics: dict[str, float],
         params: dict[str, str], tags: dict[str, str], status: str = "FINISHED") -> str:
    run = client.create_run(experiment_id, run_name=name, start_time=start)
    run_id = run.info.run_id
    client.log_batch(run_id, metrics=[Metric(k, v, start, 0) for k, v in metrics.items()],
                     params=[Param(k, v) for k, v in params.items()],
                     tags=[RunTag(k, v) for k, v in tags.items()])
    client.set_terminated(run_id, status=status)
    return run_id


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("mlflow")
    path = folder / "mlflow.db"
    uri = f"sqlite:///{path}"
    client = mlflow_tracking.MlflowClient(tracking_uri=uri, registry_uri=uri)
    ids: dict[str, str] = {}
    exp = client.create_experiment("imagenet", artifact_location=str(folder / "artifacts"))
    for name, start, acc, p95, loss, params, display in RUNS:
        ids[name] = _run(client, exp, name, start,
                         {"val_acc": acc, "p95_ms": p95, "val_loss": loss}, params,
                         {"display": display, "team": "vision"})
    gone = _run(client, exp, "deleted_run", 4_000, {"val_acc": 0.99, "p95_ms": 1.0},
                {"cost_per_1k": "0.01"}, {})
    client.delete_run(gone)
    flaky = client.create_experiment("flaky", artifact_location=str(folder / "artifacts"))
    ids["good"] = _run(client, flaky, "good", 1_000, {"val_acc": 0.7, "p95_ms": 9.0},
                       {"cost_per_1k": "0.1"}, {})
    ids["crashed"] = _run(client, flaky, "crashed", 2_000, {"val_acc": 0.4},
                          {"cost_per_1k": "0.1"}, {}, status="FAILED")
    dupes = client.create_experiment("dupes", artifact_location=str(folder / "artifacts"))
    ids["dup1"] = _run(client, dupes, "same", 1_000, {"val_acc": 0.7, "p95_ms": 9.0},
                       {"cost_per_1k": "0.1"}, {})
    ids["dup2"] = _run(client, dupes, "same", 2_000, {"val_acc": 0.8, "p95_ms": 9.0},
                       {"cost_per_1k": "0.1"}, {})
    client.create_registered_model(MODEL)
    for name in ("resnet50", "vit_b16", "mobilenet_v3"):  # versions 1, 2, 3
        client.create_model_version(MODEL, source=f"runs:/{ids[name]}/model", run_id=ids[name])
    client.set_registered_model_alias(MODEL, "champion", "1")
    client.set_registered_model_alias(MODEL, "challenger", "2")
    return Store(uri, path, ids, client)


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ importing runs


def test_import_runs_value_by_value(store: Store, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "imagenet.toml"
    before = datetime.now(UTC).replace(microsecond=0)
    code, out, err = _cli(["import", "mlflow", "--tracking-uri", store.uri, "--experiment",
                           "imagenet", *MAPS, "--volume-per-day", "1e6", "--save", str(target)],
                          capsys)
    assert code == 0, err
    assert "3 candidates from MLflow experiment 'imagenet'" in err
    session, _ = load_session(target)
    frame = session.scenario.candidates
    # Newest run first (MLflow's order); the deleted run is not a candidate.
    assert frame["name"].tolist() == ["vit_b16", "mobilenet_v3", "resnet50"]
    assert list(frame.columns) == ["name", "accuracy", "latency_ms", "cost_per_1k", "val_loss",
                                   "lr", "optimizer", "run_id"]  # tags are not columns
    # val_acc is a fraction: the loader reads every value <= 1 as a fraction (x100).
    assert frame["accuracy"].tolist() == pytest.approx([81.1, 71.7, 76.1], rel=1e-12)
    assert frame["latency_ms"].tolist() == [31.0, 4.2, 12.5]
    assert frame["cost_per_1k"].tolist() == [0.21, 0.02, 0.08]  # params are text in MLflow
    assert math.isnan(frame["val_loss"][0]) and frame["val_loss"].tolist()[1:] == [1.10, 0.95]
    assert frame["lr"].tolist() == [0.001, 0.05, 0.1]
    assert frame["optimizer"].tolist() == ["adamw", "rmsprop", "sgd"]
    assert frame["run_id"].tolist() == [store.ids["vit_b16"], store.ids["mobilenet_v3"],
                                        store.ids["resnet50"]]
    src = session.source
    assert src.path is None
    assert src.mapping == {"accuracy": "metrics.val_acc", "latency_ms": "metrics.p95_ms",
                           "cost_per_1k": "params.cost_per_1k"}
    record = src.tracker["mlflow"]
    imported_at = datetime.fromisoformat(str(record.pop("imported_at")))
    assert before <= imported_at <= datetime.now(UTC)
    assert record == {"tracking_uri": store.uri, "experiment": "imagenet",
                      "experiment_id": str(store.client.get_experiment_by_name("imagenet")
                                           .experiment_id),
                      "name_from": "run_name", "runs": 3}
    assert session.scenario.workload.volume_per_day == 1e6
    text = target.read_text()
    assert "[source.mlflow]" in text and f'run_id = "{store.ids["resnet50"]}"' in text


def test_the_direct_sqlite_reader_gives_what_the_client_gives(store: Store) -> None:
    fast = mlflow_io.read_sqlite_runs(store.path, "imagenet", "run_name")
    assert fast is not None
    slow = mlflow_io._client_runs(store.uri, "imagenet", None, "run_name")
    assert fast[0] == slow[0]
    for a, b in zip(fast[1], slow[1], strict=True):
        assert (a.run_id, a.name, a.state, list(a.values), a.hidden, a.columns) == \
            (b.run_id, b.name, b.state, list(b.values), b.hidden, b.columns)
        for key, value in a.values.items():
            other = b.values[key]
            assert value == other or (value != value and other != other), key
    mapping = {"accuracy": "metrics.val_acc", "latency_ms": "metrics.p95_ms"}
    left = runs_table(fast[1], "x", mapping).frame
    right = runs_table(slow[1], "x", mapping).frame
    assert left.equals(right)


def test_filter_is_mlflows_own_search(store: Store, capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path) -> None:
    out_csv = tmp_path / "t.csv"
    code, _, err = _cli(["import", "mlflow", "--tracking-uri", store.uri, "--experiment",
                         "imagenet", *MAPS, "--filter", "metrics.val_acc > 0.75",
                         "-o", str(out_csv)], capsys)
    assert code == 0, err
    lines = out_csv.read_text().splitlines()
    assert lines[0] == "name,accuracy,latency_ms,cost_per_1k,val_loss,lr,optimizer,run_id"
    assert [line.split(",")[0] for line in lines[1:]] == ["vit_b16", "resnet50"]
    code, _, err = _cli(["import", "mlflow", "--tracking-uri", store.uri, "--experiment",
                         "imagenet", *MAPS, "--filter", "metrics.val_acc >>> 2"], capsys)
    assert code == 2 and err.startswith("workbench: error: --filter 'metrics.val_acc >>> 2'")


def test_candidates_named_by_a_tag(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(["import", "mlflow", "--tracking-uri", store.uri, "--experiment",
                           "imagenet", *MAPS, "--name-from", "tag.display"], capsys)
    assert code == 0, err
    assert [line.split(",")[0] for line in out.splitlines()[1:]] == \
        ["ViT-B/16", "MobileNetV3", "ResNet-50"]


def test_a_mapped_key_missing_from_some_runs_names_them(
        store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(["import", "mlflow", "--tracking-uri", store.uri, "--experiment",
                           "flaky", *MAPS], capsys)
    assert code == 2 and out == ""
    assert err == (
        "workbench: error: MLflow experiment 'flaky': metrics.p95_ms (for latency_ms) is missing "
        f"from 1 of 2 runs: 'crashed' ({store.ids['crashed']}) (those runs are FAILED; keep "
        "finished runs only with --filter \"attributes.status = 'FINISHED'\")\n")
    code, out, err = _cli(["import", "mlflow", "--tracking-uri", store.uri, "--experiment",
                           "flaky", *MAPS, "--filter", "attributes.status = 'FINISHED'"], capsys)
    assert code == 0 and out.splitlines()[1].startswith("good,70")


def test_two_runs_with_one_name_are_refused_naming_both(
        store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _cli(["import", "mlflow", "--tracking-uri", store.uri, "--experiment",
                         "dupes", *MAPS], capsys)
    assert code == 2
    assert "2 runs are named 'same'" in err
    assert store.ids["dup1"] in err and store.ids["dup2"] in err
    assert "--name-from" in err


@pytest.mark.parametrize(("args", "fragment"), [
    (["--experiment", "imagnet"], "no MLflow experiment named 'imagnet'"),
    (["--experiment", "imagnet"], "did you mean 'imagenet'?"),
    (["--experiment", "imagenet", "--map", "accuracy=metrics.val_accuracy"],
     "--map accuracy=metrics.val_accuracy: no run has that key; did you mean 'metrics.val_acc'?"),
    (["--experiment", "imagenet", "--map", "accuracy=metrics.val_acc"],
     "no key for latency_ms: say which key holds it with --map COLUMN=KEY, "
     "e.g. --map latency_ms=metrics.p95_ms"),
    (["--experiment", "imagenet", "--alias", "champion"], "--alias applies to --registry"),
    (["--registry", MODEL, "--alias", "gold"], "--alias 'gold': no version holds it "
     "(aliases: challenger (v2), champion (v1))"),
    (["--registry", "nope"], "no registered model named 'nope'"),
])
def test_bad_requests_say_what_to_fix(store: Store, args: list[str], fragment: str,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(["import", "mlflow", "--tracking-uri", store.uri, *args], capsys)
    assert code == 2 and out == ""
    assert fragment in err and err.count("\n") == 1 and "Traceback" not in err


def test_stores_that_cannot_be_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for uri in ("./mlruns", f"file://{tmp_path}/mlruns"):
        code, _, err = _cli(["import", "mlflow", "--tracking-uri", uri, "--experiment", "x"],
                            capsys)
        assert code == 2
        assert "is an MLflow file store, which MLflow has deprecated" in err
        assert "mlflow migrate-filestore" in err and "--tracking-uri sqlite:///mlflow.db" in err
    assert mlflow_io.check_uri("databricks") == "databricks"  # not a path: MLflow's own
    assert mlflow_io.check_uri("postgresql://u@db/mlflow") == "postgresql://u@db/mlflow"
    missing = tmp_path / "nope.db"
    code, _, err = _cli(["import", "mlflow", "--tracking-uri", f"sqlite:///{missing}",
                         "--experiment", "x"], capsys)
    assert code == 2 and f"no MLflow database at {missing}" in err
    assert not missing.exists()  # importing never creates a store
    start = time.monotonic()
    # Nothing listens on port 9 (discard): the connection is refused at once.
    code, _, err = _cli(["import", "mlflow", "--tracking-uri", "http://127.0.0.1:9",
                         "--experiment", "x"], capsys)
    assert code == 2 and "cannot open the MLflow tracking store http://127.0.0.1:9" in err
    assert time.monotonic() - start < 30


# ---------------------------------------------------------------- the model registry


def test_registry_versions_with_the_alias_as_baseline(
        store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "registry.toml"
    code, _, err = _cli(["import", "mlflow", "--tracking-uri", store.uri, "--registry", MODEL,
                         "--alias", "champion", *MAPS, "--save", str(target)], capsys)
    assert code == 0, err
    session, _ = load_session(target)
    frame = session.scenario.candidates
    assert frame["name"].tolist() == [f"{MODEL} v1", f"{MODEL} v2", f"{MODEL} v3"]
    assert frame["model_version"].tolist() == [1.0, 2.0, 3.0]
    assert frame["aliases"].tolist() == ["champion", "challenger", None]
    assert frame["run_id"].tolist() == [store.ids[n] for n in ("resnet50", "vit_b16",
                                                               "mobilenet_v3")]
    assert frame["accuracy"].tolist() == pytest.approx([76.1, 81.1, 71.7], rel=1e-12)
    assert session.scenario.whatif.baseline == f"{MODEL} v1"
    record = dict(session.source.tracker["mlflow"])
    record.pop("imported_at")
    assert record == {"tracking_uri": store.uri, "registered_model": MODEL, "alias": "champion",
                      "name_from": "version", "runs": 3}


# -------------------------------------------------------------------------- logging


def _registry_session(store: Store, folder: Path, capsys: pytest.CaptureFixture[str],
                      chosen: str | None = None) -> Path:
    target = folder / "decision.toml"
    assert _cli(["import", "mlflow", "--tracking-uri", store.uri, "--registry", MODEL, *MAPS,
                 "--volume-per-day", "1e6", "--save", str(target)], capsys)[0] == 0
    if chosen:
        session, _ = load_session(target)
        save_session(session.with_(decision=Decision(chosen=chosen, rationale="cheapest")),
                     target)
    return target


def test_log_mlflow_records_the_decision_as_a_run(
        store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a new experiment keeps its artifacts under ./mlruns
    target = _registry_session(store, tmp_path, capsys, chosen=f"{MODEL} v3")
    code, out, err = _cli(["log", "mlflow", str(target), "--experiment", "decisions"], capsys)
    assert code == 0, err
    run_id = out.strip()
    assert "created MLflow experiment 'decisions'" in err
    # A new experiment keeps its artifacts beside the database, not in the current folder.
    assert not (tmp_path / "mlruns").exists()
    assert f"(artifacts in {(store.path.parent / 'mlartifacts').resolve()})" in err
    client = store.client
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    # The inputs, as params.
    assert run.data.params["workload.volume_per_day"] == "1000000"
    assert run.data.params["workload.days_per_month"] == "30"
    assert run.data.params["scoring.normalization"] == "minmax"
    assert run.data.params["candidates"] == "3"
    assert run.data.params["source.table_sha256"] == load_session(target)[0].source.table_sha256
    # The pick (the recorded choice, v3 = mobilenet_v3) and its figures, as metrics:
    # 0.02 USD per 1k x 1,000 per 1k x 1e6 a day x 30 days = 600 USD a month.
    m = run.data.metrics
    assert m["accuracy"] == pytest.approx(71.7, rel=1e-12)
    assert m["latency_ms"] == 4.2 and m["cost_per_1k"] == 0.02
    assert m["monthly_cost_usd"] == pytest.approx(600.0, rel=1e-12)
    assert m["candidates"] == 3.0
    tags = run.data.tags
    assert tags["workbench.pick"] == f"{MODEL} v3"
    assert tags["workbench.chosen"] == f"{MODEL} v3"
    assert tags["workbench.pick_run_id"] == store.ids["mobilenet_v3"]
    assert tags["workbench.pick_model_version"] == "3"
    assert tags["workbench.session"] == "decision.toml"
    # The record, the memo and the JSON analysis, as artifacts.
    names = sorted(a.path for a in client.list_artifacts(run_id))
    assert names == ["analysis.json", "decision.toml", "memo.md"]
    local = Path(client.download_artifacts(run_id, "", str(tmp_path / "down")))
    assert (local / "decision.toml").read_text() == target.read_text()
    analysis = json.loads((local / "analysis.json").read_text())
    assert tags["workbench.recommended"] == (analysis["recommendation"] or {}).get("name", "none")
    assert (local / "memo.md").read_text().startswith("# imagenet-classifier (MLflow)")
    # Not asked to, so the alias did not move.
    assert client.get_registered_model(MODEL).aliases["champion"] in (1, "1")


def test_set_alias_moves_the_alias_only_when_asked(
        store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = _registry_session(store, tmp_path, capsys, chosen=f"{MODEL} v3")
    client = store.client
    client.set_registered_model_alias(MODEL, "candidate", "1")
    code, out, err = _cli(["log", "mlflow", str(target), "--experiment", "decisions-alias",
                           "--set-alias", "candidate"], capsys)
    assert code == 0, err
    assert str(client.get_registered_model(MODEL).aliases["candidate"]) == "3"
    assert client.get_run(out.strip()).data.tags["workbench.alias_set"] == \
        f"candidate -> {MODEL} v3"


def test_set_alias_on_runs_that_are_not_versions_is_refused_before_logging(
        store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "runs.toml"
    assert _cli(["import", "mlflow", "--tracking-uri", store.uri, "--experiment", "imagenet",
                 *MAPS, "--save", str(target)], capsys)[0] == 0
    exp = store.client.get_experiment_by_name("imagenet").experiment_id
    before = len(store.client.search_runs([exp]))
    code, out, err = _cli(["log", "mlflow", str(target), "--set-alias", "champion"], capsys)
    assert code == 2 and out == ""
    assert "--set-alias: the session was not imported from a registered model" in err
    assert len(store.client.search_runs([exp])) == before


def test_log_needs_a_destination_for_a_session_not_from_mlflow(
        retail_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "retail.toml"
    assert cli.main(["analyze", str(retail_csv), "--save", str(target)]) == 0
    code, _, err = _cli(["log", "mlflow", str(target)], capsys)
    assert code == 2 and "say where to log: --tracking-uri URI" in err


# ------------------------------------------------------------------ the extra itself


def test_a_missing_library_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.integrations import require as need

    monkeypatch.setitem(sys.modules, "mlflow.tracking", None)
    with pytest.raises(InputError, match=r"pip install 'workbench\[mlflow\]'"):
        need("mlflow.tracking", "mlflow")
