"""Weights & Biases: a runs-table CSV export, and the public API played back.

The CSV is in the UI's export format (Name, State, Notes, User, Tags, Created, Runtime,
Sweep, then config and summary keys, W&B's own "_" keys included). No test can reach
W&B, so the API test plays GraphQL responses in the shape of wandb 0.31's Runs query
(tests/fixtures/wandb/runs_graphql.json) through wandb's own `Runs`/`Run` classes:
the paging, the config unwrapping ({"value": ...}) and the summary parsing are the
library's, only the transport is replaced.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES
from workbench import cli
from workbench.integrations import wandb_io
from workbench.session import load_session

EXPORT = FIXTURES / "wandb" / "runs_table_export.csv"
RECORDED = FIXTURES / "wandb" / "runs_graphql.json"
CSV_MAPS = ["--map", "accuracy=val_acc", "--map", "latency_ms=p95_latency_s",
            "--map", "cost_per_1k=price_per_1k"]


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------- CSV export


def test_csv_export_value_by_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "wandb.toml"
    code, _, err = _cli(["import", "wandb-csv", str(EXPORT), *CSV_MAPS, "--state", "finished",
                         "--save", str(target)], capsys)
    assert code == 0, err
    session, _ = load_session(target)
    frame = session.scenario.candidates
    assert frame["name"].tolist() == ["resnet50-e30", "vit-b16-e30", "mobilenet-e30"]
    # The summary's own columns and W&B's bookkeeping (_runtime, _step, Runtime, ...) are
    # not candidate columns; config and summary keys are.
    assert list(frame.columns) == ["name", "accuracy", "latency_ms", "cost_per_1k",
                                   "batch_size", "epochs", "lr", "model", "val_loss"]
    assert frame["accuracy"].tolist() == pytest.approx([76.1, 81.1, 71.7], rel=1e-12)
    # "p95_latency_s" says seconds: 0.0125 s = 12.5 ms.
    assert frame["latency_ms"].tolist() == pytest.approx([12.5, 31.0, 4.2], rel=1e-12)
    assert frame["cost_per_1k"].tolist() == [0.08, 0.21, 0.02]
    assert frame["batch_size"].tolist() == [128.0, 64.0, 256.0]
    assert frame["model"].tolist() == ["resnet50", "vit_b16", "mobilenet_v3"]
    assert frame["val_loss"].tolist() == [0.95, 0.70, 1.10]
    src = session.source
    assert src.path == str(EXPORT)
    assert src.sha256 == hashlib.sha256(EXPORT.read_bytes()).hexdigest()
    assert src.mapping == {"accuracy": "val_acc", "latency_ms": "p95_latency_s",
                           "cost_per_1k": "price_per_1k"}
    record = dict(src.tracker["wandb"])
    record.pop("imported_at")
    assert record == {"name_from": "Name", "filter": "state in finished", "runs": 3}
    assert "latency_ms <- 'p95_latency_s' (seconds converted to ms (x1000))" in err


def test_csv_export_with_a_crashed_run_names_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(["import", "wandb-csv", str(EXPORT), *CSV_MAPS], capsys)
    assert code == 2 and out == ""
    assert err == (f"workbench: error: {EXPORT}: val_acc (for accuracy) and p95_latency_s (for "
                   "latency_ms) are missing from 1 of 4 runs: 'vit-l-crash' (row 4) (those runs "
                   "are crashed; keep finished runs only with --state finished)\n")


def test_w_and_b_runtime_is_never_read_as_a_latency(capsys: pytest.CaptureFixture[str]) -> None:
    # Without --map for latency there is no latency: Runtime and _runtime look like one
    # to the CSV header matcher, but they are seconds of training.
    code, _, err = _cli(["import", "wandb-csv", str(EXPORT), "--map", "accuracy=val_acc",
                         "--map", "cost_per_1k=price_per_1k", "--state", "finished"], capsys)
    assert code == 2
    assert "no key for latency_ms: say which key holds it with --map COLUMN=KEY, " \
           "e.g. --map latency_ms=p95_latency_s" in err


# ------------------------------------------------------------ the public API, played back


class RecordedService:
    """Stands in for wandb's ServiceApi (the transport): answers the Runs query with the
    recorded pages, in order, and keeps the variables each request sent."""

    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages
        self.requests: list[dict[str, Any]] = []

    def execute_graphql(self, query: str, variables: dict[str, Any], **_: Any) -> dict[str, Any]:
        assert "query Runs" in query and "fragment RunFragment" in query
        self.requests.append(dict(variables))
        cursors = [None] + [p["project"]["runs"]["pageInfo"]["endCursor"] for p in self.pages]
        return self.pages[cursors.index(variables.get("cursor"))]


class RecordedApi:
    """`wandb.Api` with the recorded transport: `runs` builds wandb's own Runs."""

    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.service = RecordedService(pages)

    def runs(self, path: str, filters: dict[str, Any] | None = None, order: str = "+created_at",
             per_page: int = 50, include_sweeps: bool = False, lazy: bool = True) -> Any:
        from wandb.apis.public import Runs

        entity, project = path.split("/")
        return Runs(self.service, entity, project, filters=filters, order=order,
                    per_page=per_page, include_sweeps=include_sweeps, lazy=lazy)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    from tests.conftest import require

    require("wandb")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))  # wandb's Run makes a folder per run
    return json.loads(RECORDED.read_text())


def test_api_import_from_a_recorded_response(recorded: dict[str, Any]) -> None:
    api = RecordedApi(recorded["finished"])
    result = wandb_io.import_project("acme/imagenet", api=api, states=["finished"],
                                     mapping={"accuracy": "val_acc", "latency_ms": "p95_ms"})
    frame = result.imported.frame
    assert frame["name"].tolist() == ["resnet50-e30", "vit-b16-e30", "mobilenet-e30"]
    assert list(frame.columns) == ["name", "accuracy", "latency_ms", "cost_per_1k", "val_loss",
                                   "lr", "model", "optimizer_name", "optimizer_momentum",
                                   "run_id"]
    assert frame["accuracy"].tolist() == pytest.approx([76.1, 81.1, 71.7], rel=1e-12)
    assert frame["latency_ms"].tolist() == [12.5, 31.0, 4.2]
    assert frame["cost_per_1k"].tolist() == [0.08, 0.21, 0.02]  # config.cost_per_1k, by name
    assert frame["optimizer_name"].tolist() == ["sgd", "adamw", "rmsprop"]
    assert frame["optimizer_momentum"].tolist() == [0.9, 0.0, 0.9]
    # "12345e67" reads as a number; a run id stays the text it is.
    assert frame["run_id"].tolist() == ["a1b2c3d4", "e5f6g7h8", "12345e67"]
    assert result.imported.mapping == {"accuracy": "summary.val_acc",
                                       "latency_ms": "summary.p95_ms",
                                       "cost_per_1k": "config.cost_per_1k"}
    assert result.info == {"project": "acme/imagenet", "name_from": "name",
                           "filter": "state in finished"}
    # Two pages, the state filter sent to the server as W&B's MongoDB-style filter.
    sent = api.service.requests
    assert [r.get("cursor") for r in sent] == [None, "cursor-e5f6g7h8"]
    assert json.loads(sent[0]["filters"]) == {"state": {"$in": ["finished"]}}
    assert sent[0]["perPage"] == wandb_io.PER_PAGE


def test_api_candidates_named_by_a_config_key(recorded: dict[str, Any]) -> None:
    result = wandb_io.import_project("acme/imagenet", api=RecordedApi(recorded["finished"]),
                                     name_from="config.model",
                                     mapping={"accuracy": "val_acc", "latency_ms": "p95_ms"})
    assert result.imported.frame["name"].tolist() == ["resnet50", "vit_b16", "mobilenet_v3"]


def test_api_import_names_a_crashed_run_that_lacks_a_key(recorded: dict[str, Any]) -> None:
    from workbench.errors import InputError

    with pytest.raises(InputError) as err:
        wandb_io.import_project("acme/imagenet", api=RecordedApi(recorded["all"]),
                                mapping={"accuracy": "val_acc", "latency_ms": "p95_ms"})
    assert str(err.value) == (
        "W&B project acme/imagenet: summary.val_acc (for accuracy) and summary.p95_ms (for "
        "latency_ms) are missing from 1 of 4 runs: 'vit-l-crash' (q9r8s7t6) (those runs are "
        "crashed; keep finished runs only with --state finished)")


def test_a_project_must_be_entity_slash_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _cli(["import", "wandb", "--wandb-project", "imagenet"], capsys)
    assert code == 2 and "--wandb-project 'imagenet': expected ENTITY/PROJECT" in err
