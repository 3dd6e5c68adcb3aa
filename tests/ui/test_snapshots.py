"""Pictures of every pane at 80x24 and 120x40 (pytest-textual-snapshot).

Regenerate after an intended change with:
    python -m pytest tests/ui/test_snapshots.py --snapshot-update
and look at every picture in snapshot_report.html before keeping them.
"""

from __future__ import annotations

import pytest

from workbench.tui.app import WorkbenchApp
from workbench.inputs import builtin_session

PANES = ["1", "2", "3", "4", "5", "6"]
SIZES = [(80, 24), (120, 40)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("pane", PANES)
def test_pane(snap_compare, pane: str, size: tuple[int, int]) -> None:
    session, notes = builtin_session()
    app = WorkbenchApp(session, None, notes)
    assert snap_compare(app, press=[pane], terminal_size=size)


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
