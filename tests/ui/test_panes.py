"""Panes 3-6, help, the command palette and resizing."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Select, TextArea

from tests.ui.conftest import CNN, EDGE, VIT
from tests.ui.helpers import recommendation, static_text, table_column, type_text
from workbench.tui.screens.help import HelpScreen
from workbench.tui.widgets.chart import ChartPanel


async def test_frontier_pane_fills_and_redraws_on_resize(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        chart = app.query_one("#frontier-chart", ChartPanel)
        text = chart.chart_text()
        assert "Accuracy % vs monthly cost" in text
        assert "@" in text  # the recommendation's marker
        width_80 = max(len(line) for line in text.splitlines())
        assert "Cost per 1% accuracy" in app.query_one("#bars-chart", ChartPanel).chart_text()
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert app.screen.has_class("-wide")  # the breakpoint (App.HORIZONTAL_BREAKPOINTS)
        text = chart.chart_text()
        assert max(len(line) for line in text.splitlines()) != width_80
        # Plot, legend and key fill the taller panel.
        height = chart.scrollable_content_region.height
        assert 0.8 * height <= len(text.splitlines()) <= height


async def test_matrix_shows_contributions_recommendation_and_runner_up(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        rows = table_column(app, "#matrix-table", "c:monthly_cost_usd")
        assert rows[0] == "0.300"  # at 80 columns: the figure, no bar
        assert table_column(app, "#matrix-table", "score")[1].startswith("0.743")
        text = static_text(app, "#recommendation")
        assert f"Recommendation: {EDGE}" in text
        assert "the only one of 3 candidates that meets every constraint" in text
        assert f"Runner-up: {CNN}" in text and "score gap -0.193" in text
        await pilot.press("down", "enter")  # jump to that candidate in pane 1
        assert app.query_one("TabbedContent").active == "candidates"
        row_key, _ = app.query_one("#candidates-table").cursor_keys()
        assert app.session.scenario.candidates["name"].iloc[int(row_key)] == CNN


async def test_whatif_sweep_and_accuracy_delta(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        picks = table_column(app, "#sweep-table", "rec")
        assert picks[0] == CNN[:21] + "…" and picks[1] == f"↳ {EDGE}"[:21] + "…"  # 80 columns
        await pilot.press("v")  # the chart's view
        assert "budget $15,000" in app.query_one("#volume-chart", ChartPanel).chart_text()
        await pilot.press("v", "v")  # costs, and back to the sweep
        field = app.query_one("#error-cost", Input)
        field.focus()
        await type_text(pilot, "0.2")
        assert app.session.scenario.whatif.error_cost_usd is None  # typed, not applied
        await pilot.press("enter")
        assert app.session.scenario.whatif.error_cost_usd == pytest.approx(0.2)
        summary = static_text(app, "#delta-summary")
        assert "One more accuracy point is worth $30,000/month" in summary
        assert table_column(app, "#delta-table", "net")[1] == "$76k"  # compact at 80 columns
        app.query_one("#baseline-select", Select).focus()
        await pilot.press("enter", "down", "down", "enter")  # 2nd name in rank order
        assert app.session.scenario.whatif.baseline == CNN
        assert table_column(app, "#delta-table", "dacc")[0] == "-5.00"


async def test_report_records_the_decision(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        assert app.focused is not None and app.focused.id == "memo-scroll"
        assert "Retail checkout" in app.query_one("#pane-report").memo_text()
        app.query_one("#report-chosen", Select).focus()
        await pilot.press("enter", "down", "enter")
        assert app.session.decision.chosen == CNN
        area = app.query_one("#report-rationale", TextArea)
        area.focus()
        await pilot.press("f7")  # select all, then type over it
        await type_text(pilot, "Ok")
        assert app.session.decision.rationale == "Ok"
        assert app.modified
        app.query_one("#pane-report").render_memo()
        assert "Ok" in app.query_one("#pane-report").memo_text()
        await pilot.press("u")  # u types into the text area: it is not undo there
        assert app.session.decision.rationale == "Oku"


async def test_help_lists_every_key_and_closes(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(f"{k} {d}" for _, rows in app.help_sections() for k, d in rows)
        for needle in ("ctrl+s Save", "ctrl+o Open", "s Sort", "S Reverse", "+ = → l Weight+",
                       "ctrl+e Export memo", "u ctrl+z Undo", "d Duplicate", "x del Delete",
                       "esc Leave field", "? F1 Help", "q ctrl+q Quit", "e Edit", "a Add"):
            assert needle in text, needle
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)


async def test_command_palette_switches_panes(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await type_text(pilot, "what-if")
        await pilot.pause(0.3)
        await pilot.press("enter")
        assert app.query_one("TabbedContent").active == "whatif"


async def test_no_volume_session_shows_costs_per_1k(make_app):
    from tests.ui.conftest import RETAIL_CSV
    from workbench.inputs import open_file

    session, notes, _ = open_file(RETAIL_CSV)
    app = make_app(session, None, notes)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "/1k" in str(app.query_one("#status").render())
        await pilot.press("5")
        assert "Set a volume" in static_text(app, "#sweep-note")
        assert recommendation(app) in (EDGE, CNN, VIT)
