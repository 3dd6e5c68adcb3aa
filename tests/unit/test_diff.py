"""`workbench diff`: what changed between two decision records, and its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from workbench import cli
from workbench.errors import InputError
from workbench.model import (
    DEFAULT_CRITERIA,
    Constraints,
    Criterion,
    Decision,
    Scenario,
    Scoring,
    Session,
    Workload,
)
from workbench.session import save_session
from workbench.views.diff import (
    CellChange,
    RankMove,
    diff_sessions,
    diff_to_dict,
    diff_to_text,
    run_diff,
)

WEIGHTS = (Criterion("accuracy", "max", 0.4), Criterion("cost", "min", 0.6))


def old_session() -> Session:
    # At 1000/day x 30 = 30k/month: cloud 30 * 2 = $60, local 30 * 0.5 = $15, both in
    # the $100 budget. Min-max scores: cloud 0.4 * 1 + 0.6 * 0 = 0.4, local 0 + 0.6 = 0.6.
    table = pd.DataFrame(
        {
            "name": pd.Series(["cloud", "local"], dtype=object),
            "accuracy": [95.0, 90.0],
            "latency_ms": [50.0, 10.0],
            "cost_per_1k": [2.0, 0.5],
        }
    )
    return Session(
        scenario=Scenario(
            table,
            workload=Workload(volume_per_day=1000.0),
            constraints=Constraints(monthly_budget_usd=100.0),
            scoring=Scoring(WEIGHTS),
        ),
        title="Cloud or local",
        decision=Decision(chosen="local", rationale="cheaper"),
    )


def new_session() -> Session:
    old = old_session()
    table = old.scenario.candidates.copy()
    table.loc[1, "cost_per_1k"] = 0.4
    table = pd.concat(
        [
            table,
            pd.DataFrame(
                {
                    "name": pd.Series(["hybrid"], dtype=object),
                    "accuracy": [93.0],
                    "latency_ms": [30.0],
                    "cost_per_1k": [3.0],
                }
            ),
        ],
        ignore_index=True,
    )
    # At 1500/day = 45k/month: cloud $90, local 45 * 0.4 = $18, hybrid $135 (over the
    # $100 budget, so ranked last). Accuracy now weighs 0.9: cloud 0.9 + 0.1 * 45/117
    # = 0.938 beats local 0.1 -> cloud 1, local 2, hybrid 3.
    return old.with_scenario(
        candidates=table,
        workload=Workload(volume_per_day=1500.0),
        scoring=Scoring((Criterion("accuracy", "max", 0.9), Criterion("cost", "min", 0.1))),
    ).with_(decision=Decision(chosen="cloud", rationale="accuracy matters more"))


def test_identical_sessions_give_an_empty_diff() -> None:
    d = diff_sessions(old_session(), old_session())
    assert d.is_empty is True
    assert d.recommendation_old == d.recommendation_new == "local"
    assert diff_to_text(d) == (
        "Recommendation unchanged: local.\n"
        "No differences in the inputs, the ranking or the decision.\n"
    )


def test_timestamps_do_not_count_as_a_change() -> None:
    a = old_session().with_(
        created="2026-01-01T00:00:00+00:00", modified="2026-01-01T00:00:00+00:00"
    )
    b = old_session().with_(
        created="2026-01-01T00:00:00+00:00", modified="2026-02-01T00:00:00+00:00"
    )
    assert diff_sessions(a, b).is_empty


def test_default_criteria_equal_to_written_out_defaults_are_not_a_change() -> None:
    table = old_session().scenario.candidates.assign(maintainability=[4.0, 2.0])
    a = old_session().with_scenario(candidates=table, scoring=Scoring(None))
    b = old_session().with_scenario(candidates=table, scoring=Scoring(DEFAULT_CRITERIA))
    assert diff_sessions(a, b).weights == ()


def test_a_default_criterion_the_table_cannot_use_is_not_a_change() -> None:
    # No maintainability column: the defaults mean accuracy 0.4, latency 0.2, cost 0.3
    # (the analysis drops maintainability), which is what b writes out.
    written = tuple(c for c in DEFAULT_CRITERIA if c.column != "maintainability")
    a = old_session().with_scenario(scoring=Scoring(None))
    b = old_session().with_scenario(scoring=Scoring(written))
    d = diff_sessions(a, b)
    assert d.weights == ()
    assert "maintainability" not in diff_to_text(d)
    # With the column, dropping the criterion is a change (0.1 -> not set).
    table = old_session().scenario.candidates.assign(maintainability=[4.0, 2.0])
    d = diff_sessions(a.with_scenario(candidates=table), b.with_scenario(candidates=table))
    assert ("maintainability", 0.1, None) in d.weights
    assert "  maintainability: 0.1 -> (not set)" in diff_to_text(d).splitlines()


def test_every_kind_of_change_is_reported() -> None:
    d = diff_sessions(old_session(), new_session())
    assert d.workload == (("volume_per_day", 1000.0, 1500.0),)
    assert d.constraints == ()
    assert d.weights == (("accuracy", 0.4, 0.9), ("cost", 0.6, 0.1))
    assert d.candidates_added == ("hybrid",)
    assert d.candidates_removed == ()
    assert d.candidates_changed == (CellChange("local", "cost_per_1k", 0.5, 0.4),)
    assert (d.recommendation_old, d.recommendation_new) == ("local", "cloud")
    assert d.recommendation_changed
    assert d.rank_moves == (RankMove("cloud", 2, 1), RankMove("local", 1, 2))
    assert d.rank_moves[1].places_up == -1
    assert d.decision == (
        ("chosen", "local", "cloud"),
        ("rationale", "cheaper", "accuracy matters more"),
    )
    assert d.meta == () and d.whatif == () and d.routing == ()
    assert not d.is_empty


def test_text_reads_as_a_review() -> None:
    text = diff_to_text(diff_sessions(old_session(), new_session()))
    assert text.splitlines() == [
        "Recommendation changed: local -> cloud.",
        "Rank moves:",
        "  cloud: 2 -> 1 (up 1)",
        "  local: 1 -> 2 (down 1)",
        "Workload:",
        "  volume_per_day: 1000 -> 1500",
        "Weights:",
        "  accuracy: 0.4 -> 0.9",
        "  cost: 0.6 -> 0.1",
        "Candidates:",
        "  added: hybrid",
        "  local, cost_per_1k: 0.5 -> 0.4",
        "Decision:",
        "  chosen: 'local' -> 'cloud'",
        "  rationale: 'cheaper' -> 'accuracy matters more'",
    ]


def test_dict_has_the_documented_keys_and_json_values() -> None:
    d = diff_to_dict(diff_sessions(old_session(), new_session()))
    assert list(d) == [
        "equal",
        "recommendation",
        "rank_moves",
        "meta",
        "workload",
        "constraints",
        "weights",
        "whatif",
        "candidates",
        "decision",
        "routing",
        "settings",
    ]
    assert d["equal"] is False
    assert d["recommendation"] == {"old": "local", "new": "cloud", "changed": True}
    assert d["workload"] == [{"key": "volume_per_day", "old": 1000, "new": 1500}]
    assert d["candidates"] == {
        "added": ["hybrid"],
        "removed": [],
        "changed": [{"name": "local", "column": "cost_per_1k", "old": 0.5, "new": 0.4}],
    }
    assert d["rank_moves"] == [
        {"name": "cloud", "old_rank": 2, "new_rank": 1},
        {"name": "local", "old_rank": 1, "new_rank": 2},
    ]
    json.dumps(d)  # must serialise as is


def test_removed_candidate_and_a_lifted_budget() -> None:
    old = old_session()
    new = old.with_scenario(
        candidates=old.scenario.candidates.iloc[[0]].reset_index(drop=True),
        constraints=Constraints(),
    ).with_(decision=Decision(chosen="cloud", rationale="cheaper"))
    d = diff_sessions(old, new)
    assert d.candidates_removed == ("local",)
    assert d.constraints == (("monthly_budget_usd", 100.0, None),)
    assert "  monthly_budget_usd: 100 -> (not set)" in diff_to_text(d).splitlines()


# ------------------------------------------------------------------------ CLI


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    a, b, same = tmp_path / "a.toml", tmp_path / "b.toml", tmp_path / "same.toml"
    save_session(old_session(), a)
    save_session(new_session(), b)
    save_session(old_session(), same)  # other timestamps, same record
    return a, b, same


def test_cli_exit_codes(
    files: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b, same = files
    assert cli.main(["diff", str(a), str(same)]) == 0
    assert "No differences" in capsys.readouterr().out
    assert cli.main(["diff", str(a), str(b)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"Comparing {a} -> {b}\nRecommendation changed: local -> cloud.\n")
    broken = tmp_path / "broken.toml"
    broken.write_text("schema_version = 1\ntitle = \n", encoding="utf-8")
    assert cli.main(["diff", str(a), str(broken)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"workbench: error: {broken}, line 2: invalid TOML")
    assert "Traceback" not in captured.err


def test_cli_json(files: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    a, b, _ = files
    assert cli.main(["diff", str(a), str(b), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["old"] == str(a) and doc["new"] == str(b)
    assert doc["equal"] is False and doc["notes"] == []
    assert doc["recommendation"]["new"] == "cloud"
    assert {"key": "accuracy", "old": 0.4, "new": 0.9} in doc["weights"]


def test_cli_json_escapes_what_could_drive_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "bidi\u202e c1\x9b tag\U000e0041 esc\x1b"
    old = old_session()
    table = old.scenario.candidates.copy()
    table.loc[0, "name"] = name  # cloud is renamed (local stays the chosen one)
    new = old.with_scenario(candidates=table)
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    save_session(old, a)
    save_session(new, b)
    assert cli.main(["diff", str(a), str(b), "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert not any(ch in out for ch in "\u202e\x9b\U000e0041\x1b")
    assert "\\u202e" in out and "\\udb40\\udc41" in out
    doc = json.loads(out)  # exact on load
    assert name in doc["candidates"]["added"]


def test_run_diff_names_the_file_whose_analysis_fails(tmp_path: Path) -> None:
    a = tmp_path / "a.toml"
    save_session(old_session(), a)
    with pytest.raises(InputError) as err:
        run_diff(a, tmp_path / "missing.toml", "text")
    assert err.value.source == str(tmp_path / "missing.toml")
    with pytest.raises(InputError, match="unknown format"):
        run_diff(a, a, "yaml")


def test_every_field_of_the_field_table_is_compared() -> None:
    """diff reads inputs from workbench.fields: a pricing or uncertainty setting that
    changes is a change, under its section."""
    from dataclasses import replace

    from workbench.views.diff import _section, _weights

    old = old_session()
    new = old.with_scenario(
        pricing=replace(old.scenario.pricing, utilization=0.5),
        uncertainty=replace(old.scenario.uncertainty, eval_n=2000.0),
    )
    d = diff_sessions(old, new)
    assert d.settings == (("pricing.utilization", 0.7, 0.5), ("uncertainty.eval_n", None, 2000.0))
    assert not d.is_empty
    ranked = new.with_scenario(scoring=replace(new.scenario.scoring, rank_by="total_cost"))
    assert _weights(ranked)["rank_by"] == "total_cost"
    assert _section(new, "workload") == {"volume_per_day": 1000.0, "days_per_month": 30.0,
                                         "horizon_months": 12.0, "peak_to_average": 1.0}


# ------------------------------------------------------------------- monitoring


def monitored(session: Session, max_p95_latency_ms: float | None) -> Session:
    from dataclasses import replace

    return session.with_(monitoring=replace(session.monitoring,
                                            max_p95_latency_ms=max_p95_latency_ms))


def test_a_monitoring_threshold_that_changes_is_reported() -> None:
    # [monitoring] is what `workbench audit` judges production against: a changed
    # threshold changes the verdicts, so the review of a record must show it.
    old = monitored(old_session(), None)
    new = monitored(old_session(), 250.0)
    d = diff_sessions(old, new)
    assert d.settings == (("monitoring.max_p95_latency_ms", None, 250.0),)
    assert not d.is_empty
    assert diff_to_text(d).splitlines()[1:] == [
        "Pricing, cost of ownership, uncertainty, monitoring:",
        "  monitoring.max_p95_latency_ms: (not set) -> 250",
    ]
    assert diff_to_dict(d)["settings"] == [
        {"key": "monitoring.max_p95_latency_ms", "old": None, "new": 250}]


def test_cli_diff_shows_a_monitoring_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    save_session(monitored(old_session(), 400.0), a)
    save_session(monitored(old_session(), 250.0), b)
    assert cli.main(["diff", str(a), str(b)]) == 1
    assert "  monitoring.max_p95_latency_ms: 400 -> 250" in capsys.readouterr().out.splitlines()
    assert cli.main(["diff", str(a), str(b), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["settings"] == [{"key": "monitoring.max_p95_latency_ms", "old": 400, "new": 250}]


def test_every_setting_of_the_field_table_is_compared() -> None:
    # Sections with no heading of their own are settings: each of their fields is a key
    # of the settings diff, so a change to any of them is reported.
    from workbench import fields
    from workbench.views.diff import _settings

    own_headings = ("", "workload", "constraints", "scoring", "whatif", "decision")
    expected = {f"{f.section}.{f.key}" for f in fields.FIELDS if f.section not in own_headings}
    assert {k for k in expected if k.startswith("monitoring.")} >= {
        "monitoring.max_p95_latency_ms", "monitoring.min_labels", "monitoring.lookback_days"}
    assert expected <= set(_settings(old_session()))
