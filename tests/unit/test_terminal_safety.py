"""The terminal never obeys a model name (issue #8): every text view of the CLI.

A hostile record (tests/hostile.py) puts every C0 and C1 control, DEL and bidi and
zero-width characters into names, columns, the title, notes, the decision and the
routing settings. Each text view (`analyze --format text`, `diff`, `route` text and
markdown) must show them as visible escapes (`\\x1b`), never raw, and never read a name
as rich markup; the JSON views must keep every string exact.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from tests.hostile import (
    CONTROLS,
    FLAG_COL,
    LIMIT_COL,
    LINK,
    LOSS_COL,
    MARKUP,
    NAME,
    OTHER,
    TEXT_COL,
    hostile_session,
    raw_controls,
    write_session,
    write_table,
)
from workbench.analysis import analyze
from workbench.cli import main
from workbench.views.diff import diff_sessions, diff_to_text
from workbench.fmt import printable
from workbench.model import Criterion
from workbench.cli.text import to_text

NEW = "new\x1b[1m" + CONTROLS  # a candidate only the newer record has


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def squash(text: str) -> str:
    """`text` without whitespace: the views wrap and fold; escaped names hold none."""
    return re.sub(r"\s+", "", text)


def assert_terminal_safe(text: str) -> None:
    """No raw control (but the view's own tabs and line feeds) and the visible escape."""
    assert raw_controls(text) == []
    assert "\\x1b" in text


# --------------------------------------------------------------------- analyze


@pytest.mark.parametrize("source", ["session", "table"])
def test_analyze_text_shows_controls_as_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str
) -> None:
    path = write_session(tmp_path) if source == "session" else write_table(tmp_path)
    code, out = run(capsys, "analyze", str(path), "--format", "text", "--volume-per-day", "1000")
    assert code == 0
    assert_terminal_safe(out)
    # Every control of the pick, escaped, in the recommendation (folded over lines).
    assert squash(f"Recommendation: {printable(NAME)}") in squash(out)
    for escape in ("\\x00", "\\x07", "\\n", "\\r", "\\x7f", "\\x85", "\\x9b", "\\u202e"):
        assert escape in out


def test_analyze_text_never_reads_a_name_as_markup(tmp_path: Path) -> None:
    analysis = analyze(hostile_session().scenario)
    out = to_text(analysis, width=200)
    assert MARKUP in out and LINK in out  # as written: not "xq" and a link "l"
    assert_terminal_safe(out)
    # The limit on the hostile column, and the runner-up named in the reason.
    assert squash(f"{printable(LIMIT_COL)} <= 5") in squash(out)
    assert f"runner-up {MARKUP} scores" in out


def test_analyze_text_with_color_keeps_only_its_own_escapes(tmp_path: Path) -> None:
    # With colour on, the view writes SGR sequences itself: every ESC in the output must
    # start one of those ("\x1b[...m"), none may come from a name.
    out = to_text(analyze(hostile_session().scenario), width=200, color=True)
    assert re.findall(r"\x1b(?!\[[0-9;]*m)", out) == []
    assert raw_controls(re.sub(r"\x1b\[[0-9;]*m", "", out)) == []


def test_analyze_json_keeps_the_exact_strings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_session(tmp_path)
    code, out = run(capsys, "analyze", str(path), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    # The routed system (cheap NAME -> expensive LINK) joins them as a candidate.
    names = {c["name"] for c in doc["candidates"]}
    routed = {n for n in names if n.startswith("cascade: ")}
    assert names - routed == {NAME, MARKUP, LINK, OTHER} and len(routed) == 1
    assert next(iter(routed)).startswith(f"cascade: {NAME} -> {LINK} @ ")
    assert doc["recommendation"]["name"] == NAME
    assert LIMIT_COL in [c["column"] for c in doc["criteria"]]
    assert doc["constraints"]["max"] == {LIMIT_COL: 5}
    slow = next(c for c in doc["candidates"] if c["name"] == OTHER)
    assert any(v.startswith(LIMIT_COL) for v in slow["violations"])
    assert next(c for c in doc["candidates"] if c["name"] == NAME)[TEXT_COL] == "MIT" + CONTROLS


# ------------------------------------------------------------------------ diff


def newer(tmp_path: Path) -> Path:
    """The hostile record changed everywhere a diff shows a name or a key."""
    old = hostile_session()
    frame = old.scenario.candidates
    frame = frame[frame["name"] != OTHER].copy()
    frame.loc[frame["name"] == NAME, "accuracy"] = 91.0
    frame.loc[frame["name"] == NAME, TEXT_COL] = "changed" + CONTROLS
    frame = pd.concat([frame, pd.DataFrame({
        "name": [NEW], "accuracy": [96.0], "latency_ms": [10.0], "cost_per_1k": [0.4],
        LIMIT_COL: [1.0], TEXT_COL: ["x"],
    })], ignore_index=True)
    scoring = replace(old.scenario.scoring, criteria=(
        Criterion("accuracy", "max", 2.0), Criterion("monthly_cost_usd", "min", 1.0),
        Criterion(LIMIT_COL, "min", 3.0)))
    constraints = replace(old.scenario.constraints, max={LIMIT_COL: 4.0})
    routing = dict(old.routing or {}, escalate_when=[FLAG_COL, LOSS_COL])
    whatif = replace(old.scenario.whatif, baseline=NEW)
    new = old.with_scenario(candidates=frame, scoring=scoring, constraints=constraints,
                            whatif=whatif).with_(
        title="new title" + CONTROLS, notes="\x1c\x1d\x1e\x1f\x85 notes", routing=routing,
        decision=replace(old.decision, chosen=NEW))
    return write_session(tmp_path / "new", session=new)


def test_diff_text_shows_controls_as_escapes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old_path = write_session(tmp_path / "old")
    new_path = newer(tmp_path)
    code, out = run(capsys, "diff", str(old_path), str(new_path))
    assert code == 1
    assert_terminal_safe(out)
    lines = out.splitlines()
    assert f"Recommendation changed: {printable(NAME)} -> {printable(NEW)}." in lines
    assert f"  added: {printable(NEW)}" in lines
    assert f"  removed: {printable(OTHER)}" in lines
    assert f"  {printable(NAME)}, accuracy: 95 -> 91" in lines
    assert any(line.startswith(f"  {printable(NAME)}, {printable(TEXT_COL)}: ") for line in lines)
    assert f"  {printable(LIMIT_COL)}: 1 -> 3" in lines  # a weight, keyed by the column
    assert f"  max.{printable(LIMIT_COL)}: 5 -> 4" in lines
    # Separators that str.split() would have swallowed are shown too.
    assert "  notes: " in out and "\\x1c\\x1d\\x1e\\x1f\\x85 notes" in out


def test_diff_json_keeps_the_exact_strings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old_path = write_session(tmp_path / "old")
    new_path = newer(tmp_path)
    code, out = run(capsys, "diff", str(old_path), str(new_path), "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["recommendation"] == {"old": NAME, "new": NEW, "changed": True}
    assert doc["candidates"]["added"] == [NEW] and doc["candidates"]["removed"] == [OTHER]
    assert {"key": f"max.{LIMIT_COL}", "old": 5, "new": 4} in doc["constraints"]


def test_diff_text_of_the_views_own_lines(tmp_path: Path) -> None:
    """A name with a line break cannot forge a line of the report."""
    old = hostile_session()
    forged = "x\nRecommendation unchanged: (none)."
    frame = old.scenario.candidates.copy()
    frame.loc[frame["name"] == LINK, "name"] = forged
    text = diff_to_text(diff_sessions(old, old.with_scenario(candidates=frame)))
    assert "\nRecommendation unchanged: (none)." not in text
    assert f"  added: {printable(forged)}" in text.splitlines()


# ----------------------------------------------------------------------- route


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_route_shows_controls_as_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    path = write_session(tmp_path)
    code, out = run(capsys, "route", "--session", str(path), "--format", fmt)
    assert code == 0
    # Log columns cannot hold controls (they would reach SQL); their invisible
    # format characters are what must show as escapes here.
    assert raw_controls(out) == []
    assert "\\u202e" in out
    flat = squash(out)  # the text view wraps at 80 columns
    assert squash(f"Missed {printable(LOSS_COL)}") in flat  # the loss column's header
    assert squash(f"Forced escalation ({printable(FLAG_COL)} nonzero)") in flat  # a note
    assert squash(f"or {printable(FLAG_COL)} is set") in flat  # the rule


def test_route_json_keeps_the_exact_strings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_session(tmp_path)
    code, out = run(capsys, "route", "--session", str(path), "--format", "json")
    assert code == 0
    notes = json.loads(out)["notes"]
    assert any(f"Forced escalation ({FLAG_COL} nonzero)" in n for n in notes)
    assert any(f"sum of {LOSS_COL} over false negatives" in n for n in notes)
