"""Regressions from the 80x24 user test: typing in the open dialog, pane 7 after a
session without [routing], and undo while a pane-6 field has focus."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input

from tests.ui.helpers import settle, type_text
from tests.ui.test_routing_pane import Host, errors, fraud, text
from workbench.analysis import analyze
from workbench.session import save_session
from workbench.tui.panes.routing import RoutingPane
from workbench.tui.screens.open_file import OpenScreen
from workbench.tui.widgets.chart import ChartPanel


async def test_open_dialog_types_a_path_even_with_saved_sessions(retail, make_app, tmp_path: Path):
    folder = tmp_path / "sessions"
    folder.mkdir()
    save_session(retail.with_(title="Checkout A"), folder / "a.toml")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,accuracy,latency_ms,cost_per_1k\nA,95,10,abc\n")
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        before = app.session
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, OpenScreen)
        assert isinstance(app.screen.focused, DataTable)  # the list starts focused
        await type_text(pilot, "bad.csv")  # j/k and every other key go to the path
        assert app.screen.query_one("#open-path", Input).value == "bad.csv"
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, OpenScreen)
        assert app.session is before and app.session.title != "Checkout A"
        messages = [n.message for n in app._notifications if n.severity == "error"]
        assert any("bad.csv" in m or "'abc' is not a number" in m for m in messages)


async def test_open_dialog_arrows_still_pick_a_session(retail, make_app, tmp_path: Path):
    folder = tmp_path / "sessions"
    folder.mkdir()
    save_session(retail.with_(title="Checkout A"), folder / "a.toml")
    save_session(retail.with_(title="Checkout B"), folder / "b.toml")
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        await settle(pilot)  # the list fills in from a thread worker
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.session.title == "Checkout B"


async def test_routing_pane_clears_figures_for_a_session_without_routing():
    session, path = fraud()
    app = Host(session, path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await settle(pilot)
        assert text(app, "#routing-table").strip()
        assert "r: run again" in text(app, "#routing-status")
        # Another session, without [routing], is opened.
        bare = session.with_(routing=None, title="Other")
        app.session = app.clean = bare
        app.analysis = analyze(bare.scenario)
        app.generation += 1
        app.pane.show(app.snapshot())
        await settle(pilot)
        assert "No routing settings yet" in text(app, "#routing-rule")
        assert text(app, "#routing-table").strip() == ""
        assert text(app, "#routing-notes").strip() == ""
        assert app.query_one("#routing-chart", ChartPanel).chart_text().strip() == ""
        assert text(app, "#routing-status").strip() == ""
        assert isinstance(app.pane, RoutingPane)


async def test_routing_status_drops_a_fixed_field_error():
    session, path = fraud()
    app = Host(session, path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await settle(pilot)
        field = app.query_one("#routing-above", Input)
        field.focus()
        await pilot.press("end", "~")
        await pilot.pause()
        assert "(not applied)" in text(app, "#routing-status")
        await pilot.press("backspace")
        await pilot.pause()
        assert "(not applied)" not in text(app, "#routing-status")
        assert "r: run again" in text(app, "#routing-status")
        assert not errors(app)


async def test_undo_while_a_report_field_has_focus(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        field = app.query_one("#report-by", Input)
        original = field.value
        assert original == (retail.decision.decided_by or "")
        field.focus()
        await pilot.press("end")
        await type_text(pilot, "Z")
        await pilot.pause()
        assert field.value == original + "Z"
        assert app.session.decision.decided_by == (original + "Z").strip()
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert app.session.decision.decided_by == retail.decision.decided_by
        assert field.has_focus and field.value == original
        assert field.cursor_position == len(original)
        await pilot.press("ctrl+y")  # redo puts the typed value back
        await pilot.pause()
        assert field.value == original + "Z"
        await type_text(pilot, "Y")  # and typing goes on at the end
        await pilot.pause()
        assert field.value == original + "ZY"


async def test_undo_while_the_error_cost_has_focus(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        field = app.query_one("#error-cost", Input)
        original = field.value
        field.focus()
        await pilot.press("end")
        await type_text(pilot, "7")
        await pilot.pause()
        assert field.value == original + "7"
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert field.has_focus and field.value == original


async def test_a_focus_retry_that_outlives_the_screens_does_nothing(retail, make_app):
    # A pane switch re-checks the focus on a timer; under load the last retry can fire
    # while the app is shutting down, when no screen is left: it must not raise
    # (it did: ScreenStackError, failing a test on a busy machine).
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        pane = app.active_pane()
        assert pane is not None
    assert not app.screen_stack
    app._focus_primary(pane)  # no screens: returns quietly
