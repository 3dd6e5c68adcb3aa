"""Fixtures for the Pilot and snapshot tests of the TUI.

Every test runs in its own temporary folder (so `sessions/` and saved files never
touch the repository), with the cursor blink off so pictures are deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from workbench.model import Session
from workbench.tui.app import WorkbenchApp
from workbench.inputs import builtin_session

ROOT = Path(__file__).resolve().parents[2]
RETAIL_CSV = ROOT / "sample_data" / "retail_checkout.csv"

CNN = "ResNet-50 FPN (mid-tier CNN)"
EDGE = "MobileNet-SSD edge (on-device)"
VIT = "ViT-L detector (transformer)"


@pytest.fixture(autouse=True)
def no_blink() -> Iterator[None]:
    """Freeze the cursor blink of every Input and TextArea the app creates."""
    saved = (Input.cursor_blink._default, TextArea.cursor_blink._default)
    Input.cursor_blink._default = False
    TextArea.cursor_blink._default = False
    try:
        yield
    finally:
        Input.cursor_blink._default, TextArea.cursor_blink._default = saved


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder; keep the user's own environment out of the app."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TEXTUAL", raising=False)
    # The user's own keymap file stays out: the keymap is read from here.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("WORKBENCH_KEYMAP", raising=False)
    return tmp_path


@pytest.fixture
def retail() -> Session:
    """The built-in sample session, exactly what `workbench` opens."""
    session, _ = builtin_session()
    return session


@pytest.fixture
def make_app():  # type: ignore[no-untyped-def]
    def make(session: Session, path: Path | None = None, notes: list[str] | None = None) -> WorkbenchApp:
        return WorkbenchApp(session, path, notes)

    return make
