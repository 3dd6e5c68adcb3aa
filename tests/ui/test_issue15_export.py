"""Issue #15, item 2: an export (pane 6) asks before it replaces an existing file at
its default path; no keeps the file's bytes, yes replaces it and keeps NAME.bak."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from tests.conftest import require
from tests.ui.helpers import settle, static_text, toasts
from workbench.session import save_session
from workbench.tui.screens.prompt import ConfirmScreen, PromptScreen

OLD = b"an older export, byte for byte \x00\xff\n"


@pytest.mark.parametrize(("key", "name", "what", "start"), [
    ("ctrl+e", "checkout.md", "Memo", b"# Retail checkout"),
    ("h", "checkout-report.html", "HTML report", b"<!doctype html>"),
    ("b", "checkout-brief.md", "One-page brief", b"# "),
], ids=["memo", "html", "brief"])
async def test_export_over_the_default_path_asks_first(
    retail, make_app, tmp_path: Path, key: str, name: str, what: str, start: bytes
):
    if key == "h":  # the HTML report is the `report` extra's (plotly)
        require("plotly", "report")
    session_file = tmp_path / "checkout.toml"
    save_session(retail, session_file)
    target = tmp_path / name
    target.write_bytes(OLD)
    app = make_app(retail, session_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        for answer in ("n", "y"):
            await pilot.press(key)
            assert isinstance(app.screen, PromptScreen)
            assert app.screen.query_one("#prompt-input", Input).value == str(target)
            await pilot.press("enter")  # the default path, as offered
            await settle(pilot)
            assert isinstance(app.screen, ConfirmScreen)
            assert static_text(app, ".dialog-message") == (
                f"{target} exists. Replace it? (the old one is kept as .bak)")
            await pilot.press(answer)
            await settle(pilot)
            assert not isinstance(app.screen, ConfirmScreen)
            if answer == "n":
                assert target.read_bytes() == OLD
                assert not target.with_name(name + ".bak").exists()
        written = target.read_bytes()
        assert written != OLD and written.lstrip().lower().startswith(start.lower()), written[:80]
        assert retail.title.encode() in written
        assert target.with_name(name + ".bak").read_bytes() == OLD
        assert toasts(app)[-1] == f"{what} written to {target}"
