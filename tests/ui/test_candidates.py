"""Pane 1: the candidate table, its detail line, sorting and row/cell edits."""

from __future__ import annotations

from textual.widgets import Input

from tests.ui.conftest import CNN, EDGE, VIT
from tests.ui.helpers import (
    recommendation,
    static_text,
    status,
    table_column,
    type_text,
)
from workbench.tui.screens.prompt import FormScreen, PromptScreen


async def test_table_shows_rank_frontier_feasibility_and_reason(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        assert table_column(app, "#candidates-table", "name") == [EDGE, CNN, VIT]
        assert table_column(app, "#candidates-table", "feasible") == ["✓", "✗", "✗"]
        assert table_column(app, "#candidates-table", "pareto") == ["★", "★", "★"]
        assert "meets every constraint" in static_text(app, "#candidate-detail")
        await pilot.press("down")  # the focused row's reason, in the engine's words
        assert "monthly cost $75,000 > budget $15,000" in static_text(app, "#candidate-detail")
        assert "3 candidates · 1 feasible" in static_text(app, "#candidates-note")


async def test_sort_by_cursor_column_and_reverse(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one("#candidates-table")
        table.move_cursor(column=table.get_column_index("latency_ms"))
        await pilot.press("S")  # reverse rank order first
        assert table_column(app, "#candidates-table", "name") == [VIT, CNN, EDGE]
        await pilot.press("s")  # by latency, ascending
        assert table_column(app, "#candidates-table", "name") == [EDGE, CNN, VIT]
        await pilot.press("S")
        assert table_column(app, "#candidates-table", "name") == [VIT, CNN, EDGE]
        assert "▼" in str(table.columns[table.coordinate_to_cell_key(table.cursor_coordinate).column_key].label)
        await pilot.press("s")  # same column again: back to rank order
        assert table_column(app, "#candidates-table", "name") == [EDGE, CNN, VIT]


async def test_deleting_the_recommended_candidate_moves_the_pick(retail, make_app):
    from dataclasses import replace

    session = retail.with_scenario(
        constraints=replace(retail.scenario.constraints, monthly_budget_usd=100_000)
    )
    app = make_app(session)
    async with app.run_test(size=(80, 24)) as pilot:
        assert recommendation(app) == CNN
        await pilot.press("down")  # the CNN is rank 1 here; MobileNet rank 2
        await pilot.press("up", "x")
        assert CNN not in app.session.scenario.candidates["name"].tolist()
        assert recommendation(app) == EDGE
        assert EDGE in status(app) and "●" in status(app)
        assert table_column(app, "#candidates-table", "name") == [EDGE, VIT]
        await pilot.press("u")  # undo brings it back
        assert recommendation(app) == CNN
        assert len(app.session.scenario.candidates) == 3


async def test_edit_a_cell_with_e_and_enter(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one("#candidates-table")
        table.move_cursor(row=0, column=table.get_column_index("maintainability"))
        await pilot.press("e")
        assert isinstance(app.screen, PromptScreen)
        await type_text(pilot, "5")  # the value is selected: typing replaces it
        await pilot.press("enter")
        frame = app.session.scenario.candidates
        assert frame.loc[frame["name"] == EDGE, "maintainability"].item() == 5
        # A value the loader would refuse keeps the dialog open with its message.
        table.move_cursor(column=table.get_column_index("accuracy"))
        await pilot.press("enter")
        await type_text(pilot, "120")
        await pilot.press("enter")
        assert isinstance(app.screen, PromptScreen)
        assert "outside 0-100" in static_text(app, "#prompt-error")
        await pilot.press("escape")
        assert frame.loc[frame["name"] == EDGE, "accuracy"].item() == 90


async def test_computed_cells_are_not_editable(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one("#candidates-table")
        table.move_cursor(column=table.get_column_index("score"))
        await pilot.press("e")
        assert not isinstance(app.screen, PromptScreen)
        assert any("computed" in n.message for n in app._notifications)


async def test_add_and_duplicate_candidates(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        assert isinstance(app.screen, FormScreen)
        values = {"name": "Tiny", "accuracy": "91", "latency_ms": "10", "cost_per_1k": "0.05",
                  "maintainability": "4"}
        for key, value in values.items():
            app.screen.query_one(f"#field-{key}", Input).value = value
        await pilot.press("enter")
        names = app.session.scenario.candidates["name"].tolist()
        assert names[-1] == "Tiny"
        assert recommendation(app) == "Tiny"
        await pilot.press("d")  # duplicates the focused row (the new one)
        names = app.session.scenario.candidates["name"].tolist()
        assert names[-1] == "Tiny (copy)"
        assert len(names) == 5
