"""`n`: notes on the open session, read-only: how its file was read (which header became
which column, unit conversions such as 'Latency (s)' x1000), and what the analysis
noted. Every line comes from a file or the engine: drawn with `safe.literal`."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from workbench.tui.safe import literal


class NotesScreen(ModalScreen[None]):
    AUTO_FOCUS = "#notes-body"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,n", "close", "Close", id="notes.close"),
        Binding("j,down", "scroll('down')", show=False),
        Binding("k,up", "scroll('up')", show=False),
    ]

    def __init__(self, title: str, sections: list[tuple[str, list[str]]]) -> None:
        super().__init__()
        self._title = title
        self._sections = sections

    def compose(self) -> ComposeResult:
        parts: list[RenderableType] = []
        for heading, lines in self._sections:
            parts.append(Text(heading, style="bold underline"))
            parts += [Text("• ").append_text(literal(line)) for line in lines]
            parts.append(Text(""))
        with Vertical(classes="dialog help-dialog"):
            yield Static(literal(self._title), classes="dialog-title")
            with VerticalScroll(id="notes-body"):
                yield Static(Group(*parts), id="notes-text")
            yield Static("esc close · j/k scroll", classes="dialog-keys")

    def action_scroll(self, direction: str) -> None:
        hits = self.query("#notes-body")
        if hits:
            body = hits.first(VerticalScroll)
            (body.scroll_down if direction == "down" else body.scroll_up)(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
