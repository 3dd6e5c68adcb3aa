"""The TUI never freezes on I/O and never crashes on a file (issue #8).

Every read and write runs in a thread worker: a FIFO, a symlink loop, a table nested
thousands deep or a 5,000-digit number is refused with the engine's own message while
the keys keep working and the session stays as it was; a slow read leaves the keys
working (reads are held on a threading.Event the test releases, so nothing sleeps); a
second open/save while one runs is refused; a write never replaces a file unasked; and
an exception that escapes a handler ends the process non-zero with the unsaved work in
a recovery file.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, TabbedContent

from tests.ui.conftest import RETAIL_CSV
from tests.ui.helpers import settle, status, static_text, type_text
from workbench import inputs
from workbench.inputs import builtin_session
from workbench.model import Session
from workbench.session import load_session, save_session
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.open_file import READING, OpenScreen
from workbench.tui.screens.prompt import ConfirmScreen, PromptScreen

FIFO = "is a FIFO (named pipe), not a regular file; refusing to read it"
DEEP = "nested too deeply"
LOOP = "cannot open: symbolic link loop"
HOLD = 10.0  # seconds a held read waits at most; the old code blocked the keys that long


def _deep_toml(path: Path) -> None:
    path.write_text("schema_version = 1\nx = " + "[" * 5000 + "]" * 5000 + "\n")


def _digits_toml(path: Path) -> None:
    path.write_text("schema_version = 1\n[workload]\nvolume_per_day = " + "7" * 5000 + "\n")


def _deep_json(path: Path) -> None:
    path.write_text("[" * 100_000 + "]" * 100_000)


def _digits_json(path: Path) -> None:
    path.write_text('[{"name": "A", "accuracy": ' + "9" * 5000
                    + ', "latency_ms": 10, "cost_per_1k": 0.5}]')


def _loop(path: Path) -> None:
    os.symlink(path.name, path)


# (file name, how to make it, what the engine says)
HOSTILE: list[tuple[str, Callable[[Path], None], str]] = [
    ("pipe.csv", os.mkfifo, FIFO),
    ("pipe.toml", os.mkfifo, FIFO),
    ("deep.toml", _deep_toml, "invalid TOML: nested too deeply"),
    ("deep.json", _deep_json, "invalid JSON: nested too deeply"),
    ("digits.toml", _digits_toml, "invalid TOML: a number has too many digits"),
    ("digits.json", _digits_json, "value has 5000 digits"),
    ("loop.toml", _loop, LOOP),
    ("loop.csv", _loop, LOOP),
]
SESSION_FILES = [case for case in HOSTILE if case[0].endswith(".toml")]


def _accuracy_weight(session: Session) -> float:
    from workbench.analysis import analyze

    return {c.given_as: c.raw_weight for c in analyze(session.scenario).criteria}["accuracy"]


def _messages(app: WorkbenchApp) -> list[str]:
    return [n.message for n in app._notifications]


def _active(app: WorkbenchApp) -> str:
    return app.query_one(TabbedContent).active


async def _still_responds(pilot) -> None:  # type: ignore[no-untyped-def]
    """Keys still switch panes."""
    await pilot.press("3")
    assert _active(pilot.app) == "frontier"
    await pilot.press("1")
    assert _active(pilot.app) == "candidates"


def _rows(app: WorkbenchApp) -> dict[str, list[str]]:
    """{file name: [title, modified, recommendation, decision]} of the open dialog."""
    table = app.screen.query_one("#open-sessions", DataTable)
    out = {}
    for i in range(table.row_count):
        cells = [str(cell) for cell in table.get_row_at(i)]
        out[cells[4]] = cells[:4]
    return out


def _hold(monkeypatch: pytest.MonkeyPatch, module: Any, name: str,
          only: Callable[[Any], bool] = lambda _: True) -> threading.Event:
    """Make `module.name` wait (on its worker thread) until the returned event is set."""
    release = threading.Event()
    real = getattr(module, name)

    def held(*args: Any, **kwargs: Any) -> Any:
        if only(args[0]):
            release.wait(HOLD)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, held)
    return release


# ---- hostile files -----------------------------------------------------------------


@pytest.mark.parametrize(("name", "make", "said"), HOSTILE, ids=[c[0] for c in HOSTILE])
async def test_a_hostile_path_is_refused_with_the_engine_message(
    retail: Session, tmp_path: Path, name: str, make: Callable[[Path], None], said: str
) -> None:
    make(tmp_path / name)
    app = WorkbenchApp(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        before = app.session
        await pilot.press("ctrl+o")
        await type_text(pilot, name)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, OpenScreen)
        assert any(said in m and name in m for m in _messages(app)), _messages(app)
        assert app.session is before and not app.modified and app._job is None
        await _still_responds(pilot)
        await pilot.press("q")
    assert app.return_code == 0


async def test_the_sessions_folder_lists_hostile_files_with_the_engine_message(
    retail: Session, tmp_path: Path
) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    save_session(retail.with_(title="Checkout A"), folder / "a.toml")
    for name, make, _ in SESSION_FILES:
        make(folder / name)
    app = WorkbenchApp(retail)
    async with app.run_test(size=(100, 30)) as pilot:
        before = app.session
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, OpenScreen)
        await settle(pilot)
        rows = _rows(app)
        assert rows["a.toml"][0] == "Checkout A"
        assert set(rows) == {"a.toml", *(name for name, _, _ in SESSION_FILES)}
        table = app.screen.query_one("#open-sessions", DataTable)
        for name, _, said in SESSION_FILES:
            assert rows[name][0].startswith("unreadable: ")
            # The row gives the start of the reason; the hint under the list all of it.
            table.move_cursor(row=table.get_row_index(str(folder / name)))
            await pilot.pause()
            assert static_text(app, "#open-error") == f"{folder / name}: {said}"
        # Choosing one anyway: refused with the same message, the session untouched.
        await pilot.press("enter")
        await settle(pilot)
        assert any(f"{folder / SESSION_FILES[-1][0]}: {LOOP}" == m for m in _messages(app))
        assert app.session is before
        await _still_responds(pilot)
        # The good one still opens.
        await pilot.press("ctrl+o")
        await settle(pilot)
        await pilot.press("home", "enter")
        await settle(pilot)
        assert app.session.title == "Checkout A" and app.path == folder / "a.toml"
        await pilot.press("q")
    assert app.return_code == 0


# ---- slow reads never block the keys ---------------------------------------------


async def test_the_open_dialog_shows_at_once_and_fills_as_sessions_are_read(
    retail: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    save_session(retail.with_(title="Fast"), folder / "a.toml")
    save_session(retail.with_(title="Slow"), folder / "b.toml")
    release = _hold(monkeypatch, inputs, "session_summary", only=lambda p: p.name == "b.toml")
    app = WorkbenchApp(retail)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("ctrl+o")
            assert isinstance(app.screen, OpenScreen)
            for _ in range(100):  # a.toml is read while b.toml is held
                await pilot.pause(0.02)
                if _rows(app).get("a.toml", [""])[0] == "Fast":
                    break
            rows = _rows(app)
            assert rows["a.toml"][0] == "Fast" and rows["a.toml"][2].startswith("MobileNet-SSD")
            assert rows["b.toml"] == [READING, "", "", ""]
            # Keys work meanwhile: typing goes to the path field.
            await type_text(pilot, "x.csv")
            assert app.screen.query_one("#open-path", Input).value == "x.csv"
            release.set()
            await settle(pilot)
            assert _rows(app)["b.toml"][0] == "Slow"
    finally:
        release.set()


async def test_esc_closes_the_open_dialog_while_a_read_is_held(
    retail: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    save_session(retail, folder / "a.toml")
    release = _hold(monkeypatch, inputs, "session_summary")
    app = WorkbenchApp(retail)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+o")
            assert isinstance(app.screen, OpenScreen)
            assert _rows(app)["a.toml"][0] == READING
            await pilot.press("escape")
            assert not isinstance(app.screen, OpenScreen)
            await _still_responds(pilot)
            release.set()
            await settle(pilot)
            await pilot.press("q")
    finally:
        release.set()
    assert app.return_code == 0


async def test_a_slow_open_keeps_the_keys_and_refuses_a_second_file_job(
    retail: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = _hold(monkeypatch, inputs, "open_file")
    app = WorkbenchApp(retail)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            before = app.session
            await pilot.press("ctrl+o")
            await type_text(pilot, str(RETAIL_CSV))
            await pilot.press("enter")
            assert "opening retail_checkout.csv…" in status(app)
            await _still_responds(pilot)
            # No second file job while one runs: save, save as, open, export say wait.
            for key in ("ctrl+s", "ctrl+o", "ctrl+e"):
                await pilot.press(key)
                assert not isinstance(app.screen, (PromptScreen, OpenScreen)), key
                assert _messages(app)[-1] == ("Wait: opening retail_checkout.csv is still "
                                              "in progress.")
            assert app.session is before
            release.set()
            await settle(pilot)
            assert app.session is not before
            assert app.session.source.path == str(RETAIL_CSV)
            assert "opening" not in status(app) and app._job is None
    finally:
        release.set()


async def test_a_save_in_flight_refuses_a_second_save_and_quitting(
    retail: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.session import store

    target = tmp_path / "checkout.toml"
    save_session(retail, target)
    session, notes = load_session(target)
    release = _hold(monkeypatch, store, "save_session")
    app = WorkbenchApp(session, target, notes)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("2", "plus")
            assert app.modified
            await pilot.press("ctrl+s")
            assert "saving checkout.toml…" in status(app)
            await pilot.press("ctrl+s")
            assert _messages(app)[-1] == "Wait: saving checkout.toml is still in progress."
            await pilot.press("q")  # a write is never abandoned halfway
            assert app.is_running and not isinstance(app.screen, ConfirmScreen)
            release.set()
            await settle(pilot)
            assert not app.modified and "Saved checkout.toml" in _messages(app)
            assert _accuracy_weight(load_session(target)[0]) == pytest.approx(0.45)
            await pilot.press("q")
    finally:
        release.set()
    assert app.return_code == 0


# ---- writes never replace a file unasked -----------------------------------------


async def test_export_over_an_existing_file_asks_and_no_keeps_it(
    retail: Session, tmp_path: Path
) -> None:
    memo = tmp_path / "memo.md"
    memo.write_text("keep me\n")
    app = WorkbenchApp(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        for answer in ("n", "y"):
            await pilot.press("ctrl+e")
            assert isinstance(app.screen, PromptScreen)
            await pilot.press("ctrl+u")
            await type_text(pilot, "memo.md")
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmScreen)
            assert "memo.md exists. Replace it?" in static_text(app, ".dialog-message")
            await pilot.press(answer)
            await settle(pilot)
            if answer == "n":
                assert memo.read_text() == "keep me\n"
        assert memo.read_text().startswith("# Retail checkout")
        assert (tmp_path / "memo.md.bak").read_text() == "keep me\n"


async def test_save_as_over_an_existing_file_asks_and_no_keeps_it(
    retail: Session, tmp_path: Path
) -> None:
    other = tmp_path / "other.toml"
    other.write_text("# someone else's session\n")
    app = WorkbenchApp(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        await pilot.press("ctrl+u")
        await type_text(pilot, "other.toml")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert other.read_text() == "# someone else's session\n"
        assert app.path is None


# ---- a crash ends non-zero and keeps the unsaved work --------------------------------


def _boom(self: WorkbenchApp) -> None:
    raise RuntimeError("forced failure in a handler")


@pytest.mark.parametrize("saved", [True, False], ids=["next-to-session", "in-cwd"])
def test_a_crash_exits_non_zero_and_writes_a_recovery_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    saved: bool
) -> None:
    from workbench.cli.main import _tui_parser
    from workbench.tui import app as app_module

    folder = tmp_path / "work"
    folder.mkdir()
    argv: list[str] = []
    if saved:
        session, _ = builtin_session()
        save_session(session, folder / "checkout.toml")
        argv = [str(folder / "checkout.toml")]
    original = (folder / "checkout.toml").read_bytes() if saved else b""

    async def crash(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("2", "plus")  # unsaved work: accuracy weight 0.40 -> 0.45
        assert pilot.app.modified
        try:
            await pilot.press("question_mark")  # the help action raises
            await pilot.pause()
        finally:
            if pilot.app.is_running and pilot.app.return_code is None:
                pilot.app.exit(0)  # the crash did not happen: end, and fail below

    real_run = WorkbenchApp.run
    monkeypatch.setattr(WorkbenchApp, "action_help", _boom)
    monkeypatch.setattr(WorkbenchApp, "run",
                        lambda self: real_run(self, headless=True, size=(80, 24),
                                              auto_pilot=crash))
    code = app_module.run_app(_tui_parser().parse_args(argv))
    assert code == 1
    if saved:
        recovered = list(folder.glob("checkout-recovery-*.toml"))
        assert (folder / "checkout.toml").read_bytes() == original  # untouched
    else:
        recovered = list(tmp_path.glob("workbench-recovery-*.toml"))
    assert len(recovered) == 1
    assert _accuracy_weight(load_session(recovered[0])[0]) == pytest.approx(0.45)
    err = capsys.readouterr().err
    assert f"unsaved changes were written to {recovered[0].name}" in err or str(recovered[0]) in err


def test_a_crash_without_unsaved_work_exits_non_zero_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.cli.main import _tui_parser
    from workbench.tui import app as app_module

    async def crash(pilot) -> None:  # type: ignore[no-untyped-def]
        try:
            await pilot.press("question_mark")
            await pilot.pause()
        finally:
            if pilot.app.is_running and pilot.app.return_code is None:
                pilot.app.exit(0)

    real_run = WorkbenchApp.run
    monkeypatch.setattr(WorkbenchApp, "action_help", _boom)
    monkeypatch.setattr(WorkbenchApp, "run",
                        lambda self: real_run(self, headless=True, size=(80, 24),
                                              auto_pilot=crash))
    assert app_module.run_app(_tui_parser().parse_args([])) == 1
    assert list(tmp_path.glob("*.toml")) == []
