"""Pictures of every pane at 80x24 and 120x40 (pytest-textual-snapshot), and at 80x24 —
the size our users have — the figures each pane exists to show, read from the screen.

Regenerate after an intended change with:
    python -m pytest tests/ui/test_snapshots.py --snapshot-update
and look at every picture in snapshot_report.html before keeping them. The key-figure
assertions run before each picture is taken: a picture can be updated, the figures
cannot silently leave the screen.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.conftest import ROOT
from tests.ui.helpers import screen_text, settle
from workbench.inputs import builtin_session, open_file
from workbench.tui.app import WorkbenchApp

PANES = ["1", "2", "3", "4", "5", "6", "7", "8"]
SIZES = [(80, 24), (120, 40)]

# What each pane of the built-in sample must show at 80x24 without scrolling.
KEY_FIGURES: dict[str, list[str]] = {
    # Compact money (never "$1," or "$75,"), the columns that decide, the pick's line.
    "1": ["$1.5k", "$75k", "$300k", "Acc%", "90.00", "95.00", "98.00", "Lat ms", "Score",
          "0.550", "0.743", "0.400", "MobileNet-SSD edge (on-device)",
          "meets every constraint", "c Add col", "u Undo"],
    "2": ["Volume / day", "500000", "Budget $/month", "15000", "Max latency ms", "200",
          "accuracy", "latency_ms", "cost (monthly_cost_usd)", "maintainability",
          "40%", "20%", "30%", "10%"],
    "3": ["Accuracy % vs monthly cost", "Cost per 1% accuracy", "$0.00111", "$0.0526",
          "$0.2041", "o Sort bars"],
    # All four criteria (two-line headers), and the legend to its end.
    "4": ["accuracy", "latency_ms", "cost", "maintaina", "40%", "20%", "30%", "10%",
          "0.550", "0.743", "0.300", "score = Σ weight ×", "normalized value",
          "Recommendation: MobileNet-SSD edge (on-device)", "score gap -0.193"],
    "5": ["Volume/day", "$7.5k", "$1.5k", "$15k", "$/avoided", "$0.0980", "Avoided/mo",
          "750k", "$74k"],
    "6": ["Retail checkout", "Memo", "^e Memo", "h HTML", "b Brief", "d Deck", "i Images"],
    "7": ["No routing settings yet", "Target % 99.5"],
    # The built-in sample is not saved: the log would be read from the current folder.
    "8": ["8 Audit", "No audit yet", "relative to the current folder", "and press enter.",
          "Log", "By"],
}


def _checked(pane: str, size: tuple[int, int]):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press(pane)
        await settle(pilot)
        if size == (80, 24):
            text = screen_text(pilot.app)
            missing = [f for f in KEY_FIGURES[pane] if f not in text]
            assert not missing, f"pane {pane} at 80x24 hides {missing}:\n{text}"

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("pane", PANES)
def test_pane(snap_compare, pane: str, size: tuple[int, int]) -> None:
    session, notes = builtin_session()
    app = WorkbenchApp(session, None, notes)
    assert snap_compare(app, run_before=_checked(pane, size), terminal_size=size)


def _session_app(name: str) -> WorkbenchApp:
    session, notes, path = open_file(ROOT / "sessions" / name)
    return WorkbenchApp(session, path, notes)


# Views that show the new engine capabilities, at 80x24, with the figures they exist for.
VIEWS = {
    # Critical weights with who takes over, and how often the pick stays first (SMAA).
    "robustness": ("mobile_app_budget.toml", ["4", "v"],
                   ["Pick: ResNet-50", "17% → EfficientNet-B0", "47% → EfficientNet-B0",
                    "54% → EfficientNet-B0", "SMAA: first in 74.8% of 10,000 draws",
                    "Tornado", "0.17..1.00"]),
    # How each candidate is priced, instances, cost per month and TCO.
    "costs": ("llm_support_assistant.toml", ["5", "v", "v"],
              ["Priced: 6 per token, 2 instance", "per token", "instance", "gpt-4o-mini",
               "$0.1950", "$585", "TCO/mo", "Mistral-7B"]),
    # The routed system is the pick; the rule and the policies' figures.
    "routing": ("fraud_routing.toml", ["7"],
                ["pick: GBM -> ensemble cascade", "(routed)", "below 0.635811",
                 "Recommended", "0.635811", "99.500%", "Safe (95%)", "$8,106",
                 "Deep ens… only", "$150,000"]),
    # The sample production log typed into pane 8 with By library_version: the verdict,
    # the bill's change and where (the library upgrade), the cost chart's anomaly runs.
    # (tests/ui/test_audit_pane.py checks these figures against workbench.audit.)
    "audit": ("retail_checkout.toml",
              ["8", *"../sample_data/production_log.parquet", "tab", *"library_version",
               "enter"],
              ["The pick holds: MobileNet-SSD edge (on-device) is still the pick at 533,254",
               "no demotion criterion fails",
               "Bill +$54.10/day (+59.7%), mostly batch efficiency; where: trt-10.0.",
               "Cost per day, USD", "x cost anomaly:  2027-02-03  2027-02-22 (14 days)",
               "r Run v Views p Log path"]),
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_view_at_80x24(snap_compare, view: str) -> None:
    name, keys, figures = VIEWS[view]
    app = _session_app(name)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await settle(pilot)
        text = screen_text(pilot.app)
        missing = [f for f in figures if f not in text]
        assert not missing, f"{view} at 80x24 hides {missing}:\n{text}"

    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))


def test_help_screen(snap_compare) -> None:
    session, notes = builtin_session()
    assert snap_compare(WorkbenchApp(session, None, notes), press=["question_mark"])


def test_invalid_budget_marked_in_place(snap_compare) -> None:
    session, notes = builtin_session()

    async def type_bad_budget(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("2")
        pilot.app.query_one("#field-monthly_budget_usd").focus()
        await pilot.press("ctrl+u", "1", "2", "x")

    assert snap_compare(WorkbenchApp(session, None, notes), run_before=type_bad_budget)


del Path
