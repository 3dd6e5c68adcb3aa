"""Issue #15, items 6 and 10: keys typed while a dialog mounts never crash the app; the
user's keymap file rebinds a binding by id, and a broken one is reported, not fatal."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events

from tests.ui.helpers import screen_text, settle, static_text, toasts
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.notes import NotesScreen
from workbench.tui.screens.open_file import OpenScreen
from workbench.tui.screens.prompt import ConfirmScreen, FormScreen, PromptScreen


async def burst(pilot, *keys: str) -> None:  # type: ignore[no-untyped-def]
    """Keys that arrive in one read from the terminal: every event is queued before the
    app handles the first (pilot.press waits for the app to idle between keys)."""
    driver = pilot.app._driver
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(pilot.app)
        driver.send_message(event)
    await settle(pilot)


@pytest.mark.parametrize("send", ["press", "burst"])
async def test_q_then_a_with_unsaved_changes_asks_and_never_crashes(retail, make_app, send):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "plus", "1")  # an edit, then back to pane 1 (a: add)
        assert app.modified
        if send == "press":
            await pilot.press("q", "a")
        else:
            await burst(pilot, "q", "a")
        await settle(pilot)
        assert app.is_running and app._exception is None
        assert isinstance(app.screen, ConfirmScreen)  # the quit question, nothing over it
        assert len(app.screen_stack) == 2
        assert static_text(app, ".dialog-message") == (
            "built-in sample (not saved) has unsaved changes. Save them before quitting?")
        await pilot.press("escape")  # cancel: back to the pane, still running
        assert len(app.screen_stack) == 1 and app.is_running
        await pilot.press("a")  # and a adds a candidate as usual
        assert isinstance(app.screen, FormScreen)
        await pilot.press("escape", "q", "d")  # quit without saving
    assert app._exception is None and app.return_code == 0


@pytest.mark.parametrize("send", ["press", "burst"])
async def test_q_then_a_without_changes_quits_cleanly(retail, make_app, send):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        if send == "press":
            await pilot.press("q", "a")
        else:
            await burst(pilot, "q", "a")
    assert app._exception is None and app.return_code == 0 and not app.is_running


@pytest.mark.parametrize("keys", [("ctrl+o", "a", "b", "escape"), ("ctrl+o", "down", "up", "enter"),
                                  ("ctrl+o", "escape", "q", "a")],
                         ids=["typing", "arrows-enter", "esc-q-a"])
async def test_keys_while_the_open_dialog_mounts(retail, make_app, keys):
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "plus", "1")
        before = app.session
        await burst(pilot, *keys)
        assert app.is_running and app._exception is None
        assert app.session is before  # nothing was opened or changed by the stray keys
        if keys[-1] == "a":  # q asked about the unsaved edit; a did not add anything
            assert isinstance(app.screen, ConfirmScreen) and len(app.screen_stack) == 2
        elif keys[-1] == "enter":  # an empty path is not opened: the dialog stays
            assert isinstance(app.screen, OpenScreen)
        else:
            assert len(app.screen_stack) == 1
    assert app._exception is None


# ---- the user's keymap file ---------------------------------------------------------


async def test_keymap_file_rebinds_help_to_f2(retail, make_app, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch):
    keymap = tmp_path / "keys.toml"
    keymap.write_text('"app.help" = "f2"\nfrontier.bar_order = "O"\n')
    monkeypatch.setenv("WORKBENCH_KEYMAP", str(keymap))
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.keymap_problems == [] and toasts(app) == []
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "f2 Help" in footer and "? Help" not in footer  # the footer says the new key
        await pilot.press("question_mark")  # the old key no longer opens help
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f2")
        assert isinstance(app.screen, HelpScreen)
        assert any(line.split("│")[1].split() == ["f2", "Help", "[app.help]"]
                   for line in screen_text(app).splitlines() if line.count("│") >= 2)
        await pilot.press("escape", "3", "O")  # a pane's binding, rebound too
        assert app.pane("frontier").bar_order == "value"
        assert toasts(app)[-1] == "Cost-per-1% bars: cheapest first (o switches)"


@pytest.mark.parametrize(("text", "problems"), [
    ('"app.help" = f2\n', ["{path}: Invalid value (at line 1, column 14)"]),
    ('"app.nope" = "f3"\n"app.help" = 3\n"file.save" = "f5"\n',
     ["{path}: key 'app.nope': no binding has this id (? lists them)",
      "{path}: key 'app.help': give the keys as text, e.g. \"ctrl+s,f2\""]),
], ids=["not-toml", "bad-entries"])
async def test_broken_keymap_is_reported_and_the_app_starts(
    retail, make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str,
    problems: list[str]
):
    keymap = tmp_path / "keys.toml"
    keymap.write_text(text)
    monkeypatch.setenv("WORKBENCH_KEYMAP", str(keymap))
    expected = [p.format(path=keymap) for p in problems]
    app = make_app(retail)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.is_running and app.keymap_problems == expected
        more = f" (+{len(expected) - 1} more: n shows them)" if len(expected) > 1 else ""
        assert toasts(app) == [expected[0] + more]
        await pilot.press("question_mark")  # the keys the file did not change still work
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "n")
        assert isinstance(app.screen, NotesScreen)
        # The dialog's inside, with the lines joined (long paths wrap anywhere at 80).
        notes = "".join(line.split("│")[1].strip() for line in screen_text(app).splitlines()
                        if line.count("│") >= 2).replace(" ", "")
        assert "Yourkeymapfile" in notes
        for problem in expected:
            assert "•" + problem.replace(" ", "") in notes
        await pilot.press("escape")
        if "file.save" in text:  # the valid line of the file is applied
            await pilot.press("f5")
            assert isinstance(app.screen, PromptScreen)  # save asks for a name
