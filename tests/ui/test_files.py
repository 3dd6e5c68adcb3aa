"""Saving, opening (sessions folder, any path, column mapping), bad files, quitting."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input, Select

from tests.ui.conftest import CNN, EDGE, RETAIL_CSV
from tests.ui.helpers import recommendation, settle, status, type_text
from workbench.session import load_session
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.open_file import MappingScreen, OpenScreen
from workbench.tui.screens.prompt import ConfirmScreen, PromptScreen


async def _set_budget(pilot, value: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("2")
    pilot.app.query_one("#field-monthly_budget_usd", Input).focus()
    await pilot.press("ctrl+u")
    await type_text(pilot, value)
    await pilot.press("enter")  # applies (esc would put the old value back)


async def test_save_then_reopen_gives_the_same_state(retail, make_app, tmp_path: Path):
    app = make_app(retail)
    target = tmp_path / "checkout.toml"
    async with app.run_test(size=(80, 24)) as pilot:
        await _set_budget(pilot, "100000")
        assert recommendation(app) == CNN and app.modified
        await pilot.press("ctrl+s")  # first save: asks for a path
        assert isinstance(app.screen, PromptScreen)
        assert app.screen.query_one(Input).value == "sessions/retail_checkout_item_detector_for_self_checkout_lanes.toml"
        await pilot.press("ctrl+u")
        await type_text(pilot, "checkout.toml")  # relative to the current folder (tmp_path)
        await pilot.press("enter")
        await settle(pilot)  # the file is written by a thread worker
        assert target.exists()
        assert not app.modified and "●" not in status(app)
        assert "checkout.toml" in status(app)
        await pilot.press("ctrl+s")  # second save: no question
        await settle(pilot)
        assert not isinstance(app.screen, PromptScreen)
        saved_analysis = app.analysis

    session, notes = load_session(target)
    again = WorkbenchApp(session, target, notes)
    async with again.run_test(size=(80, 24)) as pilot:
        assert again.session.scenario == app.session.scenario
        assert again.session.decision == app.session.decision
        assert recommendation(again) == CNN
        assert again.analysis.table["name"].tolist() == saved_analysis.table["name"].tolist()
        assert not again.modified
        await pilot.press("2")
        assert again.query_one("#field-monthly_budget_usd", Input).value == "100000"


async def test_open_dialog_lists_sessions_and_opens_one(retail, make_app, tmp_path: Path):
    from workbench.session import save_session

    folder = tmp_path / "sessions"
    folder.mkdir()
    save_session(retail.with_(title="Checkout A"), folder / "a.toml")
    (folder / "broken.toml").write_text("this is = not [valid toml\n")
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, OpenScreen)
        await settle(pilot)  # the sessions are read by a thread worker
        rows = app.screen.query_one("#open-sessions", DataTable)
        titles = [str(rows.get_row_at(i)[0]) for i in range(rows.row_count)]
        assert titles[0] == "Checkout A"
        assert titles[1].startswith("unreadable")
        assert str(rows.get_row_at(0)[2]).startswith("MobileNet-SSD edge")  # its pick
        await pilot.press("enter")
        await settle(pilot)
        assert app.session.title == "Checkout A"
        assert app.path == folder / "a.toml"


async def test_bad_file_notifies_and_keeps_the_session(retail, make_app, tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,accuracy,latency_ms,cost_per_1k\nA,95,10,abc\n")
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        before = app.session
        await pilot.press("ctrl+o")
        await type_text(pilot, "bad.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert app.session is before
        messages = [n.message for n in app._notifications]
        assert any("'abc' is not a number" in m and "row 1" in m for m in messages)


async def test_missing_headers_offer_a_column_mapping(retail, make_app, tmp_path: Path):
    odd = tmp_path / "odd.csv"
    odd.write_text("Thing,Goodness,Wait,Spend\nA,95,10,0.5\nB,90,5,0.1\n")
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        await type_text(pilot, "odd.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MappingScreen)
        for column, header in (("name", "Thing"), ("accuracy", "Goodness"),
                               ("latency_ms", "Wait"), ("cost_per_1k", "Spend")):
            app.screen.query_one(f"#map-{column}", Select).value = header
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.session.scenario.candidates["name"].tolist() == ["A", "B"]
        assert app.path is None  # a table, not a session: saving will ask for a name
        assert "odd.csv" in status(app)


async def test_quit_with_unsaved_changes_asks(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "plus")  # an edit
        assert app.modified
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")  # cancel: still running
        assert not isinstance(app.screen, ConfirmScreen) and app.is_running
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("d")  # quit without saving
    assert app.return_code == 0


async def test_quit_without_changes_just_quits(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
    assert app.return_code == 0 and not app.is_running


async def test_q_types_into_a_field_instead_of_quitting(retail, make_app):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        app.query_one("#report-title", Input).focus()
        await pilot.press("end", "q")
        assert app.is_running
        assert app.session.title.endswith("q")


async def test_export_memo(retail, make_app, tmp_path: Path):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+e")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("ctrl+u")
        await type_text(pilot, "memo.md")
        await pilot.press("enter")
        await settle(pilot)
    text = (tmp_path / "memo.md").read_text()
    assert text.startswith("# Retail checkout")
    assert EDGE in text


def test_run_app_reports_a_bad_path_without_starting(capsys, tmp_path: Path):
    import argparse

    from workbench.cli.main import _tui_parser
    from workbench.tui.app import run_app

    args: argparse.Namespace = _tui_parser().parse_args([str(tmp_path / "missing.csv")])
    assert run_app(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("workbench: error: ") and "no such file" in err


async def test_run_app_flags_apply_to_the_first_screen():
    """`workbench FILE --flags`: the app paints first, then reads FILE and applies the
    flags (build_app is what run_app runs)."""
    from workbench.cli.main import _tui_parser
    from workbench.tui.app import build_app

    args = _tui_parser().parse_args([str(RETAIL_CSV), "--volume-per-day", "500000",
                                     "--budget", "100000", "--max-latency-ms", "200"])
    app = build_app(args)
    assert not isinstance(app, int)
    assert app.session is None  # nothing read before the first frame
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.analysis.recommendation.name == CNN
        assert app.path is None and app.modified
        # The unit conversion made on load is said when the file opens (and kept for n).
        toasts = [n.message for n in app._notifications]
        assert any("x1000" in t and "n: all notes" in t for t in toasts), toasts
