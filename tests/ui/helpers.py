"""Small helpers shared by the UI tests."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable, Static

from workbench.tui.app import WorkbenchApp


def static_text(app: WorkbenchApp, selector: str) -> str:
    """Text of a Static on the top screen (a dialog) or else on the main screen."""
    hits = app.screen.query(selector)
    widget = hits.first(Static) if hits else app.query_one(selector, Static)
    content = widget.render()
    return str(content)


def status(app: WorkbenchApp) -> str:
    return static_text(app, "#status")


def table_column(app: WorkbenchApp, selector: str, column: str) -> list[str]:
    table = app.query_one(selector, DataTable)
    out = []
    for value in table.get_column(column):
        out.append(value.plain if isinstance(value, Text) else str(value))
    return out


async def type_text(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in text])


def recommendation(app: WorkbenchApp) -> str | None:
    rec = app.analysis.recommendation
    return None if rec is None else rec.name


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait for every worker (file reads and writes, analyses) and for the messages
    they posted to be handled; again while a result starts another job (save, then
    open). A dialog's worker cancelled by closing the dialog is not waited for."""
    from textual.worker import WorkerCancelled

    app = pilot.app
    for _ in range(50):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            pass
        await pilot.pause()
        if all(worker.is_finished for worker in app.workers):
            return
    raise AssertionError("workers still running after 50 rounds")


def screen_text(app: WorkbenchApp) -> str:
    """What the top screen sends to the terminal, as plain text (the compositor's lines):
    what a user at this terminal size reads."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def toasts(app: WorkbenchApp) -> list[str]:
    return [n.message for n in app._notifications]


async def to_field(pilot, field_id: str) -> None:  # type: ignore[no-untyped-def]
    """Focus a field of the current pane directly, as a click would. Reaching fields by
    the keyboard is tested on its own (test_issue15_constraints: ↑/↓ walk the whole
    form); walking there with shift+tab in every test cost a repaint per field."""
    app = pilot.app
    widget = app.query_one(f"#{field_id}")
    app.screen.set_focus(widget)
    await pilot.pause()
    assert app.focused is widget, f"could not focus #{field_id}; focus is on {app.focused}"
