"""[source.mlflow] / [source.wandb] in a session file: written, read back, checked.

No tracker library is needed: this is the record format, and the importers' table
building (`workbench.integrations.runs`) on hand-made runs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workbench.errors import InputError
from workbench.integrations.runs import Run, runs_table, to_session
from workbench.session import load_session, save_session, session_from_toml, session_to_toml

HEAD = """schema_version = 1
title = "t"

[source]
table_sha256 = "{sha}"

"""
ROWS = """
[[candidates]]
name = "a"
accuracy = 90
latency_ms = 10
cost_per_1k = 1
run_id = "12345e67"
"""
SHA = "ab" * 32


def _runs() -> list[Run]:
    return [
        Run("r1", "small", "FINISHED", {"metrics.accuracy": 0.9, "metrics.p95_ms": 10.0,
                                         "params.cost_per_1k": "0.5", "params.lr": "0.1"},
            columns={"run_id": "r1"}),
        Run("r2", "large", "FINISHED", {"metrics.accuracy": 0.95, "metrics.p95_ms": 30.0,
                                         "params.cost_per_1k": "2", "metrics.lr": 3.0},
            columns={"run_id": "r2"}),
    ]


def test_a_tracker_record_round_trips_through_a_file(tmp_path: Path) -> None:
    imported = runs_table(_runs(), "test", {"latency_ms": "metrics.p95_ms"})
    session = to_session(imported, "mlflow", {"tracking_uri": "sqlite:///m.db",
                                              "experiment": "e", "filter": None}, "T")
    target = tmp_path / "s.toml"
    written = save_session(session, target)
    loaded, _ = load_session(target)
    assert loaded.source == written.source == session.source
    record = loaded.source.tracker["mlflow"]
    assert record["runs"] == 2 and "filter" not in record  # None and "" are left out
    text = target.read_text()
    section = text[text.index("[source.mlflow]"):text.index("[[candidates]]")]
    assert section.splitlines()[:4] == ["[source.mlflow]", 'tracking_uri = "sqlite:///m.db"',
                                        'experiment = "e"', "runs = 2"]


def test_runs_become_columns_named_after_their_keys() -> None:
    imported = runs_table(_runs(), "test", {"latency_ms": "metrics.p95_ms"})
    frame = imported.frame
    # accuracy and cost_per_1k come from the keys named like them; a metric "lr" and a
    # param "lr" both stay, the param under param_lr.
    assert imported.mapping == {"latency_ms": "metrics.p95_ms", "accuracy": "metrics.accuracy",
                                "cost_per_1k": "params.cost_per_1k"}
    assert list(frame.columns) == ["name", "accuracy", "latency_ms", "cost_per_1k", "lr",
                                   "param_lr", "run_id"]
    assert frame["accuracy"].tolist() == [90.0, 95.0]
    assert frame["cost_per_1k"].tolist() == [0.5, 2.0]
    assert frame["param_lr"].tolist()[0] == 0.1
    assert frame["param_lr"].isna().tolist() == [False, True]
    assert frame["lr"].isna().tolist() == [True, False] and frame["lr"].tolist()[1] == 3.0


def test_a_bad_value_is_reported_about_its_run() -> None:
    runs = _runs()
    runs[1].values["metrics.p95_ms"] = -4.0
    with pytest.raises(InputError) as err:
        runs_table(runs, "MLflow experiment 'e'", {"latency_ms": "metrics.p95_ms"})
    assert str(err.value) == ("MLflow experiment 'e', column 'metrics.p95_ms': -4 is negative "
                              "(run 'large' (r2))")


def test_two_keys_that_could_be_one_column_must_be_mapped() -> None:
    runs = _runs()
    runs[0].values["params.accuracy"] = "0.5"
    with pytest.raises(InputError, match=r"metrics.accuracy and params.accuracy could each be "
                                         r"accuracy; say which with --map accuracy=KEY"):
        runs_table(runs, "test", {"latency_ms": "metrics.p95_ms"})


@pytest.mark.parametrize(("block", "key", "line", "fragment"), [
    ("[source.mlflow]\nruns = -1\n", "source.mlflow.runs", 8, "must be a whole number >= 0"),
    ('[source.mlflow]\nruns = "3"\n', "source.mlflow.runs", 8, "must be a whole number >= 0"),
    ('[source.mlflow]\nimported_at = "yesterday"\n', "source.mlflow.imported_at", 8,
     "must be a date-time"),
    ("[source.mlflow]\ntracking_uri = 5\n", "source.mlflow.tracking_uri", 8, "must be a string"),
    ('[source.mlflow]\nexperimnet = "e"\n', "source.mlflow.experimnet", 8,
     "did you mean 'experiment'?"),
    ('[source.mlfow]\nexperiment = "e"\n', "source.mlfow", 7, "did you mean 'mlflow'?"),
    ('[source.wandb]\ntracking_uri = "x"\n', "source.wandb.tracking_uri", 8, "unknown key"),
])
def test_bad_tracker_records_name_key_and_line(block: str, key: str, line: int,
                                               fragment: str) -> None:
    text = HEAD.format(sha=SHA) + block + ROWS
    with pytest.raises(InputError) as err:
        session_from_toml(text, "s.toml")
    assert (err.value.key, err.value.line) == (key, line)
    assert fragment in err.value.message


def test_a_text_run_id_that_reads_as_a_number_stays_text() -> None:
    session, _ = session_from_toml(HEAD.format(sha=SHA) + ROWS)
    assert session.scenario.candidates["run_id"].tolist() == ["12345e67"]
    assert 'run_id = "12345e67"' in session_to_toml(session)


def test_importing_workbench_and_starting_the_cli_load_no_tracker_library() -> None:
    probe = ("import importlib, sys, workbench, workbench.integrations.runs\n"
             "m = importlib.import_module('workbench.cli.main')\n"
             "m._parser().parse_args(['import', 'mlflow', '--tracking-uri', 'x',\n"
             "                        '--experiment', 'y'])\n"
             "print(sorted(n for n in ('mlflow', 'wandb', 'kfp') if n in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
