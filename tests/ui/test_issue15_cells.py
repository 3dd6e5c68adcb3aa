"""Issue #15, items 3 and 11: the cell editor reads a value with the loader's grammar and
says what it understood; `y` copies the focused cell through the app's (OSC 52) clipboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App

from tests.ui.conftest import EDGE, VIT
from tests.ui.helpers import static_text, toasts, type_text
from workbench.inputs import open_file
from workbench.tui.screens.prompt import PromptScreen

FRACTION_REFUSED = ("0.72 looks like a fraction while the other rows are percentages "
                    "(e.g. 98); type 72 for 72%, or 0.72% if you mean 0.72 percent")


def _accuracy(app, name: str) -> float:  # type: ignore[no-untyped-def]
    frame = app.session.scenario.candidates
    return float(frame.loc[frame["name"] == name, "accuracy"].item())


async def _edit_accuracy_of_first_row(pilot) -> None:  # type: ignore[no-untyped-def]
    table = pilot.app.query_one("#candidates-table")
    table.move_cursor(row=0, column=table.get_column_index("accuracy"))
    await pilot.press("e")
    assert isinstance(pilot.app.screen, PromptScreen)


async def test_fraction_among_percentages_is_refused_and_72_is_read_as_percent(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        assert _accuracy(app, EDGE) == 90.0  # the first row on screen (rank 1)
        await _edit_accuracy_of_first_row(pilot)
        # As typed, the line under the field says how the text is read.
        for text, said in (("0.72", FRACTION_REFUSED), ("abc", "'abc' is not a number"),
                           ("72%", "read as: 72.00% accuracy"), ("72", "read as: 72.00% accuracy")):
            await pilot.press("ctrl+u")
            await type_text(pilot, text)
            await pilot.pause()
            assert static_text(app, "#prompt-error") == said, text
        # Enter on a value the loader would refuse keeps the dialog and the cell.
        for text, said in (("0.72", f"column 'accuracy': {FRACTION_REFUSED}"),
                           ("abc", "column 'accuracy': 'abc' is not a number")):
            await pilot.press("ctrl+u")
            await type_text(pilot, text)
            await pilot.press("enter")
            assert isinstance(app.screen, PromptScreen)
            assert static_text(app, "#prompt-error") == said
            assert _accuracy(app, EDGE) == 90.0
        await pilot.press("ctrl+u")
        await type_text(pilot, "72")
        await pilot.press("enter")
        assert not isinstance(app.screen, PromptScreen)
        assert _accuracy(app, EDGE) == 72.0
        assert _accuracy(app, VIT) == 98.0  # the other rows as they were


async def test_a_fraction_in_a_table_of_fractions_is_read_as_one(make_app, tmp_path: Path):
    """The loader reads 0.9 as 90% (a column of fractions); the editor reads 0.72 the same
    way when no other row holds a percentage, and says so."""
    table = tmp_path / "solo.csv"
    table.write_text("name,accuracy,latency_ms,cost_per_1k\nSolo,0.9,10,0.5\n")
    session, notes, path = open_file(str(table))
    assert float(session.scenario.candidates["accuracy"].item()) == 90.0
    app = make_app(session, path, notes)
    async with app.run_test(size=(80, 24)) as pilot:
        await _edit_accuracy_of_first_row(pilot)
        await pilot.press("ctrl+u")
        await type_text(pilot, "0.72")
        await pilot.pause()
        assert static_text(app, "#prompt-error") == (
            "read as: 72.00% accuracy (0.72 read as a fraction, as the loader reads a "
            "column of fractions)")
        await pilot.press("enter")
        assert not isinstance(app.screen, PromptScreen)
        assert _accuracy(app, "Solo") == 72.0


async def test_y_copies_the_focused_cell_and_says_what(retail, make_app,
                                                       monkeypatch: pytest.MonkeyPatch):
    copied: list[str] = []
    original = App.copy_to_clipboard

    def record(self: App, text: str) -> None:  # type: ignore[type-arg]
        copied.append(text)
        original(self, text)

    monkeypatch.setattr(App, "copy_to_clipboard", record)
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one("#candidates-table")
        assert app.focused is table
        table.move_cursor(row=0, column=table.get_column_index("name"))
        await pilot.press("y")
        assert copied == [EDGE] and app.clipboard == EDGE
        assert toasts(app)[-1] == f"Copied {EDGE!r} (OSC 52 clipboard)"
        # A compact figure is copied exactly: $1.5k on screen, 1500 on the clipboard.
        table.move_cursor(column=table.get_column_index("monthly_cost_usd"))
        assert table.get_cell_at(table.cursor_coordinate).plain.strip() == "$1.5k"
        await pilot.press("y")
        assert copied == [EDGE, "1500"] and app.clipboard == "1500"
        assert toasts(app)[-1] == "Copied '1500' (OSC 52 clipboard)"
