"""Issue #15, item 1: undo is scoped to the pane it is pressed on, names what it
reverts, and ctrl+y redoes it."""

from __future__ import annotations

from textual.widgets import TextArea

from tests.ui.helpers import screen_text, status, to_field, toasts, type_text

NOTHING_ON_PANE_2 = ("Nothing to undo in the analysis inputs (panes 1-5, 7); "
                     "the report's text (pane 6) has 1 to undo there")



async def test_undo_on_pane_2_names_the_budget_and_spares_pane_6_notes(retail, make_app):
    app = make_app(retail)
    original_notes = retail.notes
    async with app.run_test(size=(80, 24)) as pilot:
        # Notes typed on pane 6 ...
        await pilot.press("6")
        app.query_one("#report-notes", TextArea).focus()
        await pilot.press("ctrl+home")
        await type_text(pilot, "Keep this. ")
        await pilot.pause()
        assert app.session.notes == "Keep this. " + original_notes
        # ... then the budget changed on pane 2.
        await pilot.press("escape", "2")
        await to_field(pilot, "field-monthly_budget_usd")
        await pilot.press("ctrl+u")
        await type_text(pilot, "100")
        await pilot.press("enter")
        assert app.session.scenario.constraints.monthly_budget_usd == 100
        assert "no recommendation" in status(app)  # nothing fits $100/month

        await pilot.press("u")
        await pilot.pause()
        assert toasts(app)[-1] == "Undone: budget $100 -> $15,000 (ctrl+y redoes)"
        assert app.session.scenario.constraints.monthly_budget_usd == 15_000
        assert "$1,500/mo" in status(app)  # the edge model is the pick again
        assert "Budget $/month      15000" in screen_text(app)

        # More undo on pane 2 reaches nothing of pane 6: the notes stay, and it says where.
        await pilot.press("u", "u", "u", "u", "u", "u")
        await pilot.pause()
        assert toasts(app)[-1] == NOTHING_ON_PANE_2
        assert app.session.notes == "Keep this. " + original_notes
        assert app.session.scenario.constraints.monthly_budget_usd == 15_000

        await pilot.press("ctrl+y")
        await pilot.pause()
        assert toasts(app)[-1] == "Redone: budget $15,000 -> $100 (u undoes)"
        assert app.session.scenario.constraints.monthly_budget_usd == 100
        assert "Budget $/month      100 " in screen_text(app)
        assert app.session.notes == "Keep this. " + original_notes

        # On pane 6, u undoes the notes and leaves the budget alone.
        await pilot.press("6")
        assert not isinstance(app.focused, TextArea)
        await pilot.press("u")
        await pilot.pause()
        n = len(original_notes)
        assert toasts(app)[-1] == f"Undone: notes ({n + 11} -> {n} characters) (ctrl+y redoes)"
        assert app.session.notes == original_notes
        assert app.session.scenario.constraints.monthly_budget_usd == 100

