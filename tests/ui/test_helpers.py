"""Pure helpers of the TUI (no app): number parsing, limits, session edits, imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.ui.conftest import CNN, EDGE
from workbench.analysis import analyze
from workbench.errors import InputError
from workbench import edits
from workbench.parse import format_limits, parse_limits
from workbench.parse import parse_optional as parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [("100000", 100_000), ("100,000", 100_000), ("$15k", 15_000), ("1e5", 100_000),
     ("2.5m", 2_500_000), (" 42 ", 42), ("", None)],
)
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["abc", "1..2", "nan", "inf", "-1"])
def test_parse_number_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text, minimum=0.0)


def test_limits_round_trip() -> None:
    upper, lower = parse_limits("params_m<=50, gflops>=2; latency_ms <= 10")
    assert upper == {"params_m": 50, "latency_ms": 10} and lower == {"gflops": 2}
    assert format_limits(upper, lower) == "params_m<=50, latency_ms<=10, gflops>=2"
    with pytest.raises(ValueError, match="COLUMN<=VALUE"):
        parse_limits("params_m 50")
    # Limits are inclusive: "<" is not silently read as "<=".
    with pytest.raises(ValueError, match="limits are inclusive; write latency_ms<=10"):
        parse_limits("latency_ms < 10")
    with pytest.raises(ValueError, match="write gflops>=2"):
        parse_limits("gflops>2")


def test_rename_carries_to_baseline_and_decision(retail) -> None:
    from dataclasses import replace

    session = retail.with_scenario(whatif=replace(retail.scenario.whatif, baseline=EDGE))
    row = session.scenario.candidates["name"].tolist().index(EDGE)
    renamed = edits.set_cell(session, row, "name", "Edge")
    assert renamed.scenario.whatif.baseline == "Edge"
    assert renamed.decision.chosen == "Edge"
    with pytest.raises(InputError, match="names must be unique"):
        edits.set_cell(session, row, "name", CNN)
    with pytest.raises(InputError, match="computed"):
        edits.set_cell(session, row, "score", "1")


def test_zero_weight_keeps_its_place(retail) -> None:
    from dataclasses import replace

    analysis = analyze(retail.scenario)
    session = edits.change_criterion(retail, analysis, "accuracy",
                                     lambda c: replace(c, weight=0.0))
    assert [c.column for c in session.scenario.scoring.criteria] == [
        "accuracy", "latency_ms", "cost", "maintainability"]
    assert session.scenario.scoring.criteria[0].weight == 0


@pytest.mark.parametrize(
    ("module", "absent"),
    [
        ("workbench.inputs", ("textual", "rich")),
        ("workbench.edits", ("textual", "rich")),
        # The first frame needs neither plotext nor the memo nor Textual's Markdown.
        ("workbench.tui.app", ("plotext", "workbench.views.charts", "workbench.views.memo",
                               "textual.widgets._markdown")),
    ],
)
def test_import_boundaries(module: str, absent: tuple[str, ...]) -> None:
    code = (f"import sys, {module}; "
            f"print(','.join(m for m in {absent!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout.strip()
    assert out == "", f"{module} imported {out}"
